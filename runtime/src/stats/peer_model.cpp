#include "receptor/stats/peer_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace receptor::stats {

namespace {

// A total order on doubles: -0 before +0, NaN after everything. Rows equal
// under it are bit-identical (up to NaN payloads, which no output sees), so the
// sorted matrix does not depend on the input order.
bool total_less(double a, double b) {
  bool a_nan = std::isnan(a), b_nan = std::isnan(b);
  if (a_nan || b_nan)
    return !a_nan && b_nan;
  if (a != b)
    return a < b;
  return std::signbit(a) && !std::signbit(b);
}

Eigen::MatrixXd sorted_rows(const Eigen::Ref<const Eigen::MatrixXd>& rows) {
  std::vector<Eigen::Index> order(static_cast<size_t>(rows.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    for (Eigen::Index j = 0; j < rows.cols(); ++j) {
      double x = rows(a, j), y = rows(b, j);
      if (total_less(x, y))
        return true;
      if (total_less(y, x))
        return false;
    }
    return false;
  });
  Eigen::MatrixXd out(rows.rows(), rows.cols());
  for (size_t i = 0; i < order.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) = rows.row(order[i]);
  return out;
}

double clamp_shrinkage(double lambda) {
  if (std::isnan(lambda))
    return default_shrinkage;
  return std::clamp(lambda, 0.0, 1.0);
}

} // namespace

namespace {

// The robust scales of a group and its z values winsorized at
// ±covariance_clip_z, centred on their column means, rows in sorted order.
struct centred_group {
  std::vector<robust_scale> features;
  Eigen::MatrixXd z;
};

centred_group centre_group(const Eigen::Ref<const Eigen::MatrixXd>& rows) {
  auto n = rows.rows();
  auto p = rows.cols();
  Eigen::MatrixXd x = sorted_rows(rows);
  centred_group g;
  g.features.reserve(static_cast<size_t>(p));
  g.z.resize(n, p);
  for (Eigen::Index j = 0; j < p; ++j) {
    std::vector<double> column(x.col(j).begin(), x.col(j).end());
    g.features.push_back(fit_robust_scale(std::move(column)));
    // Winsorized for the covariance only: an outlier in the group must not
    // inflate the spread it is measured against (with the plain sample
    // covariance one member's d can never exceed (n-1)/sqrt(n)).
    for (Eigen::Index i = 0; i < n; ++i)
      g.z(i, j) = robust_z(x(i, j), g.features.back(), covariance_clip_z);
  }
  if (n == 0)
    return g;
  // Explicit loops in the sorted row order: the sums, and so the bits, are fixed.
  for (Eigen::Index j = 0; j < p; ++j) {
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      sum += g.z(i, j);
    g.z.col(j).array() -= sum / static_cast<double>(n);
  }
  return g;
}

// zᵀz / divisor, p×p row-major, symmetric by construction.
std::vector<double> cross_products(const Eigen::MatrixXd& z, double divisor) {
  auto pu = static_cast<size_t>(z.cols());
  std::vector<double> s(pu * pu, 0.0);
  for (size_t j = 0; j < pu; ++j)
    for (size_t k = j; k < pu; ++k) {
      double sum = 0;
      for (Eigen::Index i = 0; i < z.rows(); ++i)
        sum += z(i, static_cast<Eigen::Index>(j)) * z(i, static_cast<Eigen::Index>(k));
      s[j * pu + k] = s[k * pu + j] = sum / divisor;
    }
  return s;
}

double mean_diagonal(const std::vector<double>& s, size_t p) {
  double trace = 0;
  for (size_t j = 0; j < p; ++j)
    trace += s[j * p + j];
  return trace / static_cast<double>(p);
}

} // namespace

peer_model fit_peer_model(std::string peer_group, const Eigen::Ref<const Eigen::MatrixXd>& rows,
                          double shrinkage) {
  peer_model m;
  m.peer_group = std::move(peer_group);
  m.members = static_cast<uint64_t>(rows.rows());
  auto n = rows.rows();
  auto pu = static_cast<size_t>(rows.cols());
  auto g = centre_group(rows);
  m.features = std::move(g.features);
  m.covariance.assign(pu * pu, 0.0);
  if (n < 2 || pu == 0) {
    // No spread to estimate: every feature counts alone, in robust units.
    for (size_t j = 0; j < pu; ++j)
      m.covariance[j * pu + j] = 1.0;
    m.shrinkage = 1.0;
    return m;
  }

  auto s = cross_products(g.z, static_cast<double>(n - 1));
  double target = mean_diagonal(s, pu);
  if (!(target > 0))
    target = 1.0; // every z is equal: the identity keeps the scale in robust units
  double lambda = clamp_shrinkage(shrinkage);
  // Floored at 1 robust unit: Σ ≥ 1e-9·I, so with |z| ≤ 1e6 every d² is finite.
  double ridge = relative_ridge * std::max(target, 1.0);
  for (size_t j = 0; j < pu; ++j)
    for (size_t k = 0; k < pu; ++k)
      m.covariance[j * pu + k] = (1 - lambda) * s[j * pu + k];
  for (size_t j = 0; j < pu; ++j)
    m.covariance[j * pu + j] += lambda * target + ridge;
  m.shrinkage = lambda;
  return m;
}

double ledoit_wolf_shrinkage(const Eigen::Ref<const Eigen::MatrixXd>& rows) {
  auto n = rows.rows();
  auto pu = static_cast<size_t>(rows.cols());
  if (n < 2 || pu == 0)
    return 1.0;
  auto g = centre_group(rows);
  const auto& z = g.z;
  auto nd = static_cast<double>(n);
  auto pd = static_cast<double>(pu);
  // The formulas of sklearn.covariance.ledoit_wolf_shrinkage, on the biased
  // covariance E = zᵀz / n.
  auto e = cross_products(z, nd);
  double mu = mean_diagonal(e, pu);
  double e_squares = 0; // ‖E‖²_F
  for (double v : e)
    e_squares += v * v;
  double fourth = 0; // Σ_jk Σ_i z_ij² z_ik²
  for (size_t j = 0; j < pu; ++j)
    for (size_t k = 0; k < pu; ++k)
      for (Eigen::Index i = 0; i < n; ++i) {
        double a = z(i, static_cast<Eigen::Index>(j)), b = z(i, static_cast<Eigen::Index>(k));
        fourth += a * a * b * b;
      }
  double beta = (fourth / nd - e_squares) / (pd * nd);
  double delta = (e_squares - pd * mu * mu) / pd; // ‖E - μI‖²_F / p
  // E is μ·I up to rounding (always so for p = 1), or 0: every λ gives the
  // same Σ, and 1 also turns E = 0 into the identity.
  if (!(delta > ledoit_wolf_isotropic * mu * mu))
    return 1.0;
  return std::clamp(std::min(beta, delta) / delta, 0.0, 1.0);
}

peer_scorer::peer_scorer(const peer_model& model) : scales_(model.features) {
  auto p = static_cast<Eigen::Index>(scales_.size());
  if (model.covariance.size() != scales_.size() * scales_.size())
    throw std::invalid_argument("peer model '" + model.peer_group + "': covariance has "
                                + std::to_string(model.covariance.size()) + " entries for "
                                + std::to_string(scales_.size()) + " features");
  covariance_.resize(p, p);
  for (Eigen::Index j = 0; j < p; ++j)
    for (Eigen::Index k = 0; k < p; ++k) {
      double v = model.covariance[static_cast<size_t>(j * p + k)];
      if (!std::isfinite(v))
        throw std::invalid_argument("peer model '" + model.peer_group + "': covariance entry ("
                                    + std::to_string(j) + ", " + std::to_string(k) + ") is not finite");
      covariance_(j, k) = v;
    }
  if (p > 0) {
    ldlt_.compute(covariance_);
    factorised_ = ldlt_.info() == Eigen::Success;
  }
}

person_score peer_scorer::score(const Eigen::Ref<const Eigen::VectorXd>& x, size_t top_k,
                                const score_options& options) const {
  auto p = static_cast<Eigen::Index>(scales_.size());
  if (x.size() != p)
    throw std::invalid_argument("observation has " + std::to_string(x.size()) + " features, the model "
                                + std::to_string(p));
  person_score out;
  Eigen::VectorXd delta(p);
  auto lowest = options.excess_only ? 0.0 : -options.max_z;
  for (Eigen::Index j = 0; j < p; ++j) {
    auto z = robust_z(x(j), scales_[static_cast<size_t>(j)]);
    out.z.push_back(z);
    delta(j) = std::clamp(z, lowest, options.max_z);
  }
  if (p == 0)
    return out;

  Eigen::VectorXd solved;
  if (factorised_)
    solved = ldlt_.solve(delta);
  if (!factorised_ || !solved.allFinite()) {
    // Cannot happen for a model from fit_peer_model (Σ is positive definite);
    // a foreign model still gets a finite score from the variances alone.
    solved.resize(p);
    for (Eigen::Index j = 0; j < p; ++j) {
      double var = covariance_(j, j) > 0 ? covariance_(j, j) : 1.0;
      solved(j) = delta(j) / var;
    }
  }
  Eigen::VectorXd contribution = delta.cwiseProduct(solved);
  double d2 = contribution.sum();
  // Σ ≥ ridge·I bounds d² for a fitted model; a foreign one that overflows is
  // shown as extreme, and rounding's -1e-17 as 0.
  if (!std::isfinite(d2))
    d2 = std::numeric_limits<double>::max();
  out.score = std::sqrt(std::max(d2, 0.0));

  std::vector<double> weight(static_cast<size_t>(p));
  for (Eigen::Index j = 0; j < p; ++j)
    weight[static_cast<size_t>(j)] = std::isnan(contribution(j)) ? 0.0 : std::fabs(contribution(j));
  std::vector<uint32_t> order(static_cast<size_t>(p));
  std::iota(order.begin(), order.end(), 0u);
  auto k = std::min(top_k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](uint32_t a, uint32_t b) {
                      return weight[a] != weight[b] ? weight[a] > weight[b] : a < b;
                    });
  out.top.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    // A one-sided score names only what raised it: a feature at or below
    // its median added nothing.
    if (options.excess_only && !(weight[order[i]] > 0))
      break;
    out.top.emplace_back(order[i], out.z[order[i]]);
  }
  return out;
}

person_score score(const peer_model& model, const Eigen::Ref<const Eigen::VectorXd>& x, size_t top_k) {
  return peer_scorer{model}.score(x, top_k);
}

std::vector<person_score> score_rows(const peer_model& model, const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                     size_t top_k) {
  peer_scorer scorer{model};
  if (rows.cols() != static_cast<Eigen::Index>(scorer.features()))
    throw std::invalid_argument("rows have " + std::to_string(rows.cols()) + " features, the model "
                                + std::to_string(scorer.features()));
  std::vector<person_score> out;
  out.reserve(static_cast<size_t>(rows.rows()));
  Eigen::VectorXd x(rows.cols());
  for (Eigen::Index i = 0; i < rows.rows(); ++i) {
    x = rows.row(i).transpose();
    out.push_back(scorer.score(x, top_k));
  }
  return out;
}

std::string describe_top(const person_score& s, const std::vector<std::string>& feature_names) {
  std::string out;
  for (const auto& [index, z] : s.top) {
    if (!out.empty())
      out += "; ";
    if (index < feature_names.size())
      out += feature_names[index];
    else
      out += "feature" + std::to_string(index);
    // "-0.0" would read as a deviation; |z| < 0.05 rounds to 0.0.
    double shown = std::fabs(z) < 0.05 || !std::isfinite(z) ? 0.0 : z;
    char buf[32];
    std::snprintf(buf, sizeof buf, "=%.1f", shown);
    out += buf;
  }
  return out;
}

expected<Eigen::MatrixXd> stack_rows(const std::vector<std::vector<double>>& blocks, size_t p) {
  size_t total = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (p == 0 ? !blocks[b].empty() : blocks[b].size() % p != 0)
      return make_error(ec::invalid_argument, "stats block " + std::to_string(b) + ": "
                                                + std::to_string(blocks[b].size())
                                                + " values is not a whole number of rows of "
                                                + std::to_string(p) + " features");
    total += p == 0 ? 0 : blocks[b].size() / p;
  }
  Eigen::MatrixXd out(static_cast<Eigen::Index>(total), static_cast<Eigen::Index>(p));
  Eigen::Index row = 0;
  for (const auto& block : blocks)
    for (size_t i = 0; p > 0 && i < block.size() / p; ++i, ++row)
      for (size_t j = 0; j < p; ++j)
        out(row, static_cast<Eigen::Index>(j)) = block[i * p + j];
  return out;
}

} // namespace receptor::stats
