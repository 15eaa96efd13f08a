// The checked project: the output of check::Check and the input of ir::Lower. Every name is resolved
// (fields to field chains, enum values to indexes, jurisdictions and groups to ids, rules to indexes),
// every expression is typed, and every invariant the evaluator relies on holds (no exception cycles,
// no type errors). Immutable once built.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/source.h"
#include "syntax/ast.h"

namespace lexgate::check {

enum class TypeKind : uint8_t { Error, Bool, Int, Count, Decimal, String, Date, Duration, Jurisdiction, Enum, Record, Group, Set, Timestamp };

struct Type {
  TypeKind kind = TypeKind::Error;
  int32_t id = -1;  // enum or record id
  bool list = false;
  bool operator==(const Type&) const = default;
  bool IsNumber() const { return !list && (kind == TypeKind::Int || kind == TypeKind::Count || kind == TypeKind::Decimal); }
  bool IsScalar() const { return !list && kind != TypeKind::Record && kind != TypeKind::Error && kind != TypeKind::Set; }
};

struct Field {
  std::string name;
  Type type;
  Span span;
};

struct Record {
  std::string name;
  std::vector<Field> fields;
  int FieldIndex(const std::string& n) const;
};

struct Enum {
  std::string name;
  std::vector<std::string> values;
  int ValueIndex(const std::string& v) const;
};

struct Jurisdiction {
  std::string code;
  int32_t parent = -1;
  int depth = 0;
  std::map<std::string, std::string> names;  // locale → name (subdivisions; countries come from ICU)
};

struct GroupMember {
  int32_t jurisdiction;
  int32_t from = INT32_MIN, until = INT32_MAX;  // valid from ≤ d ≤ until
  std::string note;
};

struct Group {
  std::string name;
  std::map<std::string, std::string> names;
  std::vector<GroupMember> members;  // flattened: member groups expanded
};

struct HolidayName {
  std::map<std::string, std::string> names;
};

struct Calendar {
  std::string name;
  std::map<std::string, std::string> names;
  uint8_t weekend_mask = 0;                 // bit 0 = Monday … bit 6 = Sunday
  std::string zone;                         // IANA zone for timestamps (empty: UTC)
  std::map<int, std::string> years;         // year → notice that published it
  std::map<int32_t, HolidayName> holidays;  // day → name
  std::map<int32_t, HolidayName> workdays;  // adjusted working days → name
};

enum class Op : uint8_t {
  Const,       // ival (type says how to read it); str for strings
  Field,       // var (-1 = case root, else `some` depth), chain = field indexes
  Not, And, Or,
  Cmp,         // cmp: 0 == 1 != 2 < 3 <= 4 > 5 >=
  InJuris,     // kids[0] jurisdiction; ival = jurisdiction id (containment)
  InGroup,     // kids[0] jurisdiction; ival = group id (as of the evaluation date)
  InSet,       // kids[0] scalar; set = constants
  InList,      // kids[0] scalar; kids[1] list field
  Add, Sub, Neg,
  Some,        // var = depth of the bound variable; kids[0] list field; kids[1] body
  Known,       // kids[0]
};

struct TExpr {
  Op op = Op::Const;
  Type type;
  Span span;
  int cmp = 0;
  int64_t ival = 0;
  std::string str;
  int var = -1;
  std::vector<int> chain;
  std::vector<int64_t> set;
  std::vector<std::unique_ptr<TExpr>> kids;
};
using TExprPtr = std::unique_ptr<TExpr>;

enum class Modality : uint8_t { Must, MustNot, Should, May, Exempt };
// The modality as the language writes it: must, must_not, should, may, exempt.
const char* ModalityName(Modality m);
enum class ActionMode : uint8_t { Single, OneOf, AllOf };

struct Timing {
  ast::Timing::Kind kind;
  int event = -1;            // anchor event id, or
  TExprPtr anchor;           // a date-valued field of the case (var -1), or of the list element that a
                             // top-level `some` of the rule's `when` matched (var 0; see anchor_list)
  TExprPtr anchor_list;      // that `some`'s list field
  std::string anchor_text;   // as written, for output
  int64_t n = 0;
  std::string unit;          // working_days | days | months | years
  bool roll = true;          // a calendar-day period ending on a non-working day moves to the next working day
};

struct Citation {
  std::string instrument;
  std::string article, paragraph, item;
};

struct Rule {
  int ruleset = -1;
  std::string name;
  std::string id;  // ruleset/name
  Span span;
  Citation cite;
  bool has_cite = false;
  TExprPtr when;  // null = always (within the ruleset's applicability)
  Modality modality = Modality::Must;
  ActionMode mode = ActionMode::Single;
  std::vector<int> actions;
  std::vector<Timing> timings;
  TExprPtr satisfied;
  std::map<std::string, std::string> messages;  // locale → ICU MessageFormat pattern
  std::vector<std::pair<std::string, TExprPtr>> message_args;  // named arguments for the messages
  std::vector<int> exception_to;  // rules this one overrides
  std::vector<int> exceptions;    // rules that override this one
  Span name_span;                 // the rule's name, where lint findings point
};

struct Ruleset {
  std::string id;
  std::map<std::string, std::string> title;
  std::string authority;
  int32_t jurisdiction = -1;
  int32_t group = -1;       // a ruleset imposed by a group of states (the EU) names the group instead
  std::string force;
  int force_rank = 0;
  int32_t effective = INT32_MIN;
  int32_t expires = INT32_MAX;
  bool has_expiry = false;
  bool binding = true;
  std::string source, version;
  std::string sha256;  // of the file that declares the ruleset, for the decision's audit trail
  int calendar = -1;
  int applies_kind = -1;  // value of the `kind` enum
  TExprPtr applies_where;
  std::vector<int> rules;
  uint32_t file = 0;
  Span span;
  Span expires_span;  // the `expires` date, where lint points when the ruleset is past it
};

struct Expectation {
  ast::Expectation::Kind kind;
  Span span;
  int verdict = 0;  // 0 permitted 1 conditional 2 prohibited 3 indeterminate
  int action = -1;
  int rule = -1;
  std::string path;
  int32_t date = 0;
};

struct Test {
  std::string name;
  Span span;
  Span case_span;
  std::optional<int32_t> as_of;
  nlohmann::ordered_json case_value;
  std::vector<Expectation> expects;
};

struct Project {
  std::vector<Enum> enums;
  std::vector<Record> records;
  int root = -1;  // record id of the case root
  std::vector<std::string> actions, events;
  std::vector<std::vector<int>> event_dates;  // per event: chain of the case's date field it is bound to
  std::vector<Jurisdiction> jurisdictions;
  std::vector<Group> groups;
  std::vector<Calendar> calendars;
  std::vector<Ruleset> rulesets;  // sorted by id
  std::vector<Rule> rules;        // grouped by ruleset, in source order within one
  std::vector<Test> tests;
  std::map<std::string, int> jurisdiction_index, group_index, calendar_index;

  int FindJurisdiction(const std::string& code) const;
  int FindGroup(const std::string& name) const;
  bool Contains(int32_t outer, int32_t inner) const;  // inner is outer or inside it
  std::string TypeName(const Type& t) const;
  std::string PathText(int var_root_record, const std::vector<int>& chain) const;
};

}  // namespace lexgate::check
