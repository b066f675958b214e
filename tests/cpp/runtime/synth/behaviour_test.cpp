#include "receptor/synth/behaviour.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "receptor/master/master_set.hpp"
#include "receptor/synth/scenario.hpp"
#include "receptor/uke/reader.hpp"
#include "receptor/uke/record_id.hpp"
#include "runtime/synth/scenario_files.hpp"

// The behaviours a scenario injects, checked against the receipts as the
// project's reader reads them back. The rules of docs/checks.md are worked
// out here from the parsed records alone (not with the checks' code): every
// finding they give must be a truth row with expected 1, every such row
// must be found, and no near miss may be.

namespace receptor::synth {
namespace {

namespace fs = std::filesystem;
using model::receipt_kind;
using test::read_csv;

const master::master_set& masters() {
  static const master::master_set set = [] {
    auto loaded = master::master_set::load(fs::path{RECEPTOR_SOURCE_DIR} / "data" / "masters");
    EXPECT_TRUE(loaded.has_value());
    return loaded ? std::move(*loaded) : master::master_set{};
  }();
  return set;
}

// --- the receipts as read back ---------------------------------------------------------

struct drug_row {
  uint32_t code = 0;
  int32_t days = 0;
  uint8_t shikibetsu = 0;
};

struct parsed {
  std::string month;         // YYYY-MM
  std::string file;          // path under receipts/
  uint32_t line = 0;         // RE line
  receipt_kind kind = receipt_kind::unknown;
  bool inpatient = false;
  std::string person;        // person_id, "" when the KO number names nobody
  std::string institution;   // 10-character key
  std::string prescriber;    // 調剤: 10-character key
  uint32_t days = 0;         // care days
  uint32_t admission = 0;
  std::set<int> laws;        // KO 法別
  bool insured = false;
  int64_t points = 0;
  std::vector<uint32_t> procedures;
  std::vector<drug_row> drugs;
  std::vector<uint32_t> diseases;
};

std::string key_of(uint8_t prefecture, uint8_t table, std::string_view code) {
  char head[8];
  std::snprintf(head, sizeof head, "%02u%u", prefecture, table);
  return head + std::string{code};
}

std::string iso(uint32_t yyyymm) {
  const std::string month = std::to_string(yyyymm);
  return month.substr(0, 4) + "-" + month.substr(4, 2);
}

std::vector<parsed> read_all(const scenario_result& result, const population& pop) {
  std::map<std::string, std::string> person_of; // office_no|recipient_no → person_id
  for (uint32_t i = 0; i < pop.people.size(); ++i) {
    char no[8];
    std::snprintf(no, sizeof no, "%07u", pop.people[i].recipient_no);
    person_of[pop.offices[pop.people[i].office].payer_no + "|" + no] = person_id_of(i);
  }
  std::vector<parsed> out;
  for (const file_info& f : result.files) {
    auto batch = uke::read_file(f.path);
    EXPECT_TRUE(batch.has_value()) << f.path;
    if (!batch)
      continue;
    EXPECT_EQ(batch->quarantine.size(), 0u) << f.path;
    const std::string file = fs::relative(f.path, result.receipts_dir).generic_string();
    const auto& t = batch->receipts;
    const auto& cov = batch->coverages;
    const auto& items = batch->items;
    const auto& inst = batch->institutions;
    for (size_t r = 0; r < t.size(); ++r) {
      parsed x;
      x.month = iso(t.month[r]);
      x.file = file;
      x.line = t.source_line[r];
      x.kind = batch->kind;
      x.inpatient = batch->kind == receipt_kind::dpc
                    || (batch->kind == receipt_kind::medical && t.receipt_type[r] % 2 == 1);
      const uint32_t at = t.institution[r];
      x.institution = key_of(inst.prefecture[at], inst.table[at], batch->view(inst.code[at]));
      if (batch->kind == receipt_kind::pharmacy)
        x.prescriber =
          key_of(t.prescriber_prefecture[r], t.prescriber_table[r], batch->view(t.prescriber_code[r]));
      x.days = t.care_days[r];
      x.admission = t.admission_date[r];
      x.points = t.points[r];
      for (uint32_t k = t.coverage_begin[r]; k < t.coverage_end[r]; ++k) {
        if (cov.record[k] == uke::rec::HO) {
          x.insured = true;
          continue;
        }
        x.laws.insert(cov.law_no[k]);
        x.days |= cov.visit_days[k];
        if (cov.law_no[k] == 12 || cov.law_no[k] == 25) {
          const auto found = person_of.find(std::string{batch->view(cov.payer_no[k])} + "|"
                                            + std::string{batch->view(cov.member_no[k])});
          if (found != person_of.end())
            x.person = found->second;
        }
      }
      for (uint32_t k = t.item_begin[r]; k < t.item_end[r]; ++k) {
        if (items.record[k] == uke::rec::SI)
          x.procedures.push_back(items.code[k]);
        else if (items.record[k] == uke::rec::IY)
          x.drugs.push_back({items.code[k], items.count[k], items.shikibetsu[k]});
      }
      for (uint32_t k = t.disease_begin[r]; k < t.disease_end[r]; ++k)
        x.diseases.push_back(batch->diseases.code[k]);
      out.push_back(std::move(x));
    }
  }
  return out;
}

// --- the rules, from the parsed receipts -------------------------------------------------

// ICD-10 chapter (1–22) of a code such as "F329".
int chapter(const std::string& icd) {
  if (icd.size() < 3)
    return 0;
  const char l = icd[0];
  const int n = (icd[1] - '0') * 10 + (icd[2] - '0');
  if (l == 'A' || l == 'B') return 1;
  if (l == 'C' || (l == 'D' && n <= 48)) return 2;
  if (l == 'D') return 3;
  if (l == 'E') return 4;
  if (l == 'F') return 5;
  if (l == 'G') return 6;
  if (l == 'H') return n <= 59 ? 7 : 8;
  if (l == 'I') return 9;
  if (l == 'J') return 10;
  if (l == 'K') return 11;
  if (l == 'L') return 12;
  if (l == 'M') return 13;
  if (l == 'N') return 14;
  if (l == 'O') return 15;
  if (l == 'P') return 16;
  if (l == 'Q') return 17;
  if (l == 'R') return 18;
  if (l == 'S' || l == 'T') return 19;
  if (l >= 'V' && l <= 'Y') return 20;
  if (l == 'Z') return 21;
  return 22;
}

bool name_starts(uint32_t code, const char* prefix) {
  const auto* p = masters().find_procedure(code);
  return p != nullptr && p->name.rfind(prefix, 0) == 0;
}
bool dialysis(uint32_t code) { return name_starts(code, "人工腎臓"); }
bool psychiatric(uint32_t code) {
  return name_starts(code, "通院・在宅精神療法") || name_starts(code, "通院精神療法")
         || name_starts(code, "精神科継続外来支援");
}

// The day limit of a drug (spec/welfare-domain.md §9 by ingredient), 90 for the rest.
int limit_of(uint32_t code) {
  const auto* d = masters().find_drug(code);
  if (d == nullptr || (!d->psychotropic() && d->narcotic_class != 1))
    return 90;
  const std::string text = d->generic_name + d->name;
  for (const char* name : {"ジアゼパム", "ニトラゼパム", "クロナゼパム", "クロバザム", "フェニトイン"})
    if (text.find(name) != std::string::npos && text.find("フルニトラゼパム") == std::string::npos)
      return 90;
  for (const char* name :
       {"ゾルピデム", "トリアゾラム", "ブロチゾラム", "エチゾラム", "ロラゼパム", "アルプラゾラム", "エスタゾラム",
        "オキサゾラム", "クアゼパム", "クロキサゾラム", "クロチアゼパム", "クロルジアゼポキシド", "ゾピクロン",
        "ニメタゼパム", "ハロキサゾラム", "プラゼパム", "フルジアゼパム", "フルニトラゼパム", "フルラゼパム",
        "ブロマゼパム", "ペモリン", "メダゼパム", "メチルフェニデート", "モダフィニル", "ロフラゼプ",
        "ロルメタゼパム", "オキシコドン", "コデイン", "モルヒネ", "フェノバルビタール"})
    if (text.find(name) != std::string::npos)
      return 30;
  return 14;
}

bool brand_with_generic(uint32_t code) {
  const auto* d = masters().find_drug(code);
  return d != nullptr && !d->generic && !d->generic_name_code.empty() && masters().has_generic(d->generic_name_code);
}

using finding_key = std::tuple<std::string, std::string, std::string, std::string>; // code, subject, month, extra

// Findings of the default configuration; receipt-level ones keyed by file:line.
std::set<finding_key> evaluate(const std::vector<parsed>& receipts, const std::vector<std::string>& months,
                               const std::map<std::string, std::set<int>>& schemes) {
  std::set<finding_key> found;
  auto month_index = [&](const std::string& m) {
    return static_cast<size_t>(std::find(months.begin(), months.end(), m) - months.begin());
  };
  auto at = [](const parsed& r) { return r.file + ":" + std::to_string(r.line); };
  std::map<std::string, std::vector<const parsed*>> by_person;
  for (const parsed& r : receipts)
    if (!r.person.empty())
      by_person[r.person].push_back(&r);

  for (const auto& [person, all] : by_person) {
    // FREQUENT_VISITS: days per institution per month (医科 入院外).
    std::map<std::string, std::vector<uint32_t>> visit_days;
    for (const parsed* r : all)
      if (r->kind == receipt_kind::medical && !r->inpatient) {
        auto& v = visit_days[r->institution];
        v.resize(months.size(), 0);
        v[month_index(r->month)] |= r->days;
      }
    for (const auto& [inst, masks] : visit_days)
      for (size_t m = 0; m < months.size(); ++m) {
        const int days = __builtin_popcount(masks[m]);
        int window = 0;
        for (size_t back = 0; back < 3 && back <= m; ++back)
          window += __builtin_popcount(masks[m - back]);
        if (days >= 15 && window >= 40)
          found.insert({"FREQUENT_VISITS", person, months[m], inst});
      }
    for (size_t m = 0; m < months.size(); ++m) {
      std::vector<const parsed*> here;
      for (const parsed* r : all)
        if (r->month == months[m])
          here.push_back(r);
      // MULTI_INSTITUTION
      std::map<int, std::set<std::string>> by_chapter;
      for (const parsed* r : here)
        if (r->kind == receipt_kind::medical && !r->inpatient)
          for (uint32_t code : r->diseases)
            if (const auto* d = masters().find_disease(code); d != nullptr && code != 999 && chapter(d->icd10) > 0)
              by_chapter[chapter(d->icd10)].insert(r->institution);
      for (const auto& [c, institutions] : by_chapter)
        if (institutions.size() >= 3)
          found.insert({"MULTI_INSTITUTION", person, months[m], ""});
      // SAME_DAY_VISITS
      std::map<int, std::set<std::string>> by_day;
      for (const parsed* r : here)
        if (r->kind == receipt_kind::medical || r->kind == receipt_kind::dpc)
          for (int d = 0; d < 31; ++d)
            if ((r->days >> d) & 1)
              by_day[d].insert(r->institution);
      if (std::any_of(by_day.begin(), by_day.end(), [](const auto& e) { return e.second.size() >= 2; }))
        found.insert({"SAME_DAY_VISITS", person, months[m], ""});
      // PSYCHOTROPIC_MULTI_SOURCE and POLYPHARMACY
      std::set<std::string> psychotropic_sources, prescribers;
      std::map<uint32_t, int> oral_days;
      for (const parsed* r : here) {
        if (r->kind == receipt_kind::dental)
          continue;
        const std::string& source = r->kind == receipt_kind::pharmacy ? r->prescriber : r->institution;
        for (const drug_row& d : r->drugs) {
          if (r->kind != receipt_kind::pharmacy && (d.shikibetsu < 21 || d.shikibetsu > 23))
            continue;
          const auto* drug = masters().find_drug(d.code);
          if (drug == nullptr)
            continue;
          if (drug->psychotropic())
            psychotropic_sources.insert(source);
          if (drug->dosage_form == 1) {
            oral_days[d.code] += d.days;
            prescribers.insert(source);
          }
        }
      }
      if (psychotropic_sources.size() >= 2)
        found.insert({"PSYCHOTROPIC_MULTI_SOURCE", person, months[m], ""});
      const auto long_drugs =
        std::count_if(oral_days.begin(), oral_days.end(), [](const auto& e) { return e.second >= 15; });
      if (long_drugs >= 6 && prescribers.size() >= 2)
        found.insert({"POLYPHARMACY", person, months[m], ""});
      // OTHER_SCHEME_CANDIDATE
      for (const int law : {15, 21}) {
        bool marker = false, billed = false;
        for (const parsed* r : here) {
          billed = billed || r->laws.count(law) != 0;
          if (r->kind == receipt_kind::medical)
            for (uint32_t code : r->procedures)
              marker = marker || (law == 15 ? dialysis(code) : !r->inpatient && psychiatric(code));
        }
        const auto held = schemes.find(person);
        if (marker && !billed && (held == schemes.end() || held->second.count(law) == 0))
          found.insert({"OTHER_SCHEME_CANDIDATE", person, months[m], ""});
      }
    }
    // LONG_STAY
    for (const parsed* r : all)
      if (r->inpatient && r->admission != 0) {
        const int y = std::stoi(r->month.substr(0, 4)), mo = std::stoi(r->month.substr(5, 2));
        static constexpr int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        const int last = lengths[mo - 1] + (mo == 2 && y % 4 == 0 ? 1 : 0);
        auto days_of = [](int yy, int mm, int dd) { // days since 0000-03-01
          yy -= mm <= 2;
          const int era = yy / 400, yoe = yy - era * 400;
          const int doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
          return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
        };
        const uint32_t a = r->admission;
        const int stay = days_of(y, mo, last) - days_of(static_cast<int>(a / 10000), static_cast<int>(a / 100 % 100),
                                                        static_cast<int>(a % 100));
        if (stay >= 180)
          found.insert({"LONG_STAY", person, r->month, r->institution});
      }
    // Receipt-level rules.
    for (const parsed* r : all) {
      const size_t m = month_index(r->month);
      for (const drug_row& d : r->drugs) {
        const bool prescribed = r->kind == receipt_kind::pharmacy
                                || (r->kind == receipt_kind::medical && d.shikibetsu >= 21 && d.shikibetsu <= 23);
        if (prescribed && d.days > limit_of(d.code))
          found.insert({"LONG_PRESCRIPTION", at(*r), "", ""});
        if (prescribed && brand_with_generic(d.code))
          found.insert({"BRAND_OVER_GENERIC", at(*r), "", ""});
      }
      if (r->kind == receipt_kind::pharmacy
          && std::none_of(all.begin(), all.end(), [&](const parsed* o) {
               return o->month == r->month && o->kind != receipt_kind::pharmacy && o->institution == r->prescriber;
             }))
        found.insert({"DISPENSING_WITHOUT_PRESCRIPTION", at(*r), "", ""});
      const bool slip = r->kind == receipt_kind::medical
                        && std::any_of(r->procedures.begin(), r->procedures.end(),
                                       [](uint32_t c) { return name_starts(c, "処方箋料"); });
      if (slip && m + 1 < months.size()
          && std::none_of(all.begin(), all.end(), [&](const parsed* o) {
               return o->kind == receipt_kind::pharmacy && o->prescriber == r->institution
                      && (o->month == r->month || o->month == months[m + 1]);
             }))
        found.insert({"PRESCRIPTION_NOT_DISPENSED", at(*r), "", ""});
      if (r->kind == receipt_kind::medical && !r->insured && r->laws.size() == 1) {
        const auto held = schemes.find(person);
        for (uint32_t code : r->procedures)
          if (held != schemes.end()
              && ((dialysis(code) && held->second.count(15) != 0)
                  || (!r->inpatient && psychiatric(code) && held->second.count(21) != 0))) {
            found.insert({"OTHER_SCHEME_FIRST", at(*r), "", ""});
            break;
          }
      }
    }
  }
  return found;
}

finding_key key_of_truth(std::map<std::string, std::string> row) {
  const std::string& code = row["code"];
  if (!row["file"].empty())
    return {code, row["file"] + ":" + row["line"], "", ""};
  const bool with_institution = code == "FREQUENT_VISITS" || code == "LONG_STAY";
  return {code, row["person_id"], row["month"], with_institution ? row["institution"] : ""};
}

// --- one three-month scenario, shared ---------------------------------------------------------

class behaviour_test : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    scenario_request request;
    request.month.seed = 9;
    request.month.month = 202405;
    request.month.receipts = 3000;
    request.months = 3;
    request.masters = &masters();
    request.out_dir = test::scratch("behaviour_test", "shared");
    auto made = generate_scenario(request);
    ASSERT_TRUE(made.has_value()) << made.error_value().message;
    dir_ = request.out_dir;
    result_ = std::make_unique<scenario_result>(std::move(*made));
    population_options people;
    people.seed = request.month.seed;
    people.receipts = request.month.receipts;
    people.reference_month = request.month.month;
    pop_ = std::make_unique<population>(make_population(people));
    receipts_ = std::make_unique<std::vector<parsed>>(read_all(*result_, *pop_));
    truth_ = std::make_unique<std::vector<std::map<std::string, std::string>>>(read_csv(dir_ / "behaviour_truth.csv"));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    result_.reset();
    pop_.reset();
    receipts_.reset();
    truth_.reset();
  }

  static std::vector<std::string> months() {
    std::vector<std::string> out;
    for (uint32_t m : result_->months)
      out.push_back(iso(m));
    return out;
  }
  static std::map<std::string, std::set<int>> schemes() {
    std::map<std::string, std::set<int>> held;
    for (auto& row : read_csv(dir_ / "feed" / "other_schemes.csv"))
      held[row["person_id"]].insert(std::stoi(row["law_no"]));
    return held;
  }

  static fs::path dir_;
  static std::unique_ptr<scenario_result> result_;
  static std::unique_ptr<population> pop_;
  static std::unique_ptr<std::vector<parsed>> receipts_;
  static std::unique_ptr<std::vector<std::map<std::string, std::string>>> truth_;
};

fs::path behaviour_test::dir_;
std::unique_ptr<scenario_result> behaviour_test::result_;
std::unique_ptr<population> behaviour_test::pop_;
std::unique_ptr<std::vector<parsed>> behaviour_test::receipts_;
std::unique_ptr<std::vector<std::map<std::string, std::string>>> behaviour_test::truth_;

TEST_F(behaviour_test, three_months_of_one_population_in_one_feed) {
  ASSERT_EQ(result_->months, (std::vector<uint32_t>{202405, 202406, 202407}));
  EXPECT_EQ(result_->claims_reassigned, 0u); // the background plans only claims that can match
  for (const char* m : {"2024-05", "2024-06", "2024-07"})
    EXPECT_TRUE(fs::is_directory(result_->receipts_dir / m)) << m;
  std::map<std::string, size_t> per_month;
  for (const parsed& r : *receipts_)
    ++per_month[r.month];
  for (const auto& [month, n] : per_month)
    EXPECT_GE(n, 3000u) << month; // the count, and the planted duplicates
  std::set<std::string> ticket_months;
  for (auto& row : read_csv(dir_ / "feed" / "tickets.csv"))
    ticket_months.insert(row["month"]);
  EXPECT_EQ(ticket_months, (std::set<std::string>{"2024-05", "2024-06", "2024-07"}));
  EXPECT_FALSE(fs::exists(result_->feed_dir / ".month-2024-05"));
  // Statuses and truth rows name receipts under receipts/.
  for (auto& row : read_csv(dir_ / "expected_status.csv"))
    ASSERT_TRUE(fs::exists(result_->receipts_dir / row["file"])) << row["file"];
}

TEST_F(behaviour_test, people_keep_their_institutions_and_stays_across_months) {
  // Inpatients: the same admission every month.
  std::map<std::string, std::set<uint32_t>> admissions;
  std::map<std::string, std::set<std::string>> places;
  for (const parsed& r : *receipts_)
    if (r.inpatient && !r.person.empty()) {
      admissions[r.person + r.institution].insert(r.admission);
      places[r.person].insert(r.month);
    }
  size_t several = 0;
  for (const auto& [who, dates] : admissions)
    EXPECT_EQ(dates.size(), 1u) << who;
  for (const auto& [who, in] : places)
    several += in.size() > 1;
  EXPECT_GT(several, 10u);
}

TEST_F(behaviour_test, every_rule_finds_exactly_the_expected_rows) {
  const auto found = evaluate(*receipts_, months(), schemes());
  std::map<finding_key, bool> truth;
  for (const auto& row : *truth_)
    truth[key_of_truth(row)] = row.at("expected") == "1";
  for (const auto& k : found) {
    const auto at = truth.find(k);
    EXPECT_TRUE(at != truth.end() && at->second)
      << "not in the truth: " << std::get<0>(k) << " " << std::get<1>(k) << " " << std::get<2>(k) << " "
      << std::get<3>(k);
  }
  for (const auto& [k, expected] : truth)
    EXPECT_EQ(found.count(k) != 0, expected)
      << (expected ? "missed: " : "near miss found: ") << std::get<0>(k) << " " << std::get<1>(k) << " "
      << std::get<2>(k) << " " << std::get<3>(k);
  // Every rule but the ticket and score ones has positives; the near misses are there.
  std::set<std::string> positives, near_misses;
  for (const auto& row : *truth_)
    (row.at("expected") == "1" ? positives : near_misses).insert(row.at("code"));
  for (const char* code : {"FREQUENT_VISITS", "MULTI_INSTITUTION", "SAME_DAY_VISITS", "PSYCHOTROPIC_MULTI_SOURCE",
                           "POLYPHARMACY", "LONG_PRESCRIPTION", "BRAND_OVER_GENERIC", "LONG_STAY",
                           "DISPENSING_WITHOUT_PRESCRIPTION", "PRESCRIPTION_NOT_DISPENSED", "OTHER_SCHEME_FIRST",
                           "OTHER_SCHEME_CANDIDATE"})
    EXPECT_EQ(positives.count(code), 1u) << code;
  for (const char* code : {"FREQUENT_VISITS", "MULTI_INSTITUTION", "SAME_DAY_VISITS", "POLYPHARMACY",
                           "LONG_PRESCRIPTION", "BRAND_OVER_GENERIC", "LONG_STAY", "PRESCRIPTION_NOT_DISPENSED",
                           "OTHER_SCHEME_FIRST", "OTHER_SCHEME_CANDIDATE"})
    EXPECT_EQ(near_misses.count(code), 1u) << code;
}

TEST_F(behaviour_test, the_background_keeps_under_every_threshold) {
  // Independently of the truth: no person-institution-month has 15 visit days
  // unless the person is injected, and no psychotropic is written for more than 14 days.
  std::set<std::string> injected;
  for (const auto& row : *truth_)
    injected.insert(row.at("person_id"));
  for (auto& row : read_csv(dir_ / "anomaly_truth.csv"))
    injected.insert(row["person_id"]);
  std::map<std::string, uint32_t> days;
  for (const parsed& r : *receipts_) {
    if (r.person.empty() || injected.count(r.person) != 0)
      continue;
    if (r.kind == receipt_kind::medical && !r.inpatient)
      days[r.person + "|" + r.institution + "|" + r.month] |= r.days;
    // Days per drug over the receipt's rows: under the limit however a check adds them up.
    std::map<uint32_t, int> days_of_drug;
    for (const drug_row& d : r.drugs) {
      const auto* m = masters().find_drug(d.code);
      ASSERT_NE(m, nullptr) << d.code;
      if (r.kind == receipt_kind::pharmacy || (d.shikibetsu >= 21 && d.shikibetsu <= 23)) {
        days_of_drug[d.code] += d.days;
        EXPECT_NE(m->narcotic_class, 1) << r.file << ":" << r.line;
      }
      EXPECT_FALSE(brand_with_generic(d.code)) << r.file << ":" << r.line << " drug " << d.code;
    }
    for (const auto& [code, total] : days_of_drug)
      EXPECT_LE(total, masters().find_drug(code)->psychotropic() ? 14 : 90)
        << r.file << ":" << r.line << " drug " << code;
    for (uint32_t code : r.procedures) {
      EXPECT_FALSE(dialysis(code)) << r.file << ":" << r.line;
      if (psychiatric(code)) {
        EXPECT_EQ(r.laws.count(21), 1u) << r.file << ":" << r.line;
      }
    }
  }
  for (const auto& [who, mask] : days)
    EXPECT_LT(__builtin_popcount(mask), 15) << who;
}

TEST_F(behaviour_test, truth_rows_state_what_the_receipts_show) {
  std::map<std::string, const parsed*> by_place;
  for (const parsed& r : *receipts_)
    by_place[r.file + ":" + std::to_string(r.line)] = &r;
  for (const auto& row : *truth_) {
    if (row.at("file").empty())
      continue;
    const auto found = by_place.find(row.at("file") + ":" + row.at("line"));
    ASSERT_NE(found, by_place.end()) << row.at("file") << ":" << row.at("line");
    const parsed& r = *found->second;
    EXPECT_EQ(r.person, row.at("person_id"));
    EXPECT_EQ(r.month, row.at("month"));
    const std::string& detail = row.at("detail");
    if (row.at("code") == "LONG_PRESCRIPTION") {
      // detail: drug=C days=D limit=L, and the receipt has that drug for D days.
      const uint32_t drug = static_cast<uint32_t>(std::stoul(detail.substr(detail.find("drug=") + 5)));
      const int days = std::stoi(detail.substr(detail.find("days=") + 5));
      const int limit = std::stoi(detail.substr(detail.find("limit=") + 6));
      EXPECT_EQ(limit, limit_of(drug)) << detail;
      EXPECT_TRUE(std::any_of(r.drugs.begin(), r.drugs.end(),
                              [&](const drug_row& d) { return d.code == drug && d.days == days; }))
        << detail;
    }
  }
  for (const auto& row : *truth_)
    if (row.at("code") == "LONG_STAY") {
      const auto& detail = row.at("detail");
      const std::string admission = detail.substr(detail.find("admission=") + 10, 10);
      const uint32_t date = static_cast<uint32_t>(std::stoul(admission.substr(0, 4) + admission.substr(5, 2)
                                                             + admission.substr(8, 2)));
      EXPECT_TRUE(std::any_of(receipts_->begin(), receipts_->end(), [&](const parsed& r) {
        return r.person == row.at("person_id") && r.month == row.at("month") && r.institution == row.at("institution")
               && r.admission == date;
      })) << detail;
    }
}

TEST_F(behaviour_test, the_upcoding_clinic_bills_three_times_its_peers) {
  std::string upcoding;
  for (auto& row : read_csv(dir_ / "anomaly_truth.csv"))
    if (row["injection"] == "upcoding_clinic")
      upcoding = row["institution"];
  ASSERT_FALSE(upcoding.empty());
  double at = 0, elsewhere = 0;
  size_t n_at = 0, n_elsewhere = 0;
  for (const parsed& r : *receipts_)
    if (r.kind == receipt_kind::medical && !r.inpatient && r.institution.substr(2, 1) == "1") {
      (r.institution == upcoding ? at : elsewhere) += static_cast<double>(r.points);
      ++(r.institution == upcoding ? n_at : n_elsewhere);
    }
  ASSERT_GT(n_at, 0u);
  EXPECT_GE(at / static_cast<double>(n_at), 3 * elsewhere / static_cast<double>(n_elsewhere));
}

TEST_F(behaviour_test, the_frequent_clinic_sees_mostly_frequent_visitors) {
  std::string clinic;
  for (auto& row : read_csv(dir_ / "anomaly_truth.csv"))
    if (row["injection"] == "frequent_clinic" && row["subject_type"] == "institution")
      clinic = row["institution"];
  ASSERT_FALSE(clinic.empty());
  size_t frequent = 0, all = 0;
  for (const parsed& r : *receipts_)
    if (r.institution == clinic && r.month == "2024-07") {
      ++all;
      frequent += __builtin_popcount(r.days) >= 15;
    }
  ASSERT_GT(all, 0u);
  EXPECT_GT(frequent * 2, all);
}

TEST(behaviour, the_same_request_writes_the_same_bytes) {
  auto write = [](const std::string& name) {
    scenario_request request;
    request.month.seed = 4;
    request.month.receipts = 1200;
    request.months = 2;
    request.masters = &masters();
    request.out_dir = test::scratch("behaviour_test", name);
    auto made = generate_scenario(request);
    EXPECT_TRUE(made.has_value());
    auto files = test::read_tree(request.out_dir);
    fs::remove_all(request.out_dir);
    return files;
  };
  const auto first = write("determinism_a");
  const auto second = write("determinism_b");
  ASSERT_EQ(first.size(), second.size());
  EXPECT_EQ(first.count("behaviour_truth.csv"), 1u);
  for (const auto& [name, bytes] : first) {
    ASSERT_EQ(second.count(name), 1u) << name;
    EXPECT_TRUE(second.at(name) == bytes) << name;
  }
}

TEST(behaviour, payer_side_truth_names_mn_lines_of_uncorrected_receipts) {
  scenario_request request;
  request.month.seed = 12;
  request.month.receipts = 2000;
  request.month.payer_side = true;
  request.month.correction_rate = 0.5; // many JY corrections; none on an injected receipt
  request.months = 2;
  request.masters = &masters();
  request.out_dir = test::scratch("behaviour_test", "payer");
  auto made = generate_scenario(request);
  ASSERT_TRUE(made.has_value()) << made.error_value().message;
  population_options people;
  people.seed = request.month.seed;
  people.receipts = request.month.receipts;
  people.reference_month = request.month.month;
  const population pop = make_population(people);
  const auto receipts = read_all(*made, pop);
  std::vector<std::string> months;
  for (uint32_t m : made->months)
    months.push_back(iso(m));
  std::map<std::string, std::set<int>> held;
  for (auto& row : read_csv(request.out_dir / "feed" / "other_schemes.csv"))
    held[row["person_id"]].insert(std::stoi(row["law_no"]));
  const auto found = evaluate(receipts, months, held);
  size_t rows = 0;
  for (const auto& row : read_csv(request.out_dir / "behaviour_truth.csv")) {
    EXPECT_EQ(found.count(key_of_truth(row)) != 0, row.at("expected") == "1")
      << row.at("code") << " " << row.at("person_id") << " " << row.at("file") << ":" << row.at("line");
    ++rows;
  }
  EXPECT_GT(rows, 20u);
  EXPECT_EQ(found.size(), static_cast<size_t>(std::count_if(
                            made->findings.begin(), made->findings.end(), [](const auto& f) { return f.expected; })));
  fs::remove_all(request.out_dir);
}

TEST(behaviour, counts_are_set_by_name) {
  behaviour_options b;
  EXPECT_TRUE(set_count(b, "long_stays", 4));
  EXPECT_EQ(b.long_stays, 4u);
  EXPECT_FALSE(set_count(b, "long_stay", 4));
  set_all(b, 0);
  EXPECT_EQ(b.upcoding_clinic_patients, 0u);
  EXPECT_EQ(b.frequent_visitors, 0u);
}

TEST(behaviour, without_behaviours_the_truth_is_empty) {
  scenario_request request;
  request.month.seed = 6;
  request.month.receipts = 1500;
  set_all(request.behaviours, 0);
  request.out_dir = test::scratch("behaviour_test", "none");
  auto made = generate_scenario(request);
  ASSERT_TRUE(made.has_value()) << made.error_value().message;
  EXPECT_TRUE(made->findings.empty());
  EXPECT_EQ(read_csv(request.out_dir / "behaviour_truth.csv").size(), 0u);
  EXPECT_EQ(read_csv(request.out_dir / "anomaly_truth.csv").size(), 0u);
  EXPECT_EQ(read_csv(request.out_dir / "expected_status.csv").size(), made->receipts);
  fs::remove_all(request.out_dir);
}

TEST(behaviour, months_are_checked) {
  scenario_request request;
  request.months = 0;
  request.out_dir = test::scratch("behaviour_test", "bad");
  EXPECT_FALSE(generate_scenario(request).has_value());
  request.months = 13;
  EXPECT_FALSE(generate_scenario(request).has_value());
}

} // namespace
} // namespace receptor::synth
