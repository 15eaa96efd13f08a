// `lexgate batch`'s per-line pieces (issue 12): the block ChunkReader splits input exactly as the
// byte-at-a-time ReadBoundedLine does (lines across block boundaries, short reads, lines over the limit,
// no final newline, CR, blank lines left out but counted), and the compact record's outstanding actions are Decide()'s.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "base/date.h"
#include "batch_line.h"
#include "engine.h"
#include "eval/evaluate.h"
#include "eval/render.h"

namespace lexgate {
namespace {

struct Split {
  std::vector<std::string> lines;
  std::vector<bool> too_long;
  std::vector<size_t> consumed;
};

Split ByBytes(const std::string& input, size_t max) {
  Split s;
  std::istringstream in(input);
  std::string line;
  bool too_long = false;
  size_t consumed = 0;
  while (cli::ReadBoundedLine(in, line, max, too_long, consumed)) {
    s.lines.push_back(line);
    s.too_long.push_back(too_long);
    s.consumed.push_back(consumed);
  }
  return s;
}

// The oracle's lines without the blank ones, numbered, as ChunkReader gives them.
struct Numbered {
  std::vector<size_t> no;
  std::vector<std::string> lines;
  std::vector<bool> too_long;
};

Numbered NonBlank(const Split& s) {
  Numbered n;
  for (size_t i = 0; i < s.lines.size(); ++i) {
    if (!s.too_long[i] && s.lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    n.no.push_back(i + 1);
    n.lines.push_back(s.lines[i]);
    n.too_long.push_back(s.too_long[i]);
  }
  return n;
}

// ChunkReader over `input`, whose reads return at most `per_read` bytes (short reads, as from a pipe).
Numbered ByChunks(const std::string& input, size_t max, size_t block, size_t per_read, size_t& consumed) {
  cli::ChunkReader r(cli::ReadsFrom(input, per_read), max, block);
  Numbered s;
  std::string buf;
  std::vector<cli::BatchLine> lines;
  while (r.Next(buf, lines)) {
    for (const auto& l : lines) {
      s.no.push_back(l.no);
      s.lines.emplace_back(buf.data() + l.off, l.len);
      s.too_long.push_back(l.too_long);
    }
    lines.clear();
  }
  EXPECT_FALSE(r.Next(buf, lines));
  EXPECT_FALSE(r.failed());
  consumed = r.consumed();
  return s;
}

TEST(ChunkReader, SplitsAsReadBoundedLine) {
  std::vector<std::string> inputs = {"", "\n", "a", "a\n", "a\nb", "a\n\nb\n", "\r\n \n", "12345\n123456\n1234567",
                                     "123456789012\n1\n", std::string(100, 'x') + "\nshort\n" + std::string(7, 'y'),
                                     " \t\r\n  x \n\r"};
  std::mt19937 rng(12);
  for (int i = 0; i < 200; ++i) {  // random mixes of short, limit-sized, long and blank lines
    std::string s;
    int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      s += rng() % 6 ? std::string(rng() % 14, static_cast<char>('a' + k)) : std::string(rng() % 3, ' ');
      if (rng() % 5) s += '\n';
    }
    inputs.push_back(s);
  }
  for (const auto& in : inputs)
    for (size_t max : {1, 5, 6, 10, 1000})
      for (size_t block : {1, 2, 3, 5, 7, 16, 4096})
        for (size_t per_read : {size_t{1}, size_t{3}, size_t{1} << 20}) {
          Numbered a = NonBlank(ByBytes(in, max));
          size_t consumed = 0;
          Numbered b = ByChunks(in, max, block, per_read, consumed);
          ASSERT_EQ(a.lines, b.lines) << "max " << max << " block " << block << " per read " << per_read << " input '" << in << "'";
          ASSERT_EQ(a.too_long, b.too_long) << "max " << max << " block " << block;
          ASSERT_EQ(a.no, b.no) << "max " << max << " block " << block;
          ASSERT_EQ(consumed, in.size());
        }
}

// A read error ends the input, and is reported.
TEST(ChunkReader, AReadErrorEndsTheInput) {
  int calls = 0;
  cli::ChunkReader r(
      [&](char* p, size_t n) -> long {
        if (++calls > 1) return -1;
        const char text[] = "a\nb";
        n = std::min(n, sizeof text - 1);
        std::memcpy(p, text, n);
        return static_cast<long>(n);
      },
      100, 64);
  std::string buf;
  std::vector<cli::BatchLine> lines;
  EXPECT_TRUE(r.Next(buf, lines));
  while (r.Next(buf, lines)) {
  }
  EXPECT_TRUE(r.failed());
}

// A long run of blank lines (counted, never kept) does not grow the chunk: the buffer stays within a line
// and a block or two, however many blocks of them are read. After a read error the unfinished line is
// not given out (it may be cut short).
TEST(ChunkReader, BlankLinesDoNotGrowTheBuffer) {
  const size_t block = 64, blocks = 1000;
  const std::string input = std::string(block * blocks, '\n') + "{\"x\":1}\n";
  cli::ChunkReader r(cli::ReadsFrom(input), 100, block);
  std::string buf;
  std::vector<cli::BatchLine> lines;
  ASSERT_TRUE(r.Next(buf, lines));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].no, block * blocks + 1);
  EXPECT_EQ(std::string(buf.data() + lines[0].off, lines[0].len), "{\"x\":1}");
  EXPECT_LE(buf.size(), 100 + 2 * block);

  int calls = 0;
  cli::ChunkReader cut(
      [&](char* p, size_t n) -> long {
        if (++calls > 1) return -1;
        n = std::min<size_t>(n, 3);
        std::memcpy(p, "\n{\"", n);
        return static_cast<long>(n);
      },
      100, block);
  lines.clear();
  EXPECT_FALSE(cut.Next(buf, lines));
  EXPECT_TRUE(lines.empty());
  EXPECT_TRUE(cut.failed());
}

// batch's input and output may be non-blocking pipes (another program set O_NONBLOCK on them): a read or
// write that would block (EAGAIN) waits for the pipe and goes on, where it used to end the run (exit 66
// or 70). A writer that sends the lines in small pieces with pauses; a reader that starts late and reads
// in small pieces, so that a 1 MiB write fills the pipe many times.
TEST(BatchIo, NonBlockingPipesWaitInsteadOfFailing) {
  std::string input;
  for (int i = 0; i < 40; ++i) input += "{\"id\":\"c" + std::to_string(i) + "\"}\n";
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::fcntl(in[0], F_SETFL, ::fcntl(in[0], F_GETFL) | O_NONBLOCK), 0);
  std::thread writer([&] {
    for (size_t pos = 0; pos < input.size(); pos += 37) {
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
      const size_t n = std::min<size_t>(37, input.size() - pos);
      EXPECT_EQ(::write(in[1], input.data() + pos, n), static_cast<ssize_t>(n));
    }
    ::close(in[1]);
  });
  cli::ChunkReader r([&](char* p, size_t n) { return cli::ReadFd(in[0], p, n); }, 100, 64);
  std::string buf, got;
  std::vector<cli::BatchLine> lines;
  while (r.Next(buf, lines)) {
    for (const auto& l : lines) got.append(buf.data() + l.off, l.len) += '\n';
    lines.clear();
  }
  writer.join();
  ::close(in[0]);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(got, input);

  const std::string output(size_t{1} << 20, 'x');
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::fcntl(out[1], F_SETFL, ::fcntl(out[1], F_GETFL) | O_NONBLOCK), 0);
  std::string read_back;
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    char b[4096];
    for (ssize_t n; (n = ::read(out[0], b, sizeof b)) > 0;) read_back.append(b, static_cast<size_t>(n));
  });
  EXPECT_TRUE(cli::WriteAllFd(out[1], output.data(), output.size())) << std::strerror(errno);
  ::close(out[1]);
  reader.join();
  ::close(out[0]);
  EXPECT_EQ(read_back.size(), output.size());
}

const LoadResult& Shipped() {
  static LoadResult r = LoadRules({ShippedRoot() + "/jurisdictions", ShippedRoot() + "/rulesets/schema.gate", ShippedRoot() + "/rulesets"},
                                  LoadOptions{.tests = false});
  return r;
}

// A worker does not keep a huge case's lists, even from a line refused part-way (here by a field after
// its 100,000-element list): its case gives the memory back.
TEST(BatchLine, AHugeCaseIsNotKeptAfterItsLine) {
  const LoadResult& r = Shipped();
  ASSERT_TRUE(r.program);
  std::string list = "[";
  for (int i = 0; i < 100000; ++i) list += i ? ",null" : "null";
  list += "]";
  const std::string base = R"({"id":"h","kind":"transfer","date":"2025-06-10","safeguards":)" + list;
  cli::LineScratch work(*r.program);
  std::string out;
  int kind = 0;
  cli::DecideLineInto(*r.program, base + R"(,"no_such_fact":1})", 1, std::nullopt, eval::RenderOptions{}, cli::BatchFormat::kCompact,
                      work, out, kind);
  EXPECT_EQ(kind, cli::kLineError) << out;
  EXPECT_LE(work.kase.items.capacity(), size_t{1} << 16) << out.substr(0, 120);
}

TEST(CompactRecord, ActionsAreDecidesAndTheRecordIsOneJsonLine) {
  const ir::Program& prog = *Shipped().program;
  eval::Scratch scratch(prog);
  size_t n = 0, with_actions = 0;
  for (const auto& e : std::filesystem::directory_iterator(ShippedRoot() + "/examples")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    eval::CaseError err;
    auto c = eval::ReadCase(prog, ss.str(), err);
    ASSERT_TRUE(c) << e.path() << ": " << err.message;
    for (std::optional<int32_t> as_of : {std::optional<int32_t>{}, ParseDate("2021-01-01"), ParseDate("2027-06-30")}) {
      eval::Decision d = eval::Evaluate(prog, *c, {as_of});
      eval::Outcome o = eval::Decide(prog, *c, {as_of}, scratch);
      EXPECT_EQ(d.verdict, o.verdict) << e.path();
      EXPECT_EQ(eval::OutstandingActions(prog, d), o.actions) << e.path();
      with_actions += !o.actions.empty();
      std::string out;
      eval::RenderCompact(prog, d, out);
      ASSERT_FALSE(out.empty());
      EXPECT_EQ(out.find('\n'), out.size() - 1);
      auto j = nlohmann::ordered_json::parse(out);
      EXPECT_EQ(j["case"], d.case_id);
      EXPECT_EQ(j["verdict"], eval::VerdictName(d.verdict));
      EXPECT_EQ(j["as_of"], FormatDate(d.as_of));
      EXPECT_EQ(j["actions"].size(), o.actions.size());
      EXPECT_EQ(j["findings"].size(), d.findings.size());
      EXPECT_EQ(j["missing"].size(), d.missing.size());
      ++n;
    }
  }
  EXPECT_GE(n, 90u);
  EXPECT_GT(with_actions, 10u);
}

TEST(CompactRecord, EscapesWhatJsonRequires) {
  const ir::Program& prog = *Shipped().program;
  eval::Decision d;
  d.case_id = std::string("a\"b\\c\n\t\x01\x1f/é漢 ") + std::string(20, 'x') + "\"";
  d.as_of = *ParseDate("2025-06-10");
  std::string out;
  eval::RenderCompact(prog, d, out);
  auto j = nlohmann::ordered_json::parse(out);
  EXPECT_EQ(j["case"], d.case_id);
  EXPECT_EQ(j["as_of"], "2025-06-10");
}

// The compact record as it was written before its per-rule fragments (one append per field): the
// reference RenderCompact's output is compared with, byte for byte.
std::string ReferenceCompact(const ir::Program& prog, const eval::Decision& d) {
  const check::Project& p = *prog.project;
  auto field = [](std::string& out, std::string_view key, std::string_view value) {
    out += '"';
    out += key;
    out += "\":";
    eval::AppendJsonString(out, value);
  };
  std::string out = "{\"case\":";
  eval::AppendJsonString(out, d.case_id);
  out += ",\"verdict\":\"";
  out += eval::VerdictName(d.verdict);
  out += "\",\"as_of\":";
  eval::AppendJsonString(out, FormatDate(d.as_of));
  out += ",\"actions\":[";
  auto actions = eval::OutstandingActions(prog, d);
  for (size_t i = 0; i < actions.size(); ++i) {
    if (i) out += ',';
    eval::AppendJsonString(out, p.actions[actions[i]]);
  }
  out += "],\"findings\":[";
  for (size_t i = 0; i < d.findings.size(); ++i) {
    const eval::Finding& f = d.findings[i];
    const check::Rule& r = p.rules[f.rule];
    if (i) out += ',';
    out += '{';
    field(out, "rule", r.id);
    out += ',';
    field(out, "modality", check::ModalityName(r.modality));
    out += ',';
    field(out, "applies", f.applies == eval::Tri::True ? "yes" : "unknown");
    if (r.modality == check::Modality::Must) {
      out += ',';
      field(out, "status", eval::StatusName(f.status));
    }
    bool any_due = false;
    for (const auto& due : f.due) {
      if (!due) continue;
      out += any_due ? "," : ",\"due\":[";
      any_due = true;
      eval::AppendJsonString(out, FormatDate(due->date));
    }
    if (any_due) out += ']';
    if (f.governed_by >= 0) {
      out += ',';
      field(out, "governed_by", p.rules[f.governed_by].id);
    }
    out += ',';
    field(out, "cite", eval::CitationShort(r));
    out += '}';
  }
  out += "],\"missing\":[";
  for (size_t i = 0; i < d.missing.size(); ++i) {
    if (i) out += ',';
    eval::AppendJsonString(out, d.missing[i].fact);
  }
  out += "]}\n";
  return out;
}

// RenderCompact writes the reference's bytes for every example case at three
// as-of dates, and for 3,000 generated decisions (random rules, applies, statuses, due dates, the rule
// that governs, missing facts, verdicts), appended to one buffer as batch does.
TEST(CompactRecord, SameBytesAsTheReferenceRenderer) {
  const ir::Program& prog = *Shipped().program;
  const check::Project& p = *prog.project;
  std::vector<eval::Decision> decisions;
  std::vector<std::string> texts;
  for (const auto& e : std::filesystem::directory_iterator(ShippedRoot() + "/examples")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    texts.push_back(ss.str());
  }
  for (const auto& text : texts) {
    eval::CaseError err;
    auto c = eval::ReadCase(prog, text, err);
    if (!c) continue;
    for (std::optional<int32_t> as_of : {std::optional<int32_t>{}, ParseDate("2021-01-01"), ParseDate("2027-06-30")})
      decisions.push_back(eval::Evaluate(prog, *c, {as_of}));
  }
  ASSERT_GT(decisions.size(), 100u);
  std::mt19937 rng(1127);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int k = 0; k < 3000; ++k) {
    eval::Decision d;
    d.case_id = pick(10) == 0 ? std::string("q\"\\\x01é") : "gen-" + std::to_string(k);
    d.verdict = static_cast<eval::Verdict>(pick(4));
    d.as_of = static_cast<int32_t>(pick(30000)) - 5000;
    for (size_t n = pick(12); n > 0; --n) {
      eval::Finding f;
      f.rule = static_cast<int>(pick(p.rules.size()));
      f.applies = static_cast<eval::Tri>(pick(3));
      f.status = static_cast<eval::Status>(pick(4));
      f.governed_by = pick(3) == 0 ? static_cast<int>(pick(p.rules.size())) : -1;
      for (size_t m = pick(4); m > 0; --m) {
        if (pick(3) == 0) f.due.emplace_back();
        else f.due.push_back(eval::Due{static_cast<int32_t>(pick(40000)) - 10000, "x", {}});
      }
      d.findings.push_back(std::move(f));
    }
    for (size_t n = pick(3); n > 0; --n) d.missing.push_back(eval::Missing{"data.f" + std::to_string(pick(5)), {}, false});
    decisions.push_back(std::move(d));
  }
  std::string out, want;
  size_t checked = 0;
  for (const auto& d : decisions) {
    const size_t at = out.size();
    eval::RenderCompact(prog, d, out);
    const std::string ref = ReferenceCompact(prog, d);
    ASSERT_EQ(out.substr(at), ref) << "decision " << checked;
    want += ref;
    ++checked;
  }
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace lexgate
