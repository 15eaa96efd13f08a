#include "diag/diagnostic.h"

#include <unicode/msgfmt.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

namespace lexgate::diag {

namespace {
struct Entry {
  const char* name;
  Severity sev;
  const char* pattern;
};
const Entry kTable[] = {
#define LG_DIAG(code, sev, msg) {#code, Severity::sev, msg},
#include "diag/diagnostics.def"
#undef LG_DIAG
};

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

// Byte offset in `line` of the 1-based code-point column `col`.
size_t ByteOfColumn(std::string_view line, uint32_t col) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(line.size());
  for (uint32_t c = 1; c < col && i < n; ++c) {
    UChar32 ch;
    U8_NEXT(reinterpret_cast<const uint8_t*>(line.data()), i, n, ch);
    (void)ch;
  }
  return static_cast<size_t>(i);
}
}  // namespace

const char* CodeName(Code c) { return kTable[static_cast<int>(c)].name; }
Severity DefaultSeverity(Code c) { return kTable[static_cast<int>(c)].sev; }
const char* Pattern(Code c) { return kTable[static_cast<int>(c)].pattern; }

std::string Diagnostic::Message() const {
  UErrorCode status = U_ZERO_ERROR;
  icu::MessageFormat fmt(icu::UnicodeString::fromUTF8(Pattern(code)), icu::Locale::getEnglish(), status);
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const auto& [k, v] : args) {
    names.push_back(icu::UnicodeString::fromUTF8(k));
    values.emplace_back(icu::UnicodeString::fromUTF8(v));
  }
  icu::UnicodeString out;
  if (U_SUCCESS(status))
    fmt.format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) return Pattern(code);
  std::string s;
  out.toUTF8String(s);
  return s;
}

std::string Diagnostic::Message(const i18n::Localizer& loc) const {
  std::string key = std::string("diag/") + CodeName(code);
  std::string pattern = loc.Text(key);
  if (pattern == key) return Message();
  i18n::Args a;
  for (const auto& [k, v] : args) a.emplace_back(k, icu::Formattable(icu::UnicodeString::fromUTF8(v)));
  return loc.FormatPattern(pattern, a);
}

Diagnostic& DiagnosticSink::Report(Code code, Span span, Args args) {
  diags_.push_back(Diagnostic{code, DefaultSeverity(code), span, std::move(args), {}, {}});
  return diags_.back();
}

bool DiagnosticSink::HasErrors() const { return ErrorCount() > 0; }

size_t DiagnosticSink::ErrorCount() const {
  return static_cast<size_t>(std::count_if(diags_.begin(), diags_.end(),
                                           [](const Diagnostic& d) { return d.severity == Severity::Error; }));
}

void DiagnosticSink::SortStable() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.span.file, a.span.line, a.span.col, a.severity, a.code) <
           std::tie(b.span.file, b.span.line, b.span.col, b.severity, b.code);
  });
  // The same code at the same place twice (e.g. one bad name reached two ways) says nothing new.
  diags_.erase(std::unique(diags_.begin(), diags_.end(),
                           [](const Diagnostic& a, const Diagnostic& b) {
                             return a.code == b.code && a.span.file == b.span.file && a.span.line == b.span.line &&
                                    a.span.col == b.span.col && a.Message() == b.Message();
                           }),
               diags_.end());
}

static void RenderSnippet(std::string& out, const SourceManager& sm, const Span& span, bool color) {
  if (!span.valid() || span.file == 0 || span.file >= sm.size()) return;
  const SourceFile& f = sm.Get(span.file);
  std::string line_text(f.Line(span.line));
  // Show invalid UTF-8 as U+FFFD rather than echo raw bytes to the terminal.
  {
    std::string clean;
    int32_t i = 0;
    const int32_t n = static_cast<int32_t>(line_text.size());
    while (i < n) {
      int32_t start = i;
      UChar32 c;
      U8_NEXT(reinterpret_cast<const uint8_t*>(line_text.data()), i, n, c);
      if (c < 0) clean += "\xEF\xBF\xBD";
      else if (c < 0x20 && c != '\t') clean += ' ';
      else clean.append(line_text, static_cast<size_t>(start), static_cast<size_t>(i - start));
    }
    line_text = clean;
  }
  std::string_view line = line_text;
  std::string num = std::to_string(span.line);
  std::string pad(num.size(), ' ');
  out.append(" ").append(num).append(" | ").append(line).append("\n");
  size_t start = ByteOfColumn(line, span.col);
  size_t len_bytes = span.end > span.begin ? span.end - span.begin : 1;
  size_t stop = std::min(line.size(), start + len_bytes);
  size_t lead = i18n::DisplayWidth(line.substr(0, std::min(start, line.size())));
  size_t width = stop > start ? i18n::DisplayWidth(line.substr(start, stop - start)) : 1;
  if (width == 0) width = 1;
  out.append(" ").append(pad).append(" | ").append(lead, ' ');
  if (color) out += "\x1b[1;32m";
  out.append("^").append(width - 1, '~');
  if (color) out += "\x1b[0m";
  out += "\n";
}

std::string RenderText(const std::vector<Diagnostic>& diags, const SourceManager& sm, bool color,
                       const i18n::Localizer* loc) {
  std::string out;
  for (const auto& d : diags) {
    std::string where;
    if (d.span.file != 0 && d.span.file < sm.size()) {
      where = sm.Get(d.span.file).path;
      if (d.span.valid()) where += ":" + std::to_string(d.span.line) + ":" + std::to_string(d.span.col);
      where += ": ";
    }
    const char* sev = SeverityName(d.severity);
    if (color) out += "\x1b[1m";
    out += where;
    if (color) out += d.severity == Severity::Error ? "\x1b[31m" : "\x1b[35m";
    out += std::string(sev) + "[" + CodeName(d.code) + "]";
    if (color) out += "\x1b[0m\x1b[1m";
    out += ": " + (loc ? d.Message(*loc) : d.Message());
    if (color) out += "\x1b[0m";
    out += "\n";
    RenderSnippet(out, sm, d.span, color);
    if (!d.help.empty()) out += "  help: " + d.help + "\n";
    for (const auto& n : d.notes) {
      std::string nwhere;
      if (n.span.file != 0 && n.span.file < sm.size())
        nwhere = sm.Get(n.span.file).path + ":" + std::to_string(n.span.line) + ":" + std::to_string(n.span.col) + ": ";
      out += nwhere + "note: " + n.message + "\n";
      RenderSnippet(out, sm, n.span, color);
    }
  }
  return out;
}

std::string RenderJson(const std::vector<Diagnostic>& diags, const SourceManager& sm, const i18n::Localizer* loc) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& d : diags) {
    nlohmann::ordered_json j;
    j["code"] = CodeName(d.code);
    j["severity"] = SeverityName(d.severity);
    j["file"] = (d.span.file != 0 && d.span.file < sm.size()) ? sm.Get(d.span.file).path : "";
    j["line"] = d.span.line;
    j["column"] = d.span.col;
    j["message"] = loc ? d.Message(*loc) : d.Message();
    if (!d.help.empty()) j["help"] = d.help;
    nlohmann::ordered_json notes = nlohmann::ordered_json::array();
    for (const auto& n : d.notes) {
      nlohmann::ordered_json nj;
      nj["file"] = (n.span.file != 0 && n.span.file < sm.size()) ? sm.Get(n.span.file).path : "";
      nj["line"] = n.span.line;
      nj["column"] = n.span.col;
      nj["message"] = n.message;
      notes.push_back(nj);
    }
    j["notes"] = notes;
    arr.push_back(j);
  }
  return arr.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

static size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Suggest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = EditDistance(name, c);
    if (d < best_d || (d == best_d && c < best)) { best_d = d; best = c; }
  }
  // Two-letter names (jurisdiction codes) are one edit from dozens of others: no guess is useful there.
  size_t limit = name.size() <= 2 ? 0 : std::max<size_t>(1, name.size() / 3);
  return best_d <= limit ? best : std::string();
}

}  // namespace lexgate::diag
