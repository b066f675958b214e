#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/match/claim.hpp"
#include "receptor/privacy/master_key.hpp"

namespace caf {
class actor_system;
}

namespace receptor::actors {

/// One delivery the store holds.
struct delivery {
  std::string sha256;          ///< content hash: the identity of a delivery
  std::string role;            ///< receipts, recipients, tickets, other_schemes
  std::string original;        ///< the path it was ingested from
  std::filesystem::path copy;  ///< its copy inside the store
};

/// What a retention purge removed.
struct purge_report {
  uint32_t newest_month = 0;               ///< YYYYMM, the newest care month held
  uint32_t cutoff_month = 0;               ///< YYYYMM; deliveries whose months are all before it went
  std::vector<std::string> deliveries;     ///< sha256 of each delivery removed
  uint64_t claims = 0;                     ///< receipts (kept claims) removed with them
  uint64_t kept = 0;                       ///< receipt deliveries kept
  uint64_t unknown = 0;                    ///< kept because no claims were saved for them yet
  uint64_t orphans = 0;                    ///< files no index line named (a crash's leftovers), removed
};

/// The embedded store of the nightly batch: a folder on local disk holding
/// every ingested delivery (a copy, by content hash) and the claims read
/// from each receipt delivery, so later runs neither re-read nor re-parse.
///
///   STORE/deliveries.tsv         sha256, role, original path, copy (replaced whole on each add)
///   STORE/deliveries/<sha>-NAME  the copies, sealed (privacy/sealed_file.hpp)
///   STORE/claims/<sha>.bin       the claims of a receipt delivery (CAF binary format), sealed
///
/// Copies and claims hold names, birth dates and 受給者番号: each is a sealed
/// file (AES-256-GCM, a data key per file wrapped by the master key) written
/// to a temporary name, fsynced and renamed, and read back into memory only.
/// Every file is mode 0600 and the folder 0700.
class delivery_store {
public:
  /// Opens (creating if needed) the store in `dir`, with the configured
  /// master key (privacy::master_key::load).
  static expected<delivery_store> open(const std::filesystem::path& dir);

  /// The same with a given master key.
  static expected<delivery_store> open(const std::filesystem::path& dir, privacy::master_key key);

  /// Adds a file unless a delivery with the same content is held. Returns
  /// the delivery and whether it is new. The copy is written to a temporary
  /// name and renamed, and the file is hashed before and after copying: a
  /// file that changes while being read is refused.
  expected<std::pair<delivery, bool>> add(const std::filesystem::path& file, const std::string& role);

  /// The content of a delivery, decrypted in memory. A copy from before
  /// sealing (no sealed-file header) is returned as it is.
  expected<std::string> read(const delivery& d) const;

  /// Removes deliveries (their copies, claims and index lines) whose hash is
  /// in `sha256s`; the index is rewritten first, so a crash leaves at worst
  /// unreferenced files, which the next purge removes.
  error remove(const std::vector<std::string>& sha256s);

  /// Retention: removes the receipt deliveries (copies and kept claims) whose
  /// care months all lie more than `older_than_months` months before the
  /// newest care month held, then latest.h5 and its journal (they hold rows
  /// of what went; the next ingest matches what remains in full). Also
  /// removes files no index line names (what a crash left behind). Appends
  /// an audit entry to `audit_log` (docs/privacy.md) when anything goes.
  /// Feed deliveries are kept. Not to be run beside an ingest of the store.
  expected<purge_report> purge(caf::actor_system& sys, uint32_t older_than_months,
                               const std::filesystem::path& audit_log);

  /// Every delivery, in the order ingested.
  const std::vector<delivery>& deliveries() const { return deliveries_; }

  /// Claims of a receipt delivery, if stored.
  expected<std::vector<match::claim>> load_claims(caf::actor_system& sys, const std::string& sha256) const;
  error save_claims(caf::actor_system& sys, const std::string& sha256, const std::vector<match::claim>& claims) const;
  bool has_claims(const std::string& sha256) const;

  const std::filesystem::path& dir() const { return dir_; }

  const privacy::master_key& key() const { return key_; }

private:
  error write_index() const;

  std::filesystem::path dir_;
  privacy::master_key key_;
  std::vector<delivery> deliveries_;
};

} // namespace receptor::actors
