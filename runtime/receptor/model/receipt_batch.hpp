#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "receptor/text.hpp"
#include "receptor/uke/record_id.hpp"

namespace receptor::model {

/// The 点数表 family of a receipt file.
enum class receipt_kind : uint8_t { unknown = 0, medical = 1, dpc = 2, dental = 3, pharmacy = 4 };

/// Institution-side files (RECEIPTC.UKE and siblings) or the payer-side
/// レセ電コード情報ファイル (three leading fields, MN blocks, JY corrections).
enum class file_side : uint8_t { institution = 0, payer = 1 };

enum class text_encoding : uint8_t { cp932 = 0, utf8 = 1 };

const char* to_string(receipt_kind kind);
const char* to_string(text_encoding encoding);

/// An empty numeric field. Kept apart from 0: `,0,` and `,,` mean different things.
constexpr int32_t no_value = std::numeric_limits<int32_t>::min();

/// Per-row flags shared by every table.
namespace row_flag {
/// The record did not fit its typed columns (extra or odd fields): `raw` holds it verbatim.
constexpr uint8_t raw = 1;
/// Payer side: the record was written by the 審査支払機関 (データ識別 2).
constexpr uint8_t reviewer = 2;
/// The 診療識別 was written on this line (not carried forward from an earlier one).
constexpr uint8_t shikibetsu_written = 4;
} // namespace row_flag

/// File headers and institutions: IR (医科/DPC; repeated per receipt on the
/// payer side and in 歯科), UK (歯科 file header) and YK (調剤 file header).
struct institution_table {
  std::vector<uint32_t> line;
  std::vector<uke::record_id> record;
  std::vector<uint8_t> flags;
  std::vector<uint8_t> reviewer;      ///< 審査支払機関: 1 支払基金, 2 国保連
  std::vector<uint8_t> prefecture;    ///< 都道府県 01–47
  std::vector<uint8_t> table;         ///< 点数表: 1 医科, 3 歯科, 4 調剤
  std::vector<text_ref> code;         ///< 医療機関コード / 薬局コード (7 digits, kept as written)
  std::vector<text_ref> name;
  std::vector<uint32_t> billing_month; ///< 請求年月 as YYYYMM (0 if absent)
  std::vector<text_ref> billing_month_text; ///< as written (GYYMM or YYYYMM)
  std::vector<text_ref> volume;       ///< マルチボリューム識別情報
  std::vector<text_ref> phone;
  std::vector<text_ref> raw;

  size_t size() const { return line.size(); }
};

/// One row per receipt, after payer-side corrections are applied.
struct receipt_table {
  std::vector<uint32_t> source_line;  ///< RE line; on the payer side the MN line
  std::vector<uint32_t> re_line;
  std::vector<uint32_t> institution;  ///< row in institution_table
  std::vector<uint8_t> flags;
  // MN (payer side only)
  std::vector<text_ref> management_no;
  std::vector<text_ref> mn_address;
  std::vector<text_ref> mn_search_no;
  std::vector<text_ref> mn_raw;
  // RE
  std::vector<uint32_t> receipt_no;
  std::vector<uint16_t> receipt_type;  ///< レセプト種別, e.g. 1212
  std::vector<uint32_t> month;         ///< 診療年月 / 調剤年月 YYYYMM
  std::vector<text_ref> month_text;
  std::vector<text_ref> name;
  std::vector<uint8_t> sex;
  std::vector<uint32_t> birth_date;    ///< YYYYMMDD
  std::vector<text_ref> birth_date_text;
  std::vector<int32_t> benefit_ratio;
  std::vector<uint32_t> admission_date; ///< 0 = none
  std::vector<text_ref> admission_date_text;
  std::vector<text_ref> special_notes;  ///< レセプト特記事項
  std::vector<text_ref> chart_no;       ///< カルテ番号等 / 調剤録番号
  std::vector<text_ref> search_no;      ///< 検索番号
  std::vector<text_ref> kana;
  // 調剤: the prescribing institution
  std::vector<uint8_t> prescriber_prefecture;
  std::vector<uint8_t> prescriber_table;
  std::vector<text_ref> prescriber_code;
  std::vector<text_ref> prescriber_name;
  std::vector<text_ref> raw;            ///< RE verbatim when it did not fit the typed columns
  // Derived while reading
  std::vector<int32_t> points;          ///< 合計点数 of the first payer (HO, else first KO)
  std::vector<int32_t> claimed_points;  ///< the same before payer-side corrections
  std::vector<int64_t> line_points;     ///< Σ 点数 × 回数 over the units charged to the first payer (食事 97 excluded)
  std::vector<uint32_t> care_days;      ///< bit d-1 set: care on day d (day columns and JD)
  std::vector<uint8_t> corrected;       ///< number of JY corrections applied
  // Row ranges into the per-receipt tables
  std::vector<uint32_t> coverage_begin, coverage_end;
  std::vector<uint32_t> disease_begin, disease_end;
  std::vector<uint32_t> item_begin, item_end;

  size_t size() const { return source_line.size(); }
};

/// HO (insurance) and KO (公費) records, in file order (KO in 公費 priority order).
struct coverage_table {
  std::vector<uint32_t> receipt;
  std::vector<uint32_t> line;
  std::vector<uke::record_id> record;  ///< HO or KO
  std::vector<uint8_t> flags;
  std::vector<uint8_t> position;       ///< 0 for HO, 1..4 for 第1..第4公費
  std::vector<text_ref> payer_no;      ///< 保険者番号 / 公費負担者番号 as written
  std::vector<text_ref> member_symbol; ///< HO 記号
  std::vector<text_ref> member_no;     ///< HO 番号 / KO 受給者番号
  std::vector<uint8_t> law_no;         ///< 法別番号 (first two digits of an 8-digit number), 0 if none
  std::vector<uint8_t> check_digit_ok; ///< bit 0: payer number, bit 1: recipient number
  std::vector<int32_t> days;           ///< 診療実日数 / 処方箋受付回数
  std::vector<int32_t> points;         ///< 合計点数
  std::vector<int32_t> copay;          ///< 負担金額 (KO: 本人支払額)
  std::vector<int32_t> meal_count;
  std::vector<int32_t> meal_amount;
  std::vector<uint32_t> visit_days;    ///< JD 1 (counted) as a day mask
  std::vector<uint32_t> other_days;    ///< JD 2 (not counted)
  std::vector<uint32_t> mismatch_days; ///< JD 9
  std::vector<uint32_t> jd_line;       ///< 0 if no JD for this payer
  std::vector<text_ref> raw;
  std::vector<text_ref> jd_raw;

  size_t size() const { return receipt.size(); }
};

/// SY (医科), SB (DPC) and HS (歯科) disease records.
struct disease_table {
  std::vector<uint32_t> receipt;
  std::vector<uint32_t> line;
  std::vector<uke::record_id> record;
  std::vector<uint8_t> flags;
  std::vector<uint32_t> code;          ///< 傷病名コード (0000999 = uncoded)
  std::vector<uint32_t> start_date;    ///< YYYYMMDD, 0 if none
  std::vector<text_ref> start_date_text;
  std::vector<uint8_t> outcome;        ///< 転帰区分
  std::vector<text_ref> modifiers;     ///< 修飾語コード, 4 digits each
  std::vector<text_ref> name;          ///< only for uncoded diseases
  std::vector<uint8_t> main;           ///< 1 if 主傷病
  std::vector<text_ref> comment;
  std::vector<text_ref> raw;

  size_t size() const { return receipt.size(); }
};

/// 摘要 items: SI, IY, TO, CO (医科/DPC), SS (歯科), SH, CZ (調剤) and the rest of
/// what a receipt bills. One row per record, units spread over several rows.
struct item_table {
  std::vector<uint32_t> receipt;
  std::vector<uint32_t> line;
  std::vector<uke::record_id> record;
  std::vector<uint8_t> flags;
  std::vector<uint8_t> shikibetsu;     ///< 診療識別 in force (carried forward)
  std::vector<char> burden;            ///< 負担区分 ('1'..'9', 'B'..'Z'), 0 if empty
  std::vector<uint32_t> code;          ///< 診療行為 / 医薬品 / 特定器材 / コメント code
  std::vector<int64_t> quantity;       ///< 使用量 / 数量データ in 1e-5 units; no_quantity if empty
  std::vector<int32_t> points;         ///< only on the last row of a 算定単位
  std::vector<int32_t> count;          ///< 回数
  std::vector<uint32_t> day_mask;      ///< days with a non-empty day column
  std::vector<uint32_t> day_begin;     ///< first entry in day_counts for this row
  std::vector<uint8_t> group;          ///< 調剤: 処方No the row belongs to
  std::vector<text_ref> text;          ///< CO 文字データ, TO 商品名
  std::vector<text_ref> raw;

  size_t size() const { return receipt.size(); }
};

constexpr int64_t no_quantity = std::numeric_limits<int64_t>::min();
constexpr int64_t quantity_scale = 100000;

/// The comment pairs (コメントコード, 文字データ) carried by SI/IY/TO rows.
struct item_comment_table {
  std::vector<uint32_t> item;
  std::vector<uint8_t> slot;   ///< 1..3
  std::vector<uint32_t> code;
  std::vector<text_ref> text;

  size_t size() const { return item.size(); }
};

/// Records kept verbatim: legacy (KH, NI), unknown ids, and the records whose
/// fields no check reads yet (SN, MF, SJ, DPC BU/KK/…, 調剤 KI/ST, EX, RC, …).
struct extra_table {
  std::vector<int32_t> receipt;  ///< -1 for file-level records
  std::vector<uint32_t> line;
  std::vector<uke::record_id> record;
  std::vector<text_ref> raw;     ///< the whole line as read (payer prefix included)

  size_t size() const { return receipt.size(); }
};

/// Payer-side JY corrections as applied, with what was claimed before review.
struct correction_table {
  std::vector<uint32_t> receipt;
  std::vector<uint32_t> line;          ///< the JY record
  std::vector<uint8_t> op;             ///< 1 追加, 2 修正, 3 削除
  std::vector<uint32_t> target_row;    ///< 補正対象行番号
  std::vector<uint32_t> after_row;     ///< 補正後行番号 (0 if none)
  std::vector<text_ref> items;         ///< 事由対象項目番号
  std::vector<text_ref> reasons;       ///< 事由コード
  std::vector<uke::record_id> target_record;
  std::vector<uint32_t> claimed_line;  ///< line of the record as claimed (0 for 追加)
  std::vector<text_ref> claimed_raw;   ///< that record's line verbatim
  std::vector<text_ref> raw;           ///< the JY line verbatim

  size_t size() const { return receipt.size(); }
};

/// A line that could not be understood. It is not part of any receipt.
struct quarantine_table {
  std::vector<uint32_t> line;
  std::vector<uke::record_id> record;
  std::vector<int16_t> field;          ///< -1 if the whole line
  std::vector<std::string> reason;
  std::vector<text_ref> raw;           ///< the line (an over-long line: its first quarantine_raw_bytes)

  size_t size() const { return line.size(); }
};

enum class severity : uint8_t { warning = 1, error = 2 };

/// Errors and warnings with their place in the file.
struct diagnostic {
  severity level = severity::warning;
  uint32_t line = 0;
  uke::record_id record;
  int16_t field = -1;
  std::string message;
};

/// The GO record (institution side only).
struct claim_totals {
  bool present = false;
  uint32_t line = 0;
  int64_t claims = 0;   ///< 総件数
  int64_t points = 0;   ///< 総合計点数
  text_ref volume;
  text_ref raw;
};

/// Everything read from one receipt file, column by column.
struct receipt_batch {
  std::string source;                  ///< path as given
  receipt_kind kind = receipt_kind::unknown;
  file_side side = file_side::institution;
  text_encoding encoding = text_encoding::cp932;
  bool crlf = true;                    ///< line endings as read
  bool eof_marker = false;             ///< trailing 0x1A
  bool final_newline = true;
  uint64_t bytes = 0;
  std::string sha256;                  ///< of the bytes read, when read_options::sha256 asked for it
  uint32_t lines = 0;                  ///< non-empty lines read
  uint32_t billing_month = 0;          ///< YYYYMM

  text_arena text;
  institution_table institutions;
  receipt_table receipts;
  coverage_table coverages;
  disease_table diseases;
  item_table items;
  std::vector<uint16_t> day_counts;    ///< per item: one count per set bit of day_mask
  item_comment_table item_comments;
  extra_table extras;
  correction_table corrections;
  quarantine_table quarantine;
  claim_totals go;
  std::vector<diagnostic> diagnostics;
  uint64_t diagnostics_suppressed = 0; ///< past defaults::reader::max_diagnostics
  std::array<uint64_t, 676> record_counts{}; ///< by record_id::index(), as read

  std::string_view view(text_ref ref) const { return text.view(ref); }
  /// Rows in all tables plus quarantined lines: must equal `lines`.
  uint64_t accounted_lines() const;
  size_t errors() const;
  size_t warnings() const;
};

} // namespace receptor::model
