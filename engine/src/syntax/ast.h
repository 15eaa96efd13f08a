// The abstract syntax tree of .gate files: what the parser produces and the checker consumes. It keeps
// every construct's source span and nothing of ANTLR. Names are unresolved strings here; resolving
// them against the schema, jurisdictions and rules is the checker's job. Immutable after parsing.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/source.h"

namespace lexgate::ast {

struct Name {
  std::string text;
  Span span;
};

struct LocalisedText {
  std::string locale;
  std::string text;
  Span span;
};

enum class ExprKind {
  Or, And, Not,
  Cmp,       // op in `op`: == != < <= > >=
  In, NotIn,
  Add, Sub, Neg,
  Some,      // name = bound variable, kids[0] = list path, kids[1] = body
  Call,      // name = function, kids = args
  Since,     // window argument `since NAME` (name)
  Last,      // window argument `last N unit` (ival, unit)
  Set,       // kids = elements
  Int, Decimal, String, Date, Bool, Jurisdiction, Duration,
  Path,      // path = segments
};

struct Expr {
  ExprKind kind;
  Span span;
  std::string op;                  // Cmp operator
  std::string name;                // Some variable, Call function, Since window
  std::vector<Name> path;          // Path segments
  std::string text;                // String/Jurisdiction literal text, Duration unit, Last unit
  int64_t ival = 0;                // Int/Bool/Date(days)/Duration/Last count; Decimal in millionths
  bool percent = false;
  std::vector<std::unique_ptr<Expr>> kids;
};
using ExprPtr = std::unique_ptr<Expr>;

struct RulesetDecl {
  Span span;
  Name id;
  std::vector<LocalisedText> title;
  std::optional<Name> authority;
  std::optional<Name> jurisdiction;
  std::optional<Name> force;
  std::optional<Name> calendar;
  std::optional<int32_t> effective;  // days
  Span effective_span;
  std::optional<int32_t> expires;
  Span expires_span;
  bool binding = true;
  std::string source, version;
  std::optional<Name> applies_kind;
  ExprPtr applies_where;
};

struct CitePart {
  std::string kind;  // art | para | item
  std::string number;
};

struct Citation {
  Span span;
  std::string instrument;  // empty: the ruleset's title
  std::vector<CitePart> parts;
};

struct Duration {
  int64_t n = 0;
  std::string unit;  // working_days | days | months | years
  Span span;
};

struct Timing {
  enum Kind { Before, BeforeMinus, Within } kind;
  std::vector<Name> anchor;
  Duration duration;
  bool unadjusted = false;  // the period's last day is not moved off a non-working day
  Span span;
};

enum class Modality { Must, MustNot, Should, May, Exempt };
enum class ActionMode { Single, OneOf, AllOf };

struct Consequence {
  Span span;
  Modality modality = Modality::Must;
  ActionMode mode = ActionMode::Single;
  std::vector<Name> actions;
  std::vector<Timing> timings;
};

struct RuleRef {
  std::string ruleset;  // empty: same ruleset
  Name rule;
  Span span;
};

struct RuleDecl {
  Span span;
  Name name;
  std::vector<RuleRef> exception_to;
  std::optional<Citation> cite;
  ExprPtr when;
  std::optional<Consequence> then;
  ExprPtr satisfied;
  std::vector<LocalisedText> says;
  std::vector<std::pair<Name, ExprPtr>> message_args;  // `with name = expr, …`
  int ruleset = -1;  // index of the file's ruleset decl, -1 if none precedes the rule
};

struct Expectation {
  enum Kind { Verdict, Requires, NotRequires, Fires, NotFires, Exempted, Missing, Due } kind;
  Span span;
  std::string word;   // verdict, action
  RuleRef rule;
  std::vector<Name> path;
  int32_t date = 0;
};

struct TestDecl {
  Span span;
  std::string name;
  std::optional<int32_t> as_of;
  std::optional<nlohmann::ordered_json> case_value;
  Span case_span;
  std::vector<Expectation> expects;
};

struct TypeRef {
  bool list = false;
  Name name;
};

struct FieldDecl {
  Name name;
  TypeRef type;
};

struct RecordDecl {  // `schema { … }` is the record named "" (the case root)
  Span span;
  Name name;
  bool is_schema = false;
  std::vector<FieldDecl> fields;
};

struct EnumDecl {
  Span span;
  Name name;
  std::vector<Name> values;
};

struct NamesDecl {  // `action a, b` / `event x = date, y`
  Span span;
  std::vector<Name> names;
  std::vector<std::vector<Name>> bindings;  // events: the date field each is bound to (may be empty)
};

struct JurisdictionDecl {
  Span span;
  Name code;
  std::optional<Name> parent;
  std::vector<LocalisedText> names;
};

struct GroupMember {
  Name ref;
  std::optional<int32_t> from, until;
  std::string note;
};

struct GroupDecl {
  Span span;
  Name name;
  std::vector<LocalisedText> names;
  std::vector<GroupMember> members;
};

struct CalendarDay {
  std::vector<LocalisedText> names;
  int32_t from = 0, to = 0;  // inclusive; for workdays from == to
  Span span;
};

struct CalendarYear {
  Span span;
  int year = 0;
  std::string notice;
  std::vector<CalendarDay> holidays, workdays;
};

struct CalendarDecl {
  Span span;
  Name name;
  std::vector<LocalisedText> names;
  std::vector<Name> weekend;
  std::optional<Name> zone;  // IANA time zone that decides the civil date of a timestamp
  std::vector<CalendarYear> years;
};

// One parsed file. Declarations keep file order within each kind.
struct File {
  uint32_t source = 0;
  std::vector<RulesetDecl> rulesets;
  std::vector<RuleDecl> rules;
  std::vector<TestDecl> tests;
  std::vector<RecordDecl> records;
  std::vector<EnumDecl> enums;
  std::vector<NamesDecl> actions, events;
  std::vector<JurisdictionDecl> jurisdictions;
  std::vector<GroupDecl> groups;
  std::vector<CalendarDecl> calendars;
};

// A deterministic, human-readable dump of an expression (for tests and --dump=ast).
std::string Dump(const Expr& e);

}  // namespace lexgate::ast

namespace lexgate::ast {

// A deterministic dump of a whole file that leaves out every span (so that a reformatted file dumps the
// same): the formatter's round-trip test compares these.
std::string DumpFile(const File& f);

// Every span of a file's AST, in a fixed walk order (with DumpFile, for tests that two parses agree exactly).
std::string DumpFileSpans(const File& f);

}  // namespace lexgate::ast
