#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/error.hpp"

namespace receptor::checks {

/// Which 頻回受診 rule FREQUENT_VISITS applies.
enum class frequent_rule : uint8_t {
  mhlw2018,     ///< ≥ min_days_month this month and ≥ min_days_window over the window (MHLW since 2018)
  three_months, ///< ≥ min_days_month in each month of the window (the older rule)
};

/// Every threshold of the checks and anomaly scores. The defaults are the
/// rules of spec/results.md; `data/config/receptor.conf` lists the same
/// values with their reasons, and a run stores the values it used in the
/// result file's `config` attribute.
struct check_config {
  struct frequent_visits_rules {
    frequent_rule rule = frequent_rule::mhlw2018;
    uint32_t min_days_month = 15;
    uint32_t min_days_window = 40;
    uint32_t window_months = 3;
  } frequent_visits;
  struct multi_institution_rules {
    uint32_t min_institutions = 3;
  } multi_institution;
  struct same_day_visits_rules {
    uint32_t min_institutions = 2;
  } same_day_visits;
  struct psychotropic_rules {
    uint32_t min_prescribers = 2;
  } psychotropic;
  struct polypharmacy_rules {
    uint32_t min_drugs = 6;
    uint32_t min_days = 15;
    uint32_t min_prescribers = 2;
  } polypharmacy;
  struct long_prescription_rules {
    uint32_t max_days = 90;                  ///< drugs without a legal limit
    uint32_t default_psychotropic_days = 14; ///< 麻薬・向精神薬 not in `limits`
    /// Legal day limits by ingredient (一般名, katakana as the 医薬品マスター
    /// writes it); 厚生労働大臣が定める掲示事項等 第10.
    std::map<std::string, uint32_t> limits;
  } long_prescription;
  struct long_stay_rules {
    uint32_t min_days = 180;
  } long_stay;
  /// Procedures recognised by the start of their 医科診療行為マスター name.
  struct marker_names {
    std::vector<std::string> prescription_fee{"処方箋料（"};
    std::vector<std::string> dialysis{"人工腎臓"};
    std::vector<std::string> psychiatric{"通院・在宅精神療法", "通院精神療法", "精神科継続外来支援"};
  } markers;
  struct score_rules {
    double person_threshold = 12.0;      ///< ANOMALOUS_PERSON at or above this Mahalanobis distance
    double institution_threshold = 8.0;  ///< ANOMALOUS_INSTITUTION likewise
    double shrinkage = 0.1;              ///< λ of the shrunk covariance
    bool excess_only = true;             ///< only values above the peers' median count
    double max_z = 10.0;                 ///< each robust z is clipped to ±max_z in a score
    uint32_t min_group_size = 30;        ///< smaller peer groups are scored against everyone
    uint32_t top_features = 3;
  } scores;

  std::string source;                    ///< the file read; "" for the built-in defaults

  check_config();
};

/// Reads a configuration file of `key = value` lines (`#` starts a comment).
/// Keys not given keep their default. Setting any `long_prescription.limit.*`
/// replaces the whole limit table. An unknown key or a bad value is an
/// error naming the file, line and key.
expected<check_config> load_check_config(const std::filesystem::path& file);

/// The same for text in memory; `source` names it in errors.
expected<check_config> parse_check_config(std::string_view text, std::string source);

/// Every value as one JSON object (the result file's `config`).
std::string to_json(const check_config& config);

/// `mhlw2018` or `three_months`.
const char* to_string(frequent_rule rule);

} // namespace receptor::checks
