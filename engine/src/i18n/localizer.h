// Everything lexgate says to a person goes through here: the tool's own text from ICU resource bundles
// (engine/src/i18n/res/*.txt, compiled with genrb at build time; root holds English), formatted with
// ICU MessageFormat (plural, select, number and date arguments), country names from ICU's display
// names, and collation for sorting names. A Localizer is immutable after construction and can be shared
// by threads. The requested locale is canonicalised and maximised (zh_TW → zh_Hant_TW), so lookups fall
// back zh_Hant_TW → zh_Hant → root.
#pragma once
#include <unicode/fmtable.h>
#include <unicode/locid.h>
#include <unicode/resbund.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lexgate::i18n {

using Args = std::vector<std::pair<std::string, icu::Formattable>>;

class Localizer {
 public:
  explicit Localizer(const std::string& requested);

  // The maximised ICU locale id, e.g. zh_Hans_CN, de_Latn_DE.
  const std::string& id() const { return id_; }
  const icu::Locale& locale() const { return locale_; }
  // The chain of locales to try for data keyed by locale (rule messages, holiday names):
  // zh_Hant_TW, zh_Hant, zh, en.
  const std::vector<std::string>& chain() const { return chain_; }

  // The text at a path such as "verdict/permitted"; the path itself when no bundle has it.
  std::string Text(const std::string& path) const;
  // The text at `path` as an ICU MessageFormat pattern, formatted with named arguments.
  std::string Format(const std::string& path, const Args& args) const;
  // Formats an arbitrary pattern (e.g. a rule's message) in this locale.
  std::string FormatPattern(const std::string& pattern, const Args& args) const;
  // The country or region's name in this locale (德国 / Germany / Deutschland); the code if ICU has none.
  std::string CountryName(const std::string& code) const;
  // Does the bundle for this locale (not its fallbacks) have the key? For completeness tests.
  bool HasOwn(const std::string& path) const;

 private:
  std::string id_;
  icu::Locale locale_;
  std::vector<std::string> chain_;
  std::unique_ptr<icu::ResourceBundle> bundle_;
};

// A date (days since 1970-01-01) as an ICU Formattable date argument, at noon UTC so that no zone
// shifts it to another day.
icu::Formattable DateArg(int32_t days);
// The directory holding the compiled .res bundles.
std::string ResourceDir();
// Sorts strings with the locale's collation (pinyin for zh, German rules for de).
void SortCollated(std::vector<std::pair<std::string, std::string>>& by_name, const icu::Locale& locale);
// Simplified → Traditional Chinese (ICU's Hans-Hant transliterator).
std::string ToTraditional(const std::string& s);
// Terminal display width of UTF-8 text (East Asian wide characters count two).
size_t DisplayWidth(std::string_view s);

}  // namespace lexgate::i18n
