#pragma once

#include <cstdint>
#include <vector>

namespace receptor::stats {

/// Consistency factor of the MAD for a normal distribution (the z of a normal
/// sample then has unit spread): 1 / Φ⁻¹(3/4), rounded as is customary.
inline constexpr double mad_factor = 1.4826;

/// Consistency factor of the mean absolute deviation for a normal
/// distribution: sqrt(π/2). Used when the MAD is 0.
inline constexpr double mean_abs_dev_factor = 1.2533141373155002512;

/// The scale of a constant feature: one unit of the feature itself (a point,
/// a day, a visit, a yen). A value away from a constant group's median thus
/// gets z = x - median, which is large for any real deviation.
inline constexpr double constant_unit = 1.0;

/// Bound of every robust z: |z| never exceeds this, so sums of squares of
/// many z values stay far from overflow.
inline constexpr double default_max_abs_z = 1e6;

/// How a feature's scale was found (robust_scale::method).
enum class scale_method : uint8_t {
  /// 1.4826 · median absolute deviation.
  mad = 0,
  /// The MAD is 0 (more than half the values equal the median):
  /// 1.2533 · mean absolute deviation from the median.
  mean_abs_dev = 1,
  /// Every value is equal (or none is finite): `constant_unit`.
  constant = 2,
};

/// Location and scale of one feature within a peer group.
/// `method` holds a `scale_method` (0 MAD, 1 mean absolute deviation
/// fallback, 2 constant: all equal, scale `constant_unit` = 1, so z = 0 for
/// the median and z = (x - median) / 1 for values away from it).
struct robust_scale {
  double median = 0;
  double scale = 1;
  uint8_t method = 0;
};

/// Median and 1.4826·MAD of `values`. NaN and infinite entries are ignored;
/// no finite entry gives median 0, scale 1, method 2. The median of an even
/// count is the mean of the two middle values (as `numpy.median`).
/// Always returns a finite median and a finite scale > 0.
robust_scale fit_robust_scale(std::vector<double> values);

/// (x - median) / scale, clipped to ±max_abs_z. Finite always: a non-finite
/// x gives 0 (it is treated as sitting at the median), and a scale that is
/// not a finite positive number is replaced by `constant_unit`.
double robust_z(double x, const robust_scale& s, double max_abs_z = default_max_abs_z);

} // namespace receptor::stats
