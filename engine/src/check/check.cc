#include "check/check.h"

#include <openssl/evp.h>
#include <unicode/locid.h>
#include <unicode/msgfmt.h>
#include <unicode/timezone.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <functional>
#include <set>

#include "base/date.h"

namespace lexgate::check {

using diag::Code;

int Record::FieldIndex(const std::string& n) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == n) return static_cast<int>(i);
  return -1;
}

int Enum::ValueIndex(const std::string& v) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] == v) return static_cast<int>(i);
  return -1;
}

int Project::FindJurisdiction(const std::string& code) const {
  auto it = jurisdiction_index.find(code);
  return it == jurisdiction_index.end() ? -1 : it->second;
}

int Project::FindGroup(const std::string& name) const {
  auto it = group_index.find(name);
  return it == group_index.end() ? -1 : it->second;
}

bool Project::Contains(int32_t outer, int32_t inner) const {
  for (int32_t j = inner; j >= 0; j = jurisdictions[j].parent)
    if (j == outer) return true;
  return false;
}

std::string Project::TypeName(const Type& t) const {
  std::string base;
  switch (t.kind) {
    case TypeKind::Error: base = "an error"; break;
    case TypeKind::Bool: base = "bool"; break;
    case TypeKind::Int: base = "int"; break;
    case TypeKind::Count: base = "count"; break;
    case TypeKind::Decimal: base = "decimal"; break;
    case TypeKind::String: base = "string"; break;
    case TypeKind::Date: base = "date"; break;
    case TypeKind::Timestamp: base = "timestamp"; break;
    case TypeKind::Duration: base = "duration"; break;
    case TypeKind::Jurisdiction: base = "jurisdiction"; break;
    case TypeKind::Enum: base = "enum " + enums[t.id].name; break;
    case TypeKind::Record: base = "record " + records[t.id].name; break;
    case TypeKind::Group: base = "group"; break;
    case TypeKind::Set: base = "set"; break;
  }
  return t.list ? "list of " + base : base;
}

std::string Project::PathText(int rec, const std::vector<int>& chain) const {
  std::string s;
  for (int f : chain) {
    if (rec < 0) break;
    const Field& fd = records[rec].fields[f];
    if (!s.empty()) s += ".";
    s += fd.name;
    rec = fd.type.kind == TypeKind::Record ? fd.type.id : -1;
  }
  return s;
}

const char* ModalityName(Modality m) {
  switch (m) {
    case Modality::Must: return "must";
    case Modality::MustNot: return "must_not";
    case Modality::Should: return "should";
    case Modality::May: return "may";
    case Modality::Exempt: return "exempt";
  }
  return "must";
}

int ForceRank(const std::string& force) {
  static const std::pair<const char*, int> kRanks[] = {
      {"constitution", 8}, {"law", 7}, {"statute", 7}, {"treaty", 7}, {"administrative_regulation", 6},
      {"regulation", 6}, {"departmental_rule", 5}, {"local_regulation", 4}, {"normative_document", 3},
      {"guideline", 2}, {"guidance", 2}};
  for (auto& [n, r] : kRanks)
    if (force == n) return r;
  return 0;
}

namespace {

std::string Sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::map<std::string, std::string> TextMap(const std::vector<ast::LocalisedText>& v) {
  std::map<std::string, std::string> m;
  for (auto& t : v) m[t.locale] = t.text;
  return m;
}

bool KnownLocaleUncached(const std::string& l) {
  icu::Locale loc(l.c_str());
  if (loc.isBogus()) return false;
  const char* lang = loc.getLanguage();
  if (!lang || !*lang) return false;
  // ICU accepts any syntactically valid tag; insist that the language is one ICU has data for.
  int32_t count = 0;
  const icu::Locale* all = icu::Locale::getAvailableLocales(count);
  for (int32_t i = 0; i < count; ++i)
    if (std::strcmp(all[i].getLanguage(), lang) == 0) return true;
  return false;
}

// Every localised text asks this (the shipped rules: thousands of times for a handful of tags), and the
// answer above scans ICU's ~800 available locales: remembered per tag, for the process (issue 12).
bool KnownLocale(const std::string& l) {
  static std::mutex mu;
  static std::unordered_map<std::string, bool> known;
  {
    std::lock_guard lock(mu);
    if (auto it = known.find(l); it != known.end()) return it->second;
  }
  const bool ok = KnownLocaleUncached(l);
  std::lock_guard lock(mu);
  if (known.size() < 4096) known.emplace(l, ok);  // bounded: a file of made-up tags cannot grow it forever
  return ok;
}

// A date or a timestamp: what a deadline can run from.
bool IsMoment(const Type& t) { return !t.list && (t.kind == TypeKind::Date || t.kind == TypeKind::Timestamp); }

const char* const kVerdicts[] = {"permitted", "conditional", "prohibited", "indeterminate"};
const char* const kVerdictsZh[] = {"允许", "附条件", "禁止", "待定"};

class Checker {
 public:
  Checker(const std::vector<const ast::File*>& files, const SourceManager& sm, diag::DiagnosticSink& sink)
      : files_(files), sm_(sm), sink_(sink), p_(std::make_unique<Project>()) {}

  std::unique_ptr<const Project> Run() {
    // The pass table. Order matters: types before fields, jurisdictions before groups, rulesets before
    // rules (rules belong to them), rules before exceptions (they link rules), everything before tests.
    static const std::pair<const char*, void (Checker::*)()> kPasses[] = {
        {"DeclareTypes", &Checker::DeclareTypes},
        {"ResolveFields", &Checker::ResolveFields},
        {"DeclareVocabulary", &Checker::DeclareVocabulary},
        {"DeclareJurisdictions", &Checker::DeclareJurisdictions},
        {"DeclareGroups", &Checker::DeclareGroups},
        {"DeclareCalendars", &Checker::DeclareCalendars},
        {"DeclareRulesets", &Checker::DeclareRulesets},
        {"CheckRules", &Checker::CheckRules},
        {"BuildExceptionGraph", &Checker::BuildExceptionGraph},
        {"CheckTests", &Checker::CheckTests},
    };
    for (auto& [name, pass] : kPasses) {
      (void)name;
      (this->*pass)();
    }
    return std::move(p_);
  }

 private:
  // ---------------------------------------------------------------- schema
  void DeclareTypes() {
    std::set<std::string> names;
    for (auto* f : files_) {
      for (auto& e : f->enums) {
        if (!names.insert(e.name.text).second) { Dup(e.name); continue; }
        Enum en{e.name.text, {}};
        std::set<std::string> vals;
        for (auto& v : e.values) {
          if (!vals.insert(v.text).second) { Dup(v); continue; }
          en.values.push_back(v.text);
        }
        enum_index_[e.name.text] = static_cast<int>(p_->enums.size());
        p_->enums.push_back(std::move(en));
      }
      for (auto& r : f->records) {
        // A record (or the schema) declared in several files is one record: each regime's folder may add
        // the facts it needs to the shared vocabulary. A field declared twice is still an error.
        int existing = r.is_schema ? p_->root : (record_index_.count(r.name.text) ? record_index_[r.name.text] : -1);
        if (existing >= 0) {
          record_decls_[existing].push_back(&r);
          continue;
        }
        if (!r.is_schema && !names.insert(r.name.text).second) {
          Dup(r.name);
          continue;
        }
        int id = static_cast<int>(p_->records.size());
        if (r.is_schema) p_->root = id;
        else record_index_[r.name.text] = id;
        p_->records.push_back(Record{r.is_schema ? "case" : r.name.text, {}});
        record_decls_.push_back({&r});
      }
    }
    if (p_->root < 0) sink_.Report(Code::LG3009, Span{});
  }

  void ResolveFields() {
    for (size_t i = 0; i < record_decls_.size(); ++i) {
      Record& rec = p_->records[i];
      std::set<std::string> seen;
      for (const ast::RecordDecl* decl : record_decls_[i])
        for (auto& fd : decl->fields) {
          if (!seen.insert(fd.name.text).second) { Dup(fd.name); continue; }
          Type t = TypeByName(fd.type.name);
          t.list = fd.type.list;
          rec.fields.push_back(Field{fd.name.text, t, fd.name.span});
        }
    }
    // A record that contains itself (directly or not) would make the case infinitely deep.
    for (size_t i = 0; i < p_->records.size(); ++i) {
      std::function<bool(int, int)> reaches = [&](int from, int depth) -> bool {
        if (depth > 64) return true;
        for (auto& f : p_->records[from].fields)
          if (f.type.kind == TypeKind::Record && (f.type.id == static_cast<int>(i) || reaches(f.type.id, depth + 1)))
            return true;
        return false;
      };
      if (reaches(static_cast<int>(i), 0))
        sink_.Report(Code::LG2010, record_decls_[i][0]->name.span, {{"name", p_->records[i].name}}).help =
            "a record may not contain itself";
    }
  }

  Type TypeByName(const ast::Name& n) {
    static const std::pair<const char*, TypeKind> kBuiltin[] = {
        {"bool", TypeKind::Bool},     {"int", TypeKind::Int},         {"count", TypeKind::Count},
        {"decimal", TypeKind::Decimal}, {"string", TypeKind::String}, {"date", TypeKind::Date}, {"timestamp", TypeKind::Timestamp},
        {"duration", TypeKind::Duration}, {"jurisdiction", TypeKind::Jurisdiction}};
    for (auto& [name, k] : kBuiltin)
      if (n.text == name) return Type{k, -1, false};
    if (auto it = enum_index_.find(n.text); it != enum_index_.end()) return Type{TypeKind::Enum, it->second, false};
    if (auto it = record_index_.find(n.text); it != record_index_.end()) return Type{TypeKind::Record, it->second, false};
    std::vector<std::string> cands;
    for (auto& [name, k] : kBuiltin) cands.push_back(name);
    for (auto& [k, v] : enum_index_) cands.push_back(k);
    for (auto& [k, v] : record_index_) cands.push_back(k);
    Unknown(Code::LG2006, n, cands, "name");
    return Type{};
  }

  void DeclareVocabulary() {
    for (auto* f : files_) {
      for (auto& d : f->actions)
        for (auto& n : d.names) {
          if (action_index_.count(n.text)) { Dup(n); continue; }
          action_index_[n.text] = static_cast<int>(p_->actions.size());
          p_->actions.push_back(n.text);
        }
      for (auto& d : f->events)
        for (size_t i = 0; i < d.names.size(); ++i) {
          const auto& n = d.names[i];
          if (event_index_.count(n.text)) { Dup(n); continue; }
          std::vector<int> chain;
          if (!d.bindings[i].empty()) {
            ast::Expr path;
            path.kind = ast::ExprKind::Path;
            path.span = d.bindings[i][0].span;
            path.path = d.bindings[i];
            auto e = Resolve(path, nullptr);
            if (!IsErr(e) && !(IsMoment(e->type)))
              sink_.Report(Code::LG2024, path.span, {{"name", n.text}, {"type", p_->TypeName(e->type)}});
            else if (!IsErr(e)) chain = e->chain;
          }
          event_index_[n.text] = static_cast<int>(p_->events.size());
          p_->events.push_back(n.text);
          p_->event_dates.push_back(chain);
        }
    }
  }

  // ---------------------------------------------------------------- jurisdictions
  void DeclareJurisdictions() {
    std::vector<std::pair<const ast::JurisdictionDecl*, int>> pending;
    for (auto* f : files_)
      for (auto& j : f->jurisdictions) {
        if (p_->jurisdiction_index.count(j.code.text)) { Dup(j.code); continue; }
        int id = static_cast<int>(p_->jurisdictions.size());
        p_->jurisdiction_index[j.code.text] = id;
        Jurisdiction jd;
        jd.code = j.code.text;
        jd.names = TextMap(j.names);
        CheckLocales(j.names);
        p_->jurisdictions.push_back(std::move(jd));
        if (j.parent) pending.push_back({&j, id});
      }
    for (auto& [decl, id] : pending) {
      int parent = p_->FindJurisdiction(decl->parent->text);
      if (parent < 0) { UnknownJurisdiction(*decl->parent); continue; }
      p_->jurisdictions[id].parent = parent;
    }
    for (auto& j : p_->jurisdictions) {
      int depth = 0;
      for (int32_t a = j.parent; a >= 0 && depth < 16; a = p_->jurisdictions[a].parent) ++depth;
      j.depth = depth;
    }
  }

  void DeclareGroups() {
    std::vector<const ast::GroupDecl*> decls;
    for (auto* f : files_)
      for (auto& g : f->groups) {
        if (p_->group_index.count(g.name.text) || p_->jurisdiction_index.count(g.name.text)) { Dup(g.name); continue; }
        p_->group_index[g.name.text] = static_cast<int>(p_->groups.size());
        p_->groups.push_back(Group{g.name.text, TextMap(g.names), {}});
        CheckLocales(g.names);
        decls.push_back(&g);
      }
    std::vector<int> state(decls.size(), 0);  // 0 new, 1 in progress, 2 done
    std::function<void(int)> expand = [&](int gi) {
      if (state[gi] == 2) return;
      state[gi] = 1;
      Group& g = p_->groups[gi];
      for (auto& m : decls[gi]->members) {
        if (m.from && m.until && *m.until < *m.from) sink_.Report(Code::LG3021, m.ref.span);
        int32_t from = m.from.value_or(INT32_MIN), until = m.until.value_or(INT32_MAX);
        if (int j = p_->FindJurisdiction(m.ref.text); j >= 0) {
          g.members.push_back({j, from, until, m.note});
        } else if (int sub = p_->FindGroup(m.ref.text); sub >= 0) {
          if (state[sub] == 1) {
            sink_.Report(Code::LG3016, m.ref.span, {{"group", g.name}});
            continue;
          }
          expand(sub);
          for (auto mm : p_->groups[sub].members) {
            mm.from = std::max(mm.from, from);
            mm.until = std::min(mm.until, until);
            if (mm.note.empty()) mm.note = m.note;
            g.members.push_back(mm);
          }
        } else {
          UnknownJurisdiction(m.ref);
        }
      }
      state[gi] = 2;
    };
    for (size_t i = 0; i < decls.size(); ++i) expand(static_cast<int>(i));
  }

  void DeclareCalendars() {
    static const char* const kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    static const char* const kDaysZh[] = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"};
    for (auto* f : files_)
      for (auto& c : f->calendars) {
        if (p_->calendar_index.count(c.name.text)) { Dup(c.name); continue; }
        Calendar cal;
        cal.name = c.name.text;
        cal.names = TextMap(c.names);
        if (c.zone) {
          UErrorCode zst = U_ZERO_ERROR;
          std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(c.zone->text)));
          icu::UnicodeString id;
          tz->getID(id);
          (void)zst;
          if (id == UNICODE_STRING_SIMPLE("Etc/Unknown")) sink_.Report(Code::LG2001, c.zone->span, {{"name", c.zone->text}}).help = "use an IANA time zone such as \"Asia/Shanghai\"";
          else cal.zone = c.zone->text;
        }
        for (auto& w : c.weekend) {
          bool ok = false;
          for (int d = 0; d < 7; ++d)
            if (w.text == kDays[d] || w.text == kDaysZh[d]) { cal.weekend_mask |= static_cast<uint8_t>(1u << d); ok = true; }
          if (!ok) Unknown(Code::LG2001, w, {kDays, kDays + 7}, "name");
        }
        // Counting working days on such a calendar would never end (time/calendar.cc).
        if (cal.weekend_mask == 0x7F) sink_.Report(Code::LG1015, c.name.span, {{"calendar", c.name.text}});
        for (auto& y : c.years) {
          // A year no date literal can name is a typo (`year 20255`); the working-day tables and the
          // date arithmetic are built for years 1..9999 (ir/workdays.cc).
          if (y.year < 1 || y.year > 9999) {
            sink_.Report(Code::LG3022, y.span, {{"year", std::to_string(y.year)}});
            continue;
          }
          cal.years[y.year] = y.notice;
          auto in_year = [&](int32_t d, const Span& s) {
            if (CivilFromDays(d).year != y.year) {
              sink_.Report(Code::LG3017, s, {{"date", FormatDate(d)}, {"year", std::to_string(y.year)}});
              return false;
            }
            return true;
          };
          for (auto& h : y.holidays) {
            if (h.to < h.from) { sink_.Report(Code::LG3021, h.span); continue; }
            for (int32_t d = h.from; d <= h.to && d - h.from < 366; ++d)
              if (in_year(d, h.span)) cal.holidays[d] = HolidayName{TextMap(h.names)};
          }
          for (auto& w : y.workdays)
            if (in_year(w.from, w.span)) {
              if (cal.holidays.count(w.from))
                sink_.Report(Code::LG3018, w.span, {{"date", FormatDate(w.from)}, {"calendar", cal.name}});
              cal.workdays[w.from] = HolidayName{TextMap(w.names)};
            }
        }
        p_->calendar_index[cal.name] = static_cast<int>(p_->calendars.size());
        p_->calendars.push_back(std::move(cal));
      }
  }

  // ---------------------------------------------------------------- rulesets
  void DeclareRulesets() {
    struct Item { const ast::RulesetDecl* decl; const ast::File* file; };
    std::vector<Item> items;
    for (auto* f : files_)
      for (auto& r : f->rulesets) items.push_back({&r, f});
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.decl->id.text < b.decl->id.text; });
    std::set<std::string> seen;
    std::map<uint32_t, std::string> file_sha256;
    for (auto& it : items) {
      const auto& d = *it.decl;
      if (!seen.insert(d.id.text).second) {
        sink_.Report(Code::LG3006, d.id.span, {{"ruleset", d.id.text}});
        continue;
      }
      Ruleset rs;
      rs.id = d.id.text;
      rs.span = d.span;
      rs.expires_span = d.expires_span;
      rs.file = it.file->source;
      auto [hash, fresh] = file_sha256.try_emplace(rs.file);  // a file of many rulesets is hashed once
      if (fresh) hash->second = Sha256(sm_.Get(rs.file).text);
      rs.sha256 = hash->second;
      rs.title = TextMap(d.title);
      CheckLocales(d.title);
      rs.binding = d.binding;
      rs.source = d.source;
      rs.version = d.version;
      auto need = [&](bool present, const char* field) {
        if (!present) sink_.Report(Code::LG3007, d.id.span, {{"ruleset", d.id.text}, {"field", field}});
      };
      need(!d.title.empty(), "title");
      need(d.authority.has_value(), "authority");
      need(d.jurisdiction.has_value(), "jurisdiction");
      need(d.force.has_value(), "force");
      need(d.effective.has_value() || d.effective_span.valid(), "effective");  // a bad date is LG1006 already
      need(d.applies_kind.has_value(), "applies to");
      if (d.authority) rs.authority = d.authority->text;
      if (d.jurisdiction) {
        rs.jurisdiction = p_->FindJurisdiction(d.jurisdiction->text);
        if (rs.jurisdiction < 0) rs.group = p_->FindGroup(d.jurisdiction->text);
        if (rs.jurisdiction < 0 && rs.group < 0) UnknownJurisdiction(*d.jurisdiction);
      }
      if (d.force) {
        rs.force = d.force->text;
        rs.force_rank = ForceRank(rs.force);
        if (rs.force_rank == 0)
          Unknown(Code::LG2017, *d.force,
                  {"law", "administrative_regulation", "departmental_rule", "local_regulation", "normative_document",
                   "guideline", "statute", "regulation", "treaty", "constitution", "guidance"},
                  "name");
      }
      if (d.effective) rs.effective = *d.effective;
      if (d.expires) {
        rs.expires = *d.expires;
        rs.has_expiry = true;
        if (d.effective && *d.expires < *d.effective)
          sink_.Report(Code::LG3008, d.expires_span, {{"ruleset", d.id.text}});
      }
      if (d.calendar) {
        rs.calendar = FindCalendar(*d.calendar);
      } else if (rs.jurisdiction >= 0) {  // default: the calendar of the ruleset's country
        int top = rs.jurisdiction;
        while (p_->jurisdictions[top].parent >= 0) top = p_->jurisdictions[top].parent;
        auto c = p_->calendar_index.find(p_->jurisdictions[top].code);
        if (c != p_->calendar_index.end()) rs.calendar = c->second;
      }
      if (d.applies_kind) {
        rs.applies_kind = KindValue(*d.applies_kind);
        if (d.applies_where) rs.applies_where = Condition(*d.applies_where);
      }
      ruleset_decl_[rs.id] = it.decl;
      ruleset_index_[rs.id] = static_cast<int>(p_->rulesets.size());
      p_->rulesets.push_back(std::move(rs));
    }
  }

  int FindCalendar(const ast::Name& n) {
    auto c = p_->calendar_index.find(n.text);
    if (c != p_->calendar_index.end()) return c->second;
    std::vector<std::string> cands;
    for (auto& [k, v] : p_->calendar_index) cands.push_back(k);
    Unknown(Code::LG3019, n, cands, "name");
    return -1;
  }

  int KindValue(const ast::Name& n) {
    if (p_->root < 0) return -1;
    int f = p_->records[p_->root].FieldIndex("kind");
    if (f < 0 || p_->records[p_->root].fields[f].type.kind != TypeKind::Enum) {
      sink_.Report(Code::LG2018, n.span, {{"name", n.text}}).help = "the schema needs a field 'kind' of an enum type";
      return -1;
    }
    const Enum& e = p_->enums[p_->records[p_->root].fields[f].type.id];
    int v = e.ValueIndex(n.text);
    if (v < 0) Unknown(Code::LG2018, n, e.values, "name");
    return v;
  }

  // ---------------------------------------------------------------- rules
  void CheckRules() {
    // Rules are numbered ruleset by ruleset (sorted ids), in source order within one.
    struct Item { const ast::RuleDecl* decl; const ast::File* file; };
    std::vector<std::vector<Item>> by_ruleset(p_->rulesets.size());
    for (auto* f : files_)
      for (auto& r : f->rules) {
        if (r.ruleset < 0) {
          sink_.Report(Code::LG3001, r.name.span, {{"rule", r.name.text}});
          continue;
        }
        auto it = ruleset_index_.find(f->rulesets[r.ruleset].id.text);
        if (it == ruleset_index_.end() || ruleset_decl_[f->rulesets[r.ruleset].id.text] != &f->rulesets[r.ruleset])
          continue;  // its ruleset was a duplicate, already reported
        by_ruleset[it->second].push_back({&r, f});
      }
    for (size_t rsi = 0; rsi < by_ruleset.size(); ++rsi) {
      std::set<std::string> names;
      for (auto& it : by_ruleset[rsi]) {
        const ast::RuleDecl& d = *it.decl;
        if (!names.insert(d.name.text).second) {
          sink_.Report(Code::LG3005, d.name.span, {{"rule", d.name.text}, {"ruleset", p_->rulesets[rsi].id}});
          continue;
        }
        Rule r;
        r.ruleset = static_cast<int>(rsi);
        r.name = d.name.text;
        r.id = p_->rulesets[rsi].id + "/" + d.name.text;
        r.span = d.span;
        r.name_span = d.name.span;
        rule_index_[r.id] = static_cast<int>(p_->rules.size());
        rule_decls_.push_back(&d);
        p_->rulesets[rsi].rules.push_back(static_cast<int>(p_->rules.size()));
        p_->rules.push_back(std::move(r));
      }
    }
    for (size_t i = 0; i < p_->rules.size(); ++i) CheckRule(p_->rules[i], *rule_decls_[i]);
  }

  void CheckRule(Rule& r, const ast::RuleDecl& d) {
    const Ruleset& rs = p_->rulesets[r.ruleset];
    if (d.cite) {
      r.has_cite = true;
      r.cite.instrument = d.cite->instrument;
      if (r.cite.instrument.empty()) {
        auto t = rs.title.find("zh");
        r.cite.instrument = t != rs.title.end() ? t->second : (rs.title.empty() ? rs.id : rs.title.begin()->second);
      }
      for (auto& p : d.cite->parts) {
        if (p.kind == "art") r.cite.article = p.number;
        else if (p.kind == "para") r.cite.paragraph = p.number;
        else r.cite.item = p.number;
      }
    } else {
      sink_.Report(Code::LG3002, d.name.span, {{"rule", r.name}});
    }
    if (d.when) r.when = Condition(*d.when);
    if (!d.then) {
      sink_.Report(Code::LG3003, d.name.span, {{"rule", r.name}});
    } else {
      const auto& q = *d.then;
      r.modality = static_cast<Modality>(q.modality);
      r.mode = static_cast<ActionMode>(q.mode);
      for (auto& a : q.actions) {
        auto it = action_index_.find(a.text);
        if (it == action_index_.end()) {
          std::vector<std::string> cands(p_->actions.begin(), p_->actions.end());
          Unknown(Code::LG2004, a, cands, "name");
        } else {
          r.actions.push_back(it->second);
        }
      }
      for (auto& t : q.timings) r.timings.push_back(CheckTiming(t, d.when.get()));
      if (r.modality == Modality::Exempt && d.exception_to.empty())
        sink_.Report(Code::LG3013, d.name.span, {{"rule", r.name}});
    }
    if (d.satisfied) {
      if (r.modality != Modality::Must) sink_.Report(Code::LG3012, d.satisfied->span);
      r.satisfied = Condition(*d.satisfied);
    }
    std::set<std::string> arg_names;
    for (auto& [name, expr] : d.message_args) {
      if (!arg_names.insert(name.text).second) { Dup(name); continue; }
      if (!expr) continue;
      auto t = Typed(*expr, nullptr, nullptr);
      if (IsErr(t)) continue;
      if (!t->type.IsScalar()) {
        sink_.Report(Code::LG2014, expr->span, {{"type", p_->TypeName(t->type)}}).help = "a message argument must be a single value";
        continue;
      }
      r.message_args.emplace_back(name.text, std::move(t));
    }
    for (auto& m : d.says) {
      if (!CheckLocale(m)) continue;
      UErrorCode st = U_ZERO_ERROR;
      UParseError pe{};
      icu::MessageFormat mf(icu::UnicodeString::fromUTF8(m.text), icu::Locale(m.locale.c_str()), pe, st);
      if (U_FAILURE(st)) {
        sink_.Report(Code::LG3010, m.span,
                     {{"locale", m.locale}, {"detail", std::string(u_errorName(st)) + " at offset " + std::to_string(pe.offset)}});
        continue;
      }
      r.messages[m.locale] = m.text;
    }
  }

  Timing CheckTiming(const ast::Timing& t, const ast::Expr* when) {
    Timing out;
    out.kind = t.kind;
    out.n = t.duration.n;
    out.unit = t.duration.unit;
    out.roll = !t.unadjusted;
    for (auto& a : t.anchor) out.anchor_text += (out.anchor_text.empty() ? "" : ".") + a.text;
    if (t.anchor.size() == 1) {
      auto it = event_index_.find(t.anchor[0].text);
      if (it != event_index_.end()) {
        out.event = it->second;
        return out;
      }
    }
    ast::Expr path;
    path.kind = ast::ExprKind::Path;
    path.span = t.anchor.empty() ? t.span : t.anchor[0].span;
    path.path = t.anchor;
    // An anchor may start with the variable of a `some` at the top of the rule's condition: the date
    // is then read from the element that matched.
    std::vector<const ast::Expr*> somes;
    if (when && when->kind == ast::ExprKind::Some) somes.push_back(when);
    if (when && when->kind == ast::ExprKind::And)
      for (auto& k : when->kids)
        if (k->kind == ast::ExprKind::Some) somes.push_back(k.get());
    for (const ast::Expr* s : somes) {
      if (t.anchor.empty() || s->name != t.anchor[0].text) continue;
      auto list = Typed(*s->kids[0], nullptr, nullptr);
      if (IsErr(list) || !list->type.list || list->op != Op::Field) return out;
      Type elem = list->type;
      elem.list = false;
      Scope scope{s->name, elem.kind == TypeKind::Record ? elem.id : -1, elem, nullptr, 0};
      auto e = Resolve(path, &scope);
      if (!IsErr(e) && !IsMoment(e->type))
        sink_.Report(Code::LG2024, path.span, {{"name", out.anchor_text}, {"type", p_->TypeName(e->type)}});
      out.anchor = std::move(e);
      out.anchor_list = std::move(list);
      return out;
    }
    if (t.anchor.size() == 1 && p_->root >= 0 && p_->records[p_->root].FieldIndex(t.anchor[0].text) < 0) {
      // Neither an event nor a field of the case.
      std::vector<std::string> cands(p_->events.begin(), p_->events.end());
      for (auto& f : p_->records[p_->root].fields)
        if (IsMoment(f.type)) cands.push_back(f.name);
      Unknown(Code::LG2011, t.anchor[0], cands, "name");
      return out;
    }
    auto e = Resolve(path, nullptr);
    if (e && e->type.kind != TypeKind::Error && !IsMoment(e->type)) {
      sink_.Report(Code::LG2024, path.span, {{"name", out.anchor_text}, {"type", p_->TypeName(e->type)}});
    }
    out.anchor = std::move(e);
    return out;
  }

  // ---------------------------------------------------------------- expressions
  struct Scope {
    std::string name;
    int record;  // element record id, or -1 for a list of scalars
    Type elem;
    const Scope* outer;
    int depth;
  };

  TExprPtr Condition(const ast::Expr& e) {
    auto t = Typed(e, nullptr, nullptr);
    if (t && t->type.kind != TypeKind::Error && !(t->type.kind == TypeKind::Bool && !t->type.list))
      sink_.Report(Code::LG2008, e.span, {{"type", p_->TypeName(t->type)}});
    return t;
  }

  TExprPtr Err(const Span& s) {
    auto t = std::make_unique<TExpr>();
    t->span = s;
    t->type = Type{};
    return t;
  }

  static bool IsErr(const TExprPtr& t) { return !t || t->type.kind == TypeKind::Error; }

  TExprPtr Node(Op op, Type type, Span span) {
    auto t = std::make_unique<TExpr>();
    t->op = op;
    t->type = type;
    t->span = span;
    return t;
  }

  // `expected` guides bare names: an enum value of the expected enum, a jurisdiction, a group.
  TExprPtr Typed(const ast::Expr& e, const Scope* scope, const Type* expected, int depth = 0) {
    if (depth > 256) {
      sink_.Report(Code::LG1013, e.span, {{"max", "256"}});
      return Err(e.span);
    }
    const Type kBool{TypeKind::Bool, -1, false};
    switch (e.kind) {
      case ast::ExprKind::Or:
      case ast::ExprKind::And: {
        auto t = Node(e.kind == ast::ExprKind::Or ? Op::Or : Op::And, kBool, e.span);
        bool bad = false;
        for (auto& k : e.kids) {
          auto c = BoolOperand(*k, scope, depth);
          bad |= IsErr(c);
          t->kids.push_back(std::move(c));
        }
        return bad ? Err(e.span) : std::move(t);
      }
      case ast::ExprKind::Not: {
        auto c = BoolOperand(*e.kids[0], scope, depth);
        if (IsErr(c)) return Err(e.span);
        auto t = Node(Op::Not, kBool, e.span);
        t->kids.push_back(std::move(c));
        return t;
      }
      case ast::ExprKind::Cmp: return Compare(e, scope, depth);
      case ast::ExprKind::In:
      case ast::ExprKind::NotIn: {
        auto t = In(e, scope, depth);
        if (e.kind == ast::ExprKind::NotIn && !IsErr(t)) {
          auto n = Node(Op::Not, kBool, e.span);
          n->kids.push_back(std::move(t));
          return n;
        }
        return t;
      }
      case ast::ExprKind::Add:
      case ast::ExprKind::Sub: {
        auto a = Typed(*e.kids[0], scope, nullptr, depth + 1);
        auto b = Typed(*e.kids[1], scope, nullptr, depth + 1);
        if (IsErr(a) || IsErr(b)) return Err(e.span);
        const char* op = e.kind == ast::ExprKind::Add ? "+" : "-";
        for (auto* x : {&a, &b})
          if (!(*x)->type.IsNumber()) {
            sink_.Report(Code::LG2016, (*x)->span, {{"op", op}, {"type", p_->TypeName((*x)->type)}});
            return Err(e.span);
          }
        if (!Unify(a, b, e.span, op)) return Err(e.span);
        Type rt = a->type;
        if (e.kind == ast::ExprKind::Sub || a->type.kind != TypeKind::Count || b->type.kind != TypeKind::Count)
          rt.kind = a->type.kind == TypeKind::Decimal ? TypeKind::Decimal : (e.kind == ast::ExprKind::Add && a->type.kind == TypeKind::Count && b->type.kind == TypeKind::Count ? TypeKind::Count : TypeKind::Int);
        auto t = Node(e.kind == ast::ExprKind::Add ? Op::Add : Op::Sub, rt, e.span);
        t->kids.push_back(std::move(a));
        t->kids.push_back(std::move(b));
        return t;
      }
      case ast::ExprKind::Neg: {
        auto a = Typed(*e.kids[0], scope, nullptr, depth + 1);
        if (IsErr(a)) return Err(e.span);
        if (!a->type.IsNumber()) {
          sink_.Report(Code::LG2016, a->span, {{"op", "-"}, {"type", p_->TypeName(a->type)}});
          return Err(e.span);
        }
        Type rt = a->type;
        if (rt.kind == TypeKind::Count) rt.kind = TypeKind::Int;
        auto t = Node(Op::Neg, rt, e.span);
        t->kids.push_back(std::move(a));
        return t;
      }
      case ast::ExprKind::Some: return Some(e, scope, depth);
      case ast::ExprKind::Call: return Call(e, scope, depth);
      case ast::ExprKind::Int: {
        auto t = Node(Op::Const, Type{TypeKind::Int, -1, false}, e.span);
        t->ival = e.ival;
        return t;
      }
      case ast::ExprKind::Decimal: {
        auto t = Node(Op::Const, Type{TypeKind::Decimal, -1, false}, e.span);
        t->ival = e.ival;
        return t;
      }
      case ast::ExprKind::String: {
        auto t = Node(Op::Const, Type{TypeKind::String, -1, false}, e.span);
        t->str = e.text;
        return t;
      }
      case ast::ExprKind::Date: {
        auto t = Node(Op::Const, Type{TypeKind::Date, -1, false}, e.span);
        t->ival = e.ival;
        return t;
      }
      case ast::ExprKind::Bool: {
        auto t = Node(Op::Const, kBool, e.span);
        t->ival = e.ival;
        return t;
      }
      case ast::ExprKind::Jurisdiction: {
        int j = p_->FindJurisdiction(e.text);
        if (j < 0) {
          UnknownJurisdiction(ast::Name{e.text, e.span});
          return Err(e.span);
        }
        auto t = Node(Op::Const, Type{TypeKind::Jurisdiction, -1, false}, e.span);
        t->ival = j;
        return t;
      }
      case ast::ExprKind::Duration: {
        auto t = Node(Op::Const, Type{TypeKind::Duration, -1, false}, e.span);
        t->ival = e.ival;
        t->str = e.text;
        return t;
      }
      case ast::ExprKind::Set: {
        sink_.Report(Code::LG2014, e.span, {{"type", "a set"}}).help = "a set can only stand on the right of 'in'";
        return Err(e.span);
      }
      case ast::ExprKind::Since:
      case ast::ExprKind::Last:
        sink_.Report(Code::LG1011, e.span, {{"found", e.kind == ast::ExprKind::Since ? "'since'" : "'last'"}}).help =
            "time windows are arguments of cumulative(…)";
        return Err(e.span);
      case ast::ExprKind::Path: return Resolve(e, scope, expected);
    }
    return Err(e.span);
  }

  TExprPtr BoolOperand(const ast::Expr& e, const Scope* scope, int depth) {
    auto c = Typed(e, scope, nullptr, depth + 1);
    if (!IsErr(c) && !(c->type.kind == TypeKind::Bool && !c->type.list)) {
      sink_.Report(Code::LG2008, e.span, {{"type", p_->TypeName(c->type)}});
      return Err(e.span);
    }
    return c;
  }

  // Makes two numeric operands the same kind: an integer constant next to a decimal becomes decimal.
  bool Unify(TExprPtr& a, TExprPtr& b, const Span& span, const std::string& op) {
    auto promote = [](TExprPtr& x) {
      if (x->op == Op::Const && (x->type.kind == TypeKind::Int || x->type.kind == TypeKind::Count)) {
        if (__builtin_mul_overflow(x->ival, 1000000, &x->ival)) return false;
        x->type.kind = TypeKind::Decimal;
        return true;
      }
      return false;
    };
    bool ad = a->type.kind == TypeKind::Decimal, bd = b->type.kind == TypeKind::Decimal;
    if (ad == bd) return true;
    if (ad && promote(b)) return true;
    if (bd && promote(a)) return true;
    sink_.Report(Code::LG2007, span, {{"left", p_->TypeName(a->type)}, {"right", p_->TypeName(b->type)}, {"op", op}})
        .help = "decimal fields compare with decimal values (write 50.0 or 50%)";
    return false;
  }

  TExprPtr Compare(const ast::Expr& e, const Scope* scope, int depth) {
    static const char* const kOps[] = {"==", "!=", "<", "<=", ">", ">="};
    int op = 0;
    for (int i = 0; i < 6; ++i)
      if (e.op == kOps[i]) op = i;
    // Type the side that is a field first, so that a bare name on the other side can be read as a
    // value of the field's enum type.
    auto a = Typed(*e.kids[0], scope, nullptr, depth + 1);
    // When the left side failed, a bare name on the right (an enum value) cannot be judged: skip it
    // rather than report a second, misleading error.
    if (IsErr(a)) {
      const ast::Expr& r = *e.kids[1];
      if (!(r.kind == ast::ExprKind::Path && r.path.size() == 1)) Typed(r, scope, nullptr, depth + 1);
      return Err(e.span);
    }
    TExprPtr b = Typed(*e.kids[1], scope, &a->type, depth + 1);
    if (IsErr(b)) return Err(e.span);
    auto bad = [&]() {
      sink_.Report(Code::LG2007, e.span, {{"left", p_->TypeName(a->type)}, {"right", p_->TypeName(b->type)}, {"op", e.op}});
      return Err(e.span);
    };
    if (a->type.list || b->type.list || !a->type.IsScalar() || !b->type.IsScalar()) return bad();
    if (a->type.IsNumber() && b->type.IsNumber()) {
      if (!Unify(a, b, e.span, e.op)) return Err(e.span);
    } else if (!(a->type == b->type)) {
      return bad();
    } else if (op >= 2 && !(a->type.kind == TypeKind::Date || a->type.kind == TypeKind::Duration || a->type.kind == TypeKind::Timestamp)) {
      return bad();  // ordering only for numbers and dates
    }
    auto t = Node(Op::Cmp, Type{TypeKind::Bool, -1, false}, e.span);
    t->cmp = op;
    t->kids.push_back(std::move(a));
    t->kids.push_back(std::move(b));
    return t;
  }

  TExprPtr In(const ast::Expr& e, const Scope* scope, int depth) {
    const Type kBool{TypeKind::Bool, -1, false};
    // `travel in us_exemptions`: a bare value on the left takes its type from the list on the right.
    const ast::Expr& l = *e.kids[0];
    if (l.kind == ast::ExprKind::Path && l.path.size() == 1 && !IsFieldOrVar(l.path[0].text, scope) &&
        p_->FindJurisdiction(l.path[0].text) < 0 && e.kids[1]->kind == ast::ExprKind::Path) {
      auto list = Typed(*e.kids[1], scope, nullptr, depth + 1);
      if (IsErr(list)) return Err(e.span);
      if (list->type.list && list->op == Op::Field) {
        Type elem = list->type;
        elem.list = false;
        auto value = Typed(l, scope, &elem, depth + 1);
        if (IsErr(value)) return Err(e.span);
        auto t = Node(Op::InList, kBool, e.span);
        t->kids.push_back(std::move(value));
        t->kids.push_back(std::move(list));
        return t;
      }
    }
    auto lhs = Typed(*e.kids[0], scope, nullptr, depth + 1);
    if (IsErr(lhs)) return Err(e.span);
    if (!lhs->type.IsScalar()) {
      sink_.Report(Code::LG2007, e.kids[0]->span, {{"left", p_->TypeName(lhs->type)}, {"right", "a set"}, {"op", "in"}});
      return Err(e.span);
    }
    const ast::Expr& r = *e.kids[1];
    if (r.kind == ast::ExprKind::Set) {
      // x in {a, b, c}: constants of x's type; for jurisdictions, each may be a group or a region.
      if (lhs->type.kind == TypeKind::Jurisdiction) {
        auto any = Node(Op::Or, kBool, e.span);
        for (auto& el : r.kids) {
          auto m = Membership(lhs, *el, scope, depth);
          if (IsErr(m)) return Err(e.span);
          any->kids.push_back(std::move(m));
        }
        if (any->kids.size() == 1) return std::move(any->kids[0]);
        return any;
      }
      auto t = Node(Op::InSet, kBool, e.span);
      for (auto& el : r.kids) {
        auto c = Typed(*el, scope, &lhs->type, depth + 1);
        if (IsErr(c)) return Err(e.span);
        if (c->op != Op::Const) {
          sink_.Report(Code::LG2014, el->span, {{"type", "a field"}}).help = "set elements must be constants";
          return Err(e.span);
        }
        if (lhs->type.IsNumber() && c->type.IsNumber()) {
          TExprPtr l2 = nullptr;
          if (!Unify(lhs, c, el->span, "in")) return Err(e.span);
        } else if (!(c->type == lhs->type)) {
          sink_.Report(Code::LG2020, el->span, {{"left", p_->TypeName(lhs->type)}, {"right", p_->TypeName(c->type)}});
          return Err(e.span);
        }
        t->set.push_back(c->op == Op::Const && c->type.kind == TypeKind::String ? static_cast<int64_t>(StringId(c->str)) : c->ival);
      }
      t->kids.push_back(std::move(lhs));
      return t;
    }
    if (lhs->type.kind == TypeKind::Jurisdiction && (r.kind == ast::ExprKind::Jurisdiction ||
                                                     (r.kind == ast::ExprKind::Path && r.path.size() == 1 && IsPlace(r.path[0].text, scope))))
      return Membership(lhs, r, scope, depth);
    auto rhs = Typed(r, scope, &lhs->type, depth + 1);
    if (IsErr(rhs)) return Err(e.span);
    if (rhs->type.list && rhs->op == Op::Field) {
      Type elem = rhs->type;
      elem.list = false;
      if (!(elem == lhs->type) && !(elem.IsNumber() && lhs->type.IsNumber())) {
        sink_.Report(Code::LG2007, e.span, {{"left", p_->TypeName(lhs->type)}, {"right", p_->TypeName(rhs->type)}, {"op", "in"}});
        return Err(e.span);
      }
      auto t = Node(Op::InList, kBool, e.span);
      t->kids.push_back(std::move(lhs));
      t->kids.push_back(std::move(rhs));
      return t;
    }
    sink_.Report(Code::LG2014, r.span, {{"type", p_->TypeName(rhs->type)}});
    return Err(e.span);
  }

  bool IsFieldOrVar(const std::string& name, const Scope* scope) const {
    for (const Scope* s = scope; s; s = s->outer)
      if (s->name == name) return true;
    return p_->root >= 0 && p_->records[p_->root].FieldIndex(name) >= 0;
  }

  bool IsPlace(const std::string& name, const Scope* scope) const {
    for (const Scope* s = scope; s; s = s->outer)
      if (s->name == name) return false;
    if (p_->root >= 0 && p_->records[p_->root].FieldIndex(name) >= 0) return false;
    return p_->FindJurisdiction(name) >= 0 || p_->FindGroup(name) >= 0;
  }

  // lhs (a jurisdiction) in a jurisdiction (containment) or a group (membership as of the date).
  TExprPtr Membership(TExprPtr& lhs, const ast::Expr& r, const Scope* scope, int depth) {
    const Type kBool{TypeKind::Bool, -1, false};
    std::string name = r.kind == ast::ExprKind::Jurisdiction ? r.text : (r.kind == ast::ExprKind::Path && r.path.size() == 1 ? r.path[0].text : "");
    auto clone = [&]() { return Clone(*lhs); };
    if (!name.empty()) {
      if (int j = p_->FindJurisdiction(name); j >= 0) {
        auto t = Node(Op::InJuris, kBool, r.span);
        t->ival = j;
        t->kids.push_back(clone());
        return t;
      }
      if (int g = p_->FindGroup(name); g >= 0) {
        auto t = Node(Op::InGroup, kBool, r.span);
        t->ival = g;
        t->kids.push_back(clone());
        return t;
      }
    }
    if (r.kind == ast::ExprKind::Path && r.path.size() >= 1) {
      // a jurisdiction-valued field: equality with containment
      auto rhs = Typed(r, scope, nullptr, depth + 1);
      if (IsErr(rhs)) return Err(r.span);
      if (rhs->type.kind == TypeKind::Jurisdiction && !rhs->type.list) {
        auto t = Node(Op::Cmp, kBool, r.span);
        t->cmp = 0;
        t->kids.push_back(clone());
        t->kids.push_back(std::move(rhs));
        return t;
      }
      sink_.Report(Code::LG2014, r.span, {{"type", p_->TypeName(rhs->type)}});
      return Err(r.span);
    }
    UnknownJurisdiction(ast::Name{name.empty() ? "?" : name, r.span});
    return Err(r.span);
  }

  TExprPtr Clone(const TExpr& e) {
    auto t = std::make_unique<TExpr>();
    t->op = e.op; t->type = e.type; t->span = e.span; t->cmp = e.cmp; t->ival = e.ival; t->str = e.str;
    t->var = e.var; t->chain = e.chain; t->set = e.set;
    for (auto& k : e.kids) t->kids.push_back(Clone(*k));
    return t;
  }

  TExprPtr Some(const ast::Expr& e, const Scope* scope, int depth) {
    auto list = Typed(*e.kids[0], scope, nullptr, depth + 1);
    if (IsErr(list)) return Err(e.span);
    if (!list->type.list || list->op != Op::Field) {
      sink_.Report(Code::LG2014, e.kids[0]->span, {{"type", p_->TypeName(list->type)}}).help = "'some x in …' needs a list field";
      return Err(e.span);
    }
    Type elem = list->type;
    elem.list = false;
    Scope inner{e.name, elem.kind == TypeKind::Record ? elem.id : -1, elem, scope, scope ? scope->depth + 1 : 0};
    auto body = BoolOperand(*e.kids[1], &inner, depth);
    if (IsErr(body)) return Err(e.span);
    auto t = Node(Op::Some, Type{TypeKind::Bool, -1, false}, e.span);
    t->var = inner.depth;
    t->kids.push_back(std::move(list));
    t->kids.push_back(std::move(body));
    return t;
  }

  TExprPtr FieldPath(const std::vector<std::string>& names, const Span& span) {
    ast::Expr p;
    p.kind = ast::ExprKind::Path;
    p.span = span;
    for (auto& n : names) p.path.push_back(ast::Name{n, span});
    return Resolve(p, nullptr);
  }

  TExprPtr Call(const ast::Expr& e, const Scope* scope, int depth) {
    if (e.name == "known") {
      if (e.kids.size() != 1) {
        sink_.Report(Code::LG2013, e.span, {{"name", "known"}, {"expected", "one field"}});
        return Err(e.span);
      }
      auto a = Typed(*e.kids[0], scope, nullptr, depth + 1);
      if (IsErr(a)) return Err(e.span);
      auto t = Node(Op::Known, Type{TypeKind::Bool, -1, false}, e.span);
      t->kids.push_back(std::move(a));
      return t;
    }
    if (e.name == "cumulative") {
      // cumulative(CATEGORY, exporter, since year_start | last 12 months): this case's count plus what
      // the same exporter already sent in the window (history.<window>.<category>).
      const char* usage = "(category, exporter, since year_start | last 12 months)";
      if (e.kids.size() != 3 || e.kids[0]->kind != ast::ExprKind::Path || e.kids[0]->path.size() != 1 ||
          e.kids[1]->kind != ast::ExprKind::Path || e.kids[1]->path.size() != 1) {
        sink_.Report(Code::LG2013, e.span, {{"name", "cumulative"}, {"expected", usage}});
        return Err(e.span);
      }
      const std::string& cat = e.kids[0]->path[0].text;
      if (e.kids[1]->path[0].text != "exporter") {
        sink_.Report(Code::LG2001, e.kids[1]->span, {{"name", e.kids[1]->path[0].text}}).help =
            "cumulative figures are kept per exporter";
        return Err(e.span);
      }
      std::string window;
      if (e.kids[2]->kind == ast::ExprKind::Since && e.kids[2]->name == "year_start") window = "since_year_start";
      else if (e.kids[2]->kind == ast::ExprKind::Last && e.kids[2]->ival == 12 && e.kids[2]->text == "months") window = "last_12_months";
      else {
        sink_.Report(Code::LG2013, e.kids[2]->span, {{"name", "cumulative"}, {"expected", usage}});
        return Err(e.span);
      }
      auto now = FieldPath({"data", "subjects", cat}, e.kids[0]->span);
      if (IsErr(now)) return Err(e.span);
      auto before = FieldPath({"history", window, cat}, e.kids[0]->span);
      if (IsErr(before)) return Err(e.span);
      auto t = Node(Op::Add, Type{TypeKind::Count, -1, false}, e.span);
      t->kids.push_back(std::move(now));
      t->kids.push_back(std::move(before));
      return t;
    }
    sink_.Report(Code::LG2012, e.path.empty() ? e.span : e.path[0].span, {{"name", e.name}}).help =
        Suggestion(e.name, {"known", "cumulative"});
    return Err(e.span);
  }

  // A path: a `some` variable or a field of the case, then fields of records; or a bare name that is
  // an enum value (of the expected type), a jurisdiction or a group.
  TExprPtr Resolve(const ast::Expr& e, const Scope* scope, const Type* expected = nullptr) {
    if (e.path.empty()) return Err(e.span);
    const std::string& head = e.path[0].text;
    int rec = -1;
    std::vector<int> chain;
    int var = -1;
    Type cur{};
    for (const Scope* s = scope; s; s = s->outer)
      if (s->name == head) {
        var = s->depth;
        cur = s->elem;
        rec = s->record;
        break;
      }
    size_t i = 0;
    if (var < 0) {
      if (e.path.size() == 1 && expected && expected->kind == TypeKind::Enum) {
        int v = p_->enums[expected->id].ValueIndex(head);
        if (v >= 0) {
          auto t = Node(Op::Const, Type{TypeKind::Enum, expected->id, false}, e.span);
          t->ival = v;
          return t;
        }
      }
      if (p_->root < 0) return Err(e.span);
      rec = p_->root;
      cur = Type{TypeKind::Record, p_->root, false};
      if (p_->records[rec].FieldIndex(head) < 0 && e.path.size() == 1) {
        if (int j = p_->FindJurisdiction(head); j >= 0) {
          auto t = Node(Op::Const, Type{TypeKind::Jurisdiction, -1, false}, e.span);
          t->ival = j;
          return t;
        }
        std::vector<std::string> cands = FieldNames(p_->root);
        for (const Scope* s = scope; s; s = s->outer) cands.push_back(s->name);
        if (expected && expected->kind == TypeKind::Enum) {
          const Enum& en = p_->enums[expected->id];
          auto& d = sink_.Report(Code::LG2009, e.path[0].span, {{"value", head}, {"type", en.name}});
          d.help = Suggestion(head, en.values);
          return Err(e.span);
        }
        if (p_->FindGroup(head) >= 0) {
          sink_.Report(Code::LG2014, e.span, {{"type", "a group"}}).help = "use a group on the right of 'in'";
          return Err(e.span);
        }
        Unknown(Code::LG2001, e.path[0], cands, "name");
        return Err(e.span);
      }
    } else {
      i = 1;
    }
    for (; i < e.path.size(); ++i) {
      if (cur.list) {
        sink_.Report(Code::LG2019, e.path[i - 1].span, {{"field", e.path[i - 1].text}});
        return Err(e.span);
      }
      if (cur.kind != TypeKind::Record) {
        sink_.Report(Code::LG2002, e.path[i].span, {{"record", p_->TypeName(cur)}, {"field", e.path[i].text}});
        return Err(e.span);
      }
      rec = cur.id;
      int f = p_->records[rec].FieldIndex(e.path[i].text);
      if (f < 0) {
        auto& d = sink_.Report(Code::LG2002, e.path[i].span, {{"record", p_->records[rec].name}, {"field", e.path[i].text}});
        d.help = Suggestion(e.path[i].text, FieldNames(rec));
        return Err(e.span);
      }
      chain.push_back(f);
      cur = p_->records[rec].fields[f].type;
    }
    if (cur.kind == TypeKind::Record && !cur.list) {
      sink_.Report(Code::LG2022, e.span, {{"name", e.path.back().text}});
      return Err(e.span);
    }
    auto t = Node(Op::Field, cur, e.span);
    t->var = var;
    t->chain = std::move(chain);
    return t;
  }

  std::vector<std::string> FieldNames(int rec) const {
    std::vector<std::string> v;
    for (auto& f : p_->records[rec].fields) v.push_back(f.name);
    return v;
  }

  // ---------------------------------------------------------------- exceptions
  void BuildExceptionGraph() {
    for (size_t i = 0; i < p_->rules.size(); ++i) {
      Rule& r = p_->rules[i];
      for (auto& ref : rule_decls_[i]->exception_to) {
        int target = FindRule(ref, p_->rulesets[r.ruleset].id);
        if (target < 0) continue;
        if (target == static_cast<int>(i)) {
          sink_.Report(Code::LG3020, ref.span, {{"rule", r.name}});
          continue;
        }
        r.exception_to.push_back(target);
        p_->rules[target].exceptions.push_back(static_cast<int>(i));
      }
    }
    // Cycles: A exception to B exception to A would make "which applies" undecidable.
    std::vector<int> state(p_->rules.size(), 0);
    std::vector<int> stack;
    std::function<bool(int)> visit = [&](int v) -> bool {
      state[v] = 1;
      stack.push_back(v);
      for (int w : p_->rules[v].exception_to) {
        if (state[w] == 1) {
          std::string cycle;
          auto it = std::find(stack.begin(), stack.end(), w);
          for (; it != stack.end(); ++it) cycle += p_->rules[*it].id + " → ";
          cycle += p_->rules[w].id;
          sink_.Report(Code::LG3004, p_->rules[v].span.valid() ? rule_decls_[v]->name.span : Span{}, {{"cycle", cycle}});
          return true;
        }
        if (state[w] == 0 && visit(w)) return true;
      }
      stack.pop_back();
      state[v] = 2;
      return false;
    };
    for (size_t i = 0; i < p_->rules.size(); ++i)
      if (state[i] == 0) {
        stack.clear();
        visit(static_cast<int>(i));
      }
  }

  int FindRule(const ast::RuleRef& ref, const std::string& default_ruleset) {
    if (!ref.ruleset.empty() || !default_ruleset.empty()) {
      std::string id = (ref.ruleset.empty() ? default_ruleset : ref.ruleset) + "/" + ref.rule.text;
      auto it = rule_index_.find(id);
      if (it != rule_index_.end()) return it->second;
      if (!ref.ruleset.empty() || !default_ruleset.empty()) {
        std::vector<std::string> cands;
        for (auto& [k, v] : rule_index_) {
          auto slash = k.find('/');
          if (ref.ruleset.empty() && k.compare(0, slash, default_ruleset) == 0) cands.push_back(k.substr(slash + 1));
          else cands.push_back(k);
        }
        auto& d = sink_.Report(Code::LG2003, ref.span, {{"rule", ref.ruleset.empty() ? ref.rule.text : id}});
        d.help = Suggestion(ref.ruleset.empty() ? ref.rule.text : id, cands);
        return -1;
      }
    }
    // No ruleset given and none around (a test file): the rule name must be unique across rulesets.
    int found = -1;
    for (auto& [k, v] : rule_index_)
      if (k.substr(k.find('/') + 1) == ref.rule.text) {
        if (found >= 0) {
          sink_.Report(Code::LG2003, ref.span, {{"rule", ref.rule.text}}).help = "several rulesets have a rule of this name; write ruleset/rule";
          return -1;
        }
        found = v;
      }
    if (found < 0) {
      std::vector<std::string> cands;
      for (auto& [k, v] : rule_index_) cands.push_back(k);
      sink_.Report(Code::LG2003, ref.span, {{"rule", ref.rule.text}}).help = Suggestion(ref.rule.text, cands);
    }
    return found;
  }

  // ---------------------------------------------------------------- tests
  void CheckTests() {
    for (auto* f : files_)
      for (auto& t : f->tests) {
        Test out;
        out.name = t.name;
        out.span = t.span;
        out.case_span = t.case_span;
        out.as_of = t.as_of;
        std::string default_rs = f->rulesets.empty() ? "" : f->rulesets.back().id.text;
        if (!t.case_value) sink_.Report(Code::LG3011, t.span, {{"test", t.name}, {"what", "case"}});
        else out.case_value = *t.case_value;
        if (t.expects.empty()) sink_.Report(Code::LG3011, t.span, {{"test", t.name}, {"what", "expectation"}});
        for (auto& e : t.expects) {
          Expectation x;
          x.kind = e.kind;
          x.span = e.span;
          x.date = e.date;
          switch (e.kind) {
            case ast::Expectation::Verdict: {
              x.verdict = -1;
              for (int v = 0; v < 4; ++v)
                if (e.word == kVerdicts[v] || e.word == kVerdictsZh[v]) x.verdict = v;
              if (x.verdict < 0) {
                sink_.Report(Code::LG2023, e.span, {{"name", e.word}}).help =
                    Suggestion(e.word, {kVerdicts, kVerdicts + 4});
                continue;
              }
              break;
            }
            case ast::Expectation::Requires:
            case ast::Expectation::NotRequires:
            case ast::Expectation::Due: {
              auto it = action_index_.find(e.word);
              if (it == action_index_.end()) {
                Unknown(Code::LG2004, ast::Name{e.word, e.span}, p_->actions, "name");
                continue;
              }
              x.action = it->second;
              break;
            }
            case ast::Expectation::Fires:
            case ast::Expectation::NotFires:
            case ast::Expectation::Exempted:
              x.rule = FindRule(e.rule, e.rule.ruleset.empty() ? default_rs : "");
              if (x.rule < 0) continue;
              break;
            case ast::Expectation::Missing: {
              ast::Expr p;
              p.kind = ast::ExprKind::Path;
              p.span = e.span;
              p.path = e.path;
              auto r = Resolve(p, nullptr);
              if (IsErr(r)) continue;
              for (auto& n : e.path) x.path += (x.path.empty() ? "" : ".") + n.text;
              break;
            }
          }
          out.expects.push_back(std::move(x));
        }
        p_->tests.push_back(std::move(out));
      }
  }

  // ---------------------------------------------------------------- helpers
  uint32_t StringId(const std::string& s) {
    // Strings in sets are compared by text at evaluation; keep them in the set as indexes into a
    // per-expression table would add a second table, so strings in sets are not supported.
    (void)s;
    return 0;
  }

  bool CheckLocale(const ast::LocalisedText& t) {
    if (KnownLocale(t.locale)) return true;
    sink_.Report(Code::LG2015, t.span, {{"name", t.locale}}).help = "use a language code such as en, zh, zh_Hant or de";
    return false;
  }
  void CheckLocales(const std::vector<ast::LocalisedText>& v) {
    for (auto& t : v) CheckLocale(t);
  }

  std::string Suggestion(const std::string& name, const std::vector<std::string>& cands) {
    std::string s = diag::Suggest(name, cands);
    return s.empty() ? std::string() : "did you mean '" + s + "'?";
  }

  void Unknown(Code code, const ast::Name& n, const std::vector<std::string>& cands, const char* arg) {
    auto& d = sink_.Report(code, n.span, {{arg, n.text}});
    d.help = Suggestion(n.text, cands);
  }

  void UnknownJurisdiction(const ast::Name& n) {
    std::vector<std::string> cands;
    for (auto& [k, v] : p_->jurisdiction_index) cands.push_back(k);
    for (auto& [k, v] : p_->group_index) cands.push_back(k);
    Unknown(Code::LG2005, n, cands, "name");
  }

  void Dup(const ast::Name& n) { sink_.Report(Code::LG2010, n.span, {{"name", n.text}}); }

  const std::vector<const ast::File*>& files_;
  const SourceManager& sm_;
  diag::DiagnosticSink& sink_;
  std::unique_ptr<Project> p_;
  std::map<std::string, int> enum_index_, record_index_, action_index_, event_index_, rule_index_, ruleset_index_;
  std::map<std::string, const ast::RulesetDecl*> ruleset_decl_;
  std::vector<std::vector<const ast::RecordDecl*>> record_decls_;  // per record: every declaration of it
  std::vector<const ast::RuleDecl*> rule_decls_;
};

}  // namespace

std::unique_ptr<const Project> Check(const std::vector<const ast::File*>& files, const SourceManager& sm,
                                     diag::DiagnosticSink& sink) {
  return Checker(files, sm, sink).Run();
}

}  // namespace lexgate::check
