#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "receptor/error.hpp"
#include "receptor/stats/robust_scale.hpp"

namespace receptor::stats {

/// The fixed shrinkage λ used unless a caller chooses another: peer groups
/// can hold a handful of people for a dozen features, where the sample
/// covariance alone is singular or wildly noisy.
inline constexpr double default_shrinkage = 0.2;

/// The ridge added to the diagonal after shrinkage, relative to the target
/// variance μ (at least 1): keeps the covariance positive definite when λ = 0
/// and columns are collinear, without visibly moving any score.
inline constexpr double relative_ridge = 1e-9;

/// The robust z values are clipped to ±covariance_clip_z before the
/// covariance is estimated (winsorizing, as in Huber's estimators): normal
/// data lose almost nothing, and an outlier adds at most 9/(n-1) to a
/// variance instead of masking itself. Scores use the unclipped z.
inline constexpr double covariance_clip_z = 3.0;

/// Everything a shard needs to score the members of one peer group. Plain
/// vectors (no Eigen types), so it can travel in a CAF message; the
/// covariance is p×p row-major of the robust z values, already shrunk.
struct peer_model {
  std::string peer_group;
  uint64_t members = 0;
  std::vector<robust_scale> features;   ///< One per feature.
  std::vector<double> covariance;       ///< p*p, row-major, shrunk: (1-λ)·S + λ·(trace(S)/p)·I, plus a tiny ridge.
  double shrinkage = 0;                 ///< λ actually used.
};

/// Fits a model from the rows (observations) × p feature matrix of one peer
/// group.
///
/// Per feature `fit_robust_scale`; then Z = robust z of every entry; S = the
/// sample covariance of Z clipped to ±covariance_clip_z (mean-centred,
/// divided by n - 1, as `numpy.cov`);
/// Σ = (1-λ)·S + λ·μ·I + relative_ridge·max(μ, 1)·I with μ = trace(S)/p
/// (μ = 1 when that is 0). With n < 2 there is no covariance to estimate:
/// Σ = I, λ = 1.
///
/// @param shrinkage λ in [0, 1]; values outside are clamped, NaN gives
///        `default_shrinkage`.
/// Deterministic: the same rows in any order give a bit-identical model (rows
/// are sorted lexicographically before anything is accumulated). Finite
/// always: NaN or infinite entries count as sitting at their feature's median.
peer_model fit_peer_model(std::string peer_group, const Eigen::Ref<const Eigen::MatrixXd>& rows,
                          double shrinkage);

/// Below this relative distance from μ·I a covariance counts as isotropic.
inline constexpr double ledoit_wolf_isotropic = 1e-12;

/// The Ledoit–Wolf estimate of λ for the same rows (an option; the default is
/// the fixed `default_shrinkage`): the λ minimising the expected squared
/// error of the shrunk covariance of the winsorized z values, by the formula
/// of `sklearn.covariance.ledoit_wolf_shrinkage` (biased covariance, target
/// μ·I). n < 2, p = 0, or a covariance already equal to μ·I (‖E - μI‖²/p ≤
/// ledoit_wolf_isotropic·μ², always so for p = 1) give 1.
/// Deterministic and order-independent like `fit_peer_model`; use as
/// `fit_peer_model(group, rows, ledoit_wolf_shrinkage(rows))`.
double ledoit_wolf_shrinkage(const Eigen::Ref<const Eigen::MatrixXd>& rows);

/// How a deviation counts in a score.
struct score_options {
  /// Only values above the median count (z below 0 becomes 0): where excess
  /// is what is looked for, having fewer visits or drugs than one's peers is
  /// not unusual in the sense that matters. `top` then lists only features
  /// that raised the score.
  bool excess_only = false;
  /// Each z is clipped to ±max_z before the distance, so that one feature
  /// far out on a near-constant column cannot drown all the others.
  double max_z = 1e6;
};

/// One observation's score.
struct person_score {
  double score = 0;                                 ///< Mahalanobis distance d ≥ 0.
  std::vector<double> z;                            ///< Robust z per feature.
  std::vector<std::pair<uint32_t, double>> top;     ///< Feature index and its z, largest contribution first.
};

/// A model's covariance factorised once (Eigen::LDLT, never an inverse), to
/// score any number of observations.
class peer_scorer {
public:
  /// @pre model.covariance.size() == p*p with p = model.features.size() and
  ///      every entry finite; throws std::invalid_argument otherwise.
  explicit peer_scorer(const peer_model& model);

  /// Robust z per feature, then d = sqrt(δᵀ Σ⁻¹ δ) with δ the z vector; `top`
  /// holds the `top_k` features with the largest |δ_i·(Σ⁻¹δ)_i|, ties broken
  /// by the smaller feature index. Finite always.
  /// @pre x.size() == p; throws std::invalid_argument otherwise.
  person_score score(const Eigen::Ref<const Eigen::VectorXd>& x, size_t top_k = 3,
                     const score_options& options = {}) const;

  size_t features() const noexcept { return scales_.size(); }

private:
  std::vector<robust_scale> scales_;
  Eigen::MatrixXd covariance_;
  Eigen::LDLT<Eigen::MatrixXd> ldlt_;
  bool factorised_ = false; // false: LDLT failed, solve by the diagonal
};

/// One observation's score (see peer_scorer::score).
person_score score(const peer_model& model, const Eigen::Ref<const Eigen::VectorXd>& x, size_t top_k = 3);

/// Scores many rows reusing one factorisation (the shards use this).
std::vector<person_score> score_rows(const peer_model& model, const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                     size_t top_k = 3);

/// "name=z; name=z" text for the results' `top_features` column, z with 1
/// decimal. An index without a name is written `feature<i>`.
std::string describe_top(const person_score& s, const std::vector<std::string>& feature_names);

/// Stacks the row-major blocks the shards send for one peer group (each
/// n_k·p values) into one observation matrix for `fit_peer_model`. The
/// blocks' order does not matter to the model fitted from the result.
expected<Eigen::MatrixXd> stack_rows(const std::vector<std::vector<double>>& blocks, size_t p);

} // namespace receptor::stats
