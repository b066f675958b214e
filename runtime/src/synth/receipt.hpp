#pragma once

#include <array>
#include <unordered_map>
#include <cstdint>
#include <string>
#include <vector>

#include "receptor/model/receipt_batch.hpp"
#include "receptor/synth/catalog.hpp"
#include "receptor/synth/generator.hpp"
#include "receptor/synth/population.hpp"
#include "receptor/synth/random.hpp"

namespace receptor::synth::detail {

/// Payers a line is billed to, as bits: HO, 第1公費, 第2公費 (slots 0, 1, 2).
constexpr uint8_t pays_insurance = 1;
constexpr uint8_t pays_first = 2;
constexpr uint8_t pays_second = 4;

/// 負担区分 (別表21) of a payer set: 保 '1', 1 '5', 2 '6', 保+1 '2', 保+2 '3', 1+2 '7', 保+1+2 '4'.
constexpr char burden_code(uint8_t payers) {
  constexpr char codes[8] = {'0', '1', '5', '2', '6', '3', '7', '4'};
  return codes[payers & 7];
}

/// Count per day of the 診療月 (the 31 day columns).
using day_counts = std::array<uint16_t, 31>;

/// Records of the 摘要.
enum class item_record : uint8_t { si, iy, to, co, ss };

/// One 摘要 record. A 算定単位 is a run of records of which only the last
/// carries points; all carry the same 回数 and day columns.
struct item_line {
  item_record record = item_record::si;
  uint8_t shikibetsu = 0;   ///< 診療識別 of the block the record belongs to
  uint8_t payers = 0;       ///< pays_* bits
  uint16_t count = 0;       ///< 回数 = Σ days
  int32_t points = -1;      ///< -1 on inner records of a unit
  uint32_t code = 0;
  uint32_t quantity = 0;    ///< 数量データ / 使用量 in 1/1000 units; 0: empty
  uint32_t unit_price = 0;  ///< TO 単価, 1/100 yen (written when unit_code is set)
  uint16_t unit_code = 0;   ///< TO 単位コード
  int16_t comment = -1;     ///< CO: index into catalog::comments
  uint32_t mask = 0;        ///< days with a non-zero count (bit d-1 for day d)
  day_counts days{};
};

/// A 傷病名 of the receipt (SY, HS or SB).
struct diagnosis {
  uint32_t code = 0;        ///< 傷病名コード
  const std::string* icd10 = nullptr; ///< DPC SB
  uint32_t start = 0;       ///< 診療開始日 YYYYMMDD
  uint8_t outcome = 1;      ///< 転帰区分
  bool main = false;        ///< 主傷病
  bool suspected = false;   ///< 修飾語 8002 「の疑い」
  uint8_t dpc_role = 0;     ///< SB 傷病名区分 (DPC)
  uint16_t teeth[2] = {};   ///< 歯科: up to two teeth (歯種 4 digits), 0 none
};

/// DPC コーディングデータ: one act on one day, 包括 or not.
struct coding_entry {
  uint8_t day = 0;
  uint8_t shikibetsu = 0;
  uint16_t order = 0;       ///< 順序番号: one per act (unit and day), counted in file order
  uint8_t detail = 0;       ///< 行為明細番号 within the unit
  item_record record = item_record::si;
  uint32_t code = 0;
  uint32_t quantity = 0;    ///< 1/1000 units
  uint16_t count = 0;
};

/// DPC 入院期間 billed this month (HH).
struct dpc_period {
  uint8_t period = 1;       ///< 入院期間区分 1–3
  int32_t points = 0;       ///< points per day
  uint16_t days = 0;
};

/// 調剤: one drug of a 剤 (IY).
struct rx_drug {
  uint32_t code = 0;
  uint32_t amount = 0;      ///< 使用量 in 1/1000 units (1日量; total for topical)
  uint32_t once = 0;        ///< 1回用量 in 1/1000 units
};

/// 調剤: one 剤 (SH + CZ + its IY records).
struct rx_group {
  uint8_t form = 1;         ///< 剤形: 1 内服, 3 屯服, 5 外用
  uint8_t reception = 1;    ///< 処方箋受付回 (1-based)
  uint8_t payers = 0;
  uint16_t usage = 1;       ///< 用法コード
  uint16_t quantity = 0;    ///< 調剤数量: days (内服), times (屯服), 1 (外用)
  int32_t unit_points = 0;  ///< 単位薬剤料
  const procedure_item* preparation = nullptr; ///< 薬剤調製料
  const procedure_item* management = nullptr;  ///< 調剤管理料 (first 剤 of a reception)
  const procedure_item* bonus = nullptr;       ///< 向精神薬加算 when the 剤 holds a psychotropic
  uint16_t first_drug = 0;
  uint16_t drug_count = 0;

  int64_t points() const;   ///< 薬剤料 + 調製料 + 加算 + 管理料
};

/// 調剤: one 処方箋受付 (KI).
struct rx_reception {
  uint8_t day = 0;          ///< 調剤日
  uint8_t issue_day = 0;    ///< 処方箋交付日
  uint8_t payers = 0;
  bool guidance = false;    ///< 服薬管理指導料 billed
};

/// One receipt, built in full before it is written: the totals come first
/// in the file but are sums over the lines after them.
struct receipt {
  const claim* source = nullptr;
  const person* patient = nullptr;
  const institution* place = nullptr;
  const institution* prescriber = nullptr;   ///< 調剤
  const office* programme = nullptr;         ///< 12 or 25
  const employee_insurance* insurance = nullptr;
  const other_public* other = nullptr;       ///< billed before the programme when set
  model::receipt_kind kind = model::receipt_kind::medical;
  bool inpatient = false;
  uint32_t number = 0;                        ///< レセプト番号
  uint16_t type = 0;                          ///< レセプト種別
  uint32_t chart_no = 0;                      ///< カルテ番号等 / 調剤録番号
  uint8_t slots = 0;                          ///< payers present (pays_* bits)
  // Per payer slot: 0 HO, 1 第1公費, 2 第2公費.
  std::array<int64_t, 3> points{};            ///< 合計点数
  std::array<uint32_t, 3> days{};             ///< day mask: JD and 実日数
  std::array<uint32_t, 3> meals{};            ///< 食事療養 回数
  std::array<int64_t, 3> meal_yen{};          ///< 食事療養 合計金額
  std::array<int32_t, 3> copay{};             ///< 負担金額 (-1: empty)
  uint32_t admission = 0;                     ///< 入院年月日
  uint32_t discharge = 0;                     ///< 退院年月日 within the month (0: still in)
  uint32_t stay = 0;                          ///< inpatient days of the month (mask)
  uint32_t first_visit = 0;                   ///< 歯科 診療開始日
  std::vector<diagnosis> diagnoses;
  std::vector<item_line> items;
  // DPC
  const dpc_group* group = nullptr;
  std::vector<dpc_period> periods;
  std::vector<coding_entry> coding;
  // 調剤
  std::vector<rx_reception> receptions;
  std::vector<rx_group> groups;
  std::vector<rx_drug> drugs;

  /// Slot of the first payer: HO if present, else the first KO.
  int first_slot() const { return (slots & pays_insurance) != 0 ? 0 : 1; }
  /// Number of KO records.
  int publics() const { return ((slots & pays_first) != 0 ? 1 : 0) + ((slots & pays_second) != 0 ? 1 : 0); }
};

/// Builds receipts from claims; holds the catalog views it draws from.
class receipt_builder {
public:
  receipt_builder(const options& opts, const catalog& codes, const population& pop);

  /// Fills `r` for claim `c` as receipt number `number` of its file. `r`
  /// keeps its capacity between calls.
  void build(const claim& c, uint32_t number, receipt& r);

private:
  struct unit_span {
    uint8_t shikibetsu;
    uint32_t begin, end;
  };

  void start(const claim& c, uint32_t number, receipt& r, rng& random);
  void medical_outpatient(receipt& r, rng& random);
  void inpatient_stay(receipt& r, rng& random, bool dpc);
  void dental(receipt& r, rng& random);
  void pharmacy(receipt& r, rng& random);
  void planned_pharmacy(receipt& r, rng& random, const care_plan& plan);
  void to_dpc(receipt& r);
  void sort_units(receipt& r);
  void totals(receipt& r) const;

  // Pieces of 医科 receipts.
  void chronic_diseases(const person& p, bool psychiatric_place, receipt& r) const;
  void acute_disease(receipt& r, rng& random, unsigned day) const;
  void prescriptions(receipt& r, rng& random, uint32_t days, bool psychiatric, bool in_house);
  void inpatient_drugs(receipt& r, rng& random, uint32_t stay, bool psychiatric);
  void tests(receipt& r, rng& random, uint32_t days, bool inpatient);
  void injections(receipt& r, rng& random, uint32_t days, bool inpatient);
  void meals(receipt& r, rng& random, uint32_t stay);
  void comment(receipt& r, rng& random, uint8_t shikibetsu, uint8_t payers) const;
  uint32_t pick_days(rng& random, unsigned n, uint32_t allowed) const;
  uint32_t subset(rng& random, uint32_t days, double keep) const;
  const drug_item& oral_drug(rng& random, bool psychotropic) const;
  const care_plan* plan_of(const claim& c) const;
  const drug_item& planned(uint32_t code) const;
  const drug_item& pain_killer(rng& random) const;
  const drug_item& topical_drug(rng& random) const;
  const drug_item& injection_drug(rng& random) const;
  const drug_item& carrier(size_t i) const;
  const drug_item& distinct_drug(rng& random, bool psychotropic, const drug_item* const* chosen, size_t n) const;
  uint32_t oral_amount(rng& random, const drug_item& d) const;
  int32_t drug_points(const drug_item* const* drugs, const uint32_t* amounts, size_t n) const;
  uint8_t unit_payers(const receipt& r, rng& random, bool related) const;

  item_line& add(receipt& r, item_record record, uint8_t shikibetsu, uint32_t code, uint32_t quantity,
                 const day_counts& days, uint8_t payers) const;
  void single(receipt& r, const procedure_item& item, const day_counts& days, uint8_t payers,
              uint32_t quantity = 0) const;
  void procedure_unit(receipt& r, const procedure_set& set, const day_counts& days, uint8_t payers) const;
  void material(receipt& r, const material_item& m, uint8_t shikibetsu, const day_counts& days, uint8_t payers,
                int32_t extra_points) const;

  const options& opts_;
  const catalog& codes_;
  const population& pop_;
  uint32_t month_days_;
  // Catalog views by role: disease indices with cumulative weights, drug pools.
  std::vector<uint32_t> chronic_, psychiatric_, acute_, dental_diseases_;
  std::vector<uint32_t> chronic_weights_, psychiatric_weights_, acute_weights_, dental_weights_;
  std::vector<const drug_item*> oral_, oral_brand_, psychotropic_, psychotropic_brand_;
  std::vector<const procedure_item*> dental_treatments_; ///< 歯科 items other than 医学管理
  // options::clean: pools without what a check would flag (brands with a 後発品, 麻薬,
  // 向精神薬 as 屯服 or 外用, 人工腎臓, 精神療法); otherwise every item.
  std::vector<const drug_item*> pain_, topical_, injection_;
  std::vector<const procedure_item*> treatments_, rehabilitation_;
  std::unordered_map<uint32_t, const drug_item*> oral_by_code_;
  // Scratch space reused across receipts.
  std::vector<unit_span> spans_;
  std::vector<item_line> scratch_;
};

/// Age in full years on the first day of `yyyymm`.
uint32_t age_at(uint32_t birth_date, uint32_t yyyymm);

} // namespace receptor::synth::detail
