#include "receptor/master/quoted_csv.hpp"

namespace receptor::master {

namespace {

// Where a field's bytes live: straight in the input, or in the scratch
// buffer when "" escapes had to be undone. Offsets rather than views because
// the scratch buffer may grow (and move) while a row is being read.
struct field_span {
  bool in_scratch;
  size_t offset;
  size_t size;
};

// True if s[i] starts a line break (LF or CR LF).
bool at_line_end(std::string_view s, size_t i) {
  return s[i] == '\n' || (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n');
}

} // namespace

error read_quoted_csv(std::string_view bytes,
                      const std::function<void(size_t line, const std::vector<std::string_view>& fields)>& row) {
  // DOS-era files may end with an EOF mark (0x1A).
  while (!bytes.empty() && bytes.back() == '\x1A')
    bytes.remove_suffix(1);

  const std::string_view s = bytes;
  const size_t n = s.size();
  std::vector<field_span> spans;
  std::vector<std::string_view> fields;
  std::string scratch;
  size_t line = 1;
  size_t pos = 0;

  while (pos < n) {
    if (at_line_end(s, pos)) {
      // Blank line: nothing to report.
      pos += s[pos] == '\r' ? 2 : 1;
      ++line;
      continue;
    }

    const size_t row_line = line;
    spans.clear();
    scratch.clear();
    bool row_done = false;
    while (!row_done) {
      field_span span{false, pos, 0};
      if (pos < n && s[pos] == '"') {
        const size_t open_line = line;
        size_t start = pos + 1;
        for (;;) {
          // Values are short: a plain loop beats memchr's call overhead, and
          // counts line breaks inside a value on the way.
          size_t close = start;
          while (close < n && s[close] != '"')
            line += s[close++] == '\n';
          if (close == n)
            return make_error(ec::format_error,
                              "line " + std::to_string(open_line) + ": unterminated quoted value");
          const bool escaped_quote = close + 1 < n && s[close + 1] == '"';
          if (escaped_quote || span.in_scratch) {
            if (!span.in_scratch)
              span = {true, scratch.size(), 0};
            scratch.append(s.data() + start, close - start + (escaped_quote ? 1 : 0));
          } else {
            span = {false, start, close - start};
          }
          if (!escaped_quote) {
            pos = close + 1;
            break;
          }
          start = close + 2;
        }
        // Bytes between the closing quote and the separator are kept, as
        // Python's csv module does, rather than silently dropped.
        size_t tail = pos;
        while (tail < n && s[tail] != ',' && !at_line_end(s, tail))
          ++tail;
        if (tail > pos) {
          if (!span.in_scratch) {
            std::string_view head = s.substr(span.offset, span.size);
            span = {true, scratch.size(), 0};
            scratch.append(head);
          }
          scratch.append(s.data() + pos, tail - pos);
          pos = tail;
        }
        if (span.in_scratch)
          span.size = scratch.size() - span.offset;
      } else {
        while (pos < n && s[pos] != ',' && !at_line_end(s, pos))
          ++pos;
        span.size = pos - span.offset;
      }
      spans.push_back(span);

      if (pos < n && s[pos] == ',') {
        ++pos;
      } else {
        row_done = true;
        if (pos < n) {
          pos += s[pos] == '\r' ? 2 : 1;
          ++line;
        }
      }
    }

    fields.clear();
    for (const field_span& span : spans)
      fields.emplace_back(span.in_scratch ? std::string_view{scratch}.substr(span.offset, span.size)
                                          : s.substr(span.offset, span.size));
    row(row_line, fields);
  }
  return {};
}

} // namespace receptor::master
