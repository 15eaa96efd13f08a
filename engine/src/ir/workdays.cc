#include "ir/workdays.h"

#include <algorithm>

#include "base/date.h"
#include "ir/program.h"
#include "time/calendar.h"

namespace lexgate::ir {

namespace {
// The table runs from the year before the first year the calendar mentions to this many years after
// the last (unpublished years there count on weekends only; a renewal 60 working days before an expiry
// three years out stays in the table).
constexpr int kYearsBefore = 1;
constexpr int kYearsAfter = 10;
constexpr int kMaxTableYears = 100;  // ~330 KB of table at most
constexpr int64_t kMaxPeriod = 100000;  // calendar.cc's bound: no deadline is three centuries long
}  // namespace

PeriodUnit PeriodUnitOf(const std::string& unit) {
  return unit == "working_days" ? PeriodUnit::WorkingDays
         : unit == "days"       ? PeriodUnit::Days
         : unit == "months"     ? PeriodUnit::Months
                                : PeriodUnit::Years;  // as calendar.cc reads any other unit
}

WorkdayTable::WorkdayTable(const check::Calendar* cal) : cal_(cal) {
  if (!cal) return;
  int lo_year = INT32_MAX, hi_year = INT32_MIN;
  auto see = [&](int y) {
    lo_year = std::min(lo_year, y);
    hi_year = std::max(hi_year, y);
  };
  for (const auto& [y, notice] : cal->years) see(y);
  for (const auto& [d, name] : cal->holidays) see(CivilFromDays(d).year);
  for (const auto& [d, name] : cal->workdays) see(CivilFromDays(d).year);
  if (lo_year > hi_year) return;  // nothing published: the walk is as cheap as a table
  // Years the checker lets through but no table should cover (a typo such as `year 20255 {}` would make
  // it megabytes, `year 2147483647 {}` overflow the date arithmetic): no table, the walk answers.
  if (lo_year < 1 || hi_year > 9999 || hi_year - lo_year > kMaxTableYears) return;
  first_year_ = lo_year - kYearsBefore;
  const int last_year = hi_year + kYearsAfter;
  lo_ = DaysFromCivil(first_year_, 1, 1);
  const int32_t hi = DaysFromCivil(last_year + 1, 1, 1);
  const auto days = static_cast<size_t>(hi - lo_);
  // As calendar.cc's Working: a listed workday works, else a holiday rests, else the weekend mask.
  std::vector<uint8_t> working(days);
  for (size_t i = 0; i < days; ++i)
    working[i] = !(cal->weekend_mask & (1u << Weekday(lo_ + static_cast<int32_t>(i))));
  for (const auto& [d, name] : cal->holidays)
    if (d >= lo_ && d < hi) working[static_cast<size_t>(d - lo_)] = 0;
  for (const auto& [d, name] : cal->workdays)
    if (d >= lo_ && d < hi) working[static_cast<size_t>(d - lo_)] = 1;
  before_.resize(days + 1);
  for (size_t i = 0; i < days; ++i) {
    before_[i + 1] = before_[i] + working[i];
    if (working[i]) nth_.push_back(static_cast<int32_t>(i));
  }
  published_.resize(static_cast<size_t>(last_year - first_year_ + 1));
  for (int y = first_year_; y <= last_year; ++y) published_[static_cast<size_t>(y - first_year_)] = cal->years.count(y) ? 1 : 0;
}

bool WorkdayTable::Published(int year) const {
  if (year >= first_year_ && year - first_year_ < static_cast<int>(published_.size()))
    return published_[static_cast<size_t>(year - first_year_)];
  return cal_->years.count(year) > 0;
}

void WorkdayTable::Unpublished(int32_t first, int32_t last, std::vector<int>& out) const {
  out.clear();
  if (!cal_ || first > last) return;
  const int y1 = CivilFromDays(first).year, y2 = CivilFromDays(last).year;
  for (int y = y1; y <= y2; ++y)
    if (!Published(y)) out.push_back(y);
}

bool WorkdayTable::IsWorking(int32_t day) const {
  if (day >= lo_ && static_cast<size_t>(day - lo_) + 1 < before_.size()) {
    const auto i = static_cast<size_t>(day - lo_);
    return before_[i + 1] != before_[i];
  }
  return time::KindOfDay(cal_, day) == time::DayKind::Working;
}

int32_t WorkdayTable::AddPeriod(int32_t from, int64_t n, PeriodUnit unit, bool roll,
                                std::vector<int>& unpublished) const {
  if (n > kMaxPeriod) n = kMaxPeriod;
  if (unit == PeriodUnit::WorkingDays) {
    if (n <= 0) {
      unpublished.clear();
      return from;
    }
    int32_t d = from;
    // Working days in [lo_, from] are before_[from + 1 - lo_]; the due date is the n-th after them.
    const int64_t at = static_cast<int64_t>(from) + 1 - lo_;
    if (at >= 0 && at < static_cast<int64_t>(before_.size())) {
      const int64_t k = before_[static_cast<size_t>(at)] + n - 1;
      if (k < static_cast<int64_t>(nth_.size())) d = lo_ + nth_[static_cast<size_t>(k)];
    }
    if (d == from)
      for (int64_t counted = 0; counted < n;)
        if (IsWorking(++d)) ++counted;
    Unpublished(from + 1, d, unpublished);
    return d;
  }
  int32_t d = unit == PeriodUnit::Days     ? from + static_cast<int32_t>(n)
            : unit == PeriodUnit::Months ? AddMonths(from, static_cast<int>(n))
                                         : AddMonths(from, static_cast<int>(n * 12));
  if (!roll) {
    unpublished.clear();
    return d;
  }
  const int32_t start = d;
  const int64_t at = static_cast<int64_t>(d) - lo_;
  if (at >= 0 && at + 1 < static_cast<int64_t>(before_.size()) &&
      before_[static_cast<size_t>(at)] < static_cast<int64_t>(nth_.size()))
    d = lo_ + nth_[static_cast<size_t>(before_[static_cast<size_t>(at)])];  // the first working day ≥ d
  else
    while (!IsWorking(d)) ++d;
  Unpublished(start, d, unpublished);
  return d;
}

int32_t WorkdayTable::SubtractWorkingDays(int32_t date, int64_t n, std::vector<int>& unpublished) const {
  if (n > kMaxPeriod) n = kMaxPeriod;
  if (n <= 0) {
    unpublished.clear();
    return date;
  }
  int32_t d = date;
  // Working days in [lo_, date) are before_[date - lo_]; the due date is the n-th of them counted back.
  const int64_t at = static_cast<int64_t>(date) - lo_;
  bool found = false;
  if (at >= 0 && at < static_cast<int64_t>(before_.size())) {
    const int64_t k = before_[static_cast<size_t>(at)] - n;
    if (k >= 0) {
      d = lo_ + nth_[static_cast<size_t>(k)];
      found = true;
    }
  }
  if (!found)
    for (int64_t counted = 0; counted < n;)
      if (IsWorking(--d)) ++counted;
  Unpublished(d, date - 1, unpublished);
  return d;
}

void CompileDueDates(Program& prog) {
  const check::Project& p = *prog.project;
  prog.calendar_days.clear();
  for (const auto& cal : p.calendars) prog.calendar_days.emplace_back(&cal);
  prog.rule_timing_begin.clear();
  prog.rule_timings.clear();
  for (size_t r = 0; r < p.rules.size(); ++r) {
    prog.rule_timing_begin.push_back(static_cast<uint32_t>(prog.rule_timings.size()));
    const check::Rule& rule = p.rules[r];
    for (size_t ti = 0; ti < rule.timings.size(); ++ti) {
      const check::Timing& t = rule.timings[ti];
      Program::TimingInfo info;
      info.kind = static_cast<uint8_t>(t.kind);
      info.unit = PeriodUnitOf(t.unit);
      info.roll = t.roll;
      info.event = t.event;
      info.n = t.n;
      info.calendar = p.rulesets[rule.ruleset].calendar;
      if (r < prog.rule_anchors.size() && ti < prog.rule_anchors[r].size()) info.anchor = prog.rule_anchors[r][ti];
      prog.rule_timings.push_back(info);
    }
  }
  prog.rule_timing_begin.push_back(static_cast<uint32_t>(prog.rule_timings.size()));
}

}  // namespace lexgate::ir
