#include "receptor/model/receipt_batch.hpp"

namespace receptor::model {

const char* to_string(receipt_kind kind) {
  switch (kind) {
    case receipt_kind::medical: return "medical";
    case receipt_kind::dpc: return "dpc";
    case receipt_kind::dental: return "dental";
    case receipt_kind::pharmacy: return "pharmacy";
    case receipt_kind::unknown: break;
  }
  return "unknown";
}

const char* to_string(text_encoding encoding) {
  return encoding == text_encoding::utf8 ? "utf-8" : "cp932";
}

uint64_t receipt_batch::accounted_lines() const {
  uint64_t n = institutions.size() + receipts.size() + coverages.size() + diseases.size()
               + items.size() + extras.size() + corrections.size() + quarantine.size()
               + (go.present ? 1 : 0);
  // Lines folded into another row: MN into its receipt, JD into its payer,
  // a claimed record into the correction that replaced it.
  for (size_t i = 0; i < receipts.size(); ++i)
    n += receipts.source_line[i] != receipts.re_line[i];
  for (auto line : coverages.jd_line)
    n += line != 0;
  for (auto line : corrections.claimed_line)
    n += line != 0;
  return n;
}

size_t receipt_batch::errors() const {
  size_t n = 0;
  for (auto& d : diagnostics)
    n += d.level == severity::error;
  return n;
}

size_t receipt_batch::warnings() const { return diagnostics.size() - errors(); }

} // namespace receptor::model
