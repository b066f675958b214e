#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/match/person_book.hpp"
#include "receptor/synth/catalog.hpp"
#include "receptor/synth/generator.hpp"
#include "receptor/synth/population.hpp"

namespace receptor::synth {

/// The statuses a generated receipt is expected to get: the matcher's own.
using match_status = match::status;

/// What was done to a receipt or to the feed to give a receipt a known
/// status. Each injected receipt gets exactly one.
enum class injection : uint8_t {
  other_institution,      ///< INSTITUTION_MISMATCH: the ticket names another institution of the same kind
  wrong_care_type,        ///< CARE_TYPE_MISMATCH: 入院 ticket for an 入院外 receipt, or the reverse
  validity_ends_early,    ///< OUTSIDE_VALIDITY: valid_to is the day before the first care day
  protection_ended,       ///< NOT_PROTECTED: 廃止 the day before the first care day, ticket still issued
  protection_starts_late, ///< NOT_PROTECTED: 保護開始 the day after the last care day
  protection_gap,         ///< NOT_PROTECTED: 廃止 before the first care day, 再開 after the last
  variant_kanji,          ///< MATCHED: the feed writes the standard kanji of the receipt's variant (髙 → 高)
  birth_date_differs,     ///< PERSON_MISMATCH: the feed's birth date is a year earlier than the receipt's
  copay_typo,             ///< COPAY_MISMATCH: the ticket's 本人支払額 differs from KO 負担金額
  ticket_omitted,         ///< NO_TICKET: the person's ticket for the month is in no delivery
  late_ticket,            ///< NO_TICKET with tickets.csv alone, MATCHED once tickets_late.csv is loaded
  unknown_recipient,      ///< UNKNOWN_RECIPIENT: the person is in neither recipients.csv nor tickets.csv
  wrong_check_digit,      ///< INVALID_NUMBER (receipt side): KO 受給者番号 with a wrong 検証番号
  duplicate_claim,        ///< DUPLICATE_CLAIM (receipt side): the later of two receipts of one ticket
  insurer_on_ticket,      ///< INSURANCE_INCONSISTENT: 併用 ticket (insurer_no), 単独 receipt (no HO)
  no_ticket_feed,         ///< NO_TICKET_FEED: the office supplies no tickets
};

/// `other_institution`, `wrong_care_type`, … (the enumerator's name).
const char* to_string(injection what);

/// The 診療区分 (tickets.csv care_type) a claim's receipt needs: 1 入院 (医科
/// inpatient and DPC), 2 入院外, 3 歯科, 4 調剤.
uint8_t care_type_of(const claim& c);

/// The 10-character institution key of a claim's receipt: 都道府県 2 + 点数表 1
/// + 医療機関コード 7 (the pharmacy's for 調剤).
std::string institution_key(const claim& c, const population& pop);

/// Whether each person (by person id) is the only one of their office with
/// their normalised name, birth date and sex: only such a person can be found
/// by name when no ticket carries the receipt's 受給者番号.
std::vector<bool> identifiable_by_name(const population& pop);

/// How many receipts to inject at `rate` among `receipts`: rate × receipts
/// rounded, but at least one from `at_least_one_from` receipts on (none if
/// the rate is 0).
size_t case_count(double rate, size_t receipts, size_t at_least_one_from);

/// How the office's side of a month is written and what is injected into it.
/// Rates are per receipt; every injection goes to a person with exactly one
/// receipt in the month, so it cannot change the status of another receipt.
struct feed_options {
  double other_institution_rate = 5e-4;      ///< INSTITUTION_MISMATCH
  double wrong_care_type_rate = 5e-4;        ///< CARE_TYPE_MISMATCH (医科 and DPC receipts only)
  double validity_ends_early_rate = 5e-4;    ///< OUTSIDE_VALIDITY
  double protection_ended_rate = 5e-4;       ///< NOT_PROTECTED, 廃止 before the care
  double protection_starts_late_rate = 5e-4; ///< NOT_PROTECTED, 開始 after the care
  double protection_gap_rate = 5e-4;         ///< NOT_PROTECTED, care between 廃止 and 再開
  double variant_kanji_rate = 5e-4;          ///< MATCHED although the feed spells the name with standard kanji
  double birth_date_differs_rate = 5e-4;     ///< PERSON_MISMATCH
  double copay_typo_rate = 5e-4;             ///< COPAY_MISMATCH
  double ticket_omitted_rate = 5e-4;         ///< NO_TICKET
  double late_ticket_rate = 5e-4;            ///< NO_TICKET, then MATCHED after tickets_late.csv
  double unknown_recipient_rate = 5e-4;      ///< UNKNOWN_RECIPIENT
  double insurer_on_ticket_rate = 5e-4;      ///< INSURANCE_INCONSISTENT
  /// Tickets no receipt uses (ticket_use_truth.csv), each given to a person
  /// with one receipt of the month that is no case: TICKET_UNUSED once two
  /// further months are read, else pending.
  double unused_ticket_rate = 5e-4;          ///< an extra ticket naming another institution of the same kind
  double cancelled_ticket_rate = 5e-4;       ///< an extra ticket with status cancelled: cancelled, never unused
  double replaced_ticket_rate = 5e-4;        ///< the receipt's ticket reissued (replaces): the old one cancelled
  /// From this many receipts on, every injection with a non-zero rate gets
  /// at least one receipt (where a receipt fits it).
  size_t at_least_one_from = 2000;
  /// 公費負担者番号 of offices (typically programme 25) that supply no
  /// tickets: their recipients are written, their tickets not, and their
  /// receipts are NO_TICKET_FEED. Empty: every office supplies tickets.
  std::vector<std::string> offices_without_tickets;
  double earlier_period_rate = 0.02;  ///< share of people with an earlier, ended protection period (再開)
  double ending_later_rate = 0.01;    ///< share of people whose 廃止 is set for a later month
  double extra_scheme_rate = 0.01;    ///< share of people holding 15 更生医療 or 21 精神通院 not seen on receipts
  /// Protection periods and other_schemes.csv dates are drawn relative to
  /// this YYYYMM (0: the month written), so that the feeds of several
  /// months of one population agree.
  uint32_t reference_month = 0;
  /// 廃止 set for a later month falls after this YYYYMM (0: the month written).
  uint32_t last_month = 0;
  /// By person id (empty: none): people the feed injects nothing into, and
  /// people whose recipients.csv rows must not change (only ticket-side
  /// injections; they have receipts in other months).
  std::vector<bool> untouched_people, fixed_listing_people;
  /// By person id (empty: none): people with a receipt in the last month.
  /// The ticket-side injections take the others first.
  std::vector<bool> last_month_people;
};

/// 15 or 21 when write_office_feed() for `month` lists person `person` in
/// other_schemes.csv with a scheme their receipts never bill (the
/// extra_scheme_rate draw), else 0.
uint8_t unbilled_scheme(const population& pop, uint32_t person, const feed_options& feed, uint32_t month);

/// One receipt given a known status on purpose.
struct injected_case {
  size_t claim = 0;                 ///< index into the claims the feed was written for
  injection what = injection::other_institution;
  match_status expected = match_status::matched;       ///< with every delivery loaded
  match_status first_delivery = match_status::matched; ///< with tickets.csv alone
  std::string file;                 ///< receipt file name; set by whoever wrote the receipts
  uint32_t line = 0;                ///< 1-based line of its RE record (payer side: MN); set likewise
  std::string office_no;            ///< 公費負担者番号 of the programme's KO
  std::string recipient_no;         ///< 受給者番号 as that KO carries it (7 digits)
  uint32_t month = 0;               ///< 診療年月 YYYYMM
  std::string institution;          ///< see institution_key()
  std::string person_id;            ///< the person in recipients.csv (or who would be)
  std::string ticket_id;            ///< the ticket changed, moved or left out; "" if none
  std::string detail;               ///< what was changed, in words
};

/// What the engine must make of one ticket of the feed (a row of
/// ticket_use_truth.csv), with every delivery loaded and the receipts of
/// every month read.
struct ticket_truth {
  std::string ticket_id;
  std::string office_no;
  std::string person_id;
  uint32_t month = 0;        ///< 診療年月 YYYYMM
  std::string institution;   ///< the institution printed, see institution_key()
  uint8_t care = 0;          ///< the care_type printed
  std::string use_status;    ///< used, TICKET_UNUSED, cancelled or pending (spec/results.md)
  std::string injection;     ///< what left it so: unused_ticket, cancelled_ticket, replaced_ticket, or the
                             ///< receipt's injection (other_institution, …); "" for a ticket used as issued
  std::string detail;        ///< in words
};

/// What write_office_feed() wrote and the truth about every claim.
struct feed_truth {
  std::vector<match_status> expected;       ///< per claim, with every delivery loaded
  std::vector<match_status> first_delivery; ///< per claim, with tickets.csv alone
  std::vector<injected_case> cases;         ///< in claim order
  std::vector<ticket_truth> ticket_uses;    ///< every ticket written, in the order written
  size_t recipients = 0;                    ///< rows written to recipients.csv
  size_t tickets = 0;                       ///< rows written to tickets.csv
  size_t late_tickets = 0;                  ///< rows written to tickets_late.csv
  size_t other_schemes = 0;                 ///< rows written to other_schemes.csv
};

/// The office's person id of person `person`: `P` and the id zero-padded to
/// seven digits (unique within an office, as every person has one office).
std::string person_id_of(uint32_t person);

/// Gives another patient, of the institution's prefecture where there is one,
/// to each planned claim that could not be MATCHED for reasons of the plan
/// itself: its patient is born after the first day of `month` (make_population
/// draws some age-0 people born later in the reference year), or it repeats an
/// earlier claim's person, institution and care type (plan_month allows a 医科
/// and a DPC stay at one hospital), a DUPLICATE_CLAIM. Returns the number of
/// claims changed; deterministic from the population's seed.
size_t reassign_unmatchable_claims(std::vector<claim>& claims, const population& pop, uint32_t month);

/// Writes the welfare office's side of the month planned as `claims` into
/// `dir` (created if missing), in the format of spec/ticket-feed.md (UTF-8,
/// LF, header row): `recipients.csv` (every person, one row per protection
/// period), `tickets.csv` (one issued ticket per person, institution and
/// care type with a claim, valid the whole month, 本人支払額 and 被用者保険
/// as the receipts carry them; beside them the tickets of the ticket-side
/// injections, cancelled ones and corrections naming the ticket they
/// replace), `tickets_late.csv` (the second delivery: late
/// tickets only, issued after the month) and `other_schemes.csv`.
///
/// Claims with a receipt_defect, later claims of one (person, institution,
/// care type), and claims of offices without tickets become cases of their
/// own; then the feed-side injections of `feed` are drawn deterministically
/// from `opts.seed`. Every other claim is MATCHED. Last come the ticket-side
/// injections (unused, cancelled and replaced tickets), which change no
/// receipt's status. The use of every ticket written is derived from the
/// claims: used if it is in force and a claim of its person has its
/// institution and care type; unused ones are TICKET_UNUSED if their month
/// is at least two before `feed.last_month` (or the month written).
///
/// @param codes the catalog the receipts are written from: care days come
///        from building each candidate receipt exactly as the writer does.
/// @pre every patient is born on or before the month's first day (see
///      reassign_unmatchable_claims()).
/// @returns invalid_argument for a bad 診療年月 or a claim breaking the
///          precondition, io_error when a file cannot be written.
expected<feed_truth> write_office_feed(const options& opts, const feed_options& feed, const catalog& codes,
                                       const population& pop, const std::vector<claim>& claims,
                                       const std::filesystem::path& dir);

} // namespace receptor::synth
