#pragma once

#include <string>
#include <string_view>

namespace receptor::feed {

/// Folds full-width ASCII (U+FF01–U+FF5E: digits, letters and signs, so
/// `１２３`, `ＡＢＣ` and the `－` of a date) to ASCII and the ideographic space
/// U+3000 to ' '. Everything else is copied unchanged.
std::string fold_width(std::string_view utf8);

/// Removes half-width spaces, tabs, CR, LF and U+3000 at both ends.
std::string_view trim(std::string_view utf8);

/// How every feed value is read: width-folded, then trimmed. Returns a view
/// of `utf8` when nothing needed folding (the common case, no allocation),
/// else a view of `scratch`, which it overwrites.
std::string_view normalize_value(std::string_view utf8, std::string& scratch);

/// The standard form of a variant kanji (髙 → 高, 﨑 → 崎, 隆 → 隆), or `c`.
char32_t standard_kanji(char32_t c);

/// The key two spellings of one person's name share: width-folded (ASCII to
/// half width, upper case; half-width katakana to full width, with ﾞ/ﾟ
/// joined to the kana before them), every space removed, and variant kanji
/// folded to their standard form. Hiragana and katakana stay as they are.
/// For comparing names only; the name shown is always the one delivered.
std::string normalize_name(std::string_view utf8);

} // namespace receptor::feed
