// The compiled-rules cache (engine/src/cache): the Project codec round-trips (bytes and decisions), a
// bad entry of any kind is ignored and rewritten, a changed rule file misses, and a cache directory
// that cannot be written changes nothing but speed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cache/cache.h"
#include "engine.h"
#include "eval/case.h"
#include "eval/evaluate.h"
#include "eval/render.h"
#include "ir/lower.h"
#include "syntax/parse.h"
#include "test_files.h"

namespace lexgate {
namespace {

namespace fs = std::filesystem;
const std::string kRoot = LEXGATE_TEST_ROOT;

std::vector<std::string> ShippedPaths(const std::string& root = kRoot) {
  return {root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"};
}

using lexgate::test::ReadFile;

void WriteFile(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

std::vector<std::string> Examples() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kRoot + "/examples"))
    if (e.path().extension() == ".json") out.push_back(ReadFile(e.path()));
  std::sort(out.begin(), out.end());
  return out;
}

// Every example decided on `prog`, rendered as JSON and as text, one string.
std::string DecideAll(const ir::Program& prog) {
  std::string all;
  eval::RenderOptions o;
  for (const auto& text : Examples()) {
    eval::CaseError err;
    auto kase = eval::ReadCase(prog, text, err);
    if (!kase) return "bad case: " + err.message;
    auto d = eval::Evaluate(prog, *kase, {});
    all += eval::RenderJson(prog, d, o) + eval::RenderText(prog, d, o);
  }
  return all;
}

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "lexgate-cache-test.XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<fs::path> Entries(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".lgc") out.push_back(e.path());
  return out;
}

LoadResult LoadCached(const std::string& dir, const std::vector<std::string>& paths = ShippedPaths()) {
  return LoadRules(paths, LoadOptions{.tests = false, .cache_dir = dir});
}

// One load without the cache, shared by the tests (its decisions are the reference).
const LoadResult& Reference() {
  static const LoadResult* r = new LoadResult(LoadRules(ShippedPaths(), LoadOptions{.tests = false}));
  return *r;
}

TEST(CacheCodec, ProjectRoundTripsToIdenticalBytesAndDecisions) {
  // With the in-language tests: their cases (JSON) and expectations are part of the Project too.
  LoadResult r = LoadRules(ShippedPaths(), LoadOptions{.tests = true});
  ASSERT_TRUE(r.program);
  const check::Project& p1 = *r.program->project;
  ASSERT_GT(p1.tests.size(), 300u);
  std::vector<diag::Diagnostic> diags = {
      {diag::Code::LG1014, diag::Severity::Warning, Span{1, 2, 3, 4, 5}, {{"link", "a"}, {"target", "b"}}, "help",
       {{Span{1, 0, 1, 1, 1}, "note"}}}};
  std::string b1, b2;
  ASSERT_TRUE(cache::EncodeProject(p1, diags, b1));
  auto p2 = std::make_shared<check::Project>();
  std::vector<diag::Diagnostic> diags2;
  ASSERT_TRUE(cache::DecodeProject(b1, *p2, diags2));
  ASSERT_TRUE(cache::EncodeProject(*p2, diags2, b2));
  EXPECT_EQ(b1, b2);
  ASSERT_EQ(diags2.size(), 1u);
  EXPECT_EQ(diags2[0].code, diag::Code::LG1014);
  EXPECT_EQ(diags2[0].severity, diag::Severity::Warning);
  EXPECT_EQ(diags2[0].help, "help");
  ASSERT_EQ(diags2[0].notes.size(), 1u);
  EXPECT_EQ(diags2[0].notes[0].message, "note");

  auto prog2 = ir::Lower(p2);
  EXPECT_EQ(DecideAll(*r.program), DecideAll(*prog2));
  // Every in-language test's case, decided on both programs, renders the same bytes.
  eval::RenderOptions o;
  size_t decided = 0;
  for (size_t i = 0; i < p1.tests.size(); ++i) {
    const auto& t = p1.tests[i];
    ASSERT_EQ(t.case_value.dump(), p2->tests[i].case_value.dump());
    eval::CaseError e1, e2;
    auto k1 = eval::ReadCaseValue(*r.program, t.case_value, e1);
    auto k2 = eval::ReadCaseValue(*prog2, p2->tests[i].case_value, e2);
    ASSERT_EQ(k1.has_value(), k2.has_value()) << t.name;
    if (!k1) continue;
    auto d1 = eval::Evaluate(*r.program, *k1, eval::EvalOptions{t.as_of});
    auto d2 = eval::Evaluate(*prog2, *k2, eval::EvalOptions{p2->tests[i].as_of});
    ASSERT_EQ(eval::RenderJson(*r.program, d1, o), eval::RenderJson(*prog2, d2, o)) << t.name;
    ++decided;
  }
  EXPECT_GT(decided, 300u);
}

TEST(CacheCodec, RejectsEveryTruncationAndSurvivesFlippedBytes) {
  std::string bytes;
  ASSERT_TRUE(cache::EncodeProject(*Reference().program->project, {}, bytes));
  check::Project p;
  std::vector<diag::Diagnostic> d;
  for (size_t n = 0; n < bytes.size(); n += n < 64 ? 1 : 7919)
    EXPECT_FALSE(cache::DecodeProject(std::string_view(bytes).substr(0, n), p, d)) << n;
  EXPECT_FALSE(cache::DecodeProject(std::string_view(bytes).substr(0, bytes.size() - 1), p, d));
  EXPECT_FALSE(cache::DecodeProject(bytes + '\0', p, d));
  // A flipped byte may still decode (that is what the entry's checksum is for), but never reads out
  // of bounds or allocates without limit (run under ASan).
  std::mt19937 rng(12);
  for (int i = 0; i < 300; ++i) {
    std::string bad = bytes;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    cache::DecodeProject(bad, p, d);
  }
  std::string garbage(bytes.size(), '\0');
  for (auto& c : garbage) c = static_cast<char>(rng());
  EXPECT_FALSE(cache::DecodeProject(garbage, p, d));
  for (char c : {'\0', '\xff'}) EXPECT_FALSE(cache::DecodeProject(std::string(4096, c), p, d));
}

TEST(Cache, ColdThenWarmGivesTheSameDecisions) {
  TempDir dir;
  const std::string want = DecideAll(*Reference().program);
  LoadResult cold = LoadCached(dir.path());
  ASSERT_TRUE(cold.program);
  auto entries = Entries(dir.path());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(DecideAll(*cold.program), want);
  const std::string good = ReadFile(entries[0]);
  LoadResult warm = LoadCached(dir.path());
  ASSERT_TRUE(warm.program);
  EXPECT_EQ(DecideAll(*warm.program), want);
  EXPECT_EQ(warm.files, Reference().files);
  EXPECT_EQ(warm.diagnostics.all().size(), Reference().diagnostics.all().size());
  // The warm load really came from the entry: a load from a Project decoded from it is the same.
  cache::Hit hit;
  const std::string key = entries[0].stem().string();
  ASSERT_TRUE(cache::Lookup(dir.path(), key, hit));
  EXPECT_EQ(DecideAll(*ir::Lower(hit.project)), want);
}

TEST(Cache, BadEntriesAreIgnoredAndRewritten) {
  TempDir dir;
  ASSERT_TRUE(LoadCached(dir.path()).program);
  auto entries = Entries(dir.path());
  ASSERT_EQ(entries.size(), 1u);
  const fs::path entry = entries[0];
  const std::string good = ReadFile(entry);
  const std::string want = DecideAll(*Reference().program);
  std::mt19937 rng(7);
  std::string garbage(good.size(), '\0');
  for (auto& c : garbage) c = static_cast<char>(rng());
  auto flip = [&](size_t at) {
    std::string s = good;
    s[at] ^= 0x20;
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"truncated payload", good.substr(0, good.size() / 2)},
      {"one byte more", good + "x"},
      {"garbage", garbage},
      {"other magic", flip(0)},
      {"other version", flip(4)},
      {"other key", flip(8)},
      {"other checksum", flip(48)},
      {"flipped payload byte", flip(good.size() / 2)},
  };
  for (const auto& [what, bytes] : bad) {
    WriteFile(entry, bytes);
    LoadResult r = LoadCached(dir.path());
    ASSERT_TRUE(r.program) << what;
    EXPECT_EQ(DecideAll(*r.program), want) << what;
    EXPECT_EQ(ReadFile(entry), good) << what << ": the entry was not rewritten";
  }
  // Not a file at all.
  fs::remove(entry);
  fs::create_directory(entry);
  LoadResult r = LoadCached(dir.path());
  ASSERT_TRUE(r.program);
  EXPECT_EQ(DecideAll(*r.program), want);
}

TEST(Cache, OneChangedByteOfOneRuleFileMisses) {
  TempDir dir, rules;
  fs::copy(kRoot + "/jurisdictions", rules.path() + "/jurisdictions", fs::copy_options::recursive);
  fs::create_directories(rules.path() + "/rulesets");
  fs::copy(kRoot + "/rulesets", rules.path() + "/rulesets", fs::copy_options::recursive);
  const auto paths = ShippedPaths(rules.path());
  LoadResult first = LoadCached(dir.path(), paths);
  ASSERT_TRUE(first.program);
  ASSERT_EQ(Entries(dir.path()).size(), 1u);
  // One byte of one ruleset's version string: the decision names the version (and the file's hash).
  const fs::path file = rules.path() + "/rulesets/intl/foreign-filing/us.gate";
  std::string text = ReadFile(file);
  size_t at = text.find("version \"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 9, "X");
  text.erase(at + 10, 1);  // same length, first byte of the version replaced
  ASSERT_NE(text, ReadFile(file));
  WriteFile(file, text);
  LoadResult second = LoadCached(dir.path(), paths);
  ASSERT_TRUE(second.program);
  EXPECT_EQ(Entries(dir.path()).size(), 2u);
  LoadResult fresh = LoadRules(paths, LoadOptions{.tests = false});
  ASSERT_TRUE(fresh.program);
  EXPECT_EQ(DecideAll(*second.program), DecideAll(*fresh.program));
  EXPECT_NE(DecideAll(*second.program), DecideAll(*first.program));
}

TEST(Cache, UnwritableDirectoryMeansNoCache) {
  TempDir dir;
  const std::string want = DecideAll(*Reference().program);
  // A "directory" below a regular file can be neither created nor written.
  WriteFile(dir.path() + "/file", "x");
  LoadResult r = LoadCached(dir.path() + "/file/cache");
  ASSERT_TRUE(r.program);
  EXPECT_EQ(DecideAll(*r.program), want);
  // A read-only directory holding an entry is still read; one without is just not written (when the
  // tests run as root the permission is not enforced, and the entry is written: both are fine).
  const std::string ro = dir.path() + "/ro";
  ASSERT_TRUE(LoadCached(ro).program);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  LoadResult warm = LoadCached(ro);
  ASSERT_TRUE(warm.program);
  EXPECT_EQ(DecideAll(*warm.program), want);
  for (const auto& e : Entries(ro)) fs::permissions(ro, fs::perms::owner_all), fs::remove(e);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  LoadResult none = LoadCached(ro);
  ASSERT_TRUE(none.program);
  EXPECT_EQ(DecideAll(*none.program), want);
  if (geteuid() != 0) {
    EXPECT_TRUE(Entries(ro).empty());
  }
}

TEST(Cache, KeepsTheNewestEntries) {
  TempDir dir;
  for (size_t i = 0; i < cache::kMaxEntries + 3; ++i) {
    const std::string old = dir.path() + "/" + std::string(60, 'a') + std::to_string(1000 + i) + ".lgc";
    WriteFile(old, "old");
    fs::last_write_time(old, fs::file_time_type::clock::now() - std::chrono::hours(1 + i));
  }
  WriteFile(dir.path() + "/.0123456789abcdef.lgc.tmp-Ab12Cd", "x");
  fs::last_write_time(dir.path() + "/.0123456789abcdef.lgc.tmp-Ab12Cd", fs::file_time_type::clock::now() - std::chrono::hours(2));
  ASSERT_TRUE(LoadCached(dir.path()).program);
  EXPECT_EQ(Entries(dir.path()).size(), cache::kMaxEntries);
  EXPECT_FALSE(fs::exists(dir.path() + "/.0123456789abcdef.lgc.tmp-Ab12Cd"));
  // The entry just written is among those kept, and is read.
  LoadResult warm = LoadCached(dir.path());
  ASSERT_TRUE(warm.program);
}

TEST(Cache, DirectoryFromTheEnvironment) {
  auto with = [](std::vector<std::pair<const char*, const char*>> env) {
    for (const char* v : {"LEXGATE_NO_CACHE", "LEXGATE_CACHE_DIR", "XDG_CACHE_HOME", "HOME"}) unsetenv(v);
    for (auto [k, v] : env) setenv(k, v, 1);
    return cache::DefaultDir();
  };
  const char* keep[] = {"LEXGATE_NO_CACHE", "LEXGATE_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  for (const char* k : keep) saved.emplace_back(k, std::getenv(k) ? std::optional<std::string>(std::getenv(k)) : std::nullopt);
  EXPECT_EQ(with({{"HOME", "/h"}}), "/h/.cache/lexgate");
  EXPECT_EQ(with({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/x"}}), "/x/lexgate");
  EXPECT_EQ(with({{"HOME", "/h"}, {"XDG_CACHE_HOME", "relative"}}), "/h/.cache/lexgate");
  EXPECT_EQ(with({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/x"}, {"LEXGATE_CACHE_DIR", "/c"}}), "/c");
  EXPECT_EQ(with({{"LEXGATE_CACHE_DIR", "/c"}, {"LEXGATE_NO_CACHE", "1"}}), "");
  EXPECT_EQ(with({{"LEXGATE_CACHE_DIR", "/c"}, {"LEXGATE_NO_CACHE", "0"}}), "/c");
  EXPECT_EQ(with({}), "");
  for (auto& [k, v] : saved) {
    if (v) setenv(k.c_str(), v->c_str(), 1);
    else unsetenv(k.c_str());
  }
}

}  // namespace
}  // namespace lexgate

// The parser runtime is a shared library that can change under the same lexgate binary: the key names its
// version and the build id of the library that holds it.
TEST(Cache, KeyNamesTheParserRuntime) {
  const std::string& fp = lexgate::cache::ToolFingerprint();
  ASSERT_FALSE(fp.empty());
  const std::string tag = " antlr4 " + lexgate::syntax::ParserRuntimeVersion() + "/";
  const size_t at = fp.find(tag);
  ASSERT_NE(at, std::string::npos) << fp;
  EXPECT_FALSE(lexgate::syntax::ParserRuntimeVersion().empty());
  EXPECT_GE(fp.size() - (at + tag.size()), 16u) << "no build id of the runtime library: " << fp;
  // The runtime is Debian's shared library: the id in the key is that library's, not lexgate's own
  // (an anchor symbol's address can be the executable's, through a copy relocation).
  const std::string lib = lexgate::cache::LibraryBuildId("libantlr4-runtime");
  ASSERT_FALSE(lib.empty()) << "libantlr4-runtime is not loaded, or has no build id";
  EXPECT_EQ(fp.substr(at + tag.size(), lib.size()), lib) << fp;
  EXPECT_EQ(fp.find(" build " + lib), std::string::npos) << fp;
  EXPECT_TRUE(lexgate::cache::LibraryBuildId("libno-such-library-lexgate").empty());
}
