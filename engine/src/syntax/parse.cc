#include "syntax/parse.h"

#include <antlr4-runtime.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <system_error>
#include <thread>
#include <typeinfo>

#include "LexgateLexer.h"
#include "LexgateParser.h"
#include "base/date.h"

namespace lexgate::syntax {

namespace {

using P = LexgateParser;

// ANTLR's lexer caches DFA edges only for code points below 128; every other character is matched by
// simulating the ATN, which made lexing Chinese text (rule messages, names) most of the load time. Most
// non-ASCII characters are interchangeable for the lexer: they are letters that no keyword, punctuation
// twin or quote mentions. This stream folds each such character onto \u0001, which the grammar lists
// exactly where it lists \p{L} (in IDENT), so the lexer sees a character it treats identically but can
// cache. Whether two characters are interchangeable is decided from the lexer's own ATN: a character is
// folded only if every consuming transition matches it exactly when it matches \u0001. Token text still
// comes from the original characters (getText reads `_data`). A raw \u0001 in a file is read as \u0002,
// which, like \u0001 before the fold existed, matches only the "any character" sets.
class FoldingInputStream final : public antlr4::ANTLRInputStream {
 public:
  explicit FoldingInputStream(const std::string& text) : antlr4::ANTLRInputStream(text) {}

  size_t LA(ssize_t i) override {
    size_t c = antlr4::ANTLRInputStream::LA(i);
    if (c < 128) return c == kFold ? kFold + 1 : c;
    if (c == static_cast<size_t>(antlr4::IntStream::EOF)) return c;
    return Folds(c) ? kFold : c;
  }

 private:
  static constexpr size_t kFold = 1;

  struct Table {
    std::vector<const antlr4::atn::Transition*> consuming;  // every transition that consumes a character
    std::vector<bool> matches_fold;                         // ... and whether it matches \u0001
    std::vector<std::atomic<uint8_t>> bmp;                  // 0 not yet known, 1 fold, 2 keep
    bool usable = false;
    Table() : bmp(0x10000) {
      antlr4::ANTLRInputStream empty(std::string{});
      LexgateLexer lexer(&empty);
      const antlr4::atn::ATN& atn = lexer.getATN();  // static: outlives `lexer`
      for (const auto* state : atn.states) {
        if (!state) continue;
        for (const auto* t : state->transitions)
          if (!t->isEpsilon()) {
            consuming.push_back(t);
            matches_fold.push_back(t->matches(kFold, 0, 0x10FFFF));
          }
      }
      usable = std::find(matches_fold.begin(), matches_fold.end(), true) != matches_fold.end();
    }
    bool Compute(size_t c) const {
      for (size_t i = 0; i < consuming.size(); ++i)
        if (consuming[i]->matches(c, 0, 0x10FFFF) != matches_fold[i]) return false;
      return true;
    }
  };

  static bool Folds(size_t c) {
    static Table table;
    if (!table.usable) return false;
    if (c >= 0x10000) return table.Compute(c);
    uint8_t known = table.bmp[c].load(std::memory_order_relaxed);
    if (!known) {
      known = table.Compute(c) ? 1 : 2;
      table.bmp[c].store(known, std::memory_order_relaxed);
    }
    return known == 1;
  }
};
// The lexer's simulator with two changes to how it caches DFA edges (issue 12: lexing was over half of
// loading the shipped rules from source):
//  - Edges on every character are kept, not only on those below 128. ANTLR 4.9's C++ runtime stores a
//    DFA state's edges in a hash map (the 128 limit is inherited from Java's arrays), so nothing is gained
//    by the limit; without it, each character that FoldingInputStream cannot fold (the CJK characters of
//    keywords, such as 的 日 年 条, and every other one in the same text) was matched by simulating the
//    ATN again, at each occurrence. An edge is a function of the state and the character (no predicates
//    in this grammar), which is exactly why ANTLR caches it at all.
//  - A small per-thread table in front of the shared edge maps: each look-up there takes ANTLR's
//    process-wide read lock (`_edgeLock`), which two parsing threads contend for. DFA states are never
//    freed while the process runs (the DFA is the generated lexer's static), so a cached pointer stays valid.
// The tokens are the same as with ANTLR's simulator: only where they are remembered changes.
class CachingLexerSimulator final : public antlr4::atn::LexerATNSimulator {
 public:
  CachingLexerSimulator(antlr4::Lexer* recog, antlr4::atn::LexerATNSimulator& base)
      : LexerATNSimulator(recog, base.atn, base._decisionToDFA, SharedContextCache()) {}

  // Replaces the lexer's own simulator (built by the generated constructor) with this one; ANTLR 4.9's
  // setInterpreter deletes the one it replaces.
  static void Install(antlr4::Lexer& lexer) {
    auto* old = lexer.getInterpreter<antlr4::atn::LexerATNSimulator>();
    lexer.setInterpreter(new CachingLexerSimulator(&lexer, *old));
  }

 protected:
  using LexerATNSimulator::addDFAEdge;

  antlr4::dfa::DFAState* getExistingTargetState(antlr4::dfa::DFAState* s, size_t t) override {
    if (t == antlr4::Token::EOF) return nullptr;
    thread_local std::unique_ptr<Slot[]> table;
    if (!table) table = std::make_unique<Slot[]>(kSlots);
    Slot& slot = table[(reinterpret_cast<uintptr_t>(s) / sizeof(void*) * 31 + t) & (kSlots - 1)];
    if (slot.from == s && slot.t == t) return slot.to;
    antlr4::dfa::DFAState* to = nullptr;
    _edgeLock.readLock();
    auto it = s->edges.find(t);
    if (it != s->edges.end()) to = it->second;
    _edgeLock.readUnlock();
    if (to) slot = Slot{s, t, to};
    return to;
  }

  void addDFAEdge(antlr4::dfa::DFAState* p, size_t t, antlr4::dfa::DFAState* q) override {
    if (t == antlr4::Token::EOF) return;
    // Edges on characters ≥ 128 are bounded for the process (a server or language server lexes for
    // a long time, and text can hold any of a million code points): past the bound, such characters are
    // simulated each time, as ANTLR does. ~100 bytes an edge: at most a few MB.
    if (t > MAX_DFA_EDGE && wide_edges_.fetch_add(1, std::memory_order_relaxed) >= kMaxWideEdges) return;
    _edgeLock.writeLock();
    p->edges[t] = q;
    _edgeLock.writeUnlock();
  }

 private:
  struct Slot {
    antlr4::dfa::DFAState* from = nullptr;
    size_t t = 0;
    antlr4::dfa::DFAState* to = nullptr;
  };
  static constexpr size_t kSlots = 4096;  // 96 KB per thread that lexes
  static constexpr size_t kMaxWideEdges = 50000;
  static inline std::atomic<size_t> wide_edges_{0};

  // The lexer simulator does not use the context cache (it is for the parser's full-context prediction),
  // but the base class needs one.
  static antlr4::atn::PredictionContextCache& SharedContextCache() {
    static antlr4::atn::PredictionContextCache cache;
    return cache;
  }
};

using diag::Code;

constexpr int kMaxNesting = 200;

// Set by tests only (UseAntlrTextForTests): the AST builder takes names and literals from ANTLR's
// getText() instead of the file's bytes, to show that both give the same AST.
std::atomic<bool> g_antlr_text{false};

// Chinese spellings of hard keywords, longest first, for the "put a space after it" diagnostic.
const char* const kZhKeywords[] = {"规则集", "并且", "或者", "可以", "豁免", "例外", "属于", "存在", "测试",
                                   "期望", "引用", "规则", "必须", "不得", "当", "则", "应", "且", "或", "非"};

class Builder;

// The parse-tree node as the labelled-alternative context T, or null: an exact type test (these classes
// are leaves of the generated hierarchy, so it answers as dynamic_cast does) that compares type_info
// addresses only. dynamic_cast walked the class hierarchy comparing type names with strcmp on every
// miss, and the AST builder tries up to a dozen labels per node: it was a sixth of a large load.
template <class T>
T* As(antlr4::tree::ParseTree* t) {
  return t && &typeid(*t) == &typeid(T) ? static_cast<T*>(t) : nullptr;
}

// The children of c of the (leaf) context type T, in order: what the generated accessor c->t() returns,
// without its dynamic_cast of every child (the tokens between them included).
template <class T>
std::vector<T*> Kids(antlr4::ParserRuleContext* c) {
  std::vector<T*> out;
  for (auto* child : c->children)
    if (T* k = As<T>(child)) out.push_back(k);
  return out;
}

// Maps code-point indexes (ANTLR's, counted from the start of the text the lexer was given) to byte
// offsets in the file (ours). A piece of a file (see ParseFiles) starts at code point `base` of it.
struct Offsets {
  const std::vector<uint32_t>* byte_of_cp = nullptr;  // the whole file's map, with one entry past the end
  size_t base = 0;
  const std::string* text = nullptr;  // the whole (prepared) file that the byte offsets index
  uint32_t Byte(size_t cp) const {
    cp += base;
    return cp < byte_of_cp->size() ? (*byte_of_cp)[cp] : byte_of_cp->back();
  }
};

class ErrorListener : public antlr4::BaseErrorListener {
 public:
  ErrorListener(diag::DiagnosticSink& sink, uint32_t file, const Offsets& off) : sink_(sink), file_(file), off_(off) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* tok, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr) override {
    if (line == last_line_) return;  // one syntax error per line: the rest are usually echoes
    last_line_ = line;
    Span span{file_, 0, 0, static_cast<uint32_t>(line), static_cast<uint32_t>(col + 1)};
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (!tok || !parser) {
      sink_.Report(Code::LG1011, span, {{"found", "input"}});
      (void)msg;
      return;
    }
    span.begin = off_.Byte(tok->getStartIndex());
    span.end = tok->getType() == antlr4::Token::EOF ? span.begin : off_.Byte(tok->getStopIndex() + 1);
    const std::string text = tok->getText();
    switch (tok->getType()) {
      case LexgateLexer::BAD_CHAR:
        sink_.Report(Code::LG1003, span, {{"char", Describe(text)}});
        return;
      case LexgateLexer::UNTERMINATED_STRING:
        sink_.Report(Code::LG1002, span);
        return;
      case LexgateLexer::IDENT:
        for (const char* kw : kZhKeywords) {
          std::string k = kw;
          if (text.size() > k.size() && text.compare(0, k.size(), k) == 0) {
            auto& d = sink_.Report(Code::LG1004, span, {{"word", text}, {"keyword", k}});
            d.help = "write '" + k + " " + text.substr(k.size()) + "'";
            return;
          }
        }
        break;
      default:
        break;
    }
    std::string expected = Expected(parser);
    if (tok->getType() == antlr4::Token::EOF) {
      sink_.Report(Code::LG1007, span, {{"expected", expected.empty() ? "the file ends too early" : "expected " + expected}});
      return;
    }
    if (expected.empty())
      sink_.Report(Code::LG1011, span, {{"found", "'" + text + "'"}});
    else
      sink_.Report(Code::LG1001, span, {{"found", "'" + text + "'"}, {"expected", expected}});
  }

 private:
  static std::string Describe(const std::string& t) {
    if (t.size() == 1 && (static_cast<unsigned char>(t[0]) < 0x20 || t[0] == 0x7f)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned char>(t[0]));
      return buf;
    }
    return "'" + t + "'";
  }

  // Tokens with a full-width twin have no single literal: name them by their ASCII spelling.
  static const char* Punctuation(size_t t) {
    switch (t) {
      case LexgateLexer::LBRACE: return "'{'";
      case LexgateLexer::RBRACE: return "'}'";
      case LexgateLexer::LPAREN: return "'('";
      case LexgateLexer::RPAREN: return "')'";
      case LexgateLexer::LBRACK: return "'['";
      case LexgateLexer::RBRACK: return "']'";
      case LexgateLexer::COMMA: return "','";
      case LexgateLexer::COLON: return "':'";
      case LexgateLexer::PERCENT: return "'%'";
      default: return nullptr;
    }
  }

  static std::string Expected(antlr4::Parser* parser) {
    antlr4::misc::IntervalSet set;
    try {
      set = parser->getExpectedTokens();
    } catch (...) {
      return {};
    }
    std::vector<std::string> names;
    bool ident_ok = set.contains(static_cast<size_t>(LexgateLexer::IDENT));
    for (size_t t : set.toList()) {
      if (ident_ok && t != LexgateLexer::IDENT && t >= LexgateLexer::TITLE && t <= LexgateLexer::YEARS) continue;
      if (ident_ok && (t == LexgateLexer::GROUP || t == LexgateLexer::JURISDICTION_KW || t == LexgateLexer::SCHEMA ||
                       t == LexgateLexer::RECORD || t == LexgateLexer::ENUM || t == LexgateLexer::CALENDAR))
        continue;
      std::string n = parser->getVocabulary().getDisplayName(t);
      if (t == LexgateLexer::IDENT) n = "a name";
      else if (t == LexgateLexer::STRING) n = "a string";
      else if (t == LexgateLexer::INT) n = "a number";
      else if (t == LexgateLexer::DATE) n = "a date";
      else if (t == LexgateLexer::JCODE) n = "a jurisdiction code";
      else if (t == antlr4::Token::EOF) n = "end of file";
      else if (const char* p = Punctuation(t)) n = p;
      else {
        std::string lit = parser->getVocabulary().getLiteralName(t);
        if (!lit.empty()) n = lit;
        else {  // keyword tokens have no literal name; show the English spelling
          for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          n = "'" + n + "'";
        }
      }
      names.push_back(n);
    }
    if (names.empty() || names.size() > 8) return {};
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out += i + 1 == names.size() ? " or " : ", ";
      out += names[i];
    }
    return out;
  }

  diag::DiagnosticSink& sink_;
  uint32_t file_;
  const Offsets& off_;
  size_t last_line_ = 0;
};

class Builder {
 public:
  Builder(diag::DiagnosticSink& sink, uint32_t file, const Offsets& off) : sink_(sink), file_(file), off_(off) {}

  Span SpanOf(antlr4::Token* a, antlr4::Token* b) const {
    if (!a) return {};
    if (!b || b->getType() == antlr4::Token::EOF || b->getStopIndex() < a->getStartIndex()) b = a;
    return Span{file_, off_.Byte(a->getStartIndex()), off_.Byte(b->getStopIndex() + 1),
                static_cast<uint32_t>(a->getLine()), static_cast<uint32_t>(a->getCharPositionInLine() + 1)};
  }
  Span SpanOf(antlr4::ParserRuleContext* c) const { return c ? SpanOf(c->getStart(), c->getStop()) : Span{}; }
  Span SpanOf(antlr4::tree::TerminalNode* t) const { return t ? SpanOf(t->getSymbol(), t->getSymbol()) : Span{}; }

  // What ANTLR's getText() returns — a token's characters; a rule's: its tokens' texts run together —
  // cut from the file's bytes. ANTLR's builds each token's text from the UTF-32 copy of the input, and a
  // rule's through a std::stringstream (a locale set up per call): ~9 % of loading the shipped rules.
  std::string Text(antlr4::Token* tok) const {
    if (g_antlr_text || !off_.text || tok->getType() == antlr4::Token::EOF || tok->getStopIndex() < tok->getStartIndex())
      return tok->getText();
    const uint32_t b = off_.Byte(tok->getStartIndex()), e = off_.Byte(tok->getStopIndex() + 1);
    return off_.text->substr(b, e - b);
  }
  std::string Text(antlr4::tree::TerminalNode* t) const { return Text(t->getSymbol()); }
  std::string Text(antlr4::ParserRuleContext* c) const {
    if (g_antlr_text) return c->getText();
    std::string s;
    AppendText(c, s);
    return s;
  }
  void AppendText(antlr4::tree::ParseTree* t, std::string& s) const {
    if (&typeid(*t) == &typeid(antlr4::tree::TerminalNodeImpl)) {
      // ParseTree is a non-virtual base of TerminalNode (TerminalNodeImpl's only path to it): a static
      // downcast to TerminalNode is exact, without dynamic_cast's walk of the hierarchy.
      s += Text(static_cast<antlr4::tree::TerminalNode*>(t)->getSymbol());
      return;
    }
    if (dynamic_cast<antlr4::tree::TerminalNode*>(t)) {  // an error node: not in a tree that is built
      s += t->getText();
      return;
    }
    for (auto* child : t->children) AppendText(child, s);
  }

  ast::Name NameOf(P::IdentContext* c) const { return c ? ast::Name{Text(c), SpanOf(c)} : ast::Name{}; }
  ast::Name NameOf(antlr4::tree::TerminalNode* t) const { return t ? ast::Name{Text(t), SpanOf(t)} : ast::Name{}; }

  std::string QName(P::QnameContext* q) const {
    std::string s;
    if (!q) return s;
    for (auto* i : Kids<P::IdentContext>(q)) {
      if (!s.empty()) s += ".";
      s += Text(i);
    }
    return s;
  }

  std::optional<int64_t> Int(antlr4::tree::TerminalNode* t) {
    if (!t) return std::nullopt;
    std::string digits;
    for (char c : Text(t))
      if (c != '_') digits += c;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || p != digits.data() + digits.size()) {
      sink_.Report(Code::LG1005, SpanOf(t), {{"text", Text(t)}});
      return std::nullopt;
    }
    return v;
  }

  std::optional<int64_t> DecimalMillionths(antlr4::tree::TerminalNode* t) {
    std::string s;
    for (char c : Text(t))
      if (c != '_') s += c;
    size_t dot = s.find('.');
    std::string ip = s.substr(0, dot), fp = s.substr(dot + 1);
    if (fp.size() > 6) fp.resize(6);
    while (fp.size() < 6) fp += '0';
    int64_t a = 0, b = 0;
    auto r1 = std::from_chars(ip.data(), ip.data() + ip.size(), a);
    auto r2 = std::from_chars(fp.data(), fp.data() + fp.size(), b);
    int64_t out;
    if (r1.ec != std::errc() || r2.ec != std::errc() || __builtin_mul_overflow(a, 1000000, &out) ||
        __builtin_add_overflow(out, b, &out)) {
      sink_.Report(Code::LG1005, SpanOf(t), {{"text", Text(t)}});
      return std::nullopt;
    }
    return out;
  }

  std::optional<int32_t> Date(antlr4::tree::TerminalNode* t) {
    if (!t) return std::nullopt;
    auto d = ParseDate(Text(t));
    if (!d) sink_.Report(Code::LG1006, SpanOf(t), {{"text", Text(t)}});
    return d;
  }

  // Removes the quotes (ASCII or full-width) and resolves escapes.
  std::string Str(antlr4::tree::TerminalNode* t) {
    if (!t) return {};
    const std::string raw = Text(t);
    auto first_len = [&]() -> size_t { return raw[0] == '"' ? 1 : 3; };
    size_t open = first_len();
    size_t close = raw.back() == '"' ? 1 : 3;
    if (raw.size() < open + close) return {};
    std::string in = raw.substr(open, raw.size() - open - close), out;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] != '\\') { out += in[i]; continue; }
      if (++i >= in.size()) break;
      char c = in[i];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'u': {
          if (i + 4 >= in.size()) { sink_.Report(Code::LG1008, SpanOf(t)); return out; }
          unsigned cp = 0;
          std::from_chars(in.data() + i + 1, in.data() + i + 5, cp, 16);
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDFFF) { sink_.Report(Code::LG1008, SpanOf(t)); break; }
          char buf[4];
          int32_t n = 0;
          UBool err = false;
          U8_APPEND(reinterpret_cast<uint8_t*>(buf), n, 4, static_cast<UChar32>(cp), err);
          if (err) { sink_.Report(Code::LG1008, SpanOf(t)); break; }
          out.append(buf, static_cast<size_t>(n));
          break;
        }
        case '"': case '\\': case '/': out += c; break;
        default:
          // the full-width closers “” and 」 may be escaped too
          if (in.compare(i, 3, "\u201D") == 0 || in.compare(i, 3, "\u300D") == 0) {
            out += in.substr(i, 3);
            i += 2;
            break;
          }
          sink_.Report(Code::LG1008, SpanOf(t)).help = "known escapes: \\n \\t \\r \\\" \\\\ \\/ \\uXXXX";
          return out;
      }
    }
    return out;
  }

  std::vector<ast::LocalisedText> Texts(const std::vector<P::LocalisedTextContext*>& v) {
    std::vector<ast::LocalisedText> out;
    for (auto* t : v) out.push_back({Text(t->ident()), Str(t->STRING()), SpanOf(t)});
    return out;
  }

  void Once(std::vector<std::string>& seen, const std::string& clause, antlr4::ParserRuleContext* c) {
    for (auto& s : seen)
      if (s == clause) {
        sink_.Report(Code::LG1010, SpanOf(c), {{"clause", clause}});
        return;
      }
    seen.push_back(clause);
  }

  // ---------------------------------------------------------------- expressions
  ast::ExprPtr Make(ast::ExprKind k, Span s) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = k;
    e->span = s;
    return e;
  }

  ast::ExprPtr Expr(P::ExprContext* c) { return c ? Or(c->orExpr()) : nullptr; }

  ast::ExprPtr Or(P::OrExprContext* c) {
    if (!c) return nullptr;
    auto parts = Kids<P::AndExprContext>(c);
    if (parts.size() == 1) return And(parts[0]);
    auto e = Make(ast::ExprKind::Or, SpanOf(c));
    for (auto* p : parts) e->kids.push_back(And(p));
    return e;
  }

  ast::ExprPtr And(P::AndExprContext* c) {
    if (!c) return nullptr;
    auto parts = Kids<P::NotExprContext>(c);
    if (parts.size() == 1) return Not(parts[0]);
    auto e = Make(ast::ExprKind::And, SpanOf(c));
    for (auto* p : parts) e->kids.push_back(Not(p));
    return e;
  }

  ast::ExprPtr Not(P::NotExprContext* c) {
    if (!c) return nullptr;
    // NOT notExpr | cmpExpr: the last child tells which
    if (auto* inner = c->children.empty() ? nullptr : As<P::NotExprContext>(c->children.back())) {
      auto e = Make(ast::ExprKind::Not, SpanOf(c));
      e->kids.push_back(Not(inner));
      return e;
    }
    auto* cmp = c->children.empty() ? nullptr : As<P::CmpExprContext>(c->children.back());
    return Cmp(cmp ? cmp : c->cmpExpr());
  }

  ast::ExprPtr Cmp(P::CmpExprContext* c) {
    if (!c) return nullptr;
    auto adds = Kids<P::AddExprContext>(c);
    if (adds.size() == 1) return Add(adds[0]);
    ast::ExprPtr e;
    if (c->cmpOp()) {
      e = Make(ast::ExprKind::Cmp, SpanOf(c));
      e->op = Text(c->cmpOp());
    } else {
      e = Make(c->NOT() ? ast::ExprKind::NotIn : ast::ExprKind::In, SpanOf(c));
    }
    e->kids.push_back(Add(adds[0]));
    e->kids.push_back(Add(adds[1]));
    return e;
  }

  ast::ExprPtr Add(P::AddExprContext* c) {
    if (!c) return nullptr;
    auto us = Kids<P::UnaryExprContext>(c);
    ast::ExprPtr acc = Unary(us[0]);
    // Operators and operands alternate among the children: u (op u)*
    size_t ui = 1;
    for (size_t i = 1; i < c->children.size(); i += 2) {
      auto* op = dynamic_cast<antlr4::tree::TerminalNode*>(c->children[i]);
      if (!op || ui >= us.size()) break;
      auto e = Make(op->getSymbol()->getType() == LexgateLexer::PLUS ? ast::ExprKind::Add : ast::ExprKind::Sub,
                    SpanOf(c->getStart(), us[ui]->getStop()));
      e->kids.push_back(std::move(acc));
      e->kids.push_back(Unary(us[ui++]));
      acc = std::move(e);
    }
    return acc;
  }

  ast::ExprPtr Unary(P::UnaryExprContext* c) {
    if (!c) return nullptr;
    // MINUS unaryExpr | primary: the last child tells which
    if (auto* inner = c->children.empty() ? nullptr : As<P::UnaryExprContext>(c->children.back())) {
      auto e = Make(ast::ExprKind::Neg, SpanOf(c));
      e->kids.push_back(Unary(inner));
      return e;
    }
    return Primary(c->primary());
  }

  ast::ExprPtr PathExpr(P::PathContext* c) {
    auto e = Make(ast::ExprKind::Path, SpanOf(c));
    if (c)
      for (auto* i : Kids<P::IdentContext>(c)) e->path.push_back(NameOf(i));
    return e;
  }

  ast::ExprPtr Primary(P::PrimaryContext* c) {
    if (!c) return nullptr;
    if (auto* p = As<P::PParenContext>(c)) return Expr(p->expr());
    if (auto* p = As<P::PSomeContext>(c)) {
      auto e = Make(ast::ExprKind::Some, SpanOf(c));
      e->name = p->ident() ? Text(p->ident()) : "";
      e->path.push_back(NameOf(p->ident()));
      e->kids.push_back(PathExpr(p->path()));
      e->kids.push_back(Not(p->notExpr()));
      return e;
    }
    if (auto* p = As<P::PCallContext>(c)) {
      auto e = Make(ast::ExprKind::Call, SpanOf(c));
      e->name = p->ident() ? Text(p->ident()) : "";
      e->path.push_back(NameOf(p->ident()));
      for (auto* a : p->arg()) {
        if (auto* s = As<P::ArgSinceContext>(a)) {
          auto w = Make(ast::ExprKind::Since, SpanOf(a));
          w->name = s->ident() ? Text(s->ident()) : "";
          e->kids.push_back(std::move(w));
        } else if (auto* l = As<P::ArgLastContext>(a)) {
          auto w = Make(ast::ExprKind::Last, SpanOf(a));
          auto d = Dur(l->duration());
          w->ival = d.n;
          w->text = d.unit;
          e->kids.push_back(std::move(w));
        } else if (auto* x = As<P::ArgExprContext>(a)) {
          e->kids.push_back(Expr(x->expr()));
        }
      }
      return e;
    }
    if (auto* p = As<P::PSetContext>(c)) {
      auto e = Make(ast::ExprKind::Set, SpanOf(c));
      for (auto* el : p->setElem()) {
        if (el->literal()) e->kids.push_back(Literal(el->literal()));
        else e->kids.push_back(PathExpr(el->path()));
      }
      return e;
    }
    if (auto* p = As<P::PLiteralContext>(c)) return Literal(p->literal());
    if (auto* p = As<P::PPathContext>(c)) return PathExpr(p->path());
    return nullptr;
  }

  ast::Duration Dur(P::DurationContext* c) {
    ast::Duration d;
    if (!c) return d;
    d.n = Int(c->INT()).value_or(0);
    d.unit = c->unit() ? Text(c->unit()) : "";
    // Chinese unit spellings are the same units.
    if (d.unit == "工作日") d.unit = "working_days";
    else if (d.unit == "日") d.unit = "days";
    else if (d.unit == "个月") d.unit = "months";
    else if (d.unit == "年") d.unit = "years";
    d.span = SpanOf(c);
    return d;
  }

  ast::ExprPtr Literal(P::LiteralContext* c) {
    if (!c) return nullptr;
    Span s = SpanOf(c);
    if (auto* l = As<P::LitIntContext>(c)) {
      auto e = Make(ast::ExprKind::Int, s);
      e->ival = Int(l->INT()).value_or(0);
      if (l->PERCENT()) {  // 50% is the decimal 50
        e->kind = ast::ExprKind::Decimal;
        e->percent = true;
        if (__builtin_mul_overflow(e->ival, 1000000, &e->ival)) {
          sink_.Report(Code::LG1005, s, {{"text", Text(l->INT())}});
          e->ival = 0;
        }
      }
      return e;
    }
    if (auto* l = As<P::LitDecimalContext>(c)) {
      auto e = Make(ast::ExprKind::Decimal, s);
      e->ival = DecimalMillionths(l->DECIMAL()).value_or(0);
      e->percent = l->PERCENT() != nullptr;
      return e;
    }
    if (auto* l = As<P::LitStringContext>(c)) {
      auto e = Make(ast::ExprKind::String, s);
      e->text = Str(l->STRING());
      return e;
    }
    if (auto* l = As<P::LitDateContext>(c)) {
      auto e = Make(ast::ExprKind::Date, s);
      e->ival = Date(l->DATE()).value_or(0);
      return e;
    }
    if (auto* l = As<P::LitBoolContext>(c)) {
      auto e = Make(ast::ExprKind::Bool, s);
      e->ival = l->TRUE() ? 1 : 0;
      return e;
    }
    if (auto* l = As<P::LitJurisdictionContext>(c)) {
      auto e = Make(ast::ExprKind::Jurisdiction, s);
      e->text = Text(l->JCODE());
      return e;
    }
    if (auto* l = As<P::LitDurationContext>(c)) {
      auto e = Make(ast::ExprKind::Duration, s);
      auto d = Dur(l->duration());
      e->ival = d.n;
      e->text = d.unit;
      return e;
    }
    return nullptr;
  }

  // ---------------------------------------------------------------- declarations
  void Ruleset(P::RulesetDeclContext* c, ast::File& f) {
    ast::RulesetDecl r;
    r.span = SpanOf(c);
    r.id = {QName(c->qname()), SpanOf(c->qname())};
    std::vector<std::string> seen;
    for (auto* fld : c->rulesetField()) {
      if (auto* x = As<P::RsTitleContext>(fld)) { Once(seen, "title", fld); r.title = Texts(x->localisedText()); }
      else if (auto* x = As<P::RsAuthorityContext>(fld)) { Once(seen, "authority", fld); r.authority = ast::Name{QName(x->qname()), SpanOf(x->qname())}; }
      else if (auto* x = As<P::RsJurisdictionContext>(fld)) { Once(seen, "jurisdiction", fld); r.jurisdiction = ast::Name{Text(x->jurisdictionRef()), SpanOf(x->jurisdictionRef())}; }
      else if (auto* x = As<P::RsForceContext>(fld)) { Once(seen, "force", fld); r.force = NameOf(x->ident()); }
      else if (auto* x = As<P::RsCalendarContext>(fld)) { Once(seen, "counted_on", fld); r.calendar = NameOf(x->ident()); }
      else if (auto* x = As<P::RsEffectiveContext>(fld)) { Once(seen, "effective", fld); r.effective = Date(x->DATE()); r.effective_span = SpanOf(x->DATE()); }
      else if (auto* x = As<P::RsExpiresContext>(fld)) { Once(seen, "expires", fld); r.expires = Date(x->DATE()); r.expires_span = SpanOf(x->DATE()); }
      else if (auto* x = As<P::RsBindingContext>(fld)) { Once(seen, "binding", fld); r.binding = x->TRUE() != nullptr; }
      else if (auto* x = As<P::RsSourceContext>(fld)) { Once(seen, "source", fld); r.source = Str(x->STRING()); }
      else if (auto* x = As<P::RsVersionContext>(fld)) { Once(seen, "version", fld); r.version = Str(x->STRING()); }
      else if (auto* x = As<P::RsAppliesContext>(fld)) {
        Once(seen, "applies to", fld);
        r.applies_kind = NameOf(x->ident());
        r.applies_where = Expr(x->expr());
      }
    }
    f.rulesets.push_back(std::move(r));
  }

  ast::RuleRef Ref(P::RuleRefContext* c) {
    ast::RuleRef r;
    r.span = SpanOf(c);
    if (!c) return r;
    if (c->SLASH()) {
      r.ruleset = QName(c->qname());
      r.rule = NameOf(c->ident());
    } else {
      r.rule = {QName(c->qname()), SpanOf(c->qname())};
    }
    return r;
  }

  void Rule(P::RuleDeclContext* c, ast::File& f) {
    ast::RuleDecl r;
    r.span = SpanOf(c);
    r.name = NameOf(c->ident());
    r.ruleset = f.rulesets.empty() ? -1 : static_cast<int>(f.rulesets.size() - 1);
    for (auto* rr : c->ruleRef()) r.exception_to.push_back(Ref(rr));
    std::vector<std::string> seen;
    for (auto* cl : c->ruleClause()) {
      if (auto* x = As<P::ClCiteContext>(cl)) {
        Once(seen, "cite", cl);
        ast::Citation ct;
        ct.span = SpanOf(cl);
        ct.instrument = Str(x->STRING());
        for (auto* part : x->citePart()) {
          std::string kind = part->ART() ? "art" : part->PARA() ? "para" : "item";
          ct.parts.push_back({kind, part->citeNumber() ? Text(part->citeNumber()) : ""});
        }
        r.cite = std::move(ct);
      } else if (auto* x = As<P::ClCiteInstrumentOnlyContext>(cl)) {
        Once(seen, "cite", cl);
        r.cite = ast::Citation{SpanOf(cl), Str(x->STRING()), {}};
      } else if (auto* x = As<P::ClWhenContext>(cl)) {
        Once(seen, "when", cl);
        r.when = Expr(x->expr());
      } else if (auto* x = As<P::ClSatisfiedContext>(cl)) {
        Once(seen, "satisfied when", cl);
        r.satisfied = Expr(x->expr());
      } else if (auto* x = As<P::ClSaysContext>(cl)) {
        Once(seen, "says", cl);
        r.says = Texts(x->localisedText());
      } else if (auto* x = As<P::ClWithContext>(cl)) {
        Once(seen, "with", cl);
        for (auto* a : x->messageArg()) r.message_args.emplace_back(NameOf(a->ident()), Expr(a->expr()));
      } else if (auto* x = As<P::ClThenContext>(cl)) {
        Once(seen, "then", cl);
        r.then = Consequence(x->consequence());
      }
    }
    f.rules.push_back(std::move(r));
  }

  ast::Consequence Consequence(P::ConsequenceContext* c) {
    ast::Consequence q;
    q.span = SpanOf(c);
    if (As<P::CqExemptContext>(c)) {
      q.modality = ast::Modality::Exempt;
      return q;
    }
    auto* m = As<P::CqModalContext>(c);
    if (!m) return q;
    auto* mod = m->modality();
    q.modality = mod->MUST() ? ast::Modality::Must : mod->MUST_NOT() ? ast::Modality::MustNot
               : mod->SHOULD() ? ast::Modality::Should : ast::Modality::May;
    auto* a = m->actionSpec();
    if (auto* s = As<P::ActSingleContext>(a)) {
      q.actions.push_back(NameOf(s->ident()));
    } else if (auto* o = As<P::ActOneOfContext>(a)) {
      q.mode = ast::ActionMode::OneOf;
      for (auto* i : o->ident()) q.actions.push_back(NameOf(i));
    } else if (auto* l = As<P::ActAllOfContext>(a)) {
      q.mode = ast::ActionMode::AllOf;
      for (auto* i : l->ident()) q.actions.push_back(NameOf(i));
    }
    for (auto* t : m->timing()) {
      ast::Timing tm;
      tm.span = SpanOf(t);
      P::AnchorContext* anchor = nullptr;
      if (auto* b = As<P::TmBeforeContext>(t)) { tm.kind = ast::Timing::Before; anchor = b->anchor(); }
      else if (auto* b = As<P::TmBeforeMinusContext>(t)) { tm.kind = ast::Timing::BeforeMinus; anchor = b->anchor(); tm.duration = Dur(b->duration()); }
      else if (auto* w = As<P::TmWithinContext>(t)) {
        tm.kind = ast::Timing::Within;
        anchor = w->anchor();
        tm.duration = Dur(w->duration());
        tm.unadjusted = w->UNADJUSTED() != nullptr;
      }
      if (anchor && anchor->path())
        for (auto* i : anchor->path()->ident()) tm.anchor.push_back(NameOf(i));
      q.timings.push_back(std::move(tm));
    }
    return q;
  }

  nlohmann::ordered_json Value(P::ValueContext* c, int depth) {
    if (!c) return nullptr;
    if (auto* o = As<P::VObjectContext>(c)) return Object(o->object(), depth + 1);
    if (auto* l = As<P::VListContext>(c)) {
      auto arr = nlohmann::ordered_json::array();
      for (auto* v : l->value()) arr.push_back(Value(v, depth + 1));
      return arr;
    }
    if (auto* v = As<P::VIntContext>(c)) {
      auto n = Int(v->INT());
      if (!n) return nullptr;
      return v->MINUS() ? -*n : *n;
    }
    if (auto* v = As<P::VDecimalContext>(c)) {
      double d = std::strtod(Text(v->DECIMAL()).c_str(), nullptr);
      return v->MINUS() ? -d : d;
    }
    if (auto* v = As<P::VStringContext>(c)) return Str(v->STRING());
    if (auto* v = As<P::VDateContext>(c)) return Text(v->DATE());
    if (auto* v = As<P::VBoolContext>(c)) return v->TRUE() != nullptr;
    if (As<P::VNullContext>(c)) return nullptr;
    if (auto* v = As<P::VJurisdictionContext>(c)) return Text(v->JCODE());
    if (auto* v = As<P::VIdentContext>(c)) return Text(v->ident());
    return nullptr;
  }

  nlohmann::ordered_json Object(P::ObjectContext* c, int depth) {
    auto obj = nlohmann::ordered_json::object();
    if (!c) return obj;
    for (auto* m : c->member()) {
      std::string key = m->ident() ? Text(m->ident()) : "";
      obj[key] = Value(m->value(), depth);
    }
    return obj;
  }

  void Test(P::TestDeclContext* c, ast::File& f) {
    ast::TestDecl t;
    t.span = SpanOf(c);
    t.name = Str(c->STRING());
    for (auto* cl : c->testClause()) {
      if (auto* x = As<P::TcAsOfContext>(cl)) t.as_of = Date(x->DATE());
      else if (auto* x = As<P::TcCaseContext>(cl)) { t.case_value = Object(x->object(), 0); t.case_span = SpanOf(cl); }
      else if (auto* x = As<P::TcExpectContext>(cl)) {
        ast::Expectation e;
        auto* ex = x->expectation();
        e.span = SpanOf(ex);
        if (auto* v = As<P::ExVerdictContext>(ex)) { e.kind = ast::Expectation::Verdict; e.word = Text(v->ident()); }
        else if (auto* v = As<P::ExRequiresContext>(ex)) { e.kind = ast::Expectation::Requires; e.word = Text(v->ident()); }
        else if (auto* v = As<P::ExNotRequiresContext>(ex)) { e.kind = ast::Expectation::NotRequires; e.word = Text(v->ident()); }
        else if (auto* v = As<P::ExFiresContext>(ex)) { e.kind = ast::Expectation::Fires; e.rule = Ref(v->ruleRef()); }
        else if (auto* v = As<P::ExNotFiresContext>(ex)) { e.kind = ast::Expectation::NotFires; e.rule = Ref(v->ruleRef()); }
        else if (auto* v = As<P::ExExemptedContext>(ex)) { e.kind = ast::Expectation::Exempted; e.rule = Ref(v->ruleRef()); }
        else if (auto* v = As<P::ExMissingContext>(ex)) {
          e.kind = ast::Expectation::Missing;
          for (auto* i : v->path()->ident()) e.path.push_back(NameOf(i));
        } else if (auto* v = As<P::ExDueContext>(ex)) {
          e.kind = ast::Expectation::Due;
          e.word = Text(v->ident());
          e.date = Date(v->DATE()).value_or(0);
        }
        t.expects.push_back(std::move(e));
      }
    }
    f.tests.push_back(std::move(t));
  }

  ast::RecordDecl Record(const std::vector<P::FieldDeclContext*>& fields) {
    ast::RecordDecl r;
    for (auto* fd : fields) {
      ast::FieldDecl d;
      d.name = NameOf(fd->ident());
      auto* t = fd->typeRef();
      while (t && t->LIST()) { d.type.list = true; t = t->typeRef(); }
      if (t) d.type.name = NameOf(t->ident());
      r.fields.push_back(std::move(d));
    }
    return r;
  }

  void Item(P::ItemContext* it, ast::File& f) {
    if (auto* c = it->rulesetDecl()) Ruleset(c, f);
    else if (auto* c = it->ruleDecl()) Rule(c, f);
    else if (auto* c = it->testDecl()) Test(c, f);
    else if (auto* c = it->schemaDecl()) {
      auto r = Record(c->fieldDecl());
      r.span = SpanOf(c);
      r.is_schema = true;
      r.name = {"case", SpanOf(c->SCHEMA())};
      f.records.push_back(std::move(r));
    } else if (auto* c = it->recordDecl()) {
      auto r = Record(c->fieldDecl());
      r.span = SpanOf(c);
      r.name = NameOf(c->ident());
      f.records.push_back(std::move(r));
    } else if (auto* c = it->enumDecl()) {
      ast::EnumDecl e;
      e.span = SpanOf(c);
      auto ids = c->ident();
      if (!ids.empty()) e.name = NameOf(ids[0]);
      for (size_t i = 1; i < ids.size(); ++i) e.values.push_back(NameOf(ids[i]));
      f.enums.push_back(std::move(e));
    } else if (auto* c = it->actionDecl()) {
      ast::NamesDecl d{SpanOf(c), {}, {}};
      for (auto* i : c->ident()) d.names.push_back(NameOf(i));
      f.actions.push_back(std::move(d));
    } else if (auto* c = it->eventDecl()) {
      ast::NamesDecl d{SpanOf(c), {}, {}};
      for (auto* ev : c->eventItem()) {
        d.names.push_back(NameOf(ev->ident()));
        std::vector<ast::Name> bound;
        if (ev->path())
          for (auto* i : ev->path()->ident()) bound.push_back(NameOf(i));
        d.bindings.push_back(std::move(bound));
      }
      f.events.push_back(std::move(d));
    } else if (auto* c = it->jurisdictionDecl()) {
      ast::JurisdictionDecl j;
      j.span = SpanOf(c);
      auto refs = c->jurisdictionRef();
      if (!refs.empty()) j.code = {Text(refs[0]), SpanOf(refs[0])};
      if (refs.size() > 1) j.parent = ast::Name{Text(refs[1]), SpanOf(refs[1])};
      j.names = Texts(c->localisedText());
      f.jurisdictions.push_back(std::move(j));
    } else if (auto* c = it->groupDecl()) {
      ast::GroupDecl g;
      g.span = SpanOf(c);
      g.name = NameOf(c->ident());
      g.names = Texts(c->localisedText());
      for (auto* m : c->groupMember()) {
        ast::GroupMember gm;
        gm.ref = {Text(m->jurisdictionRef()), SpanOf(m->jurisdictionRef())};
        if (m->FROM()) gm.from = Date(m->DATE(0));
        if (m->UNTIL()) gm.until = Date(m->DATE(m->FROM() ? 1 : 0));
        if (m->NOTE()) gm.note = Str(m->STRING());
        g.members.push_back(std::move(gm));
      }
      f.groups.push_back(std::move(g));
    } else if (auto* c = it->calendarDecl()) {
      Calendar(c, f);
    }
  }

  void Calendar(P::CalendarDeclContext* c, ast::File& f) {
    ast::CalendarDecl cal;
    cal.span = SpanOf(c);
    cal.name = NameOf(c->ident());
    cal.names = Texts(c->localisedText());
    for (auto* item : c->calendarItem()) {
      if (auto* w = As<P::CalWeekendContext>(item)) {
        for (auto* i : w->ident()) cal.weekend.push_back(NameOf(i));
      } else if (auto* z = As<P::CalZoneContext>(item)) {
        cal.zone = ast::Name{Str(z->STRING()), SpanOf(z->STRING())};
      } else if (auto* y = As<P::CalYearContext>(item)) {
        ast::CalendarYear year;
        year.span = SpanOf(item);
        year.year = static_cast<int>(Int(y->INT()).value_or(0));
        year.notice = Str(y->STRING());
        for (auto* d : y->dayEntry()) {
          if (auto* h = As<P::DayHolidayContext>(d)) {
            ast::CalendarDay day;
            day.span = SpanOf(d);
            day.names = Texts(h->localisedText());
            auto dates = h->DATE();
            day.from = Date(dates[0]).value_or(0);
            day.to = dates.size() > 1 ? Date(dates[1]).value_or(day.from) : day.from;
            year.holidays.push_back(std::move(day));
          } else if (auto* w = As<P::DayWorkdayContext>(d)) {
            auto names = Texts(w->localisedText());
            for (auto* dt : w->DATE()) {
              ast::CalendarDay day;
              day.span = SpanOf(dt);
              day.names = names;
              day.from = day.to = Date(dt).value_or(0);
              year.workdays.push_back(std::move(day));
            }
          }
        }
        cal.years.push_back(std::move(year));
      }
    }
    f.calendars.push_back(std::move(cal));
  }

 private:
  diag::DiagnosticSink& sink_;
  uint32_t file_;
  const Offsets& off_;
};

// Checks UTF-8 validity and builds the code-point → byte map. Returns the offset of the first bad byte.
std::optional<size_t> IndexUtf8(const std::string& text, std::vector<uint32_t>& byte_of_cp) {
  byte_of_cp.reserve(text.size() + 1);
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), i, n, c);
    if (c < 0) return static_cast<size_t>(start);
    byte_of_cp.push_back(static_cast<uint32_t>(start));
  }
  byte_of_cp.push_back(static_cast<uint32_t>(n));
  return std::nullopt;
}

// Depth of brackets, ignoring strings and comments; the parser recurses once per level.
bool NestingTooDeep(const std::string& t, uint32_t& line_out, uint32_t& col_out, uint32_t& byte_out) {
  int depth = 0;
  uint32_t line = 1, col = 0;
  bool in_str = false, in_comment = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++col;
    if (c == '\n') { ++line; col = 0; in_comment = false; in_str = false; continue; }
    if (in_comment) continue;
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '#') in_comment = true;
    else if (c == '"') in_str = true;
    else if (c == '(' || c == '{' || c == '[') {
      if (++depth > kMaxNesting) {
        line_out = line;
        col_out = col;
        byte_out = static_cast<uint32_t>(i);
        return true;
      }
    } else if (c == ')' || c == '}' || c == ']') depth = depth > 0 ? depth - 1 : 0;
  }
  return false;
}

// How deep the parser and the AST would nest, from the tokens: brackets (full-width ones too, which the
// text scan above does not see), plus chains of prefix 'not' / '-' and of binary '+' / '-' (each link
// is one more level of recursion in the parser, the AST builder, the checker and the AST's destructor).
// 'and', 'or', ',', ':' and comparisons start a fresh chain: they build flat or shallow nodes.
const antlr4::Token* TokensTooDeep(antlr4::CommonTokenStream& tokens) {
  std::vector<int> chain{0};  // per open bracket: the chain length at that level
  int total = 0;              // brackets open + sum of chain lengths
  for (antlr4::Token* t : tokens.getTokens()) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    switch (t->getType()) {
      case LexgateLexer::LPAREN:
      case LexgateLexer::LBRACE:
      case LexgateLexer::LBRACK:
        chain.push_back(0);
        ++total;
        break;
      case LexgateLexer::RPAREN:
      case LexgateLexer::RBRACE:
      case LexgateLexer::RBRACK:
        if (chain.size() > 1) {
          total -= chain.back() + 1;
          chain.pop_back();
        }
        break;
      case LexgateLexer::NOT:
      case LexgateLexer::MINUS:
      case LexgateLexer::PLUS:
        ++chain.back();
        ++total;
        break;
      case LexgateLexer::AND:
      case LexgateLexer::OR:
      case LexgateLexer::COMMA:
      case LexgateLexer::COLON:
      case LexgateLexer::EQ:
      case LexgateLexer::NE:
      case LexgateLexer::LE:
      case LexgateLexer::GE:
      case LexgateLexer::LT:
      case LexgateLexer::GT:
      case LexgateLexer::IN:
        total -= chain.back();
        chain.back() = 0;
        break;
      default:
        break;
    }
    if (total > kMaxNesting) return t;
  }
  return nullptr;
}

// The file's text as the lexer reads it: a BOM blanked (offsets stay the same), UTF-8 checked and indexed,
// bracket depth bounded. False (after reporting) when the file cannot be parsed at all.
bool Prepare(const SourceManager& sm, uint32_t file_id, diag::DiagnosticSink& sink, std::string& text,
             std::vector<uint32_t>& byte_of_cp) {
  text = sm.Get(file_id).text;
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text[0] = text[1] = text[2] = ' ';
  if (auto bad = IndexUtf8(text, byte_of_cp)) {
    Span s{file_id, static_cast<uint32_t>(*bad), static_cast<uint32_t>(*bad + 1), 1, 1};
    // Find the line of the bad byte for a useful location.
    for (size_t i = 0; i < *bad; ++i)
      if (text[i] == '\n') { ++s.line; s.col = 1; } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++s.col;
    sink.Report(diag::Code::LG1009, s, {{"offset", std::to_string(*bad)}});
    return false;
  }
  uint32_t deep_line = 0, deep_col = 0, deep_byte = 0;
  if (NestingTooDeep(text, deep_line, deep_col, deep_byte)) {
    sink.Report(diag::Code::LG1013, Span{file_id, deep_byte, deep_byte + 1, deep_line, deep_col},
                {{"max", std::to_string(kMaxNesting)}});
    return false;
  }
  return true;
}

// The reference path: the whole file in one lexer and parser, every syntax error reported.
void ParseWhole(const std::string& text, const std::vector<uint32_t>& byte_of_cp, uint32_t file_id,
                diag::DiagnosticSink& sink, ast::File& file) {
  Offsets off{&byte_of_cp, 0, &text};
  try {
    FoldingInputStream input(text);
    LexgateLexer lexer(&input);
    CachingLexerSimulator::Install(lexer);
    lexer.removeErrorListeners();
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    if (const antlr4::Token* deep = TokensTooDeep(tokens)) {
      uint32_t at = off.Byte(deep->getStartIndex());
      sink.Report(diag::Code::LG1013,
                  Span{file_id, at, off.Byte(deep->getStopIndex() + 1), static_cast<uint32_t>(deep->getLine()),
                       static_cast<uint32_t>(deep->getCharPositionInLine() + 1)},
                  {{"max", std::to_string(kMaxNesting)}});
      return;
    }
    LexgateParser parser(&tokens);
    parser.removeErrorListeners();
    ErrorListener listener(sink, file_id, off);
    size_t errors_before = sink.ErrorCount();
    // Two-stage parsing (ANTLR's documented idiom): SLL prediction is several times faster than full
    // LL and gives the same tree whenever it succeeds; only when it bails out (a syntax error, or an
    // ambiguity SLL cannot resolve) is the file parsed again with full LL and the error listener, so
    // diagnostics are exactly those of an LL parse.
    LexgateParser::FileContext* tree = nullptr;
    {
      auto bail = std::make_shared<antlr4::BailErrorStrategy>();
      parser.setErrorHandler(bail);
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      try {
        tree = parser.file();
      } catch (const antlr4::ParseCancellationException&) {
        tree = nullptr;
      }
    }
    if (!tree) {
      tokens.seek(0);
      parser.reset();
      parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
      parser.addErrorListener(&listener);
      tree = parser.file();
    }
    // A file with syntax errors yields no declarations: the checker would only see fragments of them
    // and report confusing follow-on errors.
    if (sink.ErrorCount() != errors_before) return;
    Builder b(sink, file_id, off);
    for (auto* item : tree->item()) b.Item(item, file);
  } catch (const std::exception& e) {
    sink.Report(diag::Code::LG1011, Span{file_id, 0, 0, 1, 1}, {{"found", std::string("input (") + e.what() + ")"}});
  }
}

// ---------------------------------------------------------------- pieces (ParseFiles)

// One prepared file of a ParseFiles call.
struct Prepared {
  uint32_t id = 0;
  bool ok = false;  // false: parse it whole (it cannot be parsed, or a piece of it failed)
  std::string text;
  std::vector<uint32_t> byte_of_cp;
  std::unique_ptr<ast::File> whole;  // when parsed whole
  diag::DiagnosticSink whole_sink;
};

// A line range of a file, parsed on its own.
struct Piece {
  size_t file = 0;        // index into the Prepared list
  size_t begin = 0, end = 0;  // bytes
  uint32_t line = 1;      // the line `begin` is on (it starts that line)
  bool ok = false;        // parsed without a syntax error, and starts where an item must start
  ast::File ast;
  diag::DiagnosticSink sink;  // what the AST builder reported (bad numbers, dates, escapes, repeated clauses)
};

bool IsSpaceOrBrace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{'; }

// The keywords that only ever start an item (hard keywords: never an identifier), with what may follow.
bool StartsItem(const std::string& t, size_t i) {
  static const char* const kStarts[] = {"ruleset", "rule", "test", "规则集", "规则", "测试"};
  for (const char* kw : kStarts) {
    size_t n = std::strlen(kw);
    if (t.compare(i, n, kw) == 0 && (i + n == t.size() || IsSpaceOrBrace(t[i + n]))) return true;
  }
  return false;
}

// Where a file may be cut into pieces of about `target` bytes: at the start of a line outside any bracket
// (ASCII or full-width), string or comment, that begins with `ruleset`, `rule` or `test` (or 规则集, 规则,
// 测试). No token spans a line break except white space (strings and comments end at the line's end), so
// the lexer reads the same tokens from such a point as it does in the whole file. This scan only proposes
// cuts; ParsePiece checks each one with the lexer's own tokens. Returns (byte offset, line) pairs.
std::vector<std::pair<size_t, uint32_t>> Cuts(const std::string& t, size_t target) {
  std::vector<std::pair<size_t, uint32_t>> cuts;
  if (target == 0 || t.size() < 2 * target) return cuts;
  int depth = 0;
  uint32_t line = 1;
  size_t last = 0;
  const char* close = nullptr;  // inside a string: its closing quote
  bool comment = false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\n') {
      ++line;
      comment = false;
      close = nullptr;
      const size_t next = i + 1;
      if (depth == 0 && next - last >= target && t.size() - next >= target / 2 && StartsItem(t, next)) {
        cuts.emplace_back(next, line);
        last = next;
      }
      continue;
    }
    if (comment) continue;
    if (close) {
      if (c == '\\') ++i;
      else if (t.compare(i, std::strlen(close), close) == 0) close = nullptr;
      continue;
    }
    switch (c) {
      case '#': comment = true; break;
      case '"': close = "\""; break;
      case '(': case '{': case '[': ++depth; break;
      case ')': case '}': case ']': depth = depth > 0 ? depth - 1 : 0; break;
      default:
        if (static_cast<unsigned char>(c) < 0x80) break;
        if (t.compare(i, 3, "\u201C") == 0) close = "\u201D";
        else if (t.compare(i, 3, "\u300C") == 0) close = "\u300D";
        else if (t.compare(i, 3, "\uFF5B") == 0 || t.compare(i, 3, "\uFF08") == 0 || t.compare(i, 3, "\u3010") == 0) ++depth;
        else if (t.compare(i, 3, "\uFF5D") == 0 || t.compare(i, 3, "\uFF09") == 0 || t.compare(i, 3, "\u3011") == 0)
          depth = depth > 0 ? depth - 1 : 0;
        break;
    }
  }
  return cuts;
}

// Parses one piece with SLL prediction and no error recovery. Any doubt (a syntax error, an SLL bail-out,
// too deep, a piece that does not start with an item keyword) leaves `ok` false and the file is parsed whole.
// When every piece of a file is ok, each piece is a sequence of whole items (`file : item* EOF`), so the
// pieces' trees are the whole file's tree cut between items, and so are the ASTs built from them.
void ParsePiece(const Prepared& f, Piece& p) {
  p.ok = false;
  try {
    const size_t cp_base = static_cast<size_t>(std::lower_bound(f.byte_of_cp.begin(), f.byte_of_cp.end(), p.begin) -
                                               f.byte_of_cp.begin());
    Offsets off{&f.byte_of_cp, cp_base, &f.text};
    FoldingInputStream input(f.text.substr(p.begin, p.end - p.begin));
    LexgateLexer lexer(&input);
    CachingLexerSimulator::Install(lexer);
    lexer.removeErrorListeners();
    lexer.setLine(p.line);
    lexer.setCharPositionInLine(0);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    if (TokensTooDeep(tokens)) return;
    if (p.begin != 0) {
      const antlr4::Token* first = nullptr;
      for (antlr4::Token* t : tokens.getTokens())
        if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) { first = t; break; }
      if (!first || (first->getType() != LexgateLexer::RULESET && first->getType() != LexgateLexer::RULE &&
                     first->getType() != LexgateLexer::TEST))
        return;
    }
    LexgateParser parser(&tokens);
    parser.removeErrorListeners();
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    LexgateParser::FileContext* tree = parser.file();
    if (!tree || parser.getNumberOfSyntaxErrors() != 0) return;
    Builder b(p.sink, f.id, off);
    for (auto* item : tree->item()) b.Item(item, p.ast);
    p.ok = true;
  } catch (...) {
    p.ok = false;  // ParseCancellationException (SLL bailed out) or anything else: parse the file whole
  }
}

// Appends a piece's declarations; a rule's ruleset index counts the rulesets of earlier pieces.
void Append(ast::File& to, ast::File&& from) {
  const int base = static_cast<int>(to.rulesets.size());
  for (auto& r : from.rules) r.ruleset = r.ruleset < 0 ? base - 1 : r.ruleset + base;
  auto move_all = [](auto& dst, auto& src) {
    if (dst.empty()) dst = std::move(src);
    else dst.insert(dst.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
  };
  move_all(to.rulesets, from.rulesets);
  move_all(to.rules, from.rules);
  move_all(to.tests, from.tests);
  move_all(to.records, from.records);
  move_all(to.enums, from.enums);
  move_all(to.actions, from.actions);
  move_all(to.events, from.events);
  move_all(to.jurisdictions, from.jurisdictions);
  move_all(to.groups, from.groups);
  move_all(to.calendars, from.calendars);
}

void AppendDiagnostics(diag::DiagnosticSink& to, const diag::DiagnosticSink& from) {
  for (const auto& d : from.all()) to.Report(d.code, d.span, d.args) = d;
}

// Runs fn(0..n-1) on up to `threads` threads (this one included), each taking the next index.
template <class F>
void ForEach(size_t n, unsigned threads, F fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads && t < n; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones running (this one at least) do the rest
    }
  }
  work();
  for (auto& th : pool) th.join();
}

}  // namespace

void UseAntlrTextForTests(bool on) { g_antlr_text = on; }

std::string ParserRuntimeVersion() { return antlr4::RuntimeMetaData::VERSION; }
const void* ParserRuntimeAnchor() { return &antlr4::RuntimeMetaData::VERSION; }

std::string DumpTokens(const std::string& text, bool caching) try {
  FoldingInputStream input(text);
  LexgateLexer lexer(&input);
  if (caching) CachingLexerSimulator::Install(lexer);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  std::string out;
  for (const antlr4::Token* t : tokens.getTokens())
    out += std::to_string(t->getType()) + " " + std::to_string(t->getStartIndex()) + " " + std::to_string(t->getStopIndex()) +
           " " + std::to_string(t->getLine()) + " " + std::to_string(t->getCharPositionInLine()) + " " +
           std::to_string(t->getChannel()) + "\n";
  return out;
} catch (const std::exception& e) {
  return std::string("exception: ") + e.what();  // not UTF-8 (Parse refuses such a file before lexing)
}

std::unique_ptr<ast::File> Parse(const SourceManager& sm, uint32_t file_id, diag::DiagnosticSink& sink) {
  auto file = std::make_unique<ast::File>();
  file->source = file_id;
  std::string text;
  std::vector<uint32_t> byte_of_cp;
  if (Prepare(sm, file_id, sink, text, byte_of_cp)) ParseWhole(text, byte_of_cp, file_id, sink, *file);
  return file;
}

std::vector<std::unique_ptr<ast::File>> ParseFiles(const SourceManager& sm, const std::vector<uint32_t>& ids,
                                                   diag::DiagnosticSink& sink, const ParseOptions& options) {
  unsigned threads = options.threads;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<Prepared> files(ids.size());
  std::vector<Piece> pieces;
  std::vector<size_t> whole;  // the files parsed whole
  size_t bytes = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    Prepared& f = files[i];
    f.id = ids[i];
    diag::DiagnosticSink scratch;  // a file that fails here is parsed whole, which reports the same again
    f.ok = Prepare(sm, f.id, scratch, f.text, f.byte_of_cp);
    if (!f.ok) {
      whole.push_back(i);
      continue;
    }
    bytes += f.text.size();
    size_t begin = 0;
    uint32_t line = 1;
    for (auto [at, at_line] : Cuts(f.text, options.piece_bytes)) {
      pieces.push_back(Piece{i, begin, at, line, false, {}, {}});
      begin = at;
      line = at_line;
    }
    pieces.push_back(Piece{i, begin, f.text.size(), line, false, {}, {}});
  }
  if (bytes < options.min_parallel_bytes) threads = 1;
  ForEach(pieces.size(), threads, [&](size_t i) { ParsePiece(files[pieces[i].file], pieces[i]); });
  for (const auto& p : pieces)
    if (!p.ok && files[p.file].ok) {
      files[p.file].ok = false;
      whole.push_back(p.file);
    }
  std::sort(whole.begin(), whole.end());
  whole.erase(std::unique(whole.begin(), whole.end()), whole.end());
  ForEach(whole.size(), threads, [&](size_t k) {
    Prepared& f = files[whole[k]];
    f.whole = Parse(sm, f.id, f.whole_sink);
  });
  if (options.stats) {
    options.stats->pieces = pieces.size();
    options.stats->whole = whole.size();
  }
  // Results and diagnostics in file order, each file's in piece order: as parsing file by file would give.
  std::vector<std::unique_ptr<ast::File>> out;
  out.reserve(files.size());
  size_t pi = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    Prepared& f = files[i];
    if (f.whole) {
      AppendDiagnostics(sink, f.whole_sink);
      out.push_back(std::move(f.whole));
      while (pi < pieces.size() && pieces[pi].file == i) ++pi;
      continue;
    }
    auto file = std::make_unique<ast::File>();
    file->source = f.id;
    for (; pi < pieces.size() && pieces[pi].file == i; ++pi) {
      AppendDiagnostics(sink, pieces[pi].sink);
      Append(*file, std::move(pieces[pi].ast));
    }
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace lexgate::syntax
