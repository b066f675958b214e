#include "receptor/stats/robust_scale.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace receptor::stats {

namespace {

// Median of sorted finite values; halves first so two huge values cannot overflow.
double sorted_median(const std::vector<double>& v) {
  auto n = v.size();
  if (n % 2 == 1)
    return v[n / 2];
  return v[n / 2 - 1] / 2 + v[n / 2] / 2;
}

// Overflowing deviations (values near ±1e308) must still give a usable scale.
double finite_scale(double s) {
  return std::isfinite(s) ? s : std::numeric_limits<double>::max();
}

} // namespace

robust_scale fit_robust_scale(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double x) { return !std::isfinite(x); }),
               values.end());
  robust_scale s;
  if (values.empty()) {
    s.method = static_cast<uint8_t>(scale_method::constant);
    return s;
  }
  // Sorting (not nth_element) fixes the order of the sums below: same values, same bits.
  std::sort(values.begin(), values.end());
  s.median = sorted_median(values);
  std::vector<double> deviations(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    deviations[i] = std::fabs(values[i] - s.median);
  std::sort(deviations.begin(), deviations.end());
  double mad = sorted_median(deviations);
  if (mad > 0) {
    s.scale = finite_scale(mad_factor * mad);
    s.method = static_cast<uint8_t>(scale_method::mad);
    return s;
  }
  // Summed in ascending order: deterministic, and small terms are not lost.
  double sum = 0;
  for (double d : deviations)
    sum += d;
  double mean_abs_dev = sum / static_cast<double>(deviations.size());
  if (mean_abs_dev > 0) {
    s.scale = finite_scale(mean_abs_dev_factor * mean_abs_dev);
    s.method = static_cast<uint8_t>(scale_method::mean_abs_dev);
    return s;
  }
  s.scale = constant_unit;
  s.method = static_cast<uint8_t>(scale_method::constant);
  return s;
}

double robust_z(double x, const robust_scale& s, double max_abs_z) {
  if (!std::isfinite(x) || !std::isfinite(s.median))
    return 0;
  if (!(max_abs_z >= 0) || !std::isfinite(max_abs_z))
    max_abs_z = default_max_abs_z;
  double scale = std::isfinite(s.scale) && s.scale > 0 ? s.scale : constant_unit;
  double z = (x - s.median) / scale; // may be ±inf on overflow, never NaN
  return std::clamp(z, -max_abs_z, max_abs_z);
}

} // namespace receptor::stats
