#include "receptor/scores/institution_features.hpp"

#include <algorithm>
#include <bitset>
#include <map>
#include <set>
#include <tuple>

#include "receptor/model/receipt_batch.hpp"

namespace receptor::scores {

std::vector<institution_month> institution_partials(const match::person_book& book,
                                                    const std::vector<match::finding>& findings,
                                                    const checks::clinical_facts& facts) {
  using key = std::pair<std::string, uint32_t>;
  std::set<std::tuple<std::string, std::string, uint32_t>> frequent; // (person, institution, month)
  std::set<std::pair<std::string, uint32_t>> psychotropic;           // (person, month)
  for (auto& f : findings) {
    auto person = match::person_key(f.office_no, f.person_id);
    if (f.code == "FREQUENT_VISITS")
      frequent.insert({person, f.institution, f.month});
    else if (f.code == "PSYCHOTROPIC_MULTI_SOURCE")
      psychotropic.insert({person, f.month});
  }
  auto& duplicates = book.duplicate_keys();
  std::map<key, institution_month> sums;
  std::map<key, std::set<std::string>> people;
  for (auto& c : book.all_claims()) {
    if (c.law_no == 0 || duplicates.count(c.receipt_key))
      continue;
    auto& m = sums[{c.institution, c.month}];
    m.institution = c.institution;
    m.month = c.month;
    if (m.kind != static_cast<uint8_t>(model::receipt_kind::dpc))
      m.kind = c.kind;
    ++m.receipts;
    m.inpatient_receipts += c.care == static_cast<uint8_t>(match::care_type::inpatient);
    m.points += c.points;
    m.days += c.care_days ? static_cast<int64_t>(std::bitset<32>(c.care_days).count()) : std::max(0, c.days);
    for (auto& d : c.drugs) {
      ++m.drug_lines;
      if (auto* f = facts.drug(d.code); f && f->brand_with_generic)
        ++m.brand_lines;
    }
    auto person = match::person_key(c);
    if (people[{c.institution, c.month}].insert(person).second) {
      ++m.patients;
      m.frequent_patients += frequent.count({person, c.institution, c.month});
      m.psychotropic_patients += psychotropic.count({person, c.month});
    }
  }
  std::vector<institution_month> out;
  out.reserve(sums.size());
  for (auto& [k, m] : sums)
    out.push_back(std::move(m));
  return out;
}

std::vector<institution_month> merge_partials(std::vector<institution_month> parts) {
  std::sort(parts.begin(), parts.end(), [](const institution_month& a, const institution_month& b) {
    return std::tie(a.institution, a.month) < std::tie(b.institution, b.month);
  });
  std::vector<institution_month> out;
  for (auto& p : parts) {
    if (out.empty() || out.back().institution != p.institution || out.back().month != p.month) {
      out.push_back(std::move(p));
      continue;
    }
    auto& m = out.back();
    if (m.kind != static_cast<uint8_t>(model::receipt_kind::dpc))
      m.kind = p.kind;
    m.receipts += p.receipts;
    m.inpatient_receipts += p.inpatient_receipts;
    m.patients += p.patients;
    m.frequent_patients += p.frequent_patients;
    m.psychotropic_patients += p.psychotropic_patients;
    m.points += p.points;
    m.days += p.days;
    m.drug_lines += p.drug_lines;
    m.brand_lines += p.brand_lines;
  }
  return out;
}

const std::vector<std::string>& institution_feature_names() {
  static const std::vector<std::string> names = {
    "points_per_receipt", "days_per_receipt", "receipts_per_patient",
    "frequent_visitor_share", "psychotropic_share", "brand_over_generic_per_receipt",
  };
  return names;
}

const std::vector<bool>& institution_feature_is_amount() {
  static const std::vector<bool> amount = {true, false, false, false, false, false};
  return amount;
}

std::vector<double> institution_features(const institution_month& m) {
  // Every denominator is at least one receipt or patient: no NaN can start here.
  auto receipts = static_cast<double>(std::max<uint64_t>(m.receipts, 1));
  auto patients = static_cast<double>(std::max<uint64_t>(m.patients, 1));
  return {
    static_cast<double>(m.points) / receipts,
    static_cast<double>(m.days) / receipts,
    static_cast<double>(m.receipts) / patients,
    static_cast<double>(m.frequent_patients) / patients,
    static_cast<double>(m.psychotropic_patients) / patients,
    static_cast<double>(m.brand_lines) / receipts,
  };
}

std::string institution_peer_group(const institution_month& m) {
  switch (static_cast<model::receipt_kind>(m.kind)) {
    case model::receipt_kind::dental: return "dental";
    case model::receipt_kind::pharmacy: return "pharmacy";
    case model::receipt_kind::dpc: return "medical-hospital";
    default: return m.inpatient_receipts > 0 ? "medical-hospital" : "medical-clinic";
  }
}

} // namespace receptor::scores
