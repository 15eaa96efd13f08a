// `lexgate lint`: analyses of a loaded (error-free) project that find rules which load but are likely
// wrong. It reads the checked project (check::Project, typed conditions) and the compiled program's
// legal-order table (the same precedence the evaluator applies), never the text. Each finding kind is one
// pass in kPasses (lint.cc) with one diagnostic code (LG5xxx, all warnings); the exact criteria are in
// docs/language.md ("Formatting and lint") and at each pass. Missing citations are LG3002, which the
// checker already reports on every load; lint counts it as a finding too.
#pragma once
#include <cstdint>

#include "base/source.h"
#include "diag/diagnostic.h"
#include "ir/program.h"

namespace lexgate::lint {

struct LintOptions {
  int32_t as_of = 0;  // rulesets that expired before this day are reported (LG5006)
};

// Adds one diagnostic per finding to `sink`.
void Lint(const ir::Program& prog, const SourceManager& sm, const LintOptions& options, diag::DiagnosticSink& sink);

}  // namespace lexgate::lint
