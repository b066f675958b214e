#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace receptor::match {

/// A person (office + person id) and optionally a month, as views into rows
/// that outlive the map using it. Hash maps keyed by it build no strings:
/// the per-claim keys of matching and the checks were a large share of a
/// SHARD's time in allocations alone.
struct person_ref {
  std::string_view office_no;
  std::string_view person_id;
  uint32_t month = 0;       ///< 0 where the key is the person alone
  std::string_view extra{}; ///< a further part of the key (an institution), if any
  bool operator==(const person_ref& o) const noexcept {
    return month == o.month && office_no == o.office_no && person_id == o.person_id && extra == o.extra;
  }
};

struct person_ref_hash {
  size_t operator()(const person_ref& p) const noexcept {
    std::hash<std::string_view> h;
    size_t x = h(p.person_id);
    x ^= h(p.office_no) + 0x9e3779b97f4a7c15ull + (x << 6) + (x >> 2);
    x ^= h(p.extra) + 0x9e3779b97f4a7c15ull + (x << 6) + (x >> 2);
    return x ^ (static_cast<size_t>(p.month) * 0x9e3779b97f4a7c15ull);
  }
};

} // namespace receptor::match
