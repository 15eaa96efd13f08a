#include <unicode/normalizer2.h>
#include <unicode/utf8.h>
#include <unicode/unistr.h>

#include <cmath>
#include <unordered_set>

#include "base/date.h"
#include "diag/diagnostic.h"
#include "eval/case.h"

namespace lexgate::eval {

using check::TypeKind;
using json = nlohmann::ordered_json;

namespace {

constexpr int kMaxDepth = 32;
constexpr size_t kMaxListItems = 100000;

ir::Val Unknown(TypeKind k) {
  switch (k) {
    case TypeKind::Count: return {0, INT64_MAX, false};
    case TypeKind::Int:
    case TypeKind::Decimal:
    case TypeKind::Date:
    case TypeKind::Timestamp: return {INT64_MIN, INT64_MAX, false};
    default: return {0, 0, false};
  }
}

ir::Val Known(int64_t v) { return {v, v, true}; }

std::string Nfc(const std::string& s) {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(st);
  if (U_FAILURE(st)) return s;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(s);
  icu::UnicodeString out = n->normalize(u, st);
  if (U_FAILURE(st)) return s;
  std::string r;
  out.toUTF8String(r);
  return r;
}

class Reader {
 public:
  Reader(const ir::Program& prog, Case& c, CaseError& err) : prog_(prog), p_(*prog.project), c_(c), err_(err) {}

  bool Fail(const std::string& path, std::string msg) {
    err_.path = path;
    err_.message = std::move(msg);
    return false;
  }

  std::string TypeWord(const check::Type& t) {
    switch (t.kind) {
      case TypeKind::Bool: return "true or false";
      case TypeKind::Count: return "a non-negative whole number";
      case TypeKind::Int: return "a whole number";
      case TypeKind::Decimal: return "a number";
      case TypeKind::String: return "a string";
      case TypeKind::Date: return "a date (YYYY-MM-DD)";
      case TypeKind::Jurisdiction: return "a jurisdiction code such as \"CN\" or \"DE\"";
      case TypeKind::Timestamp: return "a timestamp with its UTC offset (2025-09-29T18:30:00+08:00)";
      case TypeKind::Enum: return "one of the values of " + p_.enums[t.id].name;
      case TypeKind::Record: return "an object";
      default: return "a value";
    }
  }

  static std::string Kind(const json& v) {
    switch (v.type()) {
      case json::value_t::object: return "an object";
      case json::value_t::array: return "a list";
      case json::value_t::string: return "a string";
      case json::value_t::boolean: return "a boolean";
      case json::value_t::number_float: return "a fractional number";
      case json::value_t::number_integer:
      case json::value_t::number_unsigned: return "a number";
      default: return "null";
    }
  }

  // Reads one object into the slots starting at `base` of `slots` (root or a list element).
  bool Record(const json& obj, int record, std::vector<ir::Val>& slots, int base, const std::string& path, int depth) {
    if (!obj.is_object()) return Fail(path, "expected an object, found " + Kind(obj));
    if (depth > kMaxDepth) return Fail(path, "nested too deeply");
    const check::Record& rec = p_.records[record];
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string& key = it.key();
      std::string fpath = path + "." + key;
      if (record == p_.root && key == "ext") continue;  // free for users' own rules
      int f = rec.FieldIndex(key);
      if (f < 0) {
        std::vector<std::string> names;
        for (auto& fd : rec.fields) names.push_back(fd.name);
        std::string s = diag::Suggest(key, names);
        return Fail(fpath, "unknown field '" + key + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?"));
      }
      const check::Field& fd = rec.fields[f];
      int slot = base + prog_.SlotOf(record, {f});
      if (fd.type.kind == TypeKind::Record && !fd.type.list) {
        if (it->is_null()) continue;
        if (!Record(*it, fd.type.id, slots, slot, fpath, depth + 1)) return false;
        continue;
      }
      if (fd.type.list) {
        if (it->is_null()) continue;
        if (!it->is_array()) return Fail(fpath, "expected a list, found " + Kind(*it));
        if (it->size() > kMaxListItems) return Fail(fpath, "a list of more than 100000 items");
        check::Type elem = fd.type;
        elem.list = false;
        int stride = elem.kind == TypeKind::Record ? ir::LeafCount(p_, elem.id) : 1;
        int64_t offset = static_cast<int64_t>(c_.items.size());
        c_.items.resize(c_.items.size() + it->size() * static_cast<size_t>(stride));
        if (elem.kind == TypeKind::Record) {
          // Unknown defaults for every element slot.
          const auto& layout = prog_.elements.at(elem.id);
          for (size_t i = 0; i < it->size(); ++i)
            for (int s = 0; s < stride; ++s)
              c_.items[static_cast<size_t>(offset) + i * stride + s] = Unknown(layout.slots[s].type.kind);
        }
        for (size_t i = 0; i < it->size(); ++i) {
          std::string ipath = fpath + "[" + std::to_string(i) + "]";
          const json& el = (*it)[i];
          if (elem.kind == TypeKind::Record) {
            if (el.is_null()) continue;
            if (!Record(el, elem.id, c_.items, static_cast<int>(offset) + static_cast<int>(i) * stride, ipath, depth + 1)) return false;
          } else {
            ir::Val v;
            if (el.is_null()) return Fail(ipath, "a list may not contain null");
            if (!Scalar(el, elem, v, ipath)) return false;
            c_.items[static_cast<size_t>(offset) + i] = v;
          }
        }
        slots[slot] = ir::Val{offset, static_cast<int64_t>(it->size()), true};
        continue;
      }
      ir::Val v = Unknown(fd.type.kind);
      if (!it->is_null() && !Scalar(*it, fd.type, v, fpath)) return false;
      slots[slot] = v;
    }
    // sensitive_personal counts people among `personal` (cases.md): more of them is a contradiction.
    int pi = rec.FieldIndex("personal"), si = rec.FieldIndex("sensitive_personal");
    if (pi >= 0 && si >= 0) {
      const ir::Val& pv = slots[base + prog_.SlotOf(record, {pi})];
      const ir::Val& sv = slots[base + prog_.SlotOf(record, {si})];
      if (pv.known && sv.known && sv.lo > pv.lo)
        return Fail(path + ".sensitive_personal", "sensitive_personal (" + std::to_string(sv.lo) +
                                                      ") is larger than personal (" + std::to_string(pv.lo) +
                                                      "); personal counts everyone, sensitive ones included");
    }
    return true;
  }

  bool Scalar(const json& v, const check::Type& t, ir::Val& out, const std::string& path) {
    auto wrong = [&]() { return Fail(path, "expected " + TypeWord(t) + ", found " + Kind(v)); };
    switch (t.kind) {
      case TypeKind::Bool:
        if (!v.is_boolean()) return wrong();
        out = Known(v.get<bool>() ? 1 : 0);
        return true;
      case TypeKind::Count:
      case TypeKind::Int: {
        if (v.is_number_float()) {
          double d = v.get<double>();
          if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) >= 9.2e18)
            return Fail(path, "the number does not fit in 64 bits");
          return Fail(path, "expected " + TypeWord(t) + ", found a fractional number");
        }
        if (v.is_number_unsigned()) {
          uint64_t u = v.get<uint64_t>();
          if (u > static_cast<uint64_t>(INT64_MAX)) return Fail(path, "the number does not fit in 64 bits");
          out = Known(static_cast<int64_t>(u));
          return true;
        }
        if (!v.is_number_integer()) return wrong();
        int64_t i = v.get<int64_t>();
        if (t.kind == TypeKind::Count && i < 0) return Fail(path, "a count cannot be negative (" + std::to_string(i) + ")");
        out = Known(i);
        return true;
      }
      case TypeKind::Decimal: {
        if (!v.is_number()) return wrong();
        double d = v.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > 9.0e12) return Fail(path, "the number is out of range");
        out = Known(static_cast<int64_t>(std::llround(d * 1e6)));
        return true;
      }
      case TypeKind::String: {
        if (!v.is_string()) return wrong();
        std::string s = Nfc(v.get<std::string>());
        for (size_t i = 0; i < prog_.strings.size(); ++i)
          if (prog_.strings[i] == s) { out = Known(static_cast<int64_t>(i)); return true; }
        for (size_t i = 0; i < c_.strings.size(); ++i)
          if (c_.strings[i] == s) { out = Known(static_cast<int64_t>(prog_.strings.size() + i)); return true; }
        c_.strings.push_back(s);
        out = Known(static_cast<int64_t>(prog_.strings.size() + c_.strings.size() - 1));
        return true;
      }
      case TypeKind::Date: {
        if (!v.is_string()) return wrong();
        auto d = ParseDate(v.get<std::string>());
        if (!d) return Fail(path, "'" + v.get<std::string>() + "' is not a valid date (YYYY-MM-DD)");
        out = Known(*d);
        return true;
      }
      case TypeKind::Timestamp: {
        if (!v.is_string()) return wrong();
        auto t = ParseTimestamp(v.get<std::string>());
        if (!t) return Fail(path, "'" + v.get<std::string>() + "' is not a timestamp with a UTC offset (YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM))");
        out = Known(*t);
        return true;
      }
      case TypeKind::Jurisdiction: {
        if (!v.is_string()) return wrong();
        std::string code = v.get<std::string>();
        int j = p_.FindJurisdiction(code);
        if (j < 0) {
          std::vector<std::string> codes;
          for (auto& jd : p_.jurisdictions) codes.push_back(jd.code);
          std::string s = diag::Suggest(code, codes);
          return Fail(path, "unknown jurisdiction code '" + code + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?"));
        }
        out = Known(j);
        return true;
      }
      case TypeKind::Enum: {
        if (!v.is_string()) return wrong();
        const check::Enum& e = p_.enums[t.id];
        int i = e.ValueIndex(v.get<std::string>());
        if (i < 0) {
          std::string s = diag::Suggest(v.get<std::string>(), e.values);
          return Fail(path, "'" + v.get<std::string>() + "' is not a value of " + e.name +
                                (s.empty() ? "" : "; did you mean '" + s + "'?"));
        }
        out = Known(i);
        return true;
      }
      default:
        return wrong();
    }
  }

 private:
  const ir::Program& prog_;
  const check::Project& p_;
  Case& c_;
  CaseError& err_;
};

void InitSlots(const ir::Program& prog, Case& c) {
  c.slots.resize(prog.root.slots.size());
  for (size_t i = 0; i < prog.root.slots.size(); ++i) c.slots[i] = Unknown(prog.root.slots[i].type.kind);
  for (size_t i = 0; i < prog.root.slots.size(); ++i)
    if (prog.root.slots[i].type.list) c.slots[i] = ir::Val{0, 0, false};
}

std::optional<size_t> InvalidUtf8(std::string_view s) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c < 0) return static_cast<size_t>(start);
  }
  return std::nullopt;
}

// The JSON text's nesting depth, without recursion (the parser would recurse once per level).
bool TooDeep(std::string_view s, int max) {
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (in_str) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_str = false;
      continue;
    }
    if (ch == '"') in_str = true;
    else if (ch == '{' || ch == '[') { if (++depth > max) return true; }
    else if (ch == '}' || ch == ']') --depth;
  }
  return false;
}

// SAX handler that finds the first key repeated within one object, and the JSON path of that object.
// keys[i]: the keys seen so far in the i-th open object; names[i]: how that object is reached.
struct DuplicateKeys : nlohmann::json_sax<json> {
  std::vector<std::unordered_set<std::string>> keys;  // a set: an object may have 10^5 keys
  std::vector<std::string> names;
  std::string last_key, dup, dup_path;
  std::vector<bool> in_array;  // per open container: is it an array
  std::vector<size_t> index;   // per open array: the next element's index

  std::string Step() {
    if (!in_array.empty() && in_array.back()) return "[" + std::to_string(index.back()++) + "]";
    return in_array.empty() ? std::string() : "." + last_key;
  }
  void Open(bool array) {
    std::string parent = names.empty() ? "$" : names.back();
    names.push_back(in_array.empty() ? "$" : parent + Step());
    in_array.push_back(array);
    if (array) index.push_back(0);
    else keys.emplace_back();
  }
  bool Close() {
    if (!in_array.empty()) {
      if (in_array.back()) index.pop_back();
      else if (!keys.empty()) keys.pop_back();
      in_array.pop_back();
    }
    if (!names.empty()) names.pop_back();
    return true;
  }
  bool Scalar() {
    if (!in_array.empty() && in_array.back()) ++index.back();
    return true;
  }
  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(); }
  bool string(string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }
  bool start_object(std::size_t) override {
    Open(false);
    return true;
  }
  bool key(string_t& k) override {
    if (keys.empty()) return true;
    if (!keys.back().insert(k).second && dup.empty()) {
      dup = k;
      dup_path = names.back();
    }
    last_key = k;
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override {
    Open(true);
    return true;
  }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

}  // namespace

std::optional<Case> ReadCaseValue(const ir::Program& prog, const json& value, CaseError& err) {
  Case c;
  InitSlots(prog, c);
  if (prog.project->root < 0) {
    err = {"$", "no schema is loaded"};
    return std::nullopt;
  }
  Reader r(prog, c, err);
  if (!r.Record(value, prog.project->root, c.slots, 0, "$", 0)) return std::nullopt;
  if (prog.id_slot >= 0 && c.slots[prog.id_slot].known) {
    int64_t i = c.slots[prog.id_slot].lo;
    c.id = i < static_cast<int64_t>(prog.strings.size()) ? prog.strings[i] : c.strings[i - prog.strings.size()];
  }
  if (prog.date_slot >= 0 && c.slots[prog.date_slot].known) c.date = static_cast<int32_t>(c.slots[prog.date_slot].lo);
  return c;
}

std::optional<Case> ReadCase(const ir::Program& prog, std::string_view text, CaseError& err) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    err = {"$", "the input contains a NUL byte at byte " + std::to_string(nul)};
    return std::nullopt;
  }
  if (auto bad = InvalidUtf8(text)) {
    err = {"$", "the input is not valid UTF-8 (byte " + std::to_string(*bad) + ")"};
    return std::nullopt;
  }
  if (TooDeep(text, kMaxDepth + 2)) {
    err = {"$", "the JSON is nested more than " + std::to_string(kMaxDepth) + " levels deep"};
    return std::nullopt;
  }
  // Duplicate keys are an error: JSON parsers disagree on which one wins, so we refuse to guess. They
  // are found by a SAX pass (nlohmann's DOM parser with a callback is quadratic in the length of an
  // array of objects); the DOM is then built without a callback.
  DuplicateKeys dups;
  json::sax_parse(text.begin(), text.end(), &dups, nlohmann::detail::input_format_t::json, true, false);
  json value;
  try {
    value = json::parse(text.begin(), text.end(), nullptr, true, false);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    auto pos = what.find("parse error");
    err = {"$", "malformed JSON at byte " + std::to_string(e.byte) + ": " + (pos == std::string::npos ? what : what.substr(pos))};
    return std::nullopt;
  } catch (const std::exception& e) {
    err = {"$", std::string("malformed JSON: ") + e.what()};
    return std::nullopt;
  }
  const std::string& dup = dups.dup;
  const std::string& dup_path = dups.dup_path;
  if (!dup.empty()) {
    err = {dup_path, "the key '" + dup + "' appears twice in one object"};
    return std::nullopt;
  }
  if (!value.is_object()) {
    err = {"$", "a case must be a JSON object"};
    return std::nullopt;
  }
  return ReadCaseValue(prog, value, err);
}

std::string SlotText(const ir::Program& prog, const Case& c, const ir::SlotInfo& info, const ir::Val& v) {
  if (!v.known) return "unknown";
  const check::Project& p = *prog.project;
  switch (info.type.kind) {
    case TypeKind::Bool: return v.lo ? "true" : "false";
    case TypeKind::Date: return FormatDate(static_cast<int32_t>(v.lo));
    case TypeKind::Timestamp: return FormatTimestampUtc(v.lo);
    case TypeKind::Jurisdiction: return p.jurisdictions[v.lo].code;
    case TypeKind::Enum: return p.enums[info.type.id].values[v.lo];
    case TypeKind::String:
      return v.lo < static_cast<int64_t>(prog.strings.size()) ? prog.strings[v.lo] : c.strings[v.lo - prog.strings.size()];
    case TypeKind::Decimal: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v.lo) / 1e6);
      return buf;
    }
    default: return std::to_string(v.lo);
  }
}

}  // namespace lexgate::eval
