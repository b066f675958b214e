#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "receptor/actors/delivery_store.hpp"
#include "receptor/error.hpp"
#include "receptor/feed/office_feed.hpp"
#include "receptor/match/claim.hpp"
#include "receptor/store/run_results.hpp"

namespace receptor::actors {

struct check_setup;

/// How a run is spread over actors. Results do not depend on any of it.
struct engine_options {
  uint32_t shards = 8;        ///< SHARD actors, each owning a slice of people
  uint32_t threads = 2;       ///< scheduler threads (and READER actors)
  size_t batch_size = 2048;   ///< receipts per message to a SHARD
  size_t window = 8;          ///< batches a READER may have in flight
  /// The 支払基金 master files the checks read (drugs, diseases, procedures).
  /// Empty: $RECEPTOR_MASTERS, else the masters of the source tree; without
  /// any, the drug and disease checks find nothing and the result says so.
  std::filesystem::path masters_dir;
  /// Thresholds of the checks and scores (data/config/receptor.conf);
  /// empty: the built-in defaults.
  std::filesystem::path config_file;
};

/// Where a run is, for a progress bar. Delivered on the thread that called
/// run(), never on an actor thread.
struct progress {
  std::string stage;          ///< load, read, match, write
  uint64_t done = 0;
  uint64_t total = 0;
};

/// What a run did.
struct run_summary {
  std::filesystem::path out;
  uint64_t files = 0;
  uint64_t parsed = 0;        ///< files read this time (store mode: new deliveries)
  uint64_t skipped = 0;       ///< store mode: deliveries already held, not ingested again
  uint64_t receipts = 0;
  uint64_t rematched = 0;     ///< receipts matched this time (store mode: only those of touched people)
  uint64_t quarantined = 0;
  std::map<std::string, uint64_t> by_status;
  std::map<std::string, uint64_t> findings_by_code;
  double read_seconds = 0, match_seconds = 0, write_seconds = 0, total_seconds = 0;
  /// Backpressure at work: the most messages any SHARD had waiting while
  /// claims arrived. READERs keep at most `window` batches in flight each,
  /// so this stays under readers × window plus the few setup messages,
  /// however many files a run reads.
  uint64_t peak_shard_mailbox = 0;
  /// Receipts parsed before the feed given to run() was loaded, and
  /// identified once it was (the overlap of the two).
  uint64_t parked = 0;
};

/// The ENGINE: owns the actor system, the office's feed and the SHARDs'
/// configuration; runs batches. One per process is enough; close() is
/// idempotent and also runs on destruction.
class engine {
public:
  explicit engine(engine_options options = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Loads one delivery of the office's feed (idempotent; see office_feed).
  error load_feed(feed::feed_file kind, const std::filesystem::path& file);

  /// Reads the receipt files (files, or folders searched for them), matches
  /// them against the feed and writes the result file `out` atomically.
  /// `feed_files` are loaded first, as by load_feed(), but on a thread of
  /// their own while the receipts are parsed; a load error ends the run.
  expected<run_summary> run(const std::vector<std::filesystem::path>& receipts, const std::filesystem::path& out,
                            const std::vector<std::pair<feed::feed_file, std::filesystem::path>>& feed_files = {});

  /// Store mode, the nightly batch: adds the given deliveries to the store
  /// in `store_dir` (a delivery already held, by content hash, is skipped),
  /// then matches every receipt the store holds against every feed delivery
  /// it holds, in ingestion order, and writes `out`. Receipts read once are
  /// kept as claims and never parsed again. The result equals run() over the
  /// same files with the same feed.
  ///
  /// `people` (office_no, person_id) and `months` (YYYYMM) are matched again
  /// whatever the deliveries touched: after a correction made outside the
  /// feed, or to re-check a month on demand.
  expected<run_summary> ingest(const std::filesystem::path& store_dir,
                               const std::vector<std::filesystem::path>& receipts,
                               const std::vector<std::pair<feed::feed_file, std::filesystem::path>>& feed,
                               const std::filesystem::path& out,
                               const std::vector<std::pair<std::string, std::string>>& people = {},
                               const std::vector<uint32_t>& months = {});

  /// Called with progress during run(); may be empty.
  void on_progress(std::function<void(const progress&)> callback);

  /// Asks a running run() to stop; it returns an error saying so.
  void cancel();

  /// Stops every actor and the actor system. Safe to call twice.
  /// Retention: delivery_store::purge on the store in `store_dir`. The audit
  /// entry goes to `$RECEPTOR_AUDIT_LOG`, else to `store_dir/audit.jsonl`.
  expected<purge_report> purge(const std::filesystem::path& store_dir, uint32_t older_than_months);

  void close();

  const feed::office_feed& feed() const;
  const engine_options& options() const;

private:
  // One input of a run: a file to read, or claims kept from an earlier run.
  struct input_slot {
    std::filesystem::path read_path;
    std::string shown;                 ///< the path reports name
    store::input_file info;            ///< for kept claims: what was read then
    bool parse = true;
    std::vector<match::claim> stored;  ///< kept claims (parse == false)
  };

  // An earlier run's outcome and the people a new delivery touched: only
  // they are matched again.
  struct incremental;

  // Reads, routes, matches and writes; collects the claims of the files it
  // read into `parsed` (by input index) when given.
  expected<run_summary> pipeline(std::vector<input_slot> inputs, const std::filesystem::path& out,
                                 std::vector<std::vector<match::claim>>* parsed, incremental* inc,
                                 const std::vector<std::pair<feed::feed_file, std::filesystem::path>>& feed_files = {});

  // The thresholds and masters of this engine's runs, loaded once.
  expected<check_setup> check_setup_for_run();

  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The receipt files of a folder (RECEIPT*.UKE/.CYO, *.UKE, *.CYO, *.HEN,
/// *RECODEINFO*.CSV), sorted; a file is returned as it is. Inside a folder a
/// symbolic link (to a file or a folder) or a path that resolves outside the
/// folder is refused with an error naming it: an inbox cannot make the batch
/// read elsewhere.
expected<std::vector<std::filesystem::path>> receipt_files(const std::vector<std::filesystem::path>& paths);

} // namespace receptor::actors
