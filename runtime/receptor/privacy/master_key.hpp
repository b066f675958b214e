#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "receptor/error.hpp"

namespace receptor::privacy {

/// Environment variable naming a file that holds the master key (64 hex digits).
constexpr const char* key_file_variable = "RECEPTOR_KEY_FILE";
/// Environment variable holding the master key itself (64 hex digits).
constexpr const char* key_variable = "RECEPTOR_MASTER_KEY";

/// The key that wraps every per-file data key (AES-256). It never encrypts
/// data itself, so a KMS can take its place by wrapping and unwrapping data
/// keys (docs/privacy.md).
///
/// Where it comes from, first match wins:
///   1. `RECEPTOR_KEY_FILE`: a file of 64 hex digits (whitespace around them
///      ignored) that only its owner may read (mode 0600 or 0400);
///   2. `RECEPTOR_MASTER_KEY`: 64 hex digits;
///   3. the default file `$XDG_CONFIG_HOME/receptor/master.key` (or
///      `~/.config/receptor/master.key`), created with a random key and mode
///      0600 by `load()` the first time, which says so once on stderr.
class master_key {
public:
  /// A key from 64 hex digits; `source` says where they came from (for errors).
  static expected<master_key> from_hex(std::string_view hex, std::string source);

  /// Reads a key file; refuses one that group or others may read.
  static expected<master_key> from_file(const std::filesystem::path& file);

  /// The configured key, creating the default key file if nothing is configured.
  static expected<master_key> load();

  /// The configured key if there is one, never creating a file: nullopt when
  /// neither variable is set and the default file does not exist.
  static expected<std::optional<master_key>> find();

  /// The default key file's path (XDG rules above).
  static std::filesystem::path default_file();

  /// First 8 hex digits of SHA-256 of the key: names it in files and errors
  /// without revealing it.
  const std::string& key_id() const noexcept { return key_id_; }

  /// Where the key came from, e.g. `RECEPTOR_KEY_FILE=/etc/receptor.key`.
  const std::string& source() const noexcept { return source_; }

  /// The raw key (32 bytes).
  const std::array<uint8_t, 32>& bytes() const noexcept { return key_; }

private:
  std::array<uint8_t, 32> key_{};
  std::string key_id_;
  std::string source_;
};

} // namespace receptor::privacy
