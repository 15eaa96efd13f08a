// What an editor asks about a set of .gate files (the Language Server's engine side, see cli/cmd_lsp.cc):
// the diagnostics of the real pipeline (parse → check → lower, as `lexgate check` loads rules), and an
// index of every declared name and every place a name refers to a declaration — rules (in `exception to`
// and in tests' `expect fires|exempted`), rulesets, groups, jurisdictions, records and their fields (in
// paths, `some` variables included), enums, actions, events and calendars. The index is built from the
// ASTs, so it works on files that still have errors. Positions are LSP positions: 0-based lines and
// UTF-16 code units (Span columns count code points; LSP counts UTF-16 units, so 𠀀 is 2).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/source.h"
#include "diag/diagnostic.h"
#include "i18n/localizer.h"
#include "syntax/ast.h"

namespace lexgate::lsp {

struct Position {
  uint32_t line = 0;       // 0-based
  uint32_t character = 0;  // UTF-16 code units from the start of the line
};

// Byte offset ↔ LSP position in UTF-8 text. Out-of-range input is clamped (end of line / end of text).
Position ToPosition(std::string_view text, uint32_t byte);
uint32_t ToByte(std::string_view text, Position pos);

enum class SymbolKind { Ruleset, Rule, Record, Field, Enum, Action, Event, Jurisdiction, Group, Calendar };

struct Symbol {
  SymbolKind kind;
  std::string key;  // rule: "ruleset/name"; field: "record.field" (the case root is record ""); else the name
  Span name;        // the declared name: where go-to-definition lands
  const void* decl = nullptr;  // the AST declaration (type depends on kind; Field: ast::FieldDecl)
  const ast::File* file = nullptr;
  std::string record;  // Field: the record that declares it; Rule: the ruleset id
};

struct Occurrence {
  Span span;   // where the name is written
  int symbol;  // index into Workspace::symbols()
};

class Workspace {
 public:
  // Parses and checks the sources (path, text) together, as one project; never throws.
  static std::unique_ptr<Workspace> Analyze(const std::vector<std::pair<std::string, std::string>>& sources);
  ~Workspace();

  const SourceManager& sources() const { return *sources_; }
  const std::vector<diag::Diagnostic>& diagnostics() const { return diagnostics_; }
  // The source id of a path as given to Analyze, 0 if none.
  uint32_t FileId(const std::string& path) const;
  const std::vector<Symbol>& symbols() const { return symbols_; }
  // The innermost name (a declaration or a reference) at a byte offset of a file.
  const Occurrence* At(uint32_t file, uint32_t byte) const;
  // Markdown describing a symbol: a rule's modality, action, citation, ruleset and whether it binds;
  // a field's type and its comment in the schema; a group's names and members; a jurisdiction's name.
  std::string Hover(const Symbol& s, const i18n::Localizer& loc) const;

 private:
  Workspace();
  struct Builder;
  std::shared_ptr<SourceManager> sources_;
  std::vector<diag::Diagnostic> diagnostics_;
  std::vector<std::unique_ptr<ast::File>> asts_;
  std::vector<Symbol> symbols_;
  std::vector<std::vector<Occurrence>> occurrences_;  // per source id
};

}  // namespace lexgate::lsp
