// Stage 2: ASTs → checked Project. Check() runs a fixed, ordered table of passes (see kPasses in
// check.cc): declarations first (schema, jurisdictions, groups, calendars, rulesets), then rules
// (names, types), then the exception graph, then tests. Each problem is a diagnostic in the sink; the
// Project is only usable when the sink holds no errors.
#pragma once
#include <memory>
#include <vector>

#include "check/project.h"
#include "diag/diagnostic.h"
#include "syntax/ast.h"

namespace lexgate::check {

std::unique_ptr<const Project> Check(const std::vector<const ast::File*>& files, const SourceManager& sm,
                                     diag::DiagnosticSink& sink);

// Force levels from strongest to weakest; unknown names get 0.
int ForceRank(const std::string& force);

}  // namespace lexgate::check
