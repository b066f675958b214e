#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "receptor/error.hpp"

namespace receptor::store {

/// True if `text` is UTF-8 without NUL bytes, i.e. storable as an HDF5
/// variable-length string that h5py decodes with `.asstr()`.
bool valid_text(std::string_view text);

/// UTF-8 strings packed into one buffer. Each string is followed by a NUL
/// byte so that the HDF5 writer can hand out C strings without copying.
class string_array {
public:
  /// Appends `text` (bytes as given; `column_table::add` checks them).
  void push_back(std::string_view text) {
    bytes_.append(text.data(), text.size());
    bytes_.push_back('\0');
    ends_.push_back(bytes_.size());
  }

  /// Returns string `i`, without its terminating NUL.
  std::string_view operator[](size_t i) const {
    auto begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view{bytes_}.substr(begin, ends_[i] - begin - 1);
  }

  /// Returns string `i` as a NUL-terminated C string.
  const char* c_str(size_t i) const { return bytes_.data() + (i == 0 ? 0 : ends_[i - 1]); }

  /// The packed buffer: every string followed by one NUL byte.
  std::string_view bytes() const noexcept { return bytes_; }

  size_t size() const noexcept { return ends_.size(); }

  /// Makes room for `count` more strings holding `text_bytes` bytes in total.
  void reserve(size_t count, size_t text_bytes) {
    ends_.reserve(ends_.size() + count);
    bytes_.reserve(bytes_.size() + text_bytes + count);
  }

private:
  std::string bytes_;
  std::vector<size_t> ends_; // offset one past the NUL of each string
};

/// Booleans, one byte each: `std::vector<bool>` has no contiguous storage
/// to hand to HDF5.
class bool_array {
public:
  void push_back(bool x) { bytes_.push_back(x ? 1 : 0); }
  bool operator[](size_t i) const { return bytes_[i] != 0; }
  /// One byte per element, 0 or 1.
  const uint8_t* data() const noexcept { return bytes_.data(); }
  size_t size() const noexcept { return bytes_.size(); }
  void reserve(size_t count) { bytes_.reserve(bytes_.size() + count); }

private:
  std::vector<uint8_t> bytes_;
};

/// Integers that may be missing, stored as anndata's `nullable-integer`
/// (a `values` array plus a `mask` that is true where the value is missing,
/// pandas' convention). Missing values are stored as 0.
template <class T>
class nullable_array {
public:
  void push_back(std::optional<T> x) {
    values_.push_back(x.value_or(T{0}));
    mask_.push_back(!x.has_value());
  }

  std::optional<T> operator[](size_t i) const {
    if (mask_[i])
      return std::nullopt;
    return values_[i];
  }

  const std::vector<T>& values() const noexcept { return values_; }
  /// True where the value is missing.
  const bool_array& mask() const noexcept { return mask_; }
  size_t size() const noexcept { return values_.size(); }

  void reserve(size_t count) {
    values_.reserve(values_.size() + count);
    mask_.reserve(count);
  }

private:
  std::vector<T> values_;
  bool_array mask_;
};

/// The data of one column. Doubles may hold NaN and ±inf (see `find_non_finite`).
using column_data = std::variant<
  std::vector<int8_t>, std::vector<int16_t>, std::vector<int32_t>, std::vector<int64_t>,
  std::vector<uint8_t>, std::vector<uint16_t>, std::vector<uint32_t>, std::vector<uint64_t>,
  std::vector<double>, bool_array, string_array,
  nullable_array<int8_t>, nullable_array<int16_t>, nullable_array<int32_t>, nullable_array<int64_t>,
  nullable_array<uint8_t>, nullable_array<uint16_t>, nullable_array<uint32_t>, nullable_array<uint64_t>>;

/// Returns the number of rows in `data`.
size_t length(const column_data& data);

/// A named column.
struct column {
  std::string name;
  column_data data;
};

/// An in-memory table: named columns of equal length, in order. Every table
/// that `add` accepted can be written by `result_file_writer::write_table`.
class column_table {
public:
  /// Appends a column.
  /// @returns an `ec::invalid_argument` error, leaving the table unchanged,
  ///   if `name` is empty, not valid text, contains `/`, is `.` or the
  ///   reserved `_index` (anndata's index column), repeats an existing name,
  ///   if the column's length differs from the table's, or if a string
  ///   column holds invalid UTF-8 or a NUL byte (the message names the row).
  error add(std::string name, column_data data);

  /// Replaces the data of column `name`, keeping its place (used to seal a
  /// column in place, docs/privacy.md).
  /// @returns `ec::invalid_argument` if there is no such column or the new
  ///   data's length or text differs from what `add` accepts.
  error replace(std::string_view name, column_data data);

  /// Number of rows (0 for a table without columns).
  size_t rows() const noexcept { return rows_; }

  const std::vector<column>& columns() const noexcept { return columns_; }

  /// Returns the column named `name`, or nullptr.
  const column* find(std::string_view name) const;

  /// Returns the data of column `name` if it exists and holds a `T`, else nullptr.
  template <class T>
  const T* get(std::string_view name) const {
    auto* col = find(name);
    return col != nullptr ? std::get_if<T>(&col->data) : nullptr;
  }

private:
  std::vector<column> columns_;
  size_t rows_ = 0;
};

/// A float64 column holding NaN or ±inf.
struct non_finite_report {
  std::string column;
  /// How many values are not finite.
  size_t count = 0;
  /// The first row holding one.
  size_t first_row = 0;
};

/// Reports every float64 column holding NaN or ±inf (empty if none). The
/// result file stores them, but CAF 0.17.6 cannot carry them between actors
/// (actor-framework#1107): check before a table's doubles cross CAF.
std::vector<non_finite_report> find_non_finite(const column_table& table);

} // namespace receptor::store
