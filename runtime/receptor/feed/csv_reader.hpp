#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/error.hpp"

namespace receptor::feed {

/// The encoding a feed file was found in.
enum class file_encoding : uint8_t {
  ascii,    ///< 7-bit bytes only: UTF-8 and CP932 read alike
  utf8,     ///< UTF-8 without a byte order mark
  utf8_bom, ///< UTF-8 with a byte order mark (Excel's "CSV UTF-8")
  cp932,    ///< CP932 (Windows-31J, Shift_JIS), converted to UTF-8 on load
};

/// `ascii`, `utf-8`, `utf-8-bom` or `cp932`.
const char* to_string(file_encoding encoding);

/// An input row that was not loaded, and why. Every rejected row ends up as
/// one of these: a bad row never stops a load and is never silently dropped.
struct quarantine_row {
  std::string file;   ///< the path as given
  uint32_t line = 0;  ///< 1-based physical line where the row starts
  std::string reason;
  /// The row as read, in UTF-8, cut to defaults::reader::quarantine_raw_bytes
  /// at a character boundary, NUL shown as ␀.
  std::string raw;
};

/// Bounds that keep a hostile file from exhausting memory or time.
struct csv_limits {
  /// A longer row (line breaks inside quotes included) is quarantined.
  size_t max_row_bytes = 1u << 20;
  /// A row with more fields is quarantined.
  size_t max_fields = 4096;
};

/// Index of an optional column the header lacks; reading it gives "".
constexpr size_t no_column = static_cast<size_t>(-1);

/// One data row of a CSV file. Its views stay valid until the next call to
/// csv_reader::next.
class csv_row {
public:
  /// 1-based physical line where the row starts.
  uint32_t line() const { return line_; }

  /// Number of fields (always the header's number).
  size_t size() const { return fields_.size(); }

  /// The field in `column`, unquoted but otherwise as read; "" for no_column.
  std::string_view operator[](size_t column) const {
    return column < fields_.size() ? fields_[column] : std::string_view{};
  }

  /// The row's text as read, without its line break.
  std::string_view raw() const { return raw_; }

private:
  friend class csv_reader;

  uint32_t line_ = 0;
  std::vector<std::string_view> fields_;
  std::string_view raw_;
};

/// Reads a CSV file with a header row (RFC 4180: `"` quoting, `""` for a
/// quote, line breaks inside quotes, CR LF or LF). A file with a UTF-8 BOM,
/// or whose every byte forms valid UTF-8, is UTF-8; any other is CP932 and
/// is converted to UTF-8 on load.
///
/// Columns are found by header name, so their order is free and unknown
/// columns are simply not asked for. Rows that cannot be read (a quote no
/// later quote closes, a limit broken, a field count other than the
/// header's, a NUL byte, bytes that do not decode) go to the quarantine and
/// reading goes on.
class csv_reader {
public:
  /// Reads and decodes `file`, then its header row. Fails if the file is
  /// missing or unreadable, or has no readable header row.
  static expected<csv_reader> open(const std::filesystem::path& file, csv_limits limits = {});

  /// The same for bytes already in memory; `source` names them in reports.
  static expected<csv_reader> from_bytes(std::string_view bytes, std::string source, csv_limits limits = {});

  /// The file as given, for reports.
  const std::string& source() const { return source_; }

  file_encoding encoding() const { return encoding_; }

  /// Bytes that did not decode and were replaced by U+FFFD (their rows are
  /// quarantined).
  size_t undecodable_bytes() const { return undecodable_; }

  /// Column names, trimmed and width-folded.
  const std::vector<std::string>& header() const { return header_; }

  /// 1-based line of the header row.
  uint32_t header_line() const { return header_line_; }

  /// The index of a column the file must have. The error names the file and
  /// the column (missing, or present twice).
  expected<size_t> required_column(std::string_view name) const;

  /// The index of a column the file may have, or no_column. Fails only if
  /// the column is present twice.
  expected<size_t> optional_column(std::string_view name) const;

  /// Reads the next data row into `row`, appending every row it rejects on
  /// the way to `quarantine`. Blank lines are skipped. Returns false at the
  /// end of the file.
  bool next(csv_row& row, std::vector<quarantine_row>& quarantine);

  /// An upper bound of the data rows still to come (the line breaks left),
  /// for reserving memory before a large load.
  size_t rows_left_at_most() const;

  /// The quarantine entry for a row the caller rejects: file, line, reason
  /// and the row's text, bounded.
  quarantine_row reject(const csv_row& row, std::string reason) const;

  /// The same for a row known by its line and text (a view into this
  /// reader's text), after the csv_row itself was reused.
  quarantine_row reject(uint32_t line, std::string_view raw, std::string reason) const;

private:
  // Where a field's bytes live: straight in the text, or in the scratch
  // buffer when "" escapes had to be undone. Offsets rather than views
  // because the scratch buffer may move while a row is read.
  struct field_span {
    bool in_scratch;
    size_t offset;
    size_t size;
  };

  enum class row_problem : uint8_t { none, open_quote, too_long, too_many_fields };

  // One row as found by scan_row: [start, end) is its text without the line
  // break, `next` where the following row starts. For an open quote, `end`
  // is where the search for the closing quote began.
  struct scanned_row {
    size_t start = 0;
    size_t end = 0;
    size_t next = 0;
    uint32_t inner_line_breaks = 0;
    row_problem problem = row_problem::none;
  };

  csv_reader(std::string text, std::string source, csv_limits limits);

  static expected<csv_reader> decode(std::string bytes, std::string source, csv_limits limits);
  error read_header();
  bool skip_blank_line();
  scanned_row scan_row(size_t pos);
  expected<size_t> find_column(std::string_view name, bool required) const;
  // The reason a scanned row cannot be used, or "" if it can.
  std::string rejection(const scanned_row& scanned) const;

  std::string text_;
  std::string source_;
  csv_limits limits_;
  file_encoding encoding_ = file_encoding::ascii;
  size_t undecodable_ = 0;
  std::vector<std::string> header_;
  uint32_t header_line_ = 0;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  std::vector<field_span> spans_;
  std::string scratch_;
};

} // namespace receptor::feed
