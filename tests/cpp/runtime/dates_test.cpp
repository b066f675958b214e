#include "receptor/dates.hpp"

#include <gtest/gtest.h>

using namespace receptor;

TEST(dates, western_months_and_days) {
  EXPECT_EQ(parse_month("202407"), 202407u);
  EXPECT_EQ(parse_date("20240716"), 20240716u);
  EXPECT_EQ(parse_date("20240229"), 20240229u);
  EXPECT_EQ(parse_date("20230229"), 0u);
  EXPECT_EQ(parse_month("202413"), 0u);
}

TEST(dates, japanese_eras_by_length) {
  EXPECT_EQ(parse_month("43004"), 201804u);    // H30.04
  EXPECT_EQ(parse_month("43101"), 201901u);    // H31.01
  EXPECT_EQ(parse_month("50607"), 202407u);    // R6.07
  EXPECT_EQ(parse_date("3180717"), 19430717u); // S18.07.17
  EXPECT_EQ(parse_date("4300409"), 20180409u);
  EXPECT_EQ(parse_date("1450101"), 19120101u); // 明治45
}

TEST(dates, rejects_bad_input) {
  EXPECT_EQ(parse_month(""), 0u);
  EXPECT_EQ(parse_month("6300"), 0u);
  EXPECT_EQ(parse_month("63004"), 0u);  // no era 6
  EXPECT_EQ(parse_date("2024071"), 0u); // read as 大正02, month 40
  EXPECT_EQ(parse_date("20240732"), 0u);
  EXPECT_EQ(parse_date("2024-07-16"), 0u);
}

TEST(dates, days_in_month) {
  EXPECT_EQ(days_in_month(202402), 29u);
  EXPECT_EQ(days_in_month(202302), 28u);
  EXPECT_EQ(days_in_month(202407), 31u);
}
