#include "batch_line.h"

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

}  // namespace

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

LineReader::LineReader(std::istream& in, size_t max, size_t block) : in_(in), max_(max), buf_(block) {}

bool LineReader::Fill() {
  pos_ = end_ = 0;
  if (!in_) return false;
  in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  end_ = static_cast<size_t>(in_.gcount());
  return end_ > 0;
}

bool LineReader::Next(std::string_view& line, bool& too_long) {
  carry_.clear();
  too_long = false;
  bool any = false, in_carry = false;
  for (;;) {
    if (pos_ == end_ && !Fill()) {
      if (!any) return false;
      line = too_long ? std::string_view() : std::string_view(carry_);
      return true;
    }
    any = true;
    const char* s = buf_.data() + pos_;
    const size_t avail = end_ - pos_;
    const char* nl = static_cast<const char*>(std::memchr(s, '\n', avail));
    const size_t n = nl ? static_cast<size_t>(nl - s) : avail;
    pos_ += n + (nl ? 1 : 0);
    consumed_ += n + (nl ? 1 : 0);
    if (!too_long) {
      if (!in_carry && nl && n <= max_) {
        line = std::string_view(s, n);
        return true;
      }
      if (carry_.size() + n > max_) {
        too_long = true;
        carry_.clear();
        carry_.shrink_to_fit();
      } else {
        carry_.append(s, n);
        in_carry = true;
      }
    }
    if (nl) {
      line = too_long ? std::string_view() : std::string_view(carry_);
      return true;
    }
  }
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
