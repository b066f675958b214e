#pragma once

// Field splitting and number parsing shared by the reader and its tests.
// Internal to the runtime: not installed, not included by public headers.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "receptor/defaults.hpp"

namespace receptor::uke::detail {

/// The fields of one record. Views point into the line being read.
struct split_fields {
  std::string_view f[defaults::reader::max_fields];
  size_t count = 0; ///< all fields, even past max_fields

  std::string_view operator[](int i) const {
    return i >= 0 && static_cast<size_t>(i) < count && static_cast<size_t>(i) < defaults::reader::max_fields
             ? f[i]
             : std::string_view{};
  }
  size_t stored() const { return count < defaults::reader::max_fields ? count : defaults::reader::max_fields; }
};

/// Splits on every comma: the format never quotes, so a field cannot hold one.
inline void split(std::string_view s, split_fields& out) {
  const char* p = s.data();
  const char* end = p + s.size();
  const char* start = p;
  size_t n = 0;
  for (; p < end; ++p) {
    if (*p == ',') {
      if (n < defaults::reader::max_fields)
        out.f[n] = std::string_view(start, static_cast<size_t>(p - start));
      ++n;
      start = p + 1;
    }
  }
  if (n < defaults::reader::max_fields)
    out.f[n] = std::string_view(start, static_cast<size_t>(end - start));
  out.count = n + 1;
}

/// How a numeric field read.
enum class number { empty, ok, noncanonical, bad };

/// Parses an unsigned integer of at most 9 digits. Leading zeros parse but
/// are reported as noncanonical, so the record keeps its bytes.
inline number parse_uint(std::string_view s, uint32_t& out) {
  if (s.empty())
    return number::empty;
  if (s.size() > 9)
    return number::bad;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return number::bad;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
  return s.size() > 1 && s[0] == '0' ? number::noncanonical : number::ok;
}

/// Parses a fixed-width code (e.g. 9-digit 診療行為コード, 7-digit 傷病名コード).
/// A code of another width parses but is noncanonical.
inline number parse_code(std::string_view s, size_t width, uint32_t& out) {
  if (s.empty())
    return number::empty;
  if (s.size() > 9)
    return number::bad;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return number::bad;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
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
