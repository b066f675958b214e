#include "receptor/stats/roc.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <stdexcept>

using receptor::stats::ranks_descending;
using receptor::stats::roc_auc;

namespace {

// The definition, pair by pair.
double brute_force_auc(const std::vector<double>& s, const std::vector<bool>& pos) {
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < s.size(); ++i)
    for (size_t j = 0; j < s.size(); ++j)
      if (pos[i] && !pos[j]) {
        pairs += 1;
        wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
      }
  return wins / pairs;
}

} // namespace

TEST(StatsRoc, separation_reversal_and_ties) {
  EXPECT_EQ(roc_auc({0.1, 0.2, 0.8, 0.9}, {false, false, true, true}), 1.0);
  EXPECT_EQ(roc_auc({0.1, 0.2, 0.8, 0.9}, {true, true, false, false}), 0.0);
  EXPECT_EQ(roc_auc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}), 0.75);
  // A tied pair counts half: (0.5 + 1) / 2.
  EXPECT_EQ(roc_auc({1, 1, 2}, {true, false, true}), 0.75);
  EXPECT_EQ(roc_auc({3, 3, 3, 3}, {true, false, true, false}), 0.5);
}

TEST(StatsRoc, undefined_auc_is_one_half_and_sizes_must_match) {
  EXPECT_EQ(roc_auc({1, 2}, {false, false}), 0.5);
  EXPECT_EQ(roc_auc({1, 2}, {true, true}), 0.5);
  EXPECT_EQ(roc_auc({}, {}), 0.5);
  EXPECT_THROW(roc_auc({1, 2}, {true}), std::invalid_argument);
}

TEST(StatsRoc, equals_the_pairwise_definition_on_tied_random_scores) {
  std::mt19937_64 rng{42};
  std::uniform_int_distribution<int> level{0, 9}; // few levels: many ties
  std::bernoulli_distribution label{0.3};
  for (int round = 0; round < 20; ++round) {
    std::vector<double> s(200);
    std::vector<bool> pos(200);
    for (size_t i = 0; i < s.size(); ++i) {
      s[i] = level(rng) * 0.1;
      pos[i] = label(rng);
    }
    EXPECT_NEAR(roc_auc(s, pos), brute_force_auc(s, pos), 1e-12);
  }
}

TEST(StatsRoc, nan_scores_rank_lowest) {
  double qnan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(roc_auc({qnan, 1.0}, {false, true}), 1.0);
  EXPECT_EQ(roc_auc({qnan, qnan}, {false, true}), 0.5);
}

TEST(StatsRoc, ranks_descending_breaks_ties_by_index) {
  double qnan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(ranks_descending({0.5, 0.9, 0.5, qnan, 0.1}), (std::vector<uint64_t>{2, 1, 3, 5, 4}));
  EXPECT_EQ(ranks_descending({2, 2, 2}), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(ranks_descending({}).empty());
}
