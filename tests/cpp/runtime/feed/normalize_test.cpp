#include "receptor/feed/normalize.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace receptor::feed;

TEST(normalize, fold_width_turns_full_width_ascii_into_ascii) {
  EXPECT_EQ(fold_width("０１２３４５６７８９"), "0123456789");
  EXPECT_EQ(fold_width("ＡＢＣＸＹＺ"), "ABCXYZ");
  EXPECT_EQ(fold_width("ａｂｃｘｙｚ"), "abcxyz");
  EXPECT_EQ(fold_width("２０２４－０５－０１"), "2024-05-01");
  EXPECT_EQ(fold_width("！～"), "!~"); // both ends of U+FF01–U+FF5E
  EXPECT_EQ(fold_width("山田　太郎"), "山田 太郎");
}

TEST(normalize, fold_width_leaves_everything_else_alone) {
  EXPECT_EQ(fold_width("12131017"), "12131017");
  EXPECT_EQ(fold_width("髙橋 ﾀﾛｳ ひらがな カタカナ"), "髙橋 ﾀﾛｳ ひらがな カタカナ");
  EXPECT_EQ(fold_width(""), "");
  // Bytes that are not UTF-8 pass through rather than fail.
  EXPECT_EQ(fold_width("a\xFF\xEF\xBC"), "a\xFF\xEF\xBC");
}

TEST(normalize, trim_removes_half_and_full_width_space_at_both_ends) {
  EXPECT_EQ(trim("  12131017\t"), "12131017");
  EXPECT_EQ(trim("　山田 太郎　 "), "山田 太郎");
  EXPECT_EQ(trim("value\r\n"), "value");
  EXPECT_EQ(trim(" \t　"), "");
  EXPECT_EQ(trim(""), "");
}

TEST(normalize, normalize_value_folds_then_trims_and_avoids_copies) {
  std::string scratch;
  const std::string plain = " 2024-05 ";
  const std::string_view kept = normalize_value(plain, scratch);
  EXPECT_EQ(kept, "2024-05");
  EXPECT_EQ(kept.data(), plain.data() + 1); // a view of the input: nothing to fold
  EXPECT_EQ(normalize_value("　１２１３１０１７　", scratch), "12131017");
  EXPECT_EQ(normalize_value("１", scratch), "1");
}

TEST(normalize, normalize_name_removes_every_space) {
  EXPECT_EQ(normalize_name("山田 太郎"), "山田太郎");
  EXPECT_EQ(normalize_name("山田　太郎"), "山田太郎");
  EXPECT_EQ(normalize_name(" 山田\t太郎　"), "山田太郎");
  EXPECT_EQ(normalize_name("山田"), normalize_name("山 田"));
}

TEST(normalize, normalize_name_folds_width_and_case_of_latin_letters) {
  EXPECT_EQ(normalize_name("ＳＭＩＴＨ　Ｊｏｈｎ"), "SMITHJOHN");
  EXPECT_EQ(normalize_name("smith john"), "SMITHJOHN");
}

TEST(normalize, normalize_name_keeps_hiragana_and_katakana_apart) {
  EXPECT_EQ(normalize_name("やまだ たろう"), "やまだたろう");
  EXPECT_EQ(normalize_name("ヤマダ タロウ"), "ヤマダタロウ");
  EXPECT_NE(normalize_name("やまだ"), normalize_name("ヤマダ"));
}

TEST(normalize, normalize_name_widens_half_width_katakana_and_joins_voiced_marks) {
  EXPECT_EQ(normalize_name("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダタロウ");
  EXPECT_EQ(normalize_name("ﾊﾟﾝ ｶﾞｯｺｳ"), "パンガッコウ");
  EXPECT_EQ(normalize_name("ｳﾞｨ"), "ヴィ");
  EXPECT_EQ(normalize_name("ｻﾄｳ ｷｮｳｺｰ"), normalize_name("サトウ キョウコー"));
  // A mark with nothing to join stays a mark, in full width.
  EXPECT_EQ(normalize_name("ｱﾞ"), "ア゛");
  EXPECT_EQ(normalize_name("ﾞ"), "゛");
}

TEST(normalize, normalize_name_folds_the_variant_kanji_of_surnames) {
  const std::pair<const char*, const char*> folds[] = {
    {"髙", "高"}, {"﨑", "崎"}, {"德", "徳"}, {"濵", "浜"}, {"濱", "浜"}, {"邊", "辺"}, {"邉", "辺"},
    {"齋", "斎"}, {"齊", "斉"}, {"澤", "沢"}, {"櫻", "桜"}, {"廣", "広"}, {"嶋", "島"}, {"冨", "富"},
    {"眞", "真"}, {"國", "国"}, {"會", "会"}, {"關", "関"}, {"實", "実"}, {"惠", "恵"},
    {"嵜", "崎"}, {"瀨", "瀬"}, {"𠮷", "吉"},
  };
  for (const auto& [variant, standard] : folds)
    EXPECT_EQ(normalize_name(variant), standard) << variant;
  EXPECT_EQ(normalize_name("髙橋 德"), normalize_name("高橋　徳"));
  EXPECT_EQ(normalize_name("山﨑 眞理子"), "山崎真理子");
  EXPECT_EQ(normalize_name("渡邊"), normalize_name("渡辺"));
  EXPECT_EQ(normalize_name("渡邉"), normalize_name("渡辺"));
}

TEST(normalize, normalize_name_folds_cp932_compatibility_ideographs) {
  EXPECT_EQ(normalize_name("\uF9DC"), "\u9686"); // 隆
  EXPECT_EQ(normalize_name("\uFA19\uFA26"), "\u795E\u90FD"); // 神都
  EXPECT_EQ(normalize_name("\uFA10"), "\u585A"); // 塚
}

TEST(normalize, standard_kanji_leaves_standard_and_other_characters) {
  EXPECT_EQ(standard_kanji(U'高'), U'高');
  EXPECT_EQ(standard_kanji(U'髙'), U'高');
  EXPECT_EQ(standard_kanji(U'A'), U'A');
  EXPECT_EQ(standard_kanji(0x10FFFF), char32_t{0x10FFFF});
}

TEST(normalize, normalize_name_is_idempotent) {
  for (const char* name : {"髙橋　ﾀﾛｳ", "ＳＭＩＴＨ ｊｏｈｎ", "齋藤 惠", "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "a\xFF b"}) {
    const std::string once = normalize_name(name);
    EXPECT_EQ(normalize_name(once), once) << name;
  }
}

TEST(normalize, normalize_name_passes_bytes_that_are_not_utf8) {
  EXPECT_EQ(normalize_name("a\xFF b"), "A\xFF" "B");
  EXPECT_EQ(normalize_name("\xE9\xAB"), "\xE9\xAB"); // a cut sequence
}
