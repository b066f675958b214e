#include "receptor/feed/office_feed.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "receptor/encoding.hpp"

using namespace receptor::feed;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view tokyo = "12131017";    // 生活保護, 東京都
constexpr std::string_view returnees = "25131236"; // 中国残留邦人等, 東京都

// recipients.csv: columns out of the spec's order, plus one it does not know.
const std::string recipients_csv =
  "person_id,office_no,name,name_kana,sex,birth_date,protected_from,protected_to,case_no,address,caseworker,"
  "insurer_no,memo\r\n"
  /*  2 */ "P001,12131017,髙橋　太郎,ﾀｶﾊｼ ﾀﾛｳ,1,1960-04-01,2020-01-01,,C01,東京都千代田区,K1,,kept and ignored\r\n"
  /*  3 */ "P002,12131017,山﨑 花子,ヤマサキ ハナコ,2,1975-12-31,2019-04-01,2023-03-31,C02,,K1,06132013,\r\n"
  /*  4 */ "P002,12131017,山﨑 花子,ヤマサキ ハナコ,2,1975-12-31,2023-06-01,,C02,,K1,,\r\n"
  /*  5 */ "P002,12131017,山﨑 花子,ヤマサキ ハナコ,2,1975-12-31,2023-03-01,2023-05-31,C02,,K1,,\r\n"
  /*  6 */ "P003,25131236,王 明,ワン ミン,1,1940-08-15,2015-10-01,,C03,,K2,,\r\n"
  /*  7 */ "P004,12131018,田中 一郎,,1,1950-01-01,2020-01-01,,,,,,\r\n"
  /*  8 */ "P005,12131017,鈴木 次郎,,3,1950-01-01,2020-01-01,,,,,,\r\n"
  /*  9 */ "P006,12131017,,,1,1950-01-01,2020-01-01,,,,,,\r\n"
  /* 10 */ "P007,12131017,伊藤 三郎,,1,1980-02-30,2020-01-01,,,,,,\r\n"
  /* 11 */ "P008,12131017,加藤 四郎,,1,1980-01-01,2022-01-01,2021-12-31,,,,,\r\n"
  /* 12 */ "\"P009\",12131017,\"佐藤 \"\"次郎\"\"\",,１,１９９０－０１－０１,2021-01-01,,,\"東京都\r\n"
  /* 13 */ "新宿区\",,,\r\n"
  /* 14 */ "P010,12131017,渡邊 五郎,,1,1970-01-01,1969-12-31,,,,,,\r\n"
  /* 15 */ "P011,12991014,x,,1,1970-01-01,2020-01-01,,,,,,\r\n"
  /* 16 */ "P012,12131017,y,,1,1970-01-01,2020-01-01,,,,,123,\r\n";

// tickets.csv rows are a valid ticket with some columns changed.
const std::vector<std::string> ticket_columns = {
  "ticket_id", "person_id", "office_no", "recipient_no", "month", "care_type", "institution_pref",
  "institution_code", "valid_from", "valid_to", "copay", "insurer_no", "diseases", "issued_on", "status",
  "replaces", "note",
};

std::string ticket_row(std::map<std::string, std::string> changes) {
  std::map<std::string, std::string> values = {
    {"person_id", "P001"},        {"office_no", "12131017"},    {"recipient_no", "1234566"},
    {"month", "2024-05"},         {"care_type", "2"},           {"institution_pref", "13"},
    {"institution_code", "1234567"}, {"valid_from", "2024-05-01"}, {"valid_to", "2024-05-31"},
    {"copay", "0"},               {"diseases", "高血圧症;糖尿病"}, {"issued_on", "2024-04-25"},
    {"status", "issued"},
  };
  for (auto& [column, value] : changes)
    values[column] = value;
  std::string row;
  for (const auto& column : ticket_columns)
    row += (row.empty() ? "" : ",") + values[column];
  return row + "\r\n";
}

std::string tickets_header() {
  std::string header;
  for (const auto& column : ticket_columns)
    header += (header.empty() ? "" : ",") + column;
  return header + "\r\n";
}

const std::string tickets_csv =
  tickets_header()
  /*  2 */ + ticket_row({{"ticket_id", "T001"}})
  /*  3 */ + ticket_row({{"ticket_id", "T002"}, {"recipient_no", "1234567"}, {"care_type", "4"},
                         {"institution_code", "7654321"}, {"diseases", ""}})
  /*  4 */ + ticket_row({{"ticket_id", "T003"}, {"person_id", "P002"}, {"office_no", "１２１３１０１７"},
                         {"recipient_no", "1111111"}, {"month", "２０２４－０５"}, {"care_type", "1"},
                         {"valid_from", "2024-05-10"}, {"valid_to", "2024-05-20"}, {"copay", "１５００"},
                         {"insurer_no", "06132013"}, {"diseases", "\" 肺炎 ； 心不全 \""},
                         {"issued_on", "2024-05-09"}})
  /*  5 */ + ticket_row({{"ticket_id", "T004"}, {"person_id", "P999"}, {"recipient_no", "2222222"},
                         {"care_type", "3"}, {"institution_code", "2345678"}})
  /*  6 */ + ticket_row({{"ticket_id", "T005"}, {"valid_from", "2024-04-30"}})
  /*  7 */ + ticket_row({{"ticket_id", "T006"}, {"valid_from", "2024-05-20"}, {"valid_to", "2024-05-10"}})
  /*  8 */ + ticket_row({{"ticket_id", "T007"}, {"care_type", "6"}})
  /*  9 */ + ticket_row({{"ticket_id", "T008"}, {"institution_pref", "48"}})
  /* 10 */ + ticket_row({{"ticket_id", "T009"}, {"institution_code", "123456"}})
  /* 11 */ + ticket_row({{"ticket_id", "T010"}, {"month", "2024-13"}})
  /* 12 */ + ticket_row({{"ticket_id", "T011"}, {"status", "void"}})
  /* 13 */ + ticket_row({{"ticket_id", "T012"}, {"office_no", "13480017"}})
  /* 14 */ + ticket_row({{"ticket_id", "T013"}, {"office_no", "1213101"}})
  /* 15 */ + ticket_row({{"ticket_id", "T014"}, {"copay", "-100"}})
  /* 16 */ + ticket_row({{"ticket_id", "T015"}, {"replaces", "T015"}})
  /* 17 */ + ticket_row({{"ticket_id", "T016"}, {"recipient_no", "123456"}})
  /* 18 */ + ticket_row({{"ticket_id", "T017"}, {"replaces", "T001"}, {"copay", "500"}})
  /* 19 */ + ticket_row({{"ticket_id", "T018"}, {"status", "cancelled"}})
  /* 20 */ + ticket_row({{"ticket_id", "T019"}, {"person_id", "P003"}, {"office_no", "25131236"},
                         {"recipient_no", "7654320"}})
  /* 21 */ + ticket_row({{"ticket_id", "T020"}, {"issued_on", ""}})
  /* 22 */ + ticket_row({{"ticket_id", "T021"}, {"valid_to", "2024/05/31"}})
  /* 23 */ + "T022,P001\r\n"
  /* 24 */ + ticket_row({{"ticket_id", "T023"}, {"insurer_no", "12345"}})
  /* 25 */ + ticket_row({{"ticket_id", "T024"}, {"office_no", "12131018"}});

const std::string other_schemes_csv =
  "office_no,person_id,law_no,valid_from,valid_to\n"
  /* 2 */ "12131017,P002,54,2023-06-01,\n"
  /* 3 */ "12131017,P002,21,2020-04-01,2024-03-31\n"
  /* 4 */ "12131017,P002,5,2020-04-01,\n"
  /* 5 */ "12131017,P001,15,2024-01-01,2023-12-31\n"
  /* 6 */ "12131017,P002,54,2023-06-01,\n"
  /* 7 */ "12131017,P002,21,2020-04-01,2025-03-31\n";

// Every field of every row, derived ones and sources (by path) included.
std::string describe(const office_feed& feed) {
  std::ostringstream out;
  const auto source = [&](uint32_t file, uint32_t line) { return feed.files()[file].file + ":" + std::to_string(line); };
  for (const recipient& r : feed.recipients())
    out << r.office_no << '|' << r.person_id << '|' << r.case_no << '|' << r.name << '|' << r.name_kana << '|'
        << int{r.sex} << '|' << r.birth_date << '|' << r.address << '|' << r.protected_from << '|'
        << r.protected_to << '|' << r.caseworker << '|' << r.insurer_no << '|' << source(r.source_file, r.source_line) << '\n';
  for (const ticket& t : feed.tickets()) {
    out << t.ticket_id << '|' << t.office_no << '|' << t.recipient_no << '|' << t.person_id << '|' << t.month
        << '|' << int(t.care_type) << '|' << t.institution() << '|' << t.valid_from << '|' << t.valid_to << '|'
        << t.copay << '|' << t.insurer_no << '|';
    for (const auto& disease : t.diseases)
      out << disease << ';';
    out << '|' << t.issued_on << '|' << int(t.status) << '|' << t.replaces << '|' << t.superseded_by << '|'
        << t.recipient_no_valid << t.person_known << '|' << source(t.source_file, t.source_line) << '\n';
  }
  for (const other_scheme& s : feed.other_schemes())
    out << s.office_no << '|' << s.person_id << '|' << s.law_no << '|' << s.valid_from << '|' << s.valid_to << '|'
        << source(s.source_file, s.source_line) << '\n';
  return out.str();
}

std::vector<std::string> ids(row_range<ticket> tickets) {
  std::vector<std::string> out;
  for (const ticket& t : tickets)
    out.push_back(t.ticket_id);
  return out;
}

// (line, reason) of the quarantine rows of one file.
std::vector<std::pair<uint32_t, std::string>> quarantined(const office_feed& feed, const fs::path& file) {
  std::vector<std::pair<uint32_t, std::string>> out;
  for (const quarantine_row& row : feed.quarantine())
    if (row.file == file.string())
      out.emplace_back(row.line, row.reason);
  return out;
}

void expect_every_row_counted_once(const office_feed& feed) {
  uint64_t quarantined_rows = 0;
  for (const file_report& report : feed.files()) {
    EXPECT_EQ(report.rows_read, report.loaded + report.replaced + report.unchanged + report.quarantined)
      << report.file;
    quarantined_rows += report.quarantined;
  }
  EXPECT_EQ(quarantined_rows, feed.quarantine().size());
}

// Fixture files (recipients in UTF-8 with a BOM, tickets in CP932, other
// schemes in ASCII) in a folder of their own per test.
class office_feed_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path()
           / ("receptor_feed_" + std::to_string(::getpid()) + "_"
              + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    recipients_ = write("recipients.csv", "\xEF\xBB\xBF" + recipients_csv);
    tickets_ = write("tickets.csv", receptor::utf8_to_cp932(tickets_csv));
    other_schemes_ = write("other_schemes.csv", other_schemes_csv);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& bytes) {
    const fs::path file = dir_ / name;
    std::ofstream{file, std::ios::binary} << bytes;
    return file;
  }

  void load_all() {
    ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
    ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
    ASSERT_FALSE(feed_.load(feed_file::other_schemes, other_schemes_));
  }

  fs::path dir_, recipients_, tickets_, other_schemes_;
  office_feed feed_;
};

} // namespace

TEST_F(office_feed_test, loads_recipients_and_reports_the_encoding) {
  ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
  ASSERT_EQ(feed_.files().size(), 1u);
  const file_report& report = feed_.files()[0];
  EXPECT_EQ(report.file, recipients_.string());
  EXPECT_EQ(report.kind, feed_file::recipients);
  EXPECT_EQ(report.encoding, file_encoding::utf8_bom);
  EXPECT_EQ(report.error, "");
  EXPECT_EQ(report.rows_read, 14u);
  EXPECT_EQ(report.loaded, 5u);
  EXPECT_EQ(report.replaced, 0u);
  EXPECT_EQ(report.unchanged, 0u);
  EXPECT_EQ(report.quarantined, 9u);

  ASSERT_EQ(feed_.recipients().size(), 5u);
  const recipient& first = feed_.recipients()[0];
  EXPECT_EQ(first.office_no, "12131017");
  EXPECT_EQ(first.person_id, "P001");
  EXPECT_EQ(first.case_no, "C01");
  EXPECT_EQ(first.name, "髙橋 太郎"); // as delivered, the 全角 space folded
  EXPECT_EQ(first.name_kana, "ﾀｶﾊｼ ﾀﾛｳ");
  EXPECT_EQ(first.sex, 1);
  EXPECT_EQ(first.birth_date, 19600401u);
  EXPECT_EQ(first.address, "東京都千代田区");
  EXPECT_EQ(first.protected_from, 20200101u);
  EXPECT_EQ(first.protected_to, 0u);
  EXPECT_EQ(first.caseworker, "K1");
  EXPECT_EQ(first.insurer_no, "");
  EXPECT_EQ(first.source_file, 0u);
  EXPECT_EQ(first.source_line, 2u);

  // Quoted, with "" escapes, full-width digits and a line break in the address.
  const recipient& quoted = feed_.recipients()[4];
  EXPECT_EQ(quoted.person_id, "P009");
  EXPECT_EQ(quoted.name, "佐藤 \"次郎\"");
  EXPECT_EQ(quoted.sex, 1);
  EXPECT_EQ(quoted.birth_date, 19900101u);
  EXPECT_EQ(quoted.address, "東京都\r\n新宿区");
  EXPECT_EQ(quoted.source_line, 12u);
  expect_every_row_counted_once(feed_);
}

TEST_F(office_feed_test, quarantines_bad_recipient_rows_with_line_and_reason) {
  ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
  const std::vector<std::pair<uint32_t, std::string>> expected = {
    {5, "protection 2023-03-01..2023-05-31 on line 5 overlaps 2019-04-01..2023-03-31 on line 3 (person P002)"},
    {7, "office_no '12131018' fails its check digit"},
    {8, "sex '3' is not 1 or 2"},
    {9, "name is empty"},
    {10, "birth_date '1980-02-30' is not YYYY-MM-DD"},
    {11, "protected_to 2021-12-31 is before protected_from 2022-01-01"},
    {14, "protected_from 1969-12-31 is before birth_date 1970-01-01"},
    {15, "office_no '12991014' has prefecture 99, not 01-47"},
    {16, "insurer_no '123' is not 6 or 8 digits"},
  };
  EXPECT_EQ(quarantined(feed_, recipients_), expected);
  EXPECT_EQ(feed_.quarantine()[1].raw, "P004,12131018,田中 一郎,,1,1950-01-01,2020-01-01,,,,,,");
}

// Rows are parsed on a second thread in batches of thousands; rejections of
// the CSV reader, of the parse and of the load must still come out in line
// order, across batch boundaries, and every row be counted once.
TEST_F(office_feed_test, a_large_delivery_keeps_its_rejections_in_line_order) {
  std::string csv = "person_id,office_no,name,sex,birth_date,protected_from\n";
  std::vector<std::pair<uint32_t, std::string>> expected;
  const uint32_t rows = 20000;
  for (uint32_t i = 0; i < rows; ++i) {
    const uint32_t line = i + 2;
    const std::string person = "P" + std::to_string(i);
    if (i % 1000 == 500) {
      csv += person + ",12131017,名前,3,1960-04-01,2020-01-01\n";
      expected.emplace_back(line, "sex '3' is not 1 or 2");
    } else if (i % 1000 == 700) {
      csv += person + ",12131017,名" + std::string(1, '\0') + "前,1,1960-04-01,2020-01-01\n";
      expected.emplace_back(line, "NUL byte in row");
    } else if (i % 1000 == 900) {
      // The period of the row before, again from a later start: an overlap.
      csv += "P" + std::to_string(i - 1) + ",12131017,名前,1,1960-04-01,2021-01-01\n";
      expected.emplace_back(line, "protection 2021-01-01..open on line " + std::to_string(line)
                                    + " overlaps 2020-01-01..open on line " + std::to_string(line - 1) + " (person P"
                                    + std::to_string(i - 1) + ")");
    } else {
      csv += person + ",12131017,名前,1,1960-04-01,2020-01-01\n";
    }
  }
  const fs::path file = write("large_recipients.csv", csv);
  ASSERT_FALSE(feed_.load(feed_file::recipients, file));
  EXPECT_EQ(quarantined(feed_, file), expected);
  const file_report& report = feed_.files().at(0);
  EXPECT_EQ(report.rows_read, rows);
  EXPECT_EQ(report.quarantined, expected.size());
  EXPECT_EQ(feed_.recipients().size(), rows - expected.size());
  EXPECT_EQ(feed_.recipients().back().source_line, rows + 1);
  expect_every_row_counted_once(feed_);
}

TEST_F(office_feed_test, an_overlap_with_an_earlier_delivery_names_its_file) {
  ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
  const std::string later = "office_no,person_id,name,sex,birth_date,protected_from,protected_to\n"
                            "12131017,P001,髙橋 太郎,1,1960-04-01,2019-01-01,2020-01-01\n"
                            "12131017,P001,髙橋 太郎,1,1960-04-01,2018-01-01,2018-12-31\n";
  ASSERT_FALSE(feed_.load(feed_file::recipients, later, "later.csv"));
  EXPECT_EQ(feed_.files()[1].loaded, 1u);
  ASSERT_EQ(feed_.files()[1].quarantined, 1u);
  EXPECT_EQ(feed_.quarantine().back().line, 2u);
  EXPECT_EQ(feed_.quarantine().back().reason, "protection 2019-01-01..2020-01-01 on line 2 overlaps "
                                              "2020-01-01..open on line 2 of "
                                              + recipients_.string() + " (person P001)");
}

TEST_F(office_feed_test, loads_tickets_from_cp932_and_normalises_full_width_values) {
  ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
  const file_report& report = feed_.files()[0];
  EXPECT_EQ(report.encoding, file_encoding::cp932);
  EXPECT_EQ(report.rows_read, 24u);
  EXPECT_EQ(report.loaded, 7u);
  EXPECT_EQ(report.quarantined, 17u);

  const ticket* t = feed_.find_ticket("T003");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->office_no, "12131017");
  EXPECT_EQ(t->recipient_no, "1111111");
  EXPECT_EQ(t->person_id, "P002");
  EXPECT_EQ(t->month, 202405u);
  EXPECT_EQ(t->care_type, care::inpatient);
  EXPECT_EQ(t->institution_pref, "13");
  EXPECT_EQ(t->institution_table, 1);
  EXPECT_EQ(t->institution_code, "1234567");
  EXPECT_EQ(t->institution(), "1311234567");
  EXPECT_EQ(t->valid_from, 20240510u);
  EXPECT_EQ(t->valid_to, 20240520u);
  EXPECT_EQ(t->copay, 1500u);
  EXPECT_EQ(t->insurer_no, "06132013");
  EXPECT_EQ(t->diseases, (std::vector<std::string>{"肺炎", "心不全"}));
  EXPECT_EQ(t->issued_on, 20240509u);
  EXPECT_EQ(t->status, ticket_status::issued);
  EXPECT_TRUE(t->in_force());
  EXPECT_EQ(t->source_line, 4u);
  EXPECT_EQ(feed_.files()[t->source_file].file, tickets_.string());

  const ticket* first = feed_.find_ticket("T001");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->diseases, (std::vector<std::string>{"高血圧症", "糖尿病"}));
  EXPECT_EQ(first->copay, 0u);
  EXPECT_EQ(feed_.find_ticket("T005"), nullptr);
  expect_every_row_counted_once(feed_);
}

TEST_F(office_feed_test, quarantines_bad_ticket_rows_with_line_and_reason) {
  ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
  const std::vector<std::pair<uint32_t, std::string>> expected = {
    {6, "valid_from 2024-04-30 is outside month 2024-05"},
    {7, "valid_from 2024-05-20 is after valid_to 2024-05-10"},
    {8, "care_type '6' is not 1 to 5"},
    {9, "institution_pref '48' is not 01-47"},
    {10, "institution_code '123456' is not 7 digits"},
    {11, "month '2024-13' is not YYYY-MM"},
    {12, "status 'void' is not issued or cancelled"},
    {13, "office_no '13480017' is not 法別 12 or 25"},
    {14, "office_no '1213101' is not 8 digits"},
    {15, "copay '-100' is not a whole number of yen"},
    {16, "replaces names the ticket itself"},
    {17, "recipient_no '123456' is not 7 digits"},
    {21, "issued_on is empty"},
    {22, "valid_to '2024/05/31' is not YYYY-MM-DD"},
    {23, "row has 2 fields, the header has 17"},
    {24, "insurer_no '12345' is not 6 or 8 digits"},
    {25, "office_no '12131018' fails its check digit"},
  };
  EXPECT_EQ(quarantined(feed_, tickets_), expected);
  // The raw row is kept, decoded to UTF-8, without its line break.
  const std::string row = ticket_row({{"ticket_id", "T005"}, {"valid_from", "2024-04-30"}});
  EXPECT_EQ(feed_.quarantine()[0].raw, row.substr(0, row.size() - 2));
}

TEST_F(office_feed_test, keeps_a_recipient_number_with_a_bad_check_digit_and_flags_it) {
  ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
  const ticket* t = feed_.find_ticket("T002");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->recipient_no, "1234567"); // reported, never corrected
  EXPECT_FALSE(t->recipient_no_valid);
  EXPECT_TRUE(feed_.find_ticket("T001")->recipient_no_valid);
}

TEST_F(office_feed_test, derives_the_institution_table_from_the_care_type) {
  EXPECT_EQ(institution_table_of(care::inpatient), 1);
  EXPECT_EQ(institution_table_of(care::outpatient), 1);
  EXPECT_EQ(institution_table_of(care::dental), 3);
  EXPECT_EQ(institution_table_of(care::pharmacy), 4);
  EXPECT_EQ(institution_table_of(care::home_nursing), 6);
  ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
  EXPECT_EQ(feed_.find_ticket("T002")->institution(), "1347654321"); // 調剤
  EXPECT_EQ(feed_.find_ticket("T004")->institution(), "1332345678"); // 歯科
  EXPECT_EQ(feed_.find_ticket("T001")->institution(), "1311234567"); // 入院外
}

TEST_F(office_feed_test, flags_tickets_of_unknown_persons_whatever_the_load_order) {
  ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
  EXPECT_FALSE(feed_.find_ticket("T001")->person_known); // no recipients yet
  ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
  EXPECT_TRUE(feed_.find_ticket("T001")->person_known);
  EXPECT_TRUE(feed_.find_ticket("T003")->person_known);
  EXPECT_TRUE(feed_.find_ticket("T019")->person_known); // programme 25
  EXPECT_FALSE(feed_.find_ticket("T004")->person_known); // P999
}

TEST_F(office_feed_test, cancelled_and_corrected_tickets_are_kept_but_no_longer_count) {
  ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
  const ticket* corrected = feed_.find_ticket("T001");
  EXPECT_EQ(corrected->superseded_by, "T017");
  EXPECT_FALSE(corrected->in_force());
  EXPECT_TRUE(feed_.find_ticket("T017")->in_force());
  const ticket* cancelled = feed_.find_ticket("T018");
  EXPECT_EQ(cancelled->status, ticket_status::cancelled);
  EXPECT_FALSE(cancelled->in_force());
}

TEST_F(office_feed_test, a_correction_may_arrive_before_the_ticket_it_replaces) {
  const std::string late = tickets_header() + ticket_row({{"ticket_id", "N002"}, {"replaces", "N001"}});
  const std::string early = tickets_header() + ticket_row({{"ticket_id", "N001"}});
  ASSERT_FALSE(feed_.load(feed_file::tickets, late, "correction.csv"));
  ASSERT_FALSE(feed_.load(feed_file::tickets, early, "original.csv"));
  EXPECT_EQ(feed_.find_ticket("N001")->superseded_by, "N002");
}

TEST_F(office_feed_test, offers_the_lookups_the_matcher_needs) {
  load_all();
  const uint32_t may = 202405;
  EXPECT_EQ(ids(feed_.tickets_by_number(tokyo, "1234566", may)), (std::vector<std::string>{"T001", "T017", "T018"}));
  EXPECT_EQ(ids(feed_.tickets_by_number(tokyo, "1234567", may)), (std::vector<std::string>{"T002"}));
  EXPECT_TRUE(feed_.tickets_by_number(tokyo, "1234566", 202406).empty());
  EXPECT_TRUE(feed_.tickets_by_number(tokyo, "12345", may).empty());
  EXPECT_TRUE(feed_.tickets_by_number("1213101x", "1234566", may).empty());
  // One person, two 受給者番号.
  EXPECT_EQ(ids(feed_.tickets_by_person(tokyo, "P001", may)),
            (std::vector<std::string>{"T001", "T002", "T017", "T018"}));
  EXPECT_EQ(ids(feed_.tickets_by_person(returnees, "P003", may)), (std::vector<std::string>{"T019"}));
  EXPECT_TRUE(feed_.tickets_by_person(returnees, "P001", may).empty());

  const auto by_name = feed_.recipients_by_name(tokyo, "高橋太郎", 19600401, 1);
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0].person_id, "P001");
  EXPECT_EQ(feed_.recipients_by_name(tokyo, "山崎　花子", 19751231, 2).size(), 2u); // two periods
  EXPECT_TRUE(feed_.recipients_by_name(tokyo, "高橋太郎", 19600401, 2).empty());
  EXPECT_TRUE(feed_.recipients_by_name(tokyo, "高橋太郎", 19600402, 1).empty());
  EXPECT_TRUE(feed_.recipients_by_name(returnees, "高橋太郎", 19600401, 1).empty());

  const auto periods = feed_.protection_periods(tokyo, "P002");
  ASSERT_EQ(periods.size(), 2u);
  EXPECT_EQ(periods[0].protected_from, 20190401u);
  EXPECT_EQ(periods[0].protected_to, 20230331u);
  EXPECT_EQ(periods[1].protected_from, 20230601u);
  EXPECT_EQ(periods[1].protected_to, 0u);
  EXPECT_TRUE(feed_.protection_periods(tokyo, "P999").empty());

  const auto schemes = feed_.other_schemes_of(tokyo, "P002");
  ASSERT_EQ(schemes.size(), 2u);
  EXPECT_EQ(schemes[0].law_no, "54");
  EXPECT_EQ(schemes[0].valid_to, 0u);
  EXPECT_EQ(schemes[1].law_no, "21");
  EXPECT_EQ(schemes[1].valid_to, 20250331u); // the later row of the file won
  EXPECT_TRUE(feed_.other_schemes_of(tokyo, "P001").empty());
}

TEST_F(office_feed_test, says_whether_an_office_supplied_tickets) {
  ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
  EXPECT_FALSE(feed_.has_ticket_feed(tokyo));
  const std::string tokyo_only = tickets_header() + ticket_row({{"ticket_id", "T001"}});
  ASSERT_FALSE(feed_.load(feed_file::tickets, tokyo_only, "tokyo.csv"));
  EXPECT_TRUE(feed_.has_ticket_feed(tokyo));
  EXPECT_FALSE(feed_.has_ticket_feed(returnees)); // NO_TICKET_FEED, not NO_TICKET
  ASSERT_FALSE(feed_.load(feed_file::tickets, tickets_));
  EXPECT_TRUE(feed_.has_ticket_feed(returnees));
}

TEST_F(office_feed_test, loads_other_schemes_and_counts_the_rows_of_one_file_that_correct_each_other) {
  ASSERT_FALSE(feed_.load(feed_file::other_schemes, other_schemes_));
  const file_report& report = feed_.files()[0];
  EXPECT_EQ(report.encoding, file_encoding::ascii);
  EXPECT_EQ(report.rows_read, 6u);
  EXPECT_EQ(report.loaded, 2u);
  EXPECT_EQ(report.unchanged, 1u); // line 6 repeats line 2
  EXPECT_EQ(report.replaced, 1u);  // line 7 changes line 3
  EXPECT_EQ(report.quarantined, 2u);
  const std::vector<std::pair<uint32_t, std::string>> expected = {
    {4, "law_no '5' is not 2 digits"},
    {5, "valid_to 2023-12-31 is before valid_from 2024-01-01"},
  };
  EXPECT_EQ(quarantined(feed_, other_schemes_), expected);
  ASSERT_EQ(feed_.other_schemes().size(), 2u);
  EXPECT_EQ(feed_.other_schemes()[1].source_line, 7u);
}

TEST_F(office_feed_test, loading_the_same_files_again_changes_nothing) {
  load_all();
  const std::string before = describe(feed_);
  const size_t files_before = feed_.files().size();
  load_all();
  EXPECT_EQ(describe(feed_), before);

  const file_report& recipients = feed_.files()[files_before];
  EXPECT_EQ(recipients.loaded, 0u);
  EXPECT_EQ(recipients.replaced, 0u);
  EXPECT_EQ(recipients.unchanged, 5u);
  EXPECT_EQ(recipients.quarantined, 9u); // each load reports its own rejected rows
  const file_report& tickets = feed_.files()[files_before + 1];
  EXPECT_EQ(tickets.loaded, 0u);
  EXPECT_EQ(tickets.replaced, 0u);
  EXPECT_EQ(tickets.unchanged, 7u);
  EXPECT_EQ(tickets.quarantined, 17u);
  // A file whose rows correct each other replays its corrections, and ends
  // where it ended the first time.
  const file_report& schemes = feed_.files()[files_before + 2];
  EXPECT_EQ(schemes.loaded, 0u);
  EXPECT_EQ(schemes.replaced, 2u);
  EXPECT_EQ(schemes.unchanged, 2u);
  expect_every_row_counted_once(feed_);
}

TEST_F(office_feed_test, a_later_delivery_replaces_changed_rows_and_counts_them) {
  load_all();
  const std::string increment =
    tickets_header()
    + ticket_row({{"ticket_id", "T002"}, {"recipient_no", "1234566"}, {"care_type", "4"},
                  {"institution_code", "7654321"}, {"diseases", ""}})                  // corrected number
    + ticket_row({{"ticket_id", "T003"}, {"person_id", "P002"}, {"recipient_no", "1111111"}, {"care_type", "1"},
                  {"valid_from", "2024-05-10"}, {"valid_to", "2024-05-20"}, {"copay", "1500"},
                  {"insurer_no", "06132013"}, {"diseases", "肺炎;心不全"}, {"issued_on", "2024-05-09"},
                  {"status", "cancelled"}})                                             // cancelled
    + ticket_row({{"ticket_id", "T004"}, {"person_id", "P999"}, {"recipient_no", "2222222"}, {"care_type", "3"},
                  {"institution_code", "2345678"}})                                     // identical
    + ticket_row({{"ticket_id", "T017"}, {"copay", "500"}})                             // no longer a correction
    + ticket_row({{"ticket_id", "T025"}, {"month", "2024-06"}, {"valid_from", "2024-06-01"},
                  {"valid_to", "2024-06-30"}});                                         // new
  ASSERT_FALSE(feed_.load(feed_file::tickets, increment, "increment.csv"));
  const file_report& report = feed_.files().back();
  EXPECT_EQ(report.rows_read, 5u);
  EXPECT_EQ(report.loaded, 1u);
  EXPECT_EQ(report.replaced, 3u);
  EXPECT_EQ(report.unchanged, 1u);
  EXPECT_EQ(report.quarantined, 0u);

  const ticket* renumbered = feed_.find_ticket("T002");
  EXPECT_EQ(renumbered->recipient_no, "1234566");
  EXPECT_TRUE(renumbered->recipient_no_valid);
  EXPECT_EQ(feed_.files()[renumbered->source_file].file, "increment.csv");
  EXPECT_EQ(renumbered->source_line, 2u);
  EXPECT_TRUE(feed_.tickets_by_number(tokyo, "1234567", 202405).empty());
  EXPECT_EQ(ids(feed_.tickets_by_number(tokyo, "1234566", 202405)),
            (std::vector<std::string>{"T001", "T002", "T017", "T018"}));
  EXPECT_EQ(feed_.find_ticket("T003")->status, ticket_status::cancelled);
  EXPECT_EQ(feed_.find_ticket("T001")->superseded_by, "");
  EXPECT_TRUE(feed_.find_ticket("T001")->in_force());
  EXPECT_EQ(ids(feed_.tickets_by_person(tokyo, "P001", 202406)), (std::vector<std::string>{"T025"}));
  EXPECT_EQ(feed_.find_ticket("T004")->source_line, 5u); // unchanged: still the first delivery's row
  expect_every_row_counted_once(feed_);
}

TEST_F(office_feed_test, a_replaced_ticket_moves_between_lookups) {
  // Six tickets of one person-month: more than a group keeps inline.
  std::string first = tickets_header();
  for (int i = 1; i <= 6; ++i)
    first += ticket_row({{"ticket_id", "G" + std::to_string(i)}, {"institution_code", "100000" + std::to_string(i)}});
  ASSERT_FALSE(feed_.load(feed_file::tickets, first, "first.csv"));
  EXPECT_EQ(ids(feed_.tickets_by_person(tokyo, "P001", 202405)),
            (std::vector<std::string>{"G1", "G2", "G3", "G4", "G5", "G6"}));

  const std::string moved =
    tickets_header()
    + ticket_row({{"ticket_id", "G2"}, {"person_id", "P002"}, {"recipient_no", "1111111"},
                  {"institution_code", "1000002"}})
    + ticket_row({{"ticket_id", "G5"}, {"month", "2024-06"}, {"valid_from", "2024-06-01"},
                  {"valid_to", "2024-06-30"}, {"institution_code", "1000005"}});
  ASSERT_FALSE(feed_.load(feed_file::tickets, moved, "moved.csv"));
  EXPECT_EQ(feed_.files().back().replaced, 2u);
  EXPECT_EQ(ids(feed_.tickets_by_person(tokyo, "P001", 202405)),
            (std::vector<std::string>{"G1", "G3", "G4", "G6"}));
  EXPECT_EQ(ids(feed_.tickets_by_number(tokyo, "1234566", 202405)),
            (std::vector<std::string>{"G1", "G3", "G4", "G6"}));
  EXPECT_EQ(ids(feed_.tickets_by_person(tokyo, "P002", 202405)), (std::vector<std::string>{"G2"}));
  EXPECT_EQ(ids(feed_.tickets_by_number(tokyo, "1111111", 202405)), (std::vector<std::string>{"G2"}));
  EXPECT_EQ(ids(feed_.tickets_by_person(tokyo, "P001", 202406)), (std::vector<std::string>{"G5"}));
}

TEST_F(office_feed_test, finds_every_ticket_of_a_large_delivery) {
  constexpr int count = 20000;
  std::string bytes = tickets_header();
  for (int i = 0; i < count; ++i)
    bytes += ticket_row({{"ticket_id", "L" + std::to_string(i)}, {"person_id", "Q" + std::to_string(i / 3)}});
  ASSERT_FALSE(feed_.load(feed_file::tickets, bytes, "large.csv"));
  EXPECT_EQ(feed_.files()[0].loaded, static_cast<uint64_t>(count));
  for (int i = 0; i < count; ++i) {
    const ticket* t = feed_.find_ticket("L" + std::to_string(i));
    ASSERT_NE(t, nullptr) << i;
    EXPECT_EQ(t->source_line, static_cast<uint32_t>(i + 2));
  }
  EXPECT_EQ(feed_.tickets_by_person(tokyo, "Q100", 202405).size(), 3u);
  EXPECT_EQ(feed_.tickets_by_number(tokyo, "1234566", 202405).size(), static_cast<size_t>(count));
  EXPECT_EQ(feed_.find_ticket("L" + std::to_string(count)), nullptr);
}

TEST_F(office_feed_test, where_two_tickets_correct_one_the_last_loaded_names_it) {
  const std::string bytes = tickets_header() + ticket_row({{"ticket_id", "C1"}})
                            + ticket_row({{"ticket_id", "C2"}, {"replaces", "C1"}})
                            + ticket_row({{"ticket_id", "C3"}, {"replaces", "C1"}});
  ASSERT_FALSE(feed_.load(feed_file::tickets, bytes, "corrections.csv"));
  EXPECT_EQ(feed_.find_ticket("C1")->superseded_by, "C3");
  EXPECT_TRUE(feed_.find_ticket("C2")->in_force());
}

TEST_F(office_feed_test, a_changed_recipient_replaces_the_period_with_the_same_start) {
  ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
  const std::string ended = "office_no,person_id,name,sex,birth_date,protected_from,protected_to\n"
                            "12131017,P001,高橋 太郎,1,1960-04-01,2020-01-01,2024-06-30\n"
                            "12131017,P001,高橋 太郎,1,1960-04-01,2024-07-01,\n";
  ASSERT_FALSE(feed_.load(feed_file::recipients, ended, "ended.csv"));
  EXPECT_EQ(feed_.files().back().replaced, 1u);
  EXPECT_EQ(feed_.files().back().loaded, 1u);
  const auto periods = feed_.protection_periods(tokyo, "P001");
  ASSERT_EQ(periods.size(), 2u);
  EXPECT_EQ(periods[0].protected_to, 20240630u);
  EXPECT_EQ(periods[0].name, "高橋 太郎");
  EXPECT_EQ(periods[0].case_no, ""); // the later delivery wins whole
  EXPECT_EQ(periods[1].protected_from, 20240701u);
  EXPECT_EQ(feed_.recipients_by_name(tokyo, "髙橋 太郎", 19600401, 1).size(), 2u);
}

TEST_F(office_feed_test, a_missing_file_is_reported_clearly_and_changes_nothing) {
  ASSERT_FALSE(feed_.load(feed_file::recipients, recipients_));
  const std::string before = describe(feed_);
  const auto err = feed_.load(feed_file::tickets, dir_ / "missing.csv");
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code, receptor::ec::io_error);
  EXPECT_EQ(err.message, "tickets file " + (dir_ / "missing.csv").string() + ": not found");
  ASSERT_EQ(feed_.files().size(), 2u);
  EXPECT_EQ(feed_.files()[1].error, err.message);
  EXPECT_EQ(feed_.files()[1].rows_read, 0u);
  EXPECT_EQ(describe(feed_), before);
}

TEST_F(office_feed_test, a_missing_required_column_names_the_file_and_the_column) {
  const auto file = write("no_month.csv", "ticket_id,office_no,recipient_no,person_id\nT1,12131017,1234566,P001\n");
  const auto err = feed_.load(feed_file::tickets, file);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code, receptor::ec::format_error);
  EXPECT_EQ(err.message, "tickets file " + file.string() + ": required column 'month' is missing");
  EXPECT_TRUE(feed_.tickets().empty());
  EXPECT_TRUE(feed_.quarantine().empty());

  const auto no_sex = feed_.load(feed_file::recipients, "office_no,person_id,name,birth_date,protected_from\n",
                                 "no_sex.csv");
  EXPECT_EQ(no_sex.message, "recipients file no_sex.csv: required column 'sex' is missing");
}

TEST_F(office_feed_test, optional_columns_may_be_left_out) {
  const std::string minimal = "ticket_id,office_no,recipient_no,person_id,month,care_type,institution_pref,"
                              "institution_code,valid_from,valid_to,issued_on,status\n"
                              "M1,12131017,1234566,P001,2024-05,5,13,1234567,2024-05-01,2024-05-31,2024-05-01,issued\n";
  ASSERT_FALSE(feed_.load(feed_file::tickets, minimal, "minimal.csv"));
  const ticket* t = feed_.find_ticket("M1");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->copay, 0u);
  EXPECT_TRUE(t->diseases.empty());
  EXPECT_EQ(t->replaces, "");
  EXPECT_EQ(t->institution(), "1361234567"); // 訪問看護
}

TEST_F(office_feed_test, rows_the_csv_reader_rejects_are_counted_as_read_and_quarantined) {
  const std::string bytes = "office_no,person_id,law_no,valid_from\n"
                            "12131017,P001,15,2024-01-01\n"
                            "12131017,P001,\"21,2024-01-01\n";
  ASSERT_FALSE(feed_.load(feed_file::other_schemes, bytes, "open_quote.csv"));
  EXPECT_EQ(feed_.files()[0].rows_read, 2u);
  EXPECT_EQ(feed_.files()[0].loaded, 1u);
  EXPECT_EQ(feed_.files()[0].quarantined, 1u);
  EXPECT_EQ(feed_.quarantine()[0].line, 3u);
  EXPECT_EQ(feed_.quarantine()[0].reason, "unterminated quoted field");
  expect_every_row_counted_once(feed_);
}

TEST(office_feed, survives_hostile_rows_and_still_counts_each_once) {
  // Valid rows with keys from a small set (so that rows replace, repeat and
  // overlap each other) and a few fields swapped for near misses and junk
  // (so that they reach every check).
  const std::vector<std::string> junk = {
    "12131018", "25131236", "1234567", "2024-02-30", "2024-06-01", "2019-01-01", "", " ", "\"", "\"a,b\"",
    "１２", "－", "\xFF", "髙橋 太郎", "0", "48", "cancelled", "T1", "P1", "P2", "99",
  };
  std::mt19937 random{7};
  const auto pick = [&](const std::vector<std::string>& choices) { return choices[random() % choices.size()]; };
  struct shape {
    feed_file kind;
    std::string header;
    std::function<std::vector<std::string>()> valid_row;
  };
  const std::vector<shape> shapes = {
    {feed_file::recipients, "office_no,person_id,name,sex,birth_date,protected_from,protected_to\n",
     [&] {
       return std::vector<std::string>{"12131017", pick({"P1", "P2", "P3"}), "山田 太郎", "1", "1960-04-01",
                                       pick({"2020-01-01", "2021-01-01", "2022-01-01"}),
                                       pick({"", "2020-12-31", "2022-06-30"})};
     }},
    {feed_file::tickets, tickets_header(),
     [&] {
       return std::vector<std::string>{pick({"T1", "T2", "T3", "T4", "T5"}), pick({"P1", "P2"}), "12131017",
                                       "1234566", "2024-05", pick({"1", "2", "4"}), "13", "1234567", "2024-05-01",
                                       "2024-05-31", "0", "", "肺炎", "2024-04-25", pick({"issued", "cancelled"}),
                                       pick({"", "", "T1", "T2"}), ""};
     }},
    {feed_file::other_schemes, "person_id,office_no,law_no,valid_from,valid_to\n",
     [&] {
       return std::vector<std::string>{pick({"P1", "P2"}), "12131017", pick({"21", "54"}), "2023-06-01",
                                       pick({"", "2024-03-31"})};
     }},
  };
  office_feed feed;
  for (const shape& file : shapes) {
    for (int round = 0; round < 50; ++round) {
      std::string bytes = file.header;
      for (int line = 0; line < 40; ++line) {
        std::vector<std::string> fields = file.valid_row();
        for (unsigned change = random() % 3; change > 0; --change)
          fields[random() % fields.size()] = pick(junk);
        std::string row;
        for (size_t i = 0; i < fields.size(); ++i)
          row += (i ? "," : "") + fields[i];
        bytes += row + (random() % 7 ? "\n" : "\r\n");
      }
      EXPECT_FALSE(feed.load(file.kind, bytes, "hostile.csv"));
    }
  }
  expect_every_row_counted_once(feed);
  file_report total;
  for (const file_report& report : feed.files()) {
    // A stray quote joins lines into one row.
    EXPECT_GT(report.rows_read, 0u);
    EXPECT_LE(report.rows_read, 40u);
    total.loaded += report.loaded;
    total.replaced += report.replaced;
    total.unchanged += report.unchanged;
    total.quarantined += report.quarantined;
  }
  EXPECT_GT(total.loaded, 0u);
  EXPECT_GT(total.replaced, 0u);
  EXPECT_GT(total.unchanged, 0u);
  EXPECT_GT(total.quarantined, 0u);
  EXPECT_FALSE(feed.recipients().empty());
  EXPECT_FALSE(feed.tickets().empty());
  EXPECT_FALSE(feed.other_schemes().empty());
}

TEST(office_feed, names_the_feed_files) {
  EXPECT_STREQ(to_string(feed_file::recipients), "recipients");
  EXPECT_STREQ(to_string(feed_file::tickets), "tickets");
  EXPECT_STREQ(to_string(feed_file::other_schemes), "other_schemes");
}
