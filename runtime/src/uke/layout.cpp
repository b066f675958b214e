#include "receptor/uke/layout.hpp"

// Positions follow spec/receipt-format.md §2 (医科 R04), §3 (DPC), §4 (歯科)
// and §5 (調剤). Each builder marks which positions are typed.

namespace receptor::uke {

namespace {

template <class Map, class... Ts>
void mark_all(Map& m, Ts... positions) {
  (m.mark(positions), ...);
}

institution_fields make_institution(record_id id, uint8_t fields, int8_t name, int8_t month,
                                    int8_t volume, int8_t phone) {
  institution_fields f;
  f.id = id;
  f.fields = fields;
  f.reviewer = 1;
  f.prefecture = 2;
  f.table = 3;
  f.code = 4;
  f.name = name;
  f.month = month;
  f.volume = volume;
  f.phone = phone;
  mark_all(f, 0, f.reviewer, f.prefecture, f.table, f.code, f.name, f.month, f.volume, f.phone);
  return f;
}

receipt_fields make_re(uint8_t fields, int8_t admission, int8_t notes, int8_t chart,
                       int8_t search, int8_t kana) {
  receipt_fields f;
  f.id = rec::RE;
  f.fields = fields;
  f.receipt_no = 1;
  f.type = 2;
  f.month = 3;
  f.name = 4;
  f.sex = 5;
  f.birth = 6;
  f.ratio = 7;
  f.admission = admission;
  f.notes = notes;
  f.chart = chart;
  f.search = search;
  f.kana = kana;
  mark_all(f, 0, f.receipt_no, f.type, f.month, f.name, f.sex, f.birth, f.ratio, f.admission,
           f.notes, f.chart, f.search, f.kana);
  return f;
}

coverage_fields make_coverage(record_id id, uint8_t fields, int8_t days, int8_t points,
                              int8_t copay, int8_t meal_count, int8_t meal_amount) {
  coverage_fields f;
  f.id = id;
  f.fields = fields;
  f.payer_no = 1;
  if (id == rec::HO) {
    f.symbol = 2;
    f.member_no = 3;
  } else {
    f.member_no = 2;
  }
  f.days = days;
  f.points = points;
  f.copay = copay;
  f.meal_count = meal_count;
  f.meal_amount = meal_amount;
  mark_all(f, 0, f.payer_no, f.symbol, f.member_no, f.days, f.points, f.copay, f.meal_count,
           f.meal_amount);
  return f;
}

disease_fields make_disease(record_id id, uint8_t fields, int8_t code, int8_t start,
                            int8_t outcome, int8_t modifiers, int8_t name, int8_t main,
                            int8_t comment) {
  disease_fields f;
  f.id = id;
  f.fields = fields;
  f.code = code;
  f.start = start;
  f.outcome = outcome;
  f.modifiers = modifiers;
  f.name = name;
  f.main = main;
  f.comment = comment;
  mark_all(f, 0, code, start, outcome, modifiers, name, main, comment);
  return f;
}

// SI / IY / TO with 診療識別, 負担区分, code, quantity, 点数, 回数, comments, days.
item_fields make_line(record_id id, uint8_t fields, int8_t points, int8_t count,
                      int8_t first_comment, int8_t first_day, int8_t text = -1) {
  item_fields f;
  f.id = id;
  f.fields = fields;
  f.shikibetsu = 1;
  f.burden = 2;
  f.code = 3;
  f.quantity = 4;
  f.points = points;
  f.count = count;
  f.first_comment = first_comment;
  f.first_day = first_day;
  f.text = text;
  mark_all(f, 0, 1, 2, 3, 4, points, count, text);
  for (int i = 0; first_comment >= 0 && i < 6; ++i)
    f.mark(first_comment + i);
  for (int i = 0; first_day >= 0 && i < 31; ++i)
    f.mark(first_day + i);
  return f;
}

item_fields make_comment(uint8_t fields) {
  item_fields f;
  f.id = rec::CO;
  f.fields = fields;
  f.shikibetsu = 1;
  f.burden = 2;
  f.code = 3;
  f.text = 4;
  mark_all(f, 0, 1, 2, 3, 4);
  return f;
}

layout make_medical() {
  layout l;
  l.kind = model::receipt_kind::medical;
  l.header = make_institution(rec::IR, 10, 6, 7, 8, 9);
  l.institution = l.header;
  l.re = make_re(38, 8, 11, 13, 18, 36);
  l.ho = make_coverage(rec::HO, 15, 4, 5, 11, 7, 8);
  l.ko = make_coverage(rec::KO, 12, 4, 5, 6, 10, 11);
  l.disease = make_disease(rec::SY, 8, 1, 2, 3, 4, 5, 6, 7);
  l.items[0] = make_line(rec::SI, 44, 5, 6, 7, 13);
  l.items[1] = make_line(rec::IY, 44, 5, 6, 7, 13);
  l.items[2] = make_line(rec::TO, 48, 5, 6, 11, 17, 10);
  l.items[3] = make_comment(5);
  l.item_count = 4;
  return l;
}

layout make_dpc() {
  layout l = make_medical();
  l.kind = model::receipt_kind::dpc;
  l.ho = make_coverage(rec::HO, 16, 4, 5, 11, 7, 8);
  l.ko = make_coverage(rec::KO, 13, 4, 5, 6, 10, 11);
  // SB: 傷病名コード, 修飾語, 傷病名称, ICD10, 傷病名区分, 死因, 補足コメント.
  l.sy_extra = l.disease;
  l.disease = make_disease(rec::SB, 8, 1, -1, -1, 2, 3, -1, 7);
  return l;
}

layout make_dental() {
  layout l;
  l.kind = model::receipt_kind::dental;
  l.header = make_institution(rec::UK, 10, 6, 7, 9, -1);
  l.institution = make_institution(rec::IR, 9, -1, 6, -1, 7);
  l.re = make_re(27, 8, 13, 15, 19, 25);
  l.ho = make_coverage(rec::HO, 14, 4, 5, 10, 6, 7);
  l.ko = make_coverage(rec::KO, 10, 4, 5, 6, 8, 9);
  // HS: 診療開始日, 転帰, 歯式, 傷病名コード, 修飾語, 傷病名称, 併存数, 病態移行, 主傷病, …
  l.disease = make_disease(rec::HS, 13, 4, 1, 2, 5, 6, 9, -1);
  // SS: 診療識別, 負担区分, code, 数量1, 数量2, 35 (加算コード, 数量), 点数, 回数, 31 days.
  l.items[0] = make_line(rec::SS, 109, 76, 77, -1, 78);
  l.items[1] = make_line(rec::SI, 38, 5, 6, -1, 7);
  // IY (歯科): as SI plus 医薬品区分 before the day columns.
  l.items[2] = make_line(rec::IY, 39, 5, 6, -1, 8);
  // TO (歯科): …, 使用量, 単位, 単価, 加算×2, 商品名, 点数, 回数, 31 days.
  l.items[3] = make_line(rec::TO, 45, 12, 13, -1, 14, 11);
  l.items[4] = make_comment(11);
  l.item_count = 5;
  return l;
}

layout make_pharmacy() {
  layout l;
  l.kind = model::receipt_kind::pharmacy;
  l.header = make_institution(rec::YK, 9, 5, 6, 7, 8);
  l.institution = l.header;
  l.re = make_re(42, -1, 8, 35, 37, 41);
  l.re.prescriber_prefecture = 9;
  l.re.prescriber_table = 10;
  l.re.prescriber_code = 11;
  l.re.prescriber_name = 12;
  mark_all(l.re, 9, 10, 11, 12);
  l.ho = make_coverage(rec::HO, 14, 4, 5, 9, -1, -1);
  l.ko = make_coverage(rec::KO, 10, 4, 5, 7, -1, -1);
  l.disease = {}; // 調剤 receipts carry no diseases

  item_fields sh; // SH: 処方No, 剤形, 用法, 特別指示, 単位薬剤料, 第1–第4公費 単位薬剤料
  sh.id = rec::SH;
  sh.fields = 10;
  sh.group = 1;
  sh.shikibetsu = 2;
  sh.points = 5;
  sh.code_width = 0;
  mark_all(sh, 0, 1, 2, 5);

  item_fields cz; // CZ: 医師No, 交付日, 調剤日, 受付回, 調剤数量, 負担区分, …, code, 点数, …
  cz.id = rec::CZ;
  cz.fields = 71;
  cz.date = 3;
  cz.count = 5;
  cz.burden = 6;
  cz.code = 9;
  cz.points = 10;
  mark_all(cz, 0, 3, 5, 6, 9, 10);

  item_fields iy; // IY: 負担区分, code, 使用量, …
  iy.id = rec::IY;
  iy.fields = 10;
  iy.burden = 1;
  iy.code = 2;
  iy.quantity = 3;
  mark_all(iy, 0, 1, 2, 3);

  item_fields to; // TO: 負担区分, code, 使用量, 単位, 単価, 名称
  to.id = rec::TO;
  to.fields = 7;
  to.burden = 1;
  to.code = 2;
  to.quantity = 3;
  to.text = 6;
  mark_all(to, 0, 1, 2, 3, 6);

  item_fields co; // CO / TK: コメントコード, 文字データ
  co.id = rec::CO;
  co.fields = 3;
  co.code = 1;
  co.text = 2;
  mark_all(co, 0, 1, 2);
  item_fields tk = co;
  tk.id = rec::TK;

  l.items[0] = sh;
  l.items[1] = cz;
  l.items[2] = iy;
  l.items[3] = to;
  l.items[4] = co;
  l.items[5] = tk;
  l.item_count = 6;
  return l;
}

} // namespace

uint8_t burden_payers(char code) {
  // 別表21 負担区分: 保 = 1, 第1公費 = 2, 第2 = 4, 第3 = 8, 第4 = 16.
  switch (code) {
    case '1': return 1;
    case '5': return 2;
    case '6': return 4;
    case 'B': return 8;
    case 'C': return 16;
    case '2': return 1 | 2;
    case '3': return 1 | 4;
    case 'E': return 1 | 8;
    case 'G': return 1 | 16;
    case '7': return 2 | 4;
    case 'H': return 2 | 8;
    case 'I': return 2 | 16;
    case 'J': return 4 | 8;
    case 'K': return 4 | 16;
    case 'L': return 8 | 16;
    case '4': return 1 | 2 | 4;
    case 'M': return 1 | 2 | 8;
    case 'N': return 1 | 2 | 16;
    case 'O': return 1 | 4 | 8;
    case 'P': return 1 | 4 | 16;
    case 'Q': return 1 | 8 | 16;
    case 'R': return 2 | 4 | 8;
    case 'S': return 2 | 4 | 16;
    case 'T': return 2 | 8 | 16;
    case 'U': return 4 | 8 | 16;
    case 'V': return 1 | 2 | 4 | 8;
    case 'W': return 1 | 2 | 4 | 16;
    case 'X': return 1 | 2 | 8 | 16;
    case 'Y': return 1 | 4 | 8 | 16;
    case 'Z': return 2 | 4 | 8 | 16;
    case '9': return 1 | 2 | 4 | 8 | 16;
    default: return 0;
  }
}

const layout& layout_for(model::receipt_kind kind) {
  static const layout medical = make_medical();
  static const layout dpc = make_dpc();
  static const layout dental = make_dental();
  static const layout pharmacy = make_pharmacy();
  switch (kind) {
    case model::receipt_kind::dpc: return dpc;
    case model::receipt_kind::dental: return dental;
    case model::receipt_kind::pharmacy: return pharmacy;
    default: return medical;
  }
}

} // namespace receptor::uke
