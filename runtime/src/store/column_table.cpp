#include "receptor/store/column_table.hpp"

#include "receptor/encoding.hpp"

#include <algorithm>
#include <cmath>

namespace receptor::store {

namespace {

// Returns the first row that is not valid text, or size() if all are.
size_t first_invalid_row(const string_array& strings) {
  auto bytes = strings.bytes();
  // Fast path: every string ends in exactly one NUL, so the buffer holds
  // size() NULs unless a string has one inside.
  if (valid_utf8(bytes) && static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\0')) == strings.size())
    return strings.size();
  for (size_t i = 0; i < strings.size(); ++i)
    if (!valid_text(strings[i]))
      return i;
  return strings.size();
}

bool valid_name(std::string_view name) {
  return !name.empty() && name != "." && name != "_index" && name.find('/') == std::string_view::npos
         && valid_text(name);
}

} // namespace

bool valid_text(std::string_view text) {
  return text.find('\0') == std::string_view::npos && valid_utf8(text);
}

size_t length(const column_data& data) {
  return std::visit([](const auto& xs) { return xs.size(); }, data);
}

error column_table::add(std::string name, column_data data) {
  if (!valid_name(name))
    return make_error(ec::invalid_argument,
                      "invalid column name '" + name
                        + "': names must be non-empty UTF-8 without '/' or NUL, and not '.' or '_index'");
  if (find(name) != nullptr)
    return make_error(ec::invalid_argument, "duplicate column name '" + name + "'");
  auto rows = length(data);
  if (!columns_.empty() && rows != rows_)
    return make_error(ec::invalid_argument, "column '" + name + "' has " + std::to_string(rows)
                                              + " rows, the table has " + std::to_string(rows_));
  if (auto* strings = std::get_if<string_array>(&data)) {
    auto row = first_invalid_row(*strings);
    if (row != strings->size())
      return make_error(ec::invalid_argument, "column '" + name + "' row " + std::to_string(row)
                                                + ": not UTF-8, or holds a NUL byte");
  }
  rows_ = rows;
  columns_.push_back(column{std::move(name), std::move(data)});
  return {};
}

error column_table::replace(std::string_view name, column_data data) {
  auto i = std::find_if(columns_.begin(), columns_.end(), [&](const column& col) { return col.name == name; });
  if (i == columns_.end())
    return make_error(ec::invalid_argument, "no column '" + std::string{name} + "' to replace");
  if (length(data) != rows_)
    return make_error(ec::invalid_argument, "column '" + std::string{name} + "': replacement has "
                                              + std::to_string(length(data)) + " rows, the table has "
                                              + std::to_string(rows_));
  if (auto* strings = std::get_if<string_array>(&data); strings && first_invalid_row(*strings) != strings->size())
    return make_error(ec::invalid_argument, "column '" + std::string{name} + "': replacement is not UTF-8");
  i->data = std::move(data);
  return {};
}

const column* column_table::find(std::string_view name) const {
  auto i = std::find_if(columns_.begin(), columns_.end(), [&](const column& col) { return col.name == name; });
  return i != columns_.end() ? &*i : nullptr;
}

std::vector<non_finite_report> find_non_finite(const column_table& table) {
  std::vector<non_finite_report> result;
  for (auto& col : table.columns()) {
    auto* xs = std::get_if<std::vector<double>>(&col.data);
    if (xs == nullptr)
      continue;
    non_finite_report report{col.name, 0, 0};
    for (size_t i = 0; i < xs->size(); ++i) {
      if (std::isfinite((*xs)[i]))
        continue;
      if (report.count++ == 0)
        report.first_row = i;
    }
    if (report.count > 0)
      result.push_back(std::move(report));
  }
  return result;
}

} // namespace receptor::store
