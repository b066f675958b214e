#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/synth/catalog.hpp"
#include "receptor/synth/generator.hpp"
#include "receptor/synth/office_feed_writer.hpp"
#include "receptor/synth/population.hpp"

namespace receptor::master {
class master_set;
}

namespace receptor::synth {

/// A behaviour count derived from the receipts of a month (see behaviour_options).
constexpr size_t automatic = std::numeric_limits<size_t>::max();

/// How many people of each injected behaviour a scenario holds (checks of
/// docs/checks.md). `automatic`: one per 20,000 receipts of a month, at least
/// one from 1,000 receipts on, none below. Near misses come with their
/// positives (as many, unless said otherwise).
struct behaviour_options {
  size_t frequent_visitors = automatic;       ///< FREQUENT_VISITS: 15 days and window 40; near misses 14 days, or window 39
  size_t psychotropic_shoppers = automatic;   ///< PSYCHOTROPIC_MULTI_SOURCE across 3–26 clinics and pharmacies
  size_t multi_institution = automatic;       ///< MULTI_INSTITUTION: three clinics, one chronic disease
  size_t same_day_visits = automatic;         ///< SAME_DAY_VISITS; near misses on consecutive days
  size_t polypharmacy = automatic;            ///< POLYPHARMACY: 6 drugs of 28 days from 2 prescribers; near misses 5
  size_t long_prescriptions = automatic;      ///< LONG_PRESCRIPTION: each a 30-day-limit psychotropic for 31 days,
                                              ///< an unlisted psychotropic for 15, another drug for 91; near misses at the limit
  size_t brand_over_generic = automatic;      ///< BRAND_OVER_GENERIC; near misses a brand without 後発品
  size_t long_stays = automatic;              ///< LONG_STAY: 180 days; near misses 179
  size_t dispensing_without_prescription = automatic; ///< DISPENSING_WITHOUT_PRESCRIPTION
  size_t prescriptions_not_dispensed = automatic;     ///< PRESCRIPTION_NOT_DISPENSED (needs 2 months); near misses dispensed next month
  size_t other_scheme = automatic;            ///< each: dialysis and psychiatric care, with 15/21 held (OTHER_SCHEME_FIRST)
                                              ///< and without (OTHER_SCHEME_CANDIDATE); near misses billed with KO 21
  size_t frequent_clinic_patients = automatic; ///< patients of a clinic whose patients are mostly frequent visitors (0: none)
  size_t upcoding_clinic_patients = automatic; ///< patients of a clinic billing ≥ 3× its peers per receipt (0: none)
};

/// Sets every count of `b` to `n`.
void set_all(behaviour_options& b, size_t n);

/// Sets the count named `name` (frequent_visitors, psychotropic_shoppers, …,
/// the member names). False if no count has that name.
bool set_count(behaviour_options& b, std::string_view name, size_t n);

/// One row of behaviour_truth.csv: a finding the checks must report
/// (expected) or must not (a near miss).
struct behaviour_finding {
  std::string code;         ///< FREQUENT_VISITS, …
  bool expected = true;     ///< false: a near miss
  uint32_t person = 0;      ///< person id
  size_t month = 0;         ///< index of the month (0 = the first generated)
  std::string institution;  ///< 10-character key, empty for person-month codes without one
  uint32_t plan = 0;        ///< receipt-level codes: the claim::plan of the receipt (0: none)
  std::string injection;    ///< what was injected
  std::string detail;       ///< the facts, in words
  std::string file;         ///< set once the receipts are written
  uint32_t line = 0;
};

/// One row of anomaly_truth.csv.
struct anomaly_subject {
  bool institution = false; ///< else a person
  uint32_t person = 0;      ///< person id (persons)
  std::string key;          ///< institution key (institutions)
  size_t month = 0;
  std::string injection;
};

/// The claims of every injected behaviour and what the checks must find.
struct behaviour_plan {
  std::vector<care_plan> plans;                 ///< claim::plan indexes these (1-based)
  uint32_t no_drugs = 0;                        ///< the plan of background visits without drugs (second clinics)
  std::vector<std::vector<claim>> claims;       ///< per month, unsorted, seeds unset
  std::vector<behaviour_finding> findings;
  std::vector<anomaly_subject> anomalies;
  std::vector<bool> reserved_people;            ///< by person id: no background claims
  std::vector<bool> reserved_institutions;      ///< by institution index: no background claims
  /// other_schemes.csv rows the feed must add: person id and law (15 or 21), held since before the months.
  std::vector<std::pair<uint32_t, uint8_t>> schemes;
};

/// Plans the behaviours of `b` for `months` consecutive months from `first_month`
/// (receipts: of one month, for the automatic counts). Drug facts come from
/// `masters` when given (ingredients of the 30/90-day limits), else from the
/// catalog's names. Deterministic from `seed`.
behaviour_plan plan_behaviours(const behaviour_options& b, uint64_t seed, uint32_t first_month, size_t months,
                               size_t receipts, const population& pop, const catalog& codes,
                               const master::master_set* masters, const feed_options& feed);

/// Plans the clean background of month `index` of `months` from `first_month`:
/// `receipts` claims (exactly) of people and institutions the behaviours did
/// not reserve. People keep their institutions and diseases from month to
/// month; inpatients keep their stay, which is under 180 days at the end of
/// the last month. Unsorted, seeds unset.
std::vector<claim> plan_background(uint64_t seed, uint32_t first_month, size_t months, size_t index, size_t receipts,
                                   const population& pop, const behaviour_plan& reserved);

} // namespace receptor::synth
