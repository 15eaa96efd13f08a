// lexgate public C++ API — results. A Result<T> is a value or a Status (closed code enum + message), plus
// the diagnostics produced on the way (problems in the user's rules, with file, line and column). Modelled
// on Abseil's StatusOr; nothing in this API throws: every failure, including internal ones, comes back
// as a Status. Result is a header-only value type with no behaviour beyond holding what it was given, so
// it does not tie the library's ABI to the caller's template instantiations.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lexgate {

// The codes match the CLI's exit codes (decisions.md), so a caller can exit with status().code().
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 64,  // a bad option (e.g. as_of not a YYYY-MM-DD date)
  kBadCase = 65,          // the case JSON is not a valid case; Status::path() names the JSON path
  kNotFound = 66,         // a rules directory or file cannot be read
  kInternal = 70,         // a bug or resource exhaustion inside lexgate
  kBadRules = 78,         // the rules have errors; see the diagnostics
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string path = {})
      : code_(code), message_(std::move(message)), path_(std::move(path)) {}
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // For kBadCase: the JSON path of the first problem, e.g. "$.exporter.jurisdiction".
  const std::string& path() const { return path_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string path_;
};

enum class Severity { kError, kWarning, kNote };

// One problem in the user's rules, as `lexgate check --diagnostics json` prints it.
struct Diagnostic {
  std::string code;  // stable code, e.g. "LG2003"
  Severity severity = Severity::kError;
  std::string file;  // as given to the loader (path or source name)
  int line = 0;      // 1-based; 0 when the problem has no position
  int column = 0;    // 1-based, in Unicode code points
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value, std::vector<Diagnostic> diagnostics = {})
      : value_(std::move(value)), diagnostics_(std::move(diagnostics)) {}
  Result(Status status, std::vector<Diagnostic> diagnostics = {})
      : status_(std::move(status)), diagnostics_(std::move(diagnostics)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // Warnings on success; errors (and warnings) on failure with StatusCode::kBadRules.
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  // Only when ok().
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace lexgate
