#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "receptor/error.hpp"
#include "receptor/model/receipt_batch.hpp"

namespace receptor::uke {

/// What the reader does beyond the format's rules.
struct read_options {
  /// Payer side: apply JY corrections, so the receipt read is the one as
  /// decided after review (the claimed records stay in `corrections`).
  bool apply_corrections = true;
  /// Compute the file's SHA-256 while reading it (read_file only), so a run
  /// that records its inputs' hashes reads each file once.
  bool sha256 = false;
};

/// Reads one receipt file of any supported kind (医科, DPC, 歯科, 調剤;
/// institution side or payer-side レセ電コード情報ファイル; CP932 or UTF-8;
/// CRLF or LF) into the columnar model. The file is streamed in chunks, so
/// memory holds the model, not the file.
///
/// Bad lines never stop the read: they go to the quarantine with line,
/// record, field and reason. Returns an error only if the file cannot be
/// opened or read.
expected<model::receipt_batch> read_file(const std::filesystem::path& path,
                                         const read_options& options = {});

/// Reads receipt bytes already in memory; `source` names them in reports.
model::receipt_batch read_bytes(std::string_view bytes, std::string source,
                                const read_options& options = {});

} // namespace receptor::uke
