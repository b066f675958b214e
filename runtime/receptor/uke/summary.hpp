#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "receptor/model/receipt_batch.hpp"

namespace receptor::uke {

/// What `receptor inspect` says about one file (spec/results.md).
struct file_summary {
  std::string file;
  model::receipt_kind kind = model::receipt_kind::unknown;
  bool payer_side = false;
  model::text_encoding encoding = model::text_encoding::cp932;
  uint32_t billing_month = 0;
  uint64_t receipts = 0;
  std::map<std::string, uint64_t> records;   ///< record id → count, as read
  int64_t points = 0;                        ///< Σ first-payer 合計点数
  int64_t claimed_points = 0;                ///< the same before payer-side corrections
  uint64_t corrections = 0;                  ///< JY records
  bool go_present = false;
  int64_t go_claims = 0, go_points = 0;
  std::map<unsigned, uint64_t> by_law;       ///< 法別 of each KO → receipts carrying it
  uint64_t quarantined = 0;
  uint64_t lines = 0, bytes = 0;
};

/// Summarises a batch.
file_summary summarize(const model::receipt_batch& batch);

/// The summary as one line of JSON, with the batch's errors and warnings.
std::string to_json(const file_summary& summary, const model::receipt_batch& batch);

/// The summary as readable text for a terminal.
std::string to_text(const file_summary& summary, const model::receipt_batch& batch);

/// Escapes a UTF-8 string for JSON exactly as Python's json.dumps(ensure_ascii=False)
/// does (two-character forms for `"` `\` and `\b \f \n \r \t`, `\u00XX` for other controls): the audit
/// log's hashes are taken over that form.
std::string json_escape(std::string_view s);

} // namespace receptor::uke
