// INTERNAL — not installed. Use lexgate/lexgate.hpp (C++) or lexgate/lexgate.h (C) instead.
// The body of lexgate::Engine (pimpl): the immutable result of one load. Shared by copies of an Engine
// and by the C ABI's lexgate_engine handle.
#pragma once
#include <string>
#include <vector>

#include "engine.h"
#include "lexgate/engine.hpp"

namespace lexgate {

struct Engine::Impl {
  LoadResult load;  // program is never null here
  // An Engine from a load, or the load's failure as a Status with its diagnostics.
  static Result<Engine> Make(LoadResult r);
  // The load behind an Engine, for lexgate's own tools (serve with --state evaluates on the compiled
  // program itself, to read and record the ledger).
  static const Impl& Of(const Engine& e) { return *e.impl_; }
};

// The CLI's list of paths under a shipped root: jurisdictions, the schema, then the rules.
std::vector<std::string> InstalledPaths(const std::string& root, const std::vector<std::string>& rules);

}  // namespace lexgate
