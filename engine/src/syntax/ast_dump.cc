#include "syntax/ast.h"

namespace lexgate::ast {

std::string Dump(const Expr& e) {
  static const char* const kNames[] = {"or", "and", "not", "cmp", "in", "not_in", "add", "sub", "neg", "some",
                                       "call", "since", "last", "set", "int", "decimal", "string", "date", "bool",
                                       "jurisdiction", "duration", "path"};
  std::string s = "(";
  s += kNames[static_cast<int>(e.kind)];
  if (!e.op.empty()) s += " " + e.op;
  if (!e.name.empty()) s += " " + e.name;
  if (e.kind == ExprKind::Path)
    for (size_t i = 0; i < e.path.size(); ++i) s += (i ? "." : " ") + e.path[i].text;
  if (e.kind == ExprKind::Int || e.kind == ExprKind::Decimal || e.kind == ExprKind::Date || e.kind == ExprKind::Bool ||
      e.kind == ExprKind::Duration || e.kind == ExprKind::Last)
    s += " " + std::to_string(e.ival);
  if (!e.text.empty()) s += " \"" + e.text + "\"";
  for (auto& k : e.kids) s += " " + (k ? Dump(*k) : std::string("null"));
  return s + ")";
}

}  // namespace lexgate::ast
