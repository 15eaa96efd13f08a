#include "i18n/localizer.h"

#include <unicode/coll.h>
#include <unicode/translit.h>
#include <unicode/msgfmt.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/ures.h>
#include <unicode/utf8.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_map>
#include <filesystem>

#ifndef LEXGATE_I18N_BUILD_DIR
#define LEXGATE_I18N_BUILD_DIR ""
#endif

namespace lexgate::i18n {

namespace fs = std::filesystem;

std::string ResourceDir() {
  if (const char* d = std::getenv("LEXGATE_I18N"); d && *d) return std::string(d) + "/";
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path cand : {exe.parent_path() / ".." / "share" / "lexgate" / "i18n", exe.parent_path() / ".." / "i18n"})
      if (fs::exists(cand / "root.res", ec)) return fs::weakly_canonical(cand, ec).string() + "/";
  }
  return LEXGATE_I18N_BUILD_DIR;
}

Localizer::Localizer(const std::string& requested) {
  std::string req = requested.empty() ? "en" : requested;
  auto dot = req.find('.');
  if (dot != std::string::npos) req.resize(dot);  // zh_CN.UTF-8
  auto at = req.find('@');
  if (at != std::string::npos) req.resize(at);
  locale_ = icu::Locale::createCanonical(req.c_str());
  if (locale_.isBogus() || !*locale_.getLanguage()) locale_ = icu::Locale("en");
  UErrorCode st = U_ZERO_ERROR;
  icu::Locale max = locale_;
  max.addLikelySubtags(st);
  if (U_SUCCESS(st)) locale_ = max;
  id_ = locale_.getName();
  // chain: full, then shorter, then en
  char buf[ULOC_FULLNAME_CAPACITY];
  std::string cur = id_;
  while (!cur.empty()) {
    chain_.push_back(cur);
    UErrorCode s2 = U_ZERO_ERROR;
    int32_t len = uloc_getParent(cur.c_str(), buf, sizeof buf, &s2);
    if (U_FAILURE(s2) || len <= 0) break;
    std::string parent(buf, static_cast<size_t>(len));
    if (parent == cur) break;
    cur = parent;
  }
  // zh_Hans_CN's chain must include zh_Hans and zh; uloc_getParent gives zh_Hans then zh.
  if (std::find(chain_.begin(), chain_.end(), "en") == chain_.end()) chain_.push_back("en");
  // Data written with the short forms (zh_Hans, de) is found through the chain; also try the
  // language with its region but no script (zh_CN) for data keyed that way.
  st = U_ZERO_ERROR;
  bundle_ = std::make_unique<icu::ResourceBundle>(ResourceDir().c_str(), locale_, st);
  // A locale we have no bundle for falls back to ICU's default locale (from LANG) before root: open
  // root instead, so that --locale fr gives English, not the machine's language.
  if (st == U_USING_DEFAULT_WARNING) {
    // The tool's text will be English: format dates and numbers as English too, so that one report is
    // in one language (rule messages still follow the requested chain).
    locale_ = icu::Locale("en");
    st = U_ZERO_ERROR;
    bundle_ = std::make_unique<icu::ResourceBundle>(ResourceDir().c_str(), icu::Locale::getRoot(), st);
  }
  if (U_FAILURE(st)) bundle_.reset();
}

std::string Localizer::Text(const std::string& path) const {
  if (!bundle_) return path;
  UErrorCode st = U_ZERO_ERROR;
  icu::ResourceBundle cur = *bundle_;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    cur = cur.getWithFallback(part.c_str(), st);
    if (U_FAILURE(st)) return path;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  icu::UnicodeString u = cur.getString(st);
  if (U_FAILURE(st)) return path;
  std::string out;
  u.toUTF8String(out);
  return out;
}

bool Localizer::HasOwn(const std::string& path) const {
  UErrorCode st = U_ZERO_ERROR;
  UResourceBundle* b = ures_openDirect(ResourceDir().c_str(), id_.c_str(), &st);
  if (U_FAILURE(st)) {
    // the exact id may not exist (zh_Hans_CN): try the chain's entries that have their own bundle
    for (const auto& l : chain_) {
      st = U_ZERO_ERROR;
      b = ures_openDirect(ResourceDir().c_str(), l.c_str(), &st);
      if (U_SUCCESS(st)) break;
    }
    if (U_FAILURE(st)) return false;
  }
  UResourceBundle* cur = b;
  size_t start = 0;
  bool ok = true;
  std::vector<UResourceBundle*> owned;
  while (true) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    UResourceBundle* next = ures_getByKey(cur, part.c_str(), nullptr, &st);
    if (U_FAILURE(st) || st == U_USING_FALLBACK_WARNING || st == U_USING_DEFAULT_WARNING) { ok = false; if (next) ures_close(next); break; }
    owned.push_back(next);
    cur = next;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (auto* o : owned) ures_close(o);
  ures_close(b);
  return ok;
}

std::string Localizer::FormatPattern(const std::string& pattern, const Args& args) const {
  // Compiling a MessageFormat costs far more than using one: keep the compiled patterns per thread
  // (ICU formatters are not shared across threads), keyed by locale and pattern, bounded in size.
  thread_local std::unordered_map<std::string, std::unique_ptr<icu::MessageFormat>> cache;
  std::string key = id_ + '\x1f' + pattern;
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() > 4096) cache.clear();
    UErrorCode cst = U_ZERO_ERROR;
    auto fmt = std::make_unique<icu::MessageFormat>(icu::UnicodeString::fromUTF8(pattern), locale_, cst);
    if (U_FAILURE(cst)) fmt.reset();
    it = cache.emplace(key, std::move(fmt)).first;
  }
  if (!it->second) return pattern;
  icu::MessageFormat& mf = *it->second;
  UErrorCode st = U_ZERO_ERROR;
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const auto& [k, v] : args) {
    names.push_back(icu::UnicodeString::fromUTF8(k));
    values.push_back(v);
  }
  icu::UnicodeString out;
  mf.format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, st);
  if (U_FAILURE(st)) return pattern;
  std::string s;
  out.toUTF8String(s);
  return s;
}

std::string Localizer::Format(const std::string& path, const Args& args) const {
  return FormatPattern(Text(path), args);
}

std::string Localizer::CountryName(const std::string& code) const {
  icu::Locale region("", code.c_str());
  icu::UnicodeString name;
  region.getDisplayCountry(locale_, name);
  std::string s;
  name.toUTF8String(s);
  return s.empty() || s == code ? code : s;
}

icu::Formattable DateArg(int32_t days) {
  return icu::Formattable(static_cast<UDate>(days) * 86400000.0 + 43200000.0, icu::Formattable::kIsDate);
}

void SortCollated(std::vector<std::pair<std::string, std::string>>& by_name, const icu::Locale& locale) {
  UErrorCode st = U_ZERO_ERROR;
  std::unique_ptr<icu::Collator> coll(icu::Collator::createInstance(locale, st));
  if (U_FAILURE(st) || !coll) {
    std::sort(by_name.begin(), by_name.end());
    return;
  }
  std::stable_sort(by_name.begin(), by_name.end(), [&](const auto& a, const auto& b) {
    UErrorCode s = U_ZERO_ERROR;
    auto r = coll->compareUTF8(a.first, b.first, s);
    if (r != UCOL_EQUAL) return r == UCOL_LESS;
    return a.second < b.second;
  });
}

std::string ToTraditional(const std::string& s) {
  UErrorCode st = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> t(icu::Transliterator::createInstance("Hans-Hant", UTRANS_FORWARD, st));
  if (U_FAILURE(st) || !t) return s;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(s);
  t->transliterate(u);
  std::string out;
  u.toUTF8String(out);
  return out;
}

size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c < 0) { ++w; continue; }
    if (u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY) == U_NON_SPACING_MARK) continue;
    int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    w += (ea == U_EA_WIDE || ea == U_EA_FULLWIDTH) ? 2 : 1;
  }
  return w;
}

}  // namespace lexgate::i18n
