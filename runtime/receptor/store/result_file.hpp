#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "receptor/error.hpp"
#include "receptor/store/column_table.hpp"

// HDF5 stays out of this header: callers need neither its include path nor
// its API-version macros.

namespace receptor::store {

/// The value of the root attribute `format` of every result file.
constexpr std::string_view result_format = "receptor-results";

/// The root attributes of a result file besides `format`.
struct result_attributes {
  /// Bumped when the meaning of a table or column changes.
  int64_t schema_version = 0;
  std::string engine_version;
  /// ISO 8601 UTC, e.g. `2024-07-16T09:30:00Z`; `write_attributes` stamps
  /// the current time when empty.
  std::string created_at;
  /// JSON text of every threshold and option used.
  std::string config;
  /// JSON list of the input files with size and SHA-256.
  std::string inputs;
};

/// Writes one result file: root attributes plus tables in anndata's
/// dataframe encoding (one chunked, deflated 1-D dataset per column).
///
/// Everything goes to `<path>.tmp-<pid>` in the same folder, created with
/// mode 0600; `commit()` flushes, fsyncs and renames it over `path`, so
/// readers see either the previous file or the complete new one. A writer
/// destroyed (or failing) before `commit()` removes its temporary file.
///
/// Uses the HDF5 C API: create, use and destroy a writer on one thread
/// (Debian's HDF5 is thread-safe only as a whole-library lock). One writer
/// per final path at a time within a process. Not movable: hold it in
/// `std::optional` or `std::unique_ptr`.
class result_file_writer {
public:
  result_file_writer() = default;
  ~result_file_writer();

  result_file_writer(const result_file_writer&) = delete;
  result_file_writer& operator=(const result_file_writer&) = delete;

  /// Creates the temporary file for `path` and writes the `format` attribute.
  /// @returns `ec::io_error` naming the file and the failed call (e.g. an
  ///   unwritable folder), or `ec::invalid_argument` if already open.
  error open(std::string path);

  /// Writes (or overwrites) the root attributes.
  /// @returns `ec::invalid_argument` if a text is not valid UTF-8 or holds
  ///   a NUL byte; `ec::io_error` on HDF5 failure.
  error write_attributes(const result_attributes& attrs);

  /// Writes `table` as the group `/<name>`: attributes `encoding-type` =
  /// `dataframe`, `encoding-version` = `0.2.0`, `column-order`, and `_index`
  /// naming a dataset of row numbers 0..n-1 (anndata requires an index).
  /// @returns `ec::invalid_argument` for an invalid or already written name;
  ///   `ec::io_error` naming the object and the HDF5 call on failure.
  error write_table(std::string_view name, const column_table& table);

  /// Writes a text attribute on `object` (`/` or a group or dataset path
  /// already written), e.g. the key id of sealed columns (docs/privacy.md).
  error set_text_attribute(std::string_view object, std::string_view name, std::string_view value);

  /// Writes an int64 attribute on `object`.
  error set_int_attribute(std::string_view object, std::string_view name, int64_t value);

  /// Flushes, closes, fsyncs and renames the file into place.
  /// @pre `open()` and `write_attributes()` succeeded and no write failed
  ///   since; otherwise returns an error and discards the file.
  error commit();

  /// Closes and removes the temporary file; the final path is untouched.
  /// Does nothing if no file is open.
  void discard() noexcept;

  /// True between a successful `open()` and `commit()` or `discard()`.
  bool is_open() const noexcept { return file_ >= 0; }

  /// The final path given to `open()`.
  const std::string& path() const noexcept { return path_; }

  /// The temporary file written until `commit()`.
  const std::string& temp_path() const noexcept { return temp_path_; }

private:
  // Records that the file can no longer be committed, and passes `err` on.
  error fail(error err);

  int64_t file_ = -1; // hid_t of the open file (int64_t in HDF5 >= 1.10)
  std::string path_;
  std::string temp_path_;
  bool attributes_written_ = false;
  bool failed_ = false;
};

/// Reads the table `/<name>` of the result file at `path`, with the column
/// types and order it was written with (the `_index` dataset is not a column).
/// @returns `ec::io_error` if the file cannot be read, `ec::format_error` if
///   the group is not a dataframe this layer could have written.
expected<column_table> read_table(const std::string& path, std::string_view name);

/// Reads a text attribute of `object` in the result file at `path`; nullopt
/// if the object has no such attribute.
expected<std::optional<std::string>> read_attribute_text(const std::string& path, std::string_view object,
                                                         std::string_view name);

/// Reads an integer attribute; nullopt if absent.
expected<std::optional<int64_t>> read_attribute_int(const std::string& path, std::string_view object,
                                                    std::string_view name);

/// Reads the root attributes of the result file at `path`.
/// @returns `ec::format_error` if `format` is not `receptor-results` or an
///   attribute is missing or of the wrong type.
expected<result_attributes> read_attributes(const std::string& path);

} // namespace receptor::store
