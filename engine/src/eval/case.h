// A case as the evaluator sees it: a flat array of slot values laid out by the Program, plus the
// elements of its lists. ReadCase() validates a JSON case against the schema (unknown fields, wrong
// types, negative counts, impossible dates, numbers beyond 64 bits, duplicate keys, deep nesting,
// unknown codes) and reports the first problem with its JSON path; nothing is half-read.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/program.h"

namespace lexgate::eval {

struct Case {
  std::vector<ir::Val> slots;
  std::vector<ir::Val> items;         // list elements (records take `stride` consecutive values)
  std::vector<std::string> strings;   // strings not among the program's constants
  std::string id;
  std::optional<int32_t> date;
};

struct CaseError {
  std::string path;     // JSON path, e.g. $.exporter.jurisdiction
  std::string message;
};

// Parses JSON text (one object) and reads it. Returns the case or the error.
std::optional<Case> ReadCase(const ir::Program& prog, std::string_view json_text, CaseError& err);
// The same into `out`, reusing the capacity of its vectors (one Case per thread in batch): true and the
// case (exactly as ReadCase gives it), or false and the error, with `out` left unspecified.
bool ReadCaseInto(const ir::Program& prog, std::string_view json_text, Case& out, CaseError& err);
// The direct path ReadCaseInto tries first: true and the case (exactly as ReadCase gives it) when `text`
// is a plain line it reads in one pass; false, with `c` left unspecified, on anything else (an escape,
// `ext`, any problem), which the other paths then read or report. For the test comparing the paths.
bool ReadCaseDirect(const ir::Program& prog, std::string_view json_text, Case& c);
// The same with nlohmann's parser only: the path ReadCase falls back on when RapidJSON refuses the text or
// the two parsers could read it differently. For the test that checks both paths agree.
std::optional<Case> ReadCaseSlow(const ir::Program& prog, std::string_view json_text, CaseError& err);
// Reads an already parsed JSON value (test cases written in the language).
std::optional<Case> ReadCaseValue(const ir::Program& prog, const nlohmann::ordered_json& value, CaseError& err);

// The text of a slot value for messages and `satisfied_by`; "unknown" when not known.
std::string SlotText(const ir::Program& prog, const Case& c, const ir::SlotInfo& info, const ir::Val& v);

}  // namespace lexgate::eval
