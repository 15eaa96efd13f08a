// time/calendar.h against the shipped China calendar (jurisdictions/calendars/cn.gate). Every expected
// date below was worked out from the lists in /work/shared/legal/cn-calendar.md (HOLIDAY_DATES and
// ADJUSTED_WORKDAYS for 2024, 2025 and 2026), counting from the day after the start (day 1), a day being
// a working day when it is Mon-Fri and not a listed holiday, or a listed make-up working day.
#include <gtest/gtest.h>

#include <string>

#include "base/date.h"
#include "engine.h"
#include "time/calendar.h"

namespace lexgate {
namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;

class ChinaCalendar : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    result_ = new LoadResult(LoadRules({kRoot + "/jurisdictions", kRoot + "/rulesets/schema.gate"}));
  }
  static void TearDownTestSuite() {
    delete result_;
    result_ = nullptr;
  }
  const check::Calendar* Cn() {
    if (!result_ || !result_->program) return nullptr;
    const auto& p = *result_->program->project;
    auto it = p.calendar_index.find("CN");
    return it == p.calendar_index.end() ? nullptr : &p.calendars[it->second];
  }
  static Days D(const char* s) { return ParseDate(s).value_or(-1); }
  static LoadResult* result_;
};
LoadResult* ChinaCalendar::result_ = nullptr;

struct Row {
  const char* from;
  int n;
  const char* due;
  const char* where;  // start before, inside, or at the end of the holiday
};

// 20 holiday periods; for each: 5 working days from two days before it, 3 from inside it, and 1 and 4
// from its last day.
const Row kRows[] = {
    {"2023-12-30", 5, "2024-01-08", "before"},  // holiday 2024-01-01..2024-01-01
    {"2024-01-02", 3, "2024-01-05", "inside"},  // holiday 2024-01-01..2024-01-01
    {"2024-01-01", 1, "2024-01-02", "end"},  // holiday 2024-01-01..2024-01-01
    {"2024-01-01", 4, "2024-01-05", "end"},  // holiday 2024-01-01..2024-01-01
    {"2024-02-08", 5, "2024-02-21", "before"},  // holiday 2024-02-10..2024-02-17
    {"2024-02-11", 3, "2024-02-20", "inside"},  // holiday 2024-02-10..2024-02-17
    {"2024-02-17", 1, "2024-02-18", "end"},  // holiday 2024-02-10..2024-02-17
    {"2024-02-17", 4, "2024-02-21", "end"},  // holiday 2024-02-10..2024-02-17
    {"2024-04-02", 5, "2024-04-10", "before"},  // holiday 2024-04-04..2024-04-06
    {"2024-04-05", 3, "2024-04-09", "inside"},  // holiday 2024-04-04..2024-04-06
    {"2024-04-06", 1, "2024-04-07", "end"},  // holiday 2024-04-04..2024-04-06
    {"2024-04-06", 4, "2024-04-10", "end"},  // holiday 2024-04-04..2024-04-06
    {"2024-04-29", 5, "2024-05-09", "before"},  // holiday 2024-05-01..2024-05-05
    {"2024-05-02", 3, "2024-05-08", "inside"},  // holiday 2024-05-01..2024-05-05
    {"2024-05-05", 1, "2024-05-06", "end"},  // holiday 2024-05-01..2024-05-05
    {"2024-05-05", 4, "2024-05-09", "end"},  // holiday 2024-05-01..2024-05-05
    {"2024-06-08", 5, "2024-06-17", "before"},  // holiday 2024-06-10..2024-06-10
    {"2024-06-11", 3, "2024-06-14", "inside"},  // holiday 2024-06-10..2024-06-10
    {"2024-06-10", 1, "2024-06-11", "end"},  // holiday 2024-06-10..2024-06-10
    {"2024-06-10", 4, "2024-06-14", "end"},  // holiday 2024-06-10..2024-06-10
    {"2024-09-13", 5, "2024-09-23", "before"},  // holiday 2024-09-15..2024-09-17
    {"2024-09-16", 3, "2024-09-20", "inside"},  // holiday 2024-09-15..2024-09-17
    {"2024-09-17", 1, "2024-09-18", "end"},  // holiday 2024-09-15..2024-09-17
    {"2024-09-17", 4, "2024-09-23", "end"},  // holiday 2024-09-15..2024-09-17
    {"2024-09-29", 5, "2024-10-11", "before"},  // holiday 2024-10-01..2024-10-07
    {"2024-10-02", 3, "2024-10-10", "inside"},  // holiday 2024-10-01..2024-10-07
    {"2024-10-07", 1, "2024-10-08", "end"},  // holiday 2024-10-01..2024-10-07
    {"2024-10-07", 4, "2024-10-11", "end"},  // holiday 2024-10-01..2024-10-07
    {"2024-12-30", 5, "2025-01-07", "before"},  // holiday 2025-01-01..2025-01-01
    {"2025-01-02", 3, "2025-01-07", "inside"},  // holiday 2025-01-01..2025-01-01
    {"2025-01-01", 1, "2025-01-02", "end"},  // holiday 2025-01-01..2025-01-01
    {"2025-01-01", 4, "2025-01-07", "end"},  // holiday 2025-01-01..2025-01-01
    {"2025-01-26", 5, "2025-02-08", "before"},  // holiday 2025-01-28..2025-02-04
    {"2025-01-29", 3, "2025-02-07", "inside"},  // holiday 2025-01-28..2025-02-04
    {"2025-02-04", 1, "2025-02-05", "end"},  // holiday 2025-01-28..2025-02-04
    {"2025-02-04", 4, "2025-02-08", "end"},  // holiday 2025-01-28..2025-02-04
    {"2025-04-02", 5, "2025-04-10", "before"},  // holiday 2025-04-04..2025-04-06
    {"2025-04-05", 3, "2025-04-09", "inside"},  // holiday 2025-04-04..2025-04-06
    {"2025-04-06", 1, "2025-04-07", "end"},  // holiday 2025-04-04..2025-04-06
    {"2025-04-06", 4, "2025-04-10", "end"},  // holiday 2025-04-04..2025-04-06
    {"2025-04-29", 5, "2025-05-09", "before"},  // holiday 2025-05-01..2025-05-05
    {"2025-05-02", 3, "2025-05-08", "inside"},  // holiday 2025-05-01..2025-05-05
    {"2025-05-05", 1, "2025-05-06", "end"},  // holiday 2025-05-01..2025-05-05
    {"2025-05-05", 4, "2025-05-09", "end"},  // holiday 2025-05-01..2025-05-05
    {"2025-05-29", 5, "2025-06-06", "before"},  // holiday 2025-05-31..2025-06-02
    {"2025-06-01", 3, "2025-06-05", "inside"},  // holiday 2025-05-31..2025-06-02
    {"2025-06-02", 1, "2025-06-03", "end"},  // holiday 2025-05-31..2025-06-02
    {"2025-06-02", 4, "2025-06-06", "end"},  // holiday 2025-05-31..2025-06-02
    {"2025-09-29", 5, "2025-10-13", "before"},  // holiday 2025-10-01..2025-10-08
    {"2025-10-02", 3, "2025-10-11", "inside"},  // holiday 2025-10-01..2025-10-08
    {"2025-10-08", 1, "2025-10-09", "end"},  // holiday 2025-10-01..2025-10-08
    {"2025-10-08", 4, "2025-10-13", "end"},  // holiday 2025-10-01..2025-10-08
    {"2025-12-30", 5, "2026-01-07", "before"},  // holiday 2026-01-01..2026-01-03
    {"2026-01-02", 3, "2026-01-06", "inside"},  // holiday 2026-01-01..2026-01-03
    {"2026-01-03", 1, "2026-01-04", "end"},  // holiday 2026-01-01..2026-01-03
    {"2026-01-03", 4, "2026-01-07", "end"},  // holiday 2026-01-01..2026-01-03
    {"2026-02-13", 5, "2026-02-27", "before"},  // holiday 2026-02-15..2026-02-23
    {"2026-02-16", 3, "2026-02-26", "inside"},  // holiday 2026-02-15..2026-02-23
    {"2026-02-23", 1, "2026-02-24", "end"},  // holiday 2026-02-15..2026-02-23
    {"2026-02-23", 4, "2026-02-27", "end"},  // holiday 2026-02-15..2026-02-23
    {"2026-04-02", 5, "2026-04-10", "before"},  // holiday 2026-04-04..2026-04-06
    {"2026-04-05", 3, "2026-04-09", "inside"},  // holiday 2026-04-04..2026-04-06
    {"2026-04-06", 1, "2026-04-07", "end"},  // holiday 2026-04-04..2026-04-06
    {"2026-04-06", 4, "2026-04-10", "end"},  // holiday 2026-04-04..2026-04-06
    {"2026-04-29", 5, "2026-05-09", "before"},  // holiday 2026-05-01..2026-05-05
    {"2026-05-02", 3, "2026-05-08", "inside"},  // holiday 2026-05-01..2026-05-05
    {"2026-05-05", 1, "2026-05-06", "end"},  // holiday 2026-05-01..2026-05-05
    {"2026-05-05", 4, "2026-05-09", "end"},  // holiday 2026-05-01..2026-05-05
    {"2026-06-17", 5, "2026-06-25", "before"},  // holiday 2026-06-19..2026-06-21
    {"2026-06-20", 3, "2026-06-24", "inside"},  // holiday 2026-06-19..2026-06-21
    {"2026-06-21", 1, "2026-06-22", "end"},  // holiday 2026-06-19..2026-06-21
    {"2026-06-21", 4, "2026-06-25", "end"},  // holiday 2026-06-19..2026-06-21
    {"2026-09-23", 5, "2026-10-08", "before"},  // holiday 2026-09-25..2026-09-27
    {"2026-09-26", 3, "2026-09-30", "inside"},  // holiday 2026-09-25..2026-09-27
    {"2026-09-27", 1, "2026-09-28", "end"},  // holiday 2026-09-25..2026-09-27
    {"2026-09-27", 4, "2026-10-08", "end"},  // holiday 2026-09-25..2026-09-27
    {"2026-09-29", 5, "2026-10-12", "before"},  // holiday 2026-10-01..2026-10-07
    {"2026-10-02", 3, "2026-10-10", "inside"},  // holiday 2026-10-01..2026-10-07
    {"2026-10-07", 1, "2026-10-08", "end"},  // holiday 2026-10-01..2026-10-07
    {"2026-10-07", 4, "2026-10-12", "end"},  // holiday 2026-10-01..2026-10-07
};

TEST_F(ChinaCalendar, Loads) {
  ASSERT_NE(result_, nullptr);
  ASSERT_TRUE(result_->program) << diag::RenderText(result_->diagnostics.all(), *result_->sources, false);
  ASSERT_NE(Cn(), nullptr);
}

TEST_F(ChinaCalendar, EveryHolidayPeriod2024To2026) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  for (const Row& r : kRows) {
    time::DueDate d = time::AddPeriod(cn, D(r.from), r.n, "working_days");
    EXPECT_EQ(FormatDate(d.due), r.due) << r.n << " working_days after " << r.from << " (" << r.where << ")";
    if (std::string(r.from) >= "2024-01-01") {
      EXPECT_TRUE(d.unpublished_years.empty()) << r.from;
    }
  }
}

TEST_F(ChinaCalendar, HolidaysAndMakeUpDays) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  // Make-up working days on weekends (2024: 8, 2025: 5, 2026: 6).
  for (const char* s : {"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
                        "2024-09-29", "2024-10-12", "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28",
                        "2025-10-11", "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                        "2026-10-10"}) {
    EXPECT_GE(Weekday(D(s)), 5) << s;
    EXPECT_TRUE(time::IsWorkingDay(*cn, D(s))) << s;
  }
  // Weekday holidays, and New Year's Eve 2024 (not a holiday) vs 2025 (a holiday).
  for (const char* s : {"2024-01-01", "2024-02-12", "2024-10-07", "2025-01-28", "2025-05-02", "2025-10-08",
                        "2026-01-02", "2026-02-23", "2026-09-25"})
    EXPECT_FALSE(time::IsWorkingDay(*cn, D(s))) << s;
  EXPECT_TRUE(time::IsWorkingDay(*cn, D("2024-02-09")));
  // Ordinary weekends outside the spans.
  EXPECT_FALSE(time::IsWorkingDay(*cn, D("2024-06-08")));
  EXPECT_FALSE(time::IsWorkingDay(*cn, D("2025-10-12")));
}

TEST_F(ChinaCalendar, WorkingDaysPerYear) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  auto count = [&](int y) {
    int n = 0;
    for (Days d = DaysFromCivil(y, 1, 1); d <= DaysFromCivil(y, 12, 31); ++d) n += time::IsWorkingDay(*cn, d);
    return n;
  };
  EXPECT_EQ(count(2024), 251);  // cn-calendar.md, "derived"
  EXPECT_EQ(count(2025), 248);
  EXPECT_EQ(count(2026), 248);
}

// Beijing data-IP guideline Art 16: 10 working days after Monday 2025-09-29. Day 1 = Tue 09-30 (1);
// 10-01..10-08 holiday; Thu 10-09 (2), Fri 10-10 (3), Sat 10-11 make-up (4), Sun 10-12 off,
// Mon 10-13 .. Fri 10-17 (5..9), Mon 10-20 (10).
TEST_F(ChinaCalendar, BeijingGuidelineArt16) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  time::DueDate d = time::AddPeriod(cn, D("2025-09-29"), 10, "working_days");
  EXPECT_EQ(FormatDate(d.due), "2025-10-20");
  EXPECT_TRUE(d.unpublished_years.empty());
  bool skipped_holiday = false, counted_make_up = true;
  for (auto& s : d.skipped) {
    if (s.day == D("2025-10-01")) skipped_holiday = true;
    if (s.day == D("2025-10-11")) counted_make_up = false;
  }
  EXPECT_TRUE(skipped_holiday);
  EXPECT_TRUE(counted_make_up);
}

// 2027 has no published schedule: weekends only, and the result says so.
TEST_F(ChinaCalendar, UnpublishedYearCountsWeekendsOnly) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  // Fri 2027-01-01 is New Year's Day by law, but no 2027 notice exists: it is not guessed.
  time::DueDate d = time::AddPeriod(cn, D("2026-12-31"), 5, "working_days");
  EXPECT_EQ(FormatDate(d.due), "2027-01-07");  // 01-01 (1), 01-04..01-07 (2..5)
  EXPECT_EQ(d.unpublished_years.count(2027), 1u);
  EXPECT_EQ(d.unpublished_years.count(2026), 0u);
  // Fri 2027-10-01 and the following week are counted as working days: 5 working days after Thu 09-30.
  time::DueDate e = time::AddPeriod(cn, D("2027-09-30"), 5, "working_days");
  EXPECT_EQ(FormatDate(e.due), "2027-10-07");
  EXPECT_EQ(e.unpublished_years.count(2027), 1u);
  // A deadline entirely within published years reports none.
  time::DueDate f = time::AddPeriod(cn, D("2026-06-01"), 5, "working_days");
  EXPECT_TRUE(f.unpublished_years.empty());
}

// Calendar-day periods ending on a non-working day move to the next working day (Civil Code Art 203).
TEST_F(ChinaCalendar, CalendarDaysRollToNextWorkingDay) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  // 30 days after 2025-09-02 is 2025-10-02 (holiday) -> next working day 2025-10-09.
  EXPECT_EQ(FormatDate(time::AddPeriod(cn, D("2025-09-02"), 30, "days").due), "2025-10-09");
  // 1 month after 2025-01-04 is 2025-02-04 (last holiday day) -> 2025-02-05.
  EXPECT_EQ(FormatDate(time::AddPeriod(cn, D("2025-01-04"), 1, "months").due), "2025-02-05");
  // 10 days after 2025-09-28 is 2025-10-08 (holiday) -> 2025-10-09.
  EXPECT_EQ(FormatDate(time::AddPeriod(cn, D("2025-09-28"), 10, "days").due), "2025-10-09");
  // Ending on a make-up Saturday stays there: 2025-10-01 + 10 days = Sat 2025-10-11.
  EXPECT_EQ(FormatDate(time::AddPeriod(cn, D("2025-10-01"), 10, "days").due), "2025-10-11");
}

TEST(NoCalendar, WeekendsOnly) {
  // Without a calendar: Sat and Sun are the only non-working days. Fri 2025-10-03 + 1 = Mon 10-06.
  EXPECT_EQ(FormatDate(time::AddPeriod(nullptr, ParseDate("2025-10-03").value(), 1, "working_days").due), "2025-10-06");
  EXPECT_EQ(FormatDate(time::AddPeriod(nullptr, ParseDate("2025-09-29").value(), 10, "working_days").due), "2025-10-13");
}

}  // namespace
}  // namespace lexgate

namespace lexgate {
namespace {

// `before DATE - N working_days` counts backwards: 3 working days before 9 October 2025 skips the whole
// National Day holiday (1–8 October) and counts the make-up Sunday 28 September (worked out by hand).
TEST_F(ChinaCalendar, WorkingDaysBeforeADateAcrossNationalDay) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  EXPECT_EQ(FormatDate(time::SubtractWorkingDays(cn, D("2025-10-09"), 3).due), "2025-09-28");
  EXPECT_EQ(FormatDate(time::SubtractWorkingDays(cn, D("2025-10-09"), 4).due), "2025-09-26");
}

// An `unadjusted` period ends on its calendar day even when that is a holiday or a weekend.
TEST_F(ChinaCalendar, UnadjustedPeriodsDoNotMove) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  EXPECT_EQ(FormatDate(time::AddPeriod(cn, D("2025-09-01"), 1, "months", false).due), "2025-10-01");
  EXPECT_EQ(FormatDate(time::AddPeriod(cn, D("2025-09-01"), 1, "months", true).due), "2025-10-09");
}

}  // namespace
}  // namespace lexgate

#include "ir/workdays.h"

namespace lexgate {
namespace {

// ir::WorkdayTable (the evaluator's due dates, issue 12) gives exactly calendar.h's due date and
// unpublished years: from every day of mid-2023 to 2028 (published 2024–2026, weekends only after),
// for working days after and before, calendar-day periods that roll or not, with the China calendar and
// without one; and from dates outside the table (1990, 2045), where it walks day by day.
TEST_F(ChinaCalendar, WorkdayTableEqualsTheDayByDayWalk) {
  const check::Calendar* cn = Cn();
  ASSERT_NE(cn, nullptr);
  for (const check::Calendar* cal : {cn, static_cast<const check::Calendar*>(nullptr)}) {
    const ir::WorkdayTable table(cal);
    std::vector<int> years;
    auto same = [&](const time::DueDate& want, int32_t got, const char* what, int32_t from, int64_t n) {
      const std::vector<int> want_years(want.unpublished_years.begin(), want.unpublished_years.end());
      ASSERT_EQ(FormatDate(got), FormatDate(want.due)) << what << " " << FormatDate(from) << " n " << n;
      ASSERT_EQ(years, want_years) << what << " " << FormatDate(from) << " n " << n;
    };
    std::vector<int32_t> days;
    for (int32_t d = D("2023-06-01"); d <= D("2028-03-01"); ++d) days.push_back(d);
    for (const char* far : {"1990-02-10", "1990-12-28", "2045-06-30", "2045-12-30"}) days.push_back(D(far));
    for (int32_t from : days) {
      EXPECT_EQ(table.IsWorking(from), cal ? time::IsWorkingDay(*cal, from) : Weekday(from) < 5) << FormatDate(from);
      for (int64_t n : {0, 1, 10, 60}) {
        int32_t got = table.AddPeriod(from, n, "working_days", true, years);
        same(time::AddPeriod(cal, from, n, "working_days"), got, "within working days", from, n);
        got = table.SubtractWorkingDays(from, n, years);
        same(time::SubtractWorkingDays(cal, from, n), got, "before working days", from, n);
      }
      for (const char* unit : {"days", "months", "years"})
        for (int64_t n : {-30, -1, 1, 3, 30})
          for (bool roll : {true, false}) {
            const int32_t got = table.AddPeriod(from, n, unit, roll, years);
            same(time::AddPeriod(cal, from, n, unit, roll), got, unit, from, n);
          }
    }
  }
}

// A calendar with a year no table can cover (a typo, or the largest int the grammar lets through) gets
// no table, and the walk's answers: before, the table spanned the years and overflowed (or took
// gigabytes) while lowering any project with such a calendar.
TEST_F(ChinaCalendar, WorkdayTableOfAnAbsurdYearIsTheWalk) {
  ASSERT_NE(Cn(), nullptr);
  for (int absurd : {20255, 2147483647}) {
    check::Calendar cal = *Cn();
    cal.years[absurd];
    const ir::WorkdayTable table(&cal);
    std::vector<int> years;
    for (int32_t from = D("2025-09-20"); from <= D("2025-10-20"); ++from) {
      EXPECT_EQ(table.IsWorking(from), time::IsWorkingDay(cal, from)) << FormatDate(from);
      const int32_t got = table.AddPeriod(from, 10, "working_days", true, years);
      EXPECT_EQ(FormatDate(got), FormatDate(time::AddPeriod(&cal, from, 10, "working_days").due)) << absurd;
    }
  }
}

}  // namespace
}  // namespace lexgate
