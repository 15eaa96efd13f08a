// The per-line work of `lexgate batch`, as functions the command, the fuzzer (fuzz/fuzz_batch.cc) and
// tests share: reading one bounded line from a stream, and deciding one line.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
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

// One line of a block ChunkReader read: its number in the input (1-based, blank lines counted) and its
// bytes in the block; a line longer than the limit is not kept (`too_long`, no bytes).
struct BatchLine {
  size_t no = 0;
  size_t off = 0, len = 0;
  bool too_long = false;
};

// The same splitting as ReadBoundedLine, in blocks read straight into the caller's buffer (no copy of the
// text; `lexgate batch` reads its input with this, each worker into its own chunk). Next() reads the next
// block into `buf` (which keeps its size from call to call: it only grows) and appends the block's lines
// to `lines`: only complete lines (a line cut by the block's end is carried over to the next call) and no
// blank ones (only spaces, tabs or CRs; their numbers are counted). A line longer than `max` bytes is
// consumed but not kept (a BatchLine with `too_long`), so memory stays bounded (a block plus one line)
// whatever the input. `read` reads up to n bytes into p, returning how many, 0 at the end, < 0 on an
// error (which ends the input: failed() says so). Next() returns false when the input is used up.
class ChunkReader {
 public:
  using ReadFn = std::function<long(char* p, size_t n)>;
  ChunkReader(ReadFn read, size_t max, size_t block = size_t{1} << 18);
  bool Next(std::string& buf, std::vector<BatchLine>& lines);
  size_t consumed() const { return consumed_; }  // every byte read so far
  bool failed() const { return failed_; }

 private:
  void Emit(std::vector<BatchLine>& lines, const std::string& buf, size_t off, size_t len, bool too_long);
  ReadFn read_;
  size_t max_, block_;
  size_t consumed_ = 0, line_no_ = 0;
  bool eof_ = false, failed_ = false;
  bool skipping_ = false;  // inside a line longer than max_: its bytes are dropped up to its '\n'
  std::string carry_;      // the start of a line cut by the end of the previous block
};

// A ChunkReader::ReadFn over `text` (which must outlive it): reads of at most `per_read` bytes, as from a
// pipe, then 0 at its end (the fuzzer and the tests read strings with it).
ChunkReader::ReadFn ReadsFrom(std::string_view text, size_t per_read = SIZE_MAX);

// read(2) and write(2) for `lexgate batch`'s input and output, which may be non-blocking (a pipe or
// terminal another program set O_NONBLOCK on): EINTR is retried, and EAGAIN/EWOULDBLOCK waits for the
// descriptor with poll() and tries again. ReadFd returns the bytes read, 0 at the end, < 0 on an error
// (errno set); WriteAllFd writes all of `data`, false (errno set) on an error.
long ReadFd(int fd, char* p, size_t n);
bool WriteAllFd(int fd, const char* data, size_t size);

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
