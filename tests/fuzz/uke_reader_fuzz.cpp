// libFuzzer target for the レセ電 reader and writer.
//
// Feeds arbitrary bytes to uke::read_bytes and checks, with __builtin_trap()
// so that libFuzzer records a crash, the invariants every batch must keep:
//
//   * every non-empty input line lands in exactly one table row or the
//     quarantine: accounted_lines() == lines, and no line number is used twice;
//   * every column of a table has the table's row count;
//   * each receipt's coverage / disease / item ranges lie inside their tables,
//     are ordered (begin <= end, and each receipt starts where the previous
//     one ended or later) and hold only rows of that receipt;
//   * the writer round trip: read(write(batch)) gives the same receipt count,
//     the same 合計点数 per receipt and again accounted_lines() == lines; also
//     the same line count and the same quarantined line numbers.
//
// Payer-side inputs are read twice: with JY corrections applied (the default)
// and as claimed, since the two paths share little code.
//
// Build: tests/fuzz/CMakeLists.txt (scripts/fuzz.sh runs it).
// Reproduce a crash: ./uke_reader_fuzz crash-<sha1>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/defaults.hpp"
#include "receptor/model/receipt_batch.hpp"
#include "receptor/uke/reader.hpp"
#include "receptor/uke/writer.hpp"

namespace {

using namespace receptor;
using namespace receptor::model;

// A failed invariant: trap at once so the input is saved as a crash. The line
// number in the stack trace tells which invariant failed.
#define FUZZ_CHECK(cond)   \
  do {                     \
    if (!(cond))           \
      __builtin_trap();    \
  } while (0)

// All columns of a table have `n` rows.
template <class... Columns>
void same_size(size_t n, const Columns&... columns) {
  FUZZ_CHECK(((columns.size() == n) && ...));
}

void check_columns(const receipt_batch& b) {
  const auto& in = b.institutions;
  same_size(in.size(), in.line, in.record, in.flags, in.reviewer, in.prefecture, in.table, in.code,
            in.name, in.billing_month, in.billing_month_text, in.volume, in.phone, in.raw);
  const auto& r = b.receipts;
  same_size(r.size(), r.source_line, r.re_line, r.institution, r.flags, r.management_no,
            r.mn_address, r.mn_search_no, r.mn_raw, r.receipt_no, r.receipt_type, r.month,
            r.month_text, r.name, r.sex, r.birth_date, r.birth_date_text, r.benefit_ratio,
            r.admission_date, r.admission_date_text, r.special_notes, r.chart_no, r.search_no,
            r.kana, r.prescriber_prefecture, r.prescriber_table, r.prescriber_code,
            r.prescriber_name, r.raw, r.points, r.claimed_points, r.line_points, r.care_days,
            r.corrected, r.coverage_begin, r.coverage_end, r.disease_begin, r.disease_end,
            r.item_begin, r.item_end);
  const auto& c = b.coverages;
  same_size(c.size(), c.receipt, c.line, c.record, c.flags, c.position, c.payer_no,
            c.member_symbol, c.member_no, c.law_no, c.check_digit_ok, c.days, c.points, c.copay,
            c.meal_count, c.meal_amount, c.visit_days, c.other_days, c.mismatch_days, c.jd_line,
            c.raw, c.jd_raw);
  const auto& d = b.diseases;
  same_size(d.size(), d.receipt, d.line, d.record, d.flags, d.code, d.start_date,
            d.start_date_text, d.outcome, d.modifiers, d.name, d.main, d.comment, d.raw);
  const auto& it = b.items;
  same_size(it.size(), it.receipt, it.line, it.record, it.flags, it.shikibetsu, it.burden, it.code,
            it.quantity, it.points, it.count, it.day_mask, it.day_begin, it.group, it.text, it.raw);
  const auto& cm = b.item_comments;
  same_size(cm.size(), cm.item, cm.slot, cm.code, cm.text);
  const auto& x = b.extras;
  same_size(x.size(), x.receipt, x.line, x.record, x.raw);
  const auto& co = b.corrections;
  same_size(co.size(), co.receipt, co.line, co.op, co.target_row, co.after_row, co.items,
            co.reasons, co.target_record, co.claimed_line, co.claimed_raw, co.raw);
  const auto& q = b.quarantine;
  same_size(q.size(), q.line, q.record, q.field, q.reason, q.raw);
}

// [begin, end) ranges of one receipt table column pair: inside `rows`, ordered,
// and every row in a range names its receipt.
void check_ranges(const receipt_batch& b, const std::vector<uint32_t>& begin,
                  const std::vector<uint32_t>& end, const std::vector<uint32_t>& owner) {
  uint32_t previous_end = 0;
  for (size_t i = 0; i < b.receipts.size(); ++i) {
    FUZZ_CHECK(begin[i] <= end[i]);
    FUZZ_CHECK(end[i] <= owner.size());
    FUZZ_CHECK(begin[i] >= previous_end);
    for (uint32_t k = begin[i]; k < end[i]; ++k)
      FUZZ_CHECK(owner[k] == i);
    previous_end = end[i];
  }
}

// "Exactly one" of accounted_lines(), by line number: no line is in two rows
// (the count alone would not see one line read twice and another lost).
void check_lines_unique(const receipt_batch& b) {
  std::vector<uint32_t> lines;
  lines.reserve(b.lines);
  auto add = [&](const std::vector<uint32_t>& column) {
    lines.insert(lines.end(), column.begin(), column.end());
  };
  add(b.institutions.line);
  add(b.receipts.re_line);
  for (size_t i = 0; i < b.receipts.size(); ++i)
    if (b.receipts.source_line[i] != b.receipts.re_line[i])
      lines.push_back(b.receipts.source_line[i]);
  add(b.coverages.line);
  for (auto line : b.coverages.jd_line)
    if (line != 0)
      lines.push_back(line);
  add(b.diseases.line);
  add(b.items.line);
  add(b.extras.line);
  add(b.corrections.line);
  for (auto line : b.corrections.claimed_line)
    if (line != 0)
      lines.push_back(line);
  add(b.quarantine.line);
  if (b.go.present)
    lines.push_back(b.go.line);
  FUZZ_CHECK(lines.size() == b.lines);
  std::sort(lines.begin(), lines.end());
  for (size_t i = 0; i < lines.size(); ++i)
    FUZZ_CHECK(lines[i] >= 1 && (i == 0 || lines[i - 1] < lines[i]));
}

void check_batch(const receipt_batch& b) {
  FUZZ_CHECK(b.accounted_lines() == b.lines);
  check_lines_unique(b);
  check_columns(b);
  const auto& r = b.receipts;
  check_ranges(b, r.coverage_begin, r.coverage_end, b.coverages.receipt);
  check_ranges(b, r.disease_begin, r.disease_end, b.diseases.receipt);
  check_ranges(b, r.item_begin, r.item_end, b.items.receipt);
  for (size_t i = 0; i < r.size(); ++i)
    FUZZ_CHECK(r.institution[i] < b.institutions.size() || r.institution[i] == 0);
  // The writer finds an item's comments with lower_bound: they must be sorted.
  const auto& cm = b.item_comments;
  for (size_t i = 0; i < cm.size(); ++i) {
    FUZZ_CHECK(cm.item[i] < b.items.size());
    FUZZ_CHECK(i == 0 || cm.item[i - 1] <= cm.item[i]);
    FUZZ_CHECK(cm.slot[i] >= 1 && cm.slot[i] <= 3);
  }
  for (size_t i = 0; i < b.items.size(); ++i)
    FUZZ_CHECK(b.items.day_begin[i] <= b.day_counts.size());
  for (size_t i = 0; i < b.coverages.size(); ++i)
    FUZZ_CHECK(b.coverages.position[i] <= 4);
  for (size_t i = 0; i < b.extras.size(); ++i)
    FUZZ_CHECK(b.extras.receipt[i] >= -1 && b.extras.receipt[i] < static_cast<int64_t>(r.size()));
  // A quarantined line is kept whole up to the line limit (an over-long line
  // keeps an excerpt), so no quarantine row can hold more than a line.
  for (size_t i = 0; i < b.quarantine.size(); ++i)
    FUZZ_CHECK(b.quarantine.raw[i].size() <= defaults::reader::max_line_bytes);
  FUZZ_CHECK(b.diagnostics.size() <= defaults::reader::max_diagnostics);
}

void round_trip(const receipt_batch& first, const uke::read_options& options) {
  std::string written = uke::write(first);
  auto second = uke::read_bytes(written, "round-trip", options);
  check_batch(second);
  FUZZ_CHECK(second.receipts.size() == first.receipts.size());
  for (size_t i = 0; i < first.receipts.size(); ++i)
    FUZZ_CHECK(second.receipts.points[i] == first.receipts.points[i]);
  // Beyond the receipts: the same lines, and the same lines quarantined.
  FUZZ_CHECK(second.lines == first.lines);
  FUZZ_CHECK(second.quarantine.line == first.quarantine.line);
}

// Reads, checks, round-trips; returns the side the reader saw.
file_side run(std::string_view bytes, const uke::read_options& options) {
  auto batch = uke::read_bytes(bytes, "fuzz", options);
  check_batch(batch);
  FUZZ_CHECK(batch.bytes == bytes.size());
  round_trip(batch, options);
  return batch.side;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes{reinterpret_cast<const char*>(data), size};
  uke::read_options options;
  options.apply_corrections = true;
  // The payer side has a second path: JY corrections left unapplied.
  if (run(bytes, options) == file_side::payer) {
    options.apply_corrections = false;
    run(bytes, options);
  }
  return 0;
}
