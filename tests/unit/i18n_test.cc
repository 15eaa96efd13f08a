// Localisation: the resource bundles (engine/src/i18n/res) are complete in every shipped language, every
// diagnostic has a translation, every pattern is valid ICU MessageFormat with the same arguments as the
// English, plural and number formatting at the boundaries, locale fallback, country names, a localised
// diagnostic, and golden text decisions in four languages (tests/golden/i18n/*.json →
// NAME.LOCALE.expected, compared byte for byte; LEXGATE_UPDATE_GOLDEN=1 rewrites them).
#include <gtest/gtest.h>
#include <unicode/msgfmt.h>
#include <unicode/strenum.h>
#include <unicode/ures.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "diag/diagnostic.h"
#include "engine.h"
#include "eval/case.h"
#include "eval/evaluate.h"
#include "eval/render.h"
#include "i18n/localizer.h"
#include "test_files.h"

namespace fs = std::filesystem;

namespace lexgate {
namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;
const std::vector<std::string> kTranslated{"zh_Hans", "zh_Hant", "de"};

// Every code in diagnostics.def, in enum order (the enum is dense: one enumerator per LG_DIAG line).
const diag::Code kCodes[] = {
#define LG_DIAG(code, sev, msg) diag::Code::code,
#include "diag/diagnostics.def"
#undef LG_DIAG
};
constexpr size_t kCodeCount = sizeof kCodes / sizeof kCodes[0];

using lexgate::test::ReadFile;

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

bool Updating() {
  const char* v = std::getenv("LEXGATE_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

struct Leaf {
  std::string path;
  std::string text;
};

void CollectLeaves(UResourceBundle* res, const std::string& prefix, std::vector<Leaf>& out) {
  UErrorCode st = U_ZERO_ERROR;
  ures_resetIterator(res);
  while (ures_hasNext(res)) {
    st = U_ZERO_ERROR;
    UResourceBundle* kid = ures_getNextResource(res, nullptr, &st);
    ASSERT_TRUE(U_SUCCESS(st)) << u_errorName(st) << " under " << prefix;
    const char* key = ures_getKey(kid);
    std::string path = prefix.empty() ? std::string(key ? key : "") : prefix + "/" + (key ? key : "");
    switch (ures_getType(kid)) {
      case URES_TABLE:
      case URES_ARRAY: CollectLeaves(kid, path, out); break;
      case URES_STRING: {
        int32_t len = 0;
        st = U_ZERO_ERROR;
        const UChar* s = ures_getString(kid, &len, &st);
        std::string utf8;
        icu::UnicodeString(s, len).toUTF8String(utf8);
        out.push_back({path, utf8});
        break;
      }
      default: ADD_FAILURE() << path << " is not a string or a table";
    }
    ures_close(kid);
  }
}

// The leaf strings of one compiled bundle, read without fallback.
std::vector<Leaf> Leaves(const std::string& locale) {
  UErrorCode st = U_ZERO_ERROR;
  UResourceBundle* b = ures_openDirect(i18n::ResourceDir().c_str(), locale.c_str(), &st);
  std::vector<Leaf> out;
  EXPECT_TRUE(U_SUCCESS(st)) << "cannot open " << locale << ".res in " << i18n::ResourceDir() << ": " << u_errorName(st);
  if (U_FAILURE(st)) return out;
  CollectLeaves(b, "", out);
  ures_close(b);
  return out;
}

// The top-level argument names of a MessageFormat pattern; `ok` false when it does not compile.
std::set<std::string> ArgNames(const std::string& pattern, const icu::Locale& locale, bool& ok, std::string& error) {
  UErrorCode st = U_ZERO_ERROR;
  UParseError pe{};
  icu::MessageFormat mf(icu::UnicodeString::fromUTF8(pattern), locale, pe, st);
  std::set<std::string> names;
  ok = U_SUCCESS(st);
  if (!ok) {
    error = std::string(u_errorName(st)) + " at offset " + std::to_string(pe.offset);
    return names;
  }
  std::unique_ptr<icu::StringEnumeration> e(mf.getFormatNames(st));
  if (U_FAILURE(st) || !e) return names;
  while (const icu::UnicodeString* n = e->snext(st)) {
    std::string s;
    n->toUTF8String(s);
    names.insert(s);
  }
  return names;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return "{" + out + "}";
}

// --- completeness -----------------------------------------------------------------------------------

TEST(LocalizerBundles, RootHasTheExpectedShape) {
  auto root = Leaves("root");
  EXPECT_GE(root.size(), 40u);
  auto has = [&](const std::string& p) {
    return std::any_of(root.begin(), root.end(), [&](const Leaf& l) { return l.path == p; });
  };
  EXPECT_TRUE(has("verdict/permitted"));
  EXPECT_TRUE(has("unit/working_days"));
  EXPECT_TRUE(has("deadline/public_holiday"));
}

TEST(LocalizerBundles, EveryRootKeyIsTranslated) {
  auto root = Leaves("root");
  ASSERT_FALSE(root.empty());
  for (const auto& l : kTranslated) {
    i18n::Localizer loc(l);
    for (const auto& leaf : root) EXPECT_TRUE(loc.HasOwn(leaf.path)) << l << " has no own " << leaf.path;
  }
}

TEST(LocalizerBundles, EveryDiagnosticIsTranslated) {
  ASSERT_GT(kCodeCount, 50u);
  EXPECT_STREQ(diag::CodeName(kCodes[0]), "LG1001");
  for (size_t i = 0; i < kCodeCount; ++i) {
    // dense: the i-th LG_DIAG line is enumerator i
    EXPECT_EQ(static_cast<size_t>(kCodes[i]), i);
    const std::string code = diag::CodeName(static_cast<diag::Code>(i));
    for (const auto& l : kTranslated)
      EXPECT_TRUE(i18n::Localizer(l).HasOwn("diag/" + code)) << l << " has no diag/" << code;
  }
}

// The check itself must notice a missing key: a key nobody defines is not "own" anywhere, and a key
// only root defines is not "own" in a translation.
TEST(LocalizerBundles, HasOwnSeesMissingKeys) {
  for (const auto& l : kTranslated) {
    i18n::Localizer loc(l);
    EXPECT_FALSE(loc.HasOwn("verdict/no_such_key")) << l;
    EXPECT_FALSE(loc.HasOwn("no_such_table/x")) << l;
    EXPECT_FALSE(loc.HasOwn("diag/LG9999")) << l;
  }
  // en has an empty bundle: everything it shows comes from root, nothing is its own.
  EXPECT_FALSE(i18n::Localizer("en").HasOwn("verdict/permitted"));
}

TEST(LocalizerBundles, EveryPatternCompilesWithTheEnglishArguments) {
  std::vector<Leaf> root = Leaves("root");
  std::map<std::string, std::string> english;
  for (const auto& leaf : root) english[leaf.path] = leaf.text;
  for (size_t i = 0; i < kCodeCount; ++i)
    english[std::string("diag/") + diag::CodeName(kCodes[i])] = diag::Pattern(kCodes[i]);
  // English first: root and every pattern in diagnostics.def.
  for (const auto& [path, text] : english) {
    bool ok = false;
    std::string err;
    ArgNames(text, icu::Locale::getEnglish(), ok, err);
    EXPECT_TRUE(ok) << "root " << path << ": " << err << ": " << text;
  }
  for (const auto& l : kTranslated) {
    std::vector<Leaf> leaves = Leaves(l);
    EXPECT_GE(leaves.size(), english.size()) << l;
    for (const auto& leaf : leaves) {
      bool ok = false;
      std::string err;
      std::set<std::string> names = ArgNames(leaf.text, icu::Locale(l.c_str()), ok, err);
      EXPECT_TRUE(ok) << l << " " << leaf.path << ": " << err << ": " << leaf.text;
      auto it = english.find(leaf.path);
      if (it == english.end()) continue;  // e.g. a retired diagnostic's translation
      bool eok = false;
      std::set<std::string> want = ArgNames(it->second, icu::Locale::getEnglish(), eok, err);
      EXPECT_EQ(names, want) << l << " " << leaf.path << " uses " << Join(names) << ", English uses " << Join(want);
    }
  }
}

// --- plurals and numbers ----------------------------------------------------------------------------

std::string WorkingDays(const std::string& locale, int64_t n) {
  return i18n::Localizer(locale).Format("unit/working_days", {{"n", icu::Formattable(n)}});
}

TEST(LocalizerPlural, WorkingDaysEnglish) {
  EXPECT_EQ(WorkingDays("en", 0), "0 working days");
  EXPECT_EQ(WorkingDays("en", 1), "1 working day");
  EXPECT_EQ(WorkingDays("en", 2), "2 working days");
  EXPECT_EQ(WorkingDays("en", 1000000), "1,000,000 working days");
}

// German: one → singular; 0, 2 and 1,000,000 → plural. The bundle uses the dative plural ("innerhalb
// von 10 Arbeitstagen"); the thousands separator is a full stop.
TEST(LocalizerPlural, WorkingDaysGerman) {
  EXPECT_EQ(WorkingDays("de", 0), "0 Arbeitstagen");
  EXPECT_EQ(WorkingDays("de", 1), "1 Arbeitstag");
  EXPECT_EQ(WorkingDays("de", 2), "2 Arbeitstagen");
  EXPECT_EQ(WorkingDays("de", 1000000), "1.000.000 Arbeitstagen");
}

// Chinese has no plural forms; numbers are grouped by thousands with a comma, no space before the
// measure word.
TEST(LocalizerPlural, WorkingDaysChinese) {
  EXPECT_EQ(WorkingDays("zh_Hans", 0), "0个工作日");
  EXPECT_EQ(WorkingDays("zh_Hans", 1), "1个工作日");
  EXPECT_EQ(WorkingDays("zh_Hans", 2), "2个工作日");
  EXPECT_EQ(WorkingDays("zh_Hans", 1000000), "1,000,000个工作日");
  EXPECT_EQ(WorkingDays("zh_Hant", 0), "0個工作日");
  EXPECT_EQ(WorkingDays("zh_Hant", 1), "1個工作日");
  EXPECT_EQ(WorkingDays("zh_Hant", 2), "2個工作日");
  EXPECT_EQ(WorkingDays("zh_Hant", 1000000), "1,000,000個工作日");
}

// --- locale fallback --------------------------------------------------------------------------------

TEST(LocalizerFallback, RequestedLocalesFindTheirBundle) {
  EXPECT_EQ(i18n::Localizer("zh_TW").Text("verdict/permitted"), "允許");
  EXPECT_EQ(i18n::Localizer("zh_TW").Text("heading/missing"), "缺少的事實");
  EXPECT_EQ(i18n::Localizer("zh_CN").Text("verdict/permitted"), "允许");
  EXPECT_EQ(i18n::Localizer("zh").Text("verdict/permitted"), "允许");
  EXPECT_EQ(i18n::Localizer("zh_CN.UTF-8").Text("verdict/permitted"), "允许");
  EXPECT_EQ(i18n::Localizer("zh_Hant_HK").Text("verdict/permitted"), "允許");
  EXPECT_EQ(i18n::Localizer("de_AT").Text("verdict/permitted"), "zulässig");
  EXPECT_EQ(i18n::Localizer("de_DE").Text("verdict/permitted"), "zulässig");
  EXPECT_EQ(i18n::Localizer("fr").Text("verdict/permitted"), "permitted");
  EXPECT_EQ(i18n::Localizer("fr_FR").Text("heading/findings"), "findings");
  EXPECT_EQ(i18n::Localizer("en_US").Text("verdict/permitted"), "permitted");
  EXPECT_EQ(i18n::Localizer("").Text("verdict/permitted"), "permitted");
}

// A locale without a bundle falls back to root (English), whatever the process's default locale is.
// DISABLED: fails today. Localizer opens icu::ResourceBundle(dir, locale), and ICU falls back to the
// *default* locale (from LANG/LC_ALL) before root (U_USING_DEFAULT_WARNING), so with LANG=de_DE.UTF-8
// `--locale fr` shows German tool text next to English rule messages. Enable once the engine opens
// root instead of the default locale.
TEST(LocalizerFallback, UnknownLocaleIgnoresTheDefaultLocale) {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Locale saved = icu::Locale::getDefault();
  icu::Locale::setDefault(icu::Locale("de_DE"), st);
  std::string fr = i18n::Localizer("fr").Text("verdict/permitted");
  std::string fr_diag = i18n::Localizer("fr").Text("diag/LG2001");
  icu::Locale::setDefault(saved, st);
  EXPECT_EQ(fr, "permitted");
  EXPECT_EQ(fr_diag, "diag/LG2001");
}

TEST(LocalizerFallback, DiagnosticsFollowTheSameChain) {
  EXPECT_EQ(i18n::Localizer("zh_TW").Text("diag/LG2001"), "未知名稱「{name}」");
  EXPECT_EQ(i18n::Localizer("zh_CN").Text("diag/LG2001"), "未知名称“{name}”");
  EXPECT_EQ(i18n::Localizer("de_AT").Text("diag/LG2001"), "unbekannter Name „{name}“");
  // root has no diag table: the key itself comes back, and Diagnostic::Message falls back to the .def
  EXPECT_EQ(i18n::Localizer("fr").Text("diag/LG2001"), "diag/LG2001");
}

TEST(LocalizerFallback, Chain) {
  i18n::Localizer tw("zh_Hant_TW");
  const auto& c = tw.chain();
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.front(), "zh_Hant_TW");
  EXPECT_NE(std::find(c.begin(), c.end(), "zh_Hant"), c.end());
  EXPECT_EQ(c.back(), "en");
  EXPECT_EQ(i18n::Localizer("zh_TW").chain(), c);
  const std::vector<std::string> cn = i18n::Localizer("zh_CN").chain();
  EXPECT_NE(std::find(cn.begin(), cn.end(), "zh_Hans"), cn.end());
  EXPECT_EQ(cn.back(), "en");
  const std::vector<std::string> de = i18n::Localizer("de_AT").chain();
  EXPECT_NE(std::find(de.begin(), de.end(), "de"), de.end());
  EXPECT_EQ(de.back(), "en");
}

// --- country names ----------------------------------------------------------------------------------

TEST(LocalizerCountry, Germany) {
  EXPECT_EQ(i18n::Localizer("zh_Hans").CountryName("DE"), "德国");
  EXPECT_EQ(i18n::Localizer("zh_CN").CountryName("DE"), "德国");
  EXPECT_EQ(i18n::Localizer("zh_Hant").CountryName("DE"), "德國");
  EXPECT_EQ(i18n::Localizer("zh_TW").CountryName("DE"), "德國");
  EXPECT_EQ(i18n::Localizer("en").CountryName("DE"), "Germany");
  EXPECT_EQ(i18n::Localizer("de").CountryName("DE"), "Deutschland");
  EXPECT_EQ(i18n::Localizer("zh_CN").CountryName("CN"), "中国");
}

// --- localised diagnostics --------------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> ShippedSources() {
  std::vector<std::string> paths{kRoot + "/rulesets/schema.gate"};
  std::vector<std::string> jur;
  for (auto& e : fs::recursive_directory_iterator(kRoot + "/jurisdictions"))
    if (e.is_regular_file() && e.path().extension() == ".gate") jur.push_back(e.path().string());
  std::sort(jur.begin(), jur.end());
  paths.insert(paths.end(), jur.begin(), jur.end());
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& p : paths) out.push_back({p, ReadFile(p)});
  return out;
}

const char* kBrokenRule = R"(ruleset t.i18n {
  title en "i18n test ruleset"
  authority T.AUTH
  jurisdiction CN
  force law
  effective 2024-01-01
  applies to transfer
}

rule r1 {
  cite art 1
  when pia_dome
  then must pia
}
)";

TEST(LocalizedDiagnostics, UnknownNameInChinese) {
  auto sources = ShippedSources();
  sources.push_back({"broken.gate", kBrokenRule});
  LoadResult r = LoadSources(sources);
  r.diagnostics.SortStable();
  const auto& all = r.diagnostics.all();
  auto it = std::find_if(all.begin(), all.end(), [](const diag::Diagnostic& d) { return d.code == diag::Code::LG2001; });
  ASSERT_NE(it, all.end()) << diag::RenderText(all, *r.sources, false);
  EXPECT_EQ(it->Message(), "unknown name 'pia_dome'");
  EXPECT_EQ(it->Message(i18n::Localizer("zh_CN")), "未知名称“pia_dome”");
  EXPECT_EQ(it->Message(i18n::Localizer("zh_TW")), "未知名稱「pia_dome」");
  EXPECT_EQ(it->Message(i18n::Localizer("de")), "unbekannter Name „pia_dome“");
  EXPECT_EQ(it->Message(i18n::Localizer("fr")), "unknown name 'pia_dome'");
  i18n::Localizer zh("zh_CN");
  std::string text = diag::RenderText(all, *r.sources, false, &zh);
  EXPECT_NE(text.find("broken.gate:12:8: error[LG2001]: 未知名称“pia_dome”\n"), std::string::npos) << text;
}

// Every diagnostic the golden suite produces renders in each language without falling back to English
// and with every argument filled in.
TEST(LocalizedDiagnostics, GoldenDiagnosticsAreTranslated) {
  const fs::path dir = fs::path(kRoot) / "tests" / "golden" / "diagnostics";
  std::vector<fs::path> gates;
  for (auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".gate") gates.push_back(e.path());
  std::sort(gates.begin(), gates.end());
  ASSERT_FALSE(gates.empty());
  const auto shipped = ShippedSources();
  std::set<std::string> seen;
  for (const auto& g : gates) {
    auto sources = shipped;
    sources.push_back({g.filename().string(), ReadFile(g)});
    LoadResult r = LoadSources(sources);
    for (const auto& d : r.diagnostics.all()) {
      seen.insert(diag::CodeName(d.code));
      for (const auto& l : kTranslated) {
        std::string m = d.Message(i18n::Localizer(l));
        EXPECT_NE(m, d.Message()) << g.filename() << " " << diag::CodeName(d.code) << " in " << l;
        for (const auto& [k, v] : d.args)
          EXPECT_EQ(m.find("{" + k + "}"), std::string::npos) << g.filename() << " " << l << ": " << m;
      }
    }
  }
  EXPECT_GE(seen.size(), 40u);
}

// --- golden decisions in four languages -------------------------------------------------------------

const fs::path kGoldenDir = fs::path(kRoot) / "tests" / "golden" / "i18n";
const std::vector<std::string> kDecisionLocales{"en", "zh_Hans", "zh_Hant", "de"};

class LocalizedDecisions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    loaded_ = new LoadResult(LoadRules({kRoot + "/jurisdictions", kRoot + "/rulesets/schema.gate", kRoot + "/rulesets"}));
  }
  static void TearDownTestSuite() {
    delete loaded_;
    loaded_ = nullptr;
  }
  static LoadResult* loaded_;
};
LoadResult* LocalizedDecisions::loaded_ = nullptr;

TEST_F(LocalizedDecisions, MatchGolden) {
  ASSERT_TRUE(loaded_->program) << loaded_->error << diag::RenderText(loaded_->diagnostics.all(), *loaded_->sources, false);
  std::vector<fs::path> cases;
  for (auto& e : fs::directory_iterator(kGoldenDir))
    if (e.is_regular_file() && e.path().extension() == ".json") cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());
  ASSERT_FALSE(cases.empty()) << "no cases in " << kGoldenDir;
  for (const auto& c : cases) {
    eval::CaseError err;
    auto kase = eval::ReadCase(*loaded_->program, ReadFile(c), err);
    ASSERT_TRUE(kase.has_value()) << c << ": " << err.path << ": " << err.message;
    eval::Decision d = eval::Evaluate(*loaded_->program, *kase, eval::EvalOptions{});
    for (const auto& l : kDecisionLocales) {
      eval::RenderOptions o;
      o.locale = l;
      std::string got = eval::RenderText(*loaded_->program, d, o);
      fs::path expected = kGoldenDir / (c.stem().string() + "." + l + ".expected");
      if (Updating()) {
        WriteFile(expected, got);
        continue;
      }
      ASSERT_TRUE(fs::exists(expected)) << "missing " << expected << " (run with LEXGATE_UPDATE_GOLDEN=1)";
      EXPECT_EQ(got, ReadFile(expected)) << expected.filename();
    }
  }
  if (Updating()) GTEST_SKIP() << "rewrote the expected files in " << kGoldenDir;
}

// The four renderings differ (nothing silently falls back to English wholesale).
TEST_F(LocalizedDecisions, LanguagesDiffer) {
  ASSERT_TRUE(loaded_->program);
  eval::CaseError err;
  auto kase = eval::ReadCase(*loaded_->program, ReadFile(kRoot + "/examples/cn-transfer-120k-scc.json"), err);
  ASSERT_TRUE(kase.has_value()) << err.message;
  eval::Decision d = eval::Evaluate(*loaded_->program, *kase, eval::EvalOptions{});
  std::set<std::string> texts;
  for (const auto& l : kDecisionLocales) texts.insert(eval::RenderText(*loaded_->program, d, eval::RenderOptions{l, false}));
  EXPECT_EQ(texts.size(), kDecisionLocales.size());
}

}  // namespace
}  // namespace lexgate
