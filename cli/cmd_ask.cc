// lexgate ask: an interactive questionnaire. Starting from a case that says only its kind and date, it
// asks, one at a time and in the user's locale, the unknown facts that can still change the verdict
// (eval/questions.h), validates each answer, and shows the verdict as soon as no answer can change it.
// "?" or an empty answer means "don't know": the fact stays unknown and is not asked again. Reads lines
// from standard input, so it works on a terminal and from a script alike; --save writes the case JSON
// (valid input for `lexgate check`) atomically.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "base/date.h"
#include "base/file.h"
#include "common.h"
#include "eval/questions.h"
#include "eval/render.h"
#include "i18n/localizer.h"

namespace lexgate::cli {

namespace {

using json = nlohmann::ordered_json;
using check::TypeKind;

icu::Formattable Str(const std::string& s) { return icu::Formattable(icu::UnicodeString::fromUTF8(s)); }

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string Lower(std::string s) {
  for (auto& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

// The words the locale accepts for yes or no (bundle ask/yes, ask/no: alternatives separated by |).
bool InWords(const std::string& answer, const std::string& words) {
  std::istringstream in(words);
  std::string w;
  while (std::getline(in, w, '|'))
    if (Lower(Trim(w)) == Lower(answer)) return true;
  return false;
}

// Sets `path` (a.b.c) in the case JSON.
void SetPath(json& j, const std::string& path, const json& value) {
  json* at = &j;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      (*at)[key] = value;
      return;
    }
    if (!at->contains(key) || !(*at)[key].is_object()) (*at)[key] = json::object();
    at = &(*at)[key];
    start = dot + 1;
  }
}

class Asker {
 public:
  Asker(const ir::Program& prog, const std::string& locale) : prog_(prog), p_(*prog.project), locale_(locale), loc_(locale) {}

  // The hint shown under a question: the answers it takes.
  std::string Hint(const eval::Question& q) const {
    if (q.type.list) return loc_.Text("ask/hint_list");
    switch (q.type.kind) {
      case TypeKind::Bool: return loc_.Text("ask/hint_bool");
      case TypeKind::Enum: {
        std::string s;
        const auto& values = p_.enums[q.type.id].values;
        for (size_t i = 0; i < values.size(); ++i) {
          std::string name = eval::EnumValueName(p_, q.type.id, static_cast<int>(i), locale_);
          s += "    " + std::to_string(i + 1) + ") " + name + (name != values[i] ? " [" + values[i] + "]" : "") + "\n";
        }
        return s + loc_.Text("ask/hint_enum");
      }
      case TypeKind::Count: return loc_.Text("ask/hint_count");
      case TypeKind::Int:
      case TypeKind::Decimal: return loc_.Text("ask/hint_number");
      case TypeKind::Date: return loc_.Text("ask/hint_date");
      case TypeKind::Jurisdiction: return loc_.Text("ask/hint_jurisdiction");
      default: return "";
    }
  }

  // The answer as a JSON value for the case, or nothing when it is not understood.
  std::optional<json> Parse(const eval::Question& q, const std::string& a) const {
    if (q.type.list) {  // only "there are none" can be entered here
      if (InWords(a, loc_.Text("ask/no"))) return json::array();
      return std::nullopt;
    }
    switch (q.type.kind) {
      case TypeKind::Bool:
        if (InWords(a, loc_.Text("ask/yes"))) return json(true);
        if (InWords(a, loc_.Text("ask/no"))) return json(false);
        return std::nullopt;
      case TypeKind::Enum: {
        const auto& values = p_.enums[q.type.id].values;
        char* end = nullptr;
        long n = std::strtol(a.c_str(), &end, 10);
        if (end && *end == 0 && n >= 1 && n <= static_cast<long>(values.size())) return json(values[static_cast<size_t>(n - 1)]);
        for (size_t i = 0; i < values.size(); ++i)
          if (Lower(a) == Lower(values[i]) || a == eval::EnumValueName(p_, q.type.id, static_cast<int>(i), locale_)) return json(values[i]);
        return std::nullopt;
      }
      case TypeKind::Count:
      case TypeKind::Int: {
        std::string digits;
        for (char ch : a)
          if (ch != '_' && ch != ',' && ch != ' ') digits += ch;  // 100_000, 100,000
        if (digits.empty()) return std::nullopt;
        char* end = nullptr;
        errno = 0;
        long long n = std::strtoll(digits.c_str(), &end, 10);
        if (errno || !end || *end || (q.type.kind == TypeKind::Count && n < 0)) return std::nullopt;
        return json(static_cast<int64_t>(n));
      }
      case TypeKind::Decimal: {
        char* end = nullptr;
        double d = std::strtod(a.c_str(), &end);
        if (!end || *end || !std::isfinite(d)) return std::nullopt;
        return json(d);
      }
      case TypeKind::Date:
        if (ParseDate(a)) return json(a);
        return std::nullopt;
      case TypeKind::Jurisdiction: {
        std::string code;
        for (char ch : a) code += (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
        if (p_.FindJurisdiction(code) >= 0) return json(code);
        return std::nullopt;
      }
      default: return std::nullopt;
    }
  }

 private:
  const ir::Program& prog_;
  const check::Project& p_;
  std::string locale_;
  i18n::Localizer loc_;
};

int Ask(const Common& common, const std::string& kind, const std::string& date, const std::string& save) {
  int code = 0;
  std::optional<int32_t> day;
  if (!ParseDateOption("--date", date, day)) return ExitCode::kUsage;
  auto loaded = Load(common, code);
  if (!loaded) return code;
  const ir::Program& prog = *loaded->program;
  const check::Project& p = *prog.project;
  const std::string locale = LocaleOf(common);
  i18n::Localizer loc(locale);
  Asker asker(prog, locale);

  json kase = json::object();
  kase["kind"] = kind;
  kase["date"] = FormatDate(day ? *day : static_cast<int32_t>(std::time(nullptr) / 86400));
  eval::CaseError err;
  if (!eval::ReadCaseValue(prog, kase, err)) {
    std::cerr << "lexgate: --kind '" << kind << "': " << err.message << "\n";
    return ExitCode::kUsage;
  }
  std::cout << loc.Text("ask/intro") << "\n";
  std::set<std::string> unknown;  // answered "don't know"
  bool eof = false;
  eval::Verdict verdict = eval::Verdict::Indeterminate;
  while (true) {
    auto c = eval::ReadCaseValue(prog, kase, err);
    if (!c) return ExitCode::kInternal;  // every answer was checked before it was kept
    eval::EvalOptions opts{};
    eval::Questionnaire q = eval::FindQuestions(prog, *c, opts, unknown);
    verdict = q.verdict;
    const eval::Question* next = nullptr;
    if (!q.questions.empty()) next = &q.questions.front();
    if (q.settled || !next || eof) {
      std::string v = loc.Text(std::string("verdict/") + eval::VerdictName(q.verdict));
      std::cout << "\n" << loc.Format(q.settled ? "ask/settled" : eof ? "ask/stopped" : "ask/unsettled", {{"verdict", Str(v)}}) << "\n\n";
      eval::RenderOptions ro;
      ro.locale = locale;
      ro.color = isatty(1);
      std::cout << eval::RenderText(prog, eval::Evaluate(prog, *c, opts), ro);
      break;
    }
    std::string rules;
    for (size_t i = 0; i < next->asked_by.size() && i < 3; ++i) rules += (i ? loc.Text("punct/list") : "") + p.rules[next->asked_by[i]].id;
    if (next->asked_by.size() > 3) rules += loc.Text("punct/list") + "…";
    while (true) {
      std::cout << "\n" << eval::QuestionText(next->fact, locale) << "  [" << next->fact << "]\n";
      std::cout << "  " << loc.Format("ask/asked_by", {{"rules", Str(rules)}}) << "\n";
      std::string hint = asker.Hint(*next);
      std::cout << (next->type.kind == TypeKind::Enum ? "" : "  ") << hint << "\n> " << std::flush;
      std::string line;
      if (!std::getline(std::cin, line)) {
        eof = true;
        std::cout << "\n";
        break;
      }
      std::string a = Trim(line);
      if (a.empty() || a == "?" || a == "？") {
        unknown.insert(next->fact);
        break;
      }
      auto value = asker.Parse(*next, a);
      if (!value) {
        std::cout << loc.Format("ask/invalid", {{"answer", Str(a)}}) << "\n";
        continue;
      }
      json trial = kase;
      SetPath(trial, next->fact, *value);
      if (!eval::ReadCaseValue(prog, trial, err)) {
        std::cout << loc.Format("ask/bad_answer", {{"message", Str(err.path + ": " + err.message)}}) << "\n";
        continue;
      }
      kase = std::move(trial);
      break;
    }
  }
  if (!save.empty()) {
    if (!base::WriteFileAtomically(save, kase.dump(2) + "\n")) {
      std::cerr << "lexgate: cannot write '" << save << "'\n";
      return ExitCode::kNotFound;
    }
    std::cout << "\n" << loc.Format("ask/saved", {{"path", Str(save)}}) << "\n";
  }
  return static_cast<int>(verdict);
}

}  // namespace

Runner AddAskCommand(CLI::App& app, Common& common) {
  struct Opts { std::string kind = "transfer", date, save; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("ask", HelpText("ask"));
  sub->footer(std::string("Example:\n  lexgate ask --kind transfer --locale zh_CN --save case.json\n"
                          "  printf 'CN-BJ\\nDE\\n120000\\n' | lexgate ask --kind transfer   # scripted: one answer a line\n\n"
                          "Exit codes: the verdict's (0–3, as for check) once the questions end; 64 bad option;\n"
                          "  66 the --save file cannot be written; 78 bad rules\n"));
  sub->add_option("--kind", o->kind, "what the case is about")->check(CLI::IsMember({"transfer", "filing", "ip_event"}));
  sub->add_option("--date", o->date, "the case's date (YYYY-MM-DD; default: today)");
  sub->add_option("--save", o->save, "write the case JSON to this file at the end (valid input for lexgate check)");
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? Ask(common, o->kind, o->date, o->save) : -1; };
}

}  // namespace lexgate::cli
