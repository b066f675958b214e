// libFuzzer target for the office feed reader (csv_reader + office_feed).
//
// Feeds arbitrary bytes to office_feed::load as each of the three feed files
// and checks, with __builtin_trap() so that libFuzzer records a crash:
//
//   * accounting: every data row of a load is counted in exactly one of
//     loaded, replaced, unchanged and quarantined, and the quarantine grew by
//     exactly `quarantined` rows, each naming the file, a line >= 1 and a
//     reason, its raw text bounded and valid UTF-8;
//   * idempotence: loading the same bytes again adds no key and leaves as
//     many rows held as before (spec/ticket-feed.md: a feed is
//     a series of increments, and a repeated delivery is a no-op);
//   * the CSV layer alone: every row has the header's field count, lines only
//     grow, and a row is read or quarantined, never both.
//
// AddressSanitizer and UBSan (-fno-sanitize-recover) make memory errors and
// undefined behaviour crashes too. Build: tests/fuzz/CMakeLists.txt
// (scripts/fuzz.sh runs it). Reproduce: ./feed_reader_fuzz crash-<sha1>

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/defaults.hpp"
#include "receptor/feed/csv_reader.hpp"
#include "receptor/feed/office_feed.hpp"

namespace {

using namespace receptor;
using namespace receptor::feed;

// A failed invariant names itself on stderr, then traps so that libFuzzer
// keeps the input.
#define FUZZ_CHECK(cond)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "feed_reader_fuzz.cpp:%d: %s\n", __LINE__, #cond); \
      __builtin_trap();                                                    \
    }                                                                      \
  } while (0)

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size())
      return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2)
        return false;
    i += n;
  }
  return true;
}

void check_csv(std::string_view bytes) {
  auto reader = csv_reader::from_bytes(bytes, "fuzz.csv");
  if (!reader)
    return;
  std::vector<quarantine_row> quarantine;
  csv_row row;
  uint32_t last_line = reader->header_line();
  size_t rows = 0;
  while (reader->next(row, quarantine)) {
    FUZZ_CHECK(row.size() == reader->header().size());
    FUZZ_CHECK(row.line() > last_line);
    last_line = row.line();
    ++rows;
    FUZZ_CHECK(rows <= bytes.size());
  }
  for (auto& q : quarantine) {
    FUZZ_CHECK(q.line >= 1);
    FUZZ_CHECK(!q.reason.empty());
    FUZZ_CHECK(valid_utf8(q.raw));
  }
}

void check_load(feed_file kind, std::string_view bytes) {
  office_feed feed;
  auto err = feed.load(kind, bytes, "fuzz.csv");
  FUZZ_CHECK(feed.files().size() == 1);
  auto report = feed.files().back();  // a copy: the second load grows files()
  if (err) {
    FUZZ_CHECK(!report.error.empty());
    FUZZ_CHECK(feed.recipients().empty() && feed.tickets().empty() && feed.other_schemes().empty());
    return;
  }
  FUZZ_CHECK(report.rows_read == report.loaded + report.replaced + report.unchanged + report.quarantined);
  FUZZ_CHECK(feed.quarantine().size() == report.quarantined);
  for (auto& q : feed.quarantine()) {
    FUZZ_CHECK(q.file == "fuzz.csv");
    FUZZ_CHECK(q.line >= 1);
    FUZZ_CHECK(!q.reason.empty());
    FUZZ_CHECK(q.raw.size() <= 3 * defaults::reader::quarantine_raw_bytes);  // NUL shows as 3-byte ␀
    FUZZ_CHECK(valid_utf8(q.raw));
  }
  auto recipients = feed.recipients().size();
  auto tickets = feed.tickets().size();
  auto schemes = feed.other_schemes().size();
  // The same delivery twice changes nothing.
  FUZZ_CHECK(!feed.load(kind, bytes, "fuzz.csv"));
  auto& again = feed.files().back();
  FUZZ_CHECK(again.rows_read == report.rows_read);
  // No new key; a key repeated within the file may replace its own later row
  // and be replaced by it again, which ends where the first load ended.
  FUZZ_CHECK(again.loaded == 0);
  FUZZ_CHECK(again.quarantined == report.quarantined);
  FUZZ_CHECK(feed.recipients().size() == recipients && feed.tickets().size() == tickets
             && feed.other_schemes().size() == schemes);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes{reinterpret_cast<const char*>(data), size};
  check_csv(bytes);
  for (auto kind : {feed_file::recipients, feed_file::tickets, feed_file::other_schemes})
    check_load(kind, bytes);
  return 0;
}
