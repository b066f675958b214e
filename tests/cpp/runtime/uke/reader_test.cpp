#include "receptor/uke/reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "receptor/encoding.hpp"
#include "test_data.hpp"

using namespace receptor;
using namespace receptor::model;
namespace rec = receptor::uke::rec;

namespace {

receipt_batch read(const std::string& path) {
  auto batch = uke::read_file(path);
  EXPECT_TRUE(batch.has_value()) << path;
  return std::move(*batch);
}

receipt_batch parse(const std::string& text, uke::read_options options = {}) {
  return uke::read_bytes(text, "test", options);
}

uint64_t records(const receipt_batch& b, uke::record_id id) { return b.record_counts[id.index()]; }

bool has_diagnostic(const receipt_batch& b, uint32_t line, const std::string& needle) {
  return std::any_of(b.diagnostics.begin(), b.diagnostics.end(), [&](const diagnostic& d) {
    return d.line == line && d.message.find(needle) != std::string::npos;
  });
}

int64_t total_points(const receipt_batch& b) {
  int64_t sum = 0;
  for (auto p : b.receipts.points)
    sum += p;
  return sum;
}

// The worked example of spec/receipt-format.md §11.1: 生保単独, outpatient.
const std::string seiho_single
  = "IR,1,13,1,1234560,,テスト内科医院,202408,00,03-1234-5678\r\n"
    "RE,1,1212,202407,生保　太郎,1,19580305,,,,,,,00123,,,,,,,,,,,,,,,,,,,,,,,セイホタロウ,\r\n"
    "KO,12131017,1234566,,2,337,,,,,,\r\n"
    "JD,2,,1,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,\r\n"
    "SY,8833421,20230410,1,,,01,\r\n"
    "SY,4659007,20240716,2,,,,\r\n"
    "SI,12,5,112007410,,75,2,,,,,,,,1,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,\r\n"
    "SI,,5,112011010,,52,2,,,,,,,,1,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,\r\n"
    "SI,,5,112015770,,1,2,,,,,,,,1,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,\r\n"
    "IY,21,5,620007870,1,1,28,,,,,,,,,,,,,,,,,,,,,,28,,,,,,,,,,,,,,,\r\n"
    "SI,24,5,120000710,,11,1,,,,,,,,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,\r\n"
    "SI,25,5,120001210,,42,1,,,,,,,,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,\r\n"
    "GO,1,337,99\r\n\x1A";

} // namespace

TEST(reader, institution_sample_matches_its_go_record) {
  auto b = read(test::samples::institution_medical);
  EXPECT_EQ(b.kind, receipt_kind::medical);
  EXPECT_EQ(b.side, file_side::institution);
  EXPECT_EQ(b.encoding, text_encoding::cp932);
  EXPECT_EQ(b.billing_month, 202111u);
  EXPECT_EQ(b.receipts.size(), 75u);
  EXPECT_TRUE(b.go.present);
  EXPECT_EQ(b.go.claims, 140);
  EXPECT_EQ(b.go.points, 86392);
  EXPECT_EQ(total_points(b), 86392);
  EXPECT_EQ(records(b, rec::SI), 320u);
  EXPECT_EQ(records(b, rec::IY), 32u);
  EXPECT_EQ(records(b, rec::CO), 56u);
  EXPECT_EQ(records(b, rec::KO), 71u);
  EXPECT_EQ(records(b, rec::HO), 69u);
  EXPECT_EQ(b.quarantine.size(), 0u);
  EXPECT_EQ(b.errors(), 0u);
  EXPECT_EQ(b.accounted_lines(), b.lines);
  // Six 公費単独 receipts (1212) and KO 12 found by 法別, never by position.
  EXPECT_EQ(std::count(b.receipts.receipt_type.begin(), b.receipts.receipt_type.end(), 1212), 6);
  EXPECT_EQ(std::count(b.coverages.law_no.begin(), b.coverages.law_no.end(), 12), 5);
}

TEST(reader, every_sample_parses_and_sums_its_units) {
  for (auto name : {"01.csv", "02.csv", "03.csv", "04.csv", "05.csv", "kokuho_201811.csv",
                    "kokuho_201812.csv", "shaho_201811.csv", "shaho_201812.csv", "shika_shaho.csv"}) {
    auto b = read(test::samples::orca(name));
    EXPECT_EQ(b.errors(), 0u) << name;
    EXPECT_EQ(b.quarantine.size(), 0u) << name;
    EXPECT_EQ(b.encoding, text_encoding::utf8) << name;
    EXPECT_EQ(b.accounted_lines(), b.lines) << name;
    ASSERT_TRUE(b.go.present) << name;
    EXPECT_EQ(total_points(b), b.go.points) << name;
    // 点数 only on the last record of a unit: Σ 点数×回数 equals 合計点数 everywhere.
    for (size_t r = 0; r < b.receipts.size(); ++r)
      EXPECT_EQ(b.receipts.line_points[r], b.receipts.points[r]) << name << " receipt " << r;
  }
}

TEST(reader, orca_employee_insurance_with_seiho) {
  auto b = read(test::samples::orca_shaho);
  // RE 3 is 1122: HO + KO 12131017 with 本人負担 1000.
  auto& cov = b.coverages;
  auto it = std::find(cov.law_no.begin(), cov.law_no.end(), 12);
  ASSERT_NE(it, cov.law_no.end());
  auto i = static_cast<size_t>(it - cov.law_no.begin());
  EXPECT_EQ(b.view(cov.payer_no[i]), "12131017");
  EXPECT_EQ(cov.copay[i], 1000);
  EXPECT_EQ(cov.points[i], 569);
  EXPECT_EQ(cov.position[i], 1);
  EXPECT_EQ(b.receipts.receipt_type[cov.receipt[i]], 1122);
  // 和暦 dates: 診療年月 43011 = 2018-11.
  EXPECT_EQ(b.receipts.month[0], 201811u);
}

TEST(reader, dental_file_with_uk_header_and_ir_per_receipt) {
  auto b = read(test::samples::orca_dental);
  EXPECT_EQ(b.kind, receipt_kind::dental);
  EXPECT_EQ(b.receipts.size(), 3u);
  EXPECT_EQ(b.institutions.size(), 4u); // UK + one IR per receipt
  EXPECT_EQ(b.institutions.record[0], rec::UK);
  EXPECT_EQ(b.receipts.institution[2], 3u);
  EXPECT_EQ(records(b, rec::HS), 4u);
  EXPECT_EQ(records(b, rec::SS), 12u);
  EXPECT_EQ(total_points(b), 2214);
  EXPECT_EQ(b.diseases.code[0], 5220063u);
}

TEST(reader, payer_side_applies_jy_corrections) {
  auto b = read(test::samples::payer_medical);
  EXPECT_EQ(b.side, file_side::payer);
  EXPECT_EQ(b.receipts.size(), 19u);
  EXPECT_EQ(records(b, rec::MN), 19u);
  EXPECT_EQ(records(b, rec::JY), 6u);
  EXPECT_EQ(b.corrections.size(), 6u);
  EXPECT_EQ(b.accounted_lines(), b.lines);
  EXPECT_FALSE(b.go.present);
  // Receipt 1: HO on row 4 (46794 点) replaced by row 211 (46368 点); IY row 20 deleted.
  EXPECT_EQ(b.receipts.claimed_points[0], 46794);
  EXPECT_EQ(b.receipts.points[0], 46368);
  EXPECT_EQ(b.receipts.corrected[0], 2);
  EXPECT_EQ(b.receipts.line_points[0], 46368);
  EXPECT_EQ(b.view(b.receipts.management_no[0]), "910000001");
  EXPECT_EQ(b.receipts.source_line[0], 1u); // the MN line
  EXPECT_EQ(b.receipts.re_line[0], 3u);
  EXPECT_EQ(b.corrections.op[0], 2);
  EXPECT_EQ(b.corrections.target_row[0], 4u);
  EXPECT_EQ(b.corrections.after_row[0], 211u);
  EXPECT_EQ(b.corrections.op[1], 3);
  EXPECT_EQ(b.corrections.target_record[1], rec::IY);
  EXPECT_EQ(b.view(b.corrections.reasons[1]), "C");
  // The deleted IY (line 20) is not among the receipt's items.
  for (auto k = b.receipts.item_begin[0]; k < b.receipts.item_end[0]; ++k)
    EXPECT_NE(b.items.line[k], 20u);
  // 和暦 legacy dates: 診療 H30.04, born S18.07.17.
  EXPECT_EQ(b.receipts.month[0], 201804u);
  EXPECT_EQ(b.receipts.birth_date[0], 19430717u);
  // Decided points equal the units after review, on every receipt.
  for (size_t r = 0; r < b.receipts.size(); ++r)
    EXPECT_EQ(b.receipts.line_points[r], b.receipts.points[r]) << "receipt " << r;
}

TEST(reader, payer_side_can_read_as_claimed) {
  uke::read_options options;
  options.apply_corrections = false;
  auto b = uke::read_file(test::samples::payer_medical, options);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->receipts.points[0], 46794);
  EXPECT_EQ(b->accounted_lines(), b->lines);
}

TEST(reader, worked_example_rules) {
  auto b = parse(seiho_single);
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_TRUE(b.eof_marker);
  EXPECT_TRUE(b.crlf);
  EXPECT_EQ(b.errors(), 0u);
  EXPECT_EQ(b.warnings(), 0u);
  EXPECT_EQ(b.receipts.points[0], 337);
  EXPECT_EQ(b.receipts.line_points[0], 337);
  EXPECT_EQ(b.receipts.receipt_type[0], 1212);
  // 診療識別 carried forward: rows 2 and 3 inherit 12.
  EXPECT_EQ(b.items.shikibetsu[1], 12);
  EXPECT_EQ(b.items.shikibetsu[2], 12);
  EXPECT_FALSE(b.items.flags[1] & row_flag::shikibetsu_written);
  // Care days from the day columns and JD: 2nd and 16th.
  EXPECT_EQ(b.receipts.care_days[0], (1u << 1) | (1u << 15));
  EXPECT_EQ(b.coverages.visit_days[0], (1u << 1) | (1u << 15));
  EXPECT_EQ(b.coverages.law_no[0], 12);
  EXPECT_EQ(b.coverages.check_digit_ok[0], 3);
  // IY 使用量 1 and 28 days on day 16.
  EXPECT_EQ(b.items.quantity[3], 1 * quantity_scale);
  EXPECT_EQ(b.items.count[3], 28);
  EXPECT_EQ(b.day_counts[b.items.day_begin[3]], 28);
  EXPECT_EQ(b.diseases.main[0], 1);
  EXPECT_EQ(b.diseases.outcome[1], 2);
}

TEST(reader, units_span_records_and_points_sit_on_the_last) {
  // One 剤 of two drugs: 点数 only on the second IY, 回数 14 on both.
  std::string text = "IR,1,27,1,1234560,,医院,202408,00,\n"
                     "RE,1,1212,202407,生保　花子,2,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,12271011,1234566,,1,182,,,,,,\n"
                     "IY,21,5,620007870,1,,14,,,,,,,,,,,,,,14,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "IY,,5,620009461,2,13,14,,,,,,,,,,,,,,14,,,,,,,,,,,,,,,,,,,,,,,\n";
  auto b = parse(text);
  EXPECT_EQ(b.receipts.line_points[0], 182);
  EXPECT_EQ(b.items.points[0], no_value);
  EXPECT_EQ(b.items.points[1], 13);
  EXPECT_EQ(b.items.shikibetsu[1], 21);
  EXPECT_FALSE(b.crlf);
  EXPECT_FALSE(b.eof_marker);
  EXPECT_EQ(b.warnings(), 0u) << (b.diagnostics.empty() ? "" : b.diagnostics[0].message);
}

TEST(reader, ko_order_finds_seiho_by_law_not_position) {
  // 54 難病 first, 12 second (1222, 負担区分 7).
  std::string text = "IR,1,13,1,1234560,,医院,202408,00,\n"
                     "RE,1,1222,202407,生保　花子,2,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,54136015,1234566,,1,75,,,,,,\n"
                     "KO,12131017,1234566,,1,75,,,,,,\n"
                     "SI,12,7,112007410,,75,1,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,\n";
  auto b = parse(text);
  ASSERT_EQ(b.coverages.size(), 2u);
  EXPECT_EQ(b.coverages.law_no[0], 54);
  EXPECT_EQ(b.coverages.law_no[1], 12);
  EXPECT_EQ(b.coverages.position[1], 2);
  EXPECT_EQ(b.items.burden[0], '7');
}

TEST(reader, reports_check_digits_without_correcting) {
  std::string text = "IR,1,13,1,1234560,,医院,202408,00,\n"
                     "RE,1,1212,202407,生保　花子,2,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,12131018,1234567,,1,75,,,,,,\n"
                     "SI,12,5,112007410,,75,1,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,\n";
  auto b = parse(text);
  EXPECT_EQ(b.coverages.check_digit_ok[0], 0);
  EXPECT_EQ(b.view(b.coverages.payer_no[0]), "12131018");
  EXPECT_TRUE(has_diagnostic(b, 3, "公費負担者番号 check digit"));
  EXPECT_TRUE(has_diagnostic(b, 3, "公費受給者番号 check digit"));
  EXPECT_EQ(b.errors(), 0u);
}

TEST(reader, bad_lines_go_to_quarantine_and_the_rest_is_read) {
  std::string text = "IR,1,13,1,1234560,,医院,202408,00,\n"
                     "RE,1,1212,202407,生保　花子,2,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,12131017,1234566,,1,75,,,,,,\n"
                     "SI,12,5,112007410,,7x5,1,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,\n"
                     "this is not a record\n"
                     "RE,2,12x2,202407,生保　次郎,1,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,12131017,1234566,,1,75,,,,,,\n"
                     "RE,3,1212,202407,生保　三郎,1,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,12131017,1234566,,1,75,,,,,,\n"
                     "XX,new record from the future\n"
                     "GO,2,150,99\n";
  auto b = parse(text);
  EXPECT_EQ(b.receipts.size(), 2u);
  ASSERT_EQ(b.quarantine.size(), 4u);
  EXPECT_EQ(b.quarantine.line[0], 4u);
  EXPECT_EQ(b.quarantine.field[0], 5); // 点数
  EXPECT_EQ(b.quarantine.record[0], rec::SI);
  EXPECT_EQ(b.quarantine.line[1], 5u);
  EXPECT_EQ(b.quarantine.line[2], 6u);
  EXPECT_EQ(b.quarantine.field[2], 2);
  EXPECT_EQ(b.quarantine.line[3], 7u); // KO of the quarantined receipt
  EXPECT_NE(b.quarantine.reason[3].find("quarantined receipt"), std::string::npos);
  // Unknown records are kept raw with a warning, not lost.
  ASSERT_EQ(b.extras.size(), 1u);
  EXPECT_EQ(b.view(b.extras.raw[0]), "XX,new record from the future");
  EXPECT_TRUE(has_diagnostic(b, 10, "unknown record XX"));
  EXPECT_EQ(b.accounted_lines(), b.lines);
}

TEST(reader, short_and_long_records_are_tolerated_and_kept) {
  std::string text = "IR,1,13,1,1234560,,医院,202408,00,\n"
                     "RE,1,1212,202407,生保　花子,2,19600101\n"
                     "KO,12131017,1234566,,1,75,,,,,,,,extra\n"
                     "SI,12,5,112007410,,75,1,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,\n";
  auto b = parse(text);
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_TRUE(b.receipts.flags[0] & row_flag::raw);
  EXPECT_TRUE(b.coverages.flags[0] & row_flag::raw);
  EXPECT_EQ(b.coverages.points[0], 75);
  EXPECT_TRUE(has_diagnostic(b, 2, "RE has 7 fields, expected 38"));
  EXPECT_TRUE(has_diagnostic(b, 3, "KO has 14 fields, expected 12"));
}

TEST(reader, sum_of_day_columns_must_equal_count) {
  std::string text = "IR,1,13,1,1234560,,医院,202408,00,\n"
                     "RE,1,1212,202407,生保　花子,2,19600101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
                     "KO,12131017,1234566,,2,150,,,,,,\n"
                     "SI,12,5,112007410,,75,2,,,,,,,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,\n";
  auto b = parse(text);
  EXPECT_TRUE(has_diagnostic(b, 4, "回数 2 differs from the sum of the day columns 1"));
}

TEST(reader, utf8_and_cp932_are_detected) {
  auto utf8 = parse(seiho_single);
  EXPECT_EQ(utf8.encoding, text_encoding::utf8);
  auto sjis = parse(utf8_to_cp932(seiho_single));
  EXPECT_EQ(sjis.encoding, text_encoding::cp932);
  EXPECT_EQ(sjis.receipts.points[0], 337);
  EXPECT_EQ(cp932_to_utf8(sjis.view(sjis.receipts.name[0])), "生保　太郎");
}

TEST(reader, unreadable_file_is_an_error) {
  auto b = uke::read_file("/nonexistent/RECEIPTC.UKE");
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error_value().code, ec::io_error);
  EXPECT_NE(b.error_value().message.find("/nonexistent/RECEIPTC.UKE"), std::string::npos);
}

TEST(reader, garbage_is_not_a_receipt_file) {
  auto b = parse("hello\nworld\n");
  EXPECT_EQ(b.kind, receipt_kind::unknown);
  EXPECT_EQ(b.quarantine.size(), 2u);
  EXPECT_GE(b.errors(), 1u);
}

TEST(reader, hashes_what_it_reads_in_one_pass) {
  uke::read_options options;
  options.sha256 = true;
  auto b = uke::read_file(test::samples::orca_dental, options);
  ASSERT_TRUE(b.has_value());
  // sha256sum tests/data/samples/orca/shika_shaho.csv
  EXPECT_EQ(b->sha256, "21a123eb608eebcb51ab2307c6e4f0b43562181b796c731c6e1d0b1e6055d3ff");
  auto plain = uke::read_file(test::samples::orca_dental);
  EXPECT_TRUE(plain->sha256.empty());
}
