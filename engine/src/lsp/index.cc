#include "lsp/index.h"

#include <algorithm>
#include <map>

#include "engine.h"

namespace lexgate::lsp {

namespace {

// Length of the UTF-8 sequence that starts with byte c (1 for a stray continuation byte).
uint32_t Utf8Len(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

std::string Code(const std::string& s) { return "`" + s + "`"; }

icu::Formattable Str(const std::string& s) { return icu::Formattable(icu::UnicodeString::fromUTF8(s)); }

// The text for the reader's locale from `zh "…" en "…"` alternatives: the localizer's chain, then the first.
std::string Pick(const std::vector<ast::LocalisedText>& v, const i18n::Localizer& loc) {
  for (const auto& want : loc.chain())
    for (const auto& t : v)
      if (t.locale == want) return t.text;
  return v.empty() ? "" : v.front().text;
}

}  // namespace

Position ToPosition(std::string_view text, uint32_t byte) {
  Position p;
  if (byte > text.size()) byte = static_cast<uint32_t>(text.size());
  uint32_t i = 0;
  while (i < byte) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.character = 0;
      ++i;
      continue;
    }
    uint32_t n = Utf8Len(c);
    p.character += n == 4 ? 2 : 1;  // code points beyond the BMP are a surrogate pair in UTF-16
    i += n;
  }
  return p;
}

uint32_t ToByte(std::string_view text, Position pos) {
  uint32_t i = 0, line = 0;
  while (line < pos.line && i < text.size()) {
    if (text[i] == '\n') ++line;
    ++i;
  }
  uint32_t units = 0;
  while (i < text.size() && text[i] != '\n' && units < pos.character) {
    uint32_t n = Utf8Len(static_cast<unsigned char>(text[i]));
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return std::min<uint32_t>(i, static_cast<uint32_t>(text.size()));
}

struct Workspace::Builder {
  Workspace& w;
  std::map<std::pair<SymbolKind, std::string>, int> index;
  std::map<std::string, const ast::RecordDecl*> records;         // name → first declaration
  std::map<std::string, std::map<std::string, std::string>> field_types;  // record → field → type name
  std::map<std::string, std::vector<std::string>> rules_by_name;  // name → ruleset ids

  int Declare(SymbolKind kind, const std::string& key, const Span& name, const void* decl, const ast::File* f,
              const std::string& record = "") {
    auto [it, fresh] = index.emplace(std::make_pair(kind, key), static_cast<int>(w.symbols_.size()));
    if (fresh) w.symbols_.push_back(Symbol{kind, key, name, decl, f, record});
    Ref(name, it->second);
    return it->second;
  }
  int Find(SymbolKind kind, const std::string& key) const {
    auto it = index.find({kind, key});
    return it == index.end() ? -1 : it->second;
  }
  void Ref(const Span& span, int symbol) {
    if (symbol < 0 || !span.valid() || span.file >= w.occurrences_.size()) return;
    w.occurrences_[span.file].push_back(Occurrence{span, symbol});
  }

  // ---- declarations (all files first, so that references resolve across files)
  void Declarations(const ast::File& f) {
    for (const auto& rs : f.rulesets) Declare(SymbolKind::Ruleset, rs.id.text, rs.id.span, &rs, &f);
    for (const auto& r : f.rules) {
      std::string rs = r.ruleset >= 0 ? f.rulesets[r.ruleset].id.text : "";
      Declare(SymbolKind::Rule, rs + "/" + r.name.text, r.name.span, &r, &f, rs);
      rules_by_name[r.name.text].push_back(rs);
    }
    for (const auto& rec : f.records) {
      std::string name = rec.is_schema ? "" : rec.name.text;
      if (!rec.is_schema) Declare(SymbolKind::Record, name, rec.name.span, &rec, &f);
      records.emplace(name, &rec);
      for (const auto& fd : rec.fields) {
        Declare(SymbolKind::Field, name + "." + fd.name.text, fd.name.span, &fd, &f, name);
        field_types[name].emplace(fd.name.text, fd.type.name.text);
      }
    }
    for (const auto& e : f.enums) Declare(SymbolKind::Enum, e.name.text, e.name.span, &e, &f);
    for (const auto& a : f.actions)
      for (const auto& n : a.names) Declare(SymbolKind::Action, n.text, n.span, &a, &f);
    for (const auto& e : f.events)
      for (const auto& n : e.names) Declare(SymbolKind::Event, n.text, n.span, &e, &f);
    for (const auto& j : f.jurisdictions) Declare(SymbolKind::Jurisdiction, j.code.text, j.code.span, &j, &f);
    for (const auto& g : f.groups) Declare(SymbolKind::Group, g.name.text, g.name.span, &g, &f);
    for (const auto& c : f.calendars) Declare(SymbolKind::Calendar, c.name.text, c.name.span, &c, &f);
  }

  // ---- references
  void Place(const ast::Name& n) {  // a jurisdiction code or a group name
    int s = Find(SymbolKind::Jurisdiction, n.text);
    Ref(n.span, s >= 0 ? s : Find(SymbolKind::Group, n.text));
  }

  // The rule a reference names, as the checker resolves it (check.cc FindRule).
  void RuleRef(const ast::RuleRef& ref, const std::string& default_ruleset) {
    if (!ref.ruleset.empty() || !default_ruleset.empty()) {
      Ref(ref.rule.span, Find(SymbolKind::Rule, (ref.ruleset.empty() ? default_ruleset : ref.ruleset) + "/" + ref.rule.text));
      return;
    }
    auto it = rules_by_name.find(ref.rule.text);
    if (it != rules_by_name.end() && it->second.size() == 1)
      Ref(ref.rule.span, Find(SymbolKind::Rule, it->second.front() + "/" + ref.rule.text));
  }

  struct Var {
    std::string name, record;  // record: the element's record type, empty when not a record
    const Var* outer;
  };

  // Field segments from `record` on; returns the record type of the last segment ("" when not a record,
  // "?" when a segment is unknown).
  std::string Fields(const std::vector<ast::Name>& path, size_t from, std::string record) {
    for (size_t i = from; i < path.size(); ++i) {
      auto rt = field_types.find(record);
      if (rt == field_types.end()) return "?";
      auto ft = rt->second.find(path[i].text);
      if (ft == rt->second.end()) return "?";
      Ref(path[i].span, Find(SymbolKind::Field, record + "." + path[i].text));
      record = records.count(ft->second) ? ft->second : "";
    }
    return record;
  }

  std::string Path(const std::vector<ast::Name>& path, const Var* scope) {
    if (path.empty()) return "?";
    for (const Var* v = scope; v; v = v->outer)
      if (v->name == path[0].text) return path.size() == 1 ? v->record : Fields(path, 1, v->record);
    if (path.size() == 1 && !(field_types.count("") && field_types[""].count(path[0].text))) {
      if (int s = Find(SymbolKind::Group, path[0].text); s >= 0) Ref(path[0].span, s);
      else if (int j = Find(SymbolKind::Jurisdiction, path[0].text); j >= 0) Ref(path[0].span, j);
      else if (int e = Find(SymbolKind::Event, path[0].text); e >= 0) Ref(path[0].span, e);
      return "?";
    }
    return Fields(path, 0, "");
  }

  void Expr(const ast::Expr* e, const Var* scope) {
    if (!e) return;
    switch (e->kind) {
      case ast::ExprKind::Path: Path(e->path, scope); return;
      case ast::ExprKind::Jurisdiction: Ref(e->span, Find(SymbolKind::Jurisdiction, e->text)); return;
      case ast::ExprKind::Some: {
        if (e->kids.size() < 2) return;
        std::string elem = e->kids[0]->kind == ast::ExprKind::Path ? Path(e->kids[0]->path, scope) : "?";
        Var inner{e->name, elem == "?" ? "" : elem, scope};
        Expr(e->kids[1].get(), &inner);
        return;
      }
      default:
        for (const auto& k : e->kids) Expr(k.get(), scope);
    }
  }

  void References(const ast::File& f) {
    for (const auto& rs : f.rulesets) {
      if (rs.jurisdiction) Place(*rs.jurisdiction);
      if (rs.calendar) Ref(rs.calendar->span, Find(SymbolKind::Calendar, rs.calendar->text));
      Expr(rs.applies_where.get(), nullptr);
    }
    for (const auto& r : f.rules) {
      std::string rs = r.ruleset >= 0 ? f.rulesets[r.ruleset].id.text : "";
      for (const auto& ref : r.exception_to) RuleRef(ref, rs);
      Expr(r.when.get(), nullptr);
      Expr(r.satisfied.get(), nullptr);
      for (const auto& [n, e] : r.message_args) Expr(e.get(), nullptr);
      if (r.then) {
        for (const auto& a : r.then->actions) Ref(a.span, Find(SymbolKind::Action, a.text));
        for (const auto& t : r.then->timings) Path(t.anchor, nullptr);
      }
    }
    std::string default_rs = f.rulesets.empty() ? "" : f.rulesets.back().id.text;
    for (const auto& t : f.tests)
      for (const auto& x : t.expects) {
        if (x.kind == ast::Expectation::Fires || x.kind == ast::Expectation::NotFires ||
            x.kind == ast::Expectation::Exempted)
          RuleRef(x.rule, x.rule.ruleset.empty() ? default_rs : "");
        else if (x.kind == ast::Expectation::Missing)
          Fields(x.path, 0, "");
      }
    for (const auto& rec : f.records)
      for (const auto& fd : rec.fields) {
        int s = Find(SymbolKind::Record, fd.type.name.text);
        Ref(fd.type.name.span, s >= 0 ? s : Find(SymbolKind::Enum, fd.type.name.text));
      }
    for (const auto& e : f.events)
      for (const auto& b : e.bindings) Fields(b, 0, "");
    for (const auto& j : f.jurisdictions)
      if (j.parent) Place(*j.parent);
    for (const auto& g : f.groups)
      for (const auto& m : g.members) Place(m.ref);
  }
};

Workspace::Workspace() = default;
Workspace::~Workspace() = default;

std::unique_ptr<Workspace> Workspace::Analyze(const std::vector<std::pair<std::string, std::string>>& sources) {
  std::unique_ptr<Workspace> w(new Workspace());
  LoadResult r = LoadSources(sources, w->asts_);
  w->sources_ = r.sources;
  w->diagnostics_ = r.diagnostics.all();
  w->occurrences_.resize(w->sources_->size());
  Builder b{*w, {}, {}, {}, {}};
  for (const auto& f : w->asts_)
    if (f) b.Declarations(*f);
  for (const auto& f : w->asts_)
    if (f) b.References(*f);
  // Innermost first: a name inside a larger span (never the case today, but cheap to guarantee).
  for (auto& v : w->occurrences_)
    std::stable_sort(v.begin(), v.end(), [](const Occurrence& a, const Occurrence& b) {
      return a.span.end - a.span.begin < b.span.end - b.span.begin;
    });
  return w;
}

uint32_t Workspace::FileId(const std::string& path) const {
  for (uint32_t i = 1; i < sources_->size(); ++i)
    if (sources_->Get(i).path == path) return i;
  return 0;
}

const Occurrence* Workspace::At(uint32_t file, uint32_t byte) const {
  if (file == 0 || file >= occurrences_.size()) return nullptr;
  for (const auto& o : occurrences_[file])
    if (o.span.begin <= byte && byte < o.span.end) return &o;
  // The cursor just after a name (as editors put it at the end of a word) still means that name.
  for (const auto& o : occurrences_[file])
    if (byte == o.span.end && byte > o.span.begin) return &o;
  return nullptr;
}

namespace {

// The comment that documents a declaration: the `# …` after it on its line, else the `#` lines just above.
std::string DocComment(const SourceFile& sf, const Span& name) {
  std::string_view line = sf.Line(name.line);
  // Offset of the name within its line.
  size_t line_begin = name.begin;
  while (line_begin > 0 && sf.text[line_begin - 1] != '\n') --line_begin;
  size_t col = name.begin - line_begin;
  bool in_string = false;
  for (size_t i = col; i < line.size(); ++i) {
    if (line[i] == '"') in_string = !in_string;
    if (line[i] == '#' && !in_string) {
      std::string_view c = line.substr(i + 1);
      while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
      return std::string(c);
    }
  }
  std::vector<std::string> above;
  for (uint32_t l = name.line - 1; l >= 1; --l) {
    std::string_view t = sf.Line(l);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    if (t.empty() || t.front() != '#') break;
    t.remove_prefix(1);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    above.insert(above.begin(), std::string(t));
  }
  std::string out;
  for (const auto& a : above) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string DateText(int32_t days, const i18n::Localizer& loc) {
  return loc.FormatPattern("{d, date, medium}", {{"d", i18n::DateArg(days)}});
}

}  // namespace

std::string Workspace::Hover(const Symbol& s, const i18n::Localizer& loc) const {
  auto text = [&](const std::string& key, const i18n::Args& args = {}) { return loc.Format("lsp/" + key, args); };
  std::string out;
  switch (s.kind) {
    case SymbolKind::Rule: {
      const auto& r = *static_cast<const ast::RuleDecl*>(s.decl);
      const ast::RulesetDecl* rs = r.ruleset >= 0 ? &s.file->rulesets[r.ruleset] : nullptr;
      out = "**" + text("rule") + "** " + Code(s.key);
      if (r.then) {
        static const char* kModality[] = {"must", "must_not", "should", "may", "exempt"};
        out += " — " + loc.Text(std::string("modality/") + kModality[static_cast<int>(r.then->modality)]);
        std::string actions;
        for (const auto& a : r.then->actions) actions += (actions.empty() ? "" : ", ") + Code(a.text);
        if (r.then->mode == ast::ActionMode::OneOf) actions = "one_of { " + actions + " }";
        if (r.then->mode == ast::ActionMode::AllOf) actions = "all_of { " + actions + " }";
        if (!actions.empty()) out += " " + actions;
      }
      out += "\n\n";
      if (r.cite) {
        std::string instrument = r.cite->instrument;
        if (instrument.empty() && rs) {  // as the checker does: the ruleset's zh title, else its first one
          for (const auto& t : rs->title)
            if (t.locale == "zh") instrument = t.text;
          if (instrument.empty()) instrument = rs->title.empty() ? rs->id.text : rs->title.front().text;
        }
        std::string cite = instrument;
        for (const auto& p : r.cite->parts) {
          const char* key = p.kind == "art" ? "citation/article" : p.kind == "para" ? "citation/paragraph" : "citation/item";
          cite += " " + loc.Format(key, {{"n", Str(p.number)}});
        }
        out += text("cite", {{"citation", Str(cite)}}) + "\n\n";
      } else {
        out += text("no_cite") + "\n\n";
      }
      if (rs) {
        std::string title = Pick(rs->title, loc);
        out += text("ruleset", {{"id", Str(Code(rs->id.text))}, {"title", Str(title)}}) + " — " +
               text(rs->binding ? "binding" : "non_binding") + "\n\n";
      }
      if (!r.exception_to.empty()) {
        std::string refs;
        for (const auto& e : r.exception_to)
          refs += (refs.empty() ? "" : ", ") + Code((e.ruleset.empty() ? "" : e.ruleset + "/") + e.rule.text);
        out += text("exception_to", {{"rules", Str(refs)}}) + "\n\n";
      }
      std::string says = Pick(r.says, loc);
      if (!says.empty()) out += "> " + says + "\n";
      break;
    }
    case SymbolKind::Ruleset: {
      const auto& rs = *static_cast<const ast::RulesetDecl*>(s.decl);
      out = text("ruleset", {{"id", Str(Code(rs.id.text))}, {"title", Str(Pick(rs.title, loc))}}) + " — " +
            text(rs.binding ? "binding" : "non_binding") + "\n";
      break;
    }
    case SymbolKind::Field: {
      const auto& f = *static_cast<const ast::FieldDecl*>(s.decl);
      std::string type = (f.type.list ? "list of " : "") + f.type.name.text;
      out = "**" + text("field") + "** " + Code(s.record.empty() ? f.name.text : s.record + "." + f.name.text) +
            ": " + Code(type) + "\n";
      std::string doc = DocComment(sources_->Get(s.name.file), s.name);
      if (!doc.empty()) out += "\n" + doc + "\n";
      break;
    }
    case SymbolKind::Record:
    case SymbolKind::Enum: {
      out = "**" + text(s.kind == SymbolKind::Record ? "record" : "enum") + "** " + Code(s.key) + "\n";
      if (s.kind == SymbolKind::Enum) {
        std::string values;
        for (const auto& v : static_cast<const ast::EnumDecl*>(s.decl)->values)
          values += (values.empty() ? "" : ", ") + v.text;
        out += "\n" + values + "\n";
      }
      std::string doc = DocComment(sources_->Get(s.name.file), s.name);
      if (!doc.empty()) out += "\n" + doc + "\n";
      break;
    }
    case SymbolKind::Action:
    case SymbolKind::Event:
    case SymbolKind::Calendar:
      out = "**" + text(s.kind == SymbolKind::Action ? "action" : s.kind == SymbolKind::Event ? "event" : "calendar") +
            "** " + Code(s.key) + "\n";
      if (s.kind == SymbolKind::Calendar) {
        std::string n = Pick(static_cast<const ast::CalendarDecl*>(s.decl)->names, loc);
        if (!n.empty()) out += "\n" + n + "\n";
      }
      break;
    case SymbolKind::Jurisdiction: {
      const auto& j = *static_cast<const ast::JurisdictionDecl*>(s.decl);
      std::string name = Pick(j.names, loc);
      if (name.empty()) name = loc.CountryName(j.code.text);
      out = "**" + text("jurisdiction") + "** " + Code(j.code.text) + (name != j.code.text ? " — " + name : "") + "\n";
      if (j.parent) out += "\n" + text("inside", {{"parent", Str(Code(j.parent->text))}}) + "\n";
      break;
    }
    case SymbolKind::Group: {
      const auto& g = *static_cast<const ast::GroupDecl*>(s.decl);
      std::string name = Pick(g.names, loc);
      out = "**" + text("group") + "** " + Code(g.name.text) + (name.empty() ? "" : " — " + name) + "\n\n" +
            text("members", {{"count", icu::Formattable(static_cast<int32_t>(g.members.size()))}}) + "\n\n";
      for (const auto& m : g.members) {
        out += "- " + Code(m.ref.text);
        if (m.from) out += " " + text("from", {{"date", Str(DateText(*m.from, loc))}});
        if (m.until) out += " " + text("until", {{"date", Str(DateText(*m.until, loc))}});
        if (!m.note.empty()) out += " (" + m.note + ")";
        out += "\n";
      }
      break;
    }
  }
  return out;
}

}  // namespace lexgate::lsp
