// Evaluate's order of missing facts (issue 12: per-case latency): Decision::missing sorted by fact, as
// std::sort by text sorts it, without comparing most strings. Apart from evaluate.cc so that its
// sort's code does not change what GCC inlines there.
#pragma once
#include <cstddef>

#include "eval/evaluate.h"

namespace lexgate::eval {

// d.missing[0, n) by fact, as std::sort by text sorts them (the facts differ): root facts compare by
// their path's rank (Program::root_path_rank), others by text, as small indices; the entries are then
// put in that order by moves along the permutation's cycles. Many entries, or `by_text` (the reference
// a test compares with): std::sort on the entries by text.
void SortMissing(const ir::Program& prog, const Scratch& s, Decision& d, size_t n, bool by_text = false);

}  // namespace lexgate::eval
