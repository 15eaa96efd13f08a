// Fuzz target: a JSONL stream as `lexgate batch` reads it — bounded lines (ReadBoundedLine), blank lines
// skipped, each line decided by DecideLine — on the shipped rules.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "batch_line.h"
#include "fuzz_common.h"

using namespace lexgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ir::Program& prog = *fuzz::Shipped().program;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  eval::RenderOptions ro;
  ro.compact = true;
  std::string line;
  bool too_long = false;
  size_t consumed = 0, line_no = 0;
  // A small limit, so that the fuzzer reaches the too-long path with small inputs.
  const size_t max_line = 4096;
  while (cli::ReadBoundedLine(in, line, max_line, too_long, consumed)) {
    ++line_no;
    if (too_long) {
      (void)cli::TooLongLine(line_no, max_line);
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    int kind = -1;
    std::string out = cli::DecideLine(prog, line, line_no, std::nullopt, ro, kind);
    // One line in, one JSON record out.
    if (kind < 0 || kind > cli::kLineError || out.empty() || out.back() != '\n' ||
        out.find('\n') != out.size() - 1)
      __builtin_trap();
  }
  if (consumed != size) __builtin_trap();
  return 0;
}
