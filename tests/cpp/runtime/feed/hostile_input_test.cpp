// The feed reader on hostile input: over-long lines, NUL bytes, invalid
// Shift_JIS. Memory on a huge line is checked end to end in
// tests/python/test_hostile_input.py.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "receptor/feed/csv_reader.hpp"
#include "runtime/feed/csv_rows.hpp"

using namespace receptor::feed;
using receptor::test::read_all;
using receptor::test::read_result;
namespace fs = std::filesystem;

namespace {

// The same bytes read from memory and from a file agree.
std::vector<read_result> both_ways(const std::string& bytes, csv_limits limits) {
  std::vector<read_result> out;
  auto from_memory = csv_reader::from_bytes(bytes, "mem.csv", limits);
  EXPECT_TRUE(from_memory);
  out.push_back(read_all(*from_memory));
  auto path = fs::temp_directory_path() / ("receptor_feed_hostile_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(path, std::ios::binary) << bytes;
  auto from_file = csv_reader::open(path, limits);
  EXPECT_TRUE(from_file);
  out.push_back(read_all(*from_file));
  fs::remove(path);
  return out;
}

} // namespace

TEST(FeedHostileInput, OverLongLineIsQuarantinedAndTheNextRowStillRead) {
  csv_limits limits;
  limits.max_row_bytes = 1000;
  // The quote opened on line 2 closes far past the kept bytes: the next row
  // must still start on line 3.
  std::string bytes = "id,text\n1,\"" + std::string(50000, 'y') + "\"\n2,ok\n3," + std::string(70000, ',') + "\n4,end\n";
  for (auto& r : both_ways(bytes, limits)) {
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0][0], "2");
    EXPECT_EQ(r.lines[0], 3u);
    EXPECT_EQ(r.rows[1][1], "end");
    EXPECT_EQ(r.lines[1], 5u);
    ASSERT_EQ(r.quarantine.size(), 2u);
    EXPECT_EQ(r.quarantine[0].line, 2u);
    EXPECT_NE(r.quarantine[0].reason.find("longer than 1000"), std::string::npos) << r.quarantine[0].reason;
    EXPECT_EQ(r.quarantine[1].line, 4u);
  }
}

TEST(FeedHostileInput, EvenQuotesInTheDroppedPartKeepTheQuoteOpen) {
  csv_limits limits;
  limits.max_row_bytes = 100;
  // Line 2 opens a quote that two dropped quotes ("" escapes) leave open; it
  // closes on line 3, so line 4 is the next row.
  std::string bytes = "id,text\n1,\"" + std::string(200, 'a') + "\"\"b\nc\"\n2,ok\n";
  for (auto& r : both_ways(bytes, limits)) {
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0][1], "ok");
    EXPECT_EQ(r.lines[0], 4u);
    ASSERT_EQ(r.quarantine.size(), 1u);
    EXPECT_EQ(r.quarantine[0].line, 2u);
  }
}

TEST(FeedHostileInput, NulBytesAndInvalidShiftJisAreQuarantinedLineByLine) {
  // CP932 (not UTF-8): line 4 holds a lead byte 0x81 with no valid trail.
  auto bytes = std::string("id,text\n1,a") + std::string(1, '\0') + "b\n2,ok\n3,\x82\xa0\x81\xff\n5,fine\n";
  for (auto& r : both_ways(bytes, {})) {
    std::vector<std::string> ids;
    for (auto& row : r.rows)
      ids.push_back(row[0]);
    EXPECT_EQ(ids, (std::vector<std::string>{"2", "5"}));
    ASSERT_EQ(r.quarantine.size(), 2u);
    EXPECT_EQ(r.quarantine[0].line, 2u);
    EXPECT_NE(r.quarantine[0].raw.find("\xE2\x90\x80"), std::string::npos) << "NUL shown as ␀";
    EXPECT_EQ(r.quarantine[1].line, 4u);
  }
}

TEST(FeedHostileInput, InvalidBytesInAFileTakenForUtf8AreQuarantinedNotPassedOn) {
  // Found by feed_reader_fuzz: no BOM, mostly UTF-8, one stray continuation
  // byte. The row holding it is quarantined with valid UTF-8 text.
  // 280 UTF-8 characters before the stray byte: the content is taken for
  // UTF-8 (detect_encoding decides after 256), not for CP932.
  std::string bytes = "id,text\n";
  for (int i = 0; i < 80; ++i)
    bytes += std::to_string(i) + (i == 70 ? ",\xe4\xbd\x90\xdc\x80\x80x\n" : ",\xe5\xb1\xb1\xe7\x94\xb0\xe3\x80\x80\xe8\x8a\xb1\n");
  for (auto& r : both_ways(bytes, {})) {
    ASSERT_EQ(r.rows.size(), 79u);
    EXPECT_EQ(r.rows[0][1], "\xe5\xb1\xb1\xe7\x94\xb0\xe3\x80\x80\xe8\x8a\xb1");
    EXPECT_EQ(r.rows[70][0], "71");
    ASSERT_EQ(r.quarantine.size(), 1u);
    EXPECT_EQ(r.quarantine[0].line, 72u);
    EXPECT_NE(r.quarantine[0].raw.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD for the stray byte";
  }
}
