// check::Project ⇄ bytes (see cache.h). Writer and Reader mirror each other field by field, in the
// order project.h declares them. The Reader never reads past the end, never allocates more elements
// than bytes remain, and range-checks every enum; on the first problem it stops and reports failure.
#include <cstring>
#include <type_traits>

#include "cache/cache.h"

namespace lexgate::cache {

namespace {

using check::Project;
using check::TExpr;
using check::TExprPtr;

// A field added to one of these structs must be added to the codec below (and kFormatVersion bumped):
// these sizes (x86-64, libstdc++) make the build fail until someone looks.
#if defined(__x86_64__) && defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
static_assert(sizeof(check::TExpr) == 160, "check::TExpr changed: update cache/project_codec.cc");
static_assert(sizeof(check::Rule) == 448, "check::Rule changed: update cache/project_codec.cc");
static_assert(sizeof(check::Ruleset) == 352, "check::Ruleset changed: update cache/project_codec.cc");
static_assert(sizeof(check::Timing) == 104, "check::Timing changed: update cache/project_codec.cc");
static_assert(sizeof(check::Calendar) == 264, "check::Calendar changed: update cache/project_codec.cc");
static_assert(sizeof(check::Group) == 104, "check::Group changed: update cache/project_codec.cc");
static_assert(sizeof(check::Jurisdiction) == 88, "check::Jurisdiction changed: update cache/project_codec.cc");
static_assert(sizeof(check::Test) == 120, "check::Test changed: update cache/project_codec.cc");
static_assert(sizeof(check::Expectation) == 80, "check::Expectation changed: update cache/project_codec.cc");
static_assert(sizeof(check::Project) == 416, "check::Project changed: update cache/project_codec.cc");
static_assert(sizeof(diag::Diagnostic) == 112, "diag::Diagnostic changed: update cache/project_codec.cc");
#endif

constexpr int kMaxDepth = 1000;  // expressions and JSON values; the parser stops at 200 brackets
constexpr uint32_t kCodeCount = 0
#define LG_DIAG(code, sev, msg) +1
#include "diag/diagnostics.def"
#undef LG_DIAG
    ;

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  bool ok = true;

  template <typename T>
  void Int(T v) {
    static_assert(std::is_integral_v<T>);
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  void U32(uint32_t v) { Int(v); }
  void I32(int32_t v) { Int(v); }
  void I64(int64_t v) { Int(v); }
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  void Str(const std::string& s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Count(size_t n) { U32(static_cast<uint32_t>(n)); }
  void Span(const lexgate::Span& s) {
    U32(s.file), U32(s.begin), U32(s.end), U32(s.line), U32(s.col);
  }
  void Type(const check::Type& t) {
    U8(static_cast<uint8_t>(t.kind));
    I32(t.id);
    Bool(t.list);
  }
  void Ints(const std::vector<int>& v) {
    Count(v.size());
    for (int x : v) I32(x);
  }
  void StrMap(const std::map<std::string, std::string>& m) {
    Count(m.size());
    for (auto& [k, v] : m) Str(k), Str(v);
  }
  void Expr(const TExprPtr& e, int depth = 0) {
    U8(e ? 1 : 0);
    if (!e) return;
    if (depth > kMaxDepth) {
      ok = false;
      return;
    }
    U8(static_cast<uint8_t>(e->op));
    Type(e->type);
    Span(e->span);
    I32(e->cmp);
    I64(e->ival);
    Str(e->str);
    I32(e->var);
    Ints(e->chain);
    Count(e->set.size());
    for (int64_t x : e->set) I64(x);
    Count(e->kids.size());
    for (auto& k : e->kids) Expr(k, depth + 1);
  }
  void Json(const nlohmann::ordered_json& j, int depth = 0) {
    using T = nlohmann::ordered_json::value_t;
    if (depth > kMaxDepth) {
      ok = false;
      return;
    }
    switch (j.type()) {
      case T::null: U8(0); break;
      case T::boolean: U8(1), Bool(j.get<bool>()); break;
      case T::number_integer: U8(2), I64(j.get<int64_t>()); break;
      case T::number_unsigned: U8(3), Int(j.get<uint64_t>()); break;
      case T::number_float: {
        double d = j.get<double>();
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        U8(4), Int(bits);
        break;
      }
      case T::string: U8(5), Str(j.get_ref<const std::string&>()); break;
      case T::array:
        U8(6), Count(j.size());
        for (auto& x : j) Json(x, depth + 1);
        break;
      case T::object:
        U8(7), Count(j.size());
        for (auto it = j.begin(); it != j.end(); ++it) Str(it.key()), Json(it.value(), depth + 1);
        break;
      default: ok = false;  // binary, discarded: a checked case never holds them
    }
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool ok = true;
  bool AtEnd() const { return ok && p_ == end_; }

  template <typename T>
  T Int() {
    static_assert(std::is_integral_v<T>);
    T v{};
    if (!Need(sizeof(T))) return v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  uint32_t U32() { return Int<uint32_t>(); }
  int32_t I32() { return Int<int32_t>(); }
  int64_t I64() { return Int<int64_t>(); }
  uint8_t U8() { return Int<uint8_t>(); }
  bool Bool() {
    uint8_t b = U8();
    if (b > 1) ok = false;
    return b == 1;
  }
  // An enum stored as one byte, at most `max`.
  template <typename E>
  E Enum(uint8_t max) {
    uint8_t b = U8();
    if (b > max) ok = false;
    return static_cast<E>(ok ? b : 0);
  }
  std::string Str() {
    uint32_t n = U32();
    if (!Need(n)) return {};
    std::string s(p_, n);
    p_ += n;
    return s;
  }
  // A list length: every element takes at least `min_bytes`, so a count larger than what remains is
  // corrupt (and must not become a huge allocation).
  size_t Count(size_t min_bytes = 1) {
    uint32_t n = U32();
    if (ok && static_cast<uint64_t>(n) * min_bytes > static_cast<uint64_t>(end_ - p_)) ok = false;
    return ok ? n : 0;
  }
  lexgate::Span Span() {
    lexgate::Span s;
    s.file = U32(), s.begin = U32(), s.end = U32(), s.line = U32(), s.col = U32();
    return s;
  }
  check::Type Type() {
    check::Type t;
    t.kind = Enum<check::TypeKind>(static_cast<uint8_t>(check::TypeKind::Timestamp));
    t.id = I32();
    t.list = Bool();
    return t;
  }
  std::vector<int> Ints() {
    std::vector<int> v(Count(4));
    for (auto& x : v) x = I32();
    return v;
  }
  std::map<std::string, std::string> StrMap() {
    std::map<std::string, std::string> m;
    for (size_t n = Count(8); n-- && ok;) {
      std::string k = Str();
      m[std::move(k)] = Str();
    }
    return m;
  }
  TExprPtr Expr(int depth = 0) {
    if (!U8() || !ok) return nullptr;
    if (depth > kMaxDepth) {
      ok = false;
      return nullptr;
    }
    auto e = std::make_unique<TExpr>();
    e->op = Enum<check::Op>(static_cast<uint8_t>(check::Op::Known));
    e->type = Type();
    e->span = Span();
    e->cmp = I32();
    e->ival = I64();
    e->str = Str();
    e->var = I32();
    e->chain = Ints();
    e->set.resize(Count(8));
    for (auto& x : e->set) x = I64();
    size_t kids = Count();
    for (size_t i = 0; i < kids && ok; ++i) e->kids.push_back(Expr(depth + 1));
    return e;
  }
  nlohmann::ordered_json Json(int depth = 0) {
    if (depth > kMaxDepth) {
      ok = false;
      return nullptr;
    }
    switch (U8()) {
      case 0: return nullptr;
      case 1: return Bool();
      case 2: return I64();
      case 3: return Int<uint64_t>();
      case 4: {
        uint64_t bits = Int<uint64_t>();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
      }
      case 5: return Str();
      case 6: {
        auto a = nlohmann::ordered_json::array();
        for (size_t n = Count(); n-- && ok;) a.push_back(Json(depth + 1));
        return a;
      }
      case 7: {
        auto o = nlohmann::ordered_json::object();
        for (size_t n = Count(5); n-- && ok;) {
          std::string k = Str();
          o[k] = Json(depth + 1);
        }
        return o;
      }
      default: ok = false; return nullptr;
    }
  }

 private:
  bool Need(size_t n) {
    if (ok && static_cast<size_t>(end_ - p_) >= n) return true;
    ok = false;
    return false;
  }
  const char* p_;
  const char* end_;
};

void WriteIndex(Writer& w, const std::map<std::string, int>& m) {
  w.Count(m.size());
  for (auto& [k, v] : m) w.Str(k), w.I32(v);
}

std::map<std::string, int> ReadIndex(Reader& r) {
  std::map<std::string, int> m;
  for (size_t n = r.Count(8); n-- && r.ok;) {
    std::string k = r.Str();
    m[std::move(k)] = r.I32();
  }
  return m;
}

void WriteHolidays(Writer& w, const std::map<int32_t, check::HolidayName>& m) {
  w.Count(m.size());
  for (auto& [day, h] : m) w.I32(day), w.StrMap(h.names);
}

std::map<int32_t, check::HolidayName> ReadHolidays(Reader& r) {
  std::map<int32_t, check::HolidayName> m;
  for (size_t n = r.Count(8); n-- && r.ok;) {
    int32_t day = r.I32();
    m[day].names = r.StrMap();
  }
  return m;
}

}  // namespace

bool EncodeProject(const Project& p, const std::vector<diag::Diagnostic>& diags, std::string& out) {
  out.clear();
  Writer w(out);
  w.Count(p.enums.size());
  for (auto& e : p.enums) {
    w.Str(e.name);
    w.Count(e.values.size());
    for (auto& v : e.values) w.Str(v);
  }
  w.Count(p.records.size());
  for (auto& rec : p.records) {
    w.Str(rec.name);
    w.Count(rec.fields.size());
    for (auto& f : rec.fields) w.Str(f.name), w.Type(f.type), w.Span(f.span);
  }
  w.I32(p.root);
  for (auto* names : {&p.actions, &p.events}) {
    w.Count(names->size());
    for (auto& n : *names) w.Str(n);
  }
  w.Count(p.event_dates.size());
  for (auto& d : p.event_dates) w.Ints(d);
  w.Count(p.jurisdictions.size());
  for (auto& j : p.jurisdictions) w.Str(j.code), w.I32(j.parent), w.I32(j.depth), w.StrMap(j.names);
  w.Count(p.groups.size());
  for (auto& g : p.groups) {
    w.Str(g.name), w.StrMap(g.names);
    w.Count(g.members.size());
    for (auto& m : g.members) w.I32(m.jurisdiction), w.I32(m.from), w.I32(m.until), w.Str(m.note);
  }
  w.Count(p.calendars.size());
  for (auto& c : p.calendars) {
    w.Str(c.name), w.StrMap(c.names), w.U8(c.weekend_mask), w.Str(c.zone);
    w.Count(c.years.size());
    for (auto& [y, notice] : c.years) w.I32(y), w.Str(notice);
    WriteHolidays(w, c.holidays);
    WriteHolidays(w, c.workdays);
  }
  w.Count(p.rulesets.size());
  for (auto& rs : p.rulesets) {
    w.Str(rs.id), w.StrMap(rs.title), w.Str(rs.authority), w.I32(rs.jurisdiction), w.I32(rs.group);
    w.Str(rs.force), w.I32(rs.force_rank), w.I32(rs.effective), w.I32(rs.expires), w.Bool(rs.has_expiry);
    w.Bool(rs.binding), w.Str(rs.source), w.Str(rs.version), w.Str(rs.sha256), w.I32(rs.calendar);
    w.I32(rs.applies_kind), w.Expr(rs.applies_where), w.Ints(rs.rules), w.U32(rs.file), w.Span(rs.span);
    w.Span(rs.expires_span);
  }
  w.Count(p.rules.size());
  for (auto& r : p.rules) {
    w.I32(r.ruleset), w.Str(r.name), w.Str(r.id), w.Span(r.span);
    w.Str(r.cite.instrument), w.Str(r.cite.article), w.Str(r.cite.paragraph), w.Str(r.cite.item);
    w.Bool(r.has_cite), w.Expr(r.when), w.U8(static_cast<uint8_t>(r.modality));
    w.U8(static_cast<uint8_t>(r.mode)), w.Ints(r.actions);
    w.Count(r.timings.size());
    for (auto& t : r.timings) {
      w.U8(static_cast<uint8_t>(t.kind)), w.I32(t.event), w.Expr(t.anchor), w.Expr(t.anchor_list);
      w.Str(t.anchor_text), w.I64(t.n), w.Str(t.unit), w.Bool(t.roll);
    }
    w.Expr(r.satisfied), w.StrMap(r.messages);
    w.Count(r.message_args.size());
    for (auto& [name, e] : r.message_args) w.Str(name), w.Expr(e);
    w.Ints(r.exception_to), w.Ints(r.exceptions), w.Span(r.name_span);
  }
  w.Count(p.tests.size());
  for (auto& t : p.tests) {
    w.Str(t.name), w.Span(t.span), w.Span(t.case_span), w.Bool(t.as_of.has_value()), w.I32(t.as_of.value_or(0));
    w.Json(t.case_value);
    w.Count(t.expects.size());
    for (auto& x : t.expects) {
      w.U8(static_cast<uint8_t>(x.kind)), w.Span(x.span), w.I32(x.verdict), w.I32(x.action), w.I32(x.rule);
      w.Str(x.path), w.I32(x.date);
    }
  }
  WriteIndex(w, p.jurisdiction_index);
  WriteIndex(w, p.group_index);
  WriteIndex(w, p.calendar_index);
  w.Count(diags.size());
  for (auto& d : diags) {
    w.U32(static_cast<uint32_t>(d.code)), w.U8(static_cast<uint8_t>(d.severity)), w.Span(d.span);
    w.Count(d.args.size());
    for (auto& [k, v] : d.args) w.Str(k), w.Str(v);
    w.Str(d.help);
    w.Count(d.notes.size());
    for (auto& n : d.notes) w.Span(n.span), w.Str(n.message);
  }
  return w.ok;
}

bool DecodeProject(std::string_view bytes, Project& p, std::vector<diag::Diagnostic>& diags) {
  p = Project();
  diags.clear();
  Reader r(bytes);
  p.enums.resize(r.Count(8));
  for (auto& e : p.enums) {
    e.name = r.Str();
    e.values.resize(r.Count(4));
    for (auto& v : e.values) v = r.Str();
  }
  p.records.resize(r.Count(8));
  for (auto& rec : p.records) {
    rec.name = r.Str();
    rec.fields.resize(r.Count(30));
    for (auto& f : rec.fields) f.name = r.Str(), f.type = r.Type(), f.span = r.Span();
  }
  p.root = r.I32();
  for (auto* names : {&p.actions, &p.events}) {
    names->resize(r.Count(4));
    for (auto& n : *names) n = r.Str();
  }
  p.event_dates.resize(r.Count(4));
  for (auto& d : p.event_dates) d = r.Ints();
  p.jurisdictions.resize(r.Count(16));
  for (auto& j : p.jurisdictions) j.code = r.Str(), j.parent = r.I32(), j.depth = r.I32(), j.names = r.StrMap();
  p.groups.resize(r.Count(12));
  for (auto& g : p.groups) {
    g.name = r.Str(), g.names = r.StrMap();
    g.members.resize(r.Count(16));
    for (auto& m : g.members) m.jurisdiction = r.I32(), m.from = r.I32(), m.until = r.I32(), m.note = r.Str();
  }
  p.calendars.resize(r.Count(25));
  for (auto& c : p.calendars) {
    c.name = r.Str(), c.names = r.StrMap(), c.weekend_mask = r.U8(), c.zone = r.Str();
    for (size_t n = r.Count(8); n-- && r.ok;) {
      int y = r.I32();
      c.years[y] = r.Str();
    }
    c.holidays = ReadHolidays(r);
    c.workdays = ReadHolidays(r);
  }
  p.rulesets.resize(r.Count(100));
  for (auto& rs : p.rulesets) {
    rs.id = r.Str(), rs.title = r.StrMap(), rs.authority = r.Str(), rs.jurisdiction = r.I32(), rs.group = r.I32();
    rs.force = r.Str(), rs.force_rank = r.I32(), rs.effective = r.I32(), rs.expires = r.I32();
    rs.has_expiry = r.Bool(), rs.binding = r.Bool(), rs.source = r.Str(), rs.version = r.Str();
    rs.sha256 = r.Str(), rs.calendar = r.I32(), rs.applies_kind = r.I32(), rs.applies_where = r.Expr();
    rs.rules = r.Ints(), rs.file = r.U32(), rs.span = r.Span(), rs.expires_span = r.Span();
  }
  p.rules.resize(r.Count(90));
  for (auto& x : p.rules) {
    x.ruleset = r.I32(), x.name = r.Str(), x.id = r.Str(), x.span = r.Span();
    x.cite.instrument = r.Str(), x.cite.article = r.Str(), x.cite.paragraph = r.Str(), x.cite.item = r.Str();
    x.has_cite = r.Bool(), x.when = r.Expr();
    x.modality = r.Enum<check::Modality>(static_cast<uint8_t>(check::Modality::Exempt));
    x.mode = r.Enum<check::ActionMode>(static_cast<uint8_t>(check::ActionMode::AllOf));
    x.actions = r.Ints();
    size_t timings = r.Count(24);
    for (size_t i = 0; i < timings && r.ok; ++i) {
      check::Timing t;
      t.kind = r.Enum<ast::Timing::Kind>(ast::Timing::Within), t.event = r.I32(), t.anchor = r.Expr();
      t.anchor_list = r.Expr(), t.anchor_text = r.Str(), t.n = r.I64(), t.unit = r.Str(), t.roll = r.Bool();
      x.timings.push_back(std::move(t));
    }
    x.satisfied = r.Expr(), x.messages = r.StrMap();
    size_t args = r.Count(5);
    for (size_t i = 0; i < args && r.ok; ++i) {
      std::string name = r.Str();
      x.message_args.emplace_back(std::move(name), r.Expr());
    }
    x.exception_to = r.Ints(), x.exceptions = r.Ints(), x.name_span = r.Span();
  }
  p.tests.resize(r.Count(50));
  for (auto& t : p.tests) {
    t.name = r.Str(), t.span = r.Span(), t.case_span = r.Span();
    bool has_as_of = r.Bool();
    int32_t as_of = r.I32();
    if (has_as_of) t.as_of = as_of;
    t.case_value = r.Json();
    t.expects.resize(r.Count(41));
    for (auto& x : t.expects) {
      x.kind = r.Enum<ast::Expectation::Kind>(ast::Expectation::Due), x.span = r.Span(), x.verdict = r.I32();
      x.action = r.I32(), x.rule = r.I32(), x.path = r.Str(), x.date = r.I32();
    }
  }
  p.jurisdiction_index = ReadIndex(r);
  p.group_index = ReadIndex(r);
  p.calendar_index = ReadIndex(r);
  diags.resize(r.Count(35));
  for (auto& d : diags) {
    uint32_t code = r.U32();
    if (code >= kCodeCount) r.ok = false;
    d.code = static_cast<diag::Code>(r.ok ? code : 0);
    d.severity = r.Enum<diag::Severity>(static_cast<uint8_t>(diag::Severity::Note));
    d.span = r.Span();
    d.args.resize(r.Count(8));
    for (auto& [k, v] : d.args) k = r.Str(), v = r.Str();
    d.help = r.Str();
    d.notes.resize(r.Count(24));
    for (auto& n : d.notes) n.span = r.Span(), n.message = r.Str();
  }
  if (!r.AtEnd()) {
    p = Project();
    diags.clear();
    return false;
  }
  return true;
}

}  // namespace lexgate::cache
