#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "evidence.hpp"

namespace receptor::checks {

using namespace detail;

namespace {

// Days a drug line supplies: 調剤 lines carry the CZ 調剤数量; on 医科 and
// DPC receipts only 内服 (診療識別 21) counts days in its 回数. 歯科 has a
// 診療識別 table of its own, so its 回数 say nothing of days.
bool supplies_days(const match::claim& c, const match::drug_line& d) {
  return pharmacy(c) || (medical(c) && d.shikibetsu == 21);
}

std::string quantity_text(int64_t quantity) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(quantity) / static_cast<double>(model::quantity_scale));
  return buf;
}

void psychotropic_sources(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  struct month_use {
    std::set<std::string> prescribers, drugs;
    int64_t quantity = 0;
  };
  std::map<uint32_t, month_use> by_month;
  for (auto* c : p.claims)
    for (auto& d : c->drugs) {
      auto* facts = cx.facts.drug(d.code);
      if (!facts || !facts->psychotropic)
        continue;
      auto& u = by_month[c->month];
      u.prescribers.insert(prescriber_of(*c));
      u.drugs.insert(facts->name);
      u.quantity += d.quantity;
    }
  for (auto& [month, u] : by_month) {
    if (u.prescribers.size() < cx.config.psychotropic.min_prescribers)
      continue;
    auto value = static_cast<double>(u.quantity) / static_cast<double>(model::quantity_scale);
    out.push_back(person_finding(p, "PSYCHOTROPIC_MULTI_SOURCE", month, "", value,
                                 "向精神薬を " + std::to_string(u.prescribers.size()) + " 医療機関から処方 ("
                                   + listing(u.prescribers) + "): " + listing(u.drugs) + "; 総量 "
                                   + quantity_text(u.quantity)));
  }
}

void polypharmacy(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  auto& rule = cx.config.polypharmacy;
  struct drug_use {
    int64_t days = 0;
    std::set<std::string> prescribers;
    std::string name;
  };
  // Drugs are counted per product (医薬品コード), as 診療報酬 counts 内服薬の
  // 種類 per 銘柄: two strengths of one ingredient are two drugs.
  std::map<uint32_t, std::map<uint32_t, drug_use>> by_month; // month → drug → use
  for (auto* c : p.claims)
    for (auto& d : c->drugs) {
      auto* facts = cx.facts.drug(d.code);
      if (!facts || !facts->oral || !supplies_days(*c, d))
        continue;
      auto& u = by_month[c->month][d.code];
      u.days += d.days;
      u.prescribers.insert(prescriber_of(*c));
      u.name = facts->name;
    }
  for (auto& [month, drugs] : by_month) {
    std::set<std::string> prescribers, names;
    for (auto& [code, u] : drugs)
      if (u.days >= rule.min_days) {
        names.insert(u.name + " " + std::to_string(u.days) + "日");
        prescribers.insert(u.prescribers.begin(), u.prescribers.end());
      }
    if (names.size() < rule.min_drugs || prescribers.size() < rule.min_prescribers)
      continue;
    out.push_back(person_finding(p, "POLYPHARMACY", month, "", static_cast<double>(names.size()),
                                 "多剤投与: 内服 " + std::to_string(names.size()) + " 剤 (各 "
                                   + std::to_string(rule.min_days) + "日以上) を " + std::to_string(prescribers.size())
                                   + " 医療機関から (" + listing(prescribers) + "): " + listing(names)));
  }
}

void long_prescriptions(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  for (auto* c : p.claims) {
    int32_t worst = 0;
    std::vector<std::string> evidence;
    for (auto& d : c->drugs) {
      auto* facts = cx.facts.drug(d.code);
      if (!facts || !facts->oral || !supplies_days(*c, d))
        continue;
      auto limit = facts->limit_days ? facts->limit_days : cx.config.long_prescription.max_days;
      if (d.days <= static_cast<int32_t>(limit))
        continue;
      worst = std::max(worst, d.days);
      evidence.push_back(facts->name + " " + std::to_string(d.days) + "日 (上限 " + std::to_string(limit) + "日)");
    }
    if (worst > 0)
      out.push_back(receipt_finding(p, *c, "LONG_PRESCRIPTION", worst, "投与日数超過: " + listing(evidence)));
  }
}

void brand_over_generic(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  for (auto* c : p.claims) {
    std::vector<std::string> brands;
    for (auto& d : c->drugs) {
      auto* facts = cx.facts.drug(d.code);
      if (facts && facts->brand_with_generic)
        brands.push_back(facts->name);
    }
    if (!brands.empty())
      out.push_back(receipt_finding(p, *c, "BRAND_OVER_GENERIC", static_cast<double>(brands.size()),
                                    "後発品のある先発品: " + listing(brands)));
  }
}

} // namespace

void check_drugs(const person_view& p, const check_context& cx, std::vector<match::finding>& out) {
  psychotropic_sources(p, cx, out);
  polypharmacy(p, cx, out);
  long_prescriptions(p, cx, out);
  brand_over_generic(p, cx, out);
}

} // namespace receptor::checks
