#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "receptor/checks/check_config.hpp"
#include "receptor/checks/clinical_facts.hpp"
#include "receptor/match/person_book.hpp"

namespace receptor::checks {

/// One person's claims as the checks read them: every month the run holds,
/// so rules that look back (頻回 windows, stays) or ahead (prescriptions
/// dispensed next month) see the other months.
struct person_view {
  std::string office_no;
  std::string person_id;
  /// Claims billing 12 or 25, DUPLICATE_CLAIM receipts left out, sorted by
  /// (month, receipt_key).
  std::vector<const match::claim*> claims;
  std::vector<const match::scheme_row*> schemes; ///< other schemes held
};

/// What every rule reads besides the person.
struct check_context {
  const check_config& config;
  const clinical_facts& facts;
  uint32_t as_of_month = 0; ///< the latest care month the run holds (YYYYMM)
};

/// The identified people of a book with their claims and schemes, sorted by
/// office and person id. Views point into the book: keep it alive and
/// unchanged while they are used.
std::vector<person_view> people_of(const match::person_book& book);

/// Every finding of one person (the codes of docs/checks.md), appended to
/// `out`. Depends on nothing but the person, so sharding cannot change it.
void check_person(const person_view& person, const check_context& context, std::vector<match::finding>& out);

/// FREQUENT_VISITS, MULTI_INSTITUTION, SAME_DAY_VISITS.
void check_visits(const person_view& person, const check_context& context, std::vector<match::finding>& out);

/// PSYCHOTROPIC_MULTI_SOURCE, POLYPHARMACY, LONG_PRESCRIPTION, BRAND_OVER_GENERIC.
void check_drugs(const person_view& person, const check_context& context, std::vector<match::finding>& out);

/// LONG_STAY.
void check_stays(const person_view& person, const check_context& context, std::vector<match::finding>& out);

/// DISPENSING_WITHOUT_PRESCRIPTION, PRESCRIPTION_NOT_DISPENSED.
void check_prescription_links(const person_view& person, const check_context& context,
                              std::vector<match::finding>& out);

/// OTHER_SCHEME_FIRST, OTHER_SCHEME_CANDIDATE.
void check_other_schemes(const person_view& person, const check_context& context, std::vector<match::finding>& out);

/// The codes the rules of docs/checks.md report, in the order of that table.
const std::vector<std::string>& rule_codes();

/// 1 info, 2 review, 3 act, for the codes of the checks.
uint8_t severity_of(std::string_view code);

} // namespace receptor::checks
