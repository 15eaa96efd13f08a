// Fuzz target: a JSONL stream as `lexgate batch` reads it — LineReader's block splitting (a small block,
// so lines span blocks), bounded lines, blank lines skipped, each line decided by DecideLineInto in the
// format the first byte picks (full decision or compact record) — on the shipped rules. The block reader
// is checked against the simple one (ReadBoundedLine), line by line.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "batch_line.h"
#include "fuzz_common.h"

using namespace lexgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ir::Program& prog = *fuzz::Shipped().program;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const cli::BatchFormat format = size > 0 && (data[0] & 1) ? cli::BatchFormat::kCompact : cli::BatchFormat::kFull;
  std::istringstream in(text), oracle_in(text);
  eval::RenderOptions ro;
  ro.compact = true;
  // A small limit and block, so that the fuzzer reaches the too-long and spanning paths with small inputs.
  const size_t max_line = 4096;
  cli::LineReader reader(in, max_line, 64);
  std::string_view line;
  std::string oracle, out;
  bool too_long = false, oracle_too_long = false;
  size_t oracle_consumed = 0, line_no = 0;
  while (reader.Next(line, too_long)) {
    if (!cli::ReadBoundedLine(oracle_in, oracle, max_line, oracle_too_long, oracle_consumed) || oracle != line ||
        oracle_too_long != too_long)
      __builtin_trap();
    ++line_no;
    if (too_long) {
      (void)cli::TooLongLine(line_no, max_line);
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    int kind = -1;
    out.clear();
    cli::DecideLineInto(prog, line, line_no, std::nullopt, ro, format, out, kind);
    // One line in, one JSON record out.
    if (kind < 0 || kind > cli::kLineError || out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1)
      __builtin_trap();
  }
  if (cli::ReadBoundedLine(oracle_in, oracle, max_line, oracle_too_long, oracle_consumed)) __builtin_trap();
  if (reader.consumed() != size || oracle_consumed != size) __builtin_trap();
  return 0;
}
