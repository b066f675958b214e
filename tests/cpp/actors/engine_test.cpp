// The actor runtime end to end: results do not depend on shards or threads,
// shutdown is prompt, failures are reported instead of hanging.

#include "receptor/actors/engine.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <unistd.h>

#include "receptor/match/claim.hpp"
#include "receptor/scores/peer_scores.hpp"
#include "receptor/privacy/master_key.hpp"
#include "receptor/store/result_file.hpp"
#include "receptor/store/sealed_columns.hpp"
#include "receptor/synth/generation.hpp"
#include "receptor/uke/reader.hpp"

using namespace receptor;
namespace fs = std::filesystem;

namespace {

// A generated month and a feed derived from its receipts: one ticket per
// person, institution and care type, every 7th left out (NO_TICKET), every
// 11th with a copay typo, every 13th person unknown to the office.
class engine_fixture : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    // CTest runs each test in its own process, in parallel: one folder each.
    dir_ = fs::temp_directory_path() / ("receptor_engine_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    synth::generation_request request;
    request.out_dir = dir_ / "month";
    request.month.receipts = 3000;
    request.month.seed = 9;
    ASSERT_TRUE(synth::generate(request).has_value());
    std::map<std::string, std::string> tickets; // key → row
    std::map<std::string, std::string> people;
    uint32_t file = 0;
    for (auto& entry : fs::directory_iterator(request.out_dir)) {
      if (entry.path().extension() == ".json")
        continue;
      auto batch = uke::read_file(entry.path());
      ASSERT_TRUE(batch.has_value());
      for (auto& c : match::extract_claims(*batch, file++, "test")) {
        if (c.law_no == 0)
          continue;
        auto person = "P" + c.recipient_no;
        auto n = std::stoul(c.recipient_no);
        if (n % 13 == 0)
          continue; // unknown to the office
        char birth[32];
        std::snprintf(birth, sizeof birth, "%04u-%02u-%02u", c.birth_date / 10000, (c.birth_date / 100) % 100,
                      c.birth_date % 100);
        people[c.office_no + person] = c.office_no + "," + person + "," + c.name + "," + std::to_string(c.sex) + ","
                                       + birth + "," + birth + ",\n";
        auto key = c.office_no + c.recipient_no + c.institution + std::to_string(c.care);
        if (tickets.count(key) || (n % 7) == 0)
          continue;
        char month[24];
        std::snprintf(month, sizeof month, "%04u-%02u", (c.month / 100) % 10000, c.month % 100);
        std::string m{month};
        auto copay = (n % 11 == 0) ? c.copay + 100 : c.copay;
        tickets[key] = "T" + std::to_string(tickets.size()) + "," + c.office_no + "," + c.recipient_no + "," + person
                       + "," + m + "," + std::to_string(c.care) + "," + c.institution.substr(0, 2) + ","
                       + c.institution.substr(3) + "," + m + "-01," + m + "-30," + std::to_string(copay) + ","
                       + (c.insured ? "06270019" : "") + "," + m + "-01,issued\n";
      }
    }
    std::ofstream r(dir_ / "recipients.csv");
    r << "office_no,person_id,name,sex,birth_date,protected_from,protected_to\n";
    for (auto& [k, row] : people)
      r << row;
    std::ofstream t(dir_ / "tickets.csv");
    t << "ticket_id,office_no,recipient_no,person_id,month,care_type,institution_pref,institution_code,"
         "valid_from,valid_to,copay,insurer_no,issued_on,status\n";
    for (auto& [k, row] : tickets)
      t << row;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static expected<actors::run_summary> run(uint32_t shards, uint32_t threads, const fs::path& out) {
    actors::engine_options options;
    options.shards = shards;
    options.threads = threads;
    options.batch_size = 100; // many batches: windows and ordering get exercised
    actors::engine engine{options};
    EXPECT_FALSE(engine.load_feed(feed::feed_file::recipients, dir_ / "recipients.csv"));
    EXPECT_FALSE(engine.load_feed(feed::feed_file::tickets, dir_ / "tickets.csv"));
    EXPECT_EQ(engine.feed().quarantine().size(), 0u)
      << engine.feed().quarantine().front().reason << " line " << engine.feed().quarantine().front().line;
    return engine.run({dir_ / "month"}, out);
  }

  static fs::path dir_;
};

fs::path engine_fixture::dir_;

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

// A table as comparable text: every column, every row.
std::string dump(const fs::path& file, const char* table) {
  // Sealed columns differ per file (a data key and nonces of their own): compare them opened.
  auto key = privacy::master_key::load();
  EXPECT_TRUE(key) << key.error_value().message;
  auto t = store::read_opened_table(file.string(), table, *key);
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error_value().message);
  if (!t)
    return {};
  std::string out;
  for (auto& column : t->columns()) {
    out += column.name + ":";
    std::visit(
      [&](auto& col) {
        using C = std::decay_t<decltype(col)>;
        for (size_t i = 0; i < col.size(); ++i) {
          if constexpr (std::is_same_v<C, store::string_array>)
            out += std::string{col[i]} + "|";
          else if constexpr (std::is_same_v<C, store::bool_array>)
            out += col[i] ? "1|" : "0|";
          else if constexpr (is_vector<C>::value)
            out += std::to_string(col[i]) + "|";
          else
            out += "?|"; // nullable columns: the results have none
        }
      },
      column.data);
    out += "\n";
  }
  return out;
}

} // namespace

TEST_F(engine_fixture, results_do_not_depend_on_shards_or_threads) {
  std::map<std::string, std::string> reference;
  bool first = true;
  for (uint32_t shards : {1u, 8u, 64u})
    for (uint32_t threads : {1u, 2u}) {
      auto out = dir_ / ("r_" + std::to_string(shards) + "_" + std::to_string(threads) + ".h5");
      auto summary = run(shards, threads, out);
      ASSERT_TRUE(summary.has_value()) << summary.error_value().message;
      EXPECT_EQ(summary->receipts, 3000u);
      for (auto table :
           {"receipts", "tickets", "findings", "quarantine", "summary", "scores_person", "scores_institution"}) {
        auto text = dump(out, table);
        if (first)
          reference[table] = text;
        else
          EXPECT_EQ(text, reference[table]) << table << " differs with " << shards << " shards, " << threads
                                            << " threads";
      }
      first = false;
    }
  // The derived feed leaves real work for the rules.
  auto statuses = dump(dir_ / "r_1_1.h5", "receipts");
  for (auto code : {"MATCHED", "NO_TICKET", "COPAY_MISMATCH", "UNKNOWN_RECIPIENT"})
    EXPECT_NE(statuses.find(code), std::string::npos) << code;
  // … and for the checks and scores, whose findings the comparison covered.
  auto findings = dump(dir_ / "r_1_1.h5", "findings");
  for (auto code : {"BRAND_OVER_GENERIC", "DISPENSING_WITHOUT_PRESCRIPTION", "ANOMALOUS_PERSON"})
    EXPECT_NE(findings.find(code), std::string::npos) << code;
  EXPECT_GT(reference["scores_person"].size(), 1000u);
}

// Feed files handed to run() load while the READERs parse, which park
// their claims until the feed is in: the tables equal those of a feed
// loaded beforehand. One receipt per batch, so parked claims are many
// batches; a feed that fails to load ends the run, naming its file.
TEST_F(engine_fixture, a_feed_loaded_during_the_run_gives_the_same_tables) {
  auto before = dir_ / "feed_before.h5";
  ASSERT_TRUE(run(8, 2, before).has_value());
  // People of another office without a receipt change no table, and make
  // the feed slow enough to load that the READERs park what they parse.
  auto others = dir_ / "other_office_recipients.csv";
  {
    std::ofstream r(others);
    r << "office_no,person_id,name,sex,birth_date,protected_from\n";
    for (int i = 0; i < 300000; ++i)
      r << "12131017,Q" << i << ",名前,1,1960-04-01,2020-01-01\n";
  }
  actors::engine_options options;
  options.shards = 8;
  options.threads = 2;
  options.batch_size = 1;
  actors::engine engine{options};
  auto during = dir_ / "feed_during.h5";
  auto summary = engine.run({dir_ / "month"}, during,
                            {{feed::feed_file::recipients, others},
                             {feed::feed_file::recipients, dir_ / "recipients.csv"},
                             {feed::feed_file::tickets, dir_ / "tickets.csv"}});
  ASSERT_TRUE(summary.has_value()) << summary.error_value().message;
  EXPECT_EQ(summary->receipts, 3000u);
  EXPECT_GT(summary->parked, 0u);
  EXPECT_EQ(engine.feed().files().size(), 3u);
  EXPECT_TRUE(engine.feed().quarantine().empty());
  for (auto table : {"receipts", "tickets", "findings", "quarantine", "summary", "scores_person", "scores_institution"})
    EXPECT_EQ(dump(during, table), dump(before, table)) << table;

  actors::engine failing{options};
  auto broken = failing.run({dir_ / "month"}, dir_ / "broken.h5",
                            {{feed::feed_file::tickets, dir_ / "no-such-tickets.csv"}});
  ASSERT_FALSE(broken.has_value());
  EXPECT_NE(broken.error_value().message.find("no-such-tickets.csv"), std::string::npos)
    << broken.error_value().message;
  EXPECT_FALSE(fs::exists(dir_ / "broken.h5"));
}

// The SHARDs score with models the AGGREGATOR fitted from every shard's
// values: the scores equal fitting and scoring everyone in one process.
TEST_F(engine_fixture, scores_equal_a_single_process_computation) {
  auto out = dir_ / "scores_64.h5";
  ASSERT_TRUE(run(64, 2, out).has_value());
  auto table = store::read_table(out.string(), "scores_person");
  ASSERT_TRUE(table.has_value());
  auto& group = *table->get<store::string_array>("peer_group");
  auto& score = *table->get<std::vector<double>>("score");
  std::vector<scores::person_month> rows(group.size());
  auto& names = scores::person_feature_names();
  for (size_t i = 0; i < rows.size(); ++i)
    rows[i].peer_group = std::string{group[i]};
  for (auto& name : names) {
    auto* column = table->get<std::vector<double>>("f_" + name);
    ASSERT_NE(column, nullptr) << name;
    for (size_t i = 0; i < rows.size(); ++i)
      rows[i].features.push_back((*column)[i]);
  }
  checks::check_config config;
  auto models = scores::fit_person_models(rows, config);
  auto expected = scores::score_people(rows, models, config);
  ASSERT_EQ(expected.size(), score.size());
  size_t groups_scored = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_NEAR(score[i], expected[i].score, 1e-9) << "row " << i;
    EXPECT_TRUE(std::isfinite(score[i]));
    groups_scored += expected[i].peer_group != scores::everyone;
  }
  EXPECT_GT(groups_scored, 0u) << "some peer groups are large enough for a model of their own";
}

TEST_F(engine_fixture, every_receipt_gets_a_status_and_a_stable_key) {
  auto out = dir_ / "stable.h5";
  auto summary = run(4, 2, out);
  ASSERT_TRUE(summary.has_value());
  auto receipts = store::read_table(out.string(), "receipts");
  ASSERT_TRUE(receipts.has_value());
  auto& keys = *receipts->get<store::string_array>("receipt_key");
  auto& status = *receipts->get<store::string_array>("match_status");
  std::set<std::string> unique;
  for (size_t i = 0; i < keys.size(); ++i) {
    unique.insert(std::string{keys[i]});
    EXPECT_FALSE(status[i].empty());
  }
  EXPECT_EQ(unique.size(), 3000u);
  uint64_t counted = 0;
  for (auto& [s, n] : summary->by_status)
    counted += n;
  EXPECT_EQ(counted, 3000u);
}

TEST_F(engine_fixture, shutdown_is_prompt) {
  auto start = std::chrono::steady_clock::now();
  {
    actors::engine_options options;
    options.shards = 64;
    actors::engine engine{options};
    ASSERT_TRUE(engine.run({dir_ / "month"}, dir_ / "shutdown.h5").has_value());
    engine.close();
    engine.close(); // idempotent
  }
  {
    actors::engine idle; // never ran
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
}

TEST_F(engine_fixture, failures_end_the_run_with_a_clear_error) {
  actors::engine engine;
  auto missing = engine.run({dir_ / "no-such-delivery"}, dir_ / "x.h5");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error_value().message.find("no-such-delivery"), std::string::npos)
    << missing.error_value().message;
  auto unwritable = engine.run({dir_ / "month"}, dir_ / "no-such-folder" / "x.h5");
  ASSERT_FALSE(unwritable.has_value());
  EXPECT_NE(unwritable.error_value().message.find("no-such-folder"), std::string::npos)
    << unwritable.error_value().message;
  EXPECT_FALSE(fs::exists(dir_ / "x.h5"));
  // The engine is still usable afterwards.
  EXPECT_TRUE(engine.run({dir_ / "month"}, dir_ / "after.h5").has_value());
}

// Backpressure: a SHARD's mailbox never holds more than the READERs' windows
// allow, however many batches a run sends. One thread, so a READER sends its
// whole window before the SHARD runs; one receipt per batch, so every file
// is dozens of batches.
TEST_F(engine_fixture, mailboxes_stay_within_the_readers_windows) {
  auto peak_with_window = [](size_t window) -> uint64_t {
    actors::engine_options options;
    options.shards = 1;
    options.threads = 1;
    options.batch_size = 1;
    options.window = window;
    actors::engine engine{options};
    EXPECT_FALSE(engine.load_feed(feed::feed_file::tickets, dir_ / "tickets.csv"));
    auto summary = engine.run({dir_ / "month"}, dir_ / ("window" + std::to_string(window) + ".h5"));
    EXPECT_TRUE(summary.has_value());
    EXPECT_GT(summary->receipts, 1000u); // thousands of batches went through one mailbox
    return summary->peak_shard_mailbox;
  };
  // One READER × window, plus the four setup messages (office list,
  // tickets, recipients, schemes) that may still be waiting.
  auto bounded = peak_with_window(2);
  EXPECT_GE(bounded, 1u);
  EXPECT_LE(bounded, 2u + 4u);
  // The measure can fail: without the bound the mailbox fills with a whole file.
  EXPECT_GT(peak_with_window(100000), 2u + 4u);
}
