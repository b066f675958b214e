#include "receptor/stats/roc.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace receptor::stats {

namespace {

// Ascending, NaN first (lowest) and all NaN equal: a strict weak order.
bool score_less(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && !std::isnan(b);
  return a < b;
}

bool score_equal(double a, double b) { return !score_less(a, b) && !score_less(b, a); }

} // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size())
    throw std::invalid_argument("roc_auc: " + std::to_string(scores.size()) + " scores for "
                                + std::to_string(positive.size()) + " labels");
  auto n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score_less(scores[a], scores[b]); });
  // Twice the midrank of a tie group [a, b) (ranks a+1..b) is a+1+b: integers keep it exact.
  uint64_t twice_rank_sum = 0, positives = 0;
  for (size_t a = 0; a < n;) {
    size_t b = a + 1;
    while (b < n && score_equal(scores[order[a]], scores[order[b]]))
      ++b;
    for (size_t i = a; i < b; ++i)
      if (positive[order[i]]) {
        twice_rank_sum += a + 1 + b;
        ++positives;
      }
    a = b;
  }
  uint64_t negatives = n - positives;
  if (positives == 0 || negatives == 0)
    return 0.5;
  // 2U = 2·(rank sum) - P(P+1).
  auto twice_u = static_cast<double>(twice_rank_sum - positives * (positives + 1));
  return twice_u / (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
}

std::vector<uint64_t> ranks_descending(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return score_less(scores[b], scores[a]); });
  std::vector<uint64_t> rank(scores.size());
  for (size_t i = 0; i < order.size(); ++i)
    rank[order[i]] = i + 1;
  return rank;
}

} // namespace receptor::stats
