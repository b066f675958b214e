#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "receptor/error.hpp"
#include "receptor/privacy/master_key.hpp"

namespace receptor::privacy {

/// The first bytes of a sealed file.
constexpr std::string_view sealed_file_magic = "RCPTSEAL";
constexpr uint8_t sealed_file_version = 1;

/// A whole file encrypted at rest:
///
///   magic "RCPTSEAL" | version (1 byte) | key id (8 ASCII hex) |
///   wrapped data key length (2 bytes, big-endian) | wrapped data key |
///   nonce (12) | ciphertext | tag (16)
///
/// The data key is new for every file; the header up to the nonce is the
/// associated data, so a changed header fails like a changed byte of content.
expected<std::string> seal_file_bytes(const master_key& master, std::string_view plaintext);

/// Decrypts `sealed`; `where` (the file name) appears in every error.
expected<std::string> open_file_bytes(const master_key& master, std::string_view sealed, std::string_view where);

/// True if `bytes` starts with the sealed-file magic.
bool is_sealed_file(std::string_view bytes);

/// Seals `plaintext` into `target`: a temporary file in the same folder with
/// mode 0600, fsync, rename, fsync of the folder. A crash leaves either the
/// old file or the new one.
error write_sealed_file(const std::filesystem::path& target, const master_key& master, std::string_view plaintext);

/// Reads a sealed file whole and decrypts it.
expected<std::string> read_sealed_file(const std::filesystem::path& file, const master_key& master);

/// Writes `bytes` to `target` as write_sealed_file does, unencrypted (mode 0600).
error write_file_atomically(const std::filesystem::path& target, std::string_view bytes);

/// Copies `from` to `target` as write_file_atomically does (streamed; mode
/// 0600; fsync; rename): `target` is the old file or the whole new one.
error copy_file_atomically(const std::filesystem::path& from, const std::filesystem::path& target);

/// True if the file at `path` starts with the sealed-file magic.
bool file_is_sealed(const std::filesystem::path& path);

/// The size of a sealed file's content (its size less header, nonce and
/// tag), or the size of a file that is not sealed; 0 if it cannot be read.
uint64_t plaintext_size(const std::filesystem::path& path);

/// Reads a whole file.
expected<std::string> read_whole_file(const std::filesystem::path& file);

} // namespace receptor::privacy
