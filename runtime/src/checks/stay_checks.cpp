#include <map>

#include "evidence.hpp"

namespace receptor::checks {

using namespace detail;

void check_stays(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  // (institution, month) → the earliest admission date billed.
  std::map<std::pair<std::string, uint32_t>, uint32_t> admitted;
  for (auto* c : p.claims) {
    if (!medical(*c) || c->care != static_cast<uint8_t>(match::care_type::inpatient) || c->admission_date == 0)
      continue;
    auto& a = admitted[{c->institution, c->month}];
    a = a == 0 ? c->admission_date : std::min(a, c->admission_date);
  }
  for (auto& [place, admission] : admitted) {
    auto& [institution, month] = place;
    auto days = day_number(last_day_of(month)) - day_number(admission);
    if (days < static_cast<int64_t>(cx.config.long_stay.min_days))
      continue;
    out.push_back(person_finding(p, "LONG_STAY", month, institution, static_cast<double>(days),
                                 "長期入院 " + institution + ": " + iso_date(admission) + " 入院, "
                                   + iso_date(last_day_of(month)) + " で " + std::to_string(days) + "日"));
  }
}

} // namespace receptor::checks
