// lexgate public C++ API — the engine. An Engine is a compiled set of rules: loaded once (parse → check
// → lower), immutable afterwards, and cheap to copy (copies share the compiled rules). Evaluate() is
// const and thread-safe: any number of threads may evaluate cases on one Engine at once, without locks.
//
// Which files to load is the caller's choice. The CLI loads, in this order,
//   <root>/jurisdictions, <root>/rulesets/schema.gate, then --rules DIRs (default <root>/rulesets)
// where <root> is the shipped data (`<prefix>/share/lexgate` after `cmake --install`). LoadInstalled()
// does exactly that; pass the same list to LoadDirectories() to choose another order. The library never
// guesses where the shipped rules live from the calling program's path.
//
// Localised messages come from ICU resource bundles: $LEXGATE_I18N if set, else the build tree the
// library was built in, else (for an installed library) set LEXGATE_I18N=<prefix>/share/lexgate/i18n.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lexgate/decision.hpp"
#include "lexgate/result.hpp"

namespace lexgate {

struct EvaluateOptions {
  std::string as_of;   // "YYYY-MM-DD": evaluate the law as it stood then; empty = the case's date, else today
  std::string locale;  // e.g. "en", "zh_CN", "de"; empty = "en" (the library does not read LANG)
};

struct Source {
  std::string name;  // shown in diagnostics, e.g. "rules/my.gate"
  std::string text;  // .gate source text
};

class Engine {
 public:
  // Reads every *.gate file below each directory (or each file named), in sorted path order per entry.
  // Errors: kNotFound (a path cannot be read), kBadRules (diagnostics), kInternal.
  static Result<Engine> LoadDirectories(const std::vector<std::string>& paths);
  // The CLI's layout under `root` (see above); `rules` empty = <root>/rulesets.
  static Result<Engine> LoadInstalled(const std::string& root, const std::vector<std::string>& rules = {});
  // Loads from in-memory sources (they must include the schema and jurisdictions they use).
  static Result<Engine> LoadSources(const std::vector<Source>& sources);

  // Decides one case (JSON text of one object). Errors: kBadCase (with the JSON path),
  // kInvalidArgument (bad options), kInternal. Thread-safe.
  Result<Decision> Evaluate(const std::string& case_json, const EvaluateOptions& options = {}) const;

  // The loaded rulesets as a JSON array of {id, version, sha256, authority, jurisdiction, effective,
  // expires?, binding, rules}, sorted by id.
  std::string RulesetsJson() const;
  // Every .gate file read, in load order.
  const std::vector<std::string>& files() const;

  Engine(const Engine&) = default;
  Engine(Engine&&) noexcept = default;
  Engine& operator=(const Engine&) = default;
  Engine& operator=(Engine&&) noexcept = default;
  ~Engine();

  struct Impl;  // internal; defined in engine/src/api

 private:
  explicit Engine(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace lexgate
