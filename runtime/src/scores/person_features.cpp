#include "receptor/scores/person_features.hpp"

#include <array>
#include <bitset>
#include <set>

#include "receptor/model/receipt_batch.hpp"

namespace receptor::scores {

namespace {

enum feature : size_t {
  visit_days,
  institutions,
  outpatient_points,
  inpatient_days,
  pharmacy_points,
  drugs,
  psychotropic_quantity,
  brand_over_generic,
  same_day_visit_days,
  prescribers,
  management_points,
  injection_points,
  test_imaging_points,
  feature_count,
};

uint32_t bits(uint32_t mask) { return static_cast<uint32_t>(std::bitset<32>(mask).count()); }

bool is(const match::claim& c, model::receipt_kind k) { return c.kind == static_cast<uint8_t>(k); }

int32_t group(const match::claim& c, match::point_group g) {
  auto i = static_cast<size_t>(g);
  return i < c.group_points.size() ? c.group_points[i] : 0;
}

} // namespace

const std::vector<std::string>& person_feature_names() {
  static const std::vector<std::string> names = {
    "visit_days", "institutions", "outpatient_points", "inpatient_days", "pharmacy_points",
    "drugs", "psychotropic_quantity", "brand_over_generic", "same_day_visit_days", "prescribers",
    "management_points", "injection_points", "test_imaging_points",
  };
  return names;
}

const std::vector<bool>& person_feature_is_amount() {
  static const std::vector<bool> amount = [] {
    std::vector<bool> a(feature_count, false);
    for (auto f : {outpatient_points, pharmacy_points, psychotropic_quantity, management_points, injection_points,
                   test_imaging_points})
      a[f] = true;
    return a;
  }();
  return amount;
}

std::string age_band(uint32_t birth_date, uint32_t month) {
  if (birth_date == 0 || month == 0)
    return "unknown";
  auto age = static_cast<int>(month / 100) - static_cast<int>(birth_date / 10000);
  if (month % 100 < birth_date / 100 % 100)
    --age;
  if (age < 20)
    return "0-19";
  if (age < 40)
    return "20-39";
  if (age < 65)
    return "40-64";
  if (age < 75)
    return "65-74";
  return "75+";
}

std::vector<person_month> person_features(const std::vector<checks::person_view>& people,
                                          const checks::clinical_facts& facts) {
  std::vector<person_month> rows;
  for (auto& p : people) {
    // Claims are sorted by month: walk them one month at a time.
    for (size_t at = 0; at < p.claims.size();) {
      auto month = p.claims[at]->month;
      std::array<double, feature_count> f{};
      uint32_t visit_mask = 0;
      double stated_visits = 0;
      bool inpatient = false;
      std::set<std::string> places, prescribing;
      std::set<uint32_t> drug_codes;
      std::array<std::set<std::string>, 31> medical_by_day;
      uint32_t birth_date = 0;
      uint8_t sex = 0;
      for (; at < p.claims.size() && p.claims[at]->month == month; ++at) {
        auto& c = *p.claims[at];
        birth_date = birth_date ? birth_date : c.birth_date;
        sex = sex ? sex : c.sex;
        places.insert(c.institution);
        bool in = c.care == static_cast<uint8_t>(match::care_type::inpatient);
        bool pharmacy = is(c, model::receipt_kind::pharmacy);
        if (in) {
          inpatient = true;
          f[inpatient_days] += c.care_days ? bits(c.care_days) : std::max(0, c.days);
        } else if (pharmacy) {
          f[pharmacy_points] += c.points;
        } else {
          f[outpatient_points] += c.points;
          visit_mask |= c.care_days;
          if (!c.care_days)
            stated_visits += std::max(0, c.days);
        }
        if (is(c, model::receipt_kind::medical) || is(c, model::receipt_kind::dpc))
          for (int d = 0; d < 31; ++d)
            if (c.care_days & (1u << d))
              medical_by_day[static_cast<size_t>(d)].insert(c.institution);
        f[management_points] += group(c, match::point_group::management) + group(c, match::point_group::home);
        f[injection_points] += group(c, match::point_group::injection);
        f[test_imaging_points] += group(c, match::point_group::test) + group(c, match::point_group::imaging);
        for (auto& d : c.drugs) {
          drug_codes.insert(d.code);
          prescribing.insert(pharmacy && !c.prescriber.empty() ? c.prescriber : c.institution);
          if (auto* facts_of = facts.drug(d.code)) {
            if (facts_of->psychotropic)
              f[psychotropic_quantity] += static_cast<double>(d.quantity) / model::quantity_scale;
            if (facts_of->brand_with_generic)
              f[brand_over_generic] += 1;
          }
        }
      }
      f[visit_days] = bits(visit_mask) + stated_visits;
      f[institutions] = static_cast<double>(places.size());
      f[drugs] = static_cast<double>(drug_codes.size());
      f[prescribers] = static_cast<double>(prescribing.size());
      for (auto& day : medical_by_day)
        f[same_day_visit_days] += day.size() >= 2;
      person_month row;
      row.office_no = p.office_no;
      row.person_id = p.person_id;
      row.month = month;
      row.peer_group = age_band(birth_date, month) + "|" + (sex == 2 ? "F" : sex == 1 ? "M" : "?") + "|"
                       + (inpatient ? "inpatient" : "outpatient");
      row.features.assign(f.begin(), f.end());
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

} // namespace receptor::scores
