#pragma once

// Shared by the rule files: how a finding is built and how a claim's care
// is read. Internal to runtime/src/checks.

#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "receptor/checks/person_checks.hpp"
#include "receptor/dates.hpp"
#include "receptor/model/receipt_batch.hpp"

namespace receptor::checks::detail {

inline bool is_kind(const match::claim& c, model::receipt_kind k) { return c.kind == static_cast<uint8_t>(k); }

/// 医科 (not DPC) 入院外: where 頻回 and 重複 are counted.
inline bool medical_outpatient(const match::claim& c) {
  return is_kind(c, model::receipt_kind::medical) && c.care == static_cast<uint8_t>(match::care_type::outpatient);
}

/// 医科 or DPC, any care type.
inline bool medical(const match::claim& c) {
  return is_kind(c, model::receipt_kind::medical) || is_kind(c, model::receipt_kind::dpc);
}

inline bool pharmacy(const match::claim& c) { return is_kind(c, model::receipt_kind::pharmacy); }

/// Care days as a count: the day mask, else the KO 実日数.
inline uint32_t day_count(uint32_t mask, int32_t stated) {
  return mask ? static_cast<uint32_t>(std::bitset<32>(mask).count()) : static_cast<uint32_t>(std::max(0, stated));
}

/// The institution that prescribed a claim's drugs: the prescriber named on
/// a 調剤 receipt, else the claim's own institution (院内処方).
inline const std::string& prescriber_of(const match::claim& c) {
  return pharmacy(c) && !c.prescriber.empty() ? c.prescriber : c.institution;
}

/// A finding about a person (and month, and institution where it has one).
inline match::finding person_finding(const person_view& p, const char* code, uint32_t month,
                                     const std::string& institution, double value, std::string detail) {
  match::finding f;
  f.code = code;
  f.severity = severity_of(code);
  f.office_no = p.office_no;
  f.person_id = p.person_id;
  f.month = month;
  f.institution = institution;
  for (auto* c : p.claims)
    if (c->month == month)
      f.recipient_no = c->recipient_no; // the latest number of the month
  std::string subject = p.office_no + "|" + p.person_id + "|" + std::to_string(month);
  if (!institution.empty())
    subject += "|" + institution;
  f.finding_id = match::make_finding_id(f.code, subject);
  f.value = value;
  f.detail = std::move(detail);
  return f;
}

/// A finding about one receipt of the person.
inline match::finding receipt_finding(const person_view&, const match::claim& c, const char* code, double value,
                                      std::string detail) {
  return match::receipt_finding(c, code, severity_of(code), value, std::move(detail));
}

/// "a, b, c" of at most `limit` items, then "… (n)".
template <class Range>
std::string listing(const Range& items, size_t limit = 8) {
  std::string out;
  size_t n = 0;
  for (auto& x : items) {
    if (n == limit) {
      out += ", … (" + std::to_string(items.size()) + ")";
      break;
    }
    out += (n++ ? ", " : "") + std::string{x};
  }
  return out;
}

/// Days of a day mask as "3,5,12".
inline std::string day_list(uint32_t mask) {
  std::string out;
  for (int d = 0; d < 31; ++d)
    if (mask & (1u << d))
      out += (out.empty() ? "" : ",") + std::to_string(d + 1);
  return out;
}

} // namespace receptor::checks::detail
