// Stage 3: checked Project → Program. Lower() lays out slots from the schema and turns each typed
// expression into nodes of the flat array, sharing identical sub-expressions.
#pragma once
#include <memory>

#include "check/project.h"
#include "ir/program.h"

namespace lexgate::ir {

std::shared_ptr<const Program> Lower(std::shared_ptr<const check::Project> project);

}  // namespace lexgate::ir
