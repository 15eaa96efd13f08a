// Fuzz target: a JSONL stream as `lexgate batch` reads it — ChunkReader's block splitting (a small block,
// so lines span blocks, and short reads), bounded lines, blank lines skipped, each line decided by
// DecideLineInto in the format the first byte picks (full decision or compact record) — on the shipped
// rules. The block reader is checked against the simple one (ReadBoundedLine), line by line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "batch_line.h"
#include "fuzz_common.h"

using namespace lexgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ir::Program& prog = *fuzz::Shipped().program;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const cli::BatchFormat format = size > 0 && (data[0] & 1) ? cli::BatchFormat::kCompact : cli::BatchFormat::kFull;
  // Reads of at most 1–8 bytes (the second byte picks), as from a pipe.
  const size_t per_read = size > 1 ? 1 + (data[1] & 7) : 8;
  std::istringstream oracle_in(text);
  eval::RenderOptions ro;
  ro.compact = true;
  // A small limit and block, so that the fuzzer reaches the too-long and spanning paths with small inputs.
  const size_t max_line = 4096;
  cli::ChunkReader reader(cli::ReadsFrom(text, per_read), max_line, 64);
  std::string buf, oracle, out;
  std::vector<cli::BatchLine> lines;
  bool oracle_too_long = false;
  size_t oracle_consumed = 0, oracle_no = 0;
  while (reader.Next(buf, lines)) {
    for (const cli::BatchLine& line : lines) {
      const std::string_view view(buf.data() + line.off, line.len);
      // The oracle's next line that is not blank is this one.
      for (;;) {
        if (!cli::ReadBoundedLine(oracle_in, oracle, max_line, oracle_too_long, oracle_consumed)) __builtin_trap();
        ++oracle_no;
        if (oracle_too_long || oracle.find_first_not_of(" \t\r") != std::string::npos) break;
      }
      if (oracle_no != line.no || oracle_too_long != line.too_long || (!line.too_long && oracle != view)) __builtin_trap();
      if (line.too_long) {
        (void)cli::TooLongLine(line.no, max_line);
        continue;
      }
      int kind = -1;
      out.clear();
      cli::DecideLineInto(prog, view, line.no, std::nullopt, ro, format, out, kind);
      // One line in, one JSON record out.
      if (kind < 0 || kind > cli::kLineError || out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1)
        __builtin_trap();
    }
    lines.clear();
  }
  // What the oracle has left is blank.
  while (cli::ReadBoundedLine(oracle_in, oracle, max_line, oracle_too_long, oracle_consumed))
    if (oracle_too_long || oracle.find_first_not_of(" \t\r") != std::string::npos) __builtin_trap();
  if (reader.failed() || reader.consumed() != size || oracle_consumed != size) __builtin_trap();
  return 0;
}
