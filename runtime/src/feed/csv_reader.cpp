#include "receptor/feed/csv_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <system_error>

#include "receptor/defaults.hpp"
#include "receptor/encoding.hpp"
#include "receptor/feed/normalize.hpp"

namespace receptor::feed {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";
constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// Hostile-input fix: a physical line longer than a row may be can only be
// quarantined as too long, so only its first `keep` bytes are kept (a 2 GB
// line or a billion commas then costs `keep` bytes, not the line). A '"' is
// added when the dropped part held an odd number of them, so that the quote
// state at the line's end, and with it where the next row starts, is what
// the whole line gave.
class line_bounder {
public:
  explicit line_bounder(size_t keep) : keep_(keep) {}

  void add(std::string_view chunk, std::string& out) {
    size_t at = 0;
    while (at < chunk.size()) {
      auto newline = chunk.find('\n', at);
      auto end = newline == std::string_view::npos ? chunk.size() : newline;
      auto piece = chunk.substr(at, end - at);
      auto room = line_ < keep_ ? keep_ - line_ : 0;
      out.append(piece.substr(0, room));
      if (piece.size() > room)
        odd_quotes_ ^= std::count(piece.begin() + static_cast<std::ptrdiff_t>(room), piece.end(), '"') & 1;
      line_ += piece.size();
      if (newline == std::string_view::npos)
        break;
      finish_line(out);
      out += '\n';
      at = newline + 1;
    }
  }

  void finish(std::string& out) { finish_line(out); }

private:
  void finish_line(std::string& out) {
    if (odd_quotes_)
      out += '"';
    odd_quotes_ = false;
    line_ = 0;
  }

  size_t keep_;
  size_t line_ = 0;
  bool odd_quotes_ = false;
};

// Reads a file in chunks through a line_bounder.
expected<std::string> read_bounded(const fs::path& file, size_t keep) {
  std::error_code err;
  const bool exists = fs::exists(file, err);
  if (err)
    return make_error(ec::io_error, file.string() + ": cannot access: " + err.message());
  if (!exists)
    return make_error(ec::io_error, file.string() + ": not found");
  if (!fs::is_regular_file(file, err))
    return make_error(ec::io_error, file.string() + ": not a regular file");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_error(ec::io_error, file.string() + ": cannot open");
  const auto size = fs::file_size(file, err);
  if (err)
    return make_error(ec::io_error, file.string() + ": cannot read: " + err.message());
  std::string bytes;
  bytes.reserve(static_cast<size_t>(std::min<uintmax_t>(size, uintmax_t{1} << 26)));
  line_bounder bound{keep};
  std::string chunk(std::min<uintmax_t>(std::max<uintmax_t>(size, 1), uintmax_t{1} << 22), '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    auto got = static_cast<size_t>(in.gcount());
    if (got == 0)
      break;
    bound.add(std::string_view{chunk.data(), got}, bytes);
  }
  if (in.bad())
    return make_error(ec::io_error, file.string() + ": cannot read");
  bound.finish(bytes);
  return bytes;
}

// Bytes a physical line keeps: one more than a row may hold, so that the
// row is still found too long.
size_t line_keep(const csv_limits& limits) { return limits.max_row_bytes + 1; }

// Length of the valid UTF-8 sequence at s[i], 0 if there is none.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4;
  else
    return 0;
  if (s.size() - i < n)
    return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  const auto second = static_cast<unsigned char>(s[i + 1]);
  // Overlong forms, surrogates and values past U+10FFFF.
  if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) || (c == 0xF0 && second < 0x90)
      || (c == 0xF4 && second > 0x8F))
    return 0;
  return n;
}

// A file that declares UTF-8 by its BOM but holds bytes that are not: each
// such byte becomes U+FFFD, as CP932 decoding does, so that only the rows
// holding them are lost.
std::string replace_invalid_utf8(std::string_view s, size_t& bad) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += replacement_character;
      ++bad;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

// The row text kept in a quarantine report: cut to a bounded size at a
// character boundary, and NUL shown as ␀, so that the report stays valid
// UTF-8 that C strings and HDF5 carry whole.
std::string quarantine_text(std::string_view raw) {
  if (raw.size() > defaults::reader::quarantine_raw_bytes) {
    size_t cut = defaults::reader::quarantine_raw_bytes;
    while (cut > 0 && (static_cast<unsigned char>(raw[cut]) & 0xC0) == 0x80)
      --cut;
    raw = raw.substr(0, cut);
  }
  std::string text;
  text.reserve(raw.size());
  for (char c : raw) {
    if (c == '\0')
      text += "\xE2\x90\x80";
    else
      text += c;
  }
  return text;
}

bool at_line_end(std::string_view s, size_t i) { return i == s.size() || s[i] == '\n'; }

// End of a field or row that stops at `stop`: a CR right before the line
// break belongs to the break.
size_t without_cr(std::string_view s, size_t from, size_t stop) {
  return at_line_end(s, stop) && stop > from && s[stop - 1] == '\r' ? stop - 1 : stop;
}

} // namespace

const char* to_string(file_encoding encoding) {
  switch (encoding) {
    case file_encoding::ascii: return "ascii";
    case file_encoding::utf8: return "utf-8";
    case file_encoding::utf8_bom: return "utf-8-bom";
    case file_encoding::cp932: return "cp932";
  }
  return "unknown";
}

csv_reader::csv_reader(std::string text, std::string source, csv_limits limits)
  : text_(std::move(text)), source_(std::move(source)), limits_(limits) {}

expected<csv_reader> csv_reader::open(const std::filesystem::path& file, csv_limits limits) {
  auto bytes = read_bounded(file, line_keep(limits));
  if (!bytes)
    return bytes.error_value();
  return decode(std::move(*bytes), file.string(), limits);
}

expected<csv_reader> csv_reader::from_bytes(std::string_view bytes, std::string source, csv_limits limits) {
  std::string bounded;
  bounded.reserve(bytes.size());
  line_bounder bound{line_keep(limits)};
  bound.add(bytes, bounded);
  bound.finish(bounded);
  return decode(std::move(bounded), std::move(source), limits);
}

expected<csv_reader> csv_reader::decode(std::string bytes, std::string source, csv_limits limits) {
  file_encoding encoding;
  size_t bad = 0;
  std::string text;
  if (std::string_view{bytes}.substr(0, 3) == byte_order_mark) {
    encoding = file_encoding::utf8_bom;
    const std::string_view body = std::string_view{bytes}.substr(3);
    if (valid_utf8(body)) {
      bytes.erase(0, 3);
      text = std::move(bytes);
    } else {
      text = replace_invalid_utf8(body, bad);
    }
  } else {
    const bool ascii = std::none_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    // The whole file is the sample: a UTF-8 file whose first megabyte
    // happens to be ASCII must not be read as CP932.
    if (ascii)
      encoding = file_encoding::ascii;
    else if (detect_encoding(bytes, bytes.size()) == model::text_encoding::utf8)
      encoding = file_encoding::utf8;
    else
      encoding = file_encoding::cp932;
    if (encoding == file_encoding::cp932)
      text = cp932_to_utf8(bytes, &bad);
    else if (encoding == file_encoding::utf8 && !valid_utf8(bytes))
      // Fuzz fix: a file taken for UTF-8 by its bytes may still hold bytes
      // that are not; they become U+FFFD and their rows are quarantined, as
      // for a BOM file, instead of passing invalid UTF-8 on.
      text = replace_invalid_utf8(bytes, bad);
    else
      text = std::move(bytes);
  }
  // DOS-era exports may end with an EOF mark (0x1A).
  while (!text.empty() && text.back() == '\x1A')
    text.pop_back();

  csv_reader reader{std::move(text), std::move(source), limits};
  reader.encoding_ = encoding;
  reader.undecodable_ = bad;
  if (auto err = reader.read_header())
    return err;
  return reader;
}

error csv_reader::read_header() {
  while (skip_blank_line()) {
  }
  if (pos_ >= text_.size())
    return make_error(ec::format_error, source_ + ": no header row");
  header_line_ = line_;
  const scanned_row scanned = scan_row(pos_);
  if (scanned.problem == row_problem::open_quote)
    return make_error(ec::format_error,
                      source_ + ": header row (line " + std::to_string(header_line_) + "): unterminated quoted field");
  const std::string reason = rejection(scanned);
  if (!reason.empty())
    return make_error(ec::format_error, source_ + ": header row (line " + std::to_string(header_line_) + "): " + reason);
  std::string folded;
  for (const field_span& span : spans_) {
    const std::string_view name = span.in_scratch ? std::string_view{scratch_}.substr(span.offset, span.size)
                                                  : std::string_view{text_}.substr(span.offset, span.size);
    header_.emplace_back(normalize_value(name, folded));
  }
  pos_ = scanned.next;
  line_ += scanned.inner_line_breaks + 1;
  return {};
}

bool csv_reader::skip_blank_line() {
  const std::string_view s = text_;
  if (pos_ < s.size() && s[pos_] == '\n') {
    pos_ += 1;
  } else if (pos_ < s.size() && s[pos_] == '\r' && at_line_end(s, pos_ + 1)) {
    pos_ += pos_ + 1 < s.size() ? 2 : 1;
  } else {
    return false;
  }
  ++line_;
  return true;
}

csv_reader::scanned_row csv_reader::scan_row(size_t pos) {
  const std::string_view s = text_;
  const size_t n = s.size();
  scanned_row row;
  row.start = pos;
  spans_.clear();
  scratch_.clear();
  size_t fields = 0;
  // Fields are recorded only while the row keeps within the limits; past
  // them the rest of the row is just stepped over.
  auto exceeded = [&](size_t at) {
    if (row.problem == row_problem::none && at - row.start > limits_.max_row_bytes)
      row.problem = row_problem::too_long;
    return row.problem != row_problem::none;
  };

  for (;;) {
    if (++fields > limits_.max_fields && row.problem == row_problem::none)
      row.problem = row_problem::too_many_fields;
    field_span span{false, pos, 0};
    if (pos < n && s[pos] == '"') {
      size_t segment = pos + 1;
      for (;;) {
        const void* quote = std::memchr(s.data() + segment, '"', n - segment);
        if (quote == nullptr) {
          row.problem = row_problem::open_quote;
          row.end = segment;
          return row;
        }
        const auto close = static_cast<size_t>(static_cast<const char*>(quote) - s.data());
        row.inner_line_breaks += static_cast<uint32_t>(std::count(s.begin() + segment, s.begin() + close, '\n'));
        const bool escaped_quote = close + 1 < n && s[close + 1] == '"';
        if (!exceeded(close)) {
          if (escaped_quote || span.in_scratch) {
            if (!span.in_scratch)
              span = {true, scratch_.size(), 0};
            scratch_.append(s.data() + segment, close - segment + (escaped_quote ? 1 : 0));
          } else {
            span = {false, segment, close - segment};
          }
        }
        if (!escaped_quote) {
          pos = close + 1;
          break;
        }
        segment = close + 2;
      }
      // Bytes between the closing quote and the separator are kept, as
      // Python's csv module does, rather than silently dropped.
      size_t stop = pos;
      while (stop < n && s[stop] != ',' && s[stop] != '\n')
        ++stop;
      const size_t tail_end = without_cr(s, pos, stop);
      if (!exceeded(stop)) {
        if (tail_end > pos) {
          if (!span.in_scratch) {
            const std::string_view head = s.substr(span.offset, span.size);
            span = {true, scratch_.size(), 0};
            scratch_.append(head);
          }
          scratch_.append(s.data() + pos, tail_end - pos);
        }
        if (span.in_scratch)
          span.size = scratch_.size() - span.offset;
      }
      pos = stop;
    } else {
      size_t stop = pos;
      while (stop < n && s[stop] != ',' && s[stop] != '\n')
        ++stop;
      span.size = without_cr(s, pos, stop) - pos;
      pos = stop;
    }
    if (!exceeded(pos))
      spans_.push_back(span);

    if (pos < n && s[pos] == ',') {
      ++pos;
      continue;
    }
    row.end = without_cr(s, row.start, pos);
    row.next = pos < n ? pos + 1 : n;
    return row;
  }
}

std::string csv_reader::rejection(const scanned_row& scanned) const {
  switch (scanned.problem) {
    case row_problem::none: break;
    case row_problem::open_quote: return "unterminated quoted field";
    case row_problem::too_long: return "row longer than " + std::to_string(limits_.max_row_bytes) + " bytes";
    case row_problem::too_many_fields: return "row has more than " + std::to_string(limits_.max_fields) + " fields";
  }
  const std::string_view raw = std::string_view{text_}.substr(scanned.start, scanned.end - scanned.start);
  if (raw.find('\0') != std::string_view::npos)
    return "NUL byte in row";
  if (undecodable_ > 0 && raw.find(replacement_character) != std::string_view::npos)
    return encoding_ == file_encoding::cp932 ? "bytes that are not valid CP932" : "bytes that are not valid UTF-8";
  if (!header_.empty() && spans_.size() != header_.size())
    return "row has " + std::to_string(spans_.size()) + (spans_.size() == 1 ? " field" : " fields")
           + ", the header has " + std::to_string(header_.size());
  return {};
}

bool csv_reader::next(csv_row& row, std::vector<quarantine_row>& quarantine) {
  const std::string_view s = text_;
  for (;;) {
    while (skip_blank_line()) {
    }
    if (pos_ >= s.size())
      return false;
    const uint32_t line = line_;
    const scanned_row scanned = scan_row(pos_);
    if (scanned.problem == row_problem::open_quote) {
      // A stray quote: taking the rest of the file as one field would lose
      // every later row, so the row is rejected up to the end of the line
      // holding the quote and reading resumes on the next line. No quote
      // follows, so the lines after it cannot be misread, and nothing is
      // read twice.
      const size_t line_break = s.find('\n', scanned.end);
      const size_t stop = line_break == std::string_view::npos ? s.size() : line_break;
      quarantine.push_back({source_, line, "unterminated quoted field",
                            quarantine_text(s.substr(pos_, without_cr(s, pos_, stop) - pos_))});
      pos_ = line_break == std::string_view::npos ? s.size() : line_break + 1;
      line_ += scanned.inner_line_breaks + 1;
      continue;
    }
    pos_ = scanned.next;
    line_ += scanned.inner_line_breaks + 1;
    const std::string_view raw = s.substr(scanned.start, scanned.end - scanned.start);
    std::string reason = rejection(scanned);
    if (!reason.empty()) {
      quarantine.push_back({source_, line, std::move(reason), quarantine_text(raw)});
      continue;
    }
    row.line_ = line;
    row.raw_ = raw;
    row.fields_.clear();
    for (const field_span& span : spans_)
      row.fields_.push_back(span.in_scratch ? std::string_view{scratch_}.substr(span.offset, span.size)
                                            : s.substr(span.offset, span.size));
    return true;
  }
}

size_t csv_reader::rows_left_at_most() const {
  size_t rows = 0;
  const char* at = text_.data() + pos_;
  const char* const end = text_.data() + text_.size();
  while (at < end) {
    const void* line_break = std::memchr(at, '\n', static_cast<size_t>(end - at));
    ++rows;
    if (line_break == nullptr)
      break;
    at = static_cast<const char*>(line_break) + 1;
  }
  return rows;
}

quarantine_row csv_reader::reject(const csv_row& row, std::string reason) const {
  return reject(row.line(), row.raw(), std::move(reason));
}

quarantine_row csv_reader::reject(uint32_t line, std::string_view raw, std::string reason) const {
  return {source_, line, std::move(reason), quarantine_text(raw)};
}

expected<size_t> csv_reader::find_column(std::string_view name, bool required) const {
  const auto first = std::find(header_.begin(), header_.end(), name);
  if (first == header_.end()) {
    if (required)
      return make_error(ec::format_error, source_ + ": required column '" + std::string{name} + "' is missing");
    return no_column;
  }
  if (std::find(first + 1, header_.end(), name) != header_.end())
    return make_error(ec::format_error, source_ + ": column '" + std::string{name} + "' appears twice in the header");
  return static_cast<size_t>(first - header_.begin());
}

expected<size_t> csv_reader::required_column(std::string_view name) const { return find_column(name, true); }

expected<size_t> csv_reader::optional_column(std::string_view name) const { return find_column(name, false); }

} // namespace receptor::feed
