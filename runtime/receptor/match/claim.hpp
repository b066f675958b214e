#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "receptor/model/receipt_batch.hpp"

namespace receptor::match {

/// 診療区分 of a receipt, the same codes as a ticket's care_type.
enum class care_type : uint8_t { none = 0, inpatient = 1, outpatient = 2, dental = 3, pharmacy = 4, home_nursing = 5 };

/// How the person behind a receipt was found.
enum class identity : uint8_t {
  none = 0,      ///< no ticket number and no recipient matched
  by_number = 1, ///< through a ticket with the receipt's 公費負担者番号 + 受給者番号 + month
  by_name = 2,   ///< through name + birth date + sex, normalised, within the office
};

/// One drug a receipt bills (an IY row), as the checks see it.
struct drug_line {
  uint32_t code = 0;       ///< 医薬品コード
  uint8_t shikibetsu = 0;  ///< 診療識別 in force (21 内服, 22 屯服, 23 外用, …); 0 on 調剤 receipts
  int32_t days = 0;        ///< 回数 (医科: days for 内服) or CZ 調剤数量 (調剤); 0 if not written
  int64_t quantity = 0;    ///< 使用量 × days, in model::quantity_scale units; 0 if not written
};

/// 診療識別 groups whose points the anomaly features compare.
enum class point_group : uint8_t {
  visit,       ///< 11 初診, 12 再診
  management,  ///< 13 医学管理
  home,        ///< 14 在宅
  medication,  ///< 21–28 投薬
  injection,   ///< 31–33 注射
  procedure,   ///< 40 処置
  surgery,     ///< 50 手術, 54 麻酔
  test,        ///< 60 検査・病理
  imaging,     ///< 70 画像診断
  inpatient,   ///< 90, 92 入院
  other,       ///< 80 その他 and anything else (食事 97 is not counted)
};
constexpr size_t point_group_count = 11;

/// The group of a 診療識別 code.
point_group group_of(uint8_t shikibetsu);

/// One receipt as matching sees it: small, flat, cheap to send in batches.
struct claim {
  std::string receipt_key;   ///< stable across runs (see make_receipt_key)
  uint32_t source_file = 0;  ///< index into the run's inputs
  uint32_t source_line = 0;  ///< RE line; payer side: MN line
  uint8_t kind = 0;          ///< model::receipt_kind
  uint8_t care = 0;          ///< care_type
  uint16_t receipt_type = 0; ///< レセプト種別
  uint8_t law_no = 0;        ///< 12 or 25; 0 if the receipt bills neither
  std::string office_no;     ///< 公費負担者番号 of the 12/25 KO
  std::string recipient_no;  ///< 受給者番号 of that KO
  bool office_no_valid = true;
  bool recipient_no_valid = true;
  uint32_t month = 0;        ///< 診療年月 YYYYMM
  std::string institution;   ///< 都道府県 2 + 点数表 1 + 医療機関コード 7
  uint32_t care_days = 0;    ///< bit d-1: care on day d
  int32_t days = 0;          ///< 実日数 of the 12/25 KO
  int32_t points = 0;        ///< first-payer 合計点数
  int32_t copay = 0;         ///< KO 負担金額 (empty = 0)
  std::string name;          ///< 氏名, UTF-8 as written
  std::string name_key;      ///< normalised for comparison
  uint32_t birth_date = 0;   ///< YYYYMMDD
  uint8_t sex = 0;
  std::string search_no;     ///< 検索番号: a resubmission carries its original's
  bool insured = false;      ///< has an HO record (医保 + 公費)
  bool insurance_excluded = false; ///< HO is 国保 or 後期高齢者: excluded for 生保
  std::string person_id;     ///< filled by routing; "" if unidentified
  uint8_t identified = 0;    ///< identity
  // What the checks read (docs/checks.md). Codes stay codes: the masters
  // are consulted in the SHARD, so a kept claim is checked with today's.
  uint32_t admission_date = 0;        ///< RE 入院年月日 YYYYMMDD; 0 if none
  std::string prescriber;             ///< 調剤: the prescribing institution's 10-character key
  std::vector<uint8_t> other_laws;    ///< 法別 of the receipt's other KO records (他法 paying first)
  std::vector<uint32_t> diseases;     ///< 傷病名コード of SY/SB/HS, in file order
  std::vector<uint32_t> procedures;   ///< SI 診療行為コード, each once, sorted
  std::vector<drug_line> drugs;       ///< IY rows, in file order
  std::vector<int32_t> group_points;  ///< Σ 点数 × 回数 per point_group; empty for 調剤
};

/// The stable key of a receipt: institution, month, kind and 検索番号 when it
/// has one (a resubmission carries its original's, and replaces it), else the
/// 管理番号 (payer side) or the レセプト番号, which are unique only within
/// their file, so `file_id` (a prefix of the file's SHA-256) joins them. The
/// kind keeps a hospital's 医科 and DPC files (same institution key, both
/// numbered from 1) apart.
std::string make_receipt_key(const std::string& institution, uint32_t month, model::receipt_kind kind,
                             std::string_view search_no, std::string_view management_no, uint32_t receipt_no,
                             std::string_view file_id);

/// The claims of every receipt of a batch (receipts without KO 12/25 get
/// law_no 0). `file_id` identifies the file in keys (see make_receipt_key).
std::vector<claim> extract_claims(const model::receipt_batch& batch, uint32_t source_file, std::string_view file_id);

} // namespace receptor::match
