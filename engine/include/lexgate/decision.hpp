// lexgate public C++ API — a decision: the verdict, its exit code, and the decision JSON, byte for byte
// what `lexgate check CASE --format json` prints for the same rules, case, as-of date and locale.
#pragma once
#include <string>

namespace lexgate {

enum class Verdict : int { kPermitted = 0, kConditional = 1, kProhibited = 2, kIndeterminate = 3 };

// "permitted", "conditional", "prohibited" or "indeterminate".
const char* VerdictName(Verdict v);

class Decision {
 public:
  Decision(Verdict verdict, std::string case_id, std::string json)
      : verdict_(verdict), case_id_(std::move(case_id)), json_(std::move(json)) {}
  Verdict verdict() const { return verdict_; }
  // The CLI's exit code for this verdict: 0 permitted, 1 conditional, 2 prohibited, 3 indeterminate.
  int exit_code() const { return static_cast<int>(verdict_); }
  const std::string& case_id() const { return case_id_; }
  // The decision JSON (decisions.md), ending in a newline.
  const std::string& json() const { return json_; }

 private:
  Verdict verdict_;
  std::string case_id_;
  std::string json_;
};

}  // namespace lexgate
