#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/match/claim.hpp"

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

/// The embedded store of the nightly batch: a folder on local disk holding
/// every ingested delivery (a copy, by content hash) and the claims read
/// from each receipt delivery, so later runs neither re-read nor re-parse.
///
///   STORE/deliveries.tsv         sha256, role, original path, copy (append-only)
///   STORE/deliveries/<sha>-NAME  the copies
///   STORE/claims/<sha>.bin       the claims of a receipt delivery (CAF binary format)
class delivery_store {
public:
  /// Opens (creating if needed) the store in `dir`.
  static expected<delivery_store> open(const std::filesystem::path& dir);

  /// Adds a file unless a delivery with the same content is held. Returns
  /// the delivery and whether it is new. The copy is written to a temporary
  /// name and renamed, and the file is hashed before and after copying: a
  /// file that changes while being read is refused.
  expected<std::pair<delivery, bool>> add(const std::filesystem::path& file, const std::string& role);

  /// Every delivery, in the order ingested.
  const std::vector<delivery>& deliveries() const { return deliveries_; }

  /// Claims of a receipt delivery, if stored.
  expected<std::vector<match::claim>> load_claims(caf::actor_system& sys, const std::string& sha256) const;
  error save_claims(caf::actor_system& sys, const std::string& sha256, const std::vector<match::claim>& claims) const;
  bool has_claims(const std::string& sha256) const;

  const std::filesystem::path& dir() const { return dir_; }

private:
  std::filesystem::path dir_;
  std::vector<delivery> deliveries_;
};

} // namespace receptor::actors
