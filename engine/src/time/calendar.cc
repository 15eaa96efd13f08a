#include "time/calendar.h"

#include "base/date.h"

namespace lexgate::time {

namespace {
bool Published(const check::Calendar* cal, int32_t day) {
  return cal && cal->years.count(CivilFromDays(day).year);
}

bool Working(const check::Calendar* cal, int32_t day, DueDate& out) {
  if (cal && !Published(cal, day)) out.unpublished_years.insert(CivilFromDays(day).year);
  switch (KindOfDay(cal, day)) {
    case DayKind::Working: return true;
    case DayKind::Holiday: out.skipped.push_back({day, "holiday"}); return false;
    case DayKind::Weekend: out.skipped.push_back({day, "weekend"}); return false;
  }
  return true;
}
}  // namespace

DayKind KindOfDay(const check::Calendar* cal, int32_t day) {
  if (cal) {
    if (cal->workdays.count(day)) return DayKind::Working;
    if (cal->holidays.count(day)) return DayKind::Holiday;
  }
  const uint8_t mask = cal ? cal->weekend_mask : static_cast<uint8_t>(0x60);
  return mask & (1u << Weekday(day)) ? DayKind::Weekend : DayKind::Working;
}

bool IsWorkingDay(const check::Calendar& cal, int32_t day) { return KindOfDay(&cal, day) == DayKind::Working; }

DueDate AddPeriod(const check::Calendar* cal, int32_t from, int64_t n, const std::string& unit, bool roll) {
  DueDate out;
  if (n > 100000) n = 100000;  // a bound, not a legal rule: no deadline is three centuries long
  if (unit == "working_days") {
    int32_t d = from;
    for (int64_t counted = 0; counted < n;) {
      ++d;
      if (Working(cal, d, out)) ++counted;
    }
    out.due = d;
    return out;
  }
  int32_t d = unit == "days" ? from + static_cast<int32_t>(n)
            : unit == "months" ? AddMonths(from, static_cast<int>(n))
                               : AddMonths(from, static_cast<int>(n * 12));
  if (roll)
    while (!Working(cal, d, out)) ++d;
  out.due = d;
  return out;
}

DueDate SubtractWorkingDays(const check::Calendar* cal, int32_t date, int64_t n) {
  DueDate out;
  if (n > 100000) n = 100000;
  int32_t d = date;
  for (int64_t counted = 0; counted < n;) {
    --d;
    if (Working(cal, d, out)) ++counted;
  }
  out.due = d;
  return out;
}

}  // namespace lexgate::time
