#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/privacy/data_key.hpp"
#include "receptor/privacy/master_key.hpp"
#include "receptor/store/column_table.hpp"
#include "receptor/store/result_file.hpp"

namespace receptor::store {

/// True for a column that holds direct identifiers and is sealed in every
/// result file: `recipient_no` (受給者番号), `raw` (quarantined feed rows and
/// receipt lines carry names, addresses and birth dates) and any column named
/// `name`, `kana`, `name_kana`, `address` or `birth_date`, in any table.
bool is_identifier_column(std::string_view column);

/// Seals the identifier columns of a result file (docs/privacy.md): each
/// value becomes `base64(nonce | ciphertext | tag)` under one data key per
/// file; the root gets `key_id` and `data_key` (wrapped, base64) and each
/// sealed column `sealed = 1`. The tables keep anndata's dataframe layout.
class column_sealer {
public:
  /// A new data key wrapped by `master`.
  static expected<column_sealer> create(const privacy::master_key& master);

  /// Writes the root attributes `key_id` and `data_key`.
  error write_key(result_file_writer& writer) const;

  /// Seals the identifier columns of `table` in place and returns their
  /// names. Safe to call from several threads at once: each call draws its
  /// own cipher context and nonces.
  expected<std::vector<std::string>> seal(std::string_view name, column_table& table) const;

  /// Writes a table sealed by seal() as `name` and marks its sealed columns.
  error write_sealed(result_file_writer& writer, std::string_view name, const column_table& table,
                     const std::vector<std::string>& sealed) const;

  /// seal() then write_sealed().
  error write_table(result_file_writer& writer, std::string_view name, column_table table) const;

private:
  privacy::data_key key_;
  std::string key_id_;
  std::string wrapped_;
};

/// Reads table `name` of the result file at `path` and opens its sealed
/// columns with `master`. A file without sealed columns is read as it is.
/// A wrong key or an altered value is an error naming the file (and column).
expected<column_table> read_opened_table(const std::string& path, std::string_view name,
                                         const privacy::master_key& master);

/// Opens sealed values (base64 text) of a file whose root attributes are
/// `key_id` and `wrapped_key` (base64); `where` names the file and column.
expected<std::vector<std::string>> open_sealed_values(const privacy::master_key& master, std::string_view key_id,
                                                      std::string_view wrapped_key,
                                                      const std::vector<std::string_view>& values,
                                                      std::string_view where);

} // namespace receptor::store
