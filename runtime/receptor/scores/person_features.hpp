#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "receptor/checks/person_checks.hpp"

namespace receptor::scores {

/// The features of one person in one month, with the peer group that makes
/// comparisons fair (age band, sex, inpatient or not).
struct person_month {
  std::string office_no;
  std::string person_id;
  uint32_t month = 0;
  std::string peer_group;       ///< e.g. "40-64|F|outpatient"
  std::vector<double> features; ///< in the order of person_feature_names()
};

/// Feature names, in column order (the result's `f_<name>` columns).
const std::vector<std::string>& person_feature_names();

/// True for the features that are amounts (points, quantities): they are
/// log-normal, so scores compare them as log1p — a bill ten times the
/// peers' is one step, whatever the size of the bill. Counts (days,
/// institutions, drugs, prescribers) are compared as they are.
const std::vector<bool>& person_feature_is_amount();

/// One row per person and month with a welfare claim, sorted by (office,
/// person, month). Every value is finite.
std::vector<person_month> person_features(const std::vector<checks::person_view>& people,
                                          const checks::clinical_facts& facts);

/// "0-19", "20-39", "40-64", "65-74" or "75+" for an age at the end of a
/// YYYYMM month; "unknown" without a birth date.
std::string age_band(uint32_t birth_date, uint32_t month);

} // namespace receptor::scores
