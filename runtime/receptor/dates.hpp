#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace receptor {

/// Parses a レセ電 month: `YYYYMM` (西暦) or `GYYMM` (和暦, G = 1 明治 … 5 令和).
/// Returns YYYYMM, or 0 if the text is not a valid month.
uint32_t parse_month(std::string_view text);

/// Parses a レセ電 date: `YYYYMMDD` or `GYYMMDD`. Returns YYYYMMDD, or 0.
uint32_t parse_date(std::string_view text);

/// Number of days in a YYYYMM month (0 if invalid).
unsigned days_in_month(uint32_t yyyymm);

/// The YYYYMM month `n` months after (or before, for negative n) `yyyymm`.
uint32_t add_months(uint32_t yyyymm, int n);

/// Days from 1970-01-01 to a YYYYMMDD date (proleptic Gregorian), so that
/// date differences are plain subtractions.
int64_t day_number(uint32_t yyyymmdd);

/// The YYYYMMDD date `days` days after 1970-01-01: the inverse of day_number().
uint32_t from_day_number(int64_t days);

/// The last day of a YYYYMM month as YYYYMMDD.
uint32_t last_day_of(uint32_t yyyymm);

/// Formats YYYYMM as "YYYY-MM" into `out` (8 bytes incl. NUL).
void format_month(uint32_t yyyymm, char out[8]);

/// "YYYY-MM" for a YYYYMM month; "" for 0 (no month).
std::string iso_month(uint32_t yyyymm);

/// "YYYY-MM-DD" for a YYYYMMDD date; "" for 0 (no date).
std::string iso_date(uint32_t yyyymmdd);

} // namespace receptor
