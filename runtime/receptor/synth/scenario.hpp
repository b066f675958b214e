#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/synth/behaviour.hpp"
#include "receptor/synth/generator.hpp"
#include "receptor/synth/office_feed_writer.hpp"

namespace receptor::master {
class master_set;
}

namespace receptor::synth {

/// A month (or several of one population) of receipts, the welfare office's
/// feed for it, and the truth a matcher and the checks are checked against.
struct scenario_request {
  options month;                                ///< the receipts: seed, first 診療年月, count per month, side, encoding
  size_t months = 1;                            ///< consecutive months from month.month (1–12)
  behaviour_options behaviours;                 ///< the injected behaviours of behaviour_truth.csv
  size_t offices = 0;                           ///< welfare offices of programme 12 (0: one per 3,000 receipts)
  std::vector<uint8_t> prefectures;             ///< only these 都道府県 (empty: all 47), e.g. {27} for Osaka
  std::filesystem::path out_dir;                ///< receives receipts/, feed/ and the truth files
  const master::master_set* masters = nullptr;  ///< null: the built-in catalog
  feed_options feed;                            ///< the feed-side injections
  double wrong_check_digit_rate = 5e-4;         ///< INVALID_NUMBER, planted in the receipts
  double duplicate_claim_rate = 5e-4;           ///< DUPLICATE_CLAIM, planted in the receipts
  /// NO_TICKET_FEED: this many programme-25 offices, those with the most
  /// receipts, are added to feed.offices_without_tickets.
  size_t programme_25_offices_without_tickets = 1;
};

/// What generate_scenario() wrote.
struct scenario_result {
  std::filesystem::path receipts_dir;  ///< out_dir/receipts: the receipt files
  std::filesystem::path feed_dir;      ///< out_dir/feed: the four files of write_office_feed()
  std::vector<file_info> files;        ///< receipt files in the order written
  uint64_t receipts = 0;               ///< receipts over all files (planted duplicates included)
  size_t claims_reassigned = 0;        ///< planned claims given another patient (see generate_scenario)
  std::vector<std::string> offices_without_tickets; ///< 公費負担者番号 of the offices that supplied no tickets
  std::vector<injected_case> cases;    ///< every injected case, file and line set
  std::vector<ticket_truth> ticket_uses; ///< ticket_use_truth.csv rows: every ticket of the feed
  std::vector<uint32_t> months;        ///< the 診療年月 written, in order
  std::vector<behaviour_finding> findings; ///< behaviour_truth.csv rows, file and line set for receipt-level codes
  std::vector<anomaly_subject> anomalies;  ///< anomaly_truth.csv rows
};

/// Makes the population, plans the injected behaviours (plan_behaviours())
/// and a clean background for each month (plan_background(); receipts are
/// built with options::clean), then per month:
///
/// 1. gives the planned claims that could never be MATCHED another patient
///    (reassign_unmatchable_claims(); the background plans none), so that
///    every receipt that is no injected case is MATCHED;
/// 2. picks the programme-25 offices without tickets;
/// 3. plants the receipt-side defects: a wrong 検証番号 (claim::defect) and a
///    second claim for the same ticket right after its first;
/// 4. writes the receipt files to `out_dir/receipts` (write_receipts(), one
///    file per institution and kind, or per kind on the payer side); with
///    several months to `out_dir/receipts/YYYY-MM`;
/// 5. writes the feed to `out_dir/feed` with write_office_feed(); with
///    several months one set of files: every month's tickets, and the
///    recipients as the first month's feed lists them (people with receipts
///    in several months get ticket-side injections only);
/// 6. writes the truth to `out_dir`: `truth.csv` (one row per injected
///    case: file, line, office_no, recipient_no, month, institution,
///    expected_status, first_delivery_status, injection, person_id,
///    ticket_id, detail), `expected_status.csv` (one row per receipt: file,
///    line, match_status, with every delivery loaded) and
///    `expected_status_first_delivery.csv` (the same with tickets.csv alone),
///    `ticket_use_truth.csv` (one row per ticket of the feed: ticket_id,
///    office_no, person_id, month, institution, care_type, use_status,
///    injection, detail; use_status with every delivery loaded and every
///    month read, so TICKET_UNUSED only for months two or more before the
///    last).
///    `file` is the receipt file's path under `receipts` (its name; with
///    several months `YYYY-MM/name`), `line` the 1-based line of the
///    receipt's RE record (payer side: MN record);
/// 7. writes `behaviour_truth.csv` (code, expected, office_no, person_id,
///    month, institution, file, line, injection, detail: one row per finding
///    the checks must report, and per near miss with expected 0) and
///    `anomaly_truth.csv` (subject_type, office_no, person_id, institution,
///    month, injection). Other people's receipts trigger no check.
///
/// Everything follows from `request.month.seed`: the same request writes the
/// same bytes.
/// @returns invalid_argument for bad options, io_error when a file cannot be
///          written.
expected<scenario_result> generate_scenario(const scenario_request& request);

} // namespace receptor::synth
