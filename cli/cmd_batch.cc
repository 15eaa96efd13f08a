// lexgate batch: decides a JSONL file of cases, one decision (or one error record) per line, in input
// order, on N threads. Streaming with bounded memory: the input is read in chunks, at most a few chunks
// per thread are in flight, and each chunk's output is written as soon as all earlier chunks are out.
// A progress bar goes to stderr on a terminal; a summary (counts per verdict, cases/s) ends the run.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/date.h"
#include "batch_line.h"
#include "common.h"
#include "eval/render.h"

namespace lexgate::cli {

namespace {

// A chunk is handed to a worker when it holds kChunkLines lines or kChunkBytes bytes of text; with 3
// chunks per thread in flight, memory stays bounded (about 3 × threads × (kChunkBytes + --max-line) of
// input, plus their output) whatever the size of the input.
constexpr size_t kChunkLines = 256;
constexpr size_t kChunkBytes = size_t{1} << 20;
// Written chunks are reused (their buffers keep their capacity, so that steady state allocates nothing
// and touches no new pages) unless a buffer grew beyond this.
constexpr size_t kKeepBytes = size_t{8} << 20;

struct Line {
  size_t no = 0;          // 1-based line number in the input
  size_t off = 0, len = 0;  // the line's bytes in Chunk::text
  bool too_long = false;  // longer than --max-line: not kept, answered with an error record
};

struct Chunk {
  size_t seq = 0;
  std::string text;  // the lines' bytes, one after the other (one allocation per chunk, not per line)
  std::vector<Line> lines;
  std::string out;
  std::array<size_t, 5> counts{};  // permitted, conditional, prohibited, indeterminate, errors
};

int Batch(const Common& c, const std::string& in_path, const std::string& out_path, int threads,
          const std::string& as_of, bool progress_flag, size_t max_line, const std::string& format_name) {
  if (format_name != "json" && format_name != "compact") {
    std::cerr << "lexgate: --format must be json or compact, not '" << format_name << "'\n";
    return ExitCode::kUsage;
  }
  const BatchFormat format = format_name == "compact" ? BatchFormat::kCompact : BatchFormat::kFull;
  int code = 0;
  std::optional<int32_t> as_of_day;
  if (!ParseDateOption("--as-of", as_of, as_of_day)) return ExitCode::kUsage;
  auto loaded = Load(c, code);
  if (!loaded) return code;
  const ir::Program& prog = *loaded->program;
  std::ifstream file;
  std::istream* in = &std::cin;
  size_t total_bytes = 0;
  if (in_path != "-") {
    file.open(in_path, std::ios::binary);
    if (!file) {
      std::cerr << "lexgate: cannot read '" << in_path << "': no such file\n";
      return ExitCode::kNotFound;
    }
    file.seekg(0, std::ios::end);
    total_bytes = static_cast<size_t>(file.tellg());
    file.seekg(0);
    in = &file;
  }
  std::ofstream out_file;
  std::ostream* out = &std::cout;
  std::string tmp_path;
  // A device or pipe (--out /dev/null, a FIFO) is written in place: renaming a ".partial" file over it
  // would replace the device with a regular file.
  std::error_code ec;
  const auto out_status = out_path.empty() ? std::filesystem::file_status() : std::filesystem::status(out_path, ec);
  const bool special = std::filesystem::exists(out_status) && !std::filesystem::is_regular_file(out_status);
  if (special) {
    out_file.open(out_path, std::ios::binary);
    if (!out_file) {
      std::cerr << "lexgate: cannot write '" << out_path << "'\n";
      return ExitCode::kNotFound;
    }
    out = &out_file;
  } else if (!out_path.empty()) {
    tmp_path = out_path + ".partial";  // renamed when complete: a killed run leaves no half-written file
    out_file.open(tmp_path, std::ios::binary | std::ios::trunc);
    if (!out_file) {
      std::cerr << "lexgate: cannot write '" << out_path << "'\n";
      return ExitCode::kNotFound;
    }
    out = &out_file;
  }
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool progress = progress_flag || isatty(2);
  eval::RenderOptions ro;
  ro.locale = LocaleOf(c);
  ro.compact = true;

  // Three kinds of thread: this one reads and splits the input into chunks; the workers decide them;
  // the writer writes finished chunks in input order (a write that blocks, on a slow disk, then stalls
  // neither reading nor deciding) and hands their buffers back for reuse.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Chunk>> todo;
  std::map<size_t, std::shared_ptr<Chunk>> done;
  std::vector<std::shared_ptr<Chunk>> spare;  // written chunks, kept for their buffers
  bool eof = false;                           // the input is read: no more chunks after `seq`
  const size_t max_in_flight = static_cast<size_t>(threads) * 3;
  size_t in_flight = 0, seq = 0;
  std::atomic<size_t> bytes_read{0};

  auto work = [&]() {
    LineScratch scratch(prog);  // this worker's case, evaluator scratch and decision, reused line to line
    for (;;) {
      std::shared_ptr<Chunk> ch;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !todo.empty() || eof; });
        if (todo.empty()) return;
        ch = todo.front();
        todo.pop_front();
      }
      for (const Line& line : ch->lines) {
        if (line.too_long) {
          ch->out += TooLongLine(line.no, max_line);
          ++ch->counts[kLineError];
          continue;
        }
        int kind = kLineError;
        DecideLineInto(prog, std::string_view(ch->text).substr(line.off, line.len), line.no, as_of_day, ro, format, scratch, ch->out, kind);
        ++ch->counts[static_cast<size_t>(kind)];
      }
      ch->lines.clear();
      ch->text.clear();
      {
        std::lock_guard lock(mu);
        done[ch->seq] = ch;
      }
      cv.notify_all();
    }
  };

  auto start = std::chrono::steady_clock::now();
  std::array<size_t, 5> totals{};
  auto write = [&]() {
    size_t next_write = 0;
    for (;;) {
      std::shared_ptr<Chunk> ch;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return (!done.empty() && done.begin()->first == next_write) || (eof && next_write == seq); });
        if (done.empty() || done.begin()->first != next_write) return;  // everything is written
        ch = std::move(done.begin()->second);
        done.erase(done.begin());
      }
      out->write(ch->out.data(), static_cast<std::streamsize>(ch->out.size()));
      for (size_t k = 0; k < 5; ++k) totals[k] += ch->counts[k];
      ++next_write;
      if (progress) {
        size_t n = totals[0] + totals[1] + totals[2] + totals[3] + totals[4];
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (total_bytes > 0) {
          int pct = static_cast<int>(100.0 * static_cast<double>(bytes_read.load()) / static_cast<double>(total_bytes));
          int bar = pct / 4;
          std::fprintf(stderr, "\r[%-25s] %3d%%  %zu cases  %.0f cases/s", std::string(static_cast<size_t>(bar), '#').c_str(), pct, n,
                       secs > 0 ? static_cast<double>(n) / secs : 0.0);
        } else {
          std::fprintf(stderr, "\r%zu cases  %.0f cases/s", n, secs > 0 ? static_cast<double>(n) / secs : 0.0);
        }
      }
      ch->out.clear();
      ch->counts = {};
      if (ch->out.capacity() > kKeepBytes) ch->out = std::string();
      if (ch->text.capacity() > kKeepBytes) ch->text = std::string();
      {
        std::lock_guard lock(mu);
        spare.push_back(std::move(ch));
        --in_flight;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  std::thread writer(write);

  size_t line_no = 0;
  auto chunk = std::make_shared<Chunk>();
  auto submit = [&]() {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < max_in_flight; });
      chunk->seq = seq++;
      ++in_flight;
      todo.push_back(std::move(chunk));
      if (spare.empty()) {
        chunk = std::make_shared<Chunk>();
      } else {
        chunk = std::move(spare.back());
        spare.pop_back();
      }
    }
    cv.notify_all();
  };
  bool too_long = false;
  LineReader reader(*in, max_line);
  std::string_view line;
  while (reader.Next(line, too_long)) {
    ++line_no;
    bytes_read = reader.consumed();
    if (!too_long && line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    chunk->lines.push_back(Line{line_no, chunk->text.size(), line.size(), too_long});
    chunk->text.append(line);
    if (chunk->lines.size() >= kChunkLines || chunk->text.size() >= kChunkBytes) submit();
  }
  if (!chunk->lines.empty()) submit();
  {
    std::lock_guard lock(mu);
    eof = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
  writer.join();
  out->flush();
  if (!tmp_path.empty()) {
    out_file.close();
    if (std::rename(tmp_path.c_str(), out_path.c_str()) != 0) {
      std::cerr << "lexgate: cannot write '" << out_path << "'\n";
      return ExitCode::kInternal;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t n = totals[0] + totals[1] + totals[2] + totals[3] + totals[4];
  if (progress) std::fprintf(stderr, "\n");
  std::fprintf(stderr, "%zu cases in %.2f s (%.0f cases/s, %d threads): %zu permitted, %zu conditional, %zu prohibited, %zu indeterminate, %zu errors\n",
               n, secs, secs > 0 ? static_cast<double>(n) / secs : 0.0, threads, totals[0], totals[1], totals[2], totals[3], totals[4]);
  return totals[4] ? ExitCode::kBadCase : 0;
}

}  // namespace

Runner AddBatchCommand(CLI::App& app, Common& common) {
  struct Opts { std::string in = "-", out, as_of, format = "json"; int threads = 0; bool progress = false; size_t max_line = kDefaultMaxLine; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("batch", HelpText("batch"));
  sub->footer("Example:\n  lexgate batch cases.jsonl --threads 2 --out decisions.jsonl\n"
              "  lexgate batch cases.jsonl --format compact --out records.jsonl\n\n"
              "Exit: 0 when every line was decided, 65 when some lines were bad (each got an error record).\n");
  sub->add_option("cases", o->in, "the JSONL file (one case per line), or - for standard input");
  sub->add_option("--out", o->out, "write decisions here (default: standard output)");
  sub->add_option("--threads", o->threads, "worker threads (default: the number of cores)")->check(CLI::Range(0, 1024));
  sub->add_option("--as-of", o->as_of, "evaluate the law as it stood on this date (YYYY-MM-DD)");
  sub->add_option("--max-line", o->max_line, "longest line read as a case, in bytes (default 1048576; a longer one gets an error record)")
      ->check(CLI::Range(static_cast<size_t>(1), static_cast<size_t>(1) << 31));
  sub->add_flag("--progress", o->progress, "show a progress bar even when stderr is not a terminal");
  sub->add_option("--format", o->format,
                  "json: the full decision per line (as check --format json); compact: case, verdict, as_of, outstanding "
                  "actions, findings (rule, modality, applies, status, due, governed_by, cite) and missing facts");
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? Batch(common, o->in, o->out, o->threads, o->as_of, o->progress, o->max_line, o->format) : -1; };
}

}  // namespace lexgate::cli
