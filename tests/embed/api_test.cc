// The public C++ API through liblexgate.so: loading (directories, in-memory sources, failures with
// diagnostics), evaluation errors, the C ABI's error JSON, and 4 threads evaluating every example many
// times on one Engine with the same bytes as a single thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "lexgate/lexgate.h"
#include "lexgate/lexgate.hpp"

namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ExampleCases() {
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(kRoot + "/examples"))
    if (e.path().extension() == ".json") paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> cases;
  for (const auto& p : paths) cases.push_back(Read(p));
  return cases;
}

const lexgate::Engine& Shipped() {
  static const lexgate::Engine engine = [] {
    auto r = lexgate::Engine::LoadInstalled(kRoot);
    if (!r.ok()) {
      for (const auto& d : r.diagnostics()) ADD_FAILURE() << d.file << ":" << d.line << ": " << d.message;
      std::abort();
    }
    return std::move(r).value();
  }();
  return engine;
}

TEST(EmbedApi, LoadsShippedRules) {
  EXPECT_FALSE(Shipped().files().empty());
  EXPECT_NE(Shipped().RulesetsJson().find("\"id\""), std::string::npos);
  EXPECT_STREQ(lexgate::Version(), lexgate_version());
}

TEST(EmbedApi, MissingDirectoryIsNotFound) {
  auto r = lexgate::Engine::LoadDirectories({kRoot + "/no/such/dir"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lexgate::StatusCode::kNotFound);
}

TEST(EmbedApi, BrokenSourceGivesDiagnosticsWithPosition) {
  auto r = lexgate::Engine::LoadSources({{"broken.gate", "ruleset x {\n  rule ??? \n"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lexgate::StatusCode::kBadRules);
  auto it = std::find_if(r.diagnostics().begin(), r.diagnostics().end(),
                         [](const lexgate::Diagnostic& d) { return d.file == "broken.gate"; });
  ASSERT_NE(it, r.diagnostics().end());
  const auto& d = *it;
  EXPECT_EQ(d.file, "broken.gate");
  EXPECT_EQ(d.severity, lexgate::Severity::kError);
  EXPECT_GT(d.line, 0);
  EXPECT_GT(d.column, 0);
  EXPECT_EQ(d.code.rfind("LG", 0), 0u) << d.code;
  EXPECT_FALSE(d.message.empty());
}

TEST(EmbedApi, BadCaseNamesThePath) {
  auto r = Shipped().Evaluate("{\"kind\": 5}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lexgate::StatusCode::kBadCase);
  EXPECT_EQ(r.status().path().rfind("$", 0), 0u);
  auto m = Shipped().Evaluate("{not json");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), lexgate::StatusCode::kBadCase);
}

TEST(EmbedApi, BadAsOfIsInvalidArgument) {
  auto cases = ExampleCases();
  auto r = Shipped().Evaluate(cases.at(0), {"2025-02-30", "en"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lexgate::StatusCode::kInvalidArgument);
}

TEST(EmbedApi, VerdictMatchesJson) {
  for (const auto& c : ExampleCases()) {
    auto r = Shipped().Evaluate(c);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_NE(r->json().find(std::string("\"verdict\": \"") + lexgate::VerdictName(r->verdict()) + "\""), std::string::npos);
    EXPECT_EQ(r->exit_code(), static_cast<int>(r->verdict()));
  }
}

TEST(EmbedCApi, ErrorsAreJsonAndCodes) {
  const std::string j = kRoot + "/jurisdictions", s = kRoot + "/rulesets/schema.gate", rs = kRoot + "/rulesets";
  const char* dirs[] = {j.c_str(), s.c_str(), rs.c_str()};
  lexgate_engine* engine = nullptr;
  char* diags = nullptr;
  ASSERT_EQ(lexgate_engine_load_dirs(dirs, 3, &engine, &diags), 0) << diags;
  lexgate_string_free(diags);
  char* out = nullptr;
  EXPECT_EQ(lexgate_check(engine, "{\"kind\": 5}", nullptr, &out), LEXGATE_BAD_CASE);
  ASSERT_NE(out, nullptr);
  EXPECT_NE(std::string(out).find("\"code\": 65"), std::string::npos) << out;
  EXPECT_NE(std::string(out).find("\"path\""), std::string::npos) << out;
  lexgate_string_free(out);
  EXPECT_EQ(lexgate_check(engine, "{}", "[1]", &out), LEXGATE_USAGE);
  lexgate_string_free(out);
  EXPECT_EQ(lexgate_check(nullptr, "{}", nullptr, &out), LEXGATE_USAGE);
  lexgate_string_free(out);
  const char* missing[] = {"/no/such/dir"};
  lexgate_engine* none = nullptr;
  EXPECT_EQ(lexgate_engine_load_dirs(missing, 1, &none, &diags), LEXGATE_NOT_FOUND);
  EXPECT_EQ(none, nullptr);
  EXPECT_NE(std::string(diags).find("not_found"), std::string::npos);
  lexgate_string_free(diags);
  lexgate_engine_free(engine);
}

TEST(EmbedConcurrency, FourThreadsGiveTheSingleThreadedBytes) {
  const lexgate::Engine& engine = Shipped();
  auto cases = ExampleCases();
  cases.push_back("{\"kind\": 5}");  // a bad case, answered concurrently too
  const std::vector<std::string> locales = {"en", "zh_CN", "de"};
  std::vector<std::string> want;
  for (const auto& loc : locales)
    for (const auto& c : cases) {
      auto r = engine.Evaluate(c, {"", loc});
      want.push_back(r.ok() ? r->json() : "error:" + r.status().path() + ":" + r.status().message());
    }
  constexpr int kThreads = 4, kRounds = 25;
  std::vector<int> mismatches(kThreads, 0), done(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round)
        for (size_t i = 0; i < want.size(); ++i) {
          size_t k = (i + static_cast<size_t>(t) * 7 + static_cast<size_t>(round)) % want.size();  // interleave
          auto r = engine.Evaluate(cases[k % cases.size()], {"", locales[k / cases.size()]});
          std::string got = r.ok() ? r->json() : "error:" + r.status().path() + ":" + r.status().message();
          mismatches[t] += got != want[k];
          ++done[t];
        }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
    EXPECT_EQ(done[t], kRounds * static_cast<int>(want.size()));
  }
}

}  // namespace
