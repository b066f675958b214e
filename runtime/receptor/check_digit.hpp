#pragma once

#include <string_view>

namespace receptor {

/// Verifies the 検証番号 of a 保険者番号 (8 digits, or a 6-digit 国保 number
/// left-padded with spaces), 公費負担者番号 (8) or 公費受給者番号 (7): the last
/// digit is the modulus-10, weights 2-1 (Luhn) check of the others. Reports,
/// never corrects: a false result is a finding, not a repair.
bool check_digit_ok(std::string_view number);

/// The check digit for a number body (digits without the check digit), or -1.
int check_digit(std::string_view body);

} // namespace receptor
