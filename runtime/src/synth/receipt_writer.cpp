#include "receipt_writer.hpp"

#include <algorithm>

#include "receptor/dates.hpp"
#include "receptor/encoding.hpp"

namespace receptor::synth::detail {

namespace {

constexpr uint32_t bit(unsigned day) { return uint32_t{1} << (day - 1); }

unsigned popcount(uint32_t mask) {
  unsigned n = 0;
  for (; mask != 0; mask &= mask - 1)
    ++n;
  return n;
}

// 審査支払機関 (別表1): 生保 and 支援給付 receipts are claimed through 支払基金.
constexpr unsigned reviewer = 1;

// Stream tags for the payer side's own draws, apart from the receipt's content.
constexpr uint64_t correction_stream = 0x4a59; // "JY"
constexpr uint64_t review_data_stream = 0x4558; // "EX"

unsigned table_of(model::receipt_kind kind) {
  return kind == model::receipt_kind::dental ? 3 : kind == model::receipt_kind::pharmacy ? 4 : 1;
}

} // namespace

receipt_writer::receipt_writer(const options& opts, const catalog& codes, const population& pop)
  : opts_(opts), codes_(codes), pop_(pop), builder_(opts, codes, pop), payer_(opts.payer_side),
    billing_(add_months(opts.month, 1)) {
  space_ = encode("\xE3\x80\x80");
  for (const auto& n : family_names()) {
    family_kanji_.push_back(encode(n.kanji));
    family_kana_.push_back(encode(n.kana));
  }
  for (int sex = 0; sex < 2; ++sex)
    for (const auto& n : given_names(static_cast<uint8_t>(sex + 1))) {
      given_kanji_[sex].push_back(encode(n.kanji));
      given_kana_[sex].push_back(encode(n.kana));
    }
  for (const auto& c : codes.comments)
    comments_.push_back(encode(c.text));
  for (auto& texts : institution_texts_)
    texts.resize(pop.institutions.size());
  institution_encoded_.assign(pop.institutions.size(), 0);
  for (auto& texts : insurance_texts_)
    texts.resize(pop.insurances.size());
  insurance_encoded_.assign(pop.insurances.size(), 0);
}

std::string receipt_writer::encode(std::string_view utf8) const {
  return opts_.utf8 ? std::string{utf8} : utf8_to_cp932(utf8);
}

const std::string& receipt_writer::institution_text(uint32_t index, text_field field) {
  if (institution_encoded_[index] == 0) {
    const auto& inst = pop_.institutions[index];
    institution_texts_[0][index] = encode(inst.name);
    institution_texts_[1][index] = encode(inst.address);
    institution_texts_[2][index] = encode(inst.doctor);
    institution_encoded_[index] = 1;
  }
  return institution_texts_[static_cast<size_t>(field)][index];
}

const std::string& receipt_writer::insurance_text(const employee_insurance& ins, bool number) {
  const auto index = static_cast<size_t>(&ins - pop_.insurances.data());
  if (insurance_encoded_[index] == 0) {
    insurance_texts_[0][index] = encode(ins.symbol);
    insurance_texts_[1][index] = encode(ins.number);
    insurance_encoded_[index] = 1;
  }
  return insurance_texts_[number ? 1 : 0][index];
}

expected<file_info> receipt_writer::write(std::FILE* out, model::receipt_kind kind, const claim* first,
                                          const claim* last) {
  if (!payer_ && first == last)
    return make_error(ec::invalid_argument, "an institution-side file needs at least one claim");
  for (const claim* c = first; c != last; ++c) {
    if (c->kind != kind)
      return make_error(ec::invalid_argument, "a file holds claims of one kind");
    if (!payer_ && c->institution != first->institution)
      return make_error(ec::invalid_argument, "an institution-side file holds the claims of one institution");
  }
  output o{out, buffer_, opts_.crlf, opts_.wareki};
  out_ = &o;
  kind_ = kind;
  info_ = file_info{};
  info_.kind = kind;
  info_.payer_side = payer_;
  management_no_ = 0;

  if (!payer_)
    header(pop_.institutions[first->institution]);
  uint32_t number = 0;
  uint32_t current = ~uint32_t{0};
  for (const claim* c = first; c != last; ++c) {
    // レセプト番号 counts per institution, on both sides.
    if (c->institution != current) {
      current = c->institution;
      number = 0;
    }
    builder_.build(*c, ++number, r_);
    write_receipt(r_);
  }
  if (!payer_) {
    record("GO");
    o.field(info_.claims);
    o.field(static_cast<uint64_t>(info_.points));
    o.text("99");
    o.end();
  }
  if (opts_.eof_marker)
    o.put('\x1A');
  info_.records = o.lines();
  info_.bytes = o.bytes();
  const bool ok = o.flush();
  out_ = nullptr;
  if (!ok)
    return make_error(ec::io_error, "could not write the receipt file");
  return info_;
}

void receipt_writer::record(const char* id, unsigned data_kind, unsigned branch) {
  if (payer_)
    out_->begin(id, data_kind, ++row_, branch);
  else
    out_->begin(id);
}

void receipt_writer::header(const institution& inst) {
  const auto index = static_cast<uint32_t>(&inst - pop_.institutions.data());
  switch (kind_) {
    case model::receipt_kind::dental:
      // UK 受付情報 (10): 審査支払機関, 都道府県, 点数表, コード, 予備, 名称, 請求年月, 届出, マルチボリューム.
      record("UK");
      out_->field(reviewer);
      out_->padded(inst.prefecture, 2);
      out_->field(3);
      out_->text(inst.code);
      out_->empty();
      out_->text(institution_text(index, text_field::name));
      out_->month(billing_);
      out_->empty();
      out_->text("00");
      out_->end();
      break;
    case model::receipt_kind::pharmacy:
      // YK 薬局情報 (9): 審査支払機関, 都道府県, 点数表, 薬局コード, 名称, 請求年月, マルチボリューム, 電話.
      record("YK");
      out_->field(reviewer);
      out_->padded(inst.prefecture, 2);
      out_->field(4);
      out_->text(inst.code);
      out_->text(institution_text(index, text_field::name));
      out_->month(billing_);
      out_->text("00");
      out_->text(inst.phone);
      out_->end();
      break;
    default:
      ir(inst);
      break;
  }
}

void receipt_writer::ir(const institution& inst) {
  const auto index = static_cast<uint32_t>(&inst - pop_.institutions.data());
  record("IR");
  out_->field(reviewer);
  out_->padded(inst.prefecture, 2);
  if (kind_ == model::receipt_kind::dental) {
    // 歯科 IR (9): …, 予備, 請求年月, 電話番号, 届出.
    out_->field(3);
    out_->text(inst.code);
    out_->empty();
    out_->month(billing_);
    out_->text(inst.phone);
    out_->empty();
  } else {
    // 医科 IR (10): …, 予備, 名称, 請求年月, マルチボリューム, 電話番号.
    out_->field(1);
    out_->text(inst.code);
    out_->empty();
    out_->text(institution_text(index, text_field::name));
    out_->month(billing_);
    out_->text("00");
    out_->text(inst.phone);
  }
  out_->end();
}

void receipt_writer::write_receipt(const receipt& r) {
  ++info_.receipts;
  const int first = r.first_slot();
  info_.claimed_points += r.points[static_cast<size_t>(first)];
  info_.claims += static_cast<uint64_t>((r.insurance != nullptr ? 1 : 0) + r.publics());
  if (r.other != nullptr)
    ++info_.ko_by_law[r.other->law];
  ++info_.ko_by_law[r.programme->law];
  if (payer_) {
    rng random{derive_seed(r.source->seed, correction_stream)};
    payer_block(r, random);
    return;
  }
  info_.points += r.points[static_cast<size_t>(first)];
  switch (kind_) {
    case model::receipt_kind::dental:
      dental(r);
      break;
    case model::receipt_kind::pharmacy:
      pharmacy(r);
      break;
    default:
      medical(r);
      break;
  }
}

void receipt_writer::name(const person& p) {
  out_->put(',');
  out_->raw(family_kanji_[p.family_name]);
  out_->raw(space_);
  out_->raw(given_kanji_[p.sex - 1][p.given_name]);
}

void receipt_writer::kana(const person& p) {
  out_->put(',');
  out_->raw(family_kana_[p.family_name]);
  out_->raw(given_kana_[p.sex - 1][p.given_name]);
}

// The first six RE fields, the same in every 点数表's layout.
void receipt_writer::re_head(const receipt& r) {
  const person& p = *r.patient;
  record("RE");
  out_->field(r.number);    // 1 レセプト番号
  out_->field(r.type);      // 2 レセプト種別
  out_->month(opts_.month); // 3 診療年月 / 調剤年月
  name(p);                  // 4 氏名
  out_->field(p.sex);       // 5 男女区分
  out_->date(p.birth_date); // 6 生年月日
}

void receipt_writer::re_medical(const receipt& r) {
  const person& p = *r.patient;
  const bool hospital = r.place->type == facility::hospital;
  re_head(r);                            // RE 1–6
  out_->empty();                         // 7 給付割合
  if (r.inpatient)                       // 8 入院年月日
    out_->date(r.admission);
  else
    out_->empty();
  if (r.inpatient && r.place->psychiatric) // 9 病棟区分: 01 精神
    out_->text("01");
  else
    out_->empty();
  out_->empty(2);                        // 10 一部負担金区分, 11 特記事項
  if (hospital && !r.inpatient)          // 12 病床数
    out_->field(r.place->beds);
  else
    out_->empty();
  out_->padded(r.chart_no, 5);           // 13 カルテ番号等
  out_->empty(7);                        // 14 割引点数単価, 15–17 予備, 18 検索番号, 19 予備, 20 請求情報
  if (hospital)                          // 21 診療科名: 01 内科, 02 精神科
    out_->padded(r.place->psychiatric ? 2 : 1, 2);
  else
    out_->empty();
  out_->empty(14);                       // 22–25 診療科1 details, 26–35 診療科2 and 3
  kana(p);                               // 36 カタカナ（氏名）
  out_->empty();                         // 37 患者の状態
  out_->end();
}

void receipt_writer::ho(const receipt& r, const std::array<int64_t, 3>& points, unsigned data_kind) {
  const auto& ins = *r.insurance;
  if (data_kind == 1)
    ho_row_ = row_ + 1;
  record("HO", data_kind);
  out_->text(ins.insurer_no);                          // 保険者番号
  out_->text(insurance_text(ins, false));              // 記号
  out_->text(insurance_text(ins, true));               // 番号
  out_->field(popcount(r.days[0]));                    // 診療実日数 / 処方箋受付回数
  out_->field(static_cast<uint64_t>(points[0]));       // 合計点数
  if (kind_ == model::receipt_kind::pharmacy) {
    // 調剤 HO (14): 予備, 職務上の事由, 証明書番号, 一部負担金, 予備, 減免区分, 減額割合, 減額金額.
    out_->empty(8);
  } else {
    if (kind_ != model::receipt_kind::dental)
      out_->empty();                                   // 予備 (医科 and DPC only)
    if (r.meals[0] > 0) {                              // 食事療養 回数, 合計金額
      out_->field(r.meals[0]);
      out_->field(static_cast<uint64_t>(r.meal_yen[0]));
    } else {
      out_->empty(2);
    }
    out_->empty(6);                                    // 職務上の事由 … 減額金額
    if (kind_ == model::receipt_kind::dpc)
      out_->empty();                                   // 標準負担額 (DPC)
  }
  out_->end();
}

void receipt_writer::ko(const receipt& r, int slot, const std::array<int64_t, 3>& points, unsigned data_kind) {
  // 第1公費 is the other 公費 when there is one; the programme comes last.
  const bool other = r.other != nullptr && slot == 1;
  const std::string& payer_no = other ? r.other->payer_no : r.programme->payer_no;
  const uint32_t recipient = other ? r.other->recipient_no : programme_recipient_no(*r.source, pop_);
  const auto s = static_cast<size_t>(slot);
  if (data_kind == 1)
    ko_rows_[slot - 1] = row_ + 1;
  record("KO", data_kind);
  out_->text(payer_no);                      // 公費負担者番号
  out_->padded(recipient, 7);                // 公費受給者番号
  out_->empty();                             // 任意給付区分
  out_->field(popcount(r.days[s]));          // 診療実日数 / 処方箋受付回数
  out_->field(static_cast<uint64_t>(points[s])); // 合計点数
  switch (kind_) {
    case model::receipt_kind::pharmacy:
      out_->empty();                         // 予備
      out_->optional(r.copay[s]);            // 一部負担金額
      out_->empty(2);                        // 予備, 公費給付対象一部負担金
      break;
    case model::receipt_kind::dental:
      out_->optional(r.copay[s]);            // 負担金額
      out_->empty();                         // 公費給付対象一部負担金
      break;
    default:
      out_->optional(r.copay[s]);            // 負担金額
      out_->empty(3);                        // 外来一部負担金 (DPC: 予備), 入院一部負担金, 予備
      break;
  }
  if (kind_ != model::receipt_kind::pharmacy) {
    if (r.meals[s] > 0) {                    // 食事療養 回数, 合計金額
      out_->field(r.meals[s]);
      out_->field(static_cast<uint64_t>(r.meal_yen[s]));
    } else {
      out_->empty(2);
    }
    if (kind_ == model::receipt_kind::dpc)
      out_->empty();                         // 標準負担額 (DPC)
  }
  out_->end();
}

void receipt_writer::sn_jd(const receipt& r) {
  if (r.insurance != nullptr) {
    // SN (9): 負担者種別 1, 確認区分 01; the rest is filled after review.
    record("SN");
    out_->field(1);
    out_->text("01");
    out_->empty(3);
    out_->text("00");
    out_->empty(2);
    out_->end();
  }
  for (int slot = 0; slot < 3; ++slot) {
    if (((r.slots >> slot) & 1) == 0)
      continue;
    // JD (33): 負担者種別 (1 医保, 2 第1公費, 3 第2公費) and 1 on each counted day.
    record("JD");
    out_->field(static_cast<uint64_t>(slot + 1));
    const uint32_t mask = r.days[static_cast<size_t>(slot)];
    for (unsigned day = 1; day <= 31; ++day) {
      out_->put(',');
      if ((mask & bit(day)) != 0)
        out_->put('1');
    }
    out_->end();
  }
}

void receipt_writer::sy(const receipt& r) {
  for (const auto& d : r.diagnoses) {
    // SY (8): コード, 診療開始日, 転帰区分, 修飾語コード, 傷病名称, 主傷病, 補足コメント.
    record("SY");
    out_->padded(d.code, 7);
    out_->date(d.start);
    out_->field(d.outcome);
    if (d.suspected)
      out_->text("8002");
    else
      out_->empty();
    out_->empty();
    if (d.main)
      out_->text("01");
    else
      out_->empty();
    out_->empty();
    out_->end();
  }
}

void receipt_writer::days(const item_line& line) {
  // 31 fields, mostly empty: runs of commas up to each day with a count.
  unsigned written = 0;
  for (uint32_t mask = line.mask; mask != 0; mask &= mask - 1) {
    unsigned day = 0;
    while (((mask >> day) & 1) == 0)
      ++day;
    out_->empty(static_cast<int>(day + 1 - written));
    out_->number(line.days[day]);
    written = day + 1;
  }
  out_->empty(static_cast<int>(31 - written));
}

void receipt_writer::item(const item_line& line, bool show_shikibetsu, unsigned data_kind) {
  static constexpr const char* ids[] = {"SI", "IY", "TO", "CO", "SS"};
  record(ids[static_cast<int>(line.record)], data_kind);
  if (show_shikibetsu)
    out_->padded(line.shikibetsu, 2);    // 診療識別
  else
    out_->empty();
  out_->character(burden_code(line.payers)); // 負担区分
  out_->field(line.code);
  const bool dental = kind_ == model::receipt_kind::dental;
  switch (line.record) {
    case item_record::co:
      out_->text(comments_[static_cast<size_t>(line.comment)]); // 文字データ
      if (dental)
        out_->empty(6);                  // 歯式, 予備 × 5
      break;
    case item_record::ss:
      out_->decimal(line.quantity, 1000); // 数量データ1
      out_->empty(71);                   // 数量データ2, 加算 35 × (コード, 数量)
      out_->optional(line.points);
      out_->field(line.count);
      days(line);
      break;
    case item_record::to:
      out_->decimal(line.quantity, 1000); // 使用量 (5.3)
      if (dental) {
        if (line.unit_code != 0) {       // 単位コード, 単価
          out_->padded(line.unit_code, 3);
          out_->decimal(line.unit_price, 100);
        } else {
          out_->empty(2);
        }
        out_->empty(5);                  // 加算等 2 × (コード, 数量), 商品名
        out_->optional(line.points);
        out_->field(line.count);
      } else {
        out_->optional(line.points);
        out_->field(line.count);
        if (line.unit_code != 0) {
          out_->padded(line.unit_code, 3);
          out_->decimal(line.unit_price, 100);
        } else {
          out_->empty(2);
        }
        out_->empty(8);                  // 予備, 商品名, 3 × (コメントコード, 文字データ)
      }
      days(line);
      break;
    default: // SI, IY
      out_->decimal(line.quantity, 1000); // 数量データ / 使用量
      out_->optional(line.points);
      out_->field(line.count);
      if (dental) {
        if (line.record == item_record::iy)
          out_->empty();                 // 医薬品区分
      } else {
        out_->empty(6);                  // 3 × (コメントコード, 文字データ)
      }
      days(line);
      break;
  }
  out_->end();
}

void receipt_writer::medical(const receipt& r) {
  const bool dpc = kind_ == model::receipt_kind::dpc;
  re_medical(r);
  if (r.insurance != nullptr)
    ho(r, r.points, 1);
  for (int slot = 1; slot <= r.publics(); ++slot)
    ko(r, slot, r.points, 1);
  sn_jd(r);
  if (dpc)
    dpc_records(r);
  else
    sy(r);
  // 診療識別 on the first record of a block, and again after 98 records without it.
  item_rows_.resize(r.items.size());
  uint8_t current = 0;
  int omitted = 0;
  for (size_t i = 0; i < r.items.size(); ++i) {
    const auto& line = r.items[i];
    const bool show = line.shikibetsu != current || omitted >= 98;
    if (show) {
      current = line.shikibetsu;
      omitted = 0;
    } else {
      ++omitted;
    }
    item_rows_[i] = row_ + 1;
    item(line, show, 1);
  }
  if (dpc)
    coding(r);
}

void receipt_writer::dpc_records(const receipt& r) {
  const char burden = burden_code(r.slots);
  // BU (6): 診断群分類番号, 今回入院年月日, 今回退院年月日, DPC転帰区分, 死因.
  record("BU");
  out_->text(r.group->code);
  out_->date(r.admission);
  if (r.discharge != 0) {
    out_->date(r.discharge);
    out_->field(1);
  } else {
    out_->empty(2);
  }
  out_->empty();
  out_->end();
  // SB (8): コード, 修飾語, 名称, ICD10, 傷病名区分, 死因, 補足コメント. The main
  // disease is 主傷病名 (01), 入院の契機 (02) and 医療資源を最も投入した傷病名 (03).
  for (const auto& d : r.diagnoses) {
    const int roles = d.dpc_role == 1 ? 3 : 1;
    for (int k = 0; k < roles; ++k) {
      record("SB");
      out_->padded(d.code, 7);
      out_->empty(2);
      out_->text(d.icd10 != nullptr ? std::string_view{*d.icd10} : std::string_view{});
      out_->padded(static_cast<uint64_t>(d.dpc_role + k), 2);
      out_->empty(2);
      out_->end();
    }
  }
  // KK (14): 予備, 転科, 予定・緊急入院区分, 前回退院年月日, 前回同一傷病, 入院時年齢,
  // 出生時体重, JCS, 予備, Burn Index, 重症度等, GAF, 入院時月齢.
  record("KK");
  out_->empty();
  out_->field(0);
  out_->field(r.source->seed % 3 == 0 ? 1 : 2);
  out_->empty(2);
  out_->field(age_at(r.patient->birth_date, r.admission / 100));
  out_->empty();
  out_->field(0);
  out_->empty(5);
  out_->end();
  // HH (9): 診療年月, 請求調整区分, 自他保険区分, 負担区分, 入院期間区分, 点数, 日数, 包括点数.
  int64_t bundled = 0;
  for (const auto& p : r.periods) {
    record("HH");
    out_->month(opts_.month);
    out_->empty();
    out_->field(1);
    out_->character(burden);
    out_->field(p.period);
    out_->field(static_cast<uint64_t>(p.points));
    out_->field(p.days);
    out_->field(static_cast<uint64_t>(int64_t{p.points} * p.days));
    out_->end();
    bundled += int64_t{p.points} * p.days;
  }
  // GT (12): 診療年月, 請求調整区分, 自他保険区分, 負担区分, 包括点数, 包括評価点数,
  // 調整点数, 包括合計点数, 診療識別, 年月日, 文字データ.
  record("GT");
  out_->month(opts_.month);
  out_->empty();
  out_->field(1);
  out_->character(burden);
  out_->field(static_cast<uint64_t>(bundled));
  out_->field(static_cast<uint64_t>(bundled));
  out_->field(0);
  out_->field(static_cast<uint64_t>(bundled));
  out_->text("93");
  out_->empty(2);
  out_->end();
}

void receipt_writer::coding(const receipt& r) {
  for (const auto& e : r.coding) {
    // CD (11): 実施年月日, 診療識別, 順序番号, 行為明細番号, レセ電コード, 使用量,
    // 数量データ, 単位コード, 回数, 特定器材名称.
    record("CD");
    out_->date(opts_.month * 100 + e.day);
    out_->padded(e.shikibetsu, 2);
    out_->field(e.order);
    out_->field(e.detail);
    out_->field(e.code);
    if (e.record == item_record::si) {
      out_->empty();
      out_->decimal(e.quantity, 1000);
    } else {
      out_->decimal(e.quantity, 1000);
      out_->empty();
    }
    out_->empty();
    out_->field(e.count);
    out_->empty();
    out_->end();
  }
}

void receipt_writer::dental(const receipt& r) {
  const person& p = *r.patient;
  ir(*r.place);
  // RE (27).
  re_head(r);                     // RE 1–6
  out_->empty(2);                 // 7 給付割合, 8 入院年月日
  out_->date(r.first_visit);      // 9 診療開始日
  out_->field(1);                 // 10 転帰区分
  out_->empty(4);                 // 11 病棟区分, 12 一部負担金等区分, 13 特記事項, 14 予備
  out_->padded(r.chart_no, 5);    // 15 カルテ番号等
  out_->empty(9);                 // 16 請求情報1, 17 予備, 18 未来院請求, 19 検索番号, 20 予備, 21 請求情報2, 22–24 予備
  kana(p);                        // 25 カタカナ（氏名）
  out_->empty();                  // 26 患者の状態
  out_->end();
  if (r.insurance != nullptr)
    ho(r, r.points, 1);
  for (int slot = 1; slot <= r.publics(); ++slot)
    ko(r, slot, r.points, 1);
  sn_jd(r);
  for (const auto& d : r.diagnoses) {
    // HS (13): 診療開始日, 転帰区分, 歯式, コード, 修飾語, 名称, 併存傷病名数, 病態移行,
    // 主傷病, コメントコード, 補足コメント, 歯式（補足コメント）.
    record("HS");
    out_->empty(2);
    out_->put(',');
    for (auto tooth : d.teeth)
      if (tooth != 0) {
        out_->digits(tooth, 4); // 歯種
        out_->raw("00");        // 状態, 部分
      }
    out_->padded(d.code, 7);
    out_->empty(8);
    out_->end();
  }
  item_rows_.resize(r.items.size());
  uint8_t current = 0;
  for (size_t i = 0; i < r.items.size(); ++i) {
    const auto& line = r.items[i];
    const bool show = line.shikibetsu != current;
    current = line.shikibetsu;
    item_rows_[i] = row_ + 1;
    item(line, show, 1);
  }
}

void receipt_writer::ki(const rx_reception& rec, uint8_t reception, unsigned data_kind) {
  // KI (114): 算定日, 処方箋受付回, 調剤基本料 (負担区分, コード, 点数), 予備,
  // 薬学管理料 12 × (負担区分, コード, 回数, 点数), and 103 further fields.
  record("KI", data_kind);
  out_->date(opts_.month * 100 + rec.day);
  out_->field(reception);
  out_->character(burden_code(rec.payers));
  out_->field(codes_.pharmacy_base.code);
  out_->field(static_cast<uint64_t>(codes_.pharmacy_base.points));
  out_->empty();
  if (rec.guidance) {
    out_->character(burden_code(rec.payers));
    out_->field(codes_.medication_guidance.code);
    out_->field(1);
    out_->field(static_cast<uint64_t>(codes_.medication_guidance.points));
  } else {
    out_->empty(4);
  }
  out_->empty(103);
  out_->end();
}

void receipt_writer::pharmacy(const receipt& r) {
  const person& p = *r.patient;
  const institution& prescriber = *r.prescriber;
  const auto prescriber_index = static_cast<uint32_t>(&prescriber - pop_.institutions.data());
  // RE (42).
  re_head(r);                                          // RE 1–6 (3 = 調剤年月)
  out_->empty(2);                                      // 7 給付割合, 8 特記事項
  out_->padded(prescriber.prefecture, 2);              // 9 医療機関 都道府県
  out_->field(1);                                      // 10 点数表
  out_->text(prescriber.code);                         // 11 医療機関コード
  // 12 医療機関名称, 13 所在地, 14 保険医氏名1
  out_->text(institution_text(prescriber_index, text_field::name));
  out_->text(institution_text(prescriber_index, text_field::address));
  out_->text(institution_text(prescriber_index, text_field::doctor));
  out_->empty(20);                                     // 15–33 保険医氏名2–20, 34 麻薬免許番号
  out_->padded(r.chart_no, 6);                         // 35 調剤録番号等
  out_->empty(5);                                      // 36 予備, 37 検索番号, 38 予備, 39 請求情報, 40 一部負担金区分
  kana(p);                                             // 41 カタカナ（氏名）
  out_->end();
  if (r.insurance != nullptr)
    ho(r, r.points, 1);
  for (int slot = 1; slot <= r.publics(); ++slot)
    ko(r, slot, r.points, 1);
  sn_jd(r);
  for (size_t g = 0; g < r.groups.size(); ++g) {
    const auto& group = r.groups[g];
    const auto& rec = r.receptions[group.reception - 1u];
    const char burden = burden_code(group.payers);
    // SH (10): 処方No, 剤形, 用法, 特別指示, 単位薬剤料, 第1–第4公費 単位薬剤料.
    record("SH");
    out_->padded(g + 1, 2);
    out_->field(group.form);
    out_->padded(group.usage, 3);
    out_->empty();
    out_->field(static_cast<uint64_t>(group.unit_points));
    out_->empty(4);
    out_->end();
    // CZ (71); field numbers as in the 調剤 spec.
    record("CZ");
    out_->field(1);                                    // 1 医師No
    out_->date(opts_.month * 100 + rec.issue_day);     // 2 処方箋交付年月日
    out_->date(opts_.month * 100 + rec.day);           // 3 調剤年月日
    out_->field(group.reception);                      // 4 処方箋受付回
    out_->field(group.quantity);                       // 5 調剤数量
    out_->character(burden);                           // 6 薬剤調製料 負担区分
    out_->field(1);                                    // 7 算定区分
    out_->text("01");                                  // 8 算定先No
    out_->field(group.preparation->code);              // 9 薬剤調製料コード
    out_->field(static_cast<uint64_t>(group.preparation->points)); // 10 点数
    out_->empty(2);                                    // 11 分割区分, 12 前回までの数量
    out_->field(static_cast<uint64_t>(int64_t{group.unit_points} * group.quantity)); // 13 薬剤料点数
    out_->empty();                                     // 14 予備
    if (group.bonus != nullptr) {                      // 15–44 加算 × 10
      out_->character(burden);
      out_->field(group.bonus->code);
      out_->field(static_cast<uint64_t>(group.bonus->points));
      out_->empty(27);
    } else {
      out_->empty(30);
    }
    out_->empty(12);                                   // 45–56
    if (group.management != nullptr) {                 // 57–61 調剤管理料
      out_->character(burden);
      out_->field(1);
      out_->text("01");
      out_->field(group.management->code);
      out_->field(static_cast<uint64_t>(group.management->points));
    } else {
      out_->empty(5);
    }
    out_->empty(9);                                    // 62–70
    out_->end();
    for (uint16_t i = 0; i < group.drug_count; ++i) {
      const auto& d = r.drugs[group.first_drug + i];
      // IY (10): 負担区分, コード, 使用量, 予備, 予備, 混合区分, 枝番, 配合不適区分, 1回用量.
      record("IY");
      out_->character(burden);
      out_->field(d.code);
      out_->decimal(d.amount, 1000);
      out_->empty(5);
      out_->decimal(d.once, 1000);
      out_->end();
    }
  }
  ki_rows_.resize(r.receptions.size());
  for (size_t i = 0; i < r.receptions.size(); ++i) {
    ki_rows_[i] = row_ + 1;
    ki(r.receptions[i], static_cast<uint8_t>(i + 1), 1);
  }
}

void receipt_writer::payer_block(const receipt& r, rng& random) {
  row_ = 0;
  ++management_no_;
  const institution& place = *r.place;
  const auto place_index = static_cast<uint32_t>(&place - pop_.institutions.data());
  const unsigned table = table_of(kind_);
  // MN (7): 管理番号, 所在地, 検索番号 (都道府県 + 点数表 + 請求年月 GYYMM + 管理番号), 予備 × 3.
  record("MN", 2);
  out_->put(',');
  out_->put('9');
  out_->number(table);
  out_->digits(management_no_, 7);
  out_->text(institution_text(place_index, text_field::address));
  out_->put(',');
  out_->digits(place.prefecture, 2);
  out_->number(table);
  out_->raw_wareki_month(billing_);
  out_->put('9');
  out_->number(table);
  out_->digits(management_no_, 7);
  out_->empty(3);
  out_->end();
  switch (kind_) {
    case model::receipt_kind::dental:
      header(place); // UK; the receipt's own IR follows in dental()
      dental(r);
      break;
    case model::receipt_kind::pharmacy:
      header(place);
      pharmacy(r);
      break;
    default:
      ir(place);
      medical(r);
      break;
  }

  std::array<int64_t, 3> points = r.points;
  const correction fix = choose_correction(r, random);
  if (fix.type != correction::what::none) {
    ++info_.corrected_receipts;
    write_correction(r, fix, random, points);
  }
  info_.points += points[static_cast<size_t>(r.first_slot())];
  review_records(r);
}

receipt_writer::correction receipt_writer::choose_correction(const receipt& r, rng& random) const {
  // The 審査 corrected some receipts: a line deleted, a 回数 reduced, or a 薬学管理料 dropped.
  if (!random.chance(opts_.correction_rate))
    return {};
  // A scenario's injected receipts stay as planned: their truth is about what they bill.
  if (opts_.clean && r.source->plan != 0)
    return {};
  if (kind_ == model::receipt_kind::pharmacy) {
    for (uint32_t i = 0; i < r.receptions.size(); ++i)
      if (r.receptions[i].guidance)
        return {correction::what::drop_guidance, i};
    return {};
  }
  // Candidates: one-record units with points, outside 食事, in a receipt of two or more units.
  std::vector<uint32_t> candidates;
  unsigned units = 0;
  for (uint32_t i = 0; i < r.items.size(); ++i) {
    const auto& line = r.items[i];
    if (line.points < 0 || line.record == item_record::co)
      continue;
    ++units;
    const bool alone = i == 0 || r.items[i - 1].points >= 0 || r.items[i - 1].record == item_record::co;
    if (alone && line.points > 0 && line.shikibetsu != 97 && line.record != item_record::to)
      candidates.push_back(i);
  }
  if (units < 2 || candidates.empty())
    return {};
  const uint32_t index = candidates[random.below(candidates.size())];
  const bool reduce = r.items[index].count >= 2 && random.chance(0.3);
  return {reduce ? correction::what::reduce_line : correction::what::delete_line, index};
}

void receipt_writer::write_correction(const receipt& r, const correction& fix, rng& random,
                                      std::array<int64_t, 3>& points) {
  // The corrected copy of the changed record (a 削除 has none) …
  uint8_t payers = 0;
  int64_t lost = 0;
  uint32_t target_row = 0, copy_row = 0;
  if (fix.type == correction::what::drop_guidance) {
    const auto& rec = r.receptions[fix.index];
    payers = rec.payers;
    lost = codes_.medication_guidance.points;
    rx_reception copy = rec;
    copy.guidance = false;
    target_row = ki_rows_[fix.index];
    copy_row = row_ + 1;
    ki(copy, static_cast<uint8_t>(fix.index + 1), 2);
  } else {
    const auto& line = r.items[fix.index];
    payers = line.payers;
    target_row = item_rows_[fix.index];
    if (fix.type == correction::what::reduce_line) {
      // One 回数 less: the last day with a count loses one.
      item_line reduced = line;
      for (int day = 30; day >= 0; --day)
        if (reduced.days[static_cast<size_t>(day)] != 0) {
          if (--reduced.days[static_cast<size_t>(day)] == 0)
            reduced.mask &= ~(uint32_t{1} << day);
          break;
        }
      --reduced.count;
      lost = line.points;
      copy_row = row_ + 1;
      item(reduced, true, 2);
    } else {
      lost = int64_t{line.points} * line.count;
    }
  }
  // … corrected copies of the totals it touched …
  for (int slot = 0; slot < 3; ++slot)
    if ((payers >> slot) & 1)
      points[static_cast<size_t>(slot)] -= lost;
  uint32_t copies[3] = {};
  if ((payers & pays_insurance) != 0) {
    copies[0] = row_ + 1;
    ho(r, points, 2);
  }
  for (int slot = 1; slot <= 2; ++slot)
    if ((payers >> slot) & 1) {
      copies[slot] = row_ + 1;
      ko(r, slot, points, 2);
    }
  // … and the JY records, as in the payer sample.
  auto jy_fix = [&](uint32_t target, uint32_t after) {
    // JY (9): 補正区分 2 修正, 対象行, 枝番, 事由対象項目, 事由, 補正後行, 枝番, 予備.
    record("JY", 2);
    out_->field(2);
    out_->field(target);
    out_->field(0);
    out_->empty(2);
    out_->field(after);
    out_->field(0);
    out_->empty();
    out_->end();
  };
  if (copy_row != 0)
    jy_fix(target_row, copy_row);
  if (copies[0] != 0)
    jy_fix(ho_row_, copies[0]);
  for (int slot = 1; slot <= 2; ++slot)
    if (copies[slot] != 0)
      jy_fix(ko_rows_[slot - 1], copies[slot]);
  if (fix.type == correction::what::delete_line) {
    // JY 3 削除 with the 事由 of the 査定 (C: 医学的に過剰, D: 告示・通知の算定要件に合致しない).
    record("JY", 2);
    out_->field(3);
    out_->field(target_row);
    out_->field(0);
    out_->empty();
    out_->text(random.chance(0.7) ? "C" : "D");
    out_->empty(3);
    out_->end();
  }
}

void receipt_writer::review_records(const receipt& r) {
  // EX 審査運用 (13): eleven empty fields, then the 審査支払機関使用欄 — its
  // first row names the 処理年月, the next ones carry an opaque blob.
  rng review{derive_seed(r.source->seed, review_data_stream)};
  record("EX", 2, 1);
  out_->empty(11);
  out_->put(',');
  out_->raw("1:");
  out_->raw_month(billing_);
  out_->put(':');
  out_->end();
  static constexpr char base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned blobs = 1 + static_cast<unsigned>(review.below(2));
  for (unsigned b = 0; b < blobs; ++b) {
    record("EX", 2, 1);
    out_->empty(11);
    out_->put(',');
    out_->raw("eF");
    // Ten base64 characters from each 64 random bits.
    const auto length = static_cast<unsigned>(review.between(4, 40)) * 10;
    for (unsigned i = 0; i < length; i += 10)
      for (uint64_t bits = review.next(), k = 0; k < 10; ++k, bits >>= 6)
        out_->put(base64[bits & 63]);
    out_->end();
  }
  // RC (2): an identification string, in two rows.
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned branch = 0; branch < 2; ++branch) {
    record("RC", 2, branch);
    out_->put(',');
    out_->raw("Ver00001");
    for (unsigned i = 0; i < (branch == 0 ? 32u : 40u); i += 8)
      for (uint64_t bits = review.next(), k = 0; k < 8; ++k, bits >>= 4)
        out_->put(hex[bits & 15]);
    out_->end();
  }
}

} // namespace receptor::synth::detail

namespace receptor::synth {

uint32_t programme_recipient_no(const claim& c, const population& pop) {
  const uint32_t number = pop.people[c.person].recipient_no;
  if (c.defect != receipt_defect::wrong_check_digit)
    return number;
  return number - number % 10 + (number % 10 + 1) % 10;
}

} // namespace receptor::synth
