// The per-line work of `lexgate batch`, as functions the command, the fuzzer (fuzz/fuzz_batch.cc) and
// tests share: reading one bounded line from a stream, and deciding one line.
#pragma once
#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/case.h"
#include "eval/evaluate.h"
#include "eval/render.h"
#include "ir/program.h"

namespace lexgate::cli {

// The longest line `lexgate batch` reads as a case by default (--max-line); the same as serve's --max-body.
inline constexpr size_t kDefaultMaxLine = size_t{1} << 20;

// Reads the next line (without its '\n') into `line`. A line longer than `max` bytes is consumed but
// not kept (`line` is left empty and `too_long` set), so memory stays bounded whatever the input.
// `bytes` counts every byte consumed. Returns false at the end of the input.
bool ReadBoundedLine(std::istream& in, std::string& line, size_t max, bool& too_long, size_t& bytes);

// The same splitting as ReadBoundedLine, read in blocks: `lexgate batch` reads its input with this.
// Next() gives the next line without its '\n' as a view into the reader's buffer (valid until the next
// call); a line longer than `max` bytes is consumed but not kept (`line` empty, `too_long` set), so
// memory stays bounded (one block plus one line) whatever the input.
class LineReader {
 public:
  explicit LineReader(std::istream& in, size_t max, size_t block = size_t{1} << 20);
  bool Next(std::string_view& line, bool& too_long);
  size_t consumed() const { return consumed_; }  // every byte consumed so far

 private:
  bool Fill();
  std::istream& in_;
  size_t max_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0, consumed_ = 0;
  std::string carry_;  // a line that spans blocks
};

// The two output formats of `lexgate batch`: the full decision JSON (as `check --format json`, on one
// line) or the compact record (eval::RenderCompact). Error records are the same in both.
enum class BatchFormat { kFull, kCompact };

// What one line became: 0–3 a verdict (permitted … indeterminate), 4 an error record.
inline constexpr int kLineError = 4;

// One worker's reusable memory for deciding lines on one Program: the case read, the evaluator's
// scratch and the decision keep their capacity from line to line (cleared, not freed).
struct LineScratch {
  explicit LineScratch(const ir::Program& prog) : scratch(prog) {}
  eval::Case kase;
  eval::Scratch scratch;
  eval::Decision decision;
};

// Decides one JSONL line: the compact decision JSON, or {"line":N,"error":{"code":65,"path":…,"message":…}},
// each ending in '\n'. `kind` is the verdict index or kLineError.
std::string DecideLine(const ir::Program& prog, const std::string& line, size_t line_no, std::optional<int32_t> as_of,
                       const eval::RenderOptions& ro, int& kind);
// Decides one line and appends its record to `out` in the given format.
void DecideLineInto(const ir::Program& prog, std::string_view line, size_t line_no, std::optional<int32_t> as_of,
                    const eval::RenderOptions& ro, BatchFormat format, std::string& out, int& kind);
// The same with a worker's reusable memory (made for the same Program): the output is byte-identical.
void DecideLineInto(const ir::Program& prog, std::string_view line, size_t line_no, std::optional<int32_t> as_of,
                    const eval::RenderOptions& ro, BatchFormat format, LineScratch& work, std::string& out, int& kind);
// The error record of a line longer than the limit.
std::string TooLongLine(size_t line_no, size_t max);

}  // namespace lexgate::cli
