// ReadCase's two paths agree: the RapidJSON fast path (used for JSON text) and the nlohmann path it
// falls back on (ReadCaseSlow, the same as ReadCaseValue on a parsed value) give identical Case values
// or identical errors (path and message) on every example case, every in-language test case of the
// shipped rules (serialised compactly and indented), every example with each leaf replaced by values of
// the wrong kind, and hostile lines (bad numbers, encodings, escapes, nesting, duplicates, garbage).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine.h"
#include "eval/case.h"

namespace lexgate {
namespace {

const LoadResult& Shipped() {
  static LoadResult r = LoadRules({ShippedRoot() + "/jurisdictions", ShippedRoot() + "/rulesets/schema.gate", ShippedRoot() + "/rulesets"});
  return r;
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Examples() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(ShippedRoot() + "/examples"))
    if (e.path().extension() == ".json") out.push_back(Slurp(e.path()));
  std::sort(out.begin(), out.end());
  return out;
}

bool SameVal(const ir::Val& a, const ir::Val& b) { return a.lo == b.lo && a.hi == b.hi && a.known == b.known; }

bool SameVals(const std::vector<ir::Val>& a, const std::vector<ir::Val>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!SameVal(a[i], b[i])) return false;
  return true;
}

// How many texts the direct path read (to check that the tests exercise it).
size_t& DirectReads() {
  static size_t n = 0;
  return n;
}

// Both paths on one text; returns whether it was read as a case.
bool ExpectSame(std::string_view text) {
  const ir::Program& prog = *Shipped().program;
  eval::CaseError fast_err, slow_err;
  auto fast = eval::ReadCase(prog, text, fast_err);
  auto slow = eval::ReadCaseSlow(prog, text, slow_err);
  std::string shown(text.substr(0, 300));
  EXPECT_EQ(fast.has_value(), slow.has_value()) << shown << "\nfast: " << fast_err.path << " " << fast_err.message
                                                << "\nslow: " << slow_err.path << " " << slow_err.message;
  if (fast && slow) {
    EXPECT_TRUE(SameVals(fast->SlotValues(), slow->SlotValues())) << shown;
    EXPECT_TRUE(SameVals(fast->items, slow->items)) << shown;
    EXPECT_EQ(fast->strings, slow->strings) << shown;
    EXPECT_EQ(fast->id, slow->id) << shown;
    EXPECT_EQ(fast->date, slow->date) << shown;
  } else if (!fast && !slow) {
    EXPECT_EQ(fast_err.path, slow_err.path) << shown;
    EXPECT_EQ(fast_err.message, slow_err.message) << shown;
  }
  // The direct path (ReadCaseInto's first try) either gives up or reads exactly the slow path's case.
  eval::Case direct;
  if (eval::ReadCaseDirect(prog, text, direct)) {
    ++DirectReads();
    EXPECT_TRUE(slow.has_value()) << "direct path read a line the slow path refuses: " << shown << "\nslow: " << slow_err.path << " "
                                  << slow_err.message;
    if (slow) {
      EXPECT_TRUE(SameVals(direct.SlotValues(), slow->SlotValues())) << "direct: " << shown;
      EXPECT_TRUE(SameVals(direct.items, slow->items)) << "direct: " << shown;
      EXPECT_EQ(direct.strings, slow->strings) << "direct: " << shown;
      EXPECT_EQ(direct.id, slow->id) << "direct: " << shown;
      EXPECT_EQ(direct.date, slow->date) << "direct: " << shown;
    }
  }
  return fast.has_value();
}

TEST(CaseReader, ExamplesReadTheSameOnBothPaths) {
  auto ex = Examples();
  ASSERT_GE(ex.size(), 30u);
  for (const auto& text : ex) {
    EXPECT_TRUE(ExpectSame(text)) << text.substr(0, 200);
    // As a batch line: on one line.
    EXPECT_TRUE(ExpectSame(nlohmann::ordered_json::parse(text).dump()));
  }
}

TEST(CaseReader, InLanguageTestCasesReadTheSameOnBothPaths) {
  const auto& tests = Shipped().program->project->tests;
  ASSERT_GE(tests.size(), 100u);
  for (const auto& t : tests) {
    EXPECT_TRUE(ExpectSame(t.case_value.dump())) << t.name;
    EXPECT_TRUE(ExpectSame(t.case_value.dump(2))) << t.name;
    // And the value itself, as `lexgate test` reads it.
    eval::CaseError err;
    auto c = eval::ReadCaseValue(*Shipped().program, t.case_value, err);
    auto f = eval::ReadCase(*Shipped().program, t.case_value.dump(), err);
    ASSERT_TRUE(c && f) << t.name;
    EXPECT_TRUE(SameVals(c->SlotValues(), f->SlotValues()) && SameVals(c->items, f->items) && c->strings == f->strings) << t.name;
  }
}

// Every scalar leaf of every third example (kept quick for the sanitizer build), replaced in turn by
// values of each kind.
TEST(CaseReader, MutatedExamplesReadTheSameOnBothPaths) {
  const std::vector<std::string> replacements = {
      "null", "true", "0", "-1", "1.5", "-0", "1e3", "18446744073709551615", "18446744073709551616",
      "9223372036854775807", "-9223372036854775809", "1e400", "\"\"", "\"2025-02-30\"", "\"2024-02-29\"",
      "\"2025-09-29T18:30:00+08:00\"", "\"CN\"", "\"XX\"", "\"transfer\"", "\"e\\u0301\"", "\"\\u00e9\"",
      "[]", "[null]", "[1,2]", "{}", "{\"a\":1}", "\"\\udc00\"", "\"\\ud800\"", "\"\\ud83d\\ude00\""};
  size_t n = 0, read = 0;
  auto examples = Examples();
  for (size_t e = 0; e < examples.size(); e += 3) {
    auto root = nlohmann::ordered_json::parse(examples[e]);
    std::function<void(nlohmann::ordered_json&)> walk = [&](nlohmann::ordered_json& v) {
      if (v.is_object() || v.is_array()) {
        for (auto& kid : v) walk(kid);
        return;
      }
      auto saved = v;
      for (const auto& r : replacements) {
        // Splice the replacement in as text (it may be something nlohmann would not write, e.g. 1e400).
        std::string marker = "\"\\u0001mark\"";
        v = "\x01mark";
        std::string s = root.dump();
        auto pos = s.find(marker);
        ASSERT_NE(pos, std::string::npos);
        s.replace(pos, marker.size(), r);
        ++n;
        read += ExpectSame(s);
      }
      v = saved;
    };
    walk(root);
  }
  EXPECT_GT(n, 1000u);
  EXPECT_GT(read, 100u);   // some replacements are valid values
  EXPECT_LT(read, n);      // and many are not
}

// Many generated lines: every example and in-language test case with its members shuffled, leaves
// swapped for the same field's values in other cases or for values of other kinds, whitespace added,
// and then single bytes replaced, deleted or inserted. The direct path must read each line exactly as
// the slow path does or give up (ExpectSame), and must read most of the well-formed ones.
TEST(CaseReader, GeneratedLinesReadTheSameOnTheDirectPath) {
  std::mt19937_64 rng(20261127);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::vector<nlohmann::ordered_json> seeds;
  for (const auto& text : Examples()) seeds.push_back(nlohmann::ordered_json::parse(text));
  for (const auto& t : Shipped().program->project->tests)
    if (t.case_value.is_object()) seeds.push_back(t.case_value);
  ASSERT_GE(seeds.size(), 100u);
  // Leaf values by key, from every seed: a swapped leaf is usually right for its field.
  std::map<std::string, std::vector<nlohmann::ordered_json>> by_key;
  std::function<void(const nlohmann::ordered_json&)> collect = [&](const nlohmann::ordered_json& v) {
    if (v.is_object())
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!it->is_object()) by_key[it.key()].push_back(*it);
        collect(*it);
      }
    else if (v.is_array())
      for (const auto& e : v) collect(e);
  };
  for (const auto& s : seeds) collect(s);
  const std::vector<nlohmann::ordered_json> odd = {nullptr, true, 0, -7, 1.25, 18446744073709551615ull, "", "CN", "\u00e9t\u00e9",
                                                   "e\u0301", "2025-02-29", "2024-02-29", nlohmann::ordered_json::array()};
  std::function<nlohmann::ordered_json(const nlohmann::ordered_json&, int)> vary = [&](const nlohmann::ordered_json& v, int mode) {
    if (v.is_object()) {
      std::vector<std::pair<std::string, nlohmann::ordered_json>> members;
      for (auto it = v.begin(); it != v.end(); ++it) {
        nlohmann::ordered_json x = vary(*it, mode);
        if (!it->is_object() && pick(8) == 0) {
          const auto& pool = by_key[it.key()];
          x = mode == 2 && pick(2) == 0 ? odd[pick(odd.size())] : pool[pick(pool.size())];
        }
        if (mode >= 1 && pick(20) == 0) x = nullptr;
        members.emplace_back(it.key(), std::move(x));
      }
      if (mode >= 1) std::shuffle(members.begin(), members.end(), rng);
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      for (auto& [k, x] : members) out[k] = std::move(x);
      return out;
    }
    if (v.is_array()) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto& e : v) {
        out.push_back(vary(e, mode));
        if (mode >= 1 && pick(4) == 0) out.push_back(vary(e, mode));  // longer lists
      }
      return out;
    }
    return v;
  };
  // JSON whitespace between tokens (never inside strings: no string here holds a structural character
  // next to a quote... so insert only after ',', ':', '{', '[').
  auto spaced = [&](const std::string& s) {
    std::string out;
    bool in_str = false;
    for (size_t i = 0; i < s.size(); ++i) {
      out += s[i];
      if (s[i] == '\\' && in_str) { out += s[++i]; continue; }
      if (s[i] == '"') in_str = !in_str;
      if (!in_str && (s[i] == ',' || s[i] == ':' || s[i] == '{' || s[i] == '[') && pick(3) == 0)
        out += std::string(" \t\r\n").substr(pick(4), 1 + pick(2));
    }
    return out;
  };
  const std::string bytes = "{}[],:\" \\0123456789-+.eEtrufalsn\x01\xc3\xa9\xff";
  size_t lines = 0, plain = 0, plain_direct = 0;
  const size_t before = DirectReads();
  for (size_t round = 0; round < 6; ++round)
    for (const auto& seed : seeds) {
      const int mode = static_cast<int>(round % 3);
      std::string text = vary(seed, mode).dump();
      if (round % 4 == 3) text = spaced(text);
      ++lines;
      const size_t d = DirectReads();
      if (ExpectSame(text)) {
        ++plain;
        plain_direct += DirectReads() - d;
      }
      for (int m = 0; m < 3; ++m) {  // one byte replaced, deleted or inserted
        std::string bad = text;
        const size_t at = pick(bad.size());
        const char ch = bytes[pick(bytes.size())];
        switch (pick(3)) {
          case 0: bad[at] = ch; break;
          case 1: bad.erase(at, 1); break;
          default: bad.insert(at, 1, ch); break;
        }
        ++lines;
        ExpectSame(bad);
      }
    }
  EXPECT_GT(lines, 2000u);
  EXPECT_GT(plain, lines / 8);
  // Lines without escapes or `ext` (nearly all the read ones) go the direct way.
  EXPECT_GT(plain_direct * 10, plain * 8) << plain_direct << " of " << plain;
  EXPECT_GT(DirectReads() - before, plain_direct);  // some mutated lines too
}

TEST(CaseReader, HostileLinesReadTheSameOnBothPaths) {
  std::string ex = nlohmann::ordered_json::parse(Slurp(ShippedRoot() + "/examples/cn-transfer-120k-scc.json")).dump();
  auto with = [&](const std::string& members) {  // the example with extra members at the end
    return ex.substr(0, ex.size() - 1) + "," + members + "}";
  };
  std::vector<std::string> lines = {
      "", " ", "\t\r", "{}", "[]", "null", "1", "\"x\"", "{", "}", "{\"id\":}", "{\"id\":\"a\",}", "{\"id\":\"a\"} x",
      "{\"id\":\"a\"}{}", "{\"id\":\"a\"} ", "{'id':'a'}", "{\"id\":\"a\" /* c */}", "{\"id\":\"a\"}\n", "{\"id\":01}",
      "{\"id\":\"a\\x\"}", "{\"id\":\"a\tb\"}", "{\"id\":\"a\\u0000b\"}", "{\"id\":\"\\u00\"}", "{\"id\":NaN}",
      "{\"id\":Infinity}", "{\"id\":-}", "{\"id\":1.}", "{\"id\":.5}", "{\"id\":+1}", "{\"id\":tru}",
      "\xef\xbb\xbf" + ex,  // BOM
      "{\"id\":\"x\",\"kind\":\"tr\0ansfer\"}",
      "{\"id\":\"\xff\xfe\"}", "{\"id\":\"\xed\xa0\x80\"}", "{\"id\":\"\xc3\"}", "{\"id\":\"\xf4\x90\x80\x80\"}",
      "{\"id\":\"a\",\"id\":\"b\"}", "{\"id\":\"a\",\"kind\":\"transfer\",\"id\":\"b\"}",
      with("\"ext\":{\"a\":1,\"a\":2}"), with("\"ext\":[{\"b\":1},{\"b\":1,\"b\":2}]"), with("\"ext\":{\"\\u0061\":1,\"a\":2}"),
      with("\"ext\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10,\"k\":11,\"l\":12,"
           "\"m\":13,\"n\":14,\"o\":15,\"p\":16,\"q\":17,\"r\":18,\"s\":19,\"t\":20,\"u\":21,\"v\":22,\"w\":23,\"x\":24,"
           "\"y\":25,\"z\":26,\"aa\":27,\"ab\":28,\"ac\":29,\"ad\":30,\"ae\":31,\"af\":32,\"ag\":33,\"a\":34}"),
      with("\"ext\":\"\\ud83d\\ude00 \\u00e9\""), with("\"ext\":\"\\udc00\""), with("\"ext\":\"\\ud800x\""),
      with("\"ext\":1e400"), with("\"ext\":-1e400"), with("\"ext\":1e-400"), with("\"ext\":123456789012345678901234567890"),
      with("\"nope\":1"), with("\"exporter\":[]"), with("\"safeguards\":{}"), with("\"safeguards\":[null]"),
      with("\"safeguards\":[1]"), with("\"date\":\"2025-2-3\""),
  };
  // Nesting around the limit (32 levels below the root, 34 in the text) and far beyond it.
  for (int depth : {30, 31, 32, 33, 34, 35, 36, 1000, 100000}) {
    lines.push_back("{\"id\":\"x\",\"ext\":" + std::string(depth, '[') + std::string(depth, ']') + "}");
    std::string obj;
    for (int i = 0; i < depth; ++i) obj += "{\"a\":";
    lines.push_back("{\"id\":\"x\",\"ext\":" + obj + "1" + std::string(depth, '}') + "}");
    lines.push_back(std::string(depth, '['));
  }
  for (const auto& l : lines) ExpectSame(l);
  EXPECT_TRUE(ExpectSame(ex));
  EXPECT_TRUE(ExpectSame("\xef\xbb\xbf" + ex));  // a BOM: read as the same case (through nlohmann)
}

// The compact slot storage (case.h): every kind of value a slot can hold comes back exactly, through
// SetSlot, copies, AssignSlots and overwrites; a known single value takes one word and one byte.
TEST(CaseSlots, EveryValueRoundTrips) {
  const std::vector<ir::Val> values = {
      {0, 0, true}, {1, 1, true}, {-1, -1, true}, {INT64_MIN, INT64_MIN, true}, {INT64_MAX, INT64_MAX, true},
      {0, 0, false}, {0, INT64_MAX, false}, {INT64_MIN, INT64_MAX, false},  // a type's unknown value
      {0, 1, false}, {1, 1, false}, {2, 2, false}, {3, 3, false},            // not one of the three codes
      {5, INT64_MAX, false}, {INT64_MIN, 7, false}, {INT64_MAX, INT64_MAX, false},  // intervals
      {0, 0, true} /* an empty list */, {12, 3, true}, {int64_t{5} << 32, 100000, true},  // lists: offset, count
      {INT64_MIN, INT64_MAX, true}, {3, 9, true},  // known intervals (no reader makes them; kept exactly)
  };
  const size_t n = values.size();
  eval::Case c;
  c.ResetSlots(n);
  ASSERT_EQ(c.SlotCount(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_TRUE(SameVal(c.Slot(static_cast<int32_t>(i)), ir::Val{})) << i;
  for (size_t i = 0; i < n; ++i) c.SetSlot(static_cast<int32_t>(i), values[i]);
  auto check = [&](const eval::Case& k, const char* what) {
    ASSERT_EQ(k.SlotCount(), n) << what;
    for (size_t i = 0; i < n; ++i) {
      const ir::Val v = k.Slot(static_cast<int32_t>(i));
      EXPECT_TRUE(SameVal(v, values[i])) << what << " slot " << i << ": " << v.lo << " " << v.hi << " " << v.known;
      EXPECT_EQ(k.SlotKnown(static_cast<int32_t>(i)), values[i].known) << what << " slot " << i;
    }
    EXPECT_TRUE(SameVals(k.SlotValues(), values)) << what;
  };
  check(c, "set");
  const eval::Case copy = c;
  check(copy, "copied");
  eval::Case assigned;
  assigned.ResetSlots(3);
  assigned.SetSlot(0, {4, 8, false});
  assigned.AssignSlots(c);
  check(assigned, "assigned");
  // Known single values are a word and a byte each: n words, then n bytes rounded up to whole words.
  EXPECT_EQ(c.SlotBytes(), n * 8 + (n + 7) / 8 * 8);
  // Overwrites, in every direction: each slot takes every value in turn, and the others stay as they are.
  eval::Case w = c;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k) {
      w.SetSlot(static_cast<int32_t>(i), values[(i + k + 1) % n]);
      EXPECT_TRUE(SameVal(w.Slot(static_cast<int32_t>(i)), values[(i + k + 1) % n])) << i << " " << k;
    }
  check(w, "overwritten");  // each slot went round the list back to its own value
  // A moved-from case has no slots left to read (its block went with the move).
  eval::Case moved = std::move(w);
  check(moved, "moved");
  EXPECT_EQ(w.SlotCount(), 0u);  // NOLINT(bugprone-use-after-move): the state a move leaves
  EXPECT_TRUE(w.SlotValues().empty());
}

// A list's element slots are not sized from a count of the commas ahead before the elements are read: a
// 100 KB line of commas in a list of records reserved slots for 99,991 elements (a ~41 MB peak) before it
// was rejected. Lists at the item limit still read as on the other path (checked on the first list).
TEST(CaseReader, AListOfCommasReservesNoSlots) {
  const ir::Program& prog = *Shipped().program;
  const check::Project& p = *prog.project;
  size_t lists = 0;
  for (const auto& f : p.records[p.root].fields) {
    if (!f.type.list || f.type.kind != check::TypeKind::Record) continue;
    ++lists;
    const std::string head = "{\"id\":\"x\",\"kind\":\"transfer\",\"" + f.name + "\":[";
    eval::Case c;
    eval::CaseError err;
    EXPECT_FALSE(eval::ReadCaseInto(prog, head + std::string(99990, ',') + "]}", c, err)) << f.name;
    EXPECT_EQ(err.path, "$") << f.name;
    EXPECT_LT(c.items.capacity(), size_t{1000}) << f.name;
    if (lists > 1) continue;
    // 100,000 elements are allowed, one more is not (on both paths).
    std::string many = head;
    for (int i = 0; i < 100000; ++i) many += i ? ",{}" : "{}";
    EXPECT_TRUE(ExpectSame(many + "]}")) << f.name;
    EXPECT_FALSE(ExpectSame(many + ",{}]}")) << f.name;
  }
  EXPECT_GE(lists, 2u);
}

// A case whose lists would hold more than 2^24 values in all (Case::items, indexed with ints) is refused
// with a clear error (on every path) before any of them is stored: with a list element of 2^15 leaves,
// 65,536 null elements are 2^31 values (a 330 KB line; the index used to overflow), 1,024 are 2^25 (a 5 KB
// line that allocated 800 MB); 512 (the limit) and two read as before.
TEST(CaseReader, TooManyListValuesAreRefusedBeforeTheyOverflow) {
  std::string vocabulary = "enum kind { transfer }\nrecord r0 { a: count, b: count }\n";
  for (int i = 1; i < 15; ++i)
    vocabulary += "record r" + std::to_string(i) + " { a: r" + std::to_string(i - 1) + ", b: r" + std::to_string(i - 1) + " }\n";
  vocabulary += "schema {\n  id: string\n  kind: kind\n  xs: list of r14\n}\n";
  const LoadResult r = LoadSources({{"vocabulary.gate", vocabulary}});
  ASSERT_TRUE(r.program) << diag::RenderText(r.diagnostics.all(), *r.sources, false);
  const ir::Program& prog = *r.program;
  const std::string head = "{\"id\":\"x\",\"kind\":\"transfer\",\"xs\":[";

  eval::Case c;
  eval::CaseError err;
  ASSERT_TRUE(eval::ReadCaseInto(prog, head + "null,null]}", c, err)) << err.path << " " << err.message;
  EXPECT_EQ(c.items.size(), size_t{2} << 15);

  // 2^31 values (int32 element indexes would overflow), and 2^25 (800 MB of values from a 5 KB line):
  // both refused before anything is allocated for them.
  for (int elements : {65536, 1024}) {
    std::string many = head;
    for (int i = 0; i < elements; ++i) many += i ? ",null" : "null";
    many += "]}";
    EXPECT_FALSE(eval::ReadCaseInto(prog, many, c, err)) << elements;
    EXPECT_EQ(err.path, "$.xs");
    EXPECT_EQ(err.message, "the case's lists hold more than 16777216 values in all");
    eval::CaseError slow_err;
    EXPECT_FALSE(eval::ReadCaseSlow(prog, many, slow_err));
    EXPECT_EQ(slow_err.path, err.path);
    EXPECT_EQ(slow_err.message, err.message);
    EXPECT_FALSE(eval::ReadCaseDirect(prog, many, c));
  }
  // 2^9 elements, 2^24 values: the limit itself is read.
  std::string most = head;
  for (int i = 0; i < 512; ++i) most += i ? ",null" : "null";
  most += "]}";
  ASSERT_TRUE(eval::ReadCaseInto(prog, most, c, err)) << err.path << " " << err.message;
  EXPECT_EQ(c.items.size(), size_t{1} << 24);
}

}  // namespace
}  // namespace lexgate
