#include "receptor/feed/normalize.hpp"

#include "receptor/encoding.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace receptor::feed {

namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr char32_t ideographic_space = 0x3000;

// Full-width ASCII U+FF01–U+FF5E sits at a fixed distance from ASCII.
constexpr char32_t full_width_first = 0xFF01;
constexpr char32_t full_width_last = 0xFF5E;
constexpr char32_t full_width_offset = 0xFF01 - 0x21;

bool is_full_width_ascii(char32_t cp) { return cp >= full_width_first && cp <= full_width_last; }

// Half-width katakana U+FF61–U+FF9F (JIS X 0201, the レセコン's カナ) and the
// full-width character each stands for.
constexpr char32_t half_width_kana_first = 0xFF61;
constexpr char32_t half_width_kana[] = {
  0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, // ｡｢｣､･ｦｧｨ
  0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, // ｩｪｫｬｭｮｯｰ
  0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, // ｱｲｳｴｵｶｷｸ
  0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, // ｹｺｻｼｽｾｿﾀ
  0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, // ﾁﾂﾃﾄﾅﾆﾇﾈ
  0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF, // ﾉﾊﾋﾌﾍﾎﾏﾐ
  0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, 0x30EA, // ﾑﾒﾓﾔﾕﾖﾗﾘ
  0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C,         // ﾙﾚﾛﾜﾝﾞﾟ
};
constexpr char32_t half_width_kana_last = half_width_kana_first + std::size(half_width_kana) - 1;
constexpr char32_t voiced_mark = 0x309B;      // ゛ (from ﾞ)
constexpr char32_t semi_voiced_mark = 0x309C; // ゜ (from ﾟ)

// The kana that ﾞ turns into a voiced kana (カ → ガ): the voiced form
// follows the plain one in Unicode, except ウ → ヴ.
char32_t with_voiced_mark(char32_t kana) {
  switch (kana) {
    case 0x30AB: case 0x30AD: case 0x30AF: case 0x30B1: case 0x30B3: // カキクケコ
    case 0x30B5: case 0x30B7: case 0x30B9: case 0x30BB: case 0x30BD: // サシスセソ
    case 0x30BF: case 0x30C1: case 0x30C4: case 0x30C6: case 0x30C8: // タチツテト
    case 0x30CF: case 0x30D2: case 0x30D5: case 0x30D8: case 0x30DB: // ハヒフヘホ
      return kana + 1;
    case 0x30A6: // ウ
      return 0x30F4;
    default:
      return 0;
  }
}

// ﾟ: ハ → パ, two code points on.
char32_t with_semi_voiced_mark(char32_t kana) {
  switch (kana) {
    case 0x30CF: case 0x30D2: case 0x30D5: case 0x30D8: case 0x30DB:
      return kana + 2;
    default:
      return 0;
  }
}

// Variant kanji and their standard form, sorted by variant.
//
// Why: a 戸籍 keeps the variant a family registered (髙橋, 山﨑, 渡邊), but
// systems differ in whether they can store it. The 生活保護システム may hold
// 髙 (a CP932 IBM extension character) where the institution's レセコン,
// lacking the glyph, prints 高 — or the reverse. Both spellings name one
// person, so the match key folds each variant to the standard form; the name
// shown stays the one delivered. The list covers the variants common in
// surnames plus the CJK compatibility ideographs CP932 can carry (the same
// character at a second code point, Unicode's canonical mapping).
struct kanji_fold {
  char32_t variant;
  char32_t standard;
};
constexpr kanji_fold variant_kanji[] = {
  {0x51A8, 0x5BCC},  // 冨 → 富
  {0x570B, 0x56FD},  // 國 → 国
  {0x5BE6, 0x5B9F},  // 實 → 実
  {0x5D5C, 0x5D0E},  // 嵜 → 崎
  {0x5D8B, 0x5CF6},  // 嶋 → 島
  {0x5EE3, 0x5E83},  // 廣 → 広
  {0x5FB7, 0x5FB3},  // 德 → 徳
  {0x60E0, 0x6075},  // 惠 → 恵
  {0x6703, 0x4F1A},  // 會 → 会
  {0x6AFB, 0x685C},  // 櫻 → 桜
  {0x6FA4, 0x6CA2},  // 澤 → 沢
  {0x6FF1, 0x6D5C},  // 濱 → 浜
  {0x6FF5, 0x6D5C},  // 濵 → 浜
  {0x7028, 0x702C},  // 瀨 → 瀬
  {0x771E, 0x771F},  // 眞 → 真
  {0x9089, 0x8FBA},  // 邉 → 辺
  {0x908A, 0x8FBA},  // 邊 → 辺
  {0x95DC, 0x95A2},  // 關 → 関
  {0x9AD9, 0x9AD8},  // 髙 → 高
  {0x9F4A, 0x6589},  // 齊 → 斉
  {0x9F4B, 0x658E},  // 齋 → 斎
  // CJK compatibility ideographs (CP932's IBM extension) → unified form.
  {0xF929, 0x6717},  // 朗 → 朗
  {0xF9DC, 0x9686},  // 隆 → 隆
  {0xFA10, 0x585A},  // 塚 → 塚
  {0xFA11, 0x5D0E},  // 﨑 → 崎
  {0xFA12, 0x6674},  // 晴 → 晴
  {0xFA15, 0x51DE},  // 凞 → 凞
  {0xFA16, 0x732A},  // 猪 → 猪
  {0xFA17, 0x76CA},  // 益 → 益
  {0xFA18, 0x793C},  // 礼 → 礼
  {0xFA19, 0x795E},  // 神 → 神
  {0xFA1A, 0x7965},  // 祥 → 祥
  {0xFA1B, 0x798F},  // 福 → 福
  {0xFA1C, 0x9756},  // 靖 → 靖
  {0xFA1D, 0x7CBE},  // 精 → 精
  {0xFA1E, 0x7FBD},  // 羽 → 羽
  {0xFA20, 0x8612},  // 蘒 → 蘒
  {0xFA22, 0x8AF8},  // 諸 → 諸
  {0xFA25, 0x9038},  // 逸 → 逸
  {0xFA26, 0x90FD},  // 都 → 都
  {0xFA2A, 0x98EF},  // 飯 → 飯
  {0xFA2B, 0x98FC},  // 飼 → 飼
  {0xFA2C, 0x9928},  // 館 → 館
  {0xFA2D, 0x9DB4},  // 鶴 → 鶴
  {0x20BB7, 0x5409}, // 𠮷 → 吉
};

bool is_space(char32_t cp) { return cp == ' ' || cp == '\t' || cp == ideographic_space; }

// True if the value holds a full-width ASCII character or U+3000: only then
// does it need a folded copy.
bool needs_width_fold(std::string_view s) {
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if ((lead == 0xEF && (second == 0xBC || second == 0xBD)) || (lead == 0xE3 && second == 0x80))
      return true;
  }
  return false;
}

} // namespace

std::string fold_width(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t start = i;
    const char32_t cp = decode_utf8(utf8, i);
    if (is_full_width_ascii(cp))
      out += static_cast<char>(cp - full_width_offset);
    else if (cp == ideographic_space)
      out += ' ';
    else
      out.append(utf8.data() + start, i - start);
  }
  return out;
}

std::string_view trim(std::string_view utf8) {
  constexpr std::string_view ideographic_space_utf8 = "\xE3\x80\x80";
  for (;;) {
    if (!utf8.empty() && (utf8.front() == ' ' || utf8.front() == '\t' || utf8.front() == '\r' || utf8.front() == '\n'))
      utf8.remove_prefix(1);
    else if (utf8.substr(0, 3) == ideographic_space_utf8)
      utf8.remove_prefix(3);
    else
      break;
  }
  for (;;) {
    if (!utf8.empty() && (utf8.back() == ' ' || utf8.back() == '\t' || utf8.back() == '\r' || utf8.back() == '\n'))
      utf8.remove_suffix(1);
    else if (utf8.size() >= 3 && utf8.substr(utf8.size() - 3) == ideographic_space_utf8)
      utf8.remove_suffix(3);
    else
      break;
  }
  return utf8;
}

std::string_view normalize_value(std::string_view utf8, std::string& scratch) {
  if (!needs_width_fold(utf8))
    return trim(utf8);
  scratch = fold_width(utf8);
  return trim(scratch);
}

char32_t standard_kanji(char32_t c) {
  const auto* end = std::end(variant_kanji);
  const auto* it = std::lower_bound(std::begin(variant_kanji), end, c,
                                    [](const kanji_fold& f, char32_t x) { return f.variant < x; });
  return it != end && it->variant == c ? it->standard : c;
}

std::string normalize_name(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  // The character written last and where it starts, so that a following ﾞ
  // or ﾟ can be joined to it.
  char32_t previous = 0;
  size_t previous_at = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t start = i;
    char32_t cp = decode_utf8(utf8, i);
    if (cp == invalid_code_point) {
      out += utf8[start];
      previous = 0;
      continue;
    }
    if (is_space(cp))
      continue;
    if (is_full_width_ascii(cp))
      cp -= full_width_offset;
    if (cp >= 'a' && cp <= 'z')
      cp -= 'a' - 'A';
    if (cp >= half_width_kana_first && cp <= half_width_kana_last)
      cp = half_width_kana[cp - half_width_kana_first];
    if (cp == voiced_mark || cp == semi_voiced_mark) {
      const char32_t joined = cp == voiced_mark ? with_voiced_mark(previous) : with_semi_voiced_mark(previous);
      if (joined != 0) {
        out.resize(previous_at);
        append_utf8(out, joined);
        previous = 0;
        continue;
      }
    }
    cp = standard_kanji(cp);
    previous = cp;
    previous_at = out.size();
    append_utf8(out, cp);
  }
  return out;
}

} // namespace receptor::feed
