#pragma once

// What a whole feed file reads as, for the feed reader's tests.

#include <cstdint>
#include <string>
#include <vector>

#include "receptor/feed/csv_reader.hpp"

namespace receptor::test {

struct read_result {
  std::vector<uint32_t> lines;
  std::vector<std::vector<std::string>> rows;
  std::vector<feed::quarantine_row> quarantine;
};

inline read_result read_all(feed::csv_reader& reader) {
  read_result out;
  feed::csv_row row;
  while (reader.next(row, out.quarantine)) {
    out.lines.push_back(row.line());
    std::vector<std::string> fields;
    for (size_t i = 0; i < row.size(); ++i)
      fields.emplace_back(row[i]);
    out.rows.push_back(std::move(fields));
  }
  return out;
}

} // namespace receptor::test
