#include "base/date.h"

#include <cstdio>

namespace lexgate {

// Howard Hinnant's days_from_civil / civil_from_days.
Days DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

Ymd CivilFromDays(Days z) {
  int zz = z + 719468;
  const int era = (zz >= 0 ? zz : zz - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(zz - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

unsigned DaysInMonth(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

std::optional<Days> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t n) -> int {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return std::nullopt;
  if (static_cast<unsigned>(d) > DaysInMonth(y, m)) return std::nullopt;
  return DaysFromCivil(y, m, d);
}

std::string FormatDate(Days d) {
  Ymd c = CivilFromDays(d);
  if (c.year >= 0 && c.year <= 9999) {  // "%04d-%02u-%02u" without snprintf (renderers write many dates)
    const char b[10] = {static_cast<char>('0' + c.year / 1000), static_cast<char>('0' + c.year / 100 % 10),
                        static_cast<char>('0' + c.year / 10 % 10), static_cast<char>('0' + c.year % 10), '-',
                        static_cast<char>('0' + c.month / 10), static_cast<char>('0' + c.month % 10), '-',
                        static_cast<char>('0' + c.day / 10), static_cast<char>('0' + c.day % 10)};
    return std::string(b, 10);
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

int Weekday(Days d) {  // 1970-01-01 was a Thursday (3)
  int w = (d + 3) % 7;
  return w < 0 ? w + 7 : w;
}

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  if (s.size() < 17 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return std::nullopt;
  auto day = ParseDate(s.substr(0, 10));
  if (!day) return std::nullopt;
  auto num = [&](size_t from, size_t n) -> int {
    if (from + n > s.size()) return -1;
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int hh = num(11, 2), mm = (s[13] == ':') ? num(14, 2) : -1, ss = 0;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    ss = num(17, 2);
    pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;  // fractions are dropped
    }
  }
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || pos >= s.size()) return std::nullopt;
  int offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return std::nullopt;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = num(pos + 1, 2), om = (pos + 3 < s.size() && s[pos + 3] == ':') ? num(pos + 4, 2) : -1;
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || pos + 6 != s.size()) return std::nullopt;
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  return static_cast<int64_t>(*day) * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

std::string FormatTimestampUtc(int64_t seconds) {
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t rest = seconds - days * 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", FormatDate(static_cast<Days>(days)).c_str(),
                static_cast<int>(rest / 3600), static_cast<int>(rest % 3600 / 60), static_cast<int>(rest % 60));
  return buf;
}

Days AddMonths(Days d, int n) {
  Ymd c = CivilFromDays(d);
  int total = c.year * 12 + static_cast<int>(c.month) - 1 + n;
  int y = total / 12;
  unsigned m = static_cast<unsigned>(total % 12) + 1;
  unsigned day = c.day > DaysInMonth(y, m) ? DaysInMonth(y, m) : c.day;
  return DaysFromCivil(y, m, day);
}

}  // namespace lexgate
