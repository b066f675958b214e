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

TEST(dates, day_numbers_count_from_1970) {
  EXPECT_EQ(day_number(19700101), 0);
  EXPECT_EQ(from_day_number(0), 19700101u);
  EXPECT_EQ(day_number(19691231), -1);
  EXPECT_EQ(from_day_number(-1), 19691231u);
  EXPECT_EQ(day_number(20000301) - day_number(20000228), 2);  // 2000 is a leap year
  EXPECT_EQ(day_number(19000301) - day_number(19000228), 1);  // 1900 is not
  EXPECT_EQ(from_day_number(day_number(20240228) + 1), 20240229u);
  EXPECT_EQ(from_day_number(day_number(20230228) + 1), 20230301u);
}

TEST(dates, day_numbers_round_trip_day_by_day) {
  // Walks the calendar day by day from 明治 to 2200, so every leap rule
  // (4, 100, 400 years) is crossed, and checks both directions each step.
  int64_t n = day_number(18680101);
  for (uint32_t month = 186801; month <= 220012; month = add_months(month, 1)) {
    for (uint32_t day = 1; day <= days_in_month(month); ++day, ++n) {
      const uint32_t date = month * 100 + day;
      ASSERT_EQ(day_number(date), n) << date;
      ASSERT_EQ(from_day_number(n), date) << n;
    }
  }
  EXPECT_EQ(n, day_number(22010101));
}

TEST(dates, months_and_their_last_days) {
  EXPECT_EQ(add_months(202405, 0), 202405u);
  EXPECT_EQ(add_months(202411, 2), 202501u);
  EXPECT_EQ(add_months(202401, -1), 202312u);
  EXPECT_EQ(last_day_of(202402), 20240229u);
  EXPECT_EQ(last_day_of(210002), 21000228u);
  EXPECT_EQ(last_day_of(202412), 20241231u);
}
