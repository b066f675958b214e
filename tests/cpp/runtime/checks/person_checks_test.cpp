// Every rule of docs/checks.md just above and just below its threshold, on
// claims built by hand and facts from the real masters.

#include "receptor/checks/person_checks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

#include "receptor/master/master_set.hpp"
#include "receptor/model/receipt_batch.hpp"
#include "test_data.hpp"

using namespace receptor;
using namespace receptor::checks;
using match::claim;

namespace {

const master::master_set& masters() {
  static auto loaded = std::make_unique<master::master_set>(*master::master_set::load(test::masters_dir));
  return *loaded;
}

// Drug codes picked from the master by their facts, not by hand.
struct drug_picks {
  uint32_t zolpidem_brand = 610443047;  // マイスリー錠５ｍｇ: 向精神薬, 30-day limit, generics exist
  uint32_t zolpidem_generic = 622134101; // ゾルピデム酒石酸塩錠５ｍｇ「明治」
  uint32_t diazepam = 0;                 // 90-day limit
  std::vector<uint32_t> plain_oral;      // 後発品, 内用, not 向精神薬, distinct ingredients
};

const drug_picks& drugs() {
  static drug_picks picks = [] {
    drug_picks p;
    std::vector<uint32_t> codes;
    for (auto& [code, d] : masters().drugs())
      codes.push_back(code);
    std::sort(codes.begin(), codes.end());
    std::set<std::string> ingredients;
    for (auto code : codes) {
      auto& d = masters().drugs().at(code);
      if (d.abolished_on != 99999999 && d.abolished_on != 0)
        continue;
      if (!p.diazepam && d.psychotropic() && d.dosage_form == 1
          && ingredient_in(d.generic_name + d.name, check_config{}.long_prescription.limits) == "ジアゼパム")
        p.diazepam = code;
      if (p.plain_oral.size() < 8 && d.generic && d.dosage_form == 1 && d.narcotic_class == 0
          && d.price_list_code.size() >= 7 && ingredients.insert(d.price_list_code.substr(0, 7)).second)
        p.plain_oral.push_back(code);
    }
    return p;
  }();
  return picks;
}

class checks_test : public ::testing::Test {
protected:
  check_config config;
  std::unique_ptr<clinical_facts> facts;
  uint32_t as_of = 202407;
  std::vector<claim> claims;
  std::vector<match::scheme_row> schemes;

  void SetUp() override {
    claims.reserve(64); // tests hold references to claims while adding more
    rebuild();
  }
  void rebuild() { facts = std::make_unique<clinical_facts>(masters(), config); }

  claim& add(model::receipt_kind kind, match::care_type care, const std::string& institution, uint32_t month,
             uint32_t day_mask = 0) {
    claim c;
    c.receipt_key = institution + "-" + std::to_string(month) + "-" + std::to_string(claims.size());
    c.kind = static_cast<uint8_t>(kind);
    c.care = static_cast<uint8_t>(care);
    c.law_no = 12;
    c.office_no = "12131017";
    c.recipient_no = "1234566";
    c.person_id = "P1";
    c.month = month;
    c.institution = institution;
    c.care_days = day_mask;
    claims.push_back(c);
    return claims.back();
  }
  claim& clinic(const std::string& institution, uint32_t month, uint32_t day_mask = 1) {
    return add(model::receipt_kind::medical, match::care_type::outpatient, institution, month, day_mask);
  }
  claim& pharmacy(const std::string& pharmacy, const std::string& prescriber, uint32_t month) {
    auto& c = add(model::receipt_kind::pharmacy, match::care_type::pharmacy, pharmacy, month, 1);
    c.prescriber = prescriber;
    return c;
  }
  static void drug(claim& c, uint32_t code, int32_t days, int64_t per_day = 100000) {
    c.drugs.push_back({code, static_cast<uint8_t>(c.kind == 4 ? 0 : 21), days, per_day * days});
  }

  std::vector<match::finding> run() {
    person_view p;
    p.office_no = "12131017";
    p.person_id = "P1";
    for (auto& c : claims)
      p.claims.push_back(&c);
    std::sort(p.claims.begin(), p.claims.end(),
              [](const claim* a, const claim* b) { return std::tie(a->month, a->receipt_key) < std::tie(b->month, b->receipt_key); });
    for (auto& s : schemes)
      p.schemes.push_back(&s);
    std::vector<match::finding> out;
    check_person(p, {config, *facts, as_of}, out);
    return out;
  }
  std::vector<match::finding> run(const std::string& code) {
    std::vector<match::finding> picked;
    for (auto& f : run())
      if (f.code == code)
        picked.push_back(f);
    return picked;
  }
};

uint32_t first_days(int n) { return n >= 32 ? 0xffffffffu : (n == 0 ? 0u : ((1u << n) - 1)); }

} // namespace

TEST_F(checks_test, frequent_visits_mhlw_rule_needs_15_days_and_40_in_the_window) {
  clinic("1310000001", 202405, first_days(13));
  clinic("1310000001", 202406, first_days(12));
  clinic("1310000001", 202407, first_days(15));
  auto found = run("FREQUENT_VISITS");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].month, 202407u);
  EXPECT_EQ(found[0].value, 15);
  EXPECT_EQ(found[0].institution, "1310000001");
  EXPECT_NE(found[0].detail.find("計 40日"), std::string::npos) << found[0].detail;
}

TEST_F(checks_test, frequent_visits_window_of_39_days_is_no_finding) {
  clinic("1310000001", 202405, first_days(13));
  clinic("1310000001", 202406, first_days(11));
  clinic("1310000001", 202407, first_days(15));
  EXPECT_TRUE(run("FREQUENT_VISITS").empty());
}

TEST_F(checks_test, frequent_visits_14_days_is_no_finding_whatever_the_window) {
  clinic("1310000001", 202405, first_days(13));
  clinic("1310000001", 202406, first_days(13));
  clinic("1310000001", 202407, first_days(14));
  EXPECT_TRUE(run("FREQUENT_VISITS").empty());
}

TEST_F(checks_test, frequent_visits_counts_days_per_institution) {
  clinic("1310000001", 202407, first_days(15));
  clinic("1310000002", 202407, first_days(15) << 15);
  clinic("1310000001", 202406, first_days(13));
  clinic("1310000002", 202406, first_days(13));
  // 30 days in the month in total, but no single institution reaches 40 over the window.
  EXPECT_TRUE(run("FREQUENT_VISITS").empty());
}

TEST_F(checks_test, frequent_visits_without_day_columns_counts_the_stated_days) {
  clinic("1310000001", 202406, 0).days = 25;
  clinic("1310000001", 202407, 0).days = 15;
  EXPECT_EQ(run("FREQUENT_VISITS").size(), 1u);
}

TEST_F(checks_test, frequent_visits_older_rule_needs_15_days_in_each_of_three_months) {
  config.frequent_visits.rule = frequent_rule::three_months;
  clinic("1310000001", 202405, first_days(15));
  clinic("1310000001", 202406, first_days(15));
  clinic("1310000001", 202407, first_days(15));
  auto found = run("FREQUENT_VISITS");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].month, 202407u);
  claims[1].care_days = first_days(14);
  EXPECT_TRUE(run("FREQUENT_VISITS").empty());
  // The same 45, 44 days would both pass the MHLW rule.
  config.frequent_visits.rule = frequent_rule::mhlw2018;
  EXPECT_EQ(run("FREQUENT_VISITS").size(), 1u);
}

TEST_F(checks_test, multi_institution_needs_three_institutions_for_one_chapter) {
  // 2500015 ２型糖尿病 (E11, chapter 4) at three clinics.
  for (auto* inst : {"1310000001", "1310000002", "1310000003"})
    clinic(inst, 202407).diseases = {2500015};
  auto found = run("MULTI_INSTITUTION");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].value, 3);
  EXPECT_NE(found[0].detail.find("第4章"), std::string::npos);
  claims.pop_back();
  EXPECT_TRUE(run("MULTI_INSTITUTION").empty());
}

TEST_F(checks_test, multi_institution_ignores_different_chapters) {
  clinic("1310000001", 202407).diseases = {2500015};
  clinic("1310000002", 202407).diseases = {2500015};
  clinic("1310000003", 202407).diseases = {8841695 + 0}; // also E11x: chapter 4
  EXPECT_EQ(run("MULTI_INSTITUTION").size(), 1u);
  claims.back().diseases = {999}; // 0000999 未コード化傷病名
  EXPECT_TRUE(run("MULTI_INSTITUTION").empty());
}

TEST_F(checks_test, same_day_visits_at_two_institutions) {
  clinic("1310000001", 202407, 0b0101);
  clinic("1310000002", 202407, 0b0100);
  auto found = run("SAME_DAY_VISITS");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].value, 1);
  EXPECT_NE(found[0].detail.find(" 3 日"), std::string::npos) << found[0].detail;
  claims.back().care_days = 0b1000;
  EXPECT_TRUE(run("SAME_DAY_VISITS").empty());
}

TEST_F(checks_test, psychotropics_from_two_prescribers) {
  auto& a = clinic("1310000001", 202407);
  drug(a, drugs().zolpidem_generic, 14);
  auto& b = pharmacy("1340000001", "1310000002", 202407);
  drug(b, drugs().zolpidem_generic, 14);
  auto found = run("PSYCHOTROPIC_MULTI_SOURCE");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].value, 28.0);
}

TEST_F(checks_test, psychotropics_from_one_prescriber_through_two_pharmacies_is_no_finding) {
  drug(pharmacy("1340000001", "1310000002", 202407), drugs().zolpidem_generic, 14);
  drug(pharmacy("1340000002", "1310000002", 202407), drugs().zolpidem_generic, 14);
  EXPECT_TRUE(run("PSYCHOTROPIC_MULTI_SOURCE").empty());
}

TEST_F(checks_test, polypharmacy_needs_six_oral_drugs_of_15_days_from_two_prescribers) {
  ASSERT_GE(drugs().plain_oral.size(), 6u);
  auto& a = pharmacy("1340000001", "1310000001", 202407);
  auto& b = pharmacy("1340000001", "1310000002", 202407);
  for (size_t i = 0; i < 6; ++i)
    drug(i < 3 ? a : b, drugs().plain_oral[i], 15);
  auto found = run("POLYPHARMACY");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].value, 6);
  claims[1].drugs.back().days = 14;
  EXPECT_TRUE(run("POLYPHARMACY").empty());
  claims[1].drugs.back().days = 15;
  claims[1].prescriber = "1310000001";
  EXPECT_TRUE(run("POLYPHARMACY").empty()) << "one prescriber only";
}

TEST_F(checks_test, dental_drug_rows_supply_no_days) {
  auto& a = pharmacy("1340000001", "1310000001", 202407);
  auto& d = add(model::receipt_kind::dental, match::care_type::dental, "1330000001", 202407, 1);
  for (size_t i = 0; i < 5; ++i)
    drug(a, drugs().plain_oral[i], 15);
  drug(d, drugs().plain_oral[5], 91); // 歯科 回数, under a 診療識別 of the dental table
  EXPECT_TRUE(run("POLYPHARMACY").empty());
  EXPECT_TRUE(run("LONG_PRESCRIPTION").empty());
}

TEST_F(checks_test, long_prescription_over_the_legal_limit) {
  auto& c = pharmacy("1340000001", "1310000001", 202407);
  drug(c, drugs().zolpidem_generic, 31);
  auto found = run("LONG_PRESCRIPTION");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].value, 31);
  EXPECT_EQ(found[0].receipt_key, c.receipt_key);
  EXPECT_NE(found[0].detail.find("上限 30日"), std::string::npos) << found[0].detail;
  claims[0].drugs[0].days = 30;
  EXPECT_TRUE(run("LONG_PRESCRIPTION").empty());
}

TEST_F(checks_test, long_prescription_limits_by_ingredient_and_default) {
  ASSERT_NE(drugs().diazepam, 0u);
  auto& c = pharmacy("1340000001", "1310000001", 202407);
  drug(c, drugs().diazepam, 90);
  drug(c, drugs().plain_oral[0], 90);
  EXPECT_TRUE(run("LONG_PRESCRIPTION").empty());
  claims[0].drugs[0].days = 91;
  EXPECT_EQ(run("LONG_PRESCRIPTION").size(), 1u);
  claims[0].drugs[0].days = 90;
  claims[0].drugs[1].days = 91;
  EXPECT_EQ(run("LONG_PRESCRIPTION").size(), 1u);
}

TEST_F(checks_test, brand_over_generic_only_where_a_generic_exists) {
  auto& c = pharmacy("1340000001", "1310000001", 202407);
  drug(c, drugs().zolpidem_brand, 14);
  auto found = run("BRAND_OVER_GENERIC");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].detail.find("マイスリー"), std::string::npos);
  claims[0].drugs[0].code = drugs().zolpidem_generic;
  EXPECT_TRUE(run("BRAND_OVER_GENERIC").empty());
}

TEST_F(checks_test, long_stay_from_180_days) {
  // 2024-07-31 minus 180 days is 2024-02-02.
  auto& c = add(model::receipt_kind::medical, match::care_type::inpatient, "1310000009", 202407, first_days(31));
  c.admission_date = 20240202;
  auto found = run("LONG_STAY");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].value, 180);
  claims[0].admission_date = 20240203;
  EXPECT_TRUE(run("LONG_STAY").empty());
}

TEST_F(checks_test, dispensing_without_a_prescriber_receipt) {
  pharmacy("1340000001", "1310000001", 202407);
  clinic("1310000001", 202406);
  EXPECT_EQ(run("DISPENSING_WITHOUT_PRESCRIPTION").size(), 1u);
  clinic("1310000001", 202407);
  EXPECT_TRUE(run("DISPENSING_WITHOUT_PRESCRIPTION").empty());
}

TEST_F(checks_test, prescription_not_dispensed_waits_for_the_next_month) {
  clinic("1310000001", 202406).procedures = {120002910}; // 処方箋料（リフィル以外・その他）
  as_of = 202406;
  EXPECT_TRUE(run("PRESCRIPTION_NOT_DISPENSED").empty()) << "next month not held yet";
  as_of = 202407;
  EXPECT_EQ(run("PRESCRIPTION_NOT_DISPENSED").size(), 1u);
  pharmacy("1340000001", "1310000001", 202407);
  EXPECT_TRUE(run("PRESCRIPTION_NOT_DISPENSED").empty()) << "dispensed the month after";
}

TEST_F(checks_test, dialysis_billed_to_welfare_alone_while_holding_kousei_iryo) {
  auto& c = clinic("1310000001", 202407, first_days(12));
  c.procedures = {140057810}; // 人工腎臓（慢性維持透析１）
  schemes.push_back({"12131017", "P1", 15, 20240101, 0});
  auto first = run("OTHER_SCHEME_FIRST");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].value, 15);
  EXPECT_TRUE(run("OTHER_SCHEME_CANDIDATE").empty());
  claims[0].other_laws = {15}; // billed to 更生医療 first: fine
  EXPECT_TRUE(run("OTHER_SCHEME_FIRST").empty());
  claims[0].other_laws.clear();
  schemes[0].valid_to = 20240630; // lapsed before the care
  EXPECT_TRUE(run("OTHER_SCHEME_FIRST").empty());
  auto candidate = run("OTHER_SCHEME_CANDIDATE");
  ASSERT_EQ(candidate.size(), 1u);
  EXPECT_EQ(candidate[0].value, 15);
}

TEST_F(checks_test, finding_ids_are_stable_and_distinct) {
  clinic("1310000001", 202407, 0b0101);
  clinic("1310000002", 202407, 0b0100);
  drug(pharmacy("1340000001", "1310000009", 202407), drugs().zolpidem_brand, 31);
  auto a = run(), b = run();
  ASSERT_EQ(a.size(), b.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].finding_id, b[i].finding_id);
    ids.insert(a[i].finding_id);
  }
  EXPECT_EQ(ids.size(), a.size());
}

TEST_F(checks_test, without_masters_drug_and_disease_rules_find_nothing) {
  facts = std::make_unique<clinical_facts>();
  drug(pharmacy("1340000001", "1310000009", 202407), drugs().zolpidem_brand, 31);
  EXPECT_TRUE(run("LONG_PRESCRIPTION").empty());
  EXPECT_TRUE(run("BRAND_OVER_GENERIC").empty());
  EXPECT_FALSE(facts->has_masters());
}
