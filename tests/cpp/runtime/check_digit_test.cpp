#include "receptor/check_digit.hpp"

#include <gtest/gtest.h>

using receptor::check_digit;
using receptor::check_digit_ok;

// Worked examples of spec/receipt-format.md §7.
TEST(check_digit, public_payer_numbers) {
  EXPECT_TRUE(check_digit_ok("12131017")); // 生保, 東京
  EXPECT_TRUE(check_digit_ok("12143210"));
  EXPECT_EQ(check_digit("2513123"), 6);    // 中国残留邦人等
  EXPECT_FALSE(check_digit_ok("12131018"));
}

TEST(check_digit, insurer_numbers_including_six_digit_kokuho) {
  EXPECT_TRUE(check_digit_ok("06132013"));
  EXPECT_TRUE(check_digit_ok("133066"));
  EXPECT_TRUE(check_digit_ok("  133066")); // left-padded with spaces to 8
  EXPECT_FALSE(check_digit_ok("  133067"));
}

TEST(check_digit, recipient_numbers) {
  EXPECT_TRUE(check_digit_ok("1234566"));
  EXPECT_TRUE(check_digit_ok("0000000"));
  EXPECT_TRUE(check_digit_ok("1111111"));
  EXPECT_TRUE(check_digit_ok("2222222"));
  EXPECT_FALSE(check_digit_ok("1234567"));
}

TEST(check_digit, tokyo_2024_misprint_is_reported_not_corrected) {
  EXPECT_FALSE(check_digit_ok("88134458"));
  EXPECT_TRUE(check_digit_ok("88134457"));
}

TEST(check_digit, rejects_non_digits_and_short_input) {
  EXPECT_FALSE(check_digit_ok(""));
  EXPECT_FALSE(check_digit_ok("7"));
  EXPECT_FALSE(check_digit_ok("12a31017"));
  EXPECT_EQ(check_digit(""), -1);
}
