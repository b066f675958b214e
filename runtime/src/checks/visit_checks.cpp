#include <array>
#include <algorithm>
#include <map>
#include <set>

#include "evidence.hpp"

namespace receptor::checks {

using namespace detail;

namespace {

// Visit days at one institution in one month (医科入院外).
struct visits {
  uint32_t mask = 0;
  int32_t stated = 0; // 実日数 of claims without day information
  uint32_t days() const { return day_count(mask, stated); }
};

void frequent_visits(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  auto& rule = cx.config.frequent_visits;
  std::map<std::pair<std::string, uint32_t>, visits> by_place; // (institution, month)
  for (auto* c : p.claims) {
    if (!medical_outpatient(*c))
      continue;
    auto& v = by_place[{c->institution, c->month}];
    v.mask |= c->care_days;
    if (!c->care_days)
      v.stated = std::max(v.stated, c->days);
  }
  auto days_at = [&](const std::string& institution, uint32_t month) -> uint32_t {
    auto it = by_place.find({institution, month});
    return it == by_place.end() ? 0 : it->second.days();
  };
  for (auto& [place, v] : by_place) {
    auto& [institution, month] = place;
    auto days = v.days();
    if (days < rule.min_days_month)
      continue;
    uint32_t total = 0;
    bool every_month = true;
    std::string window;
    for (uint32_t k = rule.window_months; k-- > 0;) {
      auto m = add_months(month, -static_cast<int>(k));
      auto d = days_at(institution, m);
      total += d;
      every_month = every_month && d >= rule.min_days_month;
      window += iso_month(m) + " " + std::to_string(d) + "日" + (k ? ", " : "");
    }
    bool hit = rule.rule == frequent_rule::mhlw2018 ? total >= rule.min_days_window : every_month;
    if (!hit)
      continue;
    auto criterion = rule.rule == frequent_rule::mhlw2018
                       ? "月" + std::to_string(rule.min_days_month) + "日以上かつ" + std::to_string(rule.window_months)
                           + "か月計" + std::to_string(rule.min_days_window) + "日以上"
                       : std::to_string(rule.window_months) + "か月連続で月" + std::to_string(rule.min_days_month)
                           + "日以上";
    out.push_back(person_finding(p, "FREQUENT_VISITS", month, institution, days,
                                 "頻回受診 " + institution + ": " + window + " (計 " + std::to_string(total)
                                   + "日; 基準 " + criterion + ")"));
  }
}

void multi_institution(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  // (month, ICD-10 chapter) → 医科入院外 institutions treating it.
  std::map<std::pair<uint32_t, uint8_t>, std::set<std::string>> treating;
  for (auto* c : p.claims) {
    if (!medical_outpatient(*c))
      continue;
    for (auto code : c->diseases)
      if (auto chapter = cx.facts.icd10_chapter(code))
        treating[{c->month, chapter}].insert(c->institution);
  }
  // One finding per month: the chapter treated at the most institutions.
  std::map<uint32_t, std::pair<uint8_t, const std::set<std::string>*>> worst;
  for (auto& [key, places] : treating) {
    if (places.size() < cx.config.multi_institution.min_institutions)
      continue;
    auto& w = worst[key.first];
    if (!w.second || places.size() > w.second->size())
      w = {key.second, &places};
  }
  for (auto& [month, w] : worst)
    out.push_back(person_finding(p, "MULTI_INSTITUTION", month, "", static_cast<double>(w.second->size()),
                                 "重複受診: ICD-10 第" + std::to_string(w.first) + "章の傷病で "
                                   + std::to_string(w.second->size()) + " 医療機関 (" + listing(*w.second) + ")"));
}

void same_day_visits(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  // month → day → 医科 institutions with care that day.
  std::map<uint32_t, std::array<std::set<std::string>, 31>> by_day;
  for (auto* c : p.claims) {
    if (!medical(*c) || !c->care_days)
      continue;
    auto& days = by_day[c->month];
    for (int d = 0; d < 31; ++d)
      if (c->care_days & (1u << d))
        days[static_cast<size_t>(d)].insert(c->institution);
  }
  for (auto& [month, days] : by_day) {
    uint32_t mask = 0;
    std::set<std::string> places;
    for (size_t d = 0; d < days.size(); ++d)
      if (days[d].size() >= cx.config.same_day_visits.min_institutions) {
        mask |= 1u << d;
        places.insert(days[d].begin(), days[d].end());
      }
    if (!mask)
      continue;
    out.push_back(person_finding(p, "SAME_DAY_VISITS", month, "", day_count(mask, 0),
                                 "同日受診 " + iso_month(month) + " の " + day_list(mask) + " 日: "
                                   + listing(places)));
  }
}

} // namespace

void check_visits(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  frequent_visits(p, cx, out);
  multi_institution(p, cx, out);
  same_day_visits(p, cx, out);
}

} // namespace receptor::checks
