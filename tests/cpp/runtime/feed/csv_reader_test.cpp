#include "receptor/feed/csv_reader.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "receptor/encoding.hpp"
#include "runtime/feed/csv_rows.hpp"

using namespace receptor::feed;
using receptor::test::read_all;
using receptor::test::read_result;
namespace fs = std::filesystem;

namespace {

csv_reader open_bytes(std::string_view bytes, csv_limits limits = {}) {
  auto reader = csv_reader::from_bytes(bytes, "test.csv", limits);
  EXPECT_TRUE(reader) << reader.error_value().message;
  return std::move(*reader);
}

// Fixture files live in a folder of their own per test, removed afterwards.
class csv_reader_files : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path()
           / ("receptor_csv_" + std::to_string(::getpid()) + "_"
              + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& bytes) {
    const fs::path file = dir_ / name;
    std::ofstream{file, std::ios::binary} << bytes;
    return file;
  }

  fs::path dir_;
};

} // namespace

TEST(csv_reader, reads_quotes_escapes_and_line_breaks_inside_quotes) {
  auto reader = open_bytes("a,b,c\r\n"
                           "1,\"x,y\",z\r\n"
                           "2,\"he said \"\"hi\"\"\",w\n"
                           "3,\"two\r\nlines\",v\n"
                           "\n"
                           "4,,\"\"\n");
  const auto got = read_all(reader);
  EXPECT_EQ(reader.header(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(reader.header_line(), 1u);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{2, 3, 4, 7}));
  ASSERT_EQ(got.rows.size(), 4u);
  EXPECT_EQ(got.rows[0], (std::vector<std::string>{"1", "x,y", "z"}));
  EXPECT_EQ(got.rows[1], (std::vector<std::string>{"2", "he said \"hi\"", "w"}));
  EXPECT_EQ(got.rows[2], (std::vector<std::string>{"3", "two\r\nlines", "v"}));
  EXPECT_EQ(got.rows[3], (std::vector<std::string>{"4", "", ""}));
  EXPECT_TRUE(got.quarantine.empty());
}

TEST(csv_reader, keeps_quotes_that_do_not_open_a_field_and_text_after_a_closing_quote) {
  auto reader = open_bytes("a,b\n" "x\"y,\"ab\"c\n");
  const auto got = read_all(reader);
  ASSERT_EQ(got.rows.size(), 1u);
  EXPECT_EQ(got.rows[0], (std::vector<std::string>{"x\"y", "abc"}));
}

TEST(csv_reader, row_views_raw_text_without_the_line_break) {
  auto reader = open_bytes("a,b\r\n1,\"2\"\r\n");
  csv_row row;
  std::vector<quarantine_row> quarantine;
  ASSERT_TRUE(reader.next(row, quarantine));
  EXPECT_EQ(row.raw(), "1,\"2\"");
  EXPECT_EQ(row[1], "2");
  EXPECT_EQ(row[no_column], "");
  EXPECT_FALSE(reader.next(row, quarantine));
}

TEST(csv_reader, ends_without_final_line_break_and_ignores_eof_mark) {
  auto reader = open_bytes("a,b\r\n1,2\r\n3,4\x1A");
  const auto got = read_all(reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(got.rows[1], (std::vector<std::string>{"3", "4"}));
}

TEST(csv_reader, finds_columns_by_name_in_any_order) {
  auto reader = open_bytes(" c ,a,memo,ｂ\n3,1,x,2\n");
  EXPECT_EQ(*reader.required_column("a"), 1u);
  EXPECT_EQ(*reader.required_column("c"), 0u); // trimmed
  EXPECT_EQ(*reader.required_column("b"), 3u); // width-folded
  EXPECT_EQ(*reader.optional_column("copay"), no_column);
  const auto missing = reader.required_column("month");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error_value().message, "test.csv: required column 'month' is missing");
}

TEST(csv_reader, a_column_named_twice_is_an_error) {
  auto reader = open_bytes("a,b,a\n1,2,3\n");
  const auto twice = reader.optional_column("a");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error_value().message, "test.csv: column 'a' appears twice in the header");
  EXPECT_TRUE(reader.required_column("b"));
}

TEST(csv_reader, a_row_with_another_field_count_is_quarantined) {
  auto reader = open_bytes("a,b,c\n1,2\n1,2,3\n1,2,3,4\n");
  const auto got = read_all(reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{3}));
  ASSERT_EQ(got.quarantine.size(), 2u);
  EXPECT_EQ(got.quarantine[0].file, "test.csv");
  EXPECT_EQ(got.quarantine[0].line, 2u);
  EXPECT_EQ(got.quarantine[0].reason, "row has 2 fields, the header has 3");
  EXPECT_EQ(got.quarantine[0].raw, "1,2");
  EXPECT_EQ(got.quarantine[1].line, 4u);
  EXPECT_EQ(got.quarantine[1].reason, "row has 4 fields, the header has 3");
}

TEST(csv_reader, an_unterminated_quote_at_the_end_loses_only_its_line) {
  auto reader = open_bytes("a,b\n" "1,x\n" "2,\"open\n" "3,y\n" "4,z");
  const auto got = read_all(reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{2, 4, 5}));
  ASSERT_EQ(got.quarantine.size(), 1u);
  EXPECT_EQ(got.quarantine[0].line, 3u);
  EXPECT_EQ(got.quarantine[0].reason, "unterminated quoted field");
  EXPECT_EQ(got.quarantine[0].raw, "2,\"open");
}

TEST(csv_reader, an_unterminated_quote_after_quoted_line_breaks_rejects_the_row_up_to_its_line) {
  auto reader = open_bytes("a,b\n" "1,\"two\nlines\",\"open\n" "3,y\n");
  const auto got = read_all(reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{4}));
  ASSERT_EQ(got.quarantine.size(), 1u);
  EXPECT_EQ(got.quarantine[0].line, 2u);
  EXPECT_EQ(got.quarantine[0].raw, "1,\"two\nlines\",\"open");
}

TEST(csv_reader, a_chain_of_stray_quotes_is_read_in_linear_time) {
  // Every line closes the quote the line before opened and opens another:
  // one row to the end of the file, which a reader that went back to the
  // row's second line would scan again from every line.
  std::string bytes = "a,b\n1,\"\n";
  constexpr int lines = 200000;
  for (int i = 0; i < lines; ++i)
    bytes += "x\",\"\n";
  bytes += "last\n";
  auto reader = open_bytes(bytes);
  const auto got = read_all(reader);
  EXPECT_TRUE(got.rows.empty());
  ASSERT_EQ(got.quarantine.size(), 2u);
  EXPECT_EQ(got.quarantine[0].line, 2u);
  EXPECT_EQ(got.quarantine[0].reason, "unterminated quoted field");
  EXPECT_EQ(got.quarantine[0].raw.size(), 4096u);
  EXPECT_EQ(got.quarantine[1].line, static_cast<uint32_t>(lines + 3));
  EXPECT_EQ(got.quarantine[1].reason, "row has 1 field, the header has 2");
}

TEST(csv_reader, a_row_past_the_byte_limit_is_quarantined_and_reading_goes_on) {
  const csv_limits limits{16, 4096};
  auto reader = open_bytes("a,b\n"
                           "1234567,12345678\n"    // 16 bytes: the limit
                           "1234567,123456789\n"   // 17 bytes
                           "1,\"quoted\n\nlonger\"\n" // 18 bytes over three lines
                           "5,6\n",
                           limits);
  const auto got = read_all(reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{2, 7}));
  ASSERT_EQ(got.quarantine.size(), 2u);
  EXPECT_EQ(got.quarantine[0].line, 3u);
  EXPECT_EQ(got.quarantine[0].reason, "row longer than 16 bytes");
  EXPECT_EQ(got.quarantine[1].line, 4u);
  EXPECT_EQ(got.quarantine[1].reason, "row longer than 16 bytes");
}

TEST(csv_reader, the_default_limits_are_one_mebibyte_and_4096_fields) {
  const std::string long_value(1u << 20, 'x');
  std::string many_fields;
  for (int i = 0; i < 4097; ++i)
    many_fields += i == 0 ? "1" : ",1";
  auto reader = open_bytes("a,b\n1," + long_value + "\n" + many_fields + "\n2,ok\n");
  const auto got = read_all(reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{4}));
  ASSERT_EQ(got.quarantine.size(), 2u);
  EXPECT_EQ(got.quarantine[0].reason, "row longer than 1048576 bytes");
  EXPECT_EQ(got.quarantine[0].raw.size(), 4096u); // the report keeps a bounded excerpt
  EXPECT_EQ(got.quarantine[1].line, 3u);
  EXPECT_EQ(got.quarantine[1].reason, "row has more than 4096 fields");
}

TEST(csv_reader, a_header_of_4096_columns_is_within_the_limit) {
  std::string header, values;
  for (int i = 0; i < 4096; ++i) {
    header += (i ? ",c" : "c") + std::to_string(i);
    values += i ? ",v" : "v";
  }
  auto reader = open_bytes(header + "\n" + values + "\n");
  const auto got = read_all(reader);
  ASSERT_EQ(got.rows.size(), 1u);
  EXPECT_EQ(got.rows[0].size(), 4096u);
  EXPECT_EQ(*reader.required_column("c4095"), 4095u);
}

TEST(csv_reader, a_nul_byte_quarantines_its_row) {
  auto reader = open_bytes(std::string{"a,b\n1,x\0y\n2,z\n", 14});
  const auto got = read_all(reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{3}));
  ASSERT_EQ(got.quarantine.size(), 1u);
  EXPECT_EQ(got.quarantine[0].line, 2u);
  EXPECT_EQ(got.quarantine[0].reason, "NUL byte in row");
  EXPECT_EQ(got.quarantine[0].raw, "1,x\u2400y");
}

TEST(csv_reader, a_file_without_a_header_is_an_error) {
  for (const char* bytes : {"", "\n\r\n", "\"open,header\n1,2\n"}) {
    const auto reader = csv_reader::from_bytes(bytes, "empty.csv");
    EXPECT_FALSE(reader) << bytes;
  }
  EXPECT_EQ(csv_reader::from_bytes("", "empty.csv").error_value().message, "empty.csv: no header row");
  EXPECT_EQ(csv_reader::from_bytes("\"a,b\n", "open.csv").error_value().message,
            "open.csv: header row (line 1): unterminated quoted field");
}

TEST(csv_reader, bounds_the_rows_to_come_for_reserving) {
  auto reader = open_bytes("a\n1\n\"2\n2\"\n3");
  EXPECT_EQ(reader.rows_left_at_most(), 4u); // three rows, one of them on two lines
  csv_row row;
  std::vector<quarantine_row> quarantine;
  ASSERT_TRUE(reader.next(row, quarantine));
  EXPECT_EQ(reader.rows_left_at_most(), 3u);
}

TEST(csv_reader, blank_lines_before_the_header_shift_every_line_number) {
  auto reader = open_bytes("\n\na,b\n1,2\n");
  EXPECT_EQ(reader.header_line(), 3u);
  EXPECT_EQ(read_all(reader).lines, (std::vector<uint32_t>{4}));
}

TEST(csv_reader, survives_hostile_bytes) {
  // Bytes that stress every branch: quotes, separators, line breaks, NUL,
  // Shift_JIS lead bytes without trail bytes, cut UTF-8.
  const char alphabet[] = {'"', ',', '\n', '\r', 'a', '\0', '\x81', '\xFF', '\xE3', '\x1A'};
  std::mt19937 random{20240501};
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = "h1,h2\n";
    const size_t size = random() % 300;
    for (size_t i = 0; i < size; ++i)
      bytes += alphabet[random() % sizeof alphabet];
    auto reader = csv_reader::from_bytes(bytes, "fuzz.csv", csv_limits{64, 8});
    ASSERT_TRUE(reader);
    const auto got = read_all(*reader);
    uint32_t previous = 1;
    for (size_t i = 0; i < got.rows.size(); ++i) {
      EXPECT_EQ(got.rows[i].size(), 2u);
      EXPECT_GT(got.lines[i], previous);
      previous = got.lines[i];
    }
    for (const auto& bad : got.quarantine) {
      EXPECT_FALSE(bad.reason.empty());
      EXPECT_TRUE(receptor::valid_utf8(bad.raw));
      EXPECT_EQ(bad.raw.find('\0'), std::string::npos);
    }
  }
}

TEST_F(csv_reader_files, reads_utf8_with_a_bom) {
  const auto file = write("bom.csv", "\xEF\xBB\xBFname,code\r\n髙橋 太郎,0012\r\n");
  auto reader = csv_reader::open(file);
  ASSERT_TRUE(reader) << reader.error_value().message;
  EXPECT_EQ(reader->encoding(), file_encoding::utf8_bom);
  EXPECT_EQ(reader->source(), file.string());
  EXPECT_EQ(reader->header()[0], "name");
  const auto got = read_all(*reader);
  ASSERT_EQ(got.rows.size(), 1u);
  EXPECT_EQ(got.rows[0], (std::vector<std::string>{"髙橋 太郎", "0012"}));
}

TEST_F(csv_reader_files, detects_cp932_and_converts_it_to_utf8) {
  const std::string utf8 = "name,note\r\n髙橋　太郎,﨑\r\n\"山田,花子\",\"２行\r\nの備考\"\r\n";
  const auto file = write("sjis.csv", receptor::utf8_to_cp932(utf8));
  auto reader = csv_reader::open(file);
  ASSERT_TRUE(reader) << reader.error_value().message;
  EXPECT_EQ(reader->encoding(), file_encoding::cp932);
  EXPECT_EQ(reader->undecodable_bytes(), 0u);
  const auto got = read_all(*reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(got.rows[0], (std::vector<std::string>{"髙橋　太郎", "﨑"}));
  EXPECT_EQ(got.rows[1], (std::vector<std::string>{"山田,花子", "２行\r\nの備考"}));
}

TEST_F(csv_reader_files, says_which_encoding_each_file_was) {
  EXPECT_EQ(csv_reader::open(write("ascii.csv", "a\n1\n"))->encoding(), file_encoding::ascii);
  EXPECT_EQ(csv_reader::open(write("utf8.csv", "a\n髙\n"))->encoding(), file_encoding::utf8);
  EXPECT_EQ(csv_reader::open(write("bom.csv", "\xEF\xBB\xBF" "a\n1\n"))->encoding(), file_encoding::utf8_bom);
  EXPECT_EQ(csv_reader::open(write("sjis.csv", receptor::utf8_to_cp932("a\n髙\n")))->encoding(),
            file_encoding::cp932);
  EXPECT_STREQ(to_string(file_encoding::ascii), "ascii");
  EXPECT_STREQ(to_string(file_encoding::utf8), "utf-8");
  EXPECT_STREQ(to_string(file_encoding::utf8_bom), "utf-8-bom");
  EXPECT_STREQ(to_string(file_encoding::cp932), "cp932");
}

TEST_F(csv_reader_files, looks_past_the_first_megabyte_to_tell_utf8_from_cp932) {
  std::string bytes = "a\n";
  while (bytes.size() < (2u << 20))
    bytes += "0123456789012345678901234567890123456789\n";
  bytes += "髙橋\n";
  auto reader = csv_reader::open(write("late.csv", bytes));
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->encoding(), file_encoding::utf8);
}

TEST_F(csv_reader_files, bytes_that_are_not_shift_jis_quarantine_only_their_row) {
  const std::string bytes = receptor::utf8_to_cp932("name,note\n山田,ok\n") + "bad\x81\x20,x\n"
                            + "\xFF\xFE,y\n" + receptor::utf8_to_cp932("佐藤,ok\n");
  auto reader = csv_reader::open(write("broken.csv", bytes));
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->encoding(), file_encoding::cp932);
  EXPECT_EQ(reader->undecodable_bytes(), 3u);
  const auto got = read_all(*reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{2, 5}));
  EXPECT_EQ(got.rows[1][0], "佐藤");
  ASSERT_EQ(got.quarantine.size(), 2u);
  EXPECT_EQ(got.quarantine[0].line, 3u);
  EXPECT_EQ(got.quarantine[0].reason, "bytes that are not valid CP932");
  EXPECT_EQ(got.quarantine[1].line, 4u);
}

TEST_F(csv_reader_files, bytes_that_are_not_utf8_after_a_bom_quarantine_only_their_row) {
  auto reader = csv_reader::open(write("bom.csv", "\xEF\xBB\xBF" "a,b\n1,\xC3\x28\n2,ok\n"));
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->encoding(), file_encoding::utf8_bom);
  EXPECT_EQ(reader->undecodable_bytes(), 1u);
  const auto got = read_all(*reader);
  EXPECT_EQ(got.lines, (std::vector<uint32_t>{3}));
  ASSERT_EQ(got.quarantine.size(), 1u);
  EXPECT_EQ(got.quarantine[0].reason, "bytes that are not valid UTF-8");
  EXPECT_EQ(got.quarantine[0].raw, "1,\uFFFD(");
}

TEST_F(csv_reader_files, a_missing_file_is_named_in_the_error) {
  const auto reader = csv_reader::open(dir_ / "nowhere.csv");
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error_value().code, receptor::ec::io_error);
  EXPECT_EQ(reader.error_value().message, (dir_ / "nowhere.csv").string() + ": not found");
  EXPECT_EQ(csv_reader::open(dir_).error_value().message, dir_.string() + ": not a regular file");
}
