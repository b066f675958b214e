#pragma once

#include <string>
#include <string_view>

#include "receptor/model/receipt_batch.hpp"

namespace receptor {

/// Guesses the encoding of receipt or feed bytes: UTF-8 if the first
/// `sample` bytes hold multi-byte UTF-8 and nothing invalid, else CP932.
/// Pure ASCII counts as CP932 (the national format's encoding).
model::text_encoding detect_encoding(std::string_view bytes, size_t sample = 1 << 20);

/// True if `bytes` is valid UTF-8.
bool valid_utf8(std::string_view bytes);

/// Returned by decode_utf8 for a byte that starts no valid UTF-8 sequence.
constexpr char32_t invalid_code_point = 0xFFFFFFFF;

/// The code point starting at `s[i]`, advancing `i` past it; for a byte that
/// starts no valid sequence, invalid_code_point and `i` advances by one.
char32_t decode_utf8(std::string_view s, size_t& i);

/// Converts CP932 (Windows-31J, Shift_JIS with NEC/IBM extensions) to UTF-8.
/// Bytes that do not decode become U+FFFD; `bad` (if given) counts them.
std::string cp932_to_utf8(std::string_view bytes, size_t* bad = nullptr);

/// Converts UTF-8 to CP932; characters CP932 lacks become `?`.
std::string utf8_to_cp932(std::string_view bytes, size_t* bad = nullptr);

/// Returns `bytes` as UTF-8 given their encoding.
inline std::string to_utf8(std::string_view bytes, model::text_encoding from) {
  if (from == model::text_encoding::utf8)
    return std::string{bytes};
  return cp932_to_utf8(bytes);
}

} // namespace receptor
