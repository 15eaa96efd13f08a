// The formatter (see format.h for the layout and why it is built from tokens + parse tree + comments).
#include "syntax/format.h"

#include <antlr4-runtime.h>

#include <map>
#include <set>

#include "LexgateLexer.h"
#include "LexgateParser.h"
#include "syntax/parse.h"

namespace lexgate::syntax {

namespace {

using P = LexgateParser;
using L = LexgateLexer;

// Display width of UTF-8 text: East Asian wide and full-width characters take two columns.
int Width(const std::string& s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0) { cp = c & 0x07; len = 4; }
    else if (c >= 0xE0) { cp = c & 0x0F; len = 3; }
    else if (c >= 0xC0) { cp = c & 0x1F; len = 2; }
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
                (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
  }
  return w;
}

// What the parse tree says about tokens (by token index).
struct Layout {
  std::map<size_t, int> line_start;  // token starts a declaration/clause line at this block level
  std::map<size_t, int> closer;      // token is a block's `}` at this level
  std::set<size_t> block_open;       // token is a block's `{`
  std::set<size_t> tight_after;      // unary minus: no space after
  std::set<size_t> tight_before;     // a call's `(`: no space before
};

class Walker {
 public:
  explicit Walker(Layout& l) : l_(l) {}

  void Walk(antlr4::tree::ParseTree* node, int depth) {
    auto* ctx = dynamic_cast<antlr4::ParserRuleContext*>(node);
    if (!ctx) return;
    if (dynamic_cast<P::ItemContext*>(ctx) || dynamic_cast<P::RulesetFieldContext*>(ctx) ||
        dynamic_cast<P::RuleClauseContext*>(ctx) || dynamic_cast<P::TestClauseContext*>(ctx) ||
        dynamic_cast<P::FieldDeclContext*>(ctx) || dynamic_cast<P::CalendarItemContext*>(ctx) ||
        dynamic_cast<P::DayEntryContext*>(ctx)) {
      if (ctx->getStart()) l_.line_start.emplace(ctx->getStart()->getTokenIndex(), depth);
    }
    antlr4::tree::TerminalNode *open = nullptr, *close = nullptr;
    if (auto* c = dynamic_cast<P::RulesetDeclContext*>(ctx)) open = c->LBRACE(), close = c->RBRACE();
    else if (auto* c = dynamic_cast<P::RuleDeclContext*>(ctx)) open = c->LBRACE(), close = c->RBRACE();
    else if (auto* c = dynamic_cast<P::TestDeclContext*>(ctx)) open = c->LBRACE(), close = c->RBRACE();
    else if (auto* c = dynamic_cast<P::SchemaDeclContext*>(ctx)) open = c->LBRACE(), close = c->RBRACE();
    else if (auto* c = dynamic_cast<P::RecordDeclContext*>(ctx)) open = c->LBRACE(), close = c->RBRACE();
    else if (auto* c = dynamic_cast<P::CalendarDeclContext*>(ctx)) open = c->LBRACE(), close = c->RBRACE();
    else if (auto* c = dynamic_cast<P::CalYearContext*>(ctx)) open = c->LBRACE(), close = c->RBRACE();
    else if (auto* c = dynamic_cast<P::PCallContext*>(ctx)) l_.tight_before.insert(c->LPAREN()->getSymbol()->getTokenIndex());
    else if (auto* c = dynamic_cast<P::UnaryExprContext*>(ctx)) {
      if (c->MINUS()) l_.tight_after.insert(c->MINUS()->getSymbol()->getTokenIndex());
    } else if (auto* c = dynamic_cast<P::VIntContext*>(ctx)) {
      if (c->MINUS()) l_.tight_after.insert(c->MINUS()->getSymbol()->getTokenIndex());
    } else if (auto* c = dynamic_cast<P::VDecimalContext*>(ctx)) {
      if (c->MINUS()) l_.tight_after.insert(c->MINUS()->getSymbol()->getTokenIndex());
    }
    // The declaration's own line is at `depth`; what is inside its block one level deeper.
    int inner = depth;
    if (open && close) {
      l_.block_open.insert(open->getSymbol()->getTokenIndex());
      l_.closer.emplace(close->getSymbol()->getTokenIndex(), depth);
      inner = depth + 1;
    }
    // An item wraps exactly one declaration at the same level.
    if (dynamic_cast<P::ItemContext*>(ctx) || dynamic_cast<P::FileContext*>(ctx)) inner = depth;
    for (auto* child : ctx->children) Walk(child, inner);
  }

 private:
  Layout& l_;
};

struct OutLine {
  std::string code;     // indentation + tokens (or an own-line comment)
  std::string comment;  // trailing comment, aligned later
};

struct Bracket {
  int content_col;  // where a continuation line inside the bracket starts
  int closer_col;   // where a continuation line starting with the closing bracket starts
};

class Printer {
 public:
  Printer(const std::vector<antlr4::Token*>& toks, const Layout& l) : toks_(toks), l_(l) {}

  std::string Run() {
    size_t last_default = 0;
    bool any = false;
    for (size_t i = 0; i < toks_.size(); ++i) {
      auto* t = toks_[i];
      if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
      Hidden(any ? last_default + 1 : 0, i, t);
      if (t->getType() == antlr4::Token::EOF) break;
      Emit(i, t);
      last_default = i;
      any = true;
    }
    Flush();
    while (!lines_.empty() && lines_.back().code.empty() && lines_.back().comment.empty()) lines_.pop_back();
    return Join();
  }

 private:
  bool IsOpener(antlr4::Token* t) const {
    int y = t->getType();
    return y == L::LPAREN || y == L::LBRACK || y == L::LBRACE;
  }
  bool IsCloser(antlr4::Token* t) const {
    int y = t->getType();
    return y == L::RPAREN || y == L::RBRACK || y == L::RBRACE;
  }

  // The indentation token `i` gets when it starts a line.
  int IndentFor(size_t i, antlr4::Token* t, bool for_comment) const {
    if (auto it = l_.line_start.find(i); it != l_.line_start.end()) return 2 * it->second;
    if (auto it = l_.closer.find(i); it != l_.closer.end()) return 2 * (it->second + (for_comment ? 1 : 0));
    if (t->getType() == antlr4::Token::EOF) return 0;
    if (!stack_.empty()) return IsCloser(t) && !for_comment ? stack_.back().closer_col : stack_.back().content_col;
    if (hang_ >= 0) {
      // `when a` / `   and b`: a leading and/or hangs left of the column so that the operands line up.
      int y = t->getType();
      if (!for_comment && (y == L::AND || y == L::OR)) {
        int left = hang_ - Width(t->getText()) - 1;
        if (left > clause_indent_) return left;
      }
      return hang_;
    }
    return clause_indent_ + 4;
  }

  // White space and comments between two default-channel tokens; `next` is the token after them.
  void Hidden(size_t from, size_t to, antlr4::Token* next) {
    nl_ = 0;
    for (size_t k = from; k < to; ++k) {
      auto* h = toks_[k];
      if (h->getType() == L::WS) {
        for (char c : h->getText()) nl_ += c == '\n';
        continue;
      }
      if (h->getType() != L::COMMENT) continue;
      std::string text = h->getText();
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.pop_back();
      if (nl_ == 0 && !cur_.empty()) {
        cur_comment_ = text;  // trailing comment
      } else {
        int indent = IndentFor(to, next, true);
        Flush();
        if (nl_ >= 2 && !lines_.empty() && !after_open_) lines_.push_back({});
        lines_.push_back({std::string(indent, ' ') + text, ""});
        after_open_ = false;
      }
      need_break_ = true;
      nl_ = 0;
    }
  }

  void Flush() {
    if (cur_.empty() && cur_comment_.empty()) return;
    lines_.push_back({cur_, cur_comment_});
    cur_.clear();
    cur_comment_.clear();
    width_ = 0;
  }

  bool Tight(size_t prev_i, antlr4::Token* prev, size_t i, antlr4::Token* t) const {
    int p = prev->getType(), y = t->getType();
    if (p == L::LPAREN || p == L::LBRACK || p == L::DOT || p == L::SLASH || p == L::DOTDOT) return true;
    if (l_.tight_after.count(prev_i)) return true;
    if (y == L::COMMA || y == L::RPAREN || y == L::RBRACK || y == L::DOT || y == L::COLON || y == L::PERCENT ||
        y == L::SLASH || y == L::DOTDOT)
      return true;
    if (l_.tight_before.count(i)) return true;
    if (p == L::LBRACE && y == L::RBRACE) return true;
    return false;
  }

  // The next default-channel token after `i` follows on the same line with no comment between.
  bool NextOnSameLine(size_t i) const {
    for (size_t k = i + 1; k < toks_.size(); ++k) {
      auto* h = toks_[k];
      if (h->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return h->getType() != antlr4::Token::EOF;
      if (h->getType() == L::COMMENT) return false;
      if (h->getText().find('\n') != std::string::npos) return false;
    }
    return false;
  }

  void Emit(size_t i, antlr4::Token* t) {
    bool start = l_.line_start.count(i) > 0;
    bool block_close = l_.closer.count(i) > 0;
    bool first = lines_.empty() && cur_.empty();
    if (!first && (start || block_close || need_break_ || nl_ > 0)) {
      int indent = IndentFor(i, t, false);
      Flush();
      if (start && nl_ >= 2 && !after_open_ && !lines_.empty()) lines_.push_back({});
      cur_ = std::string(indent, ' ');
      width_ = indent;
      line_indent_ = indent;
      first_line_ = false;
    } else if (!first) {
      if (!Tight(prev_i_, prev_, i, t)) {
        cur_ += ' ';
        ++width_;
      }
    }
    if (start || block_close) {
      stack_.clear();
      hang_ = -1;
      clause_tokens_ = 0;
      clause_indent_ = line_indent_;
      first_line_ = true;
    }
    int col = width_;
    std::string text = t->getText();
    cur_ += text;
    width_ += Width(text);
    ++clause_tokens_;
    if (clause_tokens_ == 2 && first_line_) hang_ = col;
    need_break_ = false;
    after_open_ = l_.block_open.count(i) > 0;
    if (!after_open_ && IsOpener(t)) {
      if (NextOnSameLine(i)) stack_.push_back({width_ + (t->getType() == L::LBRACE ? 1 : 0), col});
      else stack_.push_back({line_indent_ + 2, line_indent_});
    } else if (!block_close && IsCloser(t) && !stack_.empty()) {
      stack_.pop_back();
    }
    prev_ = t;
    prev_i_ = i;
  }

  std::string Join() const {
    std::string out;
    for (size_t i = 0; i < lines_.size();) {
      if (lines_[i].comment.empty()) {
        out += lines_[i].code + "\n";
        ++i;
        continue;
      }
      // A run of consecutive lines with trailing comments: align the comments.
      size_t j = i;
      int col = 0;
      while (j < lines_.size() && !lines_[j].comment.empty()) col = std::max(col, Width(lines_[j++].code));
      for (size_t k = i; k < j; ++k)
        out += lines_[k].code + std::string(col + 2 - Width(lines_[k].code), ' ') + lines_[k].comment + "\n";
      i = j;
    }
    return out;
  }

  const std::vector<antlr4::Token*>& toks_;
  const Layout& l_;
  std::vector<OutLine> lines_;
  std::string cur_, cur_comment_;
  int width_ = 0, line_indent_ = 0, clause_indent_ = 0, hang_ = -1, clause_tokens_ = 0, nl_ = 0;
  bool first_line_ = true, need_break_ = false, after_open_ = false;
  std::vector<Bracket> stack_;
  antlr4::Token* prev_ = nullptr;
  size_t prev_i_ = 0;
};

}  // namespace

std::optional<std::string> Format(const SourceManager& sm, uint32_t file_id, diag::DiagnosticSink& sink) {
  // The parser proper reports every syntax error (and the checks it makes while building the AST).
  size_t errors_before = sink.ErrorCount();
  (void)Parse(sm, file_id, sink);
  if (sink.ErrorCount() != errors_before) return std::nullopt;
  std::string text = sm.Get(file_id).text;
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text[0] = text[1] = text[2] = ' ';
  try {
    antlr4::ANTLRInputStream input(text);
    LexgateLexer lexer(&input);
    lexer.removeErrorListeners();
    antlr4::CommonTokenStream tokens(&lexer);
    LexgateParser parser(&tokens);
    parser.removeErrorListeners();
    auto* tree = parser.file();
    if (parser.getNumberOfSyntaxErrors() != 0) {
      sink.Report(diag::Code::LG1011, Span{file_id, 0, 0, 1, 1}, {{"found", "input"}});
      return std::nullopt;
    }
    tokens.fill();
    Layout layout;
    Walker(layout).Walk(tree, 0);
    return Printer(tokens.getTokens(), layout).Run();
  } catch (const std::exception& e) {
    sink.Report(diag::Code::LG1011, Span{file_id, 0, 0, 1, 1}, {{"found", std::string("input (") + e.what() + ")"}});
    return std::nullopt;
  }
}

}  // namespace lexgate::syntax
