#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/match/person_book.hpp"
#include "receptor/scores/peer_scores.hpp"

namespace receptor::store {

/// Version of the result file layout (spec/results.md); bumped when a
/// meaning changes.
constexpr int64_t schema_version = 1;

/// One input of a run, as the `inputs` attribute lists it.
struct input_file {
  std::string path;
  std::string role;     ///< receipts, recipients, tickets, other_schemes
  uint64_t bytes = 0;
  std::string sha256;
  std::string format;   ///< receipts: medical, dpc, dental, pharmacy
  uint64_t receipts = 0;
  uint64_t lines = 0;
};

/// A rejected input row.
struct quarantine_entry {
  std::string source_file;
  uint32_t source_line = 0;
  std::string reason;
  std::string raw;
};

/// Everything a run decided, merged over shards and sorted.
struct run_output {
  std::vector<input_file> inputs;
  /// The claims as their SHARDs returned them, one part per SHARD, and the
  /// match of each, part by part. Merging them into one vector would hold a
  /// national month's claims twice at the run's peak.
  std::vector<std::vector<match::claim>> claims;
  std::vector<std::vector<match::receipt_match>> receipts;
  /// (part, index) of every claim, sorted by receipt_key: the receipts table's order.
  std::vector<std::pair<uint32_t, uint32_t>> order;
  std::vector<match::ticket_row> tickets;      ///< sorted by ticket_id
  std::vector<match::ticket_use> ticket_uses;  ///< same order as tickets
  std::vector<match::finding> findings;        ///< sorted by (receipt_key, ticket_id, code)
  std::vector<quarantine_entry> quarantine;
  std::vector<scores::person_month> person_rows;        ///< sorted by (office, person, month)
  std::vector<scores::scored> person_scores;            ///< same order as person_rows
  std::vector<scores::institution_score> institution_scores; ///< sorted by (institution, month)
  /// Office × month: (drug lines, 後発品 lines) of welfare receipts, for the summary's generic share.
  std::map<std::pair<std::string, uint32_t>, std::pair<uint64_t, uint64_t>> drug_lines;
  std::string config_json;
};

/// Writes the result file: temp file in the same folder, atomic rename.
/// Tables: receipts, tickets, findings, quarantine, summary, scores_person
/// and scores_institution (with one `f_<feature>` column per feature).
/// Consumes `run`: the receipts table takes the claims' values as it
/// releases them, so a national month is not held twice while it is written.
error write_results(const std::filesystem::path& path, run_output run);

/// What an earlier run decided, read back from its result file: the outcome
/// of the receipts and tickets a new run does not need to match again.
struct previous_results {
  std::unordered_map<std::string, match::receipt_match> receipts;             ///< by receipt_key
  std::unordered_map<std::string, std::vector<match::finding>> receipt_findings; ///< by receipt_key
  std::unordered_map<std::string, std::string> ticket_use;                    ///< by ticket_id
};

/// Reads a result file written by write_results() (this schema version only).
expected<previous_results> read_previous(const std::filesystem::path& path);

/// SHA-256 of a file as 64 hex digits.
expected<std::string> sha256_file(const std::filesystem::path& path);

} // namespace receptor::store
