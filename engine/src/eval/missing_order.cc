#include "eval/missing_order.h"

#include <algorithm>
#include <cstdint>

namespace lexgate::eval {

void SortMissing(const ir::Program& prog, const Scratch& s, Decision& d, size_t n, bool by_text) {
  constexpr size_t kMax = 64;
  if (n < 2) return;
  if (n > kMax || by_text) {  // swaps move the strings' buffers, no copies
    std::sort(d.missing.begin(), d.missing.begin() + static_cast<std::ptrdiff_t>(n),
              [](const Missing& a, const Missing& b) { return a.fact < b.fact; });
    return;
  }
  uint8_t order[kMax];  // order[k]: the entry that goes to position k
  const Scratch::Fact* fact = s.eval_missing_fact.data();
  const int32_t* rank = prog.root_path_rank.data();
  bool all_root = true;
  for (size_t i = 0; i < n; ++i) all_root &= fact[i].slot >= 0;
  if (all_root) {
    // The usual case: root facts only, sorted as (rank, entry) words by insertion (a few entries).
    uint64_t key[kMax];
    for (size_t i = 0; i < n; ++i) {
      const uint64_t k = static_cast<uint64_t>(static_cast<uint32_t>(rank[fact[i].slot])) << 8 | i;
      size_t j = i;
      for (; j > 0 && key[j - 1] > k; --j) key[j] = key[j - 1];
      key[j] = k;
    }
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint8_t>(key[i]);
  } else {
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint8_t>(i);
    std::sort(order, order + n, [&](uint8_t a, uint8_t b) {
      if (fact[a].slot >= 0 && fact[b].slot >= 0) return rank[fact[a].slot] < rank[fact[b].slot];
      return d.missing[a].fact < d.missing[b].fact;
    });
  }
  bool placed[kMax] = {};
  for (size_t i = 0; i < n; ++i) {
    if (placed[i] || order[i] == i) continue;
    Missing held = std::move(d.missing[i]);
    size_t j = i;
    while (order[j] != i) {
      d.missing[j] = std::move(d.missing[order[j]]);
      placed[j] = true;
      j = order[j];
    }
    d.missing[j] = std::move(held);
    placed[j] = true;
  }
}

}  // namespace lexgate::eval
