#pragma once

// Field splitting and number parsing shared by the reader and its tests;
// check_config reads its whole numbers with parse_uint too.
// Internal to the runtime: not installed, not included by public headers.

#include <cstddef>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "receptor/defaults.hpp"

namespace receptor::uke::detail {

/// The fields of one record: where each ends in the line, so a split costs
/// four bytes per field. Views are made on demand and point into the line.
struct split_fields {
  const char* base = nullptr;
  uint32_t ends[defaults::reader::max_fields]; ///< offset of the comma (or line end) closing field i
  size_t count = 0; ///< all fields, even past max_fields
  /// Bit i set: field i is not empty (for the first 128 fields).
  uint64_t nonempty[2] = {0, 0};

  std::string_view operator[](int i) const {
    if (i < 0 || static_cast<size_t>(i) >= stored())
      return {};
    uint32_t begin = i == 0 ? 0 : ends[i - 1] + 1;
    return {base + begin, ends[i] - begin};
  }
  /// `n` (≤ 32) bits of `nonempty` from field `start` on.
  uint32_t nonempty_bits(int start, int n) const {
    uint64_t w;
    if (start >= 64)
      w = nonempty[1] >> (start - 64);
    else if (start == 0)
      w = nonempty[0];
    else
      w = (nonempty[0] >> start) | (nonempty[1] << (64 - start));
    return static_cast<uint32_t>(w & ((uint64_t{1} << n) - 1));
  }
  size_t stored() const { return count < defaults::reader::max_fields ? count : defaults::reader::max_fields; }
};

/// Splits on every comma: the format never quotes, so a field cannot hold one.
/// Sixteen bytes at a time, and no branch on whether a field is empty: in
/// レセ電 records most fields are, in no predictable pattern.
inline void split(std::string_view s, split_fields& out) {
  constexpr size_t max = defaults::reader::max_fields;
  static_assert(max <= 128, "nonempty holds 128 bits");
  const char* base = s.data();
  const char* p = base;
  const char* end = p + s.size();
  uint32_t prev_end = ~uint32_t{0}; // the virtual comma before field 0
  size_t n = 0;
  // The non-empty bits stay in registers: or-ing into memory per comma would
  // chain every comma on a store-to-load round trip.
  uint64_t low = 0, high = 0;
  out.base = base;
  auto comma_at = [&](uint32_t at) {
    if (n < max) {
      out.ends[n] = at;
      uint64_t bit = uint64_t{at != prev_end + 1} << (n & 63);
      if (n < 64)
        low |= bit;
      else
        high |= bit;
    }
    ++n;
    prev_end = at;
  };
#if defined(__SSE2__)
  const __m128i commas = _mm_set1_epi8(',');
  for (; end - p >= 16; p += 16) {
    auto block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, commas)));
    auto offset = static_cast<uint32_t>(p - base);
    while (mask) {
      comma_at(offset + static_cast<uint32_t>(__builtin_ctz(mask)));
      mask &= mask - 1;
    }
  }
#endif
  for (; p < end; ++p)
    if (*p == ',')
      comma_at(static_cast<uint32_t>(p - base));
  comma_at(static_cast<uint32_t>(s.size()));
  out.nonempty[0] = low;
  out.nonempty[1] = high;
  out.count = n;
}

/// How a numeric field read.
enum class number { empty, ok, noncanonical, bad };

namespace digits_detail {
// At most 9 ASCII digits, so the value fits a uint32_t.
inline bool digits(std::string_view s, uint32_t& out) {
  if (s.size() > 9)
    return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
  return true;
}
} // namespace digits_detail

/// Parses an unsigned integer of at most 9 digits. Leading zeros parse but
/// are reported as noncanonical, so the record keeps its bytes.
inline number parse_uint(std::string_view s, uint32_t& out) {
  if (s.empty())
    return number::empty;
  if (!digits_detail::digits(s, out))
    return number::bad;
  return s.size() > 1 && s[0] == '0' ? number::noncanonical : number::ok;
}

/// Parses a fixed-width code (e.g. 9-digit 診療行為コード, 7-digit 傷病名コード).
/// A code of another width parses but is noncanonical.
inline number parse_code(std::string_view s, size_t width, uint32_t& out) {
  if (s.empty())
    return number::empty;
  if (!digits_detail::digits(s, out))
    return number::bad;
  return s.size() == width ? number::ok : number::noncanonical;
}

/// Parses a decimal such as `1.25` into units of 1e-5 (at most 9 integer and
/// 5 fraction digits). `1.50`, `01` and `1.` are noncanonical.
inline number parse_decimal(std::string_view s, int64_t& out) {
  if (s.empty())
    return number::empty;
  int64_t whole = 0;
  int64_t frac = 0;
  size_t int_digits = 0, frac_digits = 0;
  bool dot = false;
  bool canonical = true;
  for (char c : s) {
    if (c == '.') {
      if (dot)
        return number::bad;
      dot = true;
    } else if (c >= '0' && c <= '9') {
      if (dot) {
        if (++frac_digits > 5)
          return number::bad;
        frac = frac * 10 + (c - '0');
      } else {
        if (++int_digits > 9)
          return number::bad;
        whole = whole * 10 + (c - '0');
      }
    } else {
      return number::bad;
    }
  }
  if (int_digits == 0)
    return number::bad;
  if ((int_digits > 1 && s[0] == '0') || (dot && (frac_digits == 0 || s.back() == '0')))
    canonical = false;
  for (size_t i = frac_digits; i < 5; ++i)
    frac *= 10;
  out = whole * 100000 + frac;
  return canonical ? number::ok : number::noncanonical;
}

} // namespace receptor::uke::detail
