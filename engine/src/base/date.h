// Civil dates as days since 1970-01-01 (proleptic Gregorian), the only date representation inside the
// engine. Parsing is strict ISO 8601 `YYYY-MM-DD`: 2025-02-30 is rejected, not normalised.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lexgate {

using Days = int32_t;

struct Ymd { int year; unsigned month; unsigned day; };

Days DaysFromCivil(int y, unsigned m, unsigned d);
Ymd CivilFromDays(Days z);
std::optional<Days> ParseDate(std::string_view s);   // strict YYYY-MM-DD
std::string FormatDate(Days d);                       // YYYY-MM-DD
int Weekday(Days d);                                  // 0 = Monday … 6 = Sunday
unsigned DaysInMonth(int y, unsigned m);
// ISO 8601 timestamp with a UTC offset (Z or ±HH:MM) → seconds since the epoch; no offset, no timestamp.
std::optional<int64_t> ParseTimestamp(std::string_view s);
std::string FormatTimestampUtc(int64_t seconds);  // YYYY-MM-DDTHH:MM:SSZ
// d plus n calendar months; a day past the end of the target month becomes its last day.
Days AddMonths(Days d, int n);

}  // namespace lexgate
