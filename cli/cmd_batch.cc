// lexgate batch: decides a JSONL file of cases, one decision (or one error record) per line, in input
// order, on N threads. Streaming with bounded memory: the input is read in chunks, at most three chunks
// per thread are in flight, and each chunk's output is written as soon as all earlier chunks are out.
// A progress bar goes to stderr on a terminal; a summary (counts per verdict, cases/s) ends the run.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/date.h"
#include "batch_line.h"
#include "common.h"
#include "eval/render.h"

namespace lexgate::cli {

namespace {

// Each worker reads a block of the input (kBlock bytes, straight into its chunk's buffer: no copy),
// decides its lines into the chunk's output, and hands the chunk over to be written in input order: the
// worker that finishes the chunk due next writes it, and any later ones already done. No reader or
// writer thread: with `--threads 2` on two cores nothing else takes a core from the workers, and no
// thread is woken per chunk (with a reader and a writer thread: 3,000–3,600 context switches per
// 200,000 cases; ~600 now). At most 3 chunks per thread are in flight (read and not yet written), so
// memory stays bounded (about 3 × threads × (kBlock + --max-line + their output)) whatever the size of
// the input. A 64 KiB block (~110 cases) keeps a chunk's text and output in the core's cache (1 MiB
// blocks took more CPU).
constexpr size_t kBlock = size_t{1} << 16;
// Written chunks are reused (their buffers keep their size, so that steady state allocates nothing and
// touches no new pages) unless a buffer grew beyond this.
constexpr size_t kKeepBytes = size_t{8} << 20;

struct Chunk {
  size_t seq = 0;
  std::string text;  // the block's bytes (its size only grows: the lines say what is in use)
  std::vector<BatchLine> lines;
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
  int in_fd = 0;
  size_t total_bytes = 0;
  if (in_path != "-") {
    in_fd = ::open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st{};
    if (in_fd < 0 || ::fstat(in_fd, &st) != 0 || S_ISDIR(st.st_mode)) {
      const bool dir = in_fd >= 0 && S_ISDIR(st.st_mode);
      if (in_fd >= 0) ::close(in_fd);
      std::cerr << "lexgate: cannot read '" << in_path << "': " << (dir ? "a directory, not a file" : "no such file") << "\n";
      return ExitCode::kNotFound;
    }
    if (S_ISREG(st.st_mode)) total_bytes = static_cast<size_t>(st.st_size);
  }
  struct CloseIn {
    int fd;
    ~CloseIn() {
      if (fd > 0) ::close(fd);
    }
  } close_in{in_fd};
  int out_fd = 1;
  std::string tmp_path;
  // A device or pipe (--out /dev/null, a FIFO) is written in place: renaming a ".partial" file over it
  // would replace the device with a regular file.
  std::error_code ec;
  const auto out_status = out_path.empty() ? std::filesystem::file_status() : std::filesystem::status(out_path, ec);
  const bool special = std::filesystem::exists(out_status) && !std::filesystem::is_regular_file(out_status);
  if (!out_path.empty()) {
    if (!special) tmp_path = out_path + ".partial";  // renamed when complete: a killed run leaves no half-written file
    out_fd = ::open(special ? out_path.c_str() : tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out_fd < 0) {
      std::cerr << "lexgate: cannot write '" << out_path << "'\n";
      return ExitCode::kNotFound;
    }
  }
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool progress = progress_flag || isatty(2);
  eval::RenderOptions ro;
  ro.locale = LocaleOf(c);
  ro.compact = true;

  ChunkReader reader([in_fd](char* p, size_t n) -> long { return ReadFd(in_fd, p, n); }, max_line, kBlock);
  std::mutex read_mu;  // the reader: one worker at a time reads a block and numbers its chunk
  size_t next_seq = 0;
  std::atomic<size_t> bytes_read{0};

  std::mutex mu;  // what follows
  std::condition_variable room;  // a chunk was written (or the run ends): a worker may read another
  std::map<size_t, std::unique_ptr<Chunk>> done;  // decided, waiting for an earlier chunk to be written
  std::vector<std::unique_ptr<Chunk>> spare;      // written chunks, kept for their buffers
  const size_t max_in_flight = static_cast<size_t>(threads) * 3;
  size_t in_flight = 0, next_write = 0;
  bool ended = false;    // the input is used up (or a write failed): no more chunks are read
  bool writing = false;  // a worker is writing chunks out
  int write_errno = 0;
  std::array<size_t, 5> totals{};
  auto start = std::chrono::steady_clock::now();

  // Writes the chunks due next, in order, while there are any (`lock` held on entry and exit).
  auto write_due = [&](std::unique_lock<std::mutex>& lock) {
    writing = true;
    while (!done.empty() && done.begin()->first == next_write) {
      std::unique_ptr<Chunk> ch = std::move(done.begin()->second);
      done.erase(done.begin());
      lock.unlock();
      if (write_errno == 0 && !WriteAllFd(out_fd, ch->out.data(), ch->out.size())) write_errno = errno;
      for (size_t k = 0; k < 5; ++k) totals[k] += ch->counts[k];
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
      if (ch->text.size() > kKeepBytes) ch->text = std::string();
      lock.lock();
      ++next_write;
      --in_flight;
      spare.push_back(std::move(ch));
      if (write_errno != 0) {
        ended = true;
        room.notify_all();
      } else {
        room.notify_one();
      }
    }
    writing = false;
  };

  auto work = [&]() {
    LineScratch scratch(prog);  // this worker's case, evaluator scratch and decision, reused line to line
    for (;;) {
      std::unique_ptr<Chunk> ch;
      {
        std::unique_lock lock(mu);
        room.wait(lock, [&] { return in_flight < max_in_flight || ended; });
        if (ended) return;
        ++in_flight;
        if (spare.empty()) {
          ch = std::make_unique<Chunk>();
        } else {
          ch = std::move(spare.back());
          spare.pop_back();
        }
      }
      bool got;
      {
        std::lock_guard lock(read_mu);
        ch->lines.clear();
        got = reader.Next(ch->text, ch->lines);
        if (got) ch->seq = next_seq++;
        bytes_read = reader.consumed();
      }
      if (!got) {
        std::lock_guard lock(mu);
        --in_flight;
        ended = true;
        room.notify_all();
        return;
      }
      for (const BatchLine& line : ch->lines) {
        if (line.too_long) {
          ch->out += TooLongLine(line.no, max_line);
          ++ch->counts[kLineError];
          continue;
        }
        int kind = kLineError;
        DecideLineInto(prog, std::string_view(ch->text.data() + line.off, line.len), line.no, as_of_day, ro, format, scratch, ch->out, kind);
        ++ch->counts[static_cast<size_t>(kind)];
      }
      std::unique_lock lock(mu);
      const size_t seq = ch->seq;
      done.emplace(seq, std::move(ch));
      if (!writing) write_due(lock);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();  // this thread is a worker too
  for (auto& t : pool) t.join();
  const bool read_failed = reader.failed();
  if (out_fd != 1 && ::close(out_fd) != 0 && write_errno == 0) write_errno = errno;
  if (read_failed || write_errno != 0) {
    if (progress) std::fprintf(stderr, "\n");
    if (read_failed) std::cerr << "lexgate: cannot read '" << in_path << "'\n";
    else std::cerr << "lexgate: cannot write '" << (out_path.empty() ? "-" : out_path) << "': " << std::strerror(write_errno) << "\n";
    if (!tmp_path.empty()) std::remove(tmp_path.c_str());
    return read_failed ? ExitCode::kNotFound : ExitCode::kInternal;
  }
  if (!tmp_path.empty() && std::rename(tmp_path.c_str(), out_path.c_str()) != 0) {
    std::cerr << "lexgate: cannot write '" << out_path << "'\n";
    return ExitCode::kInternal;
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
