#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "receptor/checks/check_config.hpp"

namespace receptor::master {
class master_set;
}

namespace receptor::checks {

/// What the checks need to know about one drug (医薬品マスター).
struct drug_facts {
  std::string name;                ///< 漢字名称
  std::string ingredient;          ///< 成分: the first 7 characters of the 薬価基準収載医薬品コード, else the code
  bool psychotropic = false;       ///< 向精神薬 (column 14 = 5)
  bool narcotic = false;           ///< 麻薬 (column 14 = 1)
  bool generic = false;            ///< 後発品
  bool oral = false;               ///< 剤形 内用
  bool brand_with_generic = false; ///< not a 後発品, and a 後発品 of its 一般名コード exists
  uint32_t limit_days = 0;         ///< legal day limit; 0 = none (long_prescription.max_days applies)
};

/// The masters read the way the checks ask: facts per drug, ICD-10 chapters
/// per disease, and the procedures that mark prescriptions, dialysis and
/// psychiatric outpatient care. Built once per run and shared read-only by
/// every SHARD.
class clinical_facts {
public:
  /// Nothing known: every drug, disease and procedure is unknown.
  clinical_facts() = default;
  clinical_facts(const master::master_set& masters, const check_config& config);

  /// Facts of a 医薬品コード, nullptr if the master lacks it.
  const drug_facts* drug(uint32_t code) const;
  /// ICD-10 chapter (1–22) of a 傷病名コード; 0 if unknown or uncoded.
  uint8_t icd10_chapter(uint32_t disease_code) const;
  bool prescription_fee(uint32_t procedure) const { return marker(procedure) & fee_bit; }
  bool dialysis(uint32_t procedure) const { return marker(procedure) & dialysis_bit; }
  bool psychiatric(uint32_t procedure) const { return marker(procedure) & psychiatric_bit; }
  /// The master name of a marker procedure ("" for the others).
  std::string marker_name(uint32_t procedure) const;
  /// False when built without masters: the drug and disease rules then find nothing.
  bool has_masters() const { return has_masters_; }

private:
  static constexpr uint8_t fee_bit = 1, dialysis_bit = 2, psychiatric_bit = 4;
  uint8_t marker(uint32_t procedure) const;

  std::unordered_map<uint32_t, drug_facts> drugs_;
  std::unordered_map<uint32_t, uint8_t> chapters_;
  std::unordered_map<uint32_t, std::pair<uint8_t, std::string>> markers_;
  bool has_masters_ = false;
};

/// ICD-10 chapter of a code such as "F32" or "I10" (WHO chapters I–XXII as
/// 1–22); 0 if the text is no code.
uint8_t icd10_chapter(std::string_view icd10);

/// The ingredient of `limits` found in a drug name, the longest if several
/// are (フルジアゼパム, not ジアゼパム); "" if none.
std::string ingredient_in(std::string_view name, const std::map<std::string, uint32_t>& limits);

} // namespace receptor::checks
