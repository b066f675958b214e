#include "receptor/encoding.hpp"

#include <iconv.h>

#include <cerrno>
#include <mutex>

namespace receptor {

namespace {

// Length of the UTF-8 sequence starting at p, 0 if invalid.
size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c < 0x80)
    return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < n)
    return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
      || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// iconv descriptors are not thread-safe: one per thread and direction.
class converter {
public:
  converter(const char* to, const char* from) : cd_(iconv_open(to, from)) {}
  ~converter() {
    if (cd_ != reinterpret_cast<iconv_t>(-1))
      iconv_close(cd_);
  }
  converter(const converter&) = delete;
  converter& operator=(const converter&) = delete;

  std::string run(std::string_view in, std::string_view replacement, size_t* bad) {
    std::string out;
    if (cd_ == reinterpret_cast<iconv_t>(-1)) {
      out.assign(in);
      return out;
    }
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    out.resize(in.size() * 3 / 2 + 16);
    auto* src = const_cast<char*>(in.data());
    size_t src_left = in.size();
    size_t used = 0;
    while (src_left > 0) {
      char* dst = out.data() + used;
      size_t dst_left = out.size() - used;
      size_t rc = iconv(cd_, &src, &src_left, &dst, &dst_left);
      used = out.size() - dst_left;
      if (rc != static_cast<size_t>(-1))
        break;
      if (errno == E2BIG) {
        out.resize(out.size() * 2);
      } else {
        // EILSEQ or EINVAL: skip one byte and emit a replacement.
        ++src;
        --src_left;
        if (bad)
          ++*bad;
        if (out.size() - used < replacement.size())
          out.resize(out.size() * 2 + replacement.size());
        out.replace(used, replacement.size(), replacement);
        used += replacement.size();
        iconv(cd_, nullptr, nullptr, nullptr, nullptr);
      }
    }
    out.resize(used);
    return out;
  }

private:
  iconv_t cd_;
};

} // namespace

char32_t decode_utf8(std::string_view s, size_t& i) {
  auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  auto* end = reinterpret_cast<const unsigned char*>(s.data()) + s.size();
  if (*p < 0x80) {
    ++i;
    return *p;
  }
  auto n = utf8_sequence(p, end);
  if (n == 0) {
    ++i;
    return invalid_code_point;
  }
  char32_t cp = n == 2 ? (p[0] & 0x1F) : n == 3 ? (p[0] & 0x0F) : (p[0] & 0x07);
  for (size_t k = 1; k < n; ++k)
    cp = (cp << 6) | (p[k] & 0x3F);
  i += n;
  return cp;
}

bool valid_utf8(std::string_view bytes) {
  auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  auto* end = p + bytes.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    auto n = utf8_sequence(p, end);
    if (n == 0)
      return false;
    p += n;
  }
  return true;
}

model::text_encoding detect_encoding(std::string_view bytes, size_t sample) {
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF")
    return model::text_encoding::utf8;
  auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  auto* end = p + std::min(bytes.size(), sample);
  size_t multibyte = 0;
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    auto n = utf8_sequence(p, end);
    if (n == 0) {
      // A sequence cut by the sample's end is not evidence against UTF-8.
      if (end - p < 4 && end != reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size())
        break;
      return model::text_encoding::cp932;
    }
    // Enough evidence: CP932 text forms valid UTF-8 by accident only for a few characters.
    if (++multibyte == 256)
      return model::text_encoding::utf8;
    p += n;
  }
  return multibyte > 0 ? model::text_encoding::utf8 : model::text_encoding::cp932;
}

std::string cp932_to_utf8(std::string_view bytes, size_t* bad) {
  bool ascii = true;
  for (char c : bytes)
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii)
    return std::string{bytes};
  thread_local converter conv{"UTF-8", "CP932"};
  return conv.run(bytes, "\xEF\xBF\xBD", bad);
}

std::string utf8_to_cp932(std::string_view bytes, size_t* bad) {
  thread_local converter conv{"CP932", "UTF-8"};
  return conv.run(bytes, "?", bad);
}

} // namespace receptor
