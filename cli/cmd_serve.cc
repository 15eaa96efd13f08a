// lexgate serve: the engine over HTTP JSON (cpp-httplib), same answers as `lexgate check`.
//
//   POST /v1/check      body = one case; 200 + the decision JSON (verdict inside, and in X-Lexgate-Verdict),
//                       400 + {"error":{"code":65,"path":…,"message":…}} for a bad case
//   POST /v1/batch      body = a JSON array of cases; 200 + an array of decisions / {"error":…}, in order
//   GET  /v1/rulesets   the loaded rulesets;  GET /v1/openapi.json  this API;  GET /healthz  liveness
//   ?as_of=YYYY-MM-DD&locale=L on the POSTs (default: the case's date; --locale, LC_ALL/LANG, en)
//
// With --state (a SQLite file or a postgresql:// URI) unknown history figures come from the ledger, as
// with `check --state`, and ?record=true records each case (ledger, obligations, audit log; header
// X-Lexgate-Recorded says whether it was new). Several serve processes on one PostgreSQL ledger give the
// same answers and count each case once: each request reads the ledger, evaluates and records in one
// writer transaction (state.h). Each worker thread takes a connection from a pool.
//
// Loopback (127.0.0.1:8080) unless --listen says otherwise. With --token-file every route but /healthz
// needs `Authorization: Bearer <token>` (compared in constant time; 401 otherwise). Bodies over
// --max-body get 413; sockets have read/write timeouts; at most --max-connections connections are taken
// at once (the rest wait in the listen backlog). Signals are taken by one thread (sigwait):
// SIGTERM/SIGINT stop accepting, finish the requests in flight and exit 0; SIGHUP loads the rules again
// from the same paths and, only if they load without errors, swaps the engine atomically (each request
// evaluates on the snapshot it took, so none sees half-loaded rules); otherwise the diagnostics go to
// stderr and the old rules keep serving.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "api/engine_impl.h"
#include "common.h"
#include "lexgate/lexgate.hpp"
#include "serve_handler.h"
#include "serve_options.h"
#include "state/state.h"
#include "state_cli.h"

namespace lexgate::cli {

namespace {



// cpp-httplib's own pool queues accepted sockets without limit. This one runs `threads` workers and
// holds at most `max_conns` connections being served or waiting for a worker; when that many are
// held, enqueue() blocks the accept loop (with the one socket it has just accepted), so further clients
// wait in the kernel's listen backlog instead of costing a descriptor and memory each.
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(size_t threads, size_t max_conns) : max_(std::max<size_t>(max_conns, 1)) {
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }
  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return jobs_.size() + busy_ < max_ || stop_; });
    jobs_.push_back(std::move(fn));
    lock.unlock();
    ready_.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !jobs_.empty() || stop_; });
        if (jobs_.empty()) return;  // stopping, and every queued connection was served
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
      }
      fn();
      {
        std::lock_guard lock(mu_);
        --busy_;
      }
      space_.notify_one();
    }
  }
  const size_t max_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::function<void()>> jobs_;
  size_t busy_ = 0;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void PrintDiagnostics(const std::vector<Diagnostic>& diags) {
  for (const auto& d : diags) {
    const char* sev = d.severity == Severity::kError ? "error" : d.severity == Severity::kWarning ? "warning" : "note";
    std::cerr << (d.file.empty() ? "lexgate" : d.file) << ":" << d.line << ":" << d.column << ": " << sev << "["
              << d.code << "]: " << d.message << "\n";
  }
}

}  // namespace

int Serve(const Common& common, const ServeOptions& o) {
  auto colon = o.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "lexgate: --listen '" << o.listen << "' is not HOST:PORT\n";
    return ExitCode::kUsage;
  }
  std::string host = o.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(o.listen.substr(colon + 1), &used);
    if (used != o.listen.size() - colon - 1) port = -1;
  } catch (...) {
  }
  if (host.empty() || port < 0 || port > 65535) {
    std::cerr << "lexgate: --listen '" << o.listen << "' is not HOST:PORT\n";
    return ExitCode::kUsage;
  }
  std::optional<std::array<unsigned char, 32>> token;
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file, std::ios::binary);
    if (!in) {
      std::cerr << "lexgate: cannot read --token-file '" << o.token_file << "'\n";
      return ExitCode::kNotFound;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(t.begin());
    if (t.empty()) {
      std::cerr << "lexgate: --token-file '" << o.token_file << "' is empty\n";
      return ExitCode::kUsage;
    }
    token = Sha256(t);
  }
  if (!IsLoopback(host) && !token)
    std::cerr << "lexgate serve: warning: listening on " << host << " without --token-file\n";

  std::unique_ptr<state::StorePool> pool;
  if (!o.state.empty()) {
    // Opened (created or migrated if need be) once before serving, so a bad --state stops here.
    auto opened = state::Store::Open(o.state, state::OpenMode::ReadWrite);
    if (!opened.ok()) return StateExit(opened.status);
    pool = std::make_unique<state::StorePool>(o.state, state::OpenMode::ReadWrite);
    pool->Give(std::move(opened.value));
  }

  const std::string root = ShippedRoot();
  const std::vector<std::string> rules = common.rules;
  // The compiled-rules cache as for check (a reload after SIGHUP reads the files again and misses it
  // when they changed).
  LoadOptions options{.tests = false};
  if (!common.no_cache) options.cache_dir = DefaultCacheDir();
  auto load = [&]() -> Result<Engine> {
    try {
      return Engine::Impl::Make(LoadRules(InstalledPaths(root, rules), options));
    } catch (const std::exception& e) {
      return Result<Engine>(Status(StatusCode::kInternal, std::string("internal error: ") + e.what()));
    }
  };
  auto first = load();
  PrintDiagnostics(first.diagnostics());
  if (!first.ok()) {
    std::cerr << "lexgate: " << first.status().message() << "; not serving\n";
    return static_cast<int>(first.status().code());
  }
  std::atomic<std::shared_ptr<const Engine>> current(std::make_shared<const Engine>(std::move(first).value()));

  // Signals are handled by sigwait in this thread only: block them before any other thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ServeConfig cfg;
  cfg.token = token;
  cfg.default_locale = LocaleOf(common);
  cfg.pool = pool.get();
  httplib::Server svr;
  const size_t workers = std::min<size_t>(o.max_connections, 8);
  svr.new_task_queue = [&] { return new BoundedPool(workers, o.max_connections); };
  svr.set_payload_max_length(o.max_body);
  svr.set_read_timeout(o.timeout, 0);
  svr.set_write_timeout(o.timeout, 0);
  svr.set_keep_alive_timeout(5);
  svr.set_tcp_nodelay(true);  // small JSON answers: no Nagle delay
  auto to_request = [](const httplib::Request& req) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    r.params.insert(req.params.begin(), req.params.end());
    r.authorization = req.get_header_value("Authorization");
    r.body = req.body;
    return r;
  };
  auto send = [](const HttpResponse& in, httplib::Response& res) {
    res.status = in.status;
    for (const auto& [k, v] : in.headers) res.set_header(k, v);
    res.set_content(in.body, in.content_type.c_str());
  };
  // The token is checked before the body is read (cpp-httplib runs this before reading it).
  svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.path = req.path;
    r.authorization = req.get_header_value("Authorization");
    auto denied = Authorize(cfg, r);
    if (!denied) return httplib::Server::HandlerResponse::Unhandled;
    send(*denied, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string msg = res.status == 413 ? "the body is larger than --max-body"
                      : res.status == 404 ? "no such route"
                      : res.status == 405 ? "method not allowed"
                                          : "request failed";
    res.set_content(ErrorBody(res.status, msg), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  // Every route goes through Route() (serve_handler.cc), the function the fuzzer calls.
  auto handle = [&](const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const Engine> engine = current.load();  // one snapshot for the whole request
    send(Route(*engine, cfg, to_request(req)), res);
  };
  svr.Get(".*", handle);
  svr.Post(".*", handle);
  svr.Put(".*", handle);
  svr.Patch(".*", handle);
  svr.Delete(".*", handle);

  int bound = port == 0 ? svr.bind_to_any_port(host) : (svr.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::cerr << "lexgate: cannot listen on " << o.listen << "\n";
    return ExitCode::kNotFound;
  }
  std::cerr << "lexgate serve: listening on http://" << (host.find(':') != std::string::npos ? "[" + host + "]" : host)
            << ":" << bound << " (" << current.load()->files().size() << " rule files)" << std::endl;

  std::atomic<bool> stopping{false}, failed{false};
  pthread_t main_thread = pthread_self();
  std::thread server([&] {
    if (!svr.listen_after_bind() && !stopping.load()) {
      failed = true;
      pthread_kill(main_thread, SIGTERM);  // wake the signal loop below
    }
  });
  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      auto next = load();
      if (!next.ok()) {
        PrintDiagnostics(next.diagnostics());
        std::cerr << "lexgate serve: reload refused (" << next.status().message() << "); the previous rules keep serving"
                  << std::endl;
        continue;
      }
      PrintDiagnostics(next.diagnostics());
      current.store(std::make_shared<const Engine>(std::move(next).value()));
      std::cerr << "lexgate serve: rules reloaded (" << current.load()->files().size() << " rule files)" << std::endl;
      continue;
    }
    stopping = true;
    std::cerr << "lexgate serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", finishing requests in flight"
              << std::endl;
    svr.stop();
    break;
  }
  server.join();
  if (failed) {
    std::cerr << "lexgate: the server stopped unexpectedly\n";
    return ExitCode::kInternal;
  }
  return 0;
}

}  // namespace lexgate::cli
