// Stage 1: text → AST. Parse() runs the ANTLR4 lexer and parser generated at build time from
// grammar/*.g4, turns every ANTLR complaint into an LG1xxx diagnostic (no ANTLR text reaches the
// user unfiltered), and builds the AST with a span on every node. It never throws and never aborts on
// bad input: it returns whatever it could build, and the caller looks at the sink for errors.
#pragma once
#include <memory>

#include "base/source.h"
#include "diag/diagnostic.h"
#include "syntax/ast.h"

namespace lexgate::syntax {

std::unique_ptr<ast::File> Parse(const SourceManager& sm, uint32_t file_id, diag::DiagnosticSink& sink);

}  // namespace lexgate::syntax
