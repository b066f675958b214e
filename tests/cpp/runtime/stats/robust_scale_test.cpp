#include "receptor/stats/robust_scale.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace receptor::stats;

namespace {

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

void expect_finite(const robust_scale& s) {
  EXPECT_TRUE(std::isfinite(s.median));
  EXPECT_TRUE(std::isfinite(s.scale));
  EXPECT_GT(s.scale, 0);
  EXPECT_LE(s.method, 2);
}

} // namespace

TEST(StatsRobustScale, median_and_mad_of_an_odd_count) {
  // Deviations from 3: 2 2 0 1 1 → MAD 1.
  auto s = fit_robust_scale({5, 1, 3, 2, 4});
  EXPECT_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.scale, 1.4826);
  EXPECT_EQ(s.method, static_cast<uint8_t>(scale_method::mad));
}

TEST(StatsRobustScale, median_and_mad_of_an_even_count) {
  // Median (2+3)/2; deviations 1.5 0.5 0.5 7.5 → MAD (0.5+1.5)/2 = 1.
  auto s = fit_robust_scale({10, 2, 1, 3});
  EXPECT_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.scale, 1.4826);
  EXPECT_DOUBLE_EQ(robust_z(5.465, s), 2.965 / 1.4826);
}

TEST(StatsRobustScale, zero_mad_falls_back_to_the_mean_absolute_deviation) {
  // Four of five equal the median: MAD 0, mean absolute deviation 4/5.
  auto s = fit_robust_scale({5, 5, 9, 5, 5});
  EXPECT_EQ(s.median, 5);
  EXPECT_EQ(s.method, static_cast<uint8_t>(scale_method::mean_abs_dev));
  EXPECT_DOUBLE_EQ(s.scale, 0.8 * std::sqrt(std::acos(-1.0) / 2));
  EXPECT_DOUBLE_EQ(robust_z(9, s), 4 / (0.8 * std::sqrt(std::acos(-1.0) / 2)));
  EXPECT_EQ(robust_z(5, s), 0);
}

TEST(StatsRobustScale, an_all_equal_column_is_constant_with_unit_scale) {
  auto s = fit_robust_scale({7, 7, 7, 7});
  EXPECT_EQ(s.median, 7);
  EXPECT_EQ(s.scale, 1);
  EXPECT_EQ(s.method, static_cast<uint8_t>(scale_method::constant));
  EXPECT_EQ(robust_z(7, s), 0);
  EXPECT_EQ(robust_z(9.5, s), 2.5);
  EXPECT_EQ(robust_z(4, s), -3);
}

TEST(StatsRobustScale, nothing_finite_gives_median_zero_scale_one) {
  for (const auto& values : {std::vector<double>{}, std::vector<double>{qnan, inf, -inf}}) {
    auto s = fit_robust_scale(values);
    EXPECT_EQ(s.median, 0);
    EXPECT_EQ(s.scale, 1);
    EXPECT_EQ(s.method, static_cast<uint8_t>(scale_method::constant));
  }
}

TEST(StatsRobustScale, non_finite_inputs_are_ignored) {
  auto s = fit_robust_scale({qnan, 1, inf, 2, 3, -inf});
  EXPECT_EQ(s.median, 2);
  EXPECT_DOUBLE_EQ(s.scale, 1.4826);
}

TEST(StatsRobustScale, no_input_produces_a_non_finite_output) {
  constexpr double big = std::numeric_limits<double>::max();
  constexpr double tiny = std::numeric_limits<double>::denorm_min();
  std::vector<std::vector<double>> inputs = {
    {qnan},          {inf, -inf},          {-big, big},       {-big, 0, big},
    {big, big, -big}, {tiny, 0, 0, 0, -tiny}, {1e-300, 2e-300, 3e-300}, {0, 0, 0, tiny},
    {qnan, qnan, 1},  {-0.0, 0.0},         {1, 2, qnan, inf, 3},
  };
  std::vector<double> probes = {qnan, inf, -inf, big, -big, 0, -0.0, tiny, 1e300, -1e300, 1, 1e-300};
  robust_scale broken[] = {{0, 0, 0}, {0, -1, 0}, {qnan, qnan, 0}, {inf, inf, 0}, {0, tiny, 0}};
  for (const auto& values : inputs) {
    auto s = fit_robust_scale(values);
    expect_finite(s);
    for (double x : probes) {
      double z = robust_z(x, s);
      EXPECT_TRUE(std::isfinite(z)) << x;
      EXPECT_LE(std::fabs(z), default_max_abs_z);
    }
  }
  for (const auto& s : broken)
    for (double x : probes) {
      EXPECT_TRUE(std::isfinite(robust_z(x, s))) << x;
      EXPECT_TRUE(std::isfinite(robust_z(x, s, qnan))) << x;
    }
}

TEST(StatsRobustScale, z_is_clipped_and_non_finite_x_is_zero) {
  robust_scale s{0, 1, 0};
  EXPECT_EQ(robust_z(1e300, s), default_max_abs_z);
  EXPECT_EQ(robust_z(-1e300, s), -default_max_abs_z);
  EXPECT_EQ(robust_z(50, s, 10), 10);
  EXPECT_EQ(robust_z(qnan, s), 0);
  EXPECT_EQ(robust_z(inf, s), 0);
}

TEST(StatsRobustScale, z_is_invariant_to_shift_and_positive_scale) {
  std::mt19937_64 rng{7};
  std::lognormal_distribution<double> dist{0, 1};
  std::vector<double> v(41);
  for (auto& x : v)
    x = dist(rng);
  auto base = fit_robust_scale(v);
  for (auto [a, b] : {std::pair{3.0, -100.0}, std::pair{0.001, 5.0}, std::pair{-2.0, 1.0}}) {
    std::vector<double> w(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      w[i] = a * v[i] + b;
    auto moved = fit_robust_scale(w);
    EXPECT_EQ(moved.method, base.method);
    for (size_t i = 0; i < v.size(); ++i) {
      // A negative factor mirrors the values, and with them the sign of z.
      double expected = (a > 0 ? 1 : -1) * robust_z(v[i], base);
      EXPECT_NEAR(robust_z(w[i], moved), expected, 1e-9 * (1 + std::fabs(expected)));
    }
  }
}
