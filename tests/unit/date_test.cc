// base/date.h: strict ISO dates, formatting, weekdays and month arithmetic.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "base/date.h"

namespace lexgate {
namespace {

Days D(const char* s) {
  auto d = ParseDate(s);
  EXPECT_TRUE(d.has_value()) << s;
  return d.value_or(0);
}

TEST(ParseDate, AcceptsValidDates) {
  EXPECT_EQ(ParseDate("1970-01-01"), Days{0});
  EXPECT_EQ(ParseDate("1970-01-02"), Days{1});
  EXPECT_EQ(ParseDate("1969-12-31"), Days{-1});
  EXPECT_TRUE(ParseDate("2024-02-29").has_value());  // leap year
  EXPECT_TRUE(ParseDate("2000-02-29").has_value());  // divisible by 400
  EXPECT_TRUE(ParseDate("2025-12-31").has_value());
}

TEST(ParseDate, RejectsImpossibleDates) {
  EXPECT_FALSE(ParseDate("2025-02-30").has_value());
  EXPECT_FALSE(ParseDate("2025-02-29").has_value());  // not a leap year
  EXPECT_FALSE(ParseDate("1900-02-29").has_value());  // divisible by 100, not 400
  EXPECT_FALSE(ParseDate("2025-04-31").has_value());
  EXPECT_FALSE(ParseDate("2025-13-01").has_value());
  EXPECT_FALSE(ParseDate("2025-00-10").has_value());
  EXPECT_FALSE(ParseDate("2025-01-00").has_value());
  EXPECT_FALSE(ParseDate("2025-01-32").has_value());
}

TEST(ParseDate, RejectsNonIsoShapes) {
  for (const char* s : {"", "2025-1-01", "2025-01-1", "20250101", "2025/01/01", " 2025-01-01", "2025-01-01 ",
                        "2025-01-01x", "2025-01-01T00:00", "+2025-01-01", "2025-0a-01", "25-01-01"})
    EXPECT_FALSE(ParseDate(s).has_value()) << "'" << s << "'";
}

TEST(FormatDate, RoundTripsEveryDayOverSeveralYears) {
  Days from = D("1999-12-01"), to = D("2031-03-01");
  for (Days d = from; d <= to; ++d) {
    std::string s = FormatDate(d);
    ASSERT_EQ(s.size(), 10u);
    auto back = ParseDate(s);
    ASSERT_TRUE(back.has_value()) << s;
    ASSERT_EQ(*back, d) << s;
    Ymd ymd = CivilFromDays(d);
    ASSERT_EQ(DaysFromCivil(ymd.year, ymd.month, ymd.day), d);
  }
  EXPECT_EQ(FormatDate(D("2024-02-29")), "2024-02-29");
  EXPECT_EQ(FormatDate(0), "1970-01-01");
}

TEST(Weekday, KnownDays) {
  EXPECT_EQ(Weekday(D("1970-01-01")), 3);  // Thursday (0 = Monday)
  EXPECT_EQ(Weekday(D("2025-09-29")), 0);  // Monday
  EXPECT_EQ(Weekday(D("2025-10-11")), 5);  // Saturday (a make-up working day in China)
  EXPECT_EQ(Weekday(D("2024-02-18")), 6);  // Sunday
  EXPECT_EQ(Weekday(D("1969-12-31")), 2);  // Wednesday, before the epoch
}

TEST(DaysInMonth, LeapYears) {
  EXPECT_EQ(DaysInMonth(2024, 2), 29u);
  EXPECT_EQ(DaysInMonth(2025, 2), 28u);
  EXPECT_EQ(DaysInMonth(1900, 2), 28u);
  EXPECT_EQ(DaysInMonth(2000, 2), 29u);
  EXPECT_EQ(DaysInMonth(2025, 4), 30u);
  EXPECT_EQ(DaysInMonth(2025, 12), 31u);
}

TEST(AddMonths, ClampsToEndOfMonth) {
  EXPECT_EQ(FormatDate(AddMonths(D("2025-01-31"), 1)), "2025-02-28");
  EXPECT_EQ(FormatDate(AddMonths(D("2024-01-31"), 1)), "2024-02-29");
  EXPECT_EQ(FormatDate(AddMonths(D("2025-03-31"), 1)), "2025-04-30");
  EXPECT_EQ(FormatDate(AddMonths(D("2025-01-15"), 1)), "2025-02-15");
  EXPECT_EQ(FormatDate(AddMonths(D("2025-11-30"), 3)), "2026-02-28");
  EXPECT_EQ(FormatDate(AddMonths(D("2024-02-29"), 12)), "2025-02-28");
  EXPECT_EQ(FormatDate(AddMonths(D("2025-12-15"), 1)), "2026-01-15");
  EXPECT_EQ(FormatDate(AddMonths(D("2025-03-31"), -1)), "2025-02-28");
  EXPECT_EQ(FormatDate(AddMonths(D("2025-01-10"), -1)), "2024-12-10");
  EXPECT_EQ(FormatDate(AddMonths(D("2025-05-20"), 0)), "2025-05-20");
}

}  // namespace
}  // namespace lexgate

// Timestamps must carry their UTC offset: without one the civil date in the imposing jurisdiction's
// zone cannot be known.
TEST(Timestamp, ParsesOffsetsAndRejectsAmbiguity) {
  using lexgate::ParseTimestamp;
  const int64_t day = static_cast<int64_t>(*lexgate::ParseDate("2025-09-29")) * 86400;
  EXPECT_EQ(ParseTimestamp("2025-09-29T00:00:00Z"), day);
  EXPECT_EQ(ParseTimestamp("2025-09-29T08:00:00+08:00"), day);
  EXPECT_EQ(ParseTimestamp("2025-09-28T20:00:00-04:00"), day);
  EXPECT_EQ(ParseTimestamp("2025-09-29T00:00Z"), day);
  EXPECT_EQ(ParseTimestamp("2025-09-29T00:00:00.250Z"), day);
  EXPECT_EQ(lexgate::FormatTimestampUtc(day + 3661), "2025-09-29T01:01:01Z");
  for (const char* bad : {"2025-09-29T00:00:00", "2025-09-29", "2025-02-30T00:00:00Z", "2025-09-29T24:00:00Z",
                          "2025-09-29T00:60:00Z", "2025-09-29T00:00:00+0800", "2025-09-29T00:00:00Zjunk", ""})
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
}

// FormatDate writes years 0–9999 without snprintf: the same text as "%04d-%02u-%02u" on every day of
// years around the digit-count changes, every 97th day from year -2 to 10002, and far outside.
TEST(Date, FormatDateIsPrintfFormat) {
  auto printf_date = [](lexgate::Days d) {
    lexgate::Ymd c = lexgate::CivilFromDays(d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
    return std::string(buf);
  };
  for (int year : {-2, 0, 9, 99, 999, 1999, 2024, 9998}) {  // every day of these years and the next
    const lexgate::Days lo = lexgate::DaysFromCivil(year, 1, 1), hi = lexgate::DaysFromCivil(year + 2, 12, 31);
    for (lexgate::Days d = lo; d <= hi; ++d) ASSERT_EQ(lexgate::FormatDate(d), printf_date(d)) << d;
  }
  for (lexgate::Days d = lexgate::DaysFromCivil(-2, 1, 1); d <= lexgate::DaysFromCivil(10002, 12, 31); d += 97)
    ASSERT_EQ(lexgate::FormatDate(d), printf_date(d)) << d;
  for (lexgate::Days d : {-1000000000, -5000000, 5000000, 1000000000}) EXPECT_EQ(lexgate::FormatDate(d), printf_date(d)) << d;
}
