// lexgate public C++ API — the umbrella header. Link lexgate::lexgate (CMake) or `pkg-config lexgate`.
//
//   auto engine = lexgate::Engine::LoadInstalled("/usr/local/share/lexgate");
//   if (!engine.ok()) { for (auto& d : engine.diagnostics()) ...; return engine.status().code(); }
//   auto decision = engine->Evaluate(case_json, {.as_of = "", .locale = "en"});
//   if (decision.ok()) std::cout << decision->json();
//
// The C interface with the same behaviour is lexgate/lexgate.h.
#pragma once
#include "lexgate/decision.hpp"
#include "lexgate/engine.hpp"
#include "lexgate/result.hpp"

namespace lexgate {
// The library version, e.g. "0.1.0".
const char* Version();
}  // namespace lexgate
