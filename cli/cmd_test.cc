#include <unistd.h>

#include <iostream>
#include <map>
#include <sstream>

#include "base/date.h"
#include "common.h"
#include "eval/render.h"
#include "i18n/localizer.h"
#include "time/calendar.h"

namespace lexgate::cli {

namespace {

int Test(const Common& c, const std::vector<std::string>& dirs) {
  Common cc = c;
  if (!dirs.empty()) cc.rules = dirs;
  int code = 0;
  auto loaded = Load(cc, code, /*with_tests=*/true);
  if (!loaded) return code;
  const ir::Program& prog = *loaded->program;
  const check::Project& p = *prog.project;
  std::vector<bool> fired(p.rules.size(), false);
  int passed = 0, failed = 0;
  auto loc = [&](const Span& s) {
    return loaded->sources->Get(s.file).path + ":" + std::to_string(s.line) + ":" + std::to_string(s.col);
  };
  for (const auto& t : p.tests) {
    eval::CaseError err;
    auto kase = eval::ReadCaseValue(prog, t.case_value, err);
    if (!kase) {
      std::cout << "FAIL " << t.name << " (" << loc(t.span) << ")\n     the case is not valid: " << err.path << ": "
                << err.message << "\n";
      ++failed;
      continue;
    }
    eval::Decision d = eval::Evaluate(prog, *kase, eval::EvalOptions{t.as_of});
    for (const auto& f : d.findings)
      if (f.applies == eval::Tri::True) fired[f.rule] = true;
    for (const auto& e : d.exempted) fired[e.by] = true;
    for (const auto& o : d.overridden)
      if (o.reason == "exception") fired[o.by] = true;
    std::vector<std::string> problems;
    auto fires = [&](int rule) {
      for (const auto& f : d.findings)
        if (f.rule == rule && f.applies == eval::Tri::True) return true;
      for (const auto& e : d.exempted)
        if (e.by == rule) return true;
      for (const auto& o : d.overridden)
        if (o.by == rule && o.reason == "exception") return true;
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
      if (!ok) problems.push_back("  " + loc(e.span) + "\n     expected: " + want + "\n     actual:   " + got);
    }
    if (problems.empty()) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL " << t.name << " (" << loc(t.span) << ")\n";
      for (auto& pr : problems) std::cout << pr << "\n";
    }
  }
  std::vector<std::string> uncovered;
  for (size_t r = 0; r < p.rules.size(); ++r)
    if (!fired[r]) uncovered.push_back(p.rules[r].id);
  size_t covered = p.rules.size() - uncovered.size();
  std::cout << "rule coverage: " << covered << "/" << p.rules.size() << "\n";
  for (auto& u : uncovered) std::cout << "  no test makes " << u << " fire\n";
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------- lexgate deadline
}  // namespace

Runner AddTestCommand(CLI::App& app, Common& common) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* sub = app.add_subcommand("test", HelpText("test"));
  sub->footer("Example:\n  lexgate test rulesets/\n");
  sub->add_option("dir", *dirs, "rules directories (default: the shipped rulesets)");
  AddCommonOptions(sub, common);
  return [sub, dirs, &common]() { return sub->parsed() ? Test(common, *dirs) : -1; };
}

}  // namespace lexgate::cli
