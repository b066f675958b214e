#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "receptor/error.hpp"

namespace receptor::master {

/// 医薬品マスター (y): what the checks need about one drug. Text is UTF-8.
struct drug {
  uint32_t code = 0;               ///< 医薬品コード (9 digits, 6xxxxxxxx)
  std::string name;                ///< 漢字名称
  std::string unit;                ///< 単位名
  double price = 0;                ///< 新又は現金額 (薬価, yen)
  uint8_t narcotic_class = 0;      ///< 麻薬・毒薬・覚醒剤原料・向精神薬: 1 麻薬, 2 毒薬, 3 覚醒剤原料, 5 向精神薬
  bool generic = false;            ///< 後発品
  uint8_t dosage_form = 0;         ///< 剤形: 1 内用, 3 その他, 4 注射, 6 外用, 8 歯科
  std::string price_list_code;     ///< 薬価基準収載医薬品コード (12)
  uint16_t efficacy_class = 0;     ///< 薬効分類: first 3 digits of price_list_code
  std::string generic_name_code;   ///< 一般名コード ("" if none)
  std::string generic_name;        ///< 一般名処方の標準的な記載
  uint32_t abolished_on = 0;       ///< 廃止年月日 YYYYMMDD (99999999 = not abolished)

  bool psychotropic() const { return narcotic_class == 5; }
};

/// 医科診療行為マスター (s).
struct procedure {
  uint32_t code = 0;
  std::string name;                ///< 省略漢字名称
  uint8_t point_kind = 0;          ///< 点数識別 (1 金額, 3 点数, 5 %加算, …)
  double points = 0;               ///< 新又は現点数
  uint32_t abolished_on = 0;
};

/// 特定器材マスター (t).
struct material {
  uint32_t code = 0;
  std::string name;
  std::string unit;
  double price = 0;
  uint32_t abolished_on = 0;
};

/// コメントマスター (c).
struct comment {
  uint32_t code = 0;               ///< 9-digit コメントコード
  uint8_t pattern = 0;             ///< 10, 20, 30, 31, 40, 42, 50, …
  std::string text;                ///< 漢字名称
};

/// 傷病名マスター (b).
struct disease {
  uint32_t code = 0;               ///< 7 digits
  std::string name;                ///< 基本名称
  std::string icd10;               ///< ICD-10-1 (e.g. "I10")
  uint32_t abolished_on = 0;
};

/// 修飾語マスター (z).
struct modifier {
  uint16_t code = 0;               ///< 4 digits; 8xxx are suffixes
  std::string name;
  bool suffix() const { return code >= 8000 && code < 9000; }
};

/// The official 支払基金 master files, loaded into lookup tables.
///
/// Reads the quoted CP932 CSV files (`y_ALLyyyymmdd.csv` and change files
/// `y_yyyymmdd.csv`, likewise s, t, c, b, z). Full sets load first, change
/// files after in date order: 変更区分 1 (抹消) removes a code, the others add
/// or replace it.
class master_set {
public:
  /// Loads every master file found in `dir`. Missing kinds stay empty.
  static expected<master_set> load(const std::filesystem::path& dir);

  /// Loads one file; the kind comes from the file name's first letter.
  /// A full set (`_ALL` in the name) replaces that kind's table; a change
  /// file is applied on top of it. Rows with too few columns or a
  /// non-numeric code are skipped and counted in skipped_rows(). On an
  /// unterminated quote the rows before it stay loaded.
  error load_file(const std::filesystem::path& file);

  const drug* find_drug(uint32_t code) const;
  const procedure* find_procedure(uint32_t code) const;
  const material* find_material(uint32_t code) const;
  const comment* find_comment(uint32_t code) const;
  const disease* find_disease(uint32_t code) const;
  const modifier* find_modifier(uint16_t code) const;

  /// True if some generic (後発品) drug shares this 一般名コード.
  bool has_generic(std::string_view generic_name_code) const;

  /// The display name of a disease: 修飾語 prefixes + name + suffixes.
  /// `modifiers` is the SY 修飾語コード field (4 digits per modifier).
  /// `free_text` (UTF-8, the SY 傷病名称) names 0000999 (未コード化傷病名)
  /// and codes the master lacks.
  std::string disease_name(uint32_t code, std::string_view modifiers,
                           std::string_view free_text = {}) const;

  /// Name of any coded item (procedure, drug, material, comment), "" if unknown.
  std::string item_name(uint32_t code) const;

  const std::unordered_map<uint32_t, drug>& drugs() const { return drugs_; }
  const std::unordered_map<uint32_t, procedure>& procedures() const { return procedures_; }
  const std::unordered_map<uint32_t, material>& materials() const { return materials_; }
  const std::unordered_map<uint32_t, comment>& comments() const { return comments_; }
  const std::unordered_map<uint32_t, disease>& diseases() const { return diseases_; }
  const std::unordered_map<uint16_t, modifier>& modifiers() const { return modifiers_; }

  /// Files loaded, in load order.
  const std::vector<std::string>& files() const { return files_; }

  /// Rows skipped so far because they had too few columns or a bad code.
  size_t skipped_rows() const { return skipped_rows_; }

private:
  std::unordered_map<uint32_t, drug> drugs_;
  std::unordered_map<uint32_t, procedure> procedures_;
  std::unordered_map<uint32_t, material> materials_;
  std::unordered_map<uint32_t, comment> comments_;
  std::unordered_map<uint32_t, disease> diseases_;
  std::unordered_map<uint16_t, modifier> modifiers_;
  std::unordered_map<std::string, uint32_t> generics_by_name_code_;  // 一般名コード → 後発品 count
  std::vector<std::string> files_;
  size_t skipped_rows_ = 0;
};

} // namespace receptor::master
