// Shared by the fuzz targets: the source tree's shipped data, loaded once per process.
#pragma once
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "engine.h"

namespace lexgate::fuzz {

inline std::string Root() {
  if (const char* r = std::getenv("LEXGATE_HOME"); r && *r) return r;
  return LEXGATE_FUZZ_ROOT;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The shipped jurisdictions, schema and rulesets, as `lexgate check` loads them. Aborts if they do not
// load: every fuzz input would be wasted.
inline const LoadResult& Shipped() {
  static const LoadResult r = [] {
    auto x = LoadRules({Root() + "/jurisdictions", Root() + "/rulesets"});
    if (!x.program) std::abort();
    return x;
  }();
  return r;
}

}  // namespace lexgate::fuzz
