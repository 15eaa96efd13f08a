#include <unicode/normalizer2.h>
#include <unicode/utf8.h>
#include <unicode/unistr.h>

// (RapidJSON's SIMD scanning, RAPIDJSON_SSE2, was measured and is not faster here: the keys and values
// of a case are a few bytes long, shorter than its alignment prologue.)
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <unordered_map>
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
// The most values a case's lists may hold in all (Case::items; a list of records takes one value per leaf
// of each element, null elements too): 2^24 values, 384 MiB. It bounds what a short line can make the
// reader allocate where a schema's list elements have many leaves (100,000 null elements of a 200-leaf
// record are 20 M values, 480 MB, from a 500 KB line), and keeps element indexes well within int32 (the
// evaluator keeps them in ints). A case over it is refused (kTooManyValues) before its elements are read.
// The shipped schema's largest case under the 100,000-item limit holds about a million.
constexpr size_t kMaxCaseItems = size_t{1} << 24;
constexpr const char* kTooManyValues = "the case's lists hold more than 16777216 values in all";

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

// a == b, inline: names and codes are a few bytes, where a call to memcmp costs more than the compare.
inline bool Eq(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  for (; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size(), i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ull) return false;
  }
  for (; i < n; ++i)
    if (static_cast<unsigned char>(p[i]) & 0x80) return false;
  return true;
}

// A JSON path built only when a problem is reported: the reader passes these down the recursion
// instead of concatenating a string for every field it reads.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  size_t index = 0;
  enum Kind : uint8_t { kRoot, kKey, kIndex } kind = kRoot;

  Path Key(std::string_view k) const { return Path{this, k, 0, kKey}; }
  Path Index(size_t i) const { return Path{this, {}, i, kIndex}; }
  void Append(std::string& out) const {
    switch (kind) {
      case kRoot: out += '$'; return;
      case kKey: parent->Append(out); out += '.'; out.append(key); return;
      case kIndex: parent->Append(out); out += '['; out += std::to_string(index); out += ']'; return;
    }
  }
  std::string Str() const {
    std::string s;
    Append(s);
    return s;
  }
};

// A read-only view of a parsed nlohmann value, with the interface the reader walks.
class NlohmannView {
 public:
  explicit NlohmannView(const json& v) : v_(&v) {}
  bool IsObject() const { return v_->is_object(); }
  bool IsArray() const { return v_->is_array(); }
  bool IsNull() const { return v_->is_null(); }
  bool IsBool() const { return v_->is_boolean(); }
  bool IsString() const { return v_->is_string(); }
  bool IsNumber() const { return v_->is_number(); }
  bool IsFloat() const { return v_->is_number_float(); }
  bool IsUnsigned() const { return v_->is_number_unsigned(); }
  bool IsInteger() const { return v_->is_number_integer(); }
  bool Bool() const { return v_->get<bool>(); }
  double Double() const { return v_->get<double>(); }
  uint64_t Unsigned() const { return v_->get<uint64_t>(); }
  int64_t Integer() const { return v_->get<int64_t>(); }
  std::string_view Str() const { return v_->get_ref<const std::string&>(); }
  size_t Size() const { return v_->size(); }
  template <class F>
  bool Members(F&& f) const {
    for (auto it = v_->begin(); it != v_->end(); ++it)
      if (!f(std::string_view(it.key()), NlohmannView(*it))) return false;
    return true;
  }
  template <class F>
  bool Elements(F&& f) const {
    size_t i = 0;
    for (const auto& el : *v_)
      if (!f(i++, NlohmannView(el))) return false;
    return true;
  }
  const char* Kind() const {
    switch (v_->type()) {
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

 private:
  const json* v_;
};

// The fast path's document: RapidJSON's SAX reader (in situ, numbers as text) fills a flat array of
// nodes in document order; a container records where its subtree ends. Numbers are classified as
// nlohmann classifies them (integer / unsigned / float, strtod-exact), so the reader sees the same values.
struct FlatNode {
  enum Type : uint8_t { kNull, kBool, kInteger, kUnsigned, kFloat, kString, kObject, kArray };
  Type type = kNull;
  bool b = false;
  uint32_t count = 0;  // members or elements
  uint32_t end = 0;    // containers: the index after the last node of the subtree
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  const char* s = nullptr;
  uint32_t len = 0;
};

struct FlatDoc {
  std::vector<FlatNode> nodes;
  std::vector<uint32_t> open;  // indexes of the open containers
  std::string buf;             // the text, copied to be parsed in situ
  std::vector<std::string_view> keys;  // scratch for the duplicate-key check
};

class FlatView {
 public:
  FlatView(const FlatDoc& d, uint32_t i) : d_(&d), i_(i) {}
  const FlatNode& n() const { return d_->nodes[i_]; }
  bool IsObject() const { return n().type == FlatNode::kObject; }
  bool IsArray() const { return n().type == FlatNode::kArray; }
  bool IsNull() const { return n().type == FlatNode::kNull; }
  bool IsBool() const { return n().type == FlatNode::kBool; }
  bool IsString() const { return n().type == FlatNode::kString; }
  bool IsNumber() const { return n().type == FlatNode::kInteger || n().type == FlatNode::kUnsigned || n().type == FlatNode::kFloat; }
  bool IsFloat() const { return n().type == FlatNode::kFloat; }
  bool IsUnsigned() const { return n().type == FlatNode::kUnsigned; }
  // nlohmann's is_number_integer() is true for signed and unsigned integers alike.
  bool IsInteger() const { return n().type == FlatNode::kInteger || n().type == FlatNode::kUnsigned; }
  bool Bool() const { return n().b; }
  double Double() const {
    switch (n().type) {
      case FlatNode::kInteger: return static_cast<double>(n().i);
      case FlatNode::kUnsigned: return static_cast<double>(n().u);
      default: return n().d;
    }
  }
  uint64_t Unsigned() const { return n().type == FlatNode::kUnsigned ? n().u : static_cast<uint64_t>(n().i); }
  int64_t Integer() const { return n().type == FlatNode::kUnsigned ? static_cast<int64_t>(n().u) : n().i; }
  std::string_view Str() const { return {n().s, n().len}; }
  size_t Size() const { return n().count; }
  template <class F>
  bool Members(F&& f) const {
    uint32_t k = i_ + 1;
    for (uint32_t m = 0; m < n().count; ++m) {
      uint32_t v = k + 1;
      if (!f(FlatView(*d_, k).Str(), FlatView(*d_, v))) return false;
      k = Next(v);
    }
    return true;
  }
  template <class F>
  bool Elements(F&& f) const {
    uint32_t k = i_ + 1;
    for (uint32_t m = 0; m < n().count; ++m) {
      if (!f(static_cast<size_t>(m), FlatView(*d_, k))) return false;
      k = Next(k);
    }
    return true;
  }
  const char* Kind() const {
    switch (n().type) {
      case FlatNode::kObject: return "an object";
      case FlatNode::kArray: return "a list";
      case FlatNode::kString: return "a string";
      case FlatNode::kBool: return "a boolean";
      case FlatNode::kFloat: return "a fractional number";
      case FlatNode::kInteger:
      case FlatNode::kUnsigned: return "a number";
      default: return "null";
    }
  }

 private:
  uint32_t Next(uint32_t k) const {
    const FlatNode& x = d_->nodes[k];
    return x.type == FlatNode::kObject || x.type == FlatNode::kArray ? x.end : k + 1;
  }
  const FlatDoc* d_;
  uint32_t i_;
};

// What the reader needs from the schema for every case, computed once per thread and project: the
// initial slot values (unknown, empty lists), each field's slot offset within its record, each record's
// slot count. Keyed by the project's ownership (a weak_ptr), so a reloaded project is never mistaken for
// an earlier one at the same address.
// Jurisdiction code → index, open addressing in a power-of-two table with an FNV-1a hash: codes are a
// few bytes, and std::unordered_map's murmur hash, prime modulo and node chase were ~1.3 % of a batch.
class CodeTable {
 public:
  void Build(const std::map<std::string, int>& index) {
    size_t n = 16;
    while (n < 2 * index.size()) n *= 2;
    slots_.assign(n, Slot{});
    for (const auto& [code, j] : index) {
      size_t i = Hash(code) & (n - 1);
      while (slots_[i].index >= 0) i = (i + 1) & (n - 1);
      slots_[i] = Slot{code, j};
    }
  }
  int Find(std::string_view code) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(code) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.index < 0) return -1;
      if (Eq(s.code, code)) return s.index;
    }
  }

 private:
  struct Slot {
    std::string code;
    int index = -1;
  };
  static size_t Hash(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  std::vector<Slot> slots_;  // at most half full: every probe ends at an empty slot
};

// A record's field names → field index, for the direct path: open addressing on the key's length and
// first and last bytes (names differ there: a probe rarely compares a name in full). The field after
// the previous member is tried first (members usually come in the schema's order).
class FieldTable {
 public:
  void Build(const check::Record& rec) {
    size_t n = 8;
    while (n < 2 * rec.fields.size()) n *= 2;
    slots_.assign(n, -1);
    for (size_t f = 0; f < rec.fields.size(); ++f) {
      size_t i = Hash(rec.fields[f].name) & (n - 1);
      while (slots_[i] >= 0) i = (i + 1) & (n - 1);
      slots_[i] = static_cast<int>(f);
    }
  }
  int Find(std::string_view key, const check::Record& rec, size_t hint) const {
    if (hint < rec.fields.size() && Eq(rec.fields[hint].name, key)) return static_cast<int>(hint);
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      const int f = slots_[i];
      if (f < 0) return -1;
      if (Eq(rec.fields[f].name, key)) return f;
    }
  }

 private:
  static size_t Hash(std::string_view k) {
    if (k.empty()) return 0;
    return k.size() * 0x9E37u + static_cast<unsigned char>(k[0]) * 0x85EBu + static_cast<unsigned char>(k[k.size() - 1]) * 0xC2B3u +
           static_cast<unsigned char>(k[k.size() / 2]) * 0x27D5u;
  }
  std::vector<int> slots_;  // at most half full: every probe ends at an empty slot
};

struct SchemaInfo {
  std::weak_ptr<const check::Project> project;
  std::vector<FieldTable> fields;  // per record
  std::vector<ir::Val> init;  // each root slot's value before reading: unknown, lists unknown
  Case init_case;              // the same as a case's slots
  std::vector<std::vector<int>> offsets;
  std::vector<int> leaves;
  // Per record: the field indexes of `personal` and `sensitive_personal` (-1 when absent), checked together.
  std::vector<std::pair<int, int>> personal;
  // Project::jurisdiction_index as a hash table looked up by view (no string made per code).
  CodeTable jurisdictions;
};

const SchemaInfo& SchemaFor(const ir::Program& prog) {
  thread_local SchemaInfo s;
  const std::shared_ptr<const check::Project>& p = prog.project;
  if (!s.project.owner_before(p) && !p.owner_before(s.project) && !s.project.expired() && s.init.size() == prog.root.slots.size())
    return s;
  s.project = p;
  const auto& slots = prog.root.slots;
  s.init.clear();
  s.init.reserve(slots.size());
  for (const auto& slot : slots) s.init.push_back(slot.type.list ? ir::Val{0, 0, false} : Unknown(slot.type.kind));
  s.init_case.ResetSlots(s.init.size());
  for (size_t i = 0; i < s.init.size(); ++i) s.init_case.SetSlot(static_cast<int32_t>(i), s.init[i]);
  s.jurisdictions.Build(p->jurisdiction_index);
  s.leaves.assign(p->records.size(), 0);
  s.offsets.assign(p->records.size(), {});
  s.personal.assign(p->records.size(), {-1, -1});
  s.fields.assign(p->records.size(), FieldTable{});
  for (size_t r = 0; r < p->records.size(); ++r) s.fields[r].Build(p->records[r]);
  for (size_t r = 0; r < p->records.size(); ++r) {
    for (size_t f = 0; f < p->records[r].fields.size(); ++f) {
      if (p->records[r].fields[f].name == "personal") s.personal[r].first = static_cast<int>(f);
      if (p->records[r].fields[f].name == "sensitive_personal") s.personal[r].second = static_cast<int>(f);
    }
    s.leaves[r] = ir::LeafCount(*p, static_cast<int>(r));
    const auto& fields = p->records[r].fields;
    int slot = 0;
    for (const auto& f : fields) {
      s.offsets[r].push_back(slot);
      slot += (f.type.kind == TypeKind::Record && !f.type.list) ? ir::LeafCount(*p, f.type.id) : 1;
    }
  }
  return s;
}

// Where a record is read into: the case's root slots (stored compactly, see case.h) or the values of
// its list elements (`items`, from element `base` on).
class SlotSink {
 public:
  static SlotSink Root(Case& c) { return SlotSink(&c, nullptr); }
  static SlotSink Items(std::vector<ir::Val>& items) { return SlotSink(nullptr, &items); }
  void Set(int i, const ir::Val& v) const {
    if (root_) root_->SetSlot(i, v);
    else (*items_)[static_cast<size_t>(i)] = v;
  }
  ir::Val Get(int i) const { return root_ ? root_->Slot(i) : (*items_)[static_cast<size_t>(i)]; }

 private:
  SlotSink(Case* root, std::vector<ir::Val>* items) : root_(root), items_(items) {}
  Case* root_;
  std::vector<ir::Val>* items_;
};

// Reads a case from a parsed JSON value (either view) into slots. Messages and the order in which
// problems are found are the same for both views.
template <class V>
class Reader {
 public:
  Reader(const ir::Program& prog, const SchemaInfo& schema, Case& c, CaseError& err)
      : prog_(prog), p_(*prog.project), schema_(schema), c_(c), err_(err) {}

  bool Fail(const Path& path, std::string msg) {
    err_.path = path.Str();
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

  // The slot of field `f` of `record`, relative to the record's first slot (Program::SlotOf(record, {f})).
  int FieldSlot(int record, int f) const { return schema_.offsets[record][f]; }
  int Leaves(int record) const { return schema_.leaves[record]; }

  // The index of the field named `key`, or -1. The search starts at `from` and wraps around: members
  // usually come in the schema's order, so the field after the previous one is tried first.
  static int FieldIndex(const check::Record& rec, std::string_view key, size_t from = 0) {
    const size_t n = rec.fields.size();
    if (from >= n) from = 0;
    for (size_t k = 0, i = from; k < n; ++k, i = i + 1 == n ? 0 : i + 1) {
      const std::string& name = rec.fields[i].name;
      if (name.size() == key.size() && (key.empty() || name[0] == key[0]) && name == key) return static_cast<int>(i);
    }
    return -1;
  }

  // Reads one object into the slots starting at `base` of `slots` (root or a list element).
  bool Record(V obj, int record, SlotSink slots, int base, const Path& path, int depth) {
    if (!obj.IsObject()) return Fail(path, std::string("expected an object, found ") + obj.Kind());
    if (depth > kMaxDepth) return Fail(path, "nested too deeply");
    const check::Record& rec = p_.records[record];
    size_t next = 0;  // where the next member's field is looked for first
    bool ok = obj.Members([&](std::string_view key, V it) -> bool {
      Path fpath = path.Key(key);
      if (record == p_.root && key == "ext") return true;  // free for users' own rules
      int f = FieldIndex(rec, key, next);
      next = static_cast<size_t>(f) + 1;
      if (f < 0) {
        std::vector<std::string> names;
        for (auto& fd : rec.fields) names.push_back(fd.name);
        std::string k(key);
        std::string s = diag::Suggest(k, names);
        return Fail(fpath, "unknown field '" + k + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?"));
      }
      const check::Field& fd = rec.fields[f];
      int slot = base + FieldSlot(record, f);
      if (fd.type.kind == TypeKind::Record && !fd.type.list) {
        if (it.IsNull()) return true;
        return Record(it, fd.type.id, slots, slot, fpath, depth + 1);
      }
      if (fd.type.list) {
        if (it.IsNull()) return true;
        if (!it.IsArray()) return Fail(fpath, std::string("expected a list, found ") + it.Kind());
        const size_t n = it.Size();
        if (n > kMaxListItems) return Fail(fpath, "a list of more than 100000 items");
        check::Type elem = fd.type;
        elem.list = false;
        int stride = elem.kind == TypeKind::Record ? Leaves(elem.id) : 1;
        if (n * static_cast<size_t>(stride) > kMaxCaseItems - c_.items.size()) return Fail(fpath, kTooManyValues);
        int64_t offset = static_cast<int64_t>(c_.items.size());
        c_.items.resize(c_.items.size() + n * static_cast<size_t>(stride));
        if (elem.kind == TypeKind::Record) {
          // Unknown defaults for every element slot.
          const auto& layout = prog_.elements.at(elem.id);
          for (size_t i = 0; i < n; ++i)
            for (int s = 0; s < stride; ++s)
              c_.items[static_cast<size_t>(offset) + i * stride + s] = Unknown(layout.slots[s].type.kind);
        }
        bool elems_ok = it.Elements([&](size_t i, V el) -> bool {
          Path ipath = fpath.Index(i);
          if (elem.kind == TypeKind::Record) {
            if (el.IsNull()) return true;
            return Record(el, elem.id, SlotSink::Items(c_.items), static_cast<int>(offset) + static_cast<int>(i) * stride, ipath, depth + 1);
          }
          ir::Val v;
          if (el.IsNull()) return Fail(ipath, "a list may not contain null");
          if (!Scalar(el, elem, v, ipath)) return false;
          c_.items[static_cast<size_t>(offset) + i] = v;
          return true;
        });
        if (!elems_ok) return false;
        slots.Set(slot, ir::Val{offset, static_cast<int64_t>(n), true});
        return true;
      }
      ir::Val v = Unknown(fd.type.kind);
      if (!it.IsNull() && !Scalar(it, fd.type, v, fpath)) return false;
      slots.Set(slot, v);
      return true;
    });
    if (!ok) return false;
    // sensitive_personal counts people among `personal` (cases.md): more of them is a contradiction.
    auto [pi, si] = schema_.personal[record];
    if (pi >= 0 && si >= 0) {
      const ir::Val pv = slots.Get(base + FieldSlot(record, pi));
      const ir::Val sv = slots.Get(base + FieldSlot(record, si));
      if (pv.known && sv.known && sv.lo > pv.lo)
        return Fail(path.Key("sensitive_personal"), "sensitive_personal (" + std::to_string(sv.lo) +
                                                      ") is larger than personal (" + std::to_string(pv.lo) +
                                                      "); personal counts everyone, sensitive ones included");
    }
    return true;
  }

  bool Scalar(V v, const check::Type& t, ir::Val& out, const Path& path) {
    auto wrong = [&]() { return Fail(path, "expected " + TypeWord(t) + ", found " + v.Kind()); };
    switch (t.kind) {
      case TypeKind::Bool:
        if (!v.IsBool()) return wrong();
        out = Known(v.Bool() ? 1 : 0);
        return true;
      case TypeKind::Count:
      case TypeKind::Int: {
        if (v.IsFloat()) {
          double d = v.Double();
          if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) >= 9.2e18)
            return Fail(path, "the number does not fit in 64 bits");
          return Fail(path, "expected " + TypeWord(t) + ", found a fractional number");
        }
        if (v.IsUnsigned()) {
          uint64_t u = v.Unsigned();
          if (u > static_cast<uint64_t>(INT64_MAX)) return Fail(path, "the number does not fit in 64 bits");
          out = Known(static_cast<int64_t>(u));
          return true;
        }
        if (!v.IsInteger()) return wrong();
        int64_t i = v.Integer();
        if (t.kind == TypeKind::Count && i < 0) return Fail(path, "a count cannot be negative (" + std::to_string(i) + ")");
        out = Known(i);
        return true;
      }
      case TypeKind::Decimal: {
        if (!v.IsNumber()) return wrong();
        double d = v.Double();
        if (!std::isfinite(d) || std::fabs(d) > 9.0e12) return Fail(path, "the number is out of range");
        out = Known(static_cast<int64_t>(std::llround(d * 1e6)));
        return true;
      }
      case TypeKind::String: {
        if (!v.IsString()) return wrong();
        std::string nfc;
        std::string_view s = v.Str();
        if (!IsAscii(s)) {  // ASCII text is in NFC already
          nfc = Nfc(std::string(s));
          s = nfc;
        }
        for (size_t i = 0; i < prog_.strings.size(); ++i)
          if (prog_.strings[i] == s) { out = Known(static_cast<int64_t>(i)); return true; }
        for (size_t i = 0; i < c_.strings.size(); ++i)
          if (c_.strings[i] == s) { out = Known(static_cast<int64_t>(prog_.strings.size() + i)); return true; }
        c_.strings.emplace_back(s);
        out = Known(static_cast<int64_t>(prog_.strings.size() + c_.strings.size() - 1));
        return true;
      }
      case TypeKind::Date: {
        if (!v.IsString()) return wrong();
        auto d = ParseDate(v.Str());
        if (!d) return Fail(path, "'" + std::string(v.Str()) + "' is not a valid date (YYYY-MM-DD)");
        out = Known(*d);
        return true;
      }
      case TypeKind::Timestamp: {
        if (!v.IsString()) return wrong();
        auto ts = ParseTimestamp(v.Str());
        if (!ts) return Fail(path, "'" + std::string(v.Str()) + "' is not a timestamp with a UTC offset (YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM))");
        out = Known(*ts);
        return true;
      }
      case TypeKind::Jurisdiction: {
        if (!v.IsString()) return wrong();
        int j = schema_.jurisdictions.Find(v.Str());
        if (j < 0) {
          std::string code(v.Str());
          std::vector<std::string> codes;
          for (auto& jd : p_.jurisdictions) codes.push_back(jd.code);
          std::string s = diag::Suggest(code, codes);
          return Fail(path, "unknown jurisdiction code '" + code + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?"));
        }
        out = Known(j);
        return true;
      }
      case TypeKind::Enum: {
        if (!v.IsString()) return wrong();
        const check::Enum& e = p_.enums[t.id];
        std::string_view sv = v.Str();
        int i = -1;
        for (size_t k = 0; k < e.values.size(); ++k)
          if (e.values[k] == sv) { i = static_cast<int>(k); break; }
        if (i < 0) {
          std::string val(sv);
          std::string s = diag::Suggest(val, e.values);
          return Fail(path, "'" + val + "' is not a value of " + e.name + (s.empty() ? "" : "; did you mean '" + s + "'?"));
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
  const SchemaInfo& schema_;
  Case& c_;
  CaseError& err_;
};

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

// ---------------------------------------------------------------- the fast path for JSON text
//
// ReadCase() parses with RapidJSON into a per-thread FlatDoc and walks it with the same Reader as
// ReadCaseValue(). It only ever accepts what the nlohmann path accepts: whenever RapidJSON refuses the
// text, or the text holds something the two parsers might read differently (a duplicate key, an
// escaped lone surrogate, a number strtod cannot represent, a BOM), the text goes through the original
// nlohmann path, which gives the error message (or, for a BOM, the case). tests/unit/case_reader_test.cc
// checks that both paths agree on every example, every in-language test case and hostile lines.

// RapidJSON SAX handler filling a FlatDoc. Returning false stops the parse; the caller then falls back.
struct FlatBuilder : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, FlatBuilder> {
  FlatBuilder(FlatDoc& d, bool escapes) : doc(d), escapes(escapes) {}
  FlatDoc& doc;
  bool escapes;  // the text has a backslash: a string may hold a decoded escape

  FlatNode& Push(FlatNode::Type t) {
    FlatNode& n = doc.nodes.emplace_back();
    n.type = t;
    return n;
  }
  bool Null() { Push(FlatNode::kNull); return true; }
  bool Bool(bool b) { Push(FlatNode::kBool).b = b; return true; }
  // Only reached without kParseNumbersAsStringsFlag; the parse below always sets it.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  // nlohmann's lexer: a number with a fraction or an exponent is a float; an integer is read with
  // strtoll (negative) or strtoull, and becomes a float when it does not fit.
  bool RawNumber(const char* s, rapidjson::SizeType len, bool) {
    const char* e = s + len;
    bool is_float = false;
    for (const char* p = s; p < e; ++p)
      if (*p == '.' || *p == 'e' || *p == 'E') { is_float = true; break; }
    if (!is_float) {
      if (*s == '-') {
        int64_t i = 0;
        auto r = std::from_chars(s, e, i);
        if (r.ec == std::errc() && r.ptr == e) { Push(FlatNode::kInteger).i = i; return true; }
      } else {
        uint64_t u = 0;
        auto r = std::from_chars(s, e, u);
        if (r.ec == std::errc() && r.ptr == e) { Push(FlatNode::kUnsigned).u = u; return true; }
      }
    }
    double d = 0;
    auto r = std::from_chars(s, e, d);  // correctly rounded, as glibc's strtod
    if (r.ec != std::errc() || r.ptr != e) return false;  // out of range: strtod's inf or 0 is left to nlohmann
    Push(FlatNode::kFloat).d = d;
    return true;
  }
  bool String(const char* s, rapidjson::SizeType len, bool) {
    // RapidJSON decodes an escaped lone low surrogate (\uDC00) into UTF-8 bytes; nlohmann refuses it.
    if (escapes)
      for (const char* p = s; (p = static_cast<const char*>(std::memchr(p, '\xED', static_cast<size_t>(s + len - p)))) != nullptr; ++p)
        if (p + 1 < s + len && static_cast<unsigned char>(p[1]) >= 0xA0) return false;
    FlatNode& n = Push(FlatNode::kString);
    n.s = s;
    n.len = len;
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType len, bool copy) { return String(s, len, copy); }
  bool Open(FlatNode::Type t) {
    if (doc.open.size() >= static_cast<size_t>(kMaxDepth + 2)) return false;  // TooDeep's limit
    doc.open.push_back(static_cast<uint32_t>(doc.nodes.size()));
    Push(t);
    return true;
  }
  bool Close(rapidjson::SizeType count) {
    FlatNode& n = doc.nodes[doc.open.back()];
    doc.open.pop_back();
    n.count = count;
    n.end = static_cast<uint32_t>(doc.nodes.size());
    return true;
  }
  bool StartObject() { return Open(FlatNode::kObject); }
  bool EndObject(rapidjson::SizeType n) { return Close(n); }
  bool StartArray() { return Open(FlatNode::kArray); }
  bool EndArray(rapidjson::SizeType n) { return Close(n); }
};

// Whether any object of the document repeats a key. Small objects compare 64-bit hashes pairwise
// (strings only on equal hashes); large ones sort their keys.
bool HasDuplicateKeys(FlatDoc& d) {
  uint64_t hashes[32];
  for (uint32_t i = 0; i < d.nodes.size(); ++i) {
    const FlatNode& n = d.nodes[i];
    if (n.type != FlatNode::kObject || n.count < 2) continue;
    d.keys.clear();
    FlatView(d, i).Members([&](std::string_view k, FlatView) { d.keys.push_back(k); return true; });
    if (d.keys.size() <= 32) {
      for (size_t a = 0; a < d.keys.size(); ++a) {
        // A cheap fingerprint (length, first and last 8 bytes): equal keys have equal fingerprints, and
        // equal fingerprints are compared in full.
        // Keys lie in d.buf, which has 16 bytes allocated past the text (ParseFlat): an 8-byte load
        // from a key's start never leaves the buffer, and the bytes past a short key are masked off
        // (a fixed-size load: a variable-length memcpy into the word stalled on store forwarding).
        const std::string_view k = d.keys[a];
        uint64_t head = 0, tail = 0;
        std::memcpy(&head, k.data(), 8);
        if (k.size() < 8) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
          head &= (uint64_t{1} << (8 * k.size())) - 1;  // the key's bytes are the low ones
#else
          head &= k.empty() ? 0 : ~uint64_t{0} << (8 * (8 - k.size()));
#endif
        } else std::memcpy(&tail, k.data() + k.size() - 8, 8);
        const uint64_t h = (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ k.size();
        hashes[a] = h;
        for (size_t b = 0; b < a; ++b)
          if (hashes[b] == h && d.keys[b] == d.keys[a]) return true;
      }
      continue;
    }
    std::sort(d.keys.begin(), d.keys.end());
    if (std::adjacent_find(d.keys.begin(), d.keys.end()) != d.keys.end()) return true;
  }
  return false;
}

// Parses `text` into the thread's FlatDoc; false when the nlohmann path must decide.
bool ParseFlat(std::string_view text, FlatDoc& d) {
  d.nodes.clear();
  d.open.clear();
  // NUL-terminated by std::string; the text holds no NUL (checked before). 16 bytes more are allocated,
  // for HasDuplicateKeys' 8-byte loads at the start of short keys.
  if (d.buf.capacity() < text.size() + 16) d.buf.reserve(text.size() + 16);
  d.buf.assign(text);
  rapidjson::InsituStringStream is(d.buf.data());
  FlatBuilder b(d, text.find('\\') != std::string_view::npos);
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag;
  if (reader.Parse<kFlags>(is, b).IsError()) return false;
  return !HasDuplicateKeys(d);
}

// Reads into `c`, reusing its vectors' capacity; `c` is complete only when this returns true.
// A case's values before reading: every slot unknown, no items or strings.
void StartCase(const SchemaInfo& schema, Case& c) {
  c.AssignSlots(schema.init_case);
  c.items.clear();
  c.strings.clear();
  c.id.clear();
  c.date.reset();
}

// The case's id and date, from their slots once read.
void FinishCase(const ir::Program& prog, Case& c) {
  if (prog.id_slot >= 0 && c.SlotKnown(prog.id_slot)) {
    int64_t i = c.Slot(prog.id_slot).lo;
    c.id.assign(i < static_cast<int64_t>(prog.strings.size()) ? prog.strings[i] : c.strings[i - prog.strings.size()]);
  }
  if (prog.date_slot >= 0 && c.SlotKnown(prog.date_slot)) c.date = static_cast<int32_t>(c.Slot(prog.date_slot).lo);
}

template <class V>
bool ReadRootInto(const ir::Program& prog, V value, Case& c, CaseError& err) {
  const SchemaInfo& schema = SchemaFor(prog);
  StartCase(schema, c);
  if (prog.project->root < 0) {
    err = {"$", "no schema is loaded"};
    return false;
  }
  Reader<V> r(prog, schema, c, err);
  if (!r.Record(value, prog.project->root, SlotSink::Root(c), 0, Path{}, 0)) return false;
  FinishCase(prog, c);
  return true;
}

template <class V>
std::optional<Case> ReadRoot(const ir::Program& prog, V value, CaseError& err) {
  Case c;
  if (!ReadRootInto(prog, value, c, err)) return std::nullopt;
  return c;
}

// The original path: checks on the text, nlohmann's SAX pass for duplicate keys, its DOM, the reader.
std::optional<Case> ReadCaseNlohmann(const ir::Program& prog, std::string_view text, CaseError& err) {
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

// Checks every JSON text gets first, on both paths.
bool CheckText(std::string_view text, CaseError& err) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    err = {"$", "the input contains a NUL byte at byte " + std::to_string(nul)};
    return false;
  }
  if (IsAscii(text)) return true;
  if (auto bad = InvalidUtf8(text)) {
    err = {"$", "the input is not valid UTF-8 (byte " + std::to_string(*bad) + ")"};
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- the direct path for plain lines
//
// Most batch lines are plain: ASCII or UTF-8 text without escapes, integers, known fields in a valid
// object. DirectReader reads such a line in one pass straight into the slots, driven by the schema (no
// RapidJSON document, no copy of the text). It takes the same values in the same order as Reader does
// on the parsed document (list items, case strings), so the Case is identical. On anything else, and
// on every problem (malformed JSON, a duplicate or unknown key, a wrong type, a value out of range, an
// escape, `ext`), it gives up and the line goes through the path above, which gives the case or the
// error message: the direct path never reports an error itself. tests/unit/case_reader_test.cc compares
// its cases with the nlohmann path's over generated and mutated lines.
class DirectReader {
 public:
  DirectReader(const ir::Program& prog, const SchemaInfo& schema, Case& c, std::string_view text)
      : prog_(prog), p_(*prog.project), schema_(schema), c_(c), s_(text.data()), e_(text.data() + text.size()) {}

  bool Root() {
    Ws();
    if (!Record(p_.root, SlotSink::Root(c_), 0, 0)) return false;
    Ws();
    return s_ == e_;
  }

 private:
  static constexpr size_t kSeenWords = 4;  // records of up to 256 fields; larger ones are left to Reader

  void Ws() {
    const char* q = s_;
    while (q < e_ && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) ++q;
    s_ = q;
  }
  bool Eat(char ch) {
    if (s_ == e_ || *s_ != ch) return false;
    ++s_;
    return true;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(e_ - s_) < word.size() || std::memcmp(s_, word.data(), word.size()) != 0) return false;
    s_ += word.size();
    return true;
  }
  bool IsNull() {
    if (static_cast<size_t>(e_ - s_) >= 4 && std::memcmp(s_, "null", 4) == 0) {
      s_ += 4;
      return true;
    }
    return false;
  }

  // A string without escapes or control characters (the opening quote at s_); `high` when it holds a
  // byte ≥ 0x80 (then checked to be valid UTF-8).
  bool String(std::string_view& out, bool& high) {
    if (!Eat('"')) return false;
    const char* const start = s_;
    const char* q = start;  // a local: stores through char pointers would make the compiler reload a member
    unsigned char acc = 0;
    // Eight bytes at a time while none is '"', '\\' or a control character (exact tests for "some byte
    // is": a zero byte of w ^ '"', of w ^ '\\', or a byte below 0x20); then byte by byte.
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    uint64_t high8 = 0;
    while (e_ - q >= 8) {
      uint64_t w;
      std::memcpy(&w, q, 8);
      const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
      if ((((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w)) & kHigh) break;
      high8 |= w;
      q += 8;
    }
    if (high8 & kHigh) acc = 0x80;
    for (;;) {
      if (q == e_) return false;
      const unsigned char ch = static_cast<unsigned char>(*q);
      if (ch == '"') break;
      if (ch == '\\' || ch < 0x20) return false;
      acc |= ch;
      ++q;
    }
    out = std::string_view(start, static_cast<size_t>(q - start));
    s_ = q + 1;
    high = (acc & 0x80) != 0;
    return !high || !InvalidUtf8(out);
  }

  // A JSON number, as FlatBuilder classifies it: an integer that fits 64 bits, or a float.
  struct Number {
    enum Kind : uint8_t { kInteger, kUnsigned, kFloat } kind;
    int64_t i;
    uint64_t u;
    double d;
  };
  bool Num(Number& n) {
    const char* start = s_;
    bool is_float = false;
    if (s_ < e_ && *s_ == '-') ++s_;
    if (s_ == e_) return false;
    if (*s_ == '0') ++s_;
    else if (*s_ >= '1' && *s_ <= '9') while (s_ < e_ && *s_ >= '0' && *s_ <= '9') ++s_;
    else return false;
    if (s_ < e_ && *s_ == '.') {
      is_float = true;
      ++s_;
      if (s_ == e_ || *s_ < '0' || *s_ > '9') return false;
      while (s_ < e_ && *s_ >= '0' && *s_ <= '9') ++s_;
    }
    if (s_ < e_ && (*s_ == 'e' || *s_ == 'E')) {
      is_float = true;
      ++s_;
      if (s_ < e_ && (*s_ == '+' || *s_ == '-')) ++s_;
      if (s_ == e_ || *s_ < '0' || *s_ > '9') return false;
      while (s_ < e_ && *s_ >= '0' && *s_ <= '9') ++s_;
    }
    if (!is_float) {
      if (*start == '-') {
        auto r = std::from_chars(start, s_, n.i);
        if (r.ec == std::errc() && r.ptr == s_) { n.kind = Number::kInteger; return true; }
      } else {
        auto r = std::from_chars(start, s_, n.u);
        if (r.ec == std::errc() && r.ptr == s_) { n.kind = Number::kUnsigned; return true; }
      }
    }
    auto r = std::from_chars(start, s_, n.d);
    if (r.ec != std::errc() || r.ptr != s_) return false;
    n.kind = Number::kFloat;
    return true;
  }

  bool Record(int record, SlotSink slots, int base, int depth) {
    if (depth > kMaxDepth || !Eat('{')) return false;
    const check::Record& rec = p_.records[record];
    if (rec.fields.size() > 64 * kSeenWords) return false;
    uint64_t seen[kSeenWords] = {};
    size_t next = 0;
    Ws();
    if (!Eat('}')) {
      for (;;) {
        std::string_view key;
        bool high = false;
        if (!String(key, high)) return false;
        Ws();
        if (!Eat(':')) return false;
        Ws();
        if (record == p_.root && Eq(key, "ext")) return false;
        const int f = schema_.fields[record].Find(key, rec, next);
        if (f < 0) return false;
        next = static_cast<size_t>(f) + 1;
        uint64_t& word = seen[static_cast<size_t>(f) / 64];
        const uint64_t bit = uint64_t{1} << (f % 64);
        if (word & bit) return false;  // a duplicate key
        word |= bit;
        if (!Field(rec.fields[f], slots, base + schema_.offsets[record][f], depth)) return false;
        Ws();
        if (Eat(',')) {
          Ws();
          continue;
        }
        if (Eat('}')) break;
        return false;
      }
    }
    auto [pi, si] = schema_.personal[record];
    if (pi >= 0 && si >= 0) {
      const ir::Val pv = slots.Get(base + schema_.offsets[record][pi]);
      const ir::Val sv = slots.Get(base + schema_.offsets[record][si]);
      if (pv.known && sv.known && sv.lo > pv.lo) return false;
    }
    return true;
  }

  bool Field(const check::Field& fd, SlotSink slots, int slot, int depth) {
    if (fd.type.kind == TypeKind::Record && !fd.type.list) {
      if (IsNull()) return true;
      return Record(fd.type.id, slots, slot, depth + 1);
    }
    if (fd.type.list) {
      if (IsNull()) return true;
      if (!Eat('[')) return false;
      check::Type elem = fd.type;
      elem.list = false;
      const bool record = elem.kind == TypeKind::Record;
      const ir::Layout* layout = record ? &prog_.elements.at(elem.id) : nullptr;
      // The elements' slots grow as the elements are read (sizing them from a count of the commas ahead
      // let a line of commas reserve ~40 MB before it was rejected). They stay one block because an
      // element holds no list of its own: a record that does is left to the document readers.
      if (record)
        for (const auto& s : layout->slots)
          if (s.type.list) return false;
      const size_t stride = record ? static_cast<size_t>(schema_.leaves[elem.id]) : 1;
      const size_t offset = c_.items.size();
      // A list that could take the case past kMaxCaseItems is left to the document readers, which know
      // its length before reading its elements.
      if (stride * kMaxListItems > kMaxCaseItems - offset) return false;
      size_t n = 0;
      Ws();
      if (!Eat(']')) {
        for (;; ++n) {
          if (n >= kMaxListItems) return false;
          if (record) {
            for (size_t s = 0; s < stride; ++s) c_.items.push_back(Unknown(layout->slots[s].type.kind));
            if (!IsNull() && !Record(elem.id, SlotSink::Items(c_.items), static_cast<int>(offset + n * stride), depth + 1)) return false;
          } else {
            ir::Val v;
            if (IsNull() || !Scalar(elem, v)) return false;
            c_.items.push_back(v);
          }
          Ws();
          if (Eat(',')) {
            Ws();
            continue;
          }
          if (Eat(']')) break;
          return false;
        }
        ++n;
      }
      slots.Set(slot, ir::Val{static_cast<int64_t>(offset), static_cast<int64_t>(n), true});
      return true;
    }
    ir::Val v = Unknown(fd.type.kind);
    if (!IsNull() && !Scalar(fd.type, v)) return false;
    slots.Set(slot, v);
    return true;
  }

  bool Scalar(const check::Type& t, ir::Val& out) {
    switch (t.kind) {
      case TypeKind::Bool:
        if (Literal("true")) out = Known(1);
        else if (Literal("false")) out = Known(0);
        else return false;
        return true;
      case TypeKind::Count:
      case TypeKind::Int: {
        Number n;
        if (!Num(n)) return false;
        if (n.kind == Number::kUnsigned) {
          if (n.u > static_cast<uint64_t>(INT64_MAX)) return false;
          out = Known(static_cast<int64_t>(n.u));
          return true;
        }
        if (n.kind != Number::kInteger || (t.kind == TypeKind::Count && n.i < 0)) return false;
        out = Known(n.i);
        return true;
      }
      case TypeKind::Decimal: {
        Number n;
        if (!Num(n)) return false;
        const double d = n.kind == Number::kInteger ? static_cast<double>(n.i) : n.kind == Number::kUnsigned ? static_cast<double>(n.u) : n.d;
        if (!std::isfinite(d) || std::fabs(d) > 9.0e12) return false;
        out = Known(static_cast<int64_t>(std::llround(d * 1e6)));
        return true;
      }
      default: break;
    }
    std::string_view s;
    bool high = false;
    if (!String(s, high)) return false;
    switch (t.kind) {
      case TypeKind::String: {
        std::string nfc;
        if (high) {  // ASCII text is in NFC already
          nfc = Nfc(std::string(s));
          s = nfc;
        }
        for (size_t i = 0; i < prog_.strings.size(); ++i)
          if (Eq(prog_.strings[i], s)) { out = Known(static_cast<int64_t>(i)); return true; }
        for (size_t i = 0; i < c_.strings.size(); ++i)
          if (Eq(c_.strings[i], s)) { out = Known(static_cast<int64_t>(prog_.strings.size() + i)); return true; }
        c_.strings.emplace_back(s);
        out = Known(static_cast<int64_t>(prog_.strings.size() + c_.strings.size() - 1));
        return true;
      }
      case TypeKind::Date: {
        auto d = ParseDate(s);
        if (!d) return false;
        out = Known(*d);
        return true;
      }
      case TypeKind::Timestamp: {
        auto ts = ParseTimestamp(s);
        if (!ts) return false;
        out = Known(*ts);
        return true;
      }
      case TypeKind::Jurisdiction: {
        const int j = schema_.jurisdictions.Find(s);
        if (j < 0) return false;
        out = Known(j);
        return true;
      }
      case TypeKind::Enum: {
        const check::Enum& e = p_.enums[t.id];
        for (size_t k = 0; k < e.values.size(); ++k)
          if (Eq(e.values[k], s)) { out = Known(static_cast<int64_t>(k)); return true; }
        return false;
      }
      default:
        return false;
    }
  }

  const ir::Program& prog_;
  const check::Project& p_;
  const SchemaInfo& schema_;
  Case& c_;
  const char* s_;
  const char* e_;
};

}  // namespace

std::optional<Case> ReadCaseValue(const ir::Program& prog, const json& value, CaseError& err) {
  return ReadRoot(prog, NlohmannView(value), err);
}

std::optional<Case> ReadCaseSlow(const ir::Program& prog, std::string_view text, CaseError& err) {
  if (!CheckText(text, err)) return std::nullopt;
  return ReadCaseNlohmann(prog, text, err);
}

std::optional<Case> ReadCase(const ir::Program& prog, std::string_view text, CaseError& err) {
  Case c;
  if (!ReadCaseInto(prog, text, c, err)) return std::nullopt;
  return c;
}

bool ReadCaseDirect(const ir::Program& prog, std::string_view text, Case& c) {
  if (prog.project->root < 0) return false;
  const SchemaInfo& schema = SchemaFor(prog);
  StartCase(schema, c);
  if (!DirectReader(prog, schema, c, text).Root()) return false;
  FinishCase(prog, c);
  return true;
}

bool ReadCaseInto(const ir::Program& prog, std::string_view text, Case& c, CaseError& err) {
  if (ReadCaseDirect(prog, text, c)) return true;
  if (!CheckText(text, err)) return false;
  // One document per thread, reused: its nodes and buffer keep their capacity between cases.
  thread_local FlatDoc doc;
  bool ok = false;
  if (prog.project->root >= 0 && ParseFlat(text, doc)) {
    FlatView root(doc, 0);
    if (!root.IsObject()) err = {"$", "a case must be a JSON object"};
    else ok = ReadRootInto(prog, root, c, err);
  } else if (auto slow = ReadCaseNlohmann(prog, text, err)) {
    c = std::move(*slow);
    ok = true;
  }
  if (doc.buf.capacity() > (size_t{1} << 20)) {  // a huge case is not kept for the thread's lifetime
    doc.buf = std::string();
    doc.nodes = std::vector<FlatNode>();
  }
  return ok;
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
