// The public C++ API (engine/include/lexgate/*.hpp) over the engine facade (engine.h). This is the one
// place where internal types meet public ones: LoadResult → Result<Engine> (diagnostics converted to the
// public Diagnostic), eval::Decision → Decision (rendered once, to the CLI's JSON). Every entry point
// catches what the layers below may throw (std::bad_alloc, nlohmann::json errors, ICU wrappers) and turns
// it into StatusCode::kInternal: no exception crosses the API.
#include <exception>
#include <memory>
#include <new>

#include "api/engine_impl.h"
#include "base/date.h"
#include "eval/render.h"
#include "lexgate/lexgate.hpp"

namespace lexgate {

namespace {

Severity PublicSeverity(diag::Severity s) {
  switch (s) {
    case diag::Severity::Error: return Severity::kError;
    case diag::Severity::Warning: return Severity::kWarning;
    case diag::Severity::Note: return Severity::kNote;
  }
  return Severity::kError;
}

std::vector<Diagnostic> PublicDiagnostics(const LoadResult& r) {
  std::vector<Diagnostic> out;
  for (const auto& d : r.diagnostics.all()) {
    Diagnostic p;
    p.code = diag::CodeName(d.code);
    p.severity = PublicSeverity(d.severity);
    if (r.sources && d.span.file != 0 && d.span.file < r.sources->size()) p.file = r.sources->Get(d.span.file).path;
    p.line = static_cast<int>(d.span.line);
    p.column = static_cast<int>(d.span.col);
    p.message = d.Message();
    out.push_back(std::move(p));
  }
  return out;
}

Status Internal(const char* what) { return Status(StatusCode::kInternal, std::string("internal error: ") + what); }

}  // namespace

Result<Engine> Engine::Impl::Make(LoadResult r) {
  std::vector<Diagnostic> diags = PublicDiagnostics(r);
  if (!r.error.empty())
    return Result<Engine>(Status(StatusCode::kNotFound, "cannot read rules at '" + r.error + "': no such file or directory"),
                          std::move(diags));
  if (!r.program)
    return Result<Engine>(Status(StatusCode::kBadRules, "the rules have " + std::to_string(r.diagnostics.ErrorCount()) +
                                                            " error(s)"),
                          std::move(diags));
  auto impl = std::make_shared<Engine::Impl>();
  impl->load = std::move(r);
  return Result<Engine>(Engine(std::move(impl)), std::move(diags));
}

Engine::Engine(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<Engine> Engine::LoadDirectories(const std::vector<std::string>& paths) {
  try {
    return Engine::Impl::Make(LoadRules(paths, LoadOptions{.tests = false}));
  } catch (const std::exception& e) {
    return Result<Engine>(Internal(e.what()));
  } catch (...) {
    return Result<Engine>(Internal("unknown exception"));
  }
}

Result<Engine> Engine::LoadInstalled(const std::string& root, const std::vector<std::string>& rules) {
  try {
    return LoadDirectories(InstalledPaths(root, rules));
  } catch (...) {
    return Result<Engine>(Internal("out of memory"));
  }
}

Result<Engine> Engine::LoadSources(const std::vector<Source>& sources) {
  try {
    std::vector<std::pair<std::string, std::string>> in;
    in.reserve(sources.size());
    for (const auto& s : sources) in.emplace_back(s.name, s.text);
    return Engine::Impl::Make(lexgate::LoadSources(in));
  } catch (const std::exception& e) {
    return Result<Engine>(Internal(e.what()));
  } catch (...) {
    return Result<Engine>(Internal("unknown exception"));
  }
}

namespace {

// One case, scratch and decision per thread, reused from call to call (serve's workers evaluate every
// request through Engine::Evaluate); remade when the thread evaluates on another program, and after an
// exception (a Scratch left mid-case is not reused).
struct EvalWork {
  const ir::Program* prog = nullptr;
  std::weak_ptr<const check::Project> project;
  std::unique_ptr<eval::Scratch> scratch;
  eval::Case kase;
  eval::Decision decision;
};

}  // namespace

Result<Decision> Engine::Evaluate(const std::string& case_json, const EvaluateOptions& options) const {
  thread_local EvalWork w;
  try {
    const ir::Program& prog = *impl_->load.program;
    eval::EvalOptions eo;
    if (!options.as_of.empty()) {
      eo.as_of = ParseDate(options.as_of);
      if (!eo.as_of)
        return Result<Decision>(Status(StatusCode::kInvalidArgument,
                                       "as_of '" + options.as_of + "' is not a valid date (YYYY-MM-DD)"));
    }
    if (w.prog != &prog || w.project.owner_before(prog.project) || prog.project.owner_before(w.project) || w.project.expired()) {
      w = EvalWork{};
      w.prog = &prog;
      w.project = prog.project;
      w.scratch = std::make_unique<eval::Scratch>(prog);
    }
    eval::CaseError err;
    if (!eval::ReadCaseInto(prog, case_json, w.kase, err))
      return Result<Decision>(Status(StatusCode::kBadCase, err.message, err.path));
    eval::Evaluate(prog, w.kase, eo, *w.scratch, w.decision);
    const eval::Decision& d = w.decision;
    if (w.kase.items.capacity() > (size_t{1} << 16)) w.kase = eval::Case();  // not kept for the thread's lifetime
    eval::RenderOptions ro;
    ro.locale = options.locale.empty() ? "en" : options.locale;
    std::string json = eval::RenderJson(prog, d, ro);
    return Result<Decision>(Decision(static_cast<Verdict>(d.verdict), d.case_id, std::move(json)));
  } catch (const std::exception& e) {
    w = EvalWork{};
    return Result<Decision>(Internal(e.what()));
  } catch (...) {
    w = EvalWork{};
    return Result<Decision>(Internal("unknown exception"));
  }
}

std::string Engine::RulesetsJson() const {
  try {
    const check::Project& p = *impl_->load.program->project;
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& rs : p.rulesets) {
      nlohmann::ordered_json j;
      j["id"] = rs.id;
      j["version"] = rs.version;
      j["sha256"] = rs.sha256;
      j["authority"] = rs.authority;
      if (rs.jurisdiction >= 0 && rs.jurisdiction < static_cast<int32_t>(p.jurisdictions.size()))
        j["jurisdiction"] = p.jurisdictions[rs.jurisdiction].code;
      j["force"] = rs.force;
      j["binding"] = rs.binding;
      if (rs.effective != INT32_MIN) j["effective"] = FormatDate(rs.effective);
      if (rs.has_expiry) j["expires"] = FormatDate(rs.expires);
      j["rules"] = rs.rules.size();
      arr.push_back(std::move(j));
    }
    return arr.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } catch (...) {
    return "[]\n";
  }
}

const std::vector<std::string>& Engine::files() const { return impl_->load.files; }

const char* VerdictName(Verdict v) { return eval::VerdictName(static_cast<eval::Verdict>(v)); }

const char* Version() { return "0.1.0"; }

std::vector<std::string> InstalledPaths(const std::string& root, const std::vector<std::string>& rules) {
  std::vector<std::string> paths = {root + "/jurisdictions", root + "/rulesets/schema.gate"};
  if (rules.empty()) paths.push_back(root + "/rulesets");
  else paths.insert(paths.end(), rules.begin(), rules.end());
  return paths;
}

}  // namespace lexgate
