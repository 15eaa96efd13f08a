#include "eval/render.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <string_view>

#include "base/date.h"
#include "i18n/localizer.h"

namespace lexgate::eval {

namespace {

std::string CitationText(const check::Rule& r, const i18n::Localizer& loc) {
  std::string s = r.cite.instrument;
  auto part = [&](const char* key, const std::string& n) {
    if (!n.empty()) s += " " + loc.Format(key, {{"n", icu::Formattable(icu::UnicodeString::fromUTF8(n))}});
  };
  part("citation/article", r.cite.article);
  part("citation/paragraph", r.cite.paragraph);
  part("citation/item", r.cite.item);
  return s;
}

// A rule's `with` arguments as ICU values: numbers, dates, jurisdiction display names, enum words.
i18n::Args MessageArgs(const ir::Program& prog, const check::Rule& rule, const Finding& f, const i18n::Localizer& loc) {
  const check::Project& p = *prog.project;
  i18n::Args args;
  for (size_t i = 0; i < rule.message_args.size() && i < f.message_args.size(); ++i) {
    const auto& [name, expr] = rule.message_args[i];
    const ir::Val& v = f.message_args[i];
    const check::Type& t = expr->type;
    icu::Formattable value;
    switch (t.kind) {
      case check::TypeKind::Int:
      case check::TypeKind::Count: value = icu::Formattable(static_cast<int64_t>(v.lo)); break;
      case check::TypeKind::Decimal: value = icu::Formattable(static_cast<double>(v.lo) / 1e6); break;
      case check::TypeKind::Date:
        if (!v.known) continue;
        value = i18n::DateArg(static_cast<int32_t>(v.lo));
        break;
      case check::TypeKind::Jurisdiction:
        if (!v.known) continue;
        value = icu::Formattable(icu::UnicodeString::fromUTF8(loc.CountryName(p.jurisdictions[v.lo].code)));
        break;
      case check::TypeKind::Enum:
        if (!v.known) continue;
        value = icu::Formattable(icu::UnicodeString::fromUTF8(p.enums[t.id].values[v.lo]));
        break;
      case check::TypeKind::Bool:
        if (!v.known) continue;
        value = icu::Formattable(icu::UnicodeString(v.lo ? "true" : "false"));
        break;
      default: continue;
    }
    args.emplace_back(name, value);
  }
  return args;
}

std::string Message(const ir::Program& prog, const check::Rule& rule, const Finding* f, const i18n::Localizer& loc) {
  for (const auto& l : loc.chain()) {
    auto it = rule.messages.find(l);
    if (it == rule.messages.end()) continue;
    i18n::Args args = f ? MessageArgs(prog, rule, *f, loc) : i18n::Args{};
    std::string text = loc.FormatPattern(it->second, args);
    // A Traditional-script reader given a message written in Simplified (`zh`) gets it converted.
    if ((l == "zh" || l == "zh_Hans") && std::string(loc.locale().getScript()) == "Hant") text = i18n::ToTraditional(text);
    return text;
  }
  return rule.id;
}

std::string Period(const i18n::Localizer& loc, int64_t n, const std::string& unit, bool before = false) {
  return loc.Format((before ? "unit_before/" : "unit/") + unit, {{"n", icu::Formattable(static_cast<int64_t>(n))}});
}

std::string TimingText(const i18n::Localizer& loc, const check::Timing& t, const std::string& anchor) {
  icu::Formattable a(icu::UnicodeString::fromUTF8(anchor));
  switch (t.kind) {
    case ast::Timing::Before: return loc.Format("text/timing_before", {{"anchor", a}});
    case ast::Timing::BeforeMinus:
      return loc.Format("text/timing_before_minus", {{"anchor", a}, {"period", icu::Formattable(icu::UnicodeString::fromUTF8(Period(loc, t.n, t.unit, true)))}});
    case ast::Timing::Within:
      return loc.Format("text/timing_within", {{"anchor", a}, {"period", icu::Formattable(icu::UnicodeString::fromUTF8(Period(loc, t.n, t.unit)))}});
  }
  return "";
}

icu::Formattable Str(const std::string& s) { return icu::Formattable(icu::UnicodeString::fromUTF8(s)); }

std::string Question(const i18n::Localizer& loc, const std::string& fact) {
  return loc.Format("text/question", {{"fact", Str(fact)}});
}

// The per-thread caches below are keyed by the locale as requested (`lexgate serve` takes it from the
// query string), so a thread keeps at most this many and starts afresh when a new one comes. A render
// asks each cache for one locale only, so no reference it holds is cleared under it.
constexpr size_t kMaxCachedLocales = 16;

// Opening the bundles for a locale is costly: one Localizer per thread and locale is kept.
const i18n::Localizer& LocalizerFor(const std::string& locale) {
  thread_local std::map<std::string, std::unique_ptr<i18n::Localizer>> cache;
  if (cache.size() >= kMaxCachedLocales && !cache.count(locale)) cache.clear();
  auto& slot = cache[locale];
  if (!slot) slot = std::make_unique<i18n::Localizer>(locale);
  return *slot;
}

}  // namespace

nlohmann::ordered_json CitationJson(const check::Rule& r) {
  nlohmann::ordered_json c = nlohmann::ordered_json::object();
  c["instrument"] = r.cite.instrument;
  if (!r.cite.article.empty()) c["article"] = r.cite.article;
  if (!r.cite.paragraph.empty()) c["paragraph"] = r.cite.paragraph;
  if (!r.cite.item.empty()) c["item"] = r.cite.item;
  return c;
}
std::string CitationText(const check::Rule& rule, const std::string& locale) { return CitationText(rule, LocalizerFor(locale)); }

std::string RuleMessage(const check::Rule& rule, const std::string& locale) {
  i18n::Localizer loc(locale);
  for (const auto& l : loc.chain()) {
    auto it = rule.messages.find(l);
    if (it != rule.messages.end()) return loc.FormatPattern(it->second, {});
  }
  return rule.id;
}

namespace {

// Whether any of the 8 bytes in `w` needs escaping: a control character, '"' or '\\'.
bool NeedsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return (below_space | zero_byte(w ^ (kOnes * '"')) | zero_byte(w ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  // Most strings need no escape: they are copied with their quotes in one append (a short one) or three.
  size_t i = 0;
  while (i + 8 <= s.size()) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (NeedsEscape(w)) break;
    i += 8;
  }
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') break;
    ++i;
  }
  if (i == s.size()) {
    constexpr size_t kShort = 62;
    if (s.size() <= kShort) {
      char buf[kShort + 2];
      buf[0] = '"';
      std::memcpy(buf + 1, s.data(), s.size());
      buf[s.size() + 1] = '"';
      out.append(buf, s.size() + 2);
    } else {
      out += '"';
      out.append(s);
      out += '"';
    }
    return;
  }
  out += '"';
  size_t run = 0;  // the plain bytes before i are copied with the first escape
  for (;;) {
    while (i + 8 <= s.size()) {  // eight plain bytes at a time
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (NeedsEscape(w)) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static const char kHex[] = "0123456789ABCDEF";
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

namespace {

// The decision is streamed straight into the output with RapidJSON's writer: building an nlohmann tree
// and dumping it cost ~90 % of rendering (allocation per node), and batch and serve render every case.
// Output is the same as nlohmann's dump (2-space indent, ": " after keys, UTF-8 unescaped) except that
// control characters are escaped with upper-case hex digits (\u001F); both are the same JSON.
// The one-line JSON rapidjson::Writer writes (the same bytes: its separators, its escapes — \b \f \n \r
// \t, other control characters as \u00XX with upper-case hex, '"' and '\\'; UTF-8 passed through),
// appended straight to a std::string: plain runs of a string are copied eight bytes at a time instead of
// byte by byte through the writer's stream (most of the full batch format's rendering time).
class DirectWriter {
 public:
  explicit DirectWriter(std::string& out) : out_(out) {}
  bool Key(const char* s, rapidjson::SizeType n) { return String(s, n); }
  bool String(const char* s, rapidjson::SizeType n) {
    Prefix();
    Escaped(std::string_view(s, n));
    return true;
  }
  bool Bool(bool b) {
    Prefix();
    out_ += b ? "true" : "false";
    return true;
  }
  bool Int64(int64_t v) {
    Prefix();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    return true;
  }
  // A key that needs no escaping (a literal of this file: ASCII letters and '_'), with the separator
  // before it and the ':' after it, in one append; the value written next then writes no separator.
  void PlainKey(std::string_view k) {
    char buf[kMaxPlain + 4];
    if (k.size() > kMaxPlain || depth_ == 0) {
      Prefix();
      out_ += '"';
      out_ += k;
      out_ += '"';
      return;
    }
    Level& l = levels_[depth_ - 1];
    size_t n = 0;
    if (l.count > 0) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, k.data(), k.size());
    n += k.size();
    buf[n++] = '"';
    buf[n++] = ':';
    out_.append(buf, n);
    l.count += 2;  // the key and its value
    after_key_ = true;
  }
  // A string value that needs no escaping (a name from a fixed table: verdict, status, reason …).
  void PlainString(std::string_view v) {
    char buf[kMaxPlain + 3];
    if (v.size() > kMaxPlain) {
      String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
      return;
    }
    size_t n = 0;
    if (after_key_) {
      after_key_ = false;
    } else if (depth_ > 0) {
      Level& l = levels_[depth_ - 1];
      if (l.count > 0) buf[n++] = l.array ? ',' : (l.count % 2 == 0 ? ',' : ':');
      ++l.count;
    }
    buf[n++] = '"';
    std::memcpy(buf + n, v.data(), v.size());
    n += v.size();
    buf[n++] = '"';
    out_.append(buf, n);
  }
  // A string value already quoted and escaped (AppendJsonString's bytes), or any value already written
  // as JSON by a DirectWriter.
  void RawString(std::string_view quoted) {
    Prefix();
    out_ += quoted;
  }
  // `n` members of the current object, already written as JSON ("k":v,"k2":v2) by a DirectWriter.
  void RawMembers(std::string_view json, uint32_t n) {
    Level& l = levels_[depth_ - 1];
    if (l.count > 0) out_ += ',';
    out_ += json;
    l.count += 2 * n;
  }
  bool StartObject() { return Open('{', false); }
  bool EndObject() { return Close('}'); }
  bool StartArray() { return Open('[', true); }
  bool EndArray() { return Close(']'); }

 private:
  struct Level {
    bool array;
    uint32_t count;
  };
  // As rapidjson::Writer::Prefix: ',' between array values and members, ':' between a key and its value.
  void Prefix() {
    if (after_key_) {  // PlainKey wrote the ':' and counted this value
      after_key_ = false;
      return;
    }
    if (depth_ == 0) return;
    Level& l = levels_[depth_ - 1];
    if (l.count > 0) out_ += l.array ? ',' : (l.count % 2 == 0 ? ',' : ':');
    ++l.count;
  }
  bool Open(char c, bool array) {
    Prefix();
    if (depth_ == kMaxDepth) throw std::logic_error("decision JSON nested too deep");
    levels_[depth_++] = Level{array, 0};
    out_ += c;
    return true;
  }
  bool Close(char c) {
    --depth_;
    out_ += c;
    return true;
  }
  void Escaped(std::string_view s) { AppendJsonString(out_, s); }

  static constexpr int kMaxDepth = 32;
  static constexpr size_t kMaxPlain = 60;
  std::string& out_;
  Level levels_[kMaxDepth];
  int depth_ = 0;
  bool after_key_ = false;  // PlainKey wrote a key, its ':' and counted the value to come
};

template <class Writer>
class JsonOut {
 public:
  explicit JsonOut(Writer& w) : w_(w) {}
  void Key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  // A key written as a literal in this file needs no escaping: DirectWriter copies it as it is.
  template <size_t N>
  void Key(const char (&k)[N]) {
    if constexpr (std::is_same_v<Writer, DirectWriter>) w_.PlainKey(std::string_view(k, N - 1));
    else w_.Key(k, static_cast<rapidjson::SizeType>(N - 1));
  }
  void Str(std::string_view v) { w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); }
  // A value from a fixed table of names (ASCII letters and '_'): DirectWriter copies it without a scan.
  template <size_t N>
  void Name(const char (&k)[N], std::string_view v) {
    Key(k);
    if constexpr (std::is_same_v<Writer, DirectWriter>) w_.PlainString(v);
    else Str(v);
  }
  void Str(std::string_view k, std::string_view v) { Key(k); Str(v); }
  template <size_t N>
  void Str(const char (&k)[N], std::string_view v) { Key(k); Str(v); }
  void Bool(std::string_view k, bool v) { Key(k); w_.Bool(v); }
  template <size_t N>
  void Bool(const char (&k)[N], bool v) { Key(k); w_.Bool(v); }
  void Int(int64_t v) { w_.Int64(v); }
  void StartObject() { w_.StartObject(); }
  void EndObject() { w_.EndObject(); }
  void StartArray() { w_.StartArray(); }
  void EndArray() { w_.EndArray(); }
  template <size_t N>
  void Object(const char (&k)[N]) { Key(k); StartObject(); }
  template <size_t N>
  void Array(const char (&k)[N]) { Key(k); StartArray(); }

 private:
  Writer& w_;
};

template <class Out>
void WriteCitation(Out& out, const check::Rule& r) {
  out.StartObject();
  out.Str("instrument", r.cite.instrument);
  if (!r.cite.article.empty()) out.Str("article", r.cite.article);
  if (!r.cite.paragraph.empty()) out.Str("paragraph", r.cite.paragraph);
  if (!r.cite.item.empty()) out.Str("item", r.cite.item);
  out.EndObject();
}

// A finding's timing fields. With several timing clauses a later clause's value replaces an earlier
// one's under the same key, keeping the key where it first appeared.
// One per thread, cleared for each finding (its vectors keep their capacity: no allocation per finding).
struct TimingFields {
  std::vector<std::pair<std::string_view, std::string>> text;
  size_t size = 0;  // the entries of `text` in use
  std::vector<int> unpublished;
  size_t unpublished_at = std::string::npos;  // position among `text` keys, when present
  void Clear() {
    size = 0;
    unpublished.clear();
    unpublished_at = std::string::npos;
  }
  void Set(std::string_view k, std::string_view v) {
    for (size_t i = 0; i < size; ++i)
      if (text[i].first == k) {
        text[i].second.assign(v);
        return;
      }
    if (size == text.size()) text.emplace_back();
    text[size].first = k;
    text[size].second.assign(v);
    ++size;
  }
};

// The members of a finding that depend only on its rule: before the timing, and after the message's
// neighbours (jurisdiction … citation); and a ruleset's identity in the per-ruleset list.
template <class Out>
void WriteRuleHead(Out& out, const check::Project& p, const check::Rule& r) {
  out.Str("rule", r.id);
  out.Str("modality", check::ModalityName(r.modality));
  out.Bool("binding", p.rulesets[r.ruleset].binding);
  out.Object("actions");
  out.Array(r.mode == check::ActionMode::OneOf ? "one_of" : "all_of");
  for (int a : r.actions) out.Str(p.actions[a]);
  out.EndArray();
  out.EndObject();
}
constexpr uint32_t kRuleHeadMembers = 4;

template <class Out>
void WriteRuleTail(Out& out, const check::Project& p, const check::Rule& r) {
  const auto& rs = p.rulesets[r.ruleset];
  out.Str("jurisdiction", rs.jurisdiction >= 0 ? p.jurisdictions[rs.jurisdiction].code
                          : rs.group >= 0      ? p.groups[rs.group].name
                                               : std::string());
  out.Str("authority", rs.authority);
  out.Str("force", rs.force);
  out.Key("citation");
  WriteCitation(out, r);
}
constexpr uint32_t kRuleTailMembers = 4;

template <class Out>
void WriteRulesetHead(Out& out, const check::Ruleset& rs) {
  out.Str("id", rs.id);
  out.Str("version", rs.version);
  out.Str("sha256", rs.sha256);
}

// Members written once by a DirectWriter, without the object's opening brace.
template <class F>
std::string Members(F write) {
  std::string s;
  DirectWriter w(s);
  JsonOut<DirectWriter> out(w);
  out.StartObject();
  write(out);
  return s.substr(1);
}

constexpr RulesetState kRulesetStates[] = {RulesetState::Applied, RulesetState::NotApplicable, RulesetState::NotInForce, RulesetState::Expired,
                                           RulesetState::Unknown};
static_assert(static_cast<size_t>(RulesetState::Unknown) + 1 == std::size(kRulesetStates), "every ruleset state, in order");

// Localised text that depends only on the rules and the locale, formatted once per thread, project and
// locale: the message of a rule without `with` arguments, the question asking for a missing fact. Keyed
// by the project's ownership, so a reloaded project is never mistaken for an earlier one at its address.
struct TextCache {
  std::weak_ptr<const check::Project> project;
  std::vector<std::string> rule_head, rule_tail;  // one-line JSON members (DirectWriter)
  std::vector<std::string> rule_id_json;  // per rule: its id, quoted and escaped
  // Per ruleset and state: its whole entry in the per-ruleset list, {"id":…,"version":…,"sha256":…,"state":…}.
  std::vector<std::string> ruleset_entry;
  std::vector<std::string> message;  // per rule, when has_message
  std::vector<std::string> message_json;  // the same quoted and escaped, for DirectWriter
  std::vector<uint8_t> has_message;
  std::map<std::string, std::string, std::less<>> question;  // per fact
  std::map<std::string, std::string, std::less<>> question_json;  // per fact, quoted and escaped
};

TextCache& TextCacheFor(const ir::Program& prog, const std::string& locale) {
  thread_local std::map<std::string, TextCache> caches;
  if (caches.size() >= kMaxCachedLocales && !caches.count(locale)) caches.clear();
  TextCache& c = caches[locale];
  const auto& p = prog.project;
  if (c.project.owner_before(p) || p.owner_before(c.project) || c.project.expired() || c.message.size() != p->rules.size()) {
    c = TextCache{};
    c.project = p;
    c.message.resize(p->rules.size());
    c.message_json.resize(p->rules.size());
    c.has_message.assign(p->rules.size(), 0);
    for (const auto& r : p->rules) {
      c.rule_head.push_back(Members([&](auto& out) { WriteRuleHead(out, *p, r); }));
      c.rule_tail.push_back(Members([&](auto& out) { WriteRuleTail(out, *p, r); }));
      c.rule_id_json.emplace_back();
      AppendJsonString(c.rule_id_json.back(), r.id);
    }
    for (const auto& rs : p->rulesets) {
      for (RulesetState st : kRulesetStates)
        c.ruleset_entry.push_back("{" + Members([&](auto& out) {
                                    WriteRulesetHead(out, rs);
                                    out.Str("state", RulesetStateName(st));
                                  }) + "}");
    }
  }
  return c;
}

const std::string& CachedMessage(TextCache& cache, const ir::Program& prog, int rule, const Finding& f, const i18n::Localizer& loc,
                                 std::string& scratch) {
  const check::Rule& r = prog.project->rules[rule];
  if (!r.message_args.empty()) return scratch = Message(prog, r, &f, loc);  // depends on the case's values
  if (!cache.has_message[rule]) {
    cache.message[rule] = Message(prog, r, &f, loc);
    cache.message_json[rule].clear();
    AppendJsonString(cache.message_json[rule], cache.message[rule]);
    cache.has_message[rule] = 1;
  }
  return cache.message[rule];
}

// The message as a quoted JSON string, escaped once per rule when it has no `with` arguments.
void WriteMessage(DirectWriter& w, TextCache& cache, const ir::Program& prog, int rule, const Finding& f, const i18n::Localizer& loc,
                  std::string& scratch) {
  if (!prog.project->rules[rule].message_args.empty()) {
    const std::string& m = CachedMessage(cache, prog, rule, f, loc, scratch);
    w.String(m.data(), static_cast<rapidjson::SizeType>(m.size()));
    return;
  }
  CachedMessage(cache, prog, rule, f, loc, scratch);
  w.RawString(cache.message_json[rule]);
}

const std::string& CachedQuestion(TextCache& cache, const i18n::Localizer& loc, const std::string& fact) {
  auto it = cache.question.find(fact);
  if (it != cache.question.end()) return it->second;
  if (cache.question.size() >= 4096) cache.question.clear();  // list element paths are many: stay bounded
  return cache.question.emplace(fact, Question(loc, fact)).first->second;
}

const std::string& CachedQuestionJson(TextCache& cache, const i18n::Localizer& loc, const std::string& fact) {
  auto it = cache.question_json.find(fact);
  if (it != cache.question_json.end()) return it->second;
  if (cache.question_json.size() >= 4096) cache.question_json.clear();
  std::string quoted;
  AppendJsonString(quoted, CachedQuestion(cache, loc, fact));
  return cache.question_json.emplace(fact, std::move(quoted)).first->second;
}

template <class Writer>
void WriteDecision(Writer& w, const ir::Program& prog, const Decision& d, const RenderOptions& o) {
  const check::Project& p = *prog.project;
  const i18n::Localizer& loc = LocalizerFor(o.locale);
  TextCache& texts = TextCacheFor(prog, o.locale);
  std::string message_scratch;
  JsonOut<Writer> out(w);
  out.StartObject();
  out.Str("case", d.case_id);
  out.Name("verdict", VerdictName(d.verdict));
  out.Str("as_of", FormatDate(d.as_of));
  if (!o.history_source.empty()) {
    out.Object("history_source");
    for (const auto& [k, v] : o.history_source) out.Str(k, v);
    out.EndObject();
  }
  out.Array("findings");
  for (const auto& f : d.findings) {
    const auto& r = p.rules[f.rule];
    const auto& rs = p.rulesets[r.ruleset];
    out.StartObject();
    if constexpr (std::is_same_v<Writer, DirectWriter>) w.RawMembers(texts.rule_head[f.rule], kRuleHeadMembers);
    else WriteRuleHead(out, p, r);
    if (!r.timings.empty()) {
      thread_local TimingFields reused;
      TimingFields& tf = reused;
      tf.Clear();
      for (size_t i = 0; i < r.timings.size(); ++i) {
        const auto& t = r.timings[i];
        if (t.kind == ast::Timing::Within) {
          tf.Set("within", std::to_string(t.n) + " " + t.unit);
          tf.Set("after", t.anchor_text);
        } else {
          tf.Set("before", t.anchor_text);
          if (t.kind == ast::Timing::BeforeMinus) tf.Set("minus", std::to_string(t.n) + " " + t.unit);
        }
        if (i < f.due.size() && f.due[i]) {
          if (!f.due[i]->anchor.empty() && t.kind == ast::Timing::Within) tf.Set("after", f.due[i]->anchor);
          if (!f.due[i]->anchor.empty() && t.kind != ast::Timing::Within) tf.Set("before", f.due[i]->anchor);
          tf.Set("due", FormatDate(f.due[i]->date));
          if (rs.calendar >= 0 && t.unit == "working_days") tf.Set("calendar", p.calendars[rs.calendar].name);
          if (!f.due[i]->unpublished_years.empty()) {
            if (tf.unpublished_at == std::string::npos) tf.unpublished_at = tf.size;
            tf.unpublished = f.due[i]->unpublished_years;
          }
        }
      }
      out.Object("timing");
      for (size_t i = 0; i <= tf.size; ++i) {
        if (i == tf.unpublished_at) {
          out.Array("calendar_unpublished_years");
          for (int y : tf.unpublished) out.Int(y);
          out.EndArray();
        }
        if (i >= tf.size) continue;
        if constexpr (std::is_same_v<Writer, DirectWriter>) {
          w.PlainKey(tf.text[i].first);  // the keys are literals of this file (TimingFields::Set's callers)
          out.Str(tf.text[i].second);
        } else {
          out.Str(tf.text[i].first, tf.text[i].second);
        }
      }
      out.EndObject();
    }
    out.Name("applies", f.applies == Tri::True ? "yes" : "unknown");
    if (r.modality == check::Modality::Must) out.Name("status", StatusName(f.status));
    if (!f.satisfied_by.empty()) out.Str("satisfied_by", f.satisfied_by);
    if (f.governed_by >= 0) {
      if constexpr (std::is_same_v<Writer, DirectWriter>) {
        out.Key("governed_by");
        w.RawString(texts.rule_id_json[f.governed_by]);
      } else {
        out.Str("governed_by", p.rules[f.governed_by].id);
      }
      out.Name("precedence", ReasonName(f.reason));
    }
    if constexpr (std::is_same_v<Writer, DirectWriter>) w.RawMembers(texts.rule_tail[f.rule], kRuleTailMembers);
    else WriteRuleTail(out, p, r);
    if constexpr (std::is_same_v<Writer, DirectWriter>) {
      out.Key("message");
      WriteMessage(w, texts, prog, f.rule, f, loc, message_scratch);
    } else {
      out.Str("message", CachedMessage(texts, prog, f.rule, f, loc, message_scratch));
    }
    out.EndObject();
  }
  out.EndArray();
  out.Array("exempted");
  for (const auto& e : d.exempted) {
    out.StartObject();
    out.Str("rule", p.rules[e.rule].id);
    out.Str("by", p.rules[e.by].id);
    out.Key("citation");
    WriteCitation(out, p.rules[e.by]);
    out.EndObject();
  }
  out.EndArray();
  out.Array("overridden");
  for (const auto& e : d.overridden) {
    out.StartObject();
    out.Str("rule", p.rules[e.rule].id);
    out.Str("by", p.rules[e.by].id);
    out.Name("reason", ReasonName(e.reason));
    out.EndObject();
  }
  out.EndArray();
  out.Array("missing");
  for (const auto& m : d.missing) {
    out.StartObject();
    out.Str("fact", m.fact);
    out.Array("asked_by");
    for (int r : m.asked_by) {
      if constexpr (std::is_same_v<Writer, DirectWriter>) w.RawString(texts.rule_id_json[r]);
      else out.Str(p.rules[r].id);
    }
    out.EndArray();
    out.Name("decides", m.decides_verdict ? "verdict" : "obligations");
    if constexpr (std::is_same_v<Writer, DirectWriter>) {
      out.Key("question");
      w.RawString(CachedQuestionJson(texts, loc, m.fact));
    } else {
      out.Str("question", CachedQuestion(texts, loc, m.fact));
    }
    out.EndObject();
  }
  out.EndArray();
  out.Array("rulesets");
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    if constexpr (std::is_same_v<Writer, DirectWriter>) {
      w.RawString(texts.ruleset_entry[static_cast<size_t>(u.ruleset) * std::size(kRulesetStates) + static_cast<size_t>(u.state)]);
      continue;
    }
    out.StartObject();
    WriteRulesetHead(out, rs);
    out.Str("state", RulesetStateName(u.state));
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
}

}  // namespace

void RenderJsonInto(const ir::Program& prog, const Decision& d, const RenderOptions& o, std::string& out) {
  if (o.compact) {
    DirectWriter w(out);
    WriteDecision(w, prog, d, o);
  } else {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    WriteDecision(w, prog, d, o);
    out.append(buf.GetString(), buf.GetSize());
  }
  out += '\n';
}

std::string RenderJson(const ir::Program& prog, const Decision& d, const RenderOptions& o) {
  if (o.compact) {
    std::string s;
    RenderJsonInto(prog, d, o, s);
    return s;
  }
  rapidjson::StringBuffer buf;
  {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    WriteDecision(w, prog, d, o);
  }
  std::string s(buf.GetString(), buf.GetSize());
  s += '\n';
  return s;
}

std::string RenderText(const ir::Program& prog, const Decision& d, const RenderOptions& o) {
  const check::Project& p = *prog.project;
  const i18n::Localizer& loc = LocalizerFor(o.locale);
  auto bold = [&](const std::string& s) { return o.color ? "\x1b[1m" + s + "\x1b[0m" : s; };
  std::string verdict = loc.Text(std::string("verdict/") + VerdictName(d.verdict));
  if (o.color) {
    const char* c = d.verdict == Verdict::Permitted ? "\x1b[1;32m" : d.verdict == Verdict::Prohibited ? "\x1b[1;31m" : "\x1b[1;33m";
    verdict = c + verdict + "\x1b[0m";
  }
  std::string out = loc.Format("text/case_line", {{"id", Str(d.case_id.empty() ? loc.Text("text/no_id") : d.case_id)},
                                                  {"verdict", Str(verdict)},
                                                  {"date", i18n::DateArg(d.as_of)}}) + "\n";
  if (!d.findings.empty()) out += "\n" + bold(loc.Text("heading/findings")) + "\n";
  // One case can engage several legal orders (China, the EU, the US): their findings are grouped under
  // each one's name; a decision under one legal order needs no heading.
  std::vector<int32_t> orders;
  for (const auto& f : d.findings) {
    int32_t o2 = prog.ruleset_legal_order[p.rules[f.rule].ruleset];
    if (std::find(orders.begin(), orders.end(), o2) == orders.end()) orders.push_back(o2);
  }
  auto order_name = [&](int32_t order) -> std::string {
    if (order >= 0) return loc.CountryName(p.jurisdictions[order].code) + " (" + p.jurisdictions[order].code + ")";
    if (order <= -2) {
      const auto& g = p.groups[-2 - order];
      for (const auto& l : loc.chain()) {
        auto it = g.names.find(l);
        if (it == g.names.end()) it = g.names.find(l.substr(0, l.find('_')));
        if (it != g.names.end()) return it->second + " (" + g.name + ")";
      }
      return g.name;
    }
    return "—";
  };
  for (int32_t order : orders) {
  if (orders.size() > 1) out += " " + bold(order_name(order)) + "\n";
  for (const auto& f : d.findings) {
    if (prog.ruleset_legal_order[p.rules[f.rule].ruleset] != order) continue;
    const auto& r = p.rules[f.rule];
    const auto& rs = p.rulesets[r.ruleset];
    std::string acts;
    for (size_t i = 0; i < r.actions.size(); ++i) {
      if (i) acts += r.mode == check::ActionMode::OneOf ? " | " : " + ";
      acts += p.actions[r.actions[i]];
    }
    std::string line = "  " + loc.Text(std::string("modality/") + check::ModalityName(r.modality)) + " " + acts;
    for (size_t i = 0; i < r.timings.size(); ++i) {
      std::string anchor = i < f.due.size() && f.due[i] && !f.due[i]->anchor.empty() ? f.due[i]->anchor : r.timings[i].anchor_text;
      line += loc.Text("punct/list") + TimingText(loc, r.timings[i], anchor);
      if (i < f.due.size() && f.due[i])
        line += loc.Format("punct/paren", {{"x", Str(loc.Format("text/due", {{"date", i18n::DateArg(f.due[i]->date)}}))}});
    }
    if (r.modality == check::Modality::Must) {
      if (f.status == Status::Satisfied && !f.satisfied_by.empty())
        line += " — " + loc.Format("text/satisfied_by", {{"path", Str(f.satisfied_by)}});
      else
        line += " — " + loc.Text(std::string("status/") + StatusName(f.status));
    }
    if (f.applies == Tri::Unknown && f.status != Status::Satisfied) line += " — " + loc.Text("text/applies_unknown");
    if (!rs.binding) line += " — " + loc.Text("text/advice");
    out += line + "\n";
    out += "      " + r.id + " · " + CitationText(r, loc) + "\n";
    if (f.governed_by >= 0)
      out += "      " + loc.Format("text/governed_by", {{"rule", Str(p.rules[f.governed_by].id)},
                                                        {"reason", Str(loc.Text(std::string("reason/") + ReasonName(f.reason)))}}) + "\n";
    std::string msg = Message(prog, r, &f, loc);
    if (msg != r.id) out += "      " + msg + "\n";
  }
  }
  if (!d.exempted.empty()) {
    out += "\n" + bold(loc.Text("heading/exempted")) + "\n";
    for (const auto& e : d.exempted)
      out += "  " + p.rules[e.rule].id + " ← " + p.rules[e.by].id + " · " + CitationText(p.rules[e.by], loc) + "\n";
  }
  std::string rs_notes;
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    if (u.state == RulesetState::NotInForce)
      rs_notes += "  " + loc.Format("text/not_in_force", {{"ruleset", Str(rs.id)}, {"date", i18n::DateArg(rs.effective)}}) + "\n";
    else if (u.state == RulesetState::Expired)
      rs_notes += "  " + loc.Format("text/expired", {{"ruleset", Str(rs.id)}, {"date", i18n::DateArg(rs.expires)}}) + "\n";
    else if (u.state == RulesetState::Unknown)
      rs_notes += "  " + loc.Format("text/ruleset_unknown", {{"ruleset", Str(rs.id)}}) + "\n";
  }
  if (!rs_notes.empty()) out += "\n" + bold(loc.Text("heading/rulesets")) + "\n" + rs_notes;
  if (!d.missing.empty()) {
    out += "\n" + bold(loc.Text("heading/missing")) + "\n";
    for (const auto& m : d.missing) {
      std::string rules;
      for (size_t i = 0; i < m.asked_by.size(); ++i) rules += (i ? loc.Text("punct/list") : "") + p.rules[m.asked_by[i]].id;
      out += "  " + loc.Format("text/missing_line", {{"fact", Str(m.fact)},
                                                      {"what", Str(m.decides_verdict ? "verdict" : "obligations")},
                                                      {"rules", Str(rules)}}) + "\n";
    }
  }
  return out;
}

}  // namespace lexgate::eval
