#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace receptor::privacy {

/// Standard base64 (RFC 4648, with `=` padding): how sealed values and
/// wrapped keys are kept in text columns and attributes.
std::string base64_encode(std::string_view bytes);

/// Decodes standard padded base64; nullopt for any other text.
std::optional<std::string> base64_decode(std::string_view text);

/// Lower-case hex of bytes: how digests and keys are written as text.
std::string hex_encode(const unsigned char* bytes, size_t size);

} // namespace receptor::privacy
