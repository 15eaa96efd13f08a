#include "engine.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cache/cache.h"
#include "check/check.h"
#include "ir/lower.h"
#include "syntax/parse.h"

#ifndef LEXGATE_SOURCE_DIR
#define LEXGATE_SOURCE_DIR ""
#endif

namespace lexgate {

namespace fs = std::filesystem;

namespace {

void Finish(LoadResult& r, const std::vector<std::unique_ptr<ast::File>>& asts) {
  std::vector<const ast::File*> files;
  for (auto& a : asts) files.push_back(a.get());
  std::shared_ptr<const check::Project> project = check::Check(files, *r.sources, r.diagnostics);
  r.diagnostics.SortStable();
  if (r.diagnostics.HasErrors()) return;
  auto program = ir::Lower(project);
  // A test's case must be a valid case: checked now, so that `lexgate test` never meets a bad one.
  for (const auto& t : project->tests) {
    eval::CaseError err;
    if (!eval::ReadCaseValue(*program, t.case_value, err))
      r.diagnostics.Report(diag::Code::LG3014, t.case_span.valid() ? t.case_span : t.span,
                           {{"detail", err.path + ": " + err.message}});
  }
  r.diagnostics.SortStable();
  if (r.diagnostics.HasErrors()) return;
  r.program = program;
}

}  // namespace

LoadResult LoadSources(const std::vector<std::pair<std::string, std::string>>& sources) {
  std::vector<std::unique_ptr<ast::File>> asts;
  return LoadSources(sources, asts);
}

LoadResult LoadSources(const std::vector<std::pair<std::string, std::string>>& sources,
                       std::vector<std::unique_ptr<ast::File>>& asts) {
  LoadResult r;
  r.sources = std::make_shared<SourceManager>();
  asts.clear();
  std::vector<uint32_t> ids;
  for (auto& [name, text] : sources) {
    ids.push_back(r.sources->Add(name, text));
    r.files.push_back(name);
  }
  asts = syntax::ParseFiles(*r.sources, ids, r.diagnostics);
  Finish(r, asts);
  return r;
}

std::vector<std::string> GateFiles(const std::vector<std::string>& paths, std::string& error, const LoadOptions& options,
                                   std::vector<EscapingLink>* escapes) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
      continue;
    }
    if (!fs::is_directory(p, ec)) {
      error = p;
      return {};
    }
    std::vector<std::string> found;
    // Symbolic links are not followed: rule loading stays inside the given directories. One that points
    // outside them is refused with LG1014 (a link inside is skipped: its target is read where it is).
    const fs::path dir = fs::weakly_canonical(p, ec);
    for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::none, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code lec;
      if (it->is_symlink(lec)) {
        fs::path target = fs::weakly_canonical(it->path(), lec);
        auto rel = target.lexically_relative(dir);
        if (escapes && (lec || rel.empty() || *rel.begin() == "..")) {
          std::error_code rec;
          fs::path shown = fs::read_symlink(it->path(), rec);
          escapes->push_back({it->path().string(), rec ? target.string() : shown.string(), p});
        }
        continue;
      }
      if (!options.tests && it->is_directory() && it->path().filename() == "tests") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".gate") found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  // The same file named twice (a directory and a file inside it) is read once.
  // Each path is made canonical once (every call costs a readlink per path component).
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const auto& f : files) {
    std::error_code ec2;
    if (seen.insert(fs::weakly_canonical(f, ec2).string()).second) unique.push_back(f);
  }
  return unique;
}

LoadResult LoadRules(const std::vector<std::string>& paths, const LoadOptions& options) {
  LoadResult r;
  r.sources = std::make_shared<SourceManager>();
  std::vector<EscapingLink> escapes;
  std::vector<std::string> files = GateFiles(paths, r.error, options, &escapes);
  if (!r.error.empty()) return r;
  for (const auto& e : escapes) {
    uint32_t id = r.sources->Add(e.link, "");
    r.diagnostics.Report(diag::Code::LG1014, Span{id, 0, 0, 1, 1}, {{"link", e.link}, {"target", e.target}, {"dir", e.dir}});
  }
  std::vector<uint32_t> ids;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      r.error = f;
      return r;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    ids.push_back(r.sources->Add(f, ss.str()));
    r.files.push_back(f);
  }
  // The cache key: the tool, the options, and every file's path and bytes in load order (escaping links
  // too: they are diagnostics of this load).
  std::string key;
  if (!options.cache_dir.empty() && !cache::ToolFingerprint().empty()) {
    cache::KeyBuilder kb;
    kb.Add(cache::ToolFingerprint());
    kb.Add(options.tests ? "tests" : "no-tests");
    kb.Add(std::to_string(escapes.size()));
    for (const auto& e : escapes) kb.Add(e.link), kb.Add(e.target), kb.Add(e.dir);
    kb.Add(std::to_string(ids.size()));
    for (uint32_t id : ids) kb.Add(r.sources->Get(id).path), kb.Add(r.sources->Get(id).text);
    key = kb.Finish();
  }
  if (cache::Hit hit; !key.empty() && cache::Lookup(options.cache_dir, key, hit)) {
    diag::DiagnosticSink sink;
    for (auto& d : hit.diagnostics) {
      diag::Diagnostic& out = sink.Report(d.code, d.span, std::move(d.args));
      out.severity = d.severity;
      out.help = std::move(d.help);
      out.notes = std::move(d.notes);
    }
    r.diagnostics = std::move(sink);
    r.program = ir::Lower(hit.project);
    return r;
  }
  std::vector<std::unique_ptr<ast::File>> asts = syntax::ParseFiles(*r.sources, ids, r.diagnostics);
  Finish(r, asts);
  if (!key.empty() && r.program) cache::Store(options.cache_dir, key, *r.program->project, r.diagnostics.all());
  return r;
}

std::string DefaultCacheDir() { return cache::DefaultDir(); }

std::string ShippedRoot() {
  if (const char* home = std::getenv("LEXGATE_HOME"); home && *home) return home;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path cand : {exe.parent_path() / ".." / "share" / "lexgate", exe.parent_path()}) {
      if (fs::exists(cand / "rulesets" / "schema.gate", ec)) return fs::weakly_canonical(cand, ec).string();
    }
  }
  return LEXGATE_SOURCE_DIR;
}

}  // namespace lexgate
