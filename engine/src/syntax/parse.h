// Stage 1: text → AST. Parse() runs the ANTLR4 lexer and parser generated at build time from
// grammar/*.g4, turns every ANTLR complaint into an LG1xxx diagnostic (no ANTLR text reaches the
// user unfiltered), and builds the AST with a span on every node. It never throws and never aborts on
// bad input: it returns whatever it could build, and the caller looks at the sink for errors.
//
// ParseFiles() is how rules are loaded (LoadRules, LoadSources): the same result, faster (issue 12).
//  - A large file is cut into pieces of about ParseOptions::piece_bytes, only at the start of a line that
//    begins with `ruleset`, `rule` or `test` (or 规则集, 规则, 测试) outside brackets, strings and comments.
//    No token but white space crosses a line break, so a piece lexes to the whole file's tokens; each
//    piece's lexer starts at the piece's line, and its code-point indexes are offset into the file's byte
//    map, so every span is the whole-file span. Smaller token streams and parse trees also use less
//    memory than one tree of a whole 2 MB file (peak RSS of a 10,000-rule load: 310 → 94 MB).
//  - Pieces (of all files) are parsed on up to ParseOptions::threads threads, each taking the next piece;
//    ANTLR 4.9 shares the lexer's and parser's DFA caches between threads, behind one process-wide lock
//    that the threads contend for, so a second thread buys wall time at some CPU cost. Caveat: Debian's
//    4.9 runtime still has a few unsynchronised accesses that upstream fixed after 4.9 (antlr4 PRs #3309,
//    #3311: statistics counters, and DFA::s0 read without the lock) — harmless on x86-64 in practice,
//    formally data races. ParseOptions::threads = 1 parses on the calling thread only.
//  - A piece is parsed with SLL prediction and no error recovery. If any piece of a file fails — a
//    syntax error, an SLL bail-out, a nesting too deep, a piece that does not begin with an item keyword
//    — that file is parsed whole with Parse(), so its diagnostics are exactly Parse()'s. When every piece
//    succeeds, each is a run of whole items (the grammar is `file : item* EOF` and those keywords start
//    nothing else), so the pieces' ASTs laid end to end are the whole file's AST.
//  - Results and diagnostics come back in file order, each file's in piece order: the output does not
//    depend on the thread count or on timing (tests/unit/parse_pieces_test.cc compares both ways).
//  - The AST builder recognises labelled alternatives and picks children by exact type (the type_info
//    address) rather than by dynamic_cast or the generated accessors, which dynamic_cast every child and
//    compare type names with strcmp on each miss: that was about a sixth of a large load.
// Measurements: bench/README.md, "Session 4: loading from source".
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "base/source.h"
#include "diag/diagnostic.h"
#include "syntax/ast.h"

namespace lexgate::syntax {

std::unique_ptr<ast::File> Parse(const SourceManager& sm, uint32_t file_id, diag::DiagnosticSink& sink);

struct ParseStats {
  size_t pieces = 0;  // pieces parsed (a file not cut is one piece)
  size_t whole = 0;   // files parsed whole afterwards (a piece failed, or the file cannot be lexed)
};

struct ParseOptions {
  unsigned threads = 0;                  // 0: one per core, at most 4
  size_t piece_bytes = 32 * 1024;        // 0: never cut a file
  size_t min_parallel_bytes = 64 * 1024; // below this much text in all, one thread
  ParseStats* stats = nullptr;
};

// Parse() of each file in order, with the diagnostics in the same order as calling Parse() file by file.
std::vector<std::unique_ptr<ast::File>> ParseFiles(const SourceManager& sm, const std::vector<uint32_t>& ids,
                                                   diag::DiagnosticSink& sink, const ParseOptions& options = {});

// The ANTLR runtime's version ("4.9"), and the address of an object inside the runtime library (whose
// build id tells one build of the library from another): part of the compiled-rules cache's key.
std::string ParserRuntimeVersion();
const void* ParserRuntimeAnchor();

// For tests (tests/unit/lexer_cache_test.cc): the tokens of `text`, one "type start stop line col channel"
// line each (or the exception the lexer threw), as Parse's lexer reads them (caching = true: the simulator that caches DFA edges on every
// character, see parse.cc) or as ANTLR's own lexer simulator does (false).
std::string DumpTokens(const std::string& text, bool caching);
// For tests: while on, the AST builder takes names and literals from ANTLR's getText() (the old way)
// instead of cutting them from the file's bytes; both must build the same AST.
void UseAntlrTextForTests(bool on);

}  // namespace lexgate::syntax
