#pragma once

// Reading back what a generator or scenario wrote: the tests' own readers,
// independent of the code under test, shared by the synth suites.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace receptor::test {

/// An empty scratch path `receptor_<suite>_<name>_<pid>` in the temp
/// directory (removed first if a crashed run left it), so that suites and
/// parallel test processes never share one.
inline std::filesystem::path scratch(const std::string& suite, const std::string& name) {
  const std::filesystem::path path = std::filesystem::temp_directory_path()
                                     / ("receptor_" + suite + "_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  return path;
}

/// A whole file as bytes ("" if it cannot be read).
inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every regular file below `dir` as bytes, by its path relative to `dir`:
/// two trees compare equal when they hold the same files with the same bytes.
inline std::map<std::string, std::string> read_tree(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      files[std::filesystem::relative(entry.path(), dir).string()] = read_bytes(entry.path());
  return files;
}

/// A CSV file as maps from header name to value: quoted values with "" for a
/// quote, no newlines in values. A row whose field count differs from the
/// header's fails the calling test.
inline std::vector<std::map<std::string, std::string>> read_csv(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  auto split = [](const std::string& line) {
    std::vector<std::string> values(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        values.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        values.emplace_back();
      } else {
        values.back() += c;
      }
    }
    return values;
  };
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto values = split(line);
    EXPECT_EQ(values.size(), header.size()) << path << ": " << line;
    auto& row = rows.emplace_back();
    for (size_t i = 0; i < header.size() && i < values.size(); ++i)
      row[header[i]] = values[i];
  }
  return rows;
}

} // namespace receptor::test
