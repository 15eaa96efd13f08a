// A case as the evaluator sees it: a flat array of slot values laid out by the Program, plus the
// elements of its lists. ReadCase() validates a JSON case against the schema (unknown fields, wrong
// types, negative counts, impossible dates, numbers beyond 64 bits, duplicate keys, deep nesting,
// unknown codes) and reports the first problem with its JSON path; nothing is half-read.
#pragma once
#include <optional>
#include <string>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/program.h"

namespace lexgate::eval {

// How a case's slots are stored (chosen for Decide, which reads a case once per decision from memory the
// cache has not seen; issue 12). A slot is one 8-byte word plus one "known" byte, in one allocation:
// the words of slots 0..n-1, then their n known bytes (the peer workload's 18 slots: 168 bytes, three
// cache lines, where 18 ir::Vals {lo, hi, known} took 432 bytes, seven lines). ir::Val stays the
// evaluator's value type; Slot(i) rebuilds it from the word:
//   known byte 1: a known single value, Val{w, w, true} (every value the readers give a scalar field);
//   known byte 0: w = 0, 1, 2: the unknown value of a type, kUnknownSlot[w] (nothing known; a count:
//     [0, INT64_MAX]; other numbers, dates, timestamps: [INT64_MIN, INT64_MAX]), which is what the readers
//     put in a field the case leaves out or sets to null;
//   known byte 0, w >= 3: any other Val, kept in `wide_[w - 3]`: a list ({offset of its first element in
//     `items`, element count, known}), or an interval an embedding program or a test sets (a count known
//     only from below). Lists are read only by `some` and `in` over a list, off Decide's fused leaves.
// So SetSlot(i, v) then Slot(i) gives v back exactly, for every Val, and a Case needs no Program to be
// read. The alternative, a per-slot unknown table in the Program and lists packed as
// 32-bit offset and count, needs the Program for every read and bounds a case's items at 2^32; the three
// unknown codes cover every unknown the readers write without either. List elements (`items`) stay
// ir::Vals: `some` bodies read them in place, and no workload measured so far is bound by them.
class Case {
  // The slot count. A moved-from Case has none: its block went with the move (the default move would
  // keep the count and leave Slot() reading past an empty block).
  struct Count {
    uint32_t v = 0;
    Count() = default;
    Count(const Count&) = default;
    Count& operator=(const Count&) = default;
    Count(Count&& o) noexcept : v(std::exchange(o.v, 0)) {}
    Count& operator=(Count&& o) noexcept {
      v = std::exchange(o.v, 0);
      return *this;
    }
  };
  // The members Decide reads come first, together (one cache line of the Case object): the slot block,
  // the slot count, the wide values, the date.
  std::vector<uint64_t> block_;  // words of slots 0..n-1, then their known bytes
  Count n_;
  std::vector<ir::Val> wide_;    // slot values that are neither known single values nor a type's unknown

 public:
  std::optional<int32_t> date;

  // The slots: `n` of them, all unknown ({0, 0, false}); the readers then set every field's value.
  void ResetSlots(size_t n) {
    n_.v = static_cast<uint32_t>(n);
    block_.assign(WordsFor(n), 0);
    wide_.clear();
  }
  // This case's slots become a copy of `from`'s (reusing this one's capacity).
  void AssignSlots(const Case& from) {
    n_.v = from.n_.v;
    block_.assign(from.block_.begin(), from.block_.end());
    wide_.assign(from.wide_.begin(), from.wide_.end());
  }
  size_t SlotCount() const { return n_.v; }
  // Whether slot i is known: a known single value, or a wide value that is known (a list).
  bool SlotKnown(int32_t i) const { return KnownFlags()[i] != 0 || Slot(i).known; }
  ir::Val Slot(int32_t i) const { return Decode(Words()[i], KnownFlags()[i], wide_.data()); }
  void SetSlot(int32_t i, const ir::Val& v) {
    uint64_t& w = MutableWords()[i];
    uint8_t& known = MutableKnownFlags()[i];
    if (v.known && v.lo == v.hi) {
      w = static_cast<uint64_t>(v.lo);
      known = 1;
      return;
    }
    for (uint64_t k = 0; k < kUnknownCodes; ++k)
      if (!v.known && v.lo == kUnknownSlot[k].lo && v.hi == kUnknownSlot[k].hi) {
        w = k;
        known = 0;
        return;
      }
    if (!known && w >= kUnknownCodes) {  // already a wide value: overwritten in place
      wide_[w - kUnknownCodes] = v;
      return;
    }
    wide_.push_back(v);
    w = kUnknownCodes + wide_.size() - 1;
    known = 0;
  }
  // Every slot's value, in order (tests and the fuzzer compare cases with it).
  std::vector<ir::Val> SlotValues() const {
    std::vector<ir::Val> out(n_.v);
    for (uint32_t i = 0; i < n_.v; ++i) out[i] = Slot(static_cast<int32_t>(i));
    return out;
  }

  // The encoding, for the evaluator's loops (Machine), which keep these pointers in registers.
  static constexpr uint64_t kUnknownCodes = 3;
  static constexpr ir::Val kUnknownSlot[kUnknownCodes] = {{0, 0, false}, {0, INT64_MAX, false}, {INT64_MIN, INT64_MAX, false}};
  const uint64_t* Words() const { return block_.data(); }
  const uint8_t* KnownFlags() const { return reinterpret_cast<const uint8_t*>(block_.data() + n_.v); }
  const ir::Val* Wide() const { return wide_.data(); }
  // The bytes of the slot block (words, then known flags), for prefetching.
  size_t SlotBytes() const { return block_.size() * sizeof(uint64_t); }
  [[gnu::always_inline]] static ir::Val Decode(uint64_t w, uint8_t known, const ir::Val* wide) {
    if (known) return {static_cast<int64_t>(w), static_cast<int64_t>(w), true};
    return w < kUnknownCodes ? kUnknownSlot[w] : wide[w - kUnknownCodes];
  }

  std::vector<ir::Val> items;         // list elements (records take `stride` consecutive values)
  std::vector<std::string> strings;   // strings not among the program's constants
  std::string id;

 private:
  static size_t WordsFor(size_t n) { return n + (n + 7) / 8; }  // n words, then n bytes in whole words
  uint64_t* MutableWords() { return block_.data(); }
  uint8_t* MutableKnownFlags() { return reinterpret_cast<uint8_t*>(block_.data() + n_.v); }
};

struct CaseError {
  std::string path;     // JSON path, e.g. $.exporter.jurisdiction
  std::string message;
};

// Parses JSON text (one object) and reads it. Returns the case or the error.
std::optional<Case> ReadCase(const ir::Program& prog, std::string_view json_text, CaseError& err);
// The same into `out`, reusing the capacity of its vectors (one Case per thread in batch): true and the
// case (exactly as ReadCase gives it), or false and the error, with `out` left unspecified.
bool ReadCaseInto(const ir::Program& prog, std::string_view json_text, Case& out, CaseError& err);
// The direct path ReadCaseInto tries first: true and the case (exactly as ReadCase gives it) when `text`
// is a plain line it reads in one pass; false, with `c` left unspecified, on anything else (an escape,
// `ext`, any problem), which the other paths then read or report. For the test comparing the paths.
bool ReadCaseDirect(const ir::Program& prog, std::string_view json_text, Case& c);
// The same with nlohmann's parser only: the path ReadCase falls back on when RapidJSON refuses the text or
// the two parsers could read it differently. For the test that checks both paths agree.
std::optional<Case> ReadCaseSlow(const ir::Program& prog, std::string_view json_text, CaseError& err);
// Reads an already parsed JSON value (test cases written in the language).
std::optional<Case> ReadCaseValue(const ir::Program& prog, const nlohmann::ordered_json& value, CaseError& err);

// The text of a slot value for messages and `satisfied_by`; "unknown" when not known.
std::string SlotText(const ir::Program& prog, const Case& c, const ir::SlotInfo& info, const ir::Val& v);

}  // namespace lexgate::eval
