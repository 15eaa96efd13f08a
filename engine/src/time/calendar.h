// Working-day arithmetic on an official calendar: weekends, published holidays and make-up working
// days. A year without a published schedule is not guessed: its days are counted on weekends only and
// the result says which years were unpublished. Deadlines count from the day after the event (day 1).
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "check/project.h"

namespace lexgate::time {

// What a day is on a calendar: a listed working day works, else a listed holiday rests, else the
// weekend mask decides (Sat, Sun when cal is null). Allocation-free: the evaluator's working-day
// tables (ir/workdays.cc) call it for days outside their range.
enum class DayKind : uint8_t { Working, Holiday, Weekend };
DayKind KindOfDay(const check::Calendar* cal, int32_t day);
bool IsWorkingDay(const check::Calendar& cal, int32_t day);

struct Skipped {
  int32_t day;
  std::string reason;  // "weekend", "holiday", or the holiday's name key
};

struct DueDate {
  int32_t due = 0;
  std::set<int> unpublished_years;  // years counted on weekends only
  std::vector<Skipped> skipped;     // for --explain
};

// unit: working_days | days | months | years. Calendar-day periods ending on a non-working day move to
// the next working day (Civil Code Art 203 for China; the same rule is applied wherever a calendar is
// given). cal may be null: then only weekends (Sat, Sun) are non-working.
// roll = false: the period ends on its last calendar day whatever that day is (an `unadjusted` clause).
DueDate AddPeriod(const check::Calendar* cal, int32_t from, int64_t n, const std::string& unit, bool roll = true);
// `before DATE - N working_days`: the last day that still leaves N working days before `date`.
DueDate SubtractWorkingDays(const check::Calendar* cal, int32_t date, int64_t n);

}  // namespace lexgate::time
