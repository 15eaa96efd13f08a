// The C ABI (engine/include/lexgate/lexgate.h) over the C++ API: a lexgate_engine holds an Engine (which
// shares its immutable compiled rules), strings cross as malloc'ed copies, and every function body is a
// try/catch so that no exception reaches C.
#include <cstdlib>
#include <cstring>
#include <new>

#include <nlohmann/json.hpp>

#include "lexgate/lexgate.h"
#include "lexgate/lexgate.hpp"

struct lexgate_engine {
  lexgate::Engine engine;
};

namespace {

using json = nlohmann::ordered_json;

char* Dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

std::string Dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

const char* SeverityName(lexgate::Severity s) {
  switch (s) {
    case lexgate::Severity::kError: return "error";
    case lexgate::Severity::kWarning: return "warning";
    case lexgate::Severity::kNote: return "note";
  }
  return "error";
}

std::string DiagnosticsJson(const std::vector<lexgate::Diagnostic>& diags, const lexgate::Status& st) {
  json arr = json::array();
  for (const auto& d : diags)
    arr.push_back(json{{"code", d.code}, {"severity", SeverityName(d.severity)}, {"file", d.file}, {"line", d.line},
                       {"column", d.column}, {"message", d.message}});
  if (!st.ok() && arr.empty())
    arr.push_back(json{{"code", st.code() == lexgate::StatusCode::kNotFound ? "not_found" : "internal"},
                       {"severity", "error"}, {"file", ""}, {"line", 0}, {"column", 0}, {"message", st.message()}});
  return Dump(arr);
}

std::string ErrorJson(int code, const std::string& path, const std::string& message) {
  json e{{"code", code}};
  if (!path.empty()) e["path"] = path;
  e["message"] = message;
  return Dump(json{{"error", e}});
}

void SetOut(char** out, const std::string& s) {
  if (out) *out = Dup(s);
}

}  // namespace

extern "C" {

const char* lexgate_version(void) { return lexgate::Version(); }

int lexgate_engine_load_dirs(const char* const* dirs, size_t n, lexgate_engine** out, char** diagnostics_json) {
  if (diagnostics_json) *diagnostics_json = nullptr;
  if (!out || (n > 0 && !dirs)) return LEXGATE_USAGE;
  *out = nullptr;
  try {
    std::vector<std::string> paths;
    for (size_t i = 0; i < n; ++i) {
      if (!dirs[i]) {
        SetOut(diagnostics_json, DiagnosticsJson({}, lexgate::Status(lexgate::StatusCode::kInternal, "dirs[" + std::to_string(i) + "] is NULL")));
        return LEXGATE_USAGE;
      }
      paths.emplace_back(dirs[i]);
    }
    auto r = lexgate::Engine::LoadDirectories(paths);
    SetOut(diagnostics_json, DiagnosticsJson(r.diagnostics(), r.status()));
    if (!r.ok()) return static_cast<int>(r.status().code());
    *out = new lexgate_engine{std::move(r).value()};
    return 0;
  } catch (...) {
    return LEXGATE_INTERNAL;
  }
}

int lexgate_check(const lexgate_engine* engine, const char* case_json, const char* options_json, char** decision_json) {
  if (decision_json) *decision_json = nullptr;
  try {
    if (!engine || !case_json || !decision_json) {
      SetOut(decision_json, ErrorJson(LEXGATE_USAGE, "", "engine, case_json and decision_json must not be NULL"));
      return LEXGATE_USAGE;
    }
    lexgate::EvaluateOptions opts;
    if (options_json && *options_json) {
      json o = json::parse(options_json, nullptr, false);
      if (o.is_discarded() || !o.is_object()) {
        SetOut(decision_json, ErrorJson(LEXGATE_USAGE, "", "options_json is not a JSON object"));
        return LEXGATE_USAGE;
      }
      for (auto it = o.begin(); it != o.end(); ++it) {
        if ((it.key() != "as_of" && it.key() != "locale") || !(it->is_string() || it->is_null())) {
          SetOut(decision_json, ErrorJson(LEXGATE_USAGE, "", "options_json: unknown option or not a string: '" + it.key() + "'"));
          return LEXGATE_USAGE;
        }
        if (it->is_null()) continue;
        (it.key() == "as_of" ? opts.as_of : opts.locale) = it->get<std::string>();
      }
    }
    auto r = engine->engine.Evaluate(case_json, opts);
    if (!r.ok()) {
      int code = static_cast<int>(r.status().code());
      SetOut(decision_json, ErrorJson(code, r.status().path(), r.status().message()));
      return code;
    }
    *decision_json = Dup(r->json());
    if (!*decision_json) return LEXGATE_INTERNAL;
    return r->exit_code();
  } catch (...) {
    return LEXGATE_INTERNAL;
  }
}

char* lexgate_engine_rulesets_json(const lexgate_engine* engine) {
  if (!engine) return nullptr;
  try {
    return Dup(engine->engine.RulesetsJson());
  } catch (...) {
    return nullptr;
  }
}

void lexgate_string_free(char* s) { std::free(s); }

void lexgate_engine_free(lexgate_engine* engine) { delete engine; }

}  // extern "C"
