#include "receptor/synth/scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "receptor/check_digit.hpp"
#include "receptor/encoding.hpp"
#include "receptor/feed/normalize.hpp"
#include "receptor/feed/office_feed.hpp"
#include "receptor/uke/reader.hpp"
#include "receptor/uke/record_id.hpp"
#include "runtime/synth/scenario_files.hpp"

namespace receptor::synth {
namespace {

namespace fs = std::filesystem;
using model::receipt_kind;
using test::read_csv;

// --- helpers -------------------------------------------------------------------

// One receipt as read back by the project's reader: what matching compares.
struct read_receipt {
  std::string office_no, recipient_no, institution, name;
  uint32_t month = 0, birth_date = 0, care_days = 0;
  uint8_t sex = 0, care = 0;
  int32_t copay = 0;
  bool insured = false;
};

using receipt_key = std::pair<std::string, uint32_t>; // file name, line

std::map<receipt_key, read_receipt> read_receipts(const scenario_result& result) {
  std::map<receipt_key, read_receipt> out;
  for (const file_info& f : result.files) {
    auto batch = uke::read_file(f.path);
    EXPECT_TRUE(batch.has_value()) << f.path;
    if (!batch)
      continue;
    const auto& t = batch->receipts;
    const auto& cov = batch->coverages;
    const auto& inst = batch->institutions;
    for (size_t r = 0; r < t.size(); ++r) {
      read_receipt x;
      const uint32_t at = t.institution[r];
      char head[8];
      std::snprintf(head, sizeof head, "%02u%u", inst.prefecture[at], inst.table[at]);
      x.institution = head + std::string{batch->view(inst.code[at])};
      x.month = t.month[r];
      x.name = to_utf8(batch->view(t.name[r]), batch->encoding);
      x.birth_date = t.birth_date[r];
      x.sex = t.sex[r];
      x.care_days = t.care_days[r];
      switch (batch->kind) {
        case receipt_kind::dental: x.care = 3; break;
        case receipt_kind::pharmacy: x.care = 4; break;
        case receipt_kind::dpc: x.care = 1; break;
        default: x.care = t.receipt_type[r] % 2 == 1 ? 1 : 2; break; // digit 4: odd 入院
      }
      for (uint32_t k = t.coverage_begin[r]; k < t.coverage_end[r]; ++k) {
        if (cov.record[k] == uke::rec::HO) {
          x.insured = true;
        } else if (cov.law_no[k] == 12 || cov.law_no[k] == 25) {
          x.office_no = std::string{batch->view(cov.payer_no[k])};
          x.recipient_no = std::string{batch->view(cov.member_no[k])};
          x.copay = cov.copay[k] == model::no_value ? 0 : cov.copay[k];
          x.care_days |= cov.visit_days[k];
        }
      }
      out[{f.path.filename().string(), t.source_line[r]}] = x;
    }
  }
  return out;
}

std::map<receipt_key, std::string> read_statuses(const fs::path& path) {
  std::map<receipt_key, std::string> out;
  for (auto& row : read_csv(path))
    EXPECT_TRUE(out.emplace(receipt_key{row["file"], std::stoul(row["line"])}, row["match_status"]).second)
      << "two rows for " << row["file"] << ":" << row["line"];
  return out;
}

std::unique_ptr<feed::office_feed> load_feed(const fs::path& dir, bool late_delivery) {
  auto f = std::make_unique<feed::office_feed>();
  EXPECT_FALSE(f->load(feed::feed_file::recipients, dir / "recipients.csv"));
  EXPECT_FALSE(f->load(feed::feed_file::tickets, dir / "tickets.csv"));
  if (late_delivery) {
    EXPECT_FALSE(f->load(feed::feed_file::tickets, dir / "tickets_late.csv"));
  }
  EXPECT_FALSE(f->load(feed::feed_file::other_schemes, dir / "other_schemes.csv"));
  return f;
}

const char* const all_statuses[] = {
  "MATCHED", "NO_TICKET", "INSTITUTION_MISMATCH", "CARE_TYPE_MISMATCH", "OUTSIDE_VALIDITY", "NOT_PROTECTED",
  "PERSON_MISMATCH", "COPAY_MISMATCH", "UNKNOWN_RECIPIENT", "INVALID_NUMBER", "DUPLICATE_CLAIM",
  "INSURANCE_INCONSISTENT", "NO_TICKET_FEED",
};

// One scenario of 3,000 institution-side receipts, shared by the suite.
class scenario_test : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    scenario_request request;
    request.month.seed = 7;
    request.month.receipts = 3000;
    request.out_dir = test::scratch("scenario_test", "shared");
    auto made = generate_scenario(request);
    ASSERT_TRUE(made.has_value()) << made.error_value().message;
    dir_ = request.out_dir;
    result_ = std::make_unique<scenario_result>(std::move(*made));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    result_.reset();
  }

  static fs::path dir_;
  static std::unique_ptr<scenario_result> result_;
};

fs::path scenario_test::dir_;
std::unique_ptr<scenario_result> scenario_test::result_;

// --- tests -----------------------------------------------------------------------

TEST_F(scenario_test, the_feed_loads_without_quarantine) {
  const auto feed = load_feed(result_->feed_dir, true);
  for (const auto& q : feed->quarantine())
    ADD_FAILURE() << q.file << ":" << q.line << ": " << q.reason;
  for (const auto& report : feed->files()) {
    EXPECT_EQ(report.error, "") << report.file;
    // Names make recipients.csv UTF-8; the other files are plain ASCII.
    EXPECT_EQ(report.encoding, report.kind == feed::feed_file::recipients ? feed::file_encoding::utf8
                                                                           : feed::file_encoding::ascii)
      << report.file;
    EXPECT_EQ(report.rows_read, report.loaded) << report.file;
  }
  EXPECT_FALSE(feed->recipients().empty());
  EXPECT_FALSE(feed->other_schemes().empty());
  EXPECT_EQ(feed->tickets().size(), read_csv(result_->feed_dir / "tickets.csv").size()
                                      + read_csv(result_->feed_dir / "tickets_late.csv").size());
}

TEST_F(scenario_test, the_truth_holds_every_status_and_every_injection) {
  std::set<std::string> statuses, injections;
  for (auto& row : read_csv(dir_ / "truth.csv")) {
    statuses.insert(row["expected_status"]);
    injections.insert(row["injection"]);
    if (row["injection"] == "late_ticket") {
      EXPECT_EQ(row["expected_status"], "MATCHED");
      EXPECT_EQ(row["first_delivery_status"], "NO_TICKET");
    } else {
      EXPECT_EQ(row["expected_status"], row["first_delivery_status"]);
    }
  }
  for (const char* status : all_statuses)
    EXPECT_EQ(statuses.count(status), 1u) << status;
  for (auto what = static_cast<int>(injection::other_institution); what <= static_cast<int>(injection::no_ticket_feed);
       ++what)
    EXPECT_EQ(injections.count(to_string(static_cast<injection>(what))), 1u)
      << to_string(static_cast<injection>(what));
  EXPECT_EQ(read_csv(dir_ / "truth.csv").size(), result_->cases.size());
}

TEST_F(scenario_test, expected_status_has_one_row_per_receipt_at_its_re_line) {
  const auto receipts = read_receipts(*result_);
  const auto final_statuses = read_statuses(dir_ / "expected_status.csv");
  const auto first_statuses = read_statuses(dir_ / "expected_status_first_delivery.csv");
  EXPECT_EQ(final_statuses.size(), result_->receipts);
  EXPECT_EQ(receipts.size(), result_->receipts);
  for (const auto& [key, status] : final_statuses)
    EXPECT_EQ(receipts.count(key), 1u) << key.first << ":" << key.second << " is no receipt's RE line";
  // The deliveries differ exactly in the late tickets.
  std::set<receipt_key> late;
  for (const injected_case& k : result_->cases)
    if (k.what == injection::late_ticket)
      late.insert({k.file, k.line});
  ASSERT_EQ(first_statuses.size(), final_statuses.size());
  for (const auto& [key, status] : final_statuses)
    EXPECT_EQ(first_statuses.at(key) == status, late.count(key) == 0) << key.first << ":" << key.second;
}

TEST_F(scenario_test, truth_rows_name_their_receipts) {
  const auto receipts = read_receipts(*result_);
  const auto statuses = read_statuses(dir_ / "expected_status.csv");
  for (const injected_case& k : result_->cases) {
    const auto found = receipts.find({k.file, k.line});
    ASSERT_NE(found, receipts.end()) << k.file << ":" << k.line;
    const read_receipt& r = found->second;
    EXPECT_EQ(r.office_no, k.office_no);
    EXPECT_EQ(r.recipient_no, k.recipient_no);
    EXPECT_EQ(r.month, k.month);
    EXPECT_EQ(r.institution, k.institution);
    EXPECT_EQ(check_digit_ok(r.recipient_no), k.what != injection::wrong_check_digit) << k.recipient_no;
    EXPECT_EQ(statuses.at({k.file, k.line}), to_string(k.expected));
  }
}

// Every receipt expected MATCHED meets every rule of spec/results.md against
// the feed, checked here without the matcher: a ticket in force with the
// receipt's numbers, month, institution and care type, whose validity holds
// every care day; protection on every care day; the same person; the same
// copay; insurance on both or on neither.
TEST_F(scenario_test, matched_receipts_meet_every_rule) {
  const auto feed = load_feed(result_->feed_dir, true);
  const auto receipts = read_receipts(*result_);
  size_t checked = 0;
  for (const auto& [key, status] : read_statuses(dir_ / "expected_status.csv")) {
    if (status != "MATCHED")
      continue;
    const read_receipt& r = receipts.at(key);
    const std::string where = key.first + ":" + std::to_string(key.second);
    const feed::ticket* fitting = nullptr;
    for (const auto& t : feed->tickets_by_number(r.office_no, r.recipient_no, r.month))
      if (t.in_force() && t.institution() == r.institution && static_cast<uint8_t>(t.care_type) == r.care)
        fitting = &t;
    ASSERT_NE(fitting, nullptr) << where;
    const auto periods = feed->protection_periods(r.office_no, fitting->person_id);
    ASSERT_FALSE(periods.empty()) << where;
    for (unsigned day = 1; day <= 31; ++day) {
      if ((r.care_days >> (day - 1) & 1) == 0)
        continue;
      const uint32_t date = r.month * 100 + day;
      EXPECT_TRUE(date >= fitting->valid_from && date <= fitting->valid_to) << where << " day " << day;
      EXPECT_TRUE(std::any_of(periods.begin(), periods.end(), [&](const feed::recipient& p) {
        return date >= p.protected_from && (p.protected_to == 0 || date <= p.protected_to);
      })) << where << " day " << day;
    }
    EXPECT_NE(r.care_days, 0u) << where;
    EXPECT_EQ(feed::normalize_name(periods[0].name), feed::normalize_name(r.name)) << where;
    EXPECT_EQ(periods[0].birth_date, r.birth_date) << where;
    EXPECT_EQ(periods[0].sex, r.sex) << where;
    EXPECT_EQ(static_cast<int32_t>(fitting->copay), r.copay) << where;
    EXPECT_EQ(!fitting->insurer_no.empty(), r.insured) << where;
    ++checked;
  }
  EXPECT_GT(checked, result_->receipts * 9 / 10);
}

TEST_F(scenario_test, a_programme_25_office_supplies_no_tickets) {
  ASSERT_EQ(result_->offices_without_tickets.size(), 1u);
  const std::string office = result_->offices_without_tickets[0];
  EXPECT_EQ(office.substr(0, 2), "25");
  const auto feed = load_feed(result_->feed_dir, true);
  EXPECT_FALSE(feed->has_ticket_feed(office));
  EXPECT_TRUE(std::any_of(feed->recipients().begin(), feed->recipients().end(),
                          [&](const feed::recipient& r) { return r.office_no == office; }));
  // Other programme-25 offices supply theirs.
  EXPECT_TRUE(std::any_of(feed->tickets().begin(), feed->tickets().end(),
                          [&](const feed::ticket& t) { return t.office_no.substr(0, 2) == "25"; }));
  const auto receipts = read_receipts(*result_);
  size_t without_feed = 0;
  for (const auto& [key, status] : read_statuses(dir_ / "expected_status.csv")) {
    const bool of_office = receipts.at(key).office_no == office;
    EXPECT_EQ(status == "NO_TICKET_FEED", of_office) << key.first << ":" << key.second;
    without_feed += of_office;
  }
  EXPECT_GT(without_feed, 0u);
}

// ticket_use_truth.csv checked against the feed and the receipts read back,
// without the matcher: one row per ticket; cancelled exactly where the
// ticket is not in force; used tickets fit a receipt of their person, unused
// ones none. One month read: nothing is old enough to be TICKET_UNUSED.
TEST_F(scenario_test, ticket_use_truth_follows_from_the_feed_and_the_receipts) {
  const auto feed = load_feed(result_->feed_dir, true);
  const auto receipts = read_receipts(*result_);
  // What a receipt fits: office, 受給者番号, month, institution, care type.
  auto fit_key = [](const std::string& office, const std::string& number, uint32_t month,
                    const std::string& institution, unsigned care) {
    return office + '|' + number + '|' + std::to_string(month) + '|' + institution + '|' + std::to_string(care);
  };
  std::set<std::string> fitted;
  for (const auto& [key, r] : receipts)
    fitted.insert(fit_key(r.office_no, r.recipient_no, r.month, r.institution, r.care));
  // A wrong 検証番号 hides the number: such a person's ticket is found by name.
  std::set<std::string> by_name;
  for (const injected_case& k : result_->cases)
    if (k.what == injection::wrong_check_digit)
      by_name.insert(k.person_id);
  auto rows = read_csv(dir_ / "ticket_use_truth.csv");
  ASSERT_EQ(rows.size(), feed->tickets().size());
  ASSERT_EQ(rows.size(), result_->ticket_uses.size());
  std::map<std::string, size_t> by_status, by_injection;
  for (auto& row : rows) {
    const feed::ticket* t = feed->find_ticket(row["ticket_id"]);
    ASSERT_NE(t, nullptr) << row["ticket_id"];
    EXPECT_EQ(row["person_id"], t->person_id);
    EXPECT_EQ(row["institution"], t->institution());
    const std::string& use = row["use_status"];
    ++by_status[use];
    ++by_injection[row["injection"]];
    EXPECT_EQ(use == "cancelled", !t->in_force()) << t->ticket_id;
    const bool fits = fitted.count(fit_key(t->office_no, t->recipient_no, t->month, t->institution(),
                                           static_cast<unsigned>(t->care_type))) != 0;
    if (use == "used" && by_name.count(t->person_id) == 0) {
      EXPECT_TRUE(fits) << t->ticket_id;
    }
    if (use == "pending") {
      EXPECT_FALSE(fits) << t->ticket_id;
    }
  }
  EXPECT_EQ(by_status.count("TICKET_UNUSED"), 0u);
  EXPECT_GT(by_status["used"], rows.size() * 9 / 10);
  EXPECT_GE(by_status["pending"], 3u);  // unused_ticket, other_institution, wrong_care_type
  EXPECT_GE(by_status["cancelled"], 2u);
  for (const char* what : {"unused_ticket", "cancelled_ticket", "replaced_ticket", "other_institution",
                           "wrong_care_type"})
    EXPECT_GT(by_injection[what], 0u) << what;
}

TEST(scenario, the_same_request_writes_the_same_bytes) {
  auto write = [](const std::string& name) {
    scenario_request request;
    request.month.seed = 11;
    request.month.receipts = 2000;
    request.out_dir = test::scratch("scenario_test", name);
    auto made = generate_scenario(request);
    EXPECT_TRUE(made.has_value());
    auto files = test::read_tree(request.out_dir);
    fs::remove_all(request.out_dir);
    return files;
  };
  const auto first = write("determinism_a");
  const auto second = write("determinism_b");
  EXPECT_GT(first.size(), 10u);
  ASSERT_EQ(first.size(), second.size());
  for (const auto& [name, bytes] : first) {
    ASSERT_EQ(second.count(name), 1u) << name;
    EXPECT_TRUE(second.at(name) == bytes) << name;
  }
}

TEST(scenario, payer_side_lines_are_mn_records) {
  scenario_request request;
  request.month.seed = 3;
  request.month.receipts = 2000;
  request.month.payer_side = true;
  request.out_dir = test::scratch("scenario_test", "payer");
  auto made = generate_scenario(request);
  ASSERT_TRUE(made.has_value()) << made.error_value().message;
  EXPECT_EQ(made->files.size(), 4u);
  const auto receipts = read_receipts(*made);
  const auto statuses = read_statuses(request.out_dir / "expected_status.csv");
  EXPECT_EQ(statuses.size(), made->receipts);
  for (const auto& [key, status] : statuses) {
    ASSERT_EQ(receipts.count(key), 1u) << key.first << ":" << key.second;
    std::ifstream in{made->receipts_dir / key.first, std::ios::binary};
    std::string line;
    for (uint32_t n = 0; n < key.second; ++n)
      std::getline(in, line);
    EXPECT_EQ(line.substr(0, 6), "2,1,0,") << key.first << ":" << key.second;
    EXPECT_EQ(line.substr(6, 3), "MN,") << key.first << ":" << key.second;
  }
  std::set<std::string> seen;
  for (const injected_case& k : made->cases)
    seen.insert(to_string(k.expected));
  EXPECT_EQ(seen.size(), std::size(all_statuses));
  fs::remove_all(request.out_dir);
}

TEST(scenario, without_injections_every_receipt_matches) {
  scenario_request request;
  request.month.seed = 5;
  request.month.receipts = 1500;
  request.out_dir = test::scratch("scenario_test", "clean");
  request.wrong_check_digit_rate = 0;
  request.duplicate_claim_rate = 0;
  request.programme_25_offices_without_tickets = 0;
  feed_options& f = request.feed;
  for (double* rate : {&f.other_institution_rate, &f.wrong_care_type_rate, &f.validity_ends_early_rate,
                       &f.protection_ended_rate, &f.protection_starts_late_rate, &f.protection_gap_rate,
                       &f.variant_kanji_rate, &f.birth_date_differs_rate, &f.copay_typo_rate, &f.ticket_omitted_rate,
                       &f.late_ticket_rate, &f.unknown_recipient_rate, &f.insurer_on_ticket_rate,
                       &f.unused_ticket_rate, &f.cancelled_ticket_rate, &f.replaced_ticket_rate})
    *rate = 0;
  auto made = generate_scenario(request);
  ASSERT_TRUE(made.has_value()) << made.error_value().message;
  EXPECT_TRUE(made->cases.empty());
  EXPECT_TRUE(made->offices_without_tickets.empty());
  const auto statuses = read_statuses(request.out_dir / "expected_status.csv");
  EXPECT_EQ(statuses.size(), 1500u);
  for (const auto& [key, status] : statuses)
    EXPECT_EQ(status, "MATCHED") << key.first << ":" << key.second;
  EXPECT_EQ(read_csv(request.out_dir / "feed" / "tickets_late.csv").size(), 0u);
  auto uses = read_csv(request.out_dir / "ticket_use_truth.csv");
  EXPECT_EQ(uses.size(), read_csv(request.out_dir / "feed" / "tickets.csv").size());
  for (auto& row : uses)
    EXPECT_EQ(row["use_status"], "used") << row["ticket_id"];
  fs::remove_all(request.out_dir);
}

TEST(scenario, a_wrong_check_digit_is_written_on_the_programme_ko_only) {
  options opts;
  opts.receipts = 50;
  population_options people;
  people.receipts = 50;
  people.reference_month = opts.month;
  const population pop = make_population(people);
  auto claims = plan_claims(receipt_kind::medical, 20, opts, pop);
  for (claim& c : claims)
    c.defect = receipt_defect::wrong_check_digit;
  for (const claim& c : claims) {
    const uint32_t written = programme_recipient_no(c, pop);
    EXPECT_NE(written, pop.people[c.person].recipient_no);
    EXPECT_EQ(written / 10, pop.people[c.person].recipient_no / 10);
    char digits[8];
    std::snprintf(digits, sizeof digits, "%07u", written);
    EXPECT_FALSE(check_digit_ok(digits)) << digits;
  }
}

TEST(scenario, the_feed_writer_refuses_an_unborn_patient) {
  options opts;
  opts.receipts = 200;
  population_options people;
  people.receipts = 200;
  people.reference_month = opts.month;
  population pop = make_population(people);
  auto claims = plan_month(opts, pop);
  reassign_unmatchable_claims(claims, pop, opts.month);
  pop.people[claims[0].person].birth_date = opts.month * 100 + 15;
  const fs::path dir = test::scratch("scenario_test", "unborn");
  const auto refused = write_office_feed(opts, {}, builtin_catalog(), pop, claims, dir);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error_value().code, ec::invalid_argument);
  EXPECT_GE(reassign_unmatchable_claims(claims, pop, opts.month), 1u);
  EXPECT_TRUE(write_office_feed(opts, {}, builtin_catalog(), pop, claims, dir).has_value());
  fs::remove_all(dir);
}

} // namespace
} // namespace receptor::synth
