#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace receptor::synth {

/// A welfare office as a 公費 payer: one 公費負担者番号 per programme. Offices
/// that also run programme 25 appear twice, once per 法別, with the same
/// 実施機関番号.
struct office {
  uint8_t law = 12;          ///< 法別番号: 12 生活保護 (医療扶助), 25 中国残留邦人等 (医療支援給付)
  uint8_t prefecture = 13;   ///< 都道府県 01–47
  uint16_t agency = 0;       ///< 実施機関番号 (3 digits)
  std::string payer_no;      ///< 公費負担者番号: 法別 2 + 都道府県 2 + 実施機関 3 + 検証番号 1
  std::string name;          ///< office name, UTF-8
};

/// 被用者保険 held beside 生活保護 (a working recipient or a dependant).
struct employee_insurance {
  std::string insurer_no;    ///< 保険者番号, 8 digits with a valid check digit (法別 01, 06, 31–34)
  std::string symbol;        ///< 記号, full-width digits (UTF-8)
  std::string number;        ///< 番号, full-width digits (UTF-8)
  bool dependant = false;    ///< 家族 (else 本人)
};

/// Another 公費 held beside 生活保護 / 支援給付 and billed before it.
struct other_public {
  uint8_t law = 0;           ///< 法別番号: 54 難病, 21 精神通院, 15 更生医療
  std::string payer_no;      ///< 公費負担者番号 (8 digits, valid check digit)
  uint32_t recipient_no = 0; ///< 受給者番号, written as 7 digits zero-padded (valid check digit)
};

/// A recipient. `population::people[i]` has person_id i.
struct person {
  uint32_t office = 0;          ///< index into population::offices; its law is the person's programme
  uint32_t recipient_no = 0;    ///< 公費受給者番号, written as 7 digits zero-padded; valid check digit
  std::string name;             ///< 漢字: family name, full-width space, given name (UTF-8)
  std::string kana;             ///< full-width katakana without a space (UTF-8)
  uint16_t family_name = 0;     ///< index into family_names()
  uint16_t given_name = 0;      ///< index into given_names(sex)
  uint8_t sex = 1;              ///< 1 男, 2 女
  uint32_t birth_date = 0;      ///< YYYYMMDD
  uint32_t copay = 0;           ///< 本人支払額 on the ticket in yen (0: none)
  int32_t insurance = -1;       ///< index into population::insurances, -1 if none
  int32_t other = -1;           ///< index into population::other_publics, -1 if none
  uint64_t traits = 0;          ///< stable per-person randomness: chronic diseases, habits
};

/// Kinds of 指定医療機関.
enum class facility : uint8_t { clinic = 0, hospital = 1, dental_clinic = 2, pharmacy = 3 };

/// A hospital, clinic, dental clinic or pharmacy.
struct institution {
  facility type = facility::clinic;
  uint8_t prefecture = 13;      ///< 都道府県 01–47
  uint8_t table = 1;            ///< 点数表: 1 医科, 3 歯科, 4 調剤
  std::string code;             ///< 医療機関コード / 薬局コード: 郡市区 2 + 番号 4 + 検証番号 1
  std::string name;             ///< full-width only (漢字 mode), UTF-8
  std::string address;          ///< 所在地, full-width, UTF-8
  std::string phone;            ///< half-width, e.g. 06-1234-5678
  std::string doctor;           ///< 保険医氏名 (医科), full-width, UTF-8
  uint16_t beds = 0;            ///< 病床数 (0 for clinics and pharmacies)
  bool dpc = false;             ///< DPC hospital: also writes RECEIPTD files
  bool psychiatric = false;     ///< 精神科 hospital or clinic
  bool outside_prescriptions = true; ///< 院外処方: prescriptions are filled by pharmacies
  uint32_t weight = 1;          ///< relative share of the month's receipts of its kind
};

/// How recipients are covered beside their programme; the rest are 単独.
struct coverage_mix {
  double employee_insurance = 0.03; ///< share with 被用者保険 (receipts 112x with HO + KO)
  double other_public = 0.06;       ///< share with another 公費 billed first (e.g. 54 + 12 → 1222)
  double programme_25 = 0.004;      ///< share in 中国残留邦人等 支援給付 (法別 25) instead of 12
};

/// What a population is made of. Zero counts are derived from `receipts`, the
/// number of receipts a month of this population should hold.
struct population_options {
  uint64_t seed = 1;                 ///< same seed and options: the same population
  size_t receipts = 10000;           ///< monthly receipts the population is sized for
  uint32_t reference_month = 202406; ///< ages are drawn for this YYYYMM
  size_t offices = 0;                ///< welfare offices of programme 12 (0: one per 3,000 receipts)
  size_t people = 0;                 ///< recipients (0: one per two receipts)
  size_t clinics = 0;                ///< 医科 clinics (0: one per ~96 receipts)
  size_t hospitals = 0;              ///< hospitals, some of them DPC (0: one per 800 receipts)
  size_t dental_clinics = 0;         ///< 歯科 (0: one per 250 receipts)
  size_t pharmacies = 0;             ///< 保険薬局 (0: one per ~156 receipts)
  std::vector<uint8_t> prefectures;  ///< only these 都道府県 (empty: all 47, weighted by 医療扶助 recipients)
  coverage_mix coverage;             ///< shares of 併用 and of programme 25
};

/// Offices, recipients and institutions: everything a month of receipts (and
/// the offices' ticket feed) refers to. Plain data, made by make_population().
struct population {
  uint64_t seed = 0;                          ///< the seed it was made from
  std::vector<office> offices;                ///< 12 offices, then the 25 twins
  std::vector<person> people;                 ///< index = person id
  std::vector<employee_insurance> insurances; ///< referred to by person::insurance
  std::vector<other_public> other_publics;    ///< referred to by person::other
  std::vector<institution> institutions;      ///< clinics, hospitals, dental clinics, pharmacies
  /// Person ids by the prefecture (1–47) of their office.
  std::vector<std::vector<uint32_t>> people_by_prefecture;
};

/// Builds a population deterministically from its options.
population make_population(const population_options& options);

/// One entry of a name table: 漢字 and カナ (UTF-8).
struct name_entry {
  const char* kanji;  ///< full-width
  const char* kana;   ///< full-width katakana
};

/// Family names people are drawn from. A few use CP932 NEC/IBM extension
/// characters (髙, 﨑, 德), since variant kanji matter when matching names.
const std::vector<name_entry>& family_names();

/// Given names for sex 1 (男) or 2 (女).
const std::vector<name_entry>& given_names(uint8_t sex);

/// Name of a 都道府県 (1–47) in 漢字, UTF-8.
const char* prefecture_name(uint8_t prefecture);

} // namespace receptor::synth
