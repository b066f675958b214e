#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/model/receipt_batch.hpp"
#include "receptor/synth/catalog.hpp"
#include "receptor/synth/population.hpp"

namespace receptor::synth {

/// Shares of a month's receipts by kind. They are normalised, so any scale
/// works. The defaults are roughly those of 医療扶助: 55 % 医科 (5 % of it
/// inpatient), 3 % DPC, 10 % 歯科, 32 % 調剤.
struct kind_shares {
  double medical_outpatient = 0.5225;  ///< 医科 入院外
  double medical_inpatient = 0.0275;   ///< 医科 入院 (出来高)
  double dpc = 0.03;                   ///< DPC 入院 (包括評価)
  double dental = 0.10;                ///< 歯科
  double pharmacy = 0.32;              ///< 調剤
};

/// An oral drug a care_plan prescribes, with its days.
struct planned_drug {
  uint32_t code = 0;   ///< 医薬品コード of a drug in catalog::oral_drugs
  uint16_t days = 0;   ///< 内服: IY 回数 (院内) or CZ 調剤数量 (調剤)
};

/// How one receipt of an injected behaviour is built, instead of drawn.
/// claim::plan indexes options::plans. Only what is set overrides the draws.
struct care_plan {
  uint8_t visits = 0;              ///< 医科 入院外: exactly this many visit days (0: drawn), within claim::days
  uint32_t required_days = 0;      ///< visit days the receipt must show (bit d-1 for day d)
  bool no_prescriptions = false;   ///< no drugs and no 処方箋料
  bool prescription_slip = false;  ///< 院外: 処方箋料 on the first visit, no drugs
  bool dialysis = false;           ///< 人工腎臓 (catalog::dialysis) on every visit day
  bool psychotherapy = false;      ///< 通院精神療法 on every visit day
  bool upcode = false;             ///< tests, imaging and 処置 on every visit day
  std::vector<planned_drug> drugs; ///< 院内 IY 21 or 調剤: exactly these drugs, one 剤 each, on one day
};

/// What a generated month looks like and how its files are written. How
/// recipients are covered (生保単独, with 被用者保険, with another 公費,
/// programme 25) is a property of the people: see population_options::coverage.
struct options {
  uint64_t seed = 1;             ///< same seed and options: byte-identical files
  uint32_t month = 202406;       ///< 診療年月 YYYYMM; the 請求年月 is the month after
  size_t receipts = 10000;       ///< receipts of the month over all kinds (exact)
  kind_shares shares;            ///< split of `receipts` over the kinds
  bool payer_side = false;       ///< レセ電コード情報ファイル, one file per kind (else one file per institution and kind)
  double correction_rate = 0.02; ///< payer side: share of receipts the 審査 corrected (JY records)
  bool wareki = false;           ///< legacy 和暦 dates (GYYMM, GYYMMDD) instead of 西暦
  bool crlf = true;              ///< CR LF line ends (else LF)
  bool eof_marker = true;        ///< 0x1A after the last line
  bool utf8 = false;             ///< UTF-8 text instead of CP932
  /// Scenario background: receipts that trigger none of the checks of
  /// docs/checks.md (≤ 14 visit days, psychotropics ≤ 14 days, other drugs ≤ 90,
  /// no brand that has a 後発品, no 麻薬, no 人工腎臓, 精神療法 only with KO 21,
  /// stays from claim::admission, visit days within claim::days).
  bool clean = false;
  const std::vector<care_plan>* plans = nullptr; ///< what claim::plan indexes (1-based)
};

/// A fault planted in one receipt, so that a test knows the truth about it.
enum class receipt_defect : uint8_t {
  none = 0,          ///< written as planned
  wrong_check_digit, ///< the programme's KO carries the 受給者番号 with a wrong 検証番号
};

/// One receipt of the month: who was seen where, and how. The receipt's
/// content comes from its own random stream, so the same claim gives the same
/// receipt on the institution and the payer side.
struct claim {
  uint32_t person = 0;          ///< person id (index into population::people)
  uint32_t institution = 0;     ///< index into population::institutions
  uint32_t prescriber = 0;      ///< 調剤: the 医科 institution that issued the prescription
  uint64_t seed = 0;            ///< the receipt's random stream
  model::receipt_kind kind = model::receipt_kind::medical; ///< 医科, DPC, 歯科 or 調剤
  bool inpatient = false;       ///< 医科 入院 (DPC receipts are always inpatient)
  receipt_defect defect = receipt_defect::none; ///< set by a scenario planner before writing
  uint32_t days = 0;            ///< options::clean, 医科 入院外 and 調剤: visit days drawn from these (0: any)
  uint32_t admission = 0;       ///< options::clean inpatient: 入院年月日 YYYYMMDD, stay to the month's end (0: drawn)
  uint32_t plan = 0;            ///< 1-based index into options::plans (0: none)
};

/// The 受給者番号 the programme's KO (法別 12 or 25) of `c` carries: the
/// person's, or for receipt_defect::wrong_check_digit the same number with
/// its 検証番号 one higher (mod 10), which always fails the check.
uint32_t programme_recipient_no(const claim& c, const population& pop);

/// A written file and the totals a correct parser must find in it.
struct file_info {
  std::filesystem::path path;   ///< empty when written to a caller's FILE*
  model::receipt_kind kind = model::receipt_kind::unknown; ///< 点数表 family of the file
  bool payer_side = false;      ///< レセ電コード情報ファイル (else an institution's file)
  uint64_t bytes = 0;           ///< file size, the 0x1A marker included
  uint64_t records = 0;         ///< lines, not counting the 0x1A marker
  uint64_t receipts = 0;        ///< RE records (one MN block each on the payer side)
  int64_t points = 0;           ///< Σ first-payer 合計点数 (HO, else the first KO); payer side: after JY corrections
  int64_t claimed_points = 0;   ///< the same as the institutions claimed it (before corrections)
  uint64_t claims = 0;          ///< GO 総件数: Σ over receipts of (1 if HO) + number of KO
  uint64_t corrected_receipts = 0;       ///< payer side: receipts carrying JY records
  std::array<uint64_t, 100> ko_by_law{}; ///< KO records as claimed, by 法別番号 (first two digits)
};

/// Plans a month: `options.receipts` claims split over the kinds by
/// `options.shares` (exactly), each at an institution of the right kind
/// (chosen by institution weight) and for a person of that institution's
/// prefecture, no person twice at one institution and kind while the
/// prefecture has people enough. Sorted by kind, then institution.
std::vector<claim> plan_month(const options& opts, const population& pop);

/// Sorts claims in file order (kind, institution, 入院外 before 入院) and gives
/// each its own random stream, derived from `seed` and its place in that
/// order. plan_month() and plan_claims() end with it; a scenario planner that
/// assembles a month's claims itself ends with it too, so that equal claims
/// get equal receipts.
void finish_claims(std::vector<claim>& claims, uint64_t seed);

/// Plans `receipts` claims of one kind. With `institution` set (an index into
/// population::institutions of the right kind), all claims are at it: the
/// claims of one institution-side file. 医科 claims are inpatient in the
/// proportion of the shares, and only at hospitals. `opts.receipts` is not
/// read: `receipts` is the count. With this and write_receipts() a test or a
/// benchmark writes one file of any size (e.g. a 1 GB payer-side 医科 file).
std::vector<claim> plan_claims(model::receipt_kind kind, size_t receipts, const options& opts,
                               const population& pop, int64_t institution = -1);

/// Writes one file of `kind` holding `claims` (all of that kind) to `out`,
/// through a large buffer. The side is `opts.payer_side`: institution side the
/// file of one institution (all claims must share it: header, receipts, GO),
/// payer side the レセ電コード情報ファイル blocks. Returns what was written and
/// the totals to expect from it; invalid_argument for mixed claims or a bad
/// 診療年月, io_error when a write fails.
expected<file_info> write_receipts(std::FILE* out, model::receipt_kind kind, const std::vector<claim>& claims,
                                   const options& opts, const catalog& codes, const population& pop);

/// Institution-side file name: `<都道府県 2><点数表 1><医療機関コード 7>_RECEIPTC.UKE`
/// (医科), `_RECEIPTD.UKE` (DPC), `_RECEIPTS.UKE` (歯科), `_RECEIPTY.CYO` (調剤).
std::string file_name(const institution& inst, model::receipt_kind kind);

/// Payer-side file name: `11_RECODEINFO_MED.CSV`, `12_RECODEINFO_DPC.CSV`,
/// `13_RECODEINFO_DEN.CSV`, `14_RECODEINFO_PHA.CSV`.
std::string payer_file_name(model::receipt_kind kind);

/// Plans a month and writes it into `dir` (created if missing): one file per
/// institution and kind, or on the payer side one file per kind. Files are
/// listed in the order written (kinds 医科, DPC, 歯科, 調剤; institutions in
/// population order).
expected<std::vector<file_info>> generate_month(const options& opts, const catalog& codes, const population& pop,
                                                const std::filesystem::path& dir);

} // namespace receptor::synth
