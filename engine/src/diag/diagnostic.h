// Diagnostics: problems in the user's rules (or a test's case), as structured values. Every stage writes
// into one DiagnosticSink; nothing throws. A diagnostic has a stable code from diagnostics.def, a
// severity, a primary span, named string arguments for its ICU message pattern, an optional help line
// (e.g. a did-you-mean) and optional notes with their own spans. Rendering (text with the source line
// and a caret, or JSON) is separate from collection; output is sorted by file, line, column, code.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "base/source.h"
#include "i18n/localizer.h"

namespace lexgate::diag {

enum class Code {
#define LG_DIAG(code, sev, msg) code,
#include "diag/diagnostics.def"
#undef LG_DIAG
};

enum class Severity { Error, Warning, Note };

const char* CodeName(Code c);
Severity DefaultSeverity(Code c);
const char* Pattern(Code c);

using Args = std::vector<std::pair<std::string, std::string>>;

struct Note {
  Span span;
  std::string message;
};

struct Diagnostic {
  Code code;
  Severity severity;
  Span span;
  Args args;
  std::string help;  // already-rendered help line, may be empty
  std::vector<Note> notes;
  std::string Message() const;  // the English pattern with args filled in
  // The message in the localizer's language (bundle key diag/<code>), English where it has none.
  std::string Message(const i18n::Localizer& loc) const;
};

class DiagnosticSink {
 public:
  Diagnostic& Report(Code code, Span span, Args args = {});
  const std::vector<Diagnostic>& all() const { return diags_; }
  bool HasErrors() const;
  size_t ErrorCount() const;
  void SortStable();

 private:
  std::vector<Diagnostic> diags_;
};

// Renders "path:line:col: error[LG2001]: message" + source line + caret + help/notes.
std::string RenderText(const std::vector<Diagnostic>& diags, const SourceManager& sm, bool color,
                       const i18n::Localizer* loc = nullptr);
// Renders a JSON array of {code, severity, file, line, column, end_line?, message, help?, notes}.
std::string RenderJson(const std::vector<Diagnostic>& diags, const SourceManager& sm,
                       const i18n::Localizer* loc = nullptr);

// The candidate closest to `name` by edit distance, if close enough to be a useful suggestion.
std::string Suggest(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace lexgate::diag
