// `lexgate fmt`: the one canonical layout of a .gate file.
//
// How it works (and why). The formatter re-emits the file's own tokens — every keyword, name, number and
// string exactly as written, so English and Chinese keyword spellings, full-width punctuation and quote
// styles survive — and decides only the white space between them. The *structure* that decides layout
// comes from the ANTLR parse tree (which declaration, clause or block a token starts or closes); the `#`
// comments come from the lexer's hidden channel. This is gofmt's design (layout from the syntax tree plus
// the comment list, line breaks inside expressions kept as the author chose them) rather than rustfmt's
// or prettier's (re-flow everything to a width): legal conditions are broken where the law's structure
// breaks, and a reflow would destroy that.
//
// The canonical layout:
//   * every declaration starts at column 0; every clause of a ruleset, rule, test, schema, record or
//     calendar (and every entry of a calendar year) starts its own line, indented 2 per block level;
//     a block's `}` is on its own line; a block's `{` ends the header line;
//   * inside a clause the author's line breaks are kept (one line break, never a blank line), and a
//     continuation line is aligned: inside an open bracket, under the bracket's first element (or 2 in
//     from the bracket's line when the bracket ends its line); otherwise under the clause's second token
//     (`when not a` / `     and b`); alignment counts East Asian wide characters as two columns;
//   * one space between tokens, none inside `( )` and `[ ]`, before `, : . ) ] %`, after `.` and a
//     unary `-`, around `/` in rule references or between a function name and its `(`; `{ a, b }` has
//     inner spaces, an empty pair is `{}`;
//   * blank lines between declarations and clauses are kept, at most one; none after a block's `{` or
//     before its `}`; no trailing white space; the file ends with exactly one newline;
//   * a comment stays where it was relative to the tokens: a trailing comment stays at the end of its
//     line (trailing comments on consecutive lines are aligned, two spaces after the longest code), a
//     comment on its own line stays on its own line before the same token, indented like that token.
// Formatting twice gives the same text, and the formatted file parses to the same AST (a test checks
// both over every shipped file).
#pragma once
#include <optional>
#include <string>

#include "base/source.h"
#include "diag/diagnostic.h"

namespace lexgate::syntax {

// The canonical text of file `file_id`, or nothing when the file has syntax errors (reported in `sink`).
std::optional<std::string> Format(const SourceManager& sm, uint32_t file_id, diag::DiagnosticSink& sink);

}  // namespace lexgate::syntax
