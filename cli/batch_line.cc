#include "batch_line.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "eval/case.h"
#include "eval/evaluate.h"
#include "exit_codes.h"

namespace lexgate::cli {

namespace {

std::string ErrorRecord(size_t line_no, const std::string& path, const std::string& message) {
  nlohmann::ordered_json e;
  e["line"] = line_no;
  e["error"] = {{"code", ExitCode::kBadCase}, {"path", path}, {"message", message}};
  return e.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

// Waits until `fd` is ready for `events` (or has an error or hang-up, which the retried call then
// reports); false (errno set) when poll() fails.
bool WaitReady(int fd, short events) {
  pollfd pfd{fd, events, 0};
  for (;;) {
    if (::poll(&pfd, 1, -1) > 0) return true;
    if (errno != EINTR) return false;
  }
}

}  // namespace

long ReadFd(int fd, char* p, size_t n) {
  for (;;) {
    const ssize_t r = ::read(fd, p, n);
    if (r >= 0) return static_cast<long>(r);
    if (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) && WaitReady(fd, POLLIN))) continue;
    return -1;
  }
}

bool WriteAllFd(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) && WaitReady(fd, POLLOUT))) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

ChunkReader::ReadFn ReadsFrom(std::string_view text, size_t per_read) {
  return [text, per_read, pos = size_t{0}](char* p, size_t n) mutable -> long {
    n = std::min({n, per_read, text.size() - pos});
    std::memcpy(p, text.data() + pos, n);
    pos += n;
    return static_cast<long>(n);
  };
}

bool ReadBoundedLine(std::istream& in, std::string& line, size_t max, bool& too_long, size_t& bytes) {
  line.clear();
  too_long = false;
  std::streambuf* sb = in.rdbuf();
  bool any = false;
  for (;;) {
    int c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return any;
    }
    any = true;
    ++bytes;
    if (c == '\n') return true;
    if (too_long) continue;
    if (line.size() >= max) {
      too_long = true;
      line.clear();
      line.shrink_to_fit();
      continue;
    }
    line.push_back(static_cast<char>(c));
  }
}

ChunkReader::ChunkReader(ReadFn read, size_t max, size_t block) : read_(std::move(read)), max_(max), block_(std::max<size_t>(block, 1)) {}

void ChunkReader::Emit(std::vector<BatchLine>& lines, const std::string& buf, size_t off, size_t len, bool too_long) {
  ++line_no_;
  if (too_long) {
    lines.push_back(BatchLine{line_no_, 0, 0, true});
    return;
  }
  const char* p = buf.data() + off;
  for (size_t i = 0; i < len; ++i)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
      lines.push_back(BatchLine{line_no_, off, len, false});
      return;
    }
  // a blank line: counted, not kept
}

bool ChunkReader::Next(std::string& buf, std::vector<BatchLine>& lines) {
  const size_t first = lines.size();
  // The carried start of a line (never a '\n' in it) opens the block.
  size_t len = carry_.size(), start = 0;  // buf[0, len) read; the current line starts at `start`
  if (buf.size() < len + block_) buf.resize(len + block_);
  std::memcpy(buf.data(), carry_.data(), carry_.size());
  carry_.clear();
  while (!eof_) {
    if (buf.size() < len + block_) buf.resize(len + block_);  // a long line: room for one more block
    long n = read_(buf.data() + len, block_);
    if (n <= 0) {
      eof_ = true;
      failed_ = n < 0;
      break;
    }
    consumed_ += static_cast<size_t>(n);
    size_t p = len;
    len += static_cast<size_t>(n);
    while (p < len) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + p, '\n', len - p));
      if (!nl) break;
      const size_t end = static_cast<size_t>(nl - buf.data());
      Emit(lines, buf, start, end - start, skipping_ || end - start > max_);
      skipping_ = false;
      start = p = end + 1;
    }
    // The unfinished line: dropped past the limit (the next bytes are read over it).
    if (skipping_ || len - start > max_) {
      skipping_ = true;
      len = start;
    }
    if (lines.size() > first) break;
    if (start > 0) {  // only blank lines so far: the unfinished line moves to the front, so that a long
      std::memmove(buf.data(), buf.data() + start, len - start);  // run of them does not grow buf
      len -= start;
      start = 0;
    }
  }
  // The last line, without a '\n' (not after a read error: it may be cut short, and the run fails).
  if (eof_ && !failed_ && (skipping_ || len > start)) {
    Emit(lines, buf, start, len - start, skipping_);
    skipping_ = false;
    start = len;
  }
  carry_.assign(buf.data() + start, len - start);
  return lines.size() > first;
}

std::string TooLongLine(size_t line_no, size_t max) {
  return ErrorRecord(line_no, "$", "the line is longer than " + std::to_string(max) + " bytes (--max-line)");
}

std::string DecideLine(const ir::Program& prog, const std::string& line, size_t line_no, std::optional<int32_t> as_of,
                       const eval::RenderOptions& ro, int& kind) {
  std::string out;
  DecideLineInto(prog, line, line_no, as_of, ro, BatchFormat::kFull, out, kind);
  return out;
}

void DecideLineInto(const ir::Program& prog, std::string_view line, size_t line_no, std::optional<int32_t> as_of,
                    const eval::RenderOptions& ro, BatchFormat format, std::string& out, int& kind) {
  LineScratch work(prog);
  DecideLineInto(prog, line, line_no, as_of, ro, format, work, out, kind);
}

void DecideLineInto(const ir::Program& prog, std::string_view line, size_t line_no, std::optional<int32_t> as_of,
                    const eval::RenderOptions& ro, BatchFormat format, LineScratch& work, std::string& out, int& kind) {
  eval::CaseError err;
  if (!eval::ReadCaseInto(prog, line, work.kase, err)) {
    kind = kLineError;
    out += ErrorRecord(line_no, err.path, err.message);
    // a line refused part-way may have grown the lists as much as one read whole (see below)
    if (work.kase.items.capacity() > (size_t{1} << 16)) work.kase = eval::Case();
    return;
  }
  eval::Evaluate(prog, work.kase, eval::EvalOptions{as_of}, work.scratch, work.decision);
  const eval::Decision& d = work.decision;
  kind = static_cast<int>(d.verdict);
  if (format == BatchFormat::kCompact) eval::RenderCompact(prog, d, out);
  else eval::RenderJsonInto(prog, d, ro, out);
  // A case with huge lists is not kept for the worker's lifetime: memory stays bounded by the chunks.
  if (work.kase.items.capacity() > (size_t{1} << 16)) work.kase = eval::Case();
}

}  // namespace lexgate::cli
