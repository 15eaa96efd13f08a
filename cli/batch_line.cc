#include "batch_line.h"

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

std::string TooLongLine(size_t line_no, size_t max) {
  return ErrorRecord(line_no, "$", "the line is longer than " + std::to_string(max) + " bytes (--max-line)");
}

std::string DecideLine(const ir::Program& prog, const std::string& line, size_t line_no, std::optional<int32_t> as_of,
                       const eval::RenderOptions& ro, int& kind) {
  eval::CaseError err;
  auto kase = eval::ReadCase(prog, line, err);
  if (!kase) {
    kind = kLineError;
    return ErrorRecord(line_no, err.path, err.message);
  }
  eval::Decision d = eval::Evaluate(prog, *kase, eval::EvalOptions{as_of});
  kind = static_cast<int>(d.verdict);
  return eval::RenderJson(prog, d, ro);
}

}  // namespace lexgate::cli
