#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "receptor/match/claim.hpp"

namespace receptor::match {

/// A person (office + person id) and optionally a month, care type and
/// institution, as views into rows that outlive the map using it. Hash maps
/// keyed by it build no strings: the per-claim keys of matching and the
/// checks were a large share of a SHARD's time in allocations alone.
struct person_ref {
  std::string_view office_no;
  std::string_view person_id;    ///< the 受給者番号 when by_recipient_no
  uint32_t month = 0;            ///< 0 where the key is the person alone
  uint8_t care = 0;              ///< care_type, where it is part of the key
  std::string_view institution{}; ///< where it is part of the key
  bool by_recipient_no = false;  ///< an unidentified claim's person: its 受給者番号 (person_key's "#")
  bool operator==(const person_ref& o) const noexcept {
    return month == o.month && care == o.care && by_recipient_no == o.by_recipient_no && office_no == o.office_no
           && person_id == o.person_id && institution == o.institution;
  }
};

/// The person of a claim, as person_key(c) names it.
inline person_ref person_of(const claim& c) {
  return c.person_id.empty() ? person_ref{c.office_no, c.recipient_no, 0, 0, {}, true}
                             : person_ref{c.office_no, c.person_id};
}

struct person_ref_hash {
  size_t operator()(const person_ref& p) const noexcept {
    std::hash<std::string_view> h;
    size_t x = h(p.person_id);
    x ^= h(p.office_no) + 0x9e3779b97f4a7c15ull + (x << 6) + (x >> 2);
    x ^= h(p.institution) + 0x9e3779b97f4a7c15ull + (x << 6) + (x >> 2);
    auto small = (static_cast<uint64_t>(p.month) << 9) | (static_cast<uint64_t>(p.care) << 1) | p.by_recipient_no;
    return x ^ (small * 0x9e3779b97f4a7c15ull);
  }
};

} // namespace receptor::match
