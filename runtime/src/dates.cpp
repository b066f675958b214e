#include "receptor/dates.hpp"

#include <cstdio>

namespace receptor {

namespace {

bool digits(std::string_view text, uint32_t& out) {
  uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
  return true;
}

// First year of each era; the era digit indexes this table.
constexpr uint32_t era_base[] = {0, 1868, 1912, 1926, 1989, 2019};

uint32_t era_year(uint32_t era, uint32_t yy) {
  if (era < 1 || era > 5 || yy < 1)
    return 0;
  return era_base[era] + yy - 1;
}

bool leap(uint32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned month_days(uint32_t y, uint32_t m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12)
    return 0;
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

} // namespace

uint32_t parse_month(std::string_view text) {
  uint32_t v;
  if (!digits(text, v))
    return 0;
  uint32_t year, month;
  if (text.size() == 6) {
    year = v / 100;
    month = v % 100;
  } else if (text.size() == 5) {
    year = era_year(v / 10000, (v / 100) % 100);
    month = v % 100;
  } else {
    return 0;
  }
  if (year < 1868 || month < 1 || month > 12)
    return 0;
  return year * 100 + month;
}

uint32_t parse_date(std::string_view text) {
  uint32_t v;
  if (!digits(text, v))
    return 0;
  uint32_t year, month, day;
  if (text.size() == 8) {
    year = v / 10000;
    month = (v / 100) % 100;
    day = v % 100;
  } else if (text.size() == 7) {
    year = era_year(v / 1000000, (v / 10000) % 100);
    month = (v / 100) % 100;
    day = v % 100;
  } else {
    return 0;
  }
  if (year < 1868 || day < 1 || day > month_days(year, month))
    return 0;
  return year * 10000 + month * 100 + day;
}

unsigned days_in_month(uint32_t yyyymm) { return month_days(yyyymm / 100, yyyymm % 100); }

void format_month(uint32_t yyyymm, char out[8]) {
  std::snprintf(out, 8, "%04u-%02u", (yyyymm / 100) % 10000, yyyymm % 100);
}

std::string iso_month(uint32_t yyyymm) {
  if (yyyymm == 0)
    return {};
  char out[8];
  format_month(yyyymm, out);
  return out;
}

std::string iso_date(uint32_t yyyymmdd) {
  if (yyyymmdd == 0)
    return {};
  char out[24];
  std::snprintf(out, sizeof out, "%04u-%02u-%02u", (yyyymmdd / 10000) % 10000, (yyyymmdd / 100) % 100,
                yyyymmdd % 100);
  return out;
}

uint32_t add_months(uint32_t yyyymm, int n) {
  int total = static_cast<int>(yyyymm / 100) * 12 + static_cast<int>(yyyymm % 100) - 1 + n;
  return static_cast<uint32_t>(total / 12) * 100 + static_cast<uint32_t>(total % 12) + 1;
}

int64_t day_number(uint32_t yyyymmdd) {
  // Howard Hinnant's days_from_civil.
  int64_t y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

uint32_t from_day_number(int64_t days) {
  // Howard Hinnant's civil_from_days.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp + (mp < 10 ? 3 : -9);
  const int64_t y = yoe + era * 400 + (m <= 2);
  return static_cast<uint32_t>(y * 10000 + m * 100 + d);
}

uint32_t last_day_of(uint32_t yyyymm) { return yyyymm * 100 + days_in_month(yyyymm); }

} // namespace receptor
