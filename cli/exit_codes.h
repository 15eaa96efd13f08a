// The one table of exit codes (decisions.md). --help, the README and a test read from it.
#pragma once

namespace lexgate::cli {

enum ExitCode : int {
  kPermitted = 0,
  kConditional = 1,
  kProhibited = 2,
  kIndeterminate = 3,
  kUsage = 64,
  kBadCase = 65,
  kNotFound = 66,
  kInternal = 70,
  kBadRules = 78,
};

inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0  permitted       nothing outstanding\n"
    "  1  conditional     allowed once the listed obligations are met\n"
    "  2  prohibited      a binding prohibition applies\n"
    "  3  indeterminate   the answer depends on facts the case does not give\n"
    "  64 usage error     65 bad case data     66 input not found\n"
    "  70 internal error  78 bad rules (diagnostics printed)\n"
    "  lexgate test: 0 all tests pass, 1 a test failed, 78 bad rules\n";

}  // namespace lexgate::cli
