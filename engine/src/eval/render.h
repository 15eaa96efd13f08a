// Decision → JSON (stable key order, machine fields plus the localised message) and → text (a readable
// report for terminals). Both are deterministic: same decision, same bytes.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "eval/evaluate.h"

namespace lexgate::eval {

struct RenderOptions {
  std::string locale = "en";
  bool color = false;
  bool compact = false;  // JSON on one line (batch output, JSONL)
  // Where each history.* figure came from ("case" or "ledger"), set by --state; rendered when not empty.
  std::map<std::string, std::string> history_source = {};
};

std::string RenderJson(const ir::Program& prog, const Decision& d, const RenderOptions& o);
// The same text appended to `out` (batch: one buffer per chunk, no string per decision).
void RenderJsonInto(const ir::Program& prog, const Decision& d, const RenderOptions& o, std::string& out);
std::string RenderText(const ir::Program& prog, const Decision& d, const RenderOptions& o);
// The rule's message in the best locale: requested → its parents → en → the rule id.
std::string RuleMessage(const check::Rule& rule, const std::string& locale);
// A rule's citation as the decision JSON gives it, and as text in the locale ("… art 8 para 2").
nlohmann::ordered_json CitationJson(const check::Rule& rule);
std::string CitationText(const check::Rule& rule, const std::string& locale);

// The lean batch record (`lexgate batch --format compact`, render_compact.cc), appended to `out` with
// its '\n': {"case","verdict","as_of","actions":[outstanding actions, as Decide gives them],
// "findings":[{"rule","modality","applies","status" (must only),"due":[dates] (when any),
// "governed_by" (when any),"cite"}],"missing":[facts]}. No localised text, no per-ruleset list.
void RenderCompact(const ir::Program& prog, const Decision& d, std::string& out);
// The action ids still to be done, as Decide() computes them, from a full decision.
std::vector<int> OutstandingActions(const ir::Program& prog, const Decision& d);
void OutstandingActions(const ir::Program& prog, const Decision& d, std::vector<int>& actions);
// Appends `s` as a JSON string, quotes included, escaped exactly as RapidJSON's Writer escapes it
// (\" \\ \b \f \n \r \t, other control characters as \u00XX; UTF-8 passes through).
void AppendJsonString(std::string& out, std::string_view s);
// A citation in short, locale-independent form: "<instrument> art 8 para 2 item 4".
std::string CitationShort(const check::Rule& rule);

}  // namespace lexgate::eval
