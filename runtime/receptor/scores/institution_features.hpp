#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "receptor/checks/clinical_facts.hpp"
#include "receptor/match/person_book.hpp"

namespace receptor::scores {

/// What one SHARD knows of an institution in a month: sums over the people
/// it owns. A person lives in one shard, so adding the partials of every
/// shard gives the exact totals.
struct institution_month {
  std::string institution;          ///< 10-character key
  uint32_t month = 0;
  uint8_t kind = 0;                 ///< model::receipt_kind of its receipts (DPC wins over 医科)
  uint64_t receipts = 0;
  uint64_t inpatient_receipts = 0;
  uint64_t patients = 0;            ///< distinct people
  uint64_t frequent_patients = 0;   ///< people with FREQUENT_VISITS here this month
  uint64_t psychotropic_patients = 0; ///< people with PSYCHOTROPIC_MULTI_SOURCE this month who came here
  int64_t points = 0;
  int64_t days = 0;
  int64_t drug_lines = 0;
  int64_t brand_lines = 0;          ///< brand drugs where a 後発品 exists
};

/// The partial sums of a book's welfare receipts (duplicates left out),
/// with the people flagged by `findings`; sorted by (institution, month).
std::vector<institution_month> institution_partials(const match::person_book& book,
                                                    const std::vector<match::finding>& findings,
                                                    const checks::clinical_facts& facts);

/// Adds partials of the same (institution, month); sorted by that key.
std::vector<institution_month> merge_partials(std::vector<institution_month> parts);

/// Feature names, in column order.
const std::vector<std::string>& institution_feature_names();

/// True for the amount features (compared as log1p, as for people).
const std::vector<bool>& institution_feature_is_amount();

/// The features of one institution-month (every value finite).
std::vector<double> institution_features(const institution_month& m);

/// "medical-hospital", "medical-clinic", "dental" or "pharmacy": 点数表,
/// and hospital when it billed inpatient care or DPC this month.
std::string institution_peer_group(const institution_month& m);

} // namespace receptor::scores
