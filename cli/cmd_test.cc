#include <unistd.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/date.h"
#include "common.h"
#include "eval/render.h"
#include "i18n/localizer.h"
#include "time/calendar.h"

namespace lexgate::cli {

namespace {

// One expectation of a test and whether the decision met it.
struct Check {
  std::string where;  // file:line:col of the expect line
  std::string want, got;
  bool ok = true;
};

struct TestResult {
  const check::Test* test = nullptr;
  std::string file;   // the file that holds the test (a JUnit testsuite)
  std::string where;  // file:line:col
  std::string case_error;  // the case is not valid
  std::vector<Check> checks;
  std::vector<std::string> actual;  // the actual decision, one row a line (verdict, findings)
  bool passed() const {
    if (!case_error.empty()) return false;
    for (const auto& c : checks)
      if (!c.ok) return false;
    return true;
  }
};

std::string Pad(const std::string& s, size_t width) {
  size_t w = i18n::DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

// The actual decision as aligned rows: the verdict, then per finding rule / modality / status / due.
std::vector<std::string> DecisionRows(const check::Project& p, const eval::Decision& d) {
  std::vector<std::array<std::string, 4>> rows;
  for (const auto& f : d.findings) {
    const auto& r = p.rules[f.rule];
    static const char* modality[] = {"must", "must_not", "should", "may", "exempt"};
    static const char* status[] = {"", "satisfied", "outstanding", "unknown"};
    std::string st = status[static_cast<int>(f.status)];
    if (f.applies == eval::Tri::Unknown) st += st.empty() ? "applies?" : " (applies?)";
    if (f.governed_by >= 0) st += " (governed)";
    std::string due;
    for (const auto& du : f.due)
      if (du) due += (due.empty() ? "due " : " ") + FormatDate(du->date);
    rows.push_back({r.id, modality[static_cast<int>(r.modality)], st, due});
  }
  for (const auto& e : d.exempted) rows.push_back({p.rules[e.rule].id, "exempt", "by " + p.rules[e.by].id, ""});
  size_t w[3] = {0, 0, 0};
  for (const auto& r : rows)
    for (int i = 0; i < 3; ++i) w[i] = std::max(w[i], i18n::DisplayWidth(r[static_cast<size_t>(i)]));
  std::vector<std::string> out = {std::string("verdict ") + eval::VerdictName(d.verdict)};
  for (const auto& r : rows) {
    std::string line = Pad(r[0], w[0]) + "  " + Pad(r[1], w[1]) + "  " + Pad(r[2], w[2]) + "  " + r[3];
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(line);
  }
  return out;
}

// Expected (the test's expectations, failing ones marked) and actual (the decision) side by side.
std::string SideBySide(const TestResult& t) {
  std::vector<std::string> left;
  for (const auto& c : t.checks) left.push_back((c.ok ? "  " : "✗ ") + c.want);
  size_t w = i18n::DisplayWidth("expected");
  for (const auto& l : left) w = std::max(w, i18n::DisplayWidth(l));
  std::string out = "    " + Pad("expected", w) + " │ actual\n";
  size_t n = std::max(left.size(), t.actual.size());
  for (size_t i = 0; i < n; ++i) {
    std::string line = "    " + Pad(i < left.size() ? left[i] : "", w) + " │ " + (i < t.actual.size() ? t.actual[i] : "");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FailureText(const TestResult& t) {
  if (!t.case_error.empty()) return "    the case is not valid: " + t.case_error + "\n";
  std::string out = SideBySide(t);
  for (const auto& c : t.checks)
    if (!c.ok) out += "    " + c.where + ": expected " + c.want + ", actual " + c.got + "\n";
  return out;
}

std::string XmlEscape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default: o += ch;
    }
  }
  return o;
}

int Test(const Common& c, const std::vector<std::string>& dirs, const std::string& format) {
  Common cc = c;
  if (!dirs.empty()) cc.rules = dirs;
  int code = 0;
  auto loaded = Load(cc, code, /*with_tests=*/true);
  if (!loaded) return code;
  const ir::Program& prog = *loaded->program;
  const check::Project& p = *prog.project;
  std::vector<bool> fired(p.rules.size(), false);
  // (exception, rule it lifts) → some test made the exception lift the rule
  std::map<std::pair<int, int>, bool> lifted;
  for (size_t x = 0; x < p.rules.size(); ++x)
    for (int r : p.rules[x].exception_to) lifted[{static_cast<int>(x), r}] = false;
  auto loc = [&](const Span& s) {
    return loaded->sources->Get(s.file).path + ":" + std::to_string(s.line) + ":" + std::to_string(s.col);
  };
  std::vector<TestResult> results;
  for (const auto& t : p.tests) {
    TestResult res;
    res.test = &t;
    res.file = loaded->sources->Get(t.span.file).path;
    res.where = loc(t.span);
    eval::CaseError err;
    auto kase = eval::ReadCaseValue(prog, t.case_value, err);
    if (!kase) {
      res.case_error = err.path + ": " + err.message;
      results.push_back(std::move(res));
      continue;
    }
    eval::Decision d = eval::Evaluate(prog, *kase, eval::EvalOptions{t.as_of});
    res.actual = DecisionRows(p, d);
    for (const auto& f : d.findings)
      if (f.applies == eval::Tri::True) fired[f.rule] = true;
    for (const auto& e : d.exempted) fired[e.by] = true, lifted[{e.by, e.rule}] = true;
    for (const auto& o : d.overridden)
      if (o.reason == eval::Reason::Exception) fired[o.by] = true, lifted[{o.by, o.rule}] = true;
    auto fires = [&](int rule) {
      for (const auto& f : d.findings)
        if (f.rule == rule && f.applies == eval::Tri::True) return true;
      for (const auto& e : d.exempted)
        if (e.by == rule) return true;
      for (const auto& o : d.overridden)
        if (o.by == rule && o.reason == eval::Reason::Exception) return true;
      return false;
    };
    auto requires_action = [&](int action) {
      for (const auto& f : d.findings) {
        const auto& r = p.rules[f.rule];
        if (r.modality != check::Modality::Must || f.applies != eval::Tri::True || f.governed_by >= 0) continue;
        if (f.status == eval::Status::Satisfied) continue;
        for (int a : r.actions)
          if (a == action) return true;
      }
      return false;
    };
    for (const auto& e : t.expects) {
      std::string want, got;
      bool ok = true;
      switch (e.kind) {
        case ast::Expectation::Verdict:
          ok = static_cast<int>(d.verdict) == e.verdict;
          want = "verdict " + std::string(eval::VerdictName(static_cast<eval::Verdict>(e.verdict)));
          got = "verdict " + std::string(eval::VerdictName(d.verdict));
          break;
        case ast::Expectation::Requires:
        case ast::Expectation::NotRequires:
          ok = requires_action(e.action) == (e.kind == ast::Expectation::Requires);
          want = std::string(e.kind == ast::Expectation::Requires ? "requires " : "does not require ") + p.actions[e.action];
          got = ok ? want : std::string(e.kind == ast::Expectation::Requires ? "not required" : "required");
          break;
        case ast::Expectation::Fires:
        case ast::Expectation::NotFires:
          ok = fires(e.rule) == (e.kind == ast::Expectation::Fires);
          want = std::string(e.kind == ast::Expectation::Fires ? "fires " : "does not fire ") + p.rules[e.rule].id;
          got = ok ? want : (e.kind == ast::Expectation::Fires ? "did not fire" : "fired");
          break;
        case ast::Expectation::Exempted: {
          ok = false;
          for (const auto& x : d.exempted) ok |= x.rule == e.rule;
          want = "exempted " + p.rules[e.rule].id;
          got = ok ? want : "not exempted";
          break;
        }
        case ast::Expectation::Missing: {
          ok = false;
          for (const auto& m : d.missing) ok |= m.fact == e.path;
          want = "missing " + e.path;
          got = "missing:";
          for (const auto& m : d.missing) got += " " + m.fact;
          break;
        }
        case ast::Expectation::Due: {
          ok = false;
          got = "due:";
          for (const auto& f : d.findings) {
            const auto& r = p.rules[f.rule];
            bool has = false;
            for (int a : r.actions) has |= a == e.action;
            if (!has) continue;
            for (const auto& du : f.due)
              if (du) {
                ok |= du->date == e.date;
                got += " " + FormatDate(du->date);
              }
          }
          want = "due " + p.actions[e.action] + " " + FormatDate(e.date);
          break;
        }
      }
      res.checks.push_back({loc(e.span), want, got, ok});
    }
    results.push_back(std::move(res));
  }
  int passed = 0, failed = 0;
  for (const auto& r : results) (r.passed() ? passed : failed)++;
  std::vector<std::string> uncovered;
  for (size_t r = 0; r < p.rules.size(); ++r)
    if (!fired[r]) uncovered.push_back(p.rules[r].id);
  // exceptions no test makes decisive, each with the rules it never lifts in a test
  std::map<int, std::vector<int>> undecisive;
  size_t pairs_covered = 0;
  for (const auto& [pair, done] : lifted) {
    if (done) ++pairs_covered;
    else undecisive[pair.first].push_back(pair.second);
  }

  if (format == "json") {
    using json = nlohmann::ordered_json;
    json j;
    json tests = json::array();
    for (const auto& r : results) {
      json t;
      t["name"] = r.test->name;
      t["file"] = r.file;
      t["line"] = r.test->span.line;
      t["status"] = r.passed() ? "pass" : "fail";
      if (!r.case_error.empty()) t["case_error"] = r.case_error;
      json exp = json::array();
      for (const auto& c : r.checks) exp.push_back(json{{"at", c.where}, {"expected", c.want}, {"actual", c.got}, {"ok", c.ok}});
      t["expectations"] = exp;
      if (!r.passed()) t["actual"] = r.actual;
      tests.push_back(t);
    }
    j["tests"] = tests;
    json cov;
    cov["rules"] = json{{"covered", p.rules.size() - uncovered.size()}, {"total", p.rules.size()}, {"never_fire", uncovered}};
    json und = json::array();
    for (const auto& [x, rules] : undecisive) {
      json lifts = json::array();
      for (int r : rules) lifts.push_back(p.rules[r].id);
      und.push_back(json{{"exception", p.rules[x].id}, {"never_lifts", lifts}});
    }
    cov["exceptions"] = json{{"covered", pairs_covered}, {"total", lifted.size()}, {"never_decisive", und}};
    j["coverage"] = cov;
    j["passed"] = passed;
    j["failed"] = failed;
    std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else if (format == "junit") {
    std::map<std::string, std::vector<const TestResult*>> by_file;
    for (const auto& r : results) by_file[r.file].push_back(&r);
    std::cout << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    std::cout << "<testsuites name=\"lexgate test\" tests=\"" << results.size() << "\" failures=\"" << failed << "\">\n";
    for (const auto& [file, rs] : by_file) {
      int f = 0;
      for (auto* r : rs) f += r->passed() ? 0 : 1;
      std::cout << "  <testsuite name=\"" << XmlEscape(file) << "\" tests=\"" << rs.size() << "\" failures=\"" << f
                << "\" errors=\"0\" skipped=\"0\">\n";
      for (auto* r : rs) {
        std::cout << "    <testcase name=\"" << XmlEscape(r->test->name) << "\" classname=\"" << XmlEscape(file)
                  << "\" file=\"" << XmlEscape(file) << "\" line=\"" << r->test->span.line << "\"";
        if (r->passed()) {
          std::cout << "/>\n";
          continue;
        }
        std::string msg = r->case_error.empty() ? "" : "the case is not valid";
        for (const auto& c : r->checks)
          if (!c.ok) msg += (msg.empty() ? "" : "; ") + ("expected " + c.want + ", actual " + c.got);
        std::cout << ">\n      <failure message=\"" << XmlEscape(msg) << "\" type=\"expectation\">"
                  << XmlEscape(FailureText(*r)) << "</failure>\n    </testcase>\n";
      }
      std::cout << "  </testsuite>\n";
    }
    std::cout << "</testsuites>\n";
  } else {
    for (const auto& r : results) {
      if (r.passed()) continue;
      std::cout << "FAIL " << r.test->name << " (" << r.where << ")\n" << FailureText(r);
    }
    std::cout << "rule coverage: " << (p.rules.size() - uncovered.size()) << "/" << p.rules.size() << "\n";
    for (auto& u : uncovered) std::cout << "  no test makes " << u << " fire\n";
    std::cout << "exception coverage: " << pairs_covered << "/" << lifted.size() << " (exception, rule) pairs decisive in a test\n";
    for (const auto& [x, rules] : undecisive) {
      std::string names;
      for (size_t i = 0; i < rules.size(); ++i) names += (i ? ", " : "") + p.rules[rules[i]].id;
      std::cout << "  no test makes " << p.rules[x].id << " lift " << names << "\n";
    }
    std::cout << passed << " passed, " << failed << " failed\n";
  }
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------- lexgate deadline
}  // namespace

Runner AddTestCommand(CLI::App& app, Common& common) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>("text");
  auto* sub = app.add_subcommand("test", HelpText("test"));
  sub->footer("Example:\n  lexgate test rulesets/\n  lexgate test rulesets/ --format junit > lexgate-tests.xml   # for CI\n\n"
              "Exit codes: 0 all tests pass, 1 a test failed, 64 bad option, 66 directory not found, 78 bad rules\n");
  sub->add_option("dir", *dirs, "rules directories (default: the shipped rulesets)");
  sub->add_option("--format", *format, "text (failures side by side, coverage), json, or junit (JUnit XML for CI)")
      ->check(CLI::IsMember({"text", "json", "junit"}));
  AddCommonOptions(sub, common);
  return [sub, dirs, format, &common]() { return sub->parsed() ? Test(common, *dirs, *format) : -1; };
}

}  // namespace lexgate::cli
