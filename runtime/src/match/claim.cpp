#include "receptor/match/claim.hpp"

#include <algorithm>
#include <cstdio>

#include "receptor/encoding.hpp"
#include "receptor/feed/normalize.hpp"
#include "receptor/uke/record_id.hpp"

namespace receptor::match {

using namespace receptor::model;

std::string make_receipt_key(const std::string& institution, uint32_t month, receipt_kind kind,
                             std::string_view search_no, std::string_view management_no, uint32_t receipt_no,
                             std::string_view file_id) {
  static constexpr char kind_letter[] = {'U', 'M', 'D', 'S', 'Y'};
  std::string key = institution;
  key += '-';
  key += std::to_string(month);
  key += '-';
  key += kind_letter[static_cast<size_t>(kind) < sizeof kind_letter ? static_cast<size_t>(kind) : 0];
  if (!search_no.empty()) {
    key += 'S';
    key += search_no;
  } else if (!management_no.empty()) {
    key += 'M';
    key += management_no;
    key += '@';
    key += file_id;
  } else {
    key += 'R';
    key += std::to_string(receipt_no);
    key += '@';
    key += file_id;
  }
  return key;
}

namespace {

care_type care_of(const receipt_batch& b, size_t r) {
  switch (b.kind) {
    case receipt_kind::dental: return care_type::dental;
    case receipt_kind::pharmacy: return care_type::pharmacy;
    case receipt_kind::dpc: return care_type::inpatient;
    default:
      // レセプト種別 digit 4: odd = 入院, even = 入院外.
      return (b.receipts.receipt_type[r] % 2 == 1) ? care_type::inpatient : care_type::outpatient;
  }
}

std::string institution_key(const receipt_batch& b, uint32_t row) {
  if (row >= b.institutions.size())
    return {};
  char head[8];
  std::snprintf(head, sizeof head, "%02u%u", b.institutions.prefecture[row], b.institutions.table[row]);
  return std::string{head} + std::string{b.view(b.institutions.code[row])};
}

std::string prescriber_key(const receipt_batch& b, size_t r) {
  auto code = b.view(b.receipts.prescriber_code[r]);
  if (code.empty())
    return {};
  char head[8];
  std::snprintf(head, sizeof head, "%02u%u", b.receipts.prescriber_prefecture[r], b.receipts.prescriber_table[r]);
  return std::string{head} + std::string{code};
}

// The clinical content the checks read: diseases, procedures, drugs and
// points per 診療識別 group.
void add_clinical_facts(const receipt_batch& b, size_t r, claim& c) {
  auto& t = b.receipts;
  auto& d = b.diseases;
  for (auto k = t.disease_begin[r]; k < t.disease_end[r]; ++k)
    c.diseases.push_back(d.code[k]);
  auto& it = b.items;
  bool pharmacy = b.kind == receipt_kind::pharmacy;
  if (!pharmacy)
    c.group_points.assign(point_group_count, 0);
  for (auto k = t.item_begin[r]; k < t.item_end[r]; ++k) {
    auto rec = it.record[k];
    auto count = it.count[k];
    if (rec == uke::rec::SI) {
      c.procedures.push_back(it.code[k]);
    } else if (rec == uke::rec::IY) {
      drug_line drug;
      drug.code = it.code[k];
      drug.shikibetsu = pharmacy ? 0 : it.shikibetsu[k];
      drug.days = count == no_value ? 0 : count;
      if (it.quantity[k] != no_quantity)
        drug.quantity = it.quantity[k] * std::max<int32_t>(drug.days, 1);
      c.drugs.push_back(drug);
    }
    // 点数 stands on the last row of a unit; 食事 (97) is not care.
    if (!pharmacy && it.points[k] != no_value && it.shikibetsu[k] != 97) {
      auto times = count == no_value ? 1 : count;
      auto g = static_cast<size_t>(group_of(it.shikibetsu[k]));
      c.group_points[g] += it.points[k] * times;
    }
  }
  std::sort(c.procedures.begin(), c.procedures.end());
  c.procedures.erase(std::unique(c.procedures.begin(), c.procedures.end()), c.procedures.end());
}

} // namespace

point_group group_of(uint8_t shikibetsu) {
  switch (shikibetsu) {
    case 11: case 12: return point_group::visit;
    case 13: return point_group::management;
    case 14: return point_group::home;
    case 31: case 32: case 33: return point_group::injection;
    case 40: return point_group::procedure;
    case 50: case 54: return point_group::surgery;
    case 60: return point_group::test;
    case 70: return point_group::imaging;
    case 90: case 92: return point_group::inpatient;
    default:
      if (shikibetsu >= 21 && shikibetsu <= 28)
        return point_group::medication;
      return point_group::other;
  }
}

std::vector<claim> extract_claims(const receipt_batch& b, uint32_t source_file, std::string_view file_id) {
  std::vector<claim> out;
  out.reserve(b.receipts.size());
  auto& t = b.receipts;
  auto& cov = b.coverages;
  for (size_t r = 0; r < t.size(); ++r) {
    claim c;
    c.source_file = source_file;
    c.source_line = t.source_line[r];
    c.kind = static_cast<uint8_t>(b.kind);
    c.care = static_cast<uint8_t>(care_of(b, r));
    c.receipt_type = t.receipt_type[r];
    c.month = t.month[r];
    c.institution = institution_key(b, t.institution[r]);
    c.care_days = t.care_days[r];
    c.points = t.points[r] == no_value ? 0 : t.points[r];
    c.birth_date = t.birth_date[r];
    c.sex = t.sex[r];
    c.name = to_utf8(b.view(t.name[r]), b.encoding);
    c.name_key = feed::normalize_name(c.name);
    // The 検索番号: the RE's, or on the payer side the MN's.
    c.search_no = std::string{b.view(t.search_no[r])};
    if (c.search_no.empty())
      c.search_no = std::string{b.view(t.mn_search_no[r])};
    for (auto k = t.coverage_begin[r]; k < t.coverage_end[r]; ++k) {
      if (cov.record[k] == uke::rec::HO) {
        c.insured = true;
        // 国保 numbers have 6 digits (no 法別); 後期高齢者 is 法別 39.
        auto payer = b.view(cov.payer_no[k]);
        while (!payer.empty() && payer.front() == ' ')
          payer.remove_prefix(1);
        c.insurance_excluded = payer.size() == 6 || cov.law_no[k] == 39;
      } else if (c.law_no != 0 || (cov.law_no[k] != 12 && cov.law_no[k] != 25)) {
        // Another 公費 on the receipt, one that pays before 医療扶助.
        if (cov.law_no[k] != 0 && cov.law_no[k] != 12 && cov.law_no[k] != 25)
          c.other_laws.push_back(cov.law_no[k]);
      } else {
        // 12 and 25 are found by 法別, never by position.
        c.law_no = cov.law_no[k];
        c.office_no = std::string{b.view(cov.payer_no[k])};
        c.recipient_no = std::string{b.view(cov.member_no[k])};
        c.office_no_valid = cov.check_digit_ok[k] & 1;
        c.recipient_no_valid = cov.check_digit_ok[k] & 2;
        c.days = cov.days[k] == no_value ? 0 : cov.days[k];
        c.copay = cov.copay[k] == no_value ? 0 : cov.copay[k];
        c.care_days |= cov.visit_days[k];
      }
    }
    c.admission_date = t.admission_date[r];
    if (b.kind == receipt_kind::pharmacy)
      c.prescriber = prescriber_key(b, r);
    add_clinical_facts(b, r, c);
    c.receipt_key = make_receipt_key(c.institution, c.month, b.kind, c.search_no, b.view(t.management_no[r]),
                                     t.receipt_no[r], file_id);
    out.push_back(std::move(c));
  }
  return out;
}

} // namespace receptor::match
