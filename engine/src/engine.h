// The engine facade: load → parse → check → lower, once; then evaluate cases on the immutable
// program from any number of threads. Loading never throws: problems come back as diagnostics
// (in the user's rules) or as a load error (files that cannot be read).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "base/source.h"
#include "diag/diagnostic.h"
#include "eval/case.h"
#include "eval/evaluate.h"
#include "ir/program.h"

namespace lexgate {

struct LoadResult {
  std::shared_ptr<SourceManager> sources;
  diag::DiagnosticSink diagnostics;
  std::shared_ptr<const ir::Program> program;  // null when there are errors
  std::vector<std::string> files;               // every .gate file read, in load order
  std::string error;                            // a path that could not be read at all
};

struct LoadOptions {  // a field that changes what a load gives must go into LoadRules' cache key
  // Files below a directory named `tests` hold in-language tests only (a convention the checker
  // enforces nowhere else). Deciding cases never needs them, and they are about half of the shipped
  // text, so everything but `lexgate test` leaves them out. A file named explicitly is always read.
  bool tests = true;
  // The compiled-rules cache directory (cache/cache.h); empty = no cache. With one, a load whose files
  // (paths and bytes) match an entry skips parsing and checking; a load without errors writes one.
  std::string cache_dir = {};
};

// Reads every *.gate file below each directory (or the file itself), in sorted path order.
LoadResult LoadRules(const std::vector<std::string>& paths, const LoadOptions& options = {});
// Loads from in-memory sources (name, text) — used by tests and embedders.
LoadResult LoadSources(const std::vector<std::pair<std::string, std::string>>& sources);
// The same, also handing back each source's AST (the language server indexes them; see lsp/index.h).
LoadResult LoadSources(const std::vector<std::pair<std::string, std::string>>& sources,
                       std::vector<std::unique_ptr<ast::File>>& asts);
// Every *.gate file below each directory (or the file itself), as LoadRules reads them: sorted within a
// directory, symbolic links not followed, each file once. A path that is neither goes to `error`.
// A symbolic link below a rules directory that points outside it (LoadRules reports LG1014 for each).
struct EscapingLink {
  std::string link, target, dir;
};
std::vector<std::string> GateFiles(const std::vector<std::string>& paths, std::string& error,
                                   const LoadOptions& options = {}, std::vector<EscapingLink>* escapes = nullptr);

// The cache directory commands that decide cases use: $LEXGATE_CACHE_DIR, else $XDG_CACHE_HOME/lexgate,
// else ~/.cache/lexgate; empty when LEXGATE_NO_CACHE=1.
std::string DefaultCacheDir();

// Where the shipped rulesets/ and jurisdictions/ live: $LEXGATE_HOME, next to the executable
// (../share/lexgate), or the source tree the binary was built from.
std::string ShippedRoot();

}  // namespace lexgate
