#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace receptor::master {
class master_set;
}

namespace receptor::synth {

/// A 診療行為 (医科 1xxxxxxxx, 歯科 3xxxxxxxx, 調剤 4xxxxxxxx) as billed.
struct procedure_item {
  uint32_t code = 0;       ///< 9-digit 診療行為コード
  int32_t points = 0;      ///< 点数 (yen for 食事 codes, 診療識別 97)
  uint8_t shikibetsu = 0;  ///< 診療識別 the record is written under (別表20)
  std::string name;        ///< 漢字 name, UTF-8; documentation only, never written
};

/// Several 診療行為 billed as one 算定単位: the points of the unit sit on its last record.
struct procedure_set {
  uint8_t shikibetsu = 0;              ///< 診療識別 of the whole set
  std::vector<procedure_item> items;   ///< written in this order; the unit's points are their sum
};

/// 剤形 as the 医薬品マスター codes it (column 28).
enum class dosage_form : uint8_t { oral = 1, injection = 4, topical = 6 };

/// A drug (医薬品マスター). Points are derived per 剤 from the price, as the
/// 点数表 does: 15 yen or less is 1 point, then 1 point per started 10 yen.
struct drug_item {
  uint32_t code = 0;            ///< 9-digit 医薬品コード (6xxxxxxxx)
  uint32_t price = 0;           ///< 薬価 in 1/100 yen per master unit
  uint32_t dose = 1000;         ///< typical amount in 1/1000 master units: per day (oral),
                                ///< per use (injection), per prescription (topical)
  bool countable = true;        ///< tablets, capsules, sheets: doses are whole multiples
  bool psychotropic = false;    ///< 向精神薬 (master column 14 = 5)
  bool generic = false;         ///< 後発品 (column 17)
  bool has_generic = false;     ///< a brand drug for which a generic with the same 一般名コード exists
  bool narcotic = false;        ///< 麻薬 (master column 14 = 1)
  dosage_form form = dosage_form::oral;
  std::string name;             ///< UTF-8
};

/// A 特定保険医療材料 (特定器材マスター, 7xxxxxxxx).
struct material_item {
  uint32_t code = 0;       ///< 9-digit 特定器材コード
  uint32_t price = 0;      ///< 1/100 yen per unit
  uint32_t amount = 1000;  ///< typical 使用量 in 1/1000 units
  uint16_t unit_code = 0;  ///< 別表22 単位コード written in TO (0: none)
  std::string name;        ///< UTF-8
};

/// A 傷病名 (7-digit 傷病名コード, written zero-padded) and the role it plays in generated receipts.
struct disease_item {
  uint32_t code = 0;
  std::string name;             ///< UTF-8
  std::string icd10;            ///< ICD-10 (DPC SB records)
  bool chronic = false;         ///< kept for months (転帰 1 継続)
  bool psychiatric = false;     ///< draws psychotropics and 精神科 care
  bool dental = false;          ///< 歯科 (HS) diseases
  uint8_t weight = 1;           ///< relative frequency among diseases of the same role
};

/// A コメント (8xxxxxxxx) with the 文字データ written beside it.
struct comment_item {
  uint32_t code = 0;
  std::string text;             ///< full-width text (UTF-8); empty for pattern 20 (fixed text only)
};

/// A DPC 診断群分類 with its 包括 daily points per 入院期間.
struct dpc_group {
  std::string code;             ///< 14-character 診断群分類番号
  uint32_t disease = 0;         ///< 傷病名コード of the 医療資源を最も投入した傷病名
  std::string icd10;            ///< ICD-10 of that disease (SB)
  int32_t points[3] = {};       ///< 入院期間Ⅰ, Ⅱ, Ⅲ 点数 per day (医療機関別係数 included)
  uint16_t period_end[3] = {};  ///< last day (since admission) of 入院期間Ⅰ, Ⅱ, Ⅲ
};

/// The codes the generator draws receipts from. Fixed roles (basic fees,
/// prescription fees, meals, 調剤 fees) are named members; the rest are pools.
/// `builtin_catalog()` holds real codes checked against the 2024 masters;
/// `catalog_from_masters()` widens the pools from the official master files.
struct catalog {
  // 医科: visits and management
  procedure_item first_visit;            ///< 初診料 (11)
  procedure_item revisit;                ///< 再診料 (12), clinics
  procedure_item hospital_revisit;       ///< 外来診療料 (12), hospitals with 200+ beds
  procedure_item outpatient_management;  ///< 外来管理加算 (12)
  procedure_item statement_bonus;        ///< 明細書発行体制等加算 (12)
  procedure_item disease_management;     ///< 特定疾患療養管理料 (13)
  procedure_item drug_information;       ///< 薬剤情報提供料 (13)
  procedure_item home_visit;             ///< 在宅患者訪問診療料 (14)
  // 医科: prescriptions
  procedure_item dispensing_oral;        ///< 調剤料 内服 (24), in-house prescriptions
  procedure_item dispensing_topical;     ///< 調剤料 外用 (24)
  procedure_item prescribing;            ///< 処方料 (25)
  procedure_item prescription;           ///< 処方箋料 (80), prescriptions filled by a pharmacy
  procedure_item generic_name_bonus;     ///< 一般名処方加算 (80)
  procedure_item inpatient_dispensing;   ///< 調剤料 入院 (24), per day
  procedure_item inpatient_dispensing_base; ///< 調剤技術基本料 入院 (27)
  // 医科: injections and tests
  procedure_item injection_im;           ///< 皮内、皮下及び筋肉内注射 (31)
  procedure_item injection_iv;           ///< 静脈内注射 (32)
  procedure_item drip;                   ///< 点滴注射 (33)
  procedure_item blood_draw;             ///< Ｂ－Ｖ 採血料 (60)
  procedure_item chemistry_judgement;    ///< 生化学的検査（１）判断料 (60)
  procedure_item hematology_judgement;   ///< 血液学的検査判断料 (60)
  std::vector<procedure_item> chemistry_items; ///< 生化学 items billed together: points on the last item
  int32_t chemistry_panel_points[3] = {};      ///< panel points for 5–7, 8–9, 10+ items
  // 医科: inpatient
  procedure_set acute_ward_days_1_14;    ///< 入院基本料 + 期間加算 + 地域加算 for stay days 1–14 (90)
  procedure_set acute_ward_days_15_30;   ///< the same for stay days 15–30
  procedure_set acute_ward_days_31;      ///< the same after day 30
  procedure_item long_term_ward;         ///< 療養病棟入院料 (90)
  procedure_item psychiatric_ward;       ///< 精神療養病棟入院料 (92)
  std::vector<procedure_item> admission_bonuses; ///< once a month per stay (90)
  procedure_item meal;                   ///< 入院時食事療養 (97), yen per meal
  procedure_item dining_bonus;           ///< 食堂加算 (97), yen per day
  // 医科 pools
  std::vector<procedure_item> single_tests;    ///< one-record tests (60)
  std::vector<procedure_set> imaging;          ///< 撮影 + 診断 + 管理加算 units (70)
  std::vector<procedure_item> treatments;      ///< 処置 (40)
  procedure_item oxygen_inhalation;            ///< 酸素吸入 (40), with `oxygen` as its own unit
  procedure_item dialysis;                     ///< 人工腎臓 (40): injected behaviours only
  std::vector<procedure_item> surgeries;       ///< 手術 (50)
  std::vector<procedure_item> rehabilitation;  ///< 疾患別リハビリテーション (80)
  procedure_item psychotherapy;          ///< 通院精神療法 (80)
  procedure_item psychiatric_support;    ///< 精神科継続外来支援・指導料 (80), instead of psychotherapy on a day
  procedure_item psychiatric_day_care;   ///< 精神科デイ・ケア (80)
  procedure_item occupational_therapy;   ///< 精神科作業療法 (80), psychiatric wards
  std::vector<drug_item> oral_drugs;        ///< 内服, psychotropics among them
  std::vector<drug_item> pain_relief;       ///< 屯服 for pain or fever (also in oral_drugs)
  std::vector<drug_item> topical_drugs;     ///< 外用
  std::vector<drug_item> injection_drugs;   ///< 注射; the first is the carrier solution of drips
  std::vector<material_item> materials;       ///< counted in pieces (no 単位コード)
  material_item oxygen;                        ///< 酸素, by the litre (単位コード 037)
  std::vector<disease_item> diseases;          ///< SY / HS / SB diseases by role
  std::vector<comment_item> comments;          ///< CO records
  std::vector<dpc_group> dpc_groups;           ///< DPC receipts (BU, SB, HH)
  // 歯科
  procedure_item dental_first_visit;     ///< 歯科初診料 (11)
  procedure_item dental_revisit;         ///< 歯科再診料 (12)
  procedure_item dental_management;      ///< 歯科疾患管理料 (13)
  std::vector<procedure_item> dental_procedures; ///< 検査, 画像, 処置, 歯冠修復 … with their 診療識別
  material_item dental_film;             ///< 画像記録用フィルム for dental X-rays
  // 調剤
  procedure_item pharmacy_base;          ///< 調剤基本料 (KI)
  procedure_item medication_guidance;    ///< 服薬管理指導料 (KI 薬学管理料)
  procedure_item preparation_oral;       ///< 薬剤調製料 内服 (CZ)
  procedure_item preparation_as_needed;  ///< 薬剤調製料 屯服 (CZ)
  procedure_item preparation_topical;    ///< 薬剤調製料 外用 (CZ)
  procedure_item psychotropic_bonus;     ///< 向精神薬加算 内服 (CZ 加算)
  procedure_item dispensing_management[4]; ///< 調剤管理料 内服 by days: ≤7, 8–14, 15–28, 29+ (CZ)
  procedure_item dispensing_management_other; ///< 調剤管理料 内服薬以外 (CZ)
};

/// A catalog of a few dozen real codes per role: those of the worked examples
/// and the public samples, with 2024 points and prices checked against the
/// stored masters. 歯科 and 調剤 codes come from public secondary sources
/// (no 歯科 or 調剤 master is stored); DPC 診断群分類 points are plausible values.
catalog builtin_catalog();

/// The built-in catalog with its pools widened from the official masters:
/// a few thousand current codes (procedures with 点数識別 3 in plausible point
/// ranges per 診療識別, non-abolished drugs of each 剤形 including all
/// psychotropics and brands that have generics, materials, diseases). Fixed
/// roles keep their codes; their points and names are refreshed from the masters.
/// The choice is deterministic for a given `seed` and master set.
catalog catalog_from_masters(const master::master_set& masters, uint64_t seed);

} // namespace receptor::synth
