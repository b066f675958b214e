#include "receptor/checks/person_checks.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "receptor/match/person_ref.hpp"

namespace receptor::checks {

const std::vector<std::string>& rule_codes() {
  static const std::vector<std::string> codes = {
    "FREQUENT_VISITS", "MULTI_INSTITUTION", "SAME_DAY_VISITS", "PSYCHOTROPIC_MULTI_SOURCE", "POLYPHARMACY",
    "LONG_PRESCRIPTION", "BRAND_OVER_GENERIC", "LONG_STAY", "DISPENSING_WITHOUT_PRESCRIPTION",
    "PRESCRIPTION_NOT_DISPENSED", "OTHER_SCHEME_FIRST", "OTHER_SCHEME_CANDIDATE"};
  return codes;
}

uint8_t severity_of(std::string_view code) {
  if (code == "PSYCHOTROPIC_MULTI_SOURCE" || code == "LONG_PRESCRIPTION" || code == "DISPENSING_WITHOUT_PRESCRIPTION"
      || code == "OTHER_SCHEME_FIRST")
    return 3;
  if (code == "BRAND_OVER_GENERIC" || code == "PRESCRIPTION_NOT_DISPENSED")
    return 1;
  return 2;
}

std::vector<person_view> people_of(const match::person_book& book) {
  auto& duplicates = book.duplicate_keys();
  std::unordered_map<match::person_ref, size_t, match::person_ref_hash> index;
  std::vector<person_view> people;
  auto view_of = [&](const std::string& office, const std::string& person) -> person_view& {
    auto [it, fresh] = index.emplace(match::person_ref{office, person}, people.size());
    if (fresh) {
      people.emplace_back();
      people.back().office_no = office;
      people.back().person_id = person;
    }
    return people[it->second];
  };
  for (auto& c : book.all_claims())
    if (c.law_no != 0 && !c.person_id.empty() && !duplicates.count(c.receipt_key))
      view_of(c.office_no, c.person_id).claims.push_back(&c);
  for (auto& s : book.schemes())
    if (auto it = index.find(match::person_ref{s.office_no, s.person_id}); it != index.end())
      people[it->second].schemes.push_back(&s);
  for (auto& p : people)
    std::sort(p.claims.begin(), p.claims.end(), [](const match::claim* a, const match::claim* b) {
      return std::tie(a->month, a->receipt_key) < std::tie(b->month, b->receipt_key);
    });
  std::sort(people.begin(), people.end(), [](const person_view& a, const person_view& b) {
    return std::tie(a.office_no, a.person_id) < std::tie(b.office_no, b.person_id);
  });
  return people;
}

void check_person(const person_view& person, const check_context& context, std::vector<match::finding>& out) {
  check_visits(person, context, out);
  check_drugs(person, context, out);
  check_stays(person, context, out);
  check_prescription_links(person, context, out);
  check_other_schemes(person, context, out);
}

} // namespace receptor::checks
