#pragma once

#include <cstdint>

#include "receptor/model/receipt_batch.hpp"
#include "receptor/uke/record_id.hpp"

namespace receptor::uke {

/// Field positions (0 = the record id) of the typed columns of one record
/// type. -1 = the layout has no such field. A record whose other fields are
/// all empty is stored in typed columns only; otherwise it is also kept raw,
/// so a writer can give back exactly what was read.
struct field_map {
  record_id id;
  uint8_t fields = 0;  ///< field count, id included
  uint64_t typed[2] = {0, 0}; ///< bit i: field i has a typed column

  void mark(int i) {
    if (i >= 0 && i < 128)
      typed[i >> 6] |= uint64_t{1} << (i & 63);
  }
  bool is_typed(int i) const { return i >= 0 && i < 128 && ((typed[i >> 6] >> (i & 63)) & 1); }
};

/// IR / UK / YK.
struct institution_fields : field_map {
  int8_t reviewer = -1, prefecture = -1, table = -1, code = -1, name = -1, month = -1,
         volume = -1, phone = -1;
};

/// RE.
struct receipt_fields : field_map {
  int8_t receipt_no = -1, type = -1, month = -1, name = -1, sex = -1, birth = -1, ratio = -1,
         admission = -1, notes = -1, chart = -1, search = -1, kana = -1;
  int8_t prescriber_prefecture = -1, prescriber_table = -1, prescriber_code = -1,
         prescriber_name = -1;
};

/// HO / KO.
struct coverage_fields : field_map {
  int8_t payer_no = -1, symbol = -1, member_no = -1, days = -1, points = -1, copay = -1,
         meal_count = -1, meal_amount = -1;
};

/// SY / SB / HS.
struct disease_fields : field_map {
  int8_t code = -1, start = -1, outcome = -1, modifiers = -1, name = -1, main = -1,
         comment = -1;
};

/// SI / IY / TO / CO / SS / SH / CZ / TK.
struct item_fields : field_map {
  int8_t shikibetsu = -1, burden = -1, code = -1, quantity = -1, points = -1, count = -1,
         text = -1, group = -1;
  int8_t first_day = -1;     ///< 1日の情報; 31 columns follow
  int8_t first_comment = -1; ///< コメントコード①; three (code, text) pairs follow
  int8_t date = -1;          ///< 調剤年月日 (CZ): its day becomes the row's day
  int8_t code_width = 9;
};

/// The records of one 点数表 family.
struct layout {
  model::receipt_kind kind = model::receipt_kind::unknown;
  institution_fields header;      ///< IR (医科/DPC), UK (歯科), YK (調剤): file header
  institution_fields institution; ///< IR repeated per receipt (歯科); same as header otherwise
  receipt_fields re;
  coverage_fields ho, ko;
  disease_fields disease;         ///< SY, SB (DPC) or HS (歯科)
  disease_fields sy_extra;        ///< DPC files carry SY as well as SB
  item_fields items[8];
  int item_count = 0;

  const item_fields* item(record_id id) const {
    for (int i = 0; i < item_count; ++i)
      if (items[i].id == id)
        return &items[i];
    return nullptr;
  }
};

/// Payers a 摘要 line is charged to, by its 負担区分 (別表21): bit 0 = 保 (HO),
/// bits 1–4 = 第1–第4公費 (KO in order). 0 for an unknown or empty code.
uint8_t burden_payers(char code);

/// The layout of a kind (unknown gives the 医科 layout).
const layout& layout_for(model::receipt_kind kind);

/// Records common to every kind.
constexpr uint8_t jd_fields = 33;   ///< JD: 負担者種別 + 31 days
constexpr uint8_t go_fields = 4;    ///< GO: 総件数, 総合計点数, マルチボリューム
constexpr uint8_t mn_fields = 7;    ///< MN (payer side)
constexpr uint8_t jy_fields = 9;    ///< JY (payer side)
constexpr uint8_t payer_prefix_fields = 3;

} // namespace receptor::uke
