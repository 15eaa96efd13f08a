// Property tests over every example case (examples/*.json) and every case of the shipped rulesets'
// in-language tests, on the shipped rules:
//  - evaluation is deterministic: the same case twice, and on several threads at once, gives
//    byte-identical decision JSON;
//  - monotonicity of unknowns: removing any one fact (any object member, at any depth) never turns a
//    verdict into a different settled verdict without passing through indeterminate. The one move
//    allowed besides "same" and "→ indeterminate" is permitted → conditional: decisions.md says an
//    obligation that surely applies but whose status the case no longer gives is outstanding
//    (`conditional`), not `indeterminate`. So prohibited never becomes permitted or conditional,
//    conditional never becomes permitted or prohibited, and permitted never becomes prohibited;
//    One exception, by the language's design: `known(x)` is the one non-monotone operator (silence about x
//    reads as "no"), so removals of facts that a shipped rule tests with known() are counted but not
//    held to the property (the GDPR ruleset's header explains why it uses known());
//  - every verdict maps to the exit code of the same name (cli/exit_codes.h).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "engine.h"
#include "eval/case.h"
#include "eval/evaluate.h"
#include "eval/render.h"
#include "exit_codes.h"

namespace lexgate {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using eval::Verdict;

const LoadResult& Shipped() {
  static const LoadResult r = [] {
    const std::string root = LEXGATE_TEST_ROOT;
    return LoadRules({root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"});
  }();
  return r;
}

struct NamedCase {
  std::string name;
  json value;
  std::optional<int32_t> as_of;
};

std::vector<NamedCase> AllCases() {
  std::vector<NamedCase> out;
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(std::string(LEXGATE_TEST_ROOT) + "/examples"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back({f.filename().string(), json::parse(ss.str()), std::nullopt});
  }
  for (const auto& t : Shipped().program->project->tests) out.push_back({"test \"" + t.name + "\"", t.case_value, t.as_of});
  return out;
}

std::optional<eval::Decision> Decide(const json& value, std::optional<int32_t> as_of, std::string* err_out = nullptr) {
  eval::CaseError err;
  auto c = eval::ReadCaseValue(*Shipped().program, value, err);
  if (!c) {
    if (err_out) *err_out = err.path + ": " + err.message;
    return std::nullopt;
  }
  return eval::Evaluate(*Shipped().program, *c, eval::EvalOptions{as_of});
}

std::string DecideJson(const std::string& text) {
  const ir::Program& prog = *Shipped().program;
  eval::CaseError err;
  auto c = eval::ReadCase(prog, text, err);
  if (!c) return "error " + err.path + ": " + err.message;
  eval::RenderOptions ro;
  return eval::RenderJson(prog, eval::Evaluate(prog, *c, eval::EvalOptions{}), ro);
}

TEST(Properties, CorpusIsLarge) {
  ASSERT_TRUE(Shipped().program) << "the shipped rules do not load";
  auto cases = AllCases();
  EXPECT_GE(cases.size(), 100u);  // 30+ examples and every in-language test
}

TEST(Properties, EvaluationIsDeterministicAcrossRunsAndThreads) {
  ASSERT_TRUE(Shipped().program);
  std::vector<std::string> texts, first;
  for (const auto& c : AllCases()) texts.push_back(c.value.dump());
  for (const auto& t : texts) first.push_back(DecideJson(t));
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(DecideJson(texts[i]), first[i]) << "case " << i;
  // Four threads deciding every case at once, in different orders, on the one program.
  std::vector<std::vector<std::string>> got(4, std::vector<std::string>(texts.size()));
  std::vector<std::thread> pool;
  for (size_t t = 0; t < got.size(); ++t)
    pool.emplace_back([&, t] {
      for (size_t k = 0; k < texts.size(); ++k) {
        size_t j = (k + t * texts.size() / got.size()) % texts.size();  // each thread starts elsewhere
        size_t i = t % 2 ? texts.size() - 1 - j : j;                     // and half go backwards
        got[t][i] = DecideJson(texts[i]);
      }
    });
  for (auto& th : pool) th.join();
  for (size_t t = 0; t < got.size(); ++t)
    for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(got[t][i], first[i]) << "thread " << t << " case " << i;
}

// Calls f(path, case-without-that-member) for every object member at any depth.
void ForEachRemoval(const json& root, const std::function<void(const std::string&, const json&)>& f) {
  std::function<void(const json&, const std::string&, std::vector<std::pair<std::string, size_t>>&)> walk;
  // Rebuilds the case with the member at `trail` removed.
  auto without = [&](const std::vector<std::pair<std::string, size_t>>& trail, const std::string& key) {
    json copy = root;
    json* at = &copy;
    for (const auto& [k, i] : trail) at = k.empty() ? &(*at)[i] : &(*at)[k];
    at->erase(key);
    return copy;
  };
  std::vector<std::pair<std::string, size_t>> trail;
  walk = [&](const json& v, const std::string& path, std::vector<std::pair<std::string, size_t>>& tr) {
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        // Not facts about the transfer: what the case is, and the date that picks the law in force.
        if (path == "$" && (it.key() == "id" || it.key() == "kind" || it.key() == "date")) continue;
        f(path + "." + it.key(), without(tr, it.key()));
        tr.emplace_back(it.key(), 0);
        walk(*it, path + "." + it.key(), tr);
        tr.pop_back();
      }
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        tr.emplace_back("", i);
        walk(v[i], path + "[" + std::to_string(i) + "]", tr);
        tr.pop_back();
      }
    }
  };
  walk(root, "$", trail);
}

// The fact paths the shipped rules test with known(…), e.g. "exporter.targets_or_monitors_eu".
std::vector<std::string> KnownPaths() {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(std::string(LEXGATE_TEST_ROOT) + "/rulesets")) {
    if (e.path().extension() != ".gate") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    // `some s in safeguards where … known(s.expires)`: the variable stands for an element of the list,
    // so the fact is safeguards.expires (every list a variable of that name ranges over in the file).
    // (Read by hand, not with std::regex: <regex> trips GCC 12's -Wmaybe-uninitialized at -O1 (ASan build).)
    std::multimap<std::string, std::string> lists;
    auto word = [&](size_t& i, bool dots) {
      size_t start = i;
      while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || (dots && text[i] == '.'))) ++i;
      return text.substr(start, i - start);
    };
    auto spaces = [&](size_t& i) {
      size_t start = i;
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      return i > start;
    };
    for (size_t at = text.find("some"); at != std::string::npos; at = text.find("some", at + 4)) {
      size_t i = at + 4;
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_')) continue;
      if (!spaces(i)) continue;
      std::string var = word(i, false);
      if (var.empty() || !spaces(i) || text.compare(i, 2, "in") != 0) continue;
      i += 2;
      if (!spaces(i)) continue;
      std::string list = word(i, true);
      if (!list.empty()) lists.emplace(var, list);
    }
    for (size_t at = text.find("known("); at != std::string::npos; at = text.find("known(", at + 6)) {
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_')) continue;
      size_t i = at + 6;
      spaces(i);
      const std::string path = word(i, true);
      spaces(i);
      if (path.empty() || i >= text.size() || text[i] != ')') continue;
      const std::string head = path.substr(0, path.find('.'));
      auto [from, to] = lists.equal_range(head);
      if (from == to) out.push_back(path);
      for (auto l = from; l != to; ++l) out.push_back(l->second + path.substr(head.size()));
    }
  }
  return out;
}

// "$.a[2].b" → "a.b"; true when that path and a known() path are one the prefix of the other.
bool TouchesKnown(const std::string& path, const std::vector<std::string>& known) {
  std::string p;
  for (size_t i = 2; i < path.size(); ++i) {
    if (path[i] == '[') {
      while (i < path.size() && path[i] != ']') ++i;
      continue;
    }
    p += path[i];
  }
  for (const auto& k : known) {
    const std::string& a = p.size() < k.size() ? p : k;
    const std::string& b = p.size() < k.size() ? k : p;
    if (b.compare(0, a.size(), a) == 0 && (b.size() == a.size() || b[a.size()] == '.')) return true;
  }
  return false;
}

bool Allowed(Verdict from, Verdict to) {
  if (from == to || from == Verdict::Indeterminate || to == Verdict::Indeterminate) return true;
  return from == Verdict::Permitted && to == Verdict::Conditional;
}

TEST(Properties, RemovingAFactNeverSkipsIndeterminate) {
  ASSERT_TRUE(Shipped().program);
  size_t checked = 0, to_indeterminate = 0, known_skipped = 0;
  const auto known = KnownPaths();
  ASSERT_FALSE(known.empty());
  for (const auto& c : AllCases()) {
    auto base = Decide(c.value, c.as_of);
    ASSERT_TRUE(base) << c.name;
    ForEachRemoval(c.value, [&](const std::string& path, const json& reduced) {
      std::string err;
      auto d = Decide(reduced, c.as_of, &err);
      // Removing a fact may make a case invalid only by breaking a cross-field check; it must say so.
      if (!d) {
        EXPECT_FALSE(err.empty()) << c.name << " without " << path;
        return;
      }
      if (TouchesKnown(path, known)) {
        ++known_skipped;
        return;
      }
      ++checked;
      to_indeterminate += d->verdict == Verdict::Indeterminate && base->verdict != Verdict::Indeterminate;
      EXPECT_TRUE(Allowed(base->verdict, d->verdict))
          << c.name << " without " << path << ": " << eval::VerdictName(base->verdict) << " → "
          << eval::VerdictName(d->verdict);
    });
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_GT(to_indeterminate, 0u);  // the property is not vacuous
  std::cout << "[ property ] " << checked << " one-fact removals checked, " << to_indeterminate
            << " became indeterminate; " << known_skipped << " removals of facts tested with known() not held to it\n";
}

TEST(Properties, EveryVerdictMapsToItsExitCode) {
  EXPECT_EQ(static_cast<int>(Verdict::Permitted), cli::ExitCode::kPermitted);
  EXPECT_EQ(static_cast<int>(Verdict::Conditional), cli::ExitCode::kConditional);
  EXPECT_EQ(static_cast<int>(Verdict::Prohibited), cli::ExitCode::kProhibited);
  EXPECT_EQ(static_cast<int>(Verdict::Indeterminate), cli::ExitCode::kIndeterminate);
  EXPECT_STREQ(eval::VerdictName(Verdict::Permitted), "permitted");
  EXPECT_STREQ(eval::VerdictName(Verdict::Conditional), "conditional");
  EXPECT_STREQ(eval::VerdictName(Verdict::Prohibited), "prohibited");
  EXPECT_STREQ(eval::VerdictName(Verdict::Indeterminate), "indeterminate");
  // The error exits are distinct from every verdict.
  for (int e : {cli::kUsage, cli::kBadCase, cli::kNotFound, cli::kInternal, cli::kBadRules}) EXPECT_GT(e, 3);
}

}  // namespace
}  // namespace lexgate
