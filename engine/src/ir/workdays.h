// Due dates in constant time for the evaluator (issue 12: per-case latency). time/calendar.h walks a
// period day by day, with three map lookups and a civil-date conversion per day, and lists the days it
// skipped (for `lexgate deadline --explain`); a deadline of 60 working days cost ~85 such steps, each a
// cache miss when the calendar's maps are cold. A WorkdayTable holds, over the years a calendar
// publishes (and the unpublished years after them, counted on weekends only), how many working days
// precede each day and where the k-th working day falls: n working days after a date is two lookups.
// Results (due date and unpublished years) are exactly those of AddPeriod and SubtractWorkingDays; a
// unit test compares them on every day of the table and beyond. Outside the table (or without a
// calendar) it walks day by day as calendar.cc does, without listing skipped days.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "check/project.h"

namespace lexgate::ir {

struct Program;

// A period's unit (check::Timing::unit, a string there).
enum class PeriodUnit : uint8_t { WorkingDays, Days, Months, Years };
PeriodUnit PeriodUnitOf(const std::string& unit);

class WorkdayTable {
 public:
  // cal may be null: weekends (Sat, Sun) only, as calendar.h reads a null calendar.
  explicit WorkdayTable(const check::Calendar* cal = nullptr);

  // As AddPeriod(cal, from, n, unit, roll): the due date; `unpublished` gets the years counted on
  // weekends only, ascending (cleared first).
  int32_t AddPeriod(int32_t from, int64_t n, const std::string& unit, bool roll, std::vector<int>& unpublished) const {
    return AddPeriod(from, n, PeriodUnitOf(unit), roll, unpublished);
  }
  int32_t AddPeriod(int32_t from, int64_t n, PeriodUnit unit, bool roll, std::vector<int>& unpublished) const;
  // As SubtractWorkingDays(cal, date, n).
  int32_t SubtractWorkingDays(int32_t date, int64_t n, std::vector<int>& unpublished) const;
  // As time::IsWorkingDay (weekends only without a calendar).
  bool IsWorking(int32_t day) const;

 private:
  bool Published(int year) const;
  // The years of [first, last] that are not published (nothing without a calendar).
  void Unpublished(int32_t first, int32_t last, std::vector<int>& out) const;

  const check::Calendar* cal_ = nullptr;
  int32_t lo_ = 0;                  // first day of the table
  std::vector<int32_t> before_;     // before_[i]: working days in [lo_, lo_ + i); size = days + 1
  std::vector<int32_t> nth_;        // nth_[k]: offset from lo_ of the table's k-th working day (from 0)
  int first_year_ = 0;              // published_[y - first_year_] for the years of the table
  std::vector<uint8_t> published_;
};

// Fills the Program's due-date tables (calendar_days, rule_timing_begin, rule_timings; see program.h)
// from its project and rule_anchors.
void CompileDueDates(Program& prog);

}  // namespace lexgate::ir
