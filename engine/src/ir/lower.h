// Stage 3: checked Project → Program. Lower() lays out slots from the schema and turns each typed
// expression into nodes of the flat array, sharing identical sub-expressions, then compiles every root
// condition to flat code (program.h), in two passes: the first counts the and/or blocks several
// conditions contain, the second compiles those as memo blocks, computed once per case.
#pragma once
#include <memory>

#include "check/project.h"
#include "ir/program.h"

namespace lexgate::ir {

std::shared_ptr<const Program> Lower(std::shared_ptr<const check::Project> project);

}  // namespace lexgate::ir
