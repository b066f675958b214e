// Hostile input: what the reader does with bytes no receipt software would
// write. Every case checks the exact quarantine and diagnostics, that memory
// stays bounded (the text arena keeps an excerpt, not the line), and that
// every non-empty line is accounted for: accounted_lines() == lines.
//
// Standalone build (no CMake), from the repository root, as one command:
//   g++ -std=c++17 -O2 -Wall -Wextra -I runtime -I runtime/src
//     runtime/src/{error,encoding,dates,check_digit}.cpp
//     runtime/src/uke/{record_id,layout,reader,writer}.cpp runtime/src/model/receipt_batch.cpp
//     tests/cpp/runtime/uke/hostile_input_test.cpp -lgtest -lgtest_main -pthread

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/defaults.hpp"
#include "receptor/uke/reader.hpp"
#include "receptor/uke/writer.hpp"

namespace {

using namespace receptor;
using namespace receptor::model;
namespace fs = std::filesystem;
namespace cfg = defaults::reader;

const std::string long_line_reason = "line longer than " + std::to_string(cfg::max_line_bytes) + " bytes";
const std::string not_a_receipt_file = "no IR, UK, YK or MN record: not a receipt file";

// A small, valid 医科 file body (CP932 names as bytes).
const std::string ir = "IR,1,13,1,1234567,,\x83\x65\x83\x58\x83\x67,202111,00,03-0000-0000";
const std::string re =
  "RE,1,1112,202110,\x8e\x8e\x8c\xb1\x81\x40\x91\xbe\x98\x59,1,19800101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,";
const std::string ho = "HO,06132013,1,2,1,100,,,,,,,,,";
const std::string si = "SI,11,1,111000110,,100,1,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,";
const std::string go = "GO,1,100,99";

void expect_accounted(const receipt_batch& b) {
  EXPECT_EQ(b.accounted_lines(), b.lines);
}

// Reading back what the writer renders keeps the receipts and the accounting.
void expect_round_trip(const receipt_batch& b) {
  auto again = uke::read_bytes(uke::write(b), "round-trip");
  EXPECT_EQ(again.lines, b.lines);
  EXPECT_EQ(again.accounted_lines(), again.lines);
  ASSERT_EQ(again.receipts.size(), b.receipts.size());
  for (size_t i = 0; i < b.receipts.size(); ++i)
    EXPECT_EQ(again.receipts.points[i], b.receipts.points[i]);
  EXPECT_EQ(again.quarantine.line, b.quarantine.line);
}

// A temporary directory, removed with its files.
class temp_dir {
public:
  temp_dir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("receptor_hostile_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  fs::path write(const std::string& name, std::string_view bytes) const {
    auto p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

// --- over-long lines ---------------------------------------------------------

TEST(HostileInput, TenMegabyteLineWithoutNewlineIsOneQuarantinedLine) {
  std::string bytes(10u << 20, 'X');
  auto b = uke::read_bytes(bytes, "long");
  EXPECT_EQ(b.bytes, bytes.size());
  EXPECT_EQ(b.lines, 1u);
  expect_accounted(b);
  ASSERT_EQ(b.quarantine.size(), 1u);
  EXPECT_EQ(b.quarantine.line[0], 1u);
  EXPECT_FALSE(b.quarantine.record[0].valid());
  EXPECT_EQ(b.quarantine.field[0], -1);
  EXPECT_EQ(b.quarantine.reason[0], long_line_reason);
  EXPECT_EQ(b.quarantine.raw[0].size(), cfg::quarantine_raw_bytes);
  // Bounded memory: an excerpt of the line is kept, not the line.
  EXPECT_LT(b.text.size(), 64u << 10);
  EXPECT_FALSE(b.final_newline);
  EXPECT_FALSE(b.eof_marker);
  EXPECT_EQ(b.kind, receipt_kind::unknown);
  ASSERT_EQ(b.diagnostics.size(), 2u);
  EXPECT_EQ(b.diagnostics[0].level, severity::error);
  EXPECT_EQ(b.diagnostics[0].line, 1u);
  EXPECT_EQ(b.diagnostics[0].message, long_line_reason);
  EXPECT_EQ(b.diagnostics[1].line, 0u);
  EXPECT_EQ(b.diagnostics[1].message, not_a_receipt_file);
  EXPECT_EQ(b.receipts.size(), 0u);
}

TEST(HostileInput, LongLineBetweenRecordsLeavesTheRecordsAround) {
  std::string bytes = ir + "\r\n" + re + "\r\n" + std::string(3u << 20, ',') + "\r\n" + ho + "\r\n" + go + "\r\n";
  auto b = uke::read_bytes(bytes, "long-middle");
  EXPECT_EQ(b.lines, 5u);
  expect_accounted(b);
  ASSERT_EQ(b.quarantine.size(), 1u);
  EXPECT_EQ(b.quarantine.line[0], 3u);
  EXPECT_EQ(b.quarantine.reason[0], long_line_reason);
  // The HO after the quarantined line still belongs to the open receipt.
  ASSERT_EQ(b.receipts.size(), 1u);
  ASSERT_EQ(b.coverages.size(), 1u);
  EXPECT_EQ(b.coverages.line[0], 4u);
  EXPECT_EQ(b.receipts.points[0], 100);
  EXPECT_TRUE(b.go.present);
  EXPECT_LT(b.text.size(), 64u << 10);
}

TEST(HostileInput, LineAtTheLimitIsReadAndOneByteMoreIsQuarantined) {
  // A line of exactly max_line_bytes is a (bad) record; one byte more is not read at all.
  std::string at_limit = "ZZ," + std::string(cfg::max_line_bytes - 3, 'a');
  std::string over = at_limit + "a";
  auto b = uke::read_bytes(ir + "\n" + at_limit + "\n" + over + "\n", "limit");
  EXPECT_EQ(b.lines, 3u);
  expect_accounted(b);
  // ZZ is an unknown record outside a receipt; the longer line never reaches the decoder.
  ASSERT_EQ(b.quarantine.size(), 2u);
  EXPECT_EQ(b.quarantine.line[0], 2u);
  EXPECT_EQ(b.quarantine.record[0], (uke::record_id{'Z', 'Z'}));
  EXPECT_EQ(b.quarantine.reason[0], "record ZZ outside a receipt (no RE before it)");
  EXPECT_EQ(b.quarantine.line[1], 3u);
  EXPECT_FALSE(b.quarantine.record[1].valid());
  EXPECT_EQ(b.quarantine.reason[1], long_line_reason);
  // A line the reader could read is kept whole; of an over-long one, an excerpt.
  EXPECT_EQ(b.quarantine.raw[0].size(), cfg::max_line_bytes);
  EXPECT_EQ(b.quarantine.raw[1].size(), cfg::quarantine_raw_bytes);
}

// --- many fields -------------------------------------------------------------

TEST(HostileInput, MillionCommasInARecordAreKeptRawWithAWarning) {
  std::string si_wide = "SI" + std::string(1000000, ',');
  auto b = uke::read_bytes(ir + "\r\n" + re + "\r\n" + ho + "\r\n" + si_wide + "\r\n" + go + "\r\n", "commas");
  EXPECT_EQ(b.lines, 5u);
  expect_accounted(b);
  EXPECT_EQ(b.quarantine.size(), 0u);
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items.line[0], 4u);
  EXPECT_TRUE(b.items.flags[0] & row_flag::raw);
  EXPECT_EQ(b.view(b.items.raw[0]), si_wide); // kept verbatim for the writer
  bool warned = false;
  for (auto& d : b.diagnostics)
    if (d.line == 4 && d.message == "SI has 1000001 fields, expected 44") {
      warned = true;
      EXPECT_EQ(d.level, severity::warning);
    }
  EXPECT_TRUE(warned);
  expect_round_trip(b);
}

TEST(HostileInput, MillionCommasAloneAreNotARecord) {
  auto b = uke::read_bytes(ir + "\r\n" + std::string(1000000, ',') + "\r\n", "commas-only");
  EXPECT_EQ(b.lines, 2u);
  expect_accounted(b);
  ASSERT_EQ(b.quarantine.size(), 1u);
  EXPECT_EQ(b.quarantine.line[0], 2u);
  EXPECT_EQ(b.quarantine.field[0], 0);
  EXPECT_EQ(b.quarantine.reason[0], "not a record identifier");
  // Kept whole, so that writing the batch gives the line back.
  EXPECT_EQ(b.quarantine.raw[0].size(), 1000000u);
  expect_round_trip(b);
}

TEST(HostileInput, QuarantinedLineIsKeptWholeSoItCannotReadBackAsARecord) {
  // The bad field (給付割合) comes after a 5000-byte name: an excerpt of the
  // line, written back, would read as a valid RE and add a receipt.
  std::string bad_re = "RE,1,1112,202110," + std::string(5000, 'N') + ",1,19800101,XX" + std::string(30, ',');
  auto b = uke::read_bytes(ir + "\r\n" + bad_re + "\r\n" + ho + "\r\n", "cut");
  EXPECT_EQ(b.lines, 3u);
  expect_accounted(b);
  EXPECT_EQ(b.receipts.size(), 0u);
  ASSERT_EQ(b.quarantine.size(), 2u);
  EXPECT_EQ(b.quarantine.line[0], 2u);
  EXPECT_EQ(b.quarantine.field[0], 7);
  EXPECT_EQ(b.quarantine.reason[0], "給付割合 is not a number");
  EXPECT_EQ(b.view(b.quarantine.raw[0]), bad_re);
  EXPECT_EQ(b.quarantine.line[1], 3u);
  EXPECT_EQ(b.quarantine.reason[1], "record HO of a quarantined receipt");
  expect_round_trip(b);
}

// --- bytes that are not text -------------------------------------------------

TEST(HostileInput, InvalidShiftJisInNamesIsKeptAsBytes) {
  // Lone lead bytes, a lead byte before a comma, 0xFF/0xFD (never in CP932).
  const std::string bad_institution = "\x81\x20\xff\xfe\x82";
  const std::string bad_patient = "\xfd\x81";
  std::string bytes = "IR,1,13,1,1234567,," + bad_institution + ",202111,00,03\r\n"
                      + "RE,1,1112,202110," + bad_patient + ",1,19800101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n"
                      + ho + "\r\nSY,0000999,20210909,1,,\x88\x81\x82,,\r\n" + go + "\r\n";
  auto b = uke::read_bytes(bytes, "sjis");
  EXPECT_EQ(b.encoding, text_encoding::cp932);
  EXPECT_EQ(b.lines, 5u);
  expect_accounted(b);
  EXPECT_EQ(b.quarantine.size(), 0u);
  ASSERT_EQ(b.institutions.size(), 1u);
  EXPECT_EQ(b.view(b.institutions.name[0]), bad_institution);
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_EQ(b.view(b.receipts.name[0]), bad_patient);
  ASSERT_EQ(b.diseases.size(), 1u);
  EXPECT_EQ(b.view(b.diseases.name[0]), "\x88\x81\x82");
  for (auto& d : b.diagnostics)
    EXPECT_NE(d.level, severity::error) << d.message;
  expect_round_trip(b);
}

TEST(HostileInput, NulBytesQuarantineOnlyTheLinesTheyBreak) {
  std::string nul_name = std::string("A\0B", 3);
  std::string bytes = ir + "\r\n"
                      + "RE,1,1112,202110," + nul_name + ",1,19800101,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n"
                      + std::string(16, '\0') + "\r\n"                      // line 3
                      + "HO,06132013,1,2,1,1" + std::string(1, '\0') + "0,,,,,,,,,\r\n" // line 4
                      + std::string("S\0,1", 4) + "\r\n"                    // line 5
                      + ho + "\r\n" + go + "\r\n";
  auto b = uke::read_bytes(bytes, "nul");
  EXPECT_EQ(b.lines, 7u);
  expect_accounted(b);
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_EQ(b.view(b.receipts.name[0]), nul_name);
  ASSERT_EQ(b.quarantine.size(), 3u);
  EXPECT_EQ(b.quarantine.line[0], 3u);
  EXPECT_EQ(b.quarantine.field[0], 0);
  EXPECT_EQ(b.quarantine.reason[0], "not a record identifier");
  EXPECT_EQ(b.view(b.quarantine.raw[0]), std::string(16, '\0'));
  EXPECT_EQ(b.quarantine.line[1], 4u);
  EXPECT_EQ(b.quarantine.record[1], uke::rec::HO);
  EXPECT_EQ(b.quarantine.field[1], 5);
  EXPECT_EQ(b.quarantine.reason[1], "合計点数 is not a number");
  EXPECT_EQ(b.quarantine.line[2], 5u);
  EXPECT_EQ(b.quarantine.reason[2], "not a record identifier");
  // The good HO on line 6 is the receipt's payer.
  ASSERT_EQ(b.coverages.size(), 1u);
  EXPECT_EQ(b.coverages.line[0], 6u);
  EXPECT_EQ(b.receipts.points[0], 100);
  expect_round_trip(b);
}

TEST(HostileInput, TwoByteOrderMarksKeepTheFirstLineQuarantined) {
  // The reader drops one BOM; the second is part of line 1, which is then no record.
  const std::string bom = "\xEF\xBB\xBF";
  std::string bytes = bom + bom + ir + "\n" + re + "\n" + ho + "\n";
  auto b = uke::read_bytes(bytes, "bom");
  EXPECT_EQ(b.lines, 3u);
  expect_accounted(b);
  ASSERT_EQ(b.quarantine.size(), 1u);
  EXPECT_EQ(b.quarantine.line[0], 1u);
  EXPECT_EQ(b.quarantine.reason[0], "not a record identifier");
  EXPECT_EQ(b.institutions.size(), 0u);
  EXPECT_EQ(uke::write(b), bytes);
  expect_round_trip(b);
}

TEST(HostileInput, OnlyAnEndOfFileMarker) {
  auto b = uke::read_bytes("\x1A", "eof");
  EXPECT_EQ(b.bytes, 1u);
  EXPECT_EQ(b.lines, 0u);
  expect_accounted(b);
  EXPECT_TRUE(b.eof_marker);
  EXPECT_EQ(b.quarantine.size(), 0u);
  EXPECT_TRUE(b.diagnostics.empty());
  EXPECT_EQ(b.kind, receipt_kind::unknown);
  EXPECT_EQ(uke::write(b), "\x1A");
}

TEST(HostileInput, EmptyInput) {
  auto b = uke::read_bytes("", "empty");
  EXPECT_EQ(b.bytes, 0u);
  EXPECT_EQ(b.lines, 0u);
  expect_accounted(b);
  EXPECT_FALSE(b.eof_marker);
  EXPECT_EQ(b.quarantine.size(), 0u);
  EXPECT_TRUE(b.diagnostics.empty());
  EXPECT_EQ(b.text.size(), 0u);
  EXPECT_EQ(uke::write(b), "");
}

TEST(HostileInput, BinaryGarbageIsQuarantinedLineByLine) {
  // 64 KB of random bytes, without capital letters so that no line can pass
  // for a record id, starting with 0xFF so that no first line looks like a
  // payer-side prefix.
  std::mt19937 gen(20240601u);
  std::string bytes(64u << 10, '\0');
  for (auto& c : bytes) {
    auto v = static_cast<unsigned char>(gen() & 0xFF);
    if (v >= 'A' && v <= 'Z')
      v = static_cast<unsigned char>(v + 0x40);
    c = static_cast<char>(v);
  }
  bytes[0] = '\xFF';
  // The lines the reader must see: cut at LF, CR before it dropped, a final
  // 0x1A dropped, empty lines and lone 0x1A lines skipped.
  std::vector<uint32_t> expected;
  uint32_t line = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    size_t end = nl == std::string::npos ? bytes.size() : nl;
    ++line;
    size_t n = end - pos;
    if (n > 0 && bytes[pos + n - 1] == '\r')
      --n;
    if (nl == std::string::npos && n > 0 && bytes[pos + n - 1] == '\x1A')
      --n;
    if (n > 0 && !(n == 1 && bytes[pos] == '\x1A'))
      expected.push_back(line);
    pos = nl == std::string::npos ? bytes.size() : nl + 1;
  }
  ASSERT_GT(expected.size(), 100u);

  auto b = uke::read_bytes(bytes, "garbage");
  EXPECT_EQ(b.side, file_side::institution);
  EXPECT_EQ(b.lines, expected.size());
  expect_accounted(b);
  EXPECT_EQ(b.quarantine.line, expected);
  for (size_t i = 0; i < b.quarantine.size(); ++i) {
    EXPECT_EQ(b.quarantine.field[i], 0);
    EXPECT_EQ(b.quarantine.reason[i], "not a record identifier");
  }
  EXPECT_EQ(b.institutions.size() + b.receipts.size() + b.items.size() + b.extras.size(), 0u);
  // One error per quarantined line, then the file-level one.
  ASSERT_EQ(b.diagnostics.size(), expected.size() + 1);
  EXPECT_EQ(b.diagnostics.back().message, not_a_receipt_file);
  expect_round_trip(b);
}

TEST(HostileInput, GarbageLinesOutnumberingTheDiagnosticLimitStayBounded) {
  // More bad lines than max_diagnostics: all are quarantined, diagnostics stop at the limit.
  std::string bytes;
  const size_t n = cfg::max_diagnostics + 500;
  for (size_t i = 0; i < n; ++i)
    bytes += "\x01\x02\n";
  auto b = uke::read_bytes(bytes, "many");
  EXPECT_EQ(b.lines, n);
  expect_accounted(b);
  EXPECT_EQ(b.quarantine.size(), n);
  EXPECT_EQ(b.diagnostics.size(), cfg::max_diagnostics);
}

// --- payer side --------------------------------------------------------------

// The payer-side prefix of block row `row`.
std::string payer(int kind, int row, const std::string& body) {
  return std::to_string(kind) + "," + std::to_string(row) + ",0," + body + "\n";
}

std::string payer_block_head() {
  return payer(2, 1, "MN,910000001,,,,,,") + payer(1, 2, ir) + payer(1, 3, re) + payer(1, 4, ho)
         + payer(1, 5, "SY,2500013,20210801,1,,,01,");
}

TEST(HostileInput, PayerJyEditsNamingMissingRowsAreReportedNotApplied) {
  std::string bytes = payer_block_head()
                      + payer(2, 6, "JY,2,99,0,,,98,0,")  // 修正: neither row exists
                      + payer(2, 7, "JY,1,0,0,,,97,0,")   // 追加: no row to add
                      + payer(2, 8, "JY,3,55,0,,C,,,")    // 削除: no row to delete
                      + payer(2, 9, "JY,2,4,0,,,96,0,");  // 修正 of the HO: no replacement row
  auto b = uke::read_bytes(bytes, "payer-missing");
  EXPECT_EQ(b.side, file_side::payer);
  EXPECT_EQ(b.lines, 9u);
  expect_accounted(b);
  EXPECT_EQ(b.quarantine.size(), 0u);
  ASSERT_EQ(b.receipts.size(), 1u);
  // Nothing was applied: the claimed HO stays, no claimed line is recorded.
  ASSERT_EQ(b.coverages.size(), 1u);
  EXPECT_EQ(b.coverages.line[0], 4u);
  EXPECT_EQ(b.receipts.points[0], 100);
  ASSERT_EQ(b.corrections.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(b.corrections.claimed_line[i], 0u);
  std::vector<std::pair<uint32_t, int16_t>> errors;
  for (auto& d : b.diagnostics)
    if (d.level == severity::error)
      errors.emplace_back(d.line, d.field);
  EXPECT_EQ(errors, (std::vector<std::pair<uint32_t, int16_t>>{{6, 2}, {7, 6}, {8, 2}, {9, 6}}));
  expect_round_trip(b);
}

TEST(HostileInput, PayerJyEditsThatWouldReadALineTwiceAreRejected) {
  // Each edit here used to count one line twice or lose one: a JY naming
  // itself or another JY, two edits of one row, an added row edited again.
  std::string bytes = payer_block_head()
                      + payer(2, 6, "JY,2,4,0,,,6,0,")                  // replaced by itself
                      + payer(2, 7, "JY,3,7,0,,,,,")                    // deletes itself
                      + payer(2, 8, "JY,2,4,0,,,10,0,")                 // applied: HO 4 -> HO 10
                      + payer(2, 9, "JY,2,4,0,,,10,0,")                 // the same edit again
                      + payer(2, 10, "HO,06132013,1,2,1,90,,,,,,,,,")
                      + payer(2, 11, "JY,3,8,0,,,,,")                   // deletes a JY
                      + payer(2, 12, "JY,1,5,0,,,10,0,");               // adds the row already used
  auto b = uke::read_bytes(bytes, "payer-twice");
  EXPECT_EQ(b.lines, 12u);
  expect_accounted(b);
  ASSERT_EQ(b.receipts.size(), 1u);
  ASSERT_EQ(b.coverages.size(), 1u);
  EXPECT_EQ(b.coverages.line[0], 10u);
  EXPECT_EQ(b.receipts.points[0], 90);
  EXPECT_EQ(b.receipts.claimed_points[0], 100);
  ASSERT_EQ(b.corrections.size(), 6u);
  // Only the applied edit (line 8) supersedes a claimed row.
  std::vector<uint32_t> claimed;
  for (size_t i = 0; i < b.corrections.size(); ++i)
    claimed.push_back(b.corrections.claimed_line[i]);
  EXPECT_EQ(claimed, (std::vector<uint32_t>{0, 0, 4, 0, 0, 0}));
  std::vector<uint32_t> error_lines;
  for (auto& d : b.diagnostics)
    if (d.level == severity::error)
      error_lines.push_back(d.line);
  EXPECT_EQ(error_lines, (std::vector<uint32_t>{6, 7, 9, 11, 12}));
  expect_round_trip(b);

  // Read as claimed, the same block keeps every line once too.
  uke::read_options as_claimed;
  as_claimed.apply_corrections = false;
  auto c = uke::read_bytes(bytes, "payer-twice", as_claimed);
  EXPECT_EQ(c.lines, 12u);
  EXPECT_EQ(c.accounted_lines(), c.lines);
  ASSERT_EQ(c.coverages.size(), 1u);
  EXPECT_EQ(c.coverages.line[0], 4u);
}

TEST(HostileInput, PayerBlockDeletingItsMnRoundTrips) {
  // A JY deletes the MN: the writer must still number the block's rows from the MN line.
  std::string bytes = payer_block_head() + payer(2, 6, "JY,3,1,0,,,,,") + payer(2, 7, "JY,2,4,0,,,8,0,")
                      + payer(2, 8, "HO,06132013,1,2,1,90,,,,,,,,,");
  auto b = uke::read_bytes(bytes, "payer-mn");
  EXPECT_EQ(b.lines, 8u);
  expect_accounted(b);
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_EQ(b.receipts.points[0], 90);
  EXPECT_EQ(uke::write(b), bytes);
  expect_round_trip(b);
}

TEST(HostileInput, PayerBlockWithManyJyEditsIsReadInLinearTime) {
  // 200,000 edits in one block, each naming a row: the row lookup must not
  // scan the block per edit (that took hours).
  std::string bytes = payer_block_head();
  const int edits = 200000;
  for (int i = 0; i < edits; ++i)
    bytes += payer(2, 6 + i, "JY,1,5,0,,," + std::to_string(6 + edits + i) + ",0,");
  auto b = uke::read_bytes(bytes, "payer-many");
  EXPECT_EQ(b.lines, static_cast<uint32_t>(5 + edits));
  expect_accounted(b);
  EXPECT_EQ(b.corrections.size(), static_cast<size_t>(edits));
  EXPECT_EQ(b.diagnostics.size(), cfg::max_diagnostics); // one error per edit, capped
}

TEST(HostileInput, ManyPayersAndJdRecordsAreReadInLinearTime) {
  // 200,000 KO then 200,000 JD naming the HO the receipt does not have: each
  // JD used to scan every KO of the receipt.
  const int n = 200000;
  std::string bytes = ir + "\n" + re + "\n";
  for (int i = 0; i < n; ++i)
    bytes += "KO,83136019,1111111,,1,677,1354,,,,,\n";
  const std::string jd = "JD,1" + std::string(31, ',') + "\n";
  for (int i = 0; i < n; ++i)
    bytes += jd;
  auto b = uke::read_bytes(bytes, "many-jd");
  EXPECT_EQ(b.lines, static_cast<uint32_t>(2 + 2 * n));
  expect_accounted(b);
  EXPECT_EQ(b.coverages.size(), static_cast<size_t>(n));
  EXPECT_EQ(b.extras.size(), static_cast<size_t>(n)); // kept as read, with a warning
  EXPECT_EQ(b.quarantine.size(), 0u);
}

// --- read_file ---------------------------------------------------------------

TEST(HostileInput, ReadFileSkipsA64MegabyteLineAndReadsTheNextRecord) {
  temp_dir dir;
  std::string bytes(64u << 20, 'L');
  bytes += "\r\n" + ir + "\r\n" + re + "\r\n" + ho + "\r\n" + go + "\r\n";
  auto path = dir.write("long.UKE", bytes);
  auto result = uke::read_file(path);
  ASSERT_TRUE(result) << result.error_value().message;
  auto& b = *result;
  EXPECT_EQ(b.bytes, bytes.size());
  EXPECT_EQ(b.lines, 5u);
  expect_accounted(b);
  ASSERT_EQ(b.quarantine.size(), 1u);
  EXPECT_EQ(b.quarantine.line[0], 1u);
  EXPECT_EQ(b.quarantine.reason[0], long_line_reason);
  EXPECT_EQ(b.quarantine.raw[0].size(), cfg::quarantine_raw_bytes);
  EXPECT_LT(b.text.size(), 64u << 10);
  // The next record is on line 2, and the file reads on from there.
  ASSERT_EQ(b.institutions.size(), 1u);
  EXPECT_EQ(b.institutions.line[0], 2u);
  EXPECT_EQ(b.kind, receipt_kind::medical);
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_EQ(b.receipts.re_line[0], 3u);
  EXPECT_EQ(b.receipts.points[0], 100);
  EXPECT_TRUE(b.go.present);
  EXPECT_EQ(b.go.line, 5u);
  EXPECT_TRUE(b.final_newline);
  // (b.crlf is not checked: it is taken from the first line, and this one
  // does not end within the first chunk.)
}

TEST(HostileInput, ReadFileAndReadBytesAgreeOnLongLines) {
  // Long lines at chunk boundaries, one at the very end without a newline.
  temp_dir dir;
  std::string bytes = ir + "\n";
  bytes += std::string(cfg::chunk_bytes - bytes.size() - 10, 'a') + "\n"; // ends near the first chunk's end
  bytes += std::string(cfg::max_line_bytes + 1, 'b') + "\n";              // crosses the chunk boundary
  bytes += re + "\n" + ho + "\n";
  bytes += std::string(3 * cfg::max_line_bytes, 'c');                     // unterminated
  auto path = dir.write("boundaries.UKE", bytes);
  auto from_file = uke::read_file(path);
  ASSERT_TRUE(from_file);
  auto from_bytes = uke::read_bytes(bytes, path.string());
  for (const receipt_batch* b : {&*from_file, &from_bytes}) {
    EXPECT_EQ(b->lines, 6u);
    EXPECT_EQ(b->accounted_lines(), b->lines);
    EXPECT_EQ(b->quarantine.line, (std::vector<uint32_t>{2, 3, 6}));
    ASSERT_EQ(b->receipts.size(), 1u);
    EXPECT_EQ(b->receipts.points[0], 100);
    EXPECT_FALSE(b->final_newline);
    EXPECT_FALSE(b->eof_marker);
    EXPECT_LT(b->text.size(), 64u << 10);
  }
}

TEST(HostileInput, ReadFileOverLongLastLineKeepsTheEndMarker) {
  temp_dir dir;
  std::string bytes = ir + "\r\n" + std::string(3 * cfg::max_line_bytes, 'd') + "\x1A";
  auto from_file = uke::read_file(dir.write("marker.UKE", bytes));
  ASSERT_TRUE(from_file);
  auto from_bytes = uke::read_bytes(bytes, "marker");
  for (const receipt_batch* b : {&*from_file, &from_bytes}) {
    EXPECT_EQ(b->lines, 2u);
    EXPECT_EQ(b->accounted_lines(), b->lines);
    EXPECT_EQ(b->quarantine.line, (std::vector<uint32_t>{2}));
    EXPECT_FALSE(b->final_newline);
    EXPECT_TRUE(b->eof_marker);
  }
}

TEST(HostileInput, ReadFileOfEmptyAndMarkerOnlyFiles) {
  temp_dir dir;
  auto empty = uke::read_file(dir.write("empty.UKE", ""));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->lines, 0u);
  EXPECT_EQ(empty->bytes, 0u);
  EXPECT_TRUE(empty->diagnostics.empty());
  auto marker = uke::read_file(dir.write("marker.UKE", "\x1A"));
  ASSERT_TRUE(marker);
  EXPECT_EQ(marker->lines, 0u);
  EXPECT_TRUE(marker->eof_marker);
  EXPECT_TRUE(marker->diagnostics.empty());
  auto missing = uke::read_file(dir.path() / "missing.UKE");
  EXPECT_FALSE(missing);
  EXPECT_EQ(missing.error_value().code, ec::io_error);
}

} // namespace
