#include "receptor/checks/check_config.hpp"

#include <gtest/gtest.h>

#include "receptor/checks/clinical_facts.hpp"
#include "test_data.hpp"

using namespace receptor;
using namespace receptor::checks;

TEST(check_config, shipped_file_equals_the_built_in_defaults) {
  auto shipped = load_check_config(test::source_path("data/config/receptor.conf"));
  ASSERT_TRUE(shipped) << shipped.error_value().message;
  check_config defaults;
  shipped->source.clear();
  EXPECT_EQ(to_json(*shipped), to_json(defaults));
}

TEST(check_config, values_replace_defaults) {
  auto c = parse_check_config("frequent_visits.rule = three_months  # the older rule\n"
                              "frequent_visits.min_days_month = 12\nscores.shrinkage = 0.25\n"
                              "markers.dialysis = 人工腎臓, 腹膜灌流\n",
                              "test.conf");
  ASSERT_TRUE(c) << c.error_value().message;
  EXPECT_EQ(c->frequent_visits.rule, frequent_rule::three_months);
  EXPECT_EQ(c->frequent_visits.min_days_month, 12u);
  EXPECT_EQ(c->frequent_visits.min_days_window, 40u);
  EXPECT_DOUBLE_EQ(c->scores.shrinkage, 0.25);
  EXPECT_EQ(c->markers.dialysis, (std::vector<std::string>{"人工腎臓", "腹膜灌流"}));
  EXPECT_NE(to_json(*c).find("\"rule\":\"three_months\""), std::string::npos);
}

TEST(check_config, any_limit_replaces_the_whole_table) {
  auto c = parse_check_config("long_prescription.limit.ゾルピデム = 20\n", "test.conf");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->long_prescription.limits.size(), 1u);
  EXPECT_EQ(c->long_prescription.limits.at("ゾルピデム"), 20u);
}

TEST(check_config, errors_name_file_line_and_key) {
  auto unknown = parse_check_config("\n# comment\nfrequent_visits.min_day = 3\n", "site.conf");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error_value().message.find("site.conf:3"), std::string::npos) << unknown.error_value().message;
  EXPECT_NE(unknown.error_value().message.find("frequent_visits.min_day"), std::string::npos);
  auto bad = parse_check_config("long_stay.min_days = soon\n", "site.conf");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_value().message.find("site.conf:1: long_stay.min_days"), std::string::npos);
  EXPECT_FALSE(parse_check_config("scores.shrinkage = 1.5\n", "x"));
  EXPECT_FALSE(parse_check_config("scores.shrinkage = nan\n", "x"));
  EXPECT_FALSE(parse_check_config("frequent_visits.rule = sometimes\n", "x"));
  EXPECT_FALSE(parse_check_config("just words\n", "x"));
  EXPECT_FALSE(load_check_config("/nonexistent/receptor.conf"));
}

TEST(check_config, whole_numbers_are_one_to_nine_digits) {
  auto padded = parse_check_config("long_stay.min_days = 0200\nlong_prescription.limit.ゾルピデム = 030\n", "x");
  ASSERT_TRUE(padded) << padded.error_value().message;
  EXPECT_EQ(padded->long_stay.min_days, 200u);
  EXPECT_EQ(padded->long_prescription.limits.at("ゾルピデム"), 30u);
  auto nine = parse_check_config("long_stay.min_days = 999999999\n", "x");
  ASSERT_TRUE(nine);
  EXPECT_EQ(nine->long_stay.min_days, 999999999u);
  EXPECT_FALSE(parse_check_config("long_stay.min_days = 1000000000\n", "x"));  // ten digits
  EXPECT_FALSE(parse_check_config("long_stay.min_days =\n", "x"));
  EXPECT_FALSE(parse_check_config("long_stay.min_days = -5\n", "x"));
  EXPECT_FALSE(parse_check_config("long_stay.min_days = 1 80\n", "x"));
  EXPECT_FALSE(parse_check_config("long_prescription.limit.ゾルピデム = 0\n", "x"));
}

TEST(icd10_chapter, who_chapters) {
  EXPECT_EQ(icd10_chapter("A09"), 1);
  EXPECT_EQ(icd10_chapter("D48"), 2);
  EXPECT_EQ(icd10_chapter("D50"), 3);
  EXPECT_EQ(icd10_chapter("F32"), 5);
  EXPECT_EQ(icd10_chapter("H59"), 7);
  EXPECT_EQ(icd10_chapter("H60"), 8);
  EXPECT_EQ(icd10_chapter("I10"), 9);
  EXPECT_EQ(icd10_chapter("E116"), 4);
  EXPECT_EQ(icd10_chapter("T14"), 19);
  EXPECT_EQ(icd10_chapter("Z00"), 21);
  EXPECT_EQ(icd10_chapter(""), 0);
  EXPECT_EQ(icd10_chapter("1AB"), 0);
}

TEST(ingredient_in, prefers_the_longest_ingredient) {
  check_config c;
  EXPECT_EQ(ingredient_in("【般】フルジアゼパム錠０．２５ｍｇ", c.long_prescription.limits), "フルジアゼパム");
  EXPECT_EQ(ingredient_in("【般】ジアゼパム錠２ｍｇ", c.long_prescription.limits), "ジアゼパム");
  EXPECT_EQ(ingredient_in("【般】フルニトラゼパム錠１ｍｇ", c.long_prescription.limits), "フルニトラゼパム");
  EXPECT_EQ(ingredient_in("アムロジピン錠５ｍｇ", c.long_prescription.limits), "");
}
