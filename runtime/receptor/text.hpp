#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace receptor {

/// A run of bytes inside a text_arena: 40 bits of offset, 24 bits of length.
/// Eight bytes per text column cell keeps the columnar model compact.
class text_ref {
public:
  static constexpr uint64_t max_size = (uint64_t{1} << 24) - 1;
  static constexpr uint64_t max_offset = (uint64_t{1} << 40) - 1;

  constexpr text_ref() = default;
  constexpr text_ref(uint64_t offset, uint64_t size)
    : bits_((offset << 24) | (size & max_size)) {}

  constexpr uint64_t offset() const { return bits_ >> 24; }
  constexpr uint64_t size() const { return bits_ & max_size; }
  constexpr bool empty() const { return size() == 0; }

  friend constexpr bool operator==(text_ref a, text_ref b) { return a.bits_ == b.bits_; }

private:
  uint64_t bits_ = 0;
};

/// Owns the bytes that text columns point into. Bytes stay in the encoding of
/// the source file (CP932 or UTF-8); they are decoded only when shown.
class text_arena {
public:
  text_ref add(std::string_view bytes) {
    if (bytes.empty())
      return {};
    if (bytes.size() > text_ref::max_size)
      bytes = bytes.substr(0, text_ref::max_size);
    text_ref ref{bytes_.size(), bytes.size()};
    bytes_.append(bytes.data(), bytes.size());
    return ref;
  }

  std::string_view view(text_ref ref) const {
    return std::string_view{bytes_}.substr(ref.offset(), ref.size());
  }

  size_t size() const { return bytes_.size(); }
  void reserve(size_t n) { bytes_.reserve(n); }
  void shrink_to_fit() { bytes_.shrink_to_fit(); }

private:
  std::string bytes_;
};

} // namespace receptor
