#include "receptor/stats/peer_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

using namespace receptor::stats;

namespace {

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

Eigen::MatrixXd matrix(std::initializer_list<std::initializer_list<double>> rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()),
                    rows.size() == 0 ? 0 : static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : rows) {
    Eigen::Index j = 0;
    for (double v : row)
      m(i, j++) = v;
    ++i;
  }
  return m;
}

Eigen::MatrixXd normal_rows(Eigen::Index n, Eigen::Index p, uint64_t seed) {
  std::mt19937_64 rng{seed};
  std::normal_distribution<double> dist{0, 1};
  Eigen::MatrixXd m(n, p);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < p; ++j)
      m(i, j) = 10 * (j + 1) + (j + 1) * dist(rng);
  return m;
}

// Bit-identical, not merely equal: -0 and +0 would compare equal.
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_identical(const peer_model& a, const peer_model& b) {
  EXPECT_EQ(a.peer_group, b.peer_group);
  EXPECT_EQ(a.members, b.members);
  EXPECT_TRUE(same_bits(a.shrinkage, b.shrinkage));
  ASSERT_EQ(a.features.size(), b.features.size());
  for (size_t j = 0; j < a.features.size(); ++j) {
    EXPECT_TRUE(same_bits(a.features[j].median, b.features[j].median)) << j;
    EXPECT_TRUE(same_bits(a.features[j].scale, b.features[j].scale)) << j;
    EXPECT_EQ(a.features[j].method, b.features[j].method) << j;
  }
  ASSERT_EQ(a.covariance.size(), b.covariance.size());
  for (size_t k = 0; k < a.covariance.size(); ++k)
    EXPECT_TRUE(same_bits(a.covariance[k], b.covariance[k])) << k;
}

void expect_finite(const peer_model& m) {
  for (const auto& f : m.features) {
    EXPECT_TRUE(std::isfinite(f.median));
    EXPECT_TRUE(std::isfinite(f.scale));
    EXPECT_GT(f.scale, 0);
  }
  for (double v : m.covariance)
    EXPECT_TRUE(std::isfinite(v));
  EXPECT_TRUE(std::isfinite(m.shrinkage));
}

void expect_finite(const person_score& s) {
  EXPECT_TRUE(std::isfinite(s.score));
  EXPECT_GE(s.score, 0);
  for (double z : s.z)
    EXPECT_TRUE(std::isfinite(z));
  for (const auto& [index, z] : s.top) {
    EXPECT_LT(index, s.z.size());
    EXPECT_TRUE(std::isfinite(z));
  }
}

Eigen::MatrixXd shuffled(const Eigen::MatrixXd& m, uint64_t seed) {
  std::vector<Eigen::Index> order(static_cast<size_t>(m.rows()));
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = static_cast<Eigen::Index>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937_64{seed});
  Eigen::MatrixXd out(m.rows(), m.cols());
  for (size_t i = 0; i < order.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) = m.row(order[i]);
  return out;
}

} // namespace

// Reference values from NumPy 2.4 (the formulas of docs/statistics.md):
//   def scale(col):
//       med = np.median(col); dev = np.abs(col - med); mad = np.median(dev)
//       if mad > 0: return med, 1.4826 * mad
//       ...                                  # fallbacks unused by this matrix
//   X = np.array([[1.0, 10.0, 0.5], [2.0, 12.0, 0.7], [3.0, 11.0, 0.2],
//                 [4.0, 15.0, 0.9], [2.5, 13.0, 0.4], [9.0, 30.0, 0.1]])
//   med, sc = map(np.array, zip(*[scale(X[:, j]) for j in range(3)]))
//   Z = (X - med) / sc
//   S = np.cov(np.clip(Z, -3, 3), rowvar=False, ddof=1); mu = np.trace(S) / 3; lam = 0.2
//   cov = (1 - lam) * S + (lam * mu + 1e-9 * max(mu, 1.0)) * np.eye(3)
//   x = np.array([5.0, 11.0, 0.95]); z = (x - med) / sc; y = np.linalg.solve(cov, z)
//   score = np.sqrt(z @ y); contributions = z * y
//   row_scores = np.sqrt(np.einsum('ij,ij->i', Z, np.linalg.solve(cov, Z.T).T))
TEST(StatsPeerModel, matches_numpy_reference_values) {
  auto rows = matrix({{1.0, 10.0, 0.5}, {2.0, 12.0, 0.7}, {3.0, 11.0, 0.2},
                      {4.0, 15.0, 0.9}, {2.5, 13.0, 0.4}, {9.0, 30.0, 0.1}});
  auto m = fit_peer_model("g", rows, 0.2);
  const double median[] = {2.75, 12.5, 0.45};
  const double scale[] = {1.4826, 2.9652, 0.3706499999999999};
  const double cov[] = {2.017825934740626,    1.5649583698261678, -0.39962511428112973,
                        1.5649583698261678,   1.866813279930378,  -0.2928663808237973,
                        -0.39962511428112973, -0.2928663808237973, 0.8431568705882295};
  ASSERT_EQ(m.features.size(), 3u);
  for (size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(m.features[j].median, median[j], 1e-9 * std::fabs(median[j]));
    EXPECT_NEAR(m.features[j].scale, scale[j], 1e-9 * scale[j]);
  }
  ASSERT_EQ(m.covariance.size(), 9u);
  for (size_t k = 0; k < 9; ++k)
    EXPECT_NEAR(m.covariance[k], cov[k], 1e-9 * std::fabs(cov[k])) << k;
  EXPECT_EQ(m.shrinkage, 0.2);
  EXPECT_EQ(m.members, 6u);

  Eigen::Vector3d x{5.0, 11.0, 0.95};
  auto s = score(m, x, 2);
  const double z[] = {1.5176042088223392, -0.5058680696074465, 1.3489815189531904};
  for (size_t j = 0; j < 3; ++j)
    EXPECT_NEAR(s.z[j], z[j], 1e-9 * std::fabs(z[j]));
  EXPECT_NEAR(s.score, 3.038735446430623, 1e-9 * 3.04);
  // Contributions 4.909, 1.333, 2.992: features 0 then 2.
  ASSERT_EQ(s.top.size(), 2u);
  EXPECT_EQ(s.top[0].first, 0u);
  EXPECT_EQ(s.top[1].first, 2u);
  EXPECT_EQ(s.top[1].second, s.z[2]);

  // The last row is the outlier; its z of 4.2 and 5.9 are clipped to 3 in S only.
  const double row_scores[] = {0.8436686927435485, 0.7916165169785271,  1.070234787258508,
                               1.6991662023219685, 0.43814533312012305, 4.411190015489805};
  auto scored = score_rows(m, rows);
  ASSERT_EQ(scored.size(), 6u);
  for (size_t i = 0; i < 6; ++i)
    EXPECT_NEAR(scored[i].score, row_scores[i], 1e-9 * row_scores[i]) << i;
}

// NumPy, continuing the reference above (the formula of sklearn's ledoit_wolf_shrinkage):
//   W = np.clip(Z, -3, 3); W = W - W.mean(axis=0); n, p = W.shape
//   mu = np.sum(W**2) / n / p
//   beta_ = np.sum((W**2).T @ W**2); delta_ = np.sum((W.T @ W) ** 2) / n**2
//   beta = (beta_ / n - delta_) / (p * n); delta = (delta_ - p * mu**2) / p
//   lam = min(beta, delta) / delta
TEST(StatsPeerModel, ledoit_wolf_matches_numpy_and_is_order_independent) {
  auto rows = matrix({{1.0, 10.0, 0.5}, {2.0, 12.0, 0.7}, {3.0, 11.0, 0.2},
                      {4.0, 15.0, 0.9}, {2.5, 13.0, 0.4}, {9.0, 30.0, 0.1}});
  double lambda = ledoit_wolf_shrinkage(rows);
  EXPECT_NEAR(lambda, 0.6838845615183619, 1e-9);
  EXPECT_TRUE(same_bits(ledoit_wolf_shrinkage(shuffled(rows, 9)), lambda));
  EXPECT_EQ(fit_peer_model("g", rows, lambda).shrinkage, lambda);

  // Correlated features, many members: little to shrink; fewer members than features: much.
  auto correlated = normal_rows(2000, 3, 1);
  correlated.col(1) = 2 * correlated.col(0) + correlated.col(1) / 2;
  double many = ledoit_wolf_shrinkage(correlated);
  double few = ledoit_wolf_shrinkage(normal_rows(4, 10, 1));
  EXPECT_LT(many, 0.05);
  // Independent features of equal robust spread: the target μ·I is the truth, shrink (almost) fully.
  EXPECT_GT(ledoit_wolf_shrinkage(normal_rows(2000, 3, 1)), 0.9);
  EXPECT_GT(few, 0.3);
  EXPECT_LE(few, 1.0);
  EXPECT_EQ(ledoit_wolf_shrinkage(Eigen::MatrixXd(1, 3)), 1.0);
  EXPECT_EQ(ledoit_wolf_shrinkage(normal_rows(30, 1, 2)), 1.0); // p = 1: λ changes nothing
  Eigen::MatrixXd constant = Eigen::MatrixXd::Constant(5, 2, 3.0);
  EXPECT_EQ(ledoit_wolf_shrinkage(constant), 1.0);
}

TEST(StatsPeerModel, an_outlier_scores_far_above_the_inliers) {
  auto rows = normal_rows(60, 5, 11);
  // Ordinary in every single feature's range but feature 3, far out in feature 3.
  rows(17, 3) = 40 + 4 * 20;
  auto m = fit_peer_model("g", rows, default_shrinkage);
  auto scored = score_rows(m, rows);
  double inlier_max = 0;
  for (size_t i = 0; i < scored.size(); ++i)
    if (i != 17)
      inlier_max = std::max(inlier_max, scored[i].score);
  EXPECT_GT(scored[17].score, 3 * inlier_max);
  EXPECT_EQ(scored[17].top.front().first, 3u);
  EXPECT_EQ(describe_top(scored[17], {"a", "b", "c", "d", "e"}).rfind("d=", 0), 0u);
}

TEST(StatsPeerModel, shuffled_rows_give_a_bit_identical_model) {
  auto rows = normal_rows(37, 4, 3);
  rows(5, 1) = rows(9, 1); // ties between rows must not matter either
  rows.row(20) = rows.row(21);
  rows(30, 2) = -0.0;
  rows(31, 2) = 0.0;
  auto base = fit_peer_model("g", rows, 0.3);
  for (uint64_t seed : {1u, 2u, 3u, 4u}) {
    auto other = shuffled(rows, seed);
    auto m = fit_peer_model("g", other, 0.3);
    expect_identical(base, m);
    auto a = score_rows(base, rows), b = score_rows(m, rows);
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_TRUE(same_bits(a[i].score, b[i].score));
  }
}

TEST(StatsPeerModel, blocks_from_shards_in_any_order_equal_a_single_process) {
  auto rows = normal_rows(25, 3, 5);
  auto single = fit_peer_model("g", rows, default_shrinkage);
  auto reference = score_rows(single, rows);
  // Three shards send their rows of the group as row-major blocks.
  std::vector<std::vector<double>> blocks(3);
  for (Eigen::Index i = 0; i < rows.rows(); ++i)
    for (Eigen::Index j = 0; j < 3; ++j)
      blocks[static_cast<size_t>((i * 7) % 3)].push_back(rows(i, j));
  for (auto order : {std::vector<size_t>{0, 1, 2}, std::vector<size_t>{2, 0, 1}, std::vector<size_t>{1, 2, 0}}) {
    std::vector<std::vector<double>> arrived;
    for (auto k : order)
      arrived.push_back(blocks[k]);
    auto stacked = stack_rows(arrived, 3);
    ASSERT_TRUE(stacked);
    EXPECT_EQ(stacked->rows(), 25);
    auto m = fit_peer_model("g", *stacked, default_shrinkage);
    expect_identical(single, m);
    auto scored = score_rows(m, rows);
    for (size_t i = 0; i < scored.size(); ++i)
      EXPECT_NEAR(scored[i].score, reference[i].score, 1e-9 * (1 + reference[i].score));
  }
  auto bad = stack_rows({{1, 2, 3}, {4, 5}}, 3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error_value().code, receptor::ec::invalid_argument);
  EXPECT_NE(bad.error_value().message.find("block 1"), std::string::npos);
}

TEST(StatsPeerModel, no_member_or_one_member_gives_the_identity) {
  auto empty = fit_peer_model("none", Eigen::MatrixXd(0, 3), 0.2);
  expect_finite(empty);
  EXPECT_EQ(empty.members, 0u);
  ASSERT_EQ(empty.features.size(), 3u);
  EXPECT_EQ(empty.features[1].method, static_cast<uint8_t>(scale_method::constant));
  EXPECT_EQ(empty.covariance, (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  auto s = score(empty, Eigen::Vector3d{3, 0, 4});
  EXPECT_DOUBLE_EQ(s.score, 5);

  auto one = fit_peer_model("one", matrix({{2, 5, 8}}), 0.2);
  expect_finite(one);
  EXPECT_EQ(one.members, 1u);
  EXPECT_EQ(one.features[2].median, 8);
  EXPECT_EQ(one.covariance, empty.covariance);
  EXPECT_EQ(score(one, Eigen::Vector3d{2, 5, 8}).score, 0);
  EXPECT_DOUBLE_EQ(score(one, Eigen::Vector3d{2, 5, 10}).score, 2);
}

TEST(StatsPeerModel, two_members) {
  auto m = fit_peer_model("two", matrix({{1, 10}, {3, 30}}), 0.5);
  expect_finite(m);
  // Median 2 and 20, MAD 1 and 10: z = ±1/1.4826 in both features.
  EXPECT_EQ(m.features[0].median, 2);
  EXPECT_DOUBLE_EQ(m.features[1].scale, 14.826);
  auto scored = score_rows(m, matrix({{1, 10}, {3, 30}, {2, 20}, {3, 10}}));
  // S = 2z²·[[1,1],[1,1]], μ = 2z², Σ = μ·[[1, ½],[½, 1]]: eigenvalues 1.5μ along (1,1), 0.5μ across.
  // The members lie along: d² = 2z² / 1.5μ = 2/3; (3, 10) lies across: d² = 2z² / 0.5μ = 2.
  // The 1e-9 ridge moves these by about 1e-9.
  EXPECT_NEAR(scored[0].score, std::sqrt(2.0 / 3), 1e-8);
  EXPECT_NEAR(scored[1].score, std::sqrt(2.0 / 3), 1e-8);
  EXPECT_EQ(scored[2].score, 0);
  EXPECT_NEAR(scored[3].score, std::sqrt(2.0), 1e-8);
  for (const auto& s : scored)
    expect_finite(s);
}

TEST(StatsPeerModel, one_feature_is_the_absolute_z_over_the_variance) {
  auto rows = normal_rows(30, 1, 9);
  auto m = fit_peer_model("g", rows, 0.25);
  ASSERT_EQ(m.covariance.size(), 1u);
  Eigen::VectorXd x(1);
  x(0) = 25;
  auto s = score(m, x);
  double z = (25 - m.features[0].median) / m.features[0].scale;
  EXPECT_NEAR(s.score, std::fabs(z) / std::sqrt(m.covariance[0]), 1e-12 * s.score);
  ASSERT_EQ(s.top.size(), 1u); // top_k 3 > p 1
}

TEST(StatsPeerModel, a_singular_covariance_still_scores_finitely) {
  auto rows = normal_rows(20, 3, 21);
  rows.col(2) = rows.col(0); // two identical columns: S is singular
  for (double lambda : {0.0, 0.2}) {
    auto m = fit_peer_model("g", rows, lambda);
    expect_finite(m);
    auto scored = score_rows(m, rows);
    for (const auto& s : scored)
      expect_finite(s);
    // Off the line the two columns share: an enormous but finite distance when unshrunk.
    Eigen::Vector3d off{rows(0, 0) + 10, rows(0, 1), rows(0, 0) - 10};
    auto s = score(m, off);
    expect_finite(s);
    EXPECT_GT(s.score, 5 * scored[0].score);
  }
  // More features than members: S has rank ≤ n - 1.
  auto wide = normal_rows(3, 8, 4);
  auto m = fit_peer_model("wide", wide, 0.0);
  expect_finite(m);
  for (const auto& s : score_rows(m, normal_rows(5, 8, 6)))
    expect_finite(s);
}

TEST(StatsPeerModel, nan_and_inf_never_leave_the_model_or_the_score) {
  auto rows = normal_rows(12, 4, 8);
  rows(0, 0) = qnan;
  rows(1, 0) = inf;
  rows(2, 1) = -inf;
  rows.col(3).setConstant(qnan); // no finite value at all
  rows(4, 2) = 1e308;
  rows(5, 2) = -1e308;
  for (double lambda : {0.0, 0.2, 1.0, qnan, -3.0, 7.0}) {
    auto m = fit_peer_model("g", rows, lambda);
    expect_finite(m);
    EXPECT_GE(m.shrinkage, 0);
    EXPECT_LE(m.shrinkage, 1);
    for (const auto& s : score_rows(m, rows))
      expect_finite(s);
    for (double v : {qnan, inf, -inf, 1e308, -1e308, 0.0}) {
      Eigen::Vector4d x = Eigen::Vector4d::Constant(v);
      expect_finite(score(m, x));
    }
  }
  // A constant column, then scored away from its value.
  auto constant = normal_rows(10, 2, 2);
  constant.col(1).setConstant(4);
  auto m = fit_peer_model("g", constant, 0.0);
  expect_finite(m);
  auto s = score(m, Eigen::Vector2d{constant(0, 0), 1e9});
  expect_finite(s);
  EXPECT_EQ(s.z[1], default_max_abs_z);
}

TEST(StatsPeerModel, top_features_break_ties_by_index) {
  auto m = fit_peer_model("g", Eigen::MatrixXd(0, 4), 0.2); // identity, median 0, scale 1
  auto s = score(m, Eigen::Vector4d{1, -1, 1, 0.5}, 2);
  ASSERT_EQ(s.top.size(), 2u);
  EXPECT_EQ(s.top[0], (std::pair<uint32_t, double>{0, 1}));
  EXPECT_EQ(s.top[1], (std::pair<uint32_t, double>{1, -1}));
  s = score(m, Eigen::Vector4d{1, 2, -2, 0}, 4);
  ASSERT_EQ(s.top.size(), 4u);
  EXPECT_EQ(s.top[0].first, 1u);
  EXPECT_EQ(s.top[1].first, 2u);
  EXPECT_EQ(s.top[2].first, 0u);
  EXPECT_EQ(s.top[3].first, 3u);
  EXPECT_TRUE(score(m, Eigen::Vector4d{1, 2, 3, 4}, 0).top.empty());
}

TEST(StatsPeerModel, describe_top_writes_name_and_z_with_one_decimal) {
  person_score s;
  s.top = {{2, 3.14159}, {0, -1.25}, {1, -0.04}, {7, 12.0}};
  EXPECT_EQ(describe_top(s, {"visits", "points", "days"}),
            "days=3.1; visits=-1.2; points=0.0; feature7=12.0");
  EXPECT_EQ(describe_top(person_score{}, {}), "");
}

TEST(StatsPeerModel, wrong_sizes_are_rejected) {
  auto m = fit_peer_model("g", normal_rows(5, 3, 1), 0.2);
  EXPECT_THROW(score(m, Eigen::Vector2d{1, 2}), std::invalid_argument);
  EXPECT_THROW(score_rows(m, Eigen::MatrixXd(2, 4)), std::invalid_argument);
  auto broken = m;
  broken.covariance.pop_back();
  EXPECT_THROW(peer_scorer{broken}, std::invalid_argument);
  broken = m;
  broken.covariance[4] = qnan;
  EXPECT_THROW(peer_scorer{broken}, std::invalid_argument);
}

TEST(StatsPeerModel, excess_only_scores_count_only_values_above_the_median) {
  // Three features with spread; a member far below on feature 0, one far above.
  std::mt19937 random{7};
  std::normal_distribution<double> noise{10.0, 2.0};
  Eigen::MatrixXd rows(200, 3);
  for (Eigen::Index i = 0; i < rows.rows(); ++i)
    for (Eigen::Index j = 0; j < rows.cols(); ++j)
      rows(i, j) = noise(random);
  auto m = fit_peer_model("g", rows, default_shrinkage);
  peer_scorer scorer{m};
  score_options one_sided;
  one_sided.excess_only = true;
  Eigen::VectorXd low(3);
  for (Eigen::Index j = 0; j < 3; ++j)
    low(j) = m.features[static_cast<size_t>(j)].median; // everyone's typical member
  Eigen::VectorXd high = low;
  low(0) -= 40;
  high(0) += 40;
  EXPECT_GT(scorer.score(low).score, 10.0) << "two-sided: far below is far";
  auto low_one = scorer.score(low, 3, one_sided);
  EXPECT_NEAR(low_one.score, 0.0, 1e-9) << "one-sided: below the median adds nothing";
  EXPECT_TRUE(low_one.top.empty()) << "nothing raised the score";
  EXPECT_LT(low_one.z[0], -10.0) << "z itself is still reported as it is";
  auto high_one = scorer.score(high, 3, one_sided);
  EXPECT_GT(high_one.score, 10.0);
  ASSERT_EQ(high_one.top.size(), 1u) << "only the feature that raised the score is named";
  EXPECT_EQ(high_one.top[0].first, 0u);
  // Capping: z beyond max_z counts as max_z, so the score stops growing.
  score_options capped = one_sided;
  capped.max_z = 5;
  Eigen::VectorXd higher = high;
  higher(0) += 400;
  EXPECT_DOUBLE_EQ(scorer.score(high, 3, capped).score, scorer.score(higher, 3, capped).score);
  EXPECT_GT(scorer.score(higher, 3, one_sided).score, scorer.score(high, 3, one_sided).score);
}
