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
// --max-body get 413; sockets have read/write timeouts. Signals are taken by one thread (sigwait):
// SIGTERM/SIGINT stop accepting, finish the requests in flight and exit 0; SIGHUP loads the rules again
// from the same paths and, only if they load without errors, swaps the engine atomically (each request
// evaluates on the snapshot it took, so none sees half-loaded rules); otherwise the diagnostics go to
// stderr and the old rules keep serving.
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "api/engine_impl.h"
#include "base/date.h"
#include "common.h"
#include "eval/render.h"
#include "lexgate/lexgate.hpp"
#include "state_cli.h"

namespace lexgate::cli {

namespace {

using nlohmann::ordered_json;

// The OpenAPI 3 description served at /v1/openapi.json.
constexpr const char* kOpenApi = R"JSON({
  "openapi": "3.0.3",
  "info": {
    "title": "lexgate",
    "version": "0.1.0",
    "description": "Cross-border compliance decisions over HTTP. The answers are byte-identical to `lexgate check CASE --format json` for the same rules, case, as-of date and locale."
  },
  "servers": [ { "url": "http://127.0.0.1:8080" } ],
  "components": {
    "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "Required on every route but /healthz when the server runs with --token-file." } },
    "parameters": {
      "as_of": { "name": "as_of", "in": "query", "required": false, "schema": { "type": "string", "format": "date" }, "description": "Evaluate the law as it stood on this date (default: the case's date, else today)." },
      "locale": { "name": "locale", "in": "query", "required": false, "schema": { "type": "string", "example": "zh_CN" }, "description": "Locale of the messages (default: the server's)." },
      "record": { "name": "record", "in": "query", "required": false, "schema": { "type": "boolean", "default": false }, "description": "Record the case in the server's --state (ledger, obligations, audit log) in the same transaction that reads the ledger; the case needs an id, and recording an id twice changes nothing. Only when the server runs with --state. Response header X-Lexgate-Recorded: true (new) or false (already recorded)." }
    },
    "schemas": {
      "Case": { "type": "object", "description": "A proposed transfer, filing or IP event (see the case vocabulary, rulesets/schema.gate)." },
      "Decision": {
        "type": "object",
        "required": [ "case", "verdict", "as_of", "findings", "exempted", "overridden", "missing", "rulesets" ],
        "properties": {
          "case": { "type": "string" },
          "verdict": { "type": "string", "enum": [ "permitted", "conditional", "prohibited", "indeterminate" ] },
          "as_of": { "type": "string", "format": "date" },
          "findings": { "type": "array", "items": { "type": "object" } },
          "exempted": { "type": "array", "items": { "type": "object" } },
          "overridden": { "type": "array", "items": { "type": "object" } },
          "missing": { "type": "array", "items": { "type": "object" } },
          "rulesets": { "type": "array", "items": { "type": "object" } }
        }
      },
      "Error": {
        "type": "object",
        "required": [ "error" ],
        "properties": {
          "error": {
            "type": "object",
            "required": [ "code", "message" ],
            "properties": {
              "code": { "type": "integer", "description": "65 bad case, 64 bad parameter, 70 internal or state unavailable; otherwise the HTTP status" },
              "index": { "type": "integer", "description": "position in a batch" },
              "path": { "type": "string", "description": "JSON path of the problem, e.g. $.exporter.jurisdiction" },
              "message": { "type": "string" }
            }
          }
        }
      },
      "Ruleset": {
        "type": "object",
        "properties": {
          "id": { "type": "string" }, "version": { "type": "string" }, "sha256": { "type": "string" },
          "authority": { "type": "string" }, "jurisdiction": { "type": "string" }, "force": { "type": "string" },
          "binding": { "type": "boolean" }, "effective": { "type": "string", "format": "date" },
          "expires": { "type": "string", "format": "date" }, "rules": { "type": "integer" }
        }
      }
    },
    "responses": {
      "Unauthorized": { "description": "missing or wrong bearer token", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "TooLarge": { "description": "the body is larger than --max-body", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    }
  },
  "security": [ { "bearer": [] } ],
  "paths": {
    "/v1/check": {
      "post": {
        "summary": "Decide one case",
        "parameters": [ { "$ref": "#/components/parameters/as_of" }, { "$ref": "#/components/parameters/locale" }, { "$ref": "#/components/parameters/record" } ],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Case" } } } },
        "responses": {
          "200": { "description": "the decision (any verdict); header X-Lexgate-Verdict", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Decision" } } } },
          "400": { "description": "bad case (code 65, with path) or bad parameter (code 64)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "413": { "$ref": "#/components/responses/TooLarge" }
        }
      }
    },
    "/v1/batch": {
      "post": {
        "summary": "Decide many cases; the answers keep the order of the cases",
        "parameters": [ { "$ref": "#/components/parameters/as_of" }, { "$ref": "#/components/parameters/locale" }, { "$ref": "#/components/parameters/record" } ],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Case" } } } } },
        "responses": {
          "200": { "description": "one entry per case: a decision, or an error with its index", "content": { "application/json": { "schema": { "type": "array", "items": { "oneOf": [ { "$ref": "#/components/schemas/Decision" }, { "$ref": "#/components/schemas/Error" } ] } } } } },
          "400": { "description": "the body is not a JSON array", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" },
          "413": { "$ref": "#/components/responses/TooLarge" }
        }
      }
    },
    "/v1/rulesets": {
      "get": {
        "summary": "The rulesets being served",
        "responses": {
          "200": { "description": "sorted by id", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Ruleset" } } } } },
          "401": { "$ref": "#/components/responses/Unauthorized" }
        }
      }
    },
    "/v1/openapi.json": {
      "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3", "content": { "application/json": { "schema": { "type": "object" } } } } } }
    },
    "/healthz": {
      "get": {
        "summary": "Liveness (no token needed)",
        "security": [],
        "responses": { "200": { "description": "serving", "content": { "application/json": { "schema": { "type": "object", "properties": { "status": { "type": "string" } } } } } } }
      }
    }
  }
}
)JSON";

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  size_t max_body = 1 << 20;
  int timeout = 10;  // seconds, read and write
  std::string state;  // SQLite file or postgresql:// URI; empty = no ledger
};

std::string ErrorBody(int code, const std::string& message, const std::string& path = "", int index = -1) {
  ordered_json e{{"code", code}};
  if (index >= 0) e["index"] = index;
  if (!path.empty()) e["path"] = path;
  e["message"] = message;
  return ordered_json{{"error", e}}.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

// One answer of /v1/check or one element of /v1/batch.
struct Answer {
  int http = 200;
  std::string body;     // the decision JSON, or an ErrorBody
  std::string verdict;  // when decided
  std::optional<bool> recorded;
};

// Decides a case against the ledger (serve --state): the same steps and output as `check --state`.
Answer DecideWithState(const Engine& engine, state::StorePool& pool, const std::string& body, const EvaluateOptions& opts,
                       bool record, int index = -1) {
  const ir::Program& prog = *Engine::Impl::Of(engine).load.program;
  auto error = [&](int http, int code, const std::string& message, const std::string& path = "") {
    return Answer{http, ErrorBody(code, message, path, index), "", std::nullopt};
  };
  eval::EvalOptions eo;
  if (!opts.as_of.empty()) {
    eo.as_of = ParseDate(opts.as_of);
    if (!eo.as_of) return error(400, ExitCode::kUsage, "as_of '" + opts.as_of + "' is not a valid date (YYYY-MM-DD)");
  }
  eval::CaseError err;
  auto kase = eval::ReadCase(prog, body, err);
  if (!kase) return error(400, ExitCode::kBadCase, err.message, err.path);
  if (record && kase->id.empty()) return error(400, ExitCode::kBadCase, "the case has no id; only cases with an id can be recorded", "$.id");
  state::Checked out;
  // A pooled connection the server dropped (restart, failover) fails once: the pool is emptied and the
  // case tried once more on a new connection. Safe: the failed transaction wrote nothing, or it committed
  // and the retry finds the case id recorded.
  for (int attempt = 0;; ++attempt) {
    auto store = pool.Take();
    if (!store.ok()) return error(503, ExitCode::kInternal, store.status.message);
    eval::Case c = *kase;
    state::Status s = store.value->Check(prog, c, eo, record, out);
    if (s.code == state::Code::Unavailable && attempt == 0) {
      pool.Clear();
      continue;
    }
    if (!s.ok()) {
      if (s.code == state::Code::BadCase) return error(400, ExitCode::kBadCase, s.message);
      return error(s.code == state::Code::Unavailable ? 503 : 500, ExitCode::kInternal, s.message);
    }
    pool.Give(std::move(store.value));
    break;
  }
  eval::RenderOptions ro;
  ro.locale = opts.locale.empty() ? "en" : opts.locale;
  ro.history_source = std::move(out.source);
  Answer a{200, eval::RenderJson(prog, out.decision, ro), eval::VerdictName(out.decision.verdict), std::nullopt};
  if (record) a.recorded = out.recorded;
  return a;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::array<unsigned char, 32> Sha256(const std::string& s) {
  std::array<unsigned char, 32> md{};
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md.data(), &len, EVP_sha256(), nullptr);
  return md;
}

// Constant time in the token's content: both sides are hashed first, so neither the length nor the
// position of the first difference shows in the timing.
bool TokenMatches(const std::array<unsigned char, 32>& want, const std::string& header) {
  static const std::string kBearer = "Bearer ";
  std::string got = header.rfind(kBearer, 0) == 0 ? header.substr(kBearer.size()) : std::string();
  auto md = Sha256(got);
  return CRYPTO_memcmp(md.data(), want.data(), md.size()) == 0 && !got.empty();
}

void PrintDiagnostics(const std::vector<Diagnostic>& diags) {
  for (const auto& d : diags) {
    const char* sev = d.severity == Severity::kError ? "error" : d.severity == Severity::kWarning ? "warning" : "note";
    std::cerr << (d.file.empty() ? "lexgate" : d.file) << ":" << d.line << ":" << d.column << ": " << sev << "["
              << d.code << "]: " << d.message << "\n";
  }
}

// Splits a top-level JSON array into the text of its elements, without interpreting them, so that each
// case is read by the same strict reader as /v1/check (duplicate keys, 64-bit numbers). Returns false
// when the text is not an array of balanced values.
bool SplitArray(const std::string& s, std::vector<std::string>& out) {
  size_t i = 0, n = s.size();
  auto ws = [&] { while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i; };
  ws();
  if (i >= n || s[i] != '[') return false;
  ++i;
  ws();
  if (i < n && s[i] == ']') {
    ++i;
    ws();
    return i == n;
  }
  while (i < n) {
    size_t start = i;
    int depth = 0;
    bool in_str = false;
    for (; i < n; ++i) {
      char c = s[i];
      if (in_str) {
        if (c == '\\') ++i;
        else if (c == '"') in_str = false;
        continue;
      }
      if (c == '"') in_str = true;
      else if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) break;
    }
    if (i >= n || in_str) return false;
    size_t end = i;
    while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\n' || s[end - 1] == '\r')) --end;
    if (end == start) return false;
    out.push_back(s.substr(start, end - start));
    if (s[i] == ']') {
      ++i;
      ws();
      return i == n;
    }
    ++i;  // ','
    ws();
  }
  return false;
}

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
  auto load = [&]() { return Engine::LoadInstalled(root, rules); };
  auto first = load();
  PrintDiagnostics(first.diagnostics());
  if (!first.ok()) {
    std::cerr << "lexgate: " << first.status().message() << "; not serving\n";
    return static_cast<int>(first.status().code());
  }
  std::atomic<std::shared_ptr<const Engine>> current(std::make_shared<const Engine>(std::move(first).value()));
  const std::string default_locale = LocaleOf(common);

  // Signals are handled by sigwait in this thread only: block them before any other thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server svr;
  svr.set_payload_max_length(o.max_body);
  svr.set_read_timeout(o.timeout, 0);
  svr.set_write_timeout(o.timeout, 0);
  svr.set_keep_alive_timeout(5);
  svr.set_tcp_nodelay(true);  // small JSON answers: no Nagle delay
  svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (!token || req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
    if (TokenMatches(*token, req.get_header_value("Authorization"))) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(ErrorBody(401, "missing or wrong bearer token"), "application/json");
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
  auto options_of = [&](const httplib::Request& req, EvaluateOptions& opts) {
    opts.as_of = req.has_param("as_of") ? req.get_param_value("as_of") : "";
    opts.locale = req.has_param("locale") ? req.get_param_value("locale") : default_locale;
  };
  // ?record=true|false (also 1|0); an error body when it is something else or there is no --state.
  auto record_of = [&](const httplib::Request& req, bool& record, std::string& error) {
    std::string v = req.has_param("record") ? req.get_param_value("record") : "false";
    if (v == "true" || v == "1") record = true;
    else if (v == "false" || v == "0") record = false;
    else error = ErrorBody(ExitCode::kUsage, "record '" + v + "' is not true or false");
    if (record && !pool) error = ErrorBody(ExitCode::kUsage, "record=true needs a ledger: run lexgate serve with --state");
    return error.empty();
  };
  auto status_http = [](StatusCode c) { return c == StatusCode::kInternal ? 500 : 400; };
  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}\n", "application/json");
  });
  svr.Get("/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kOpenApi, "application/json");
  });
  svr.Get("/v1/rulesets", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(current.load()->RulesetsJson(), "application/json");
  });
  svr.Post("/v1/check", [&](const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const Engine> engine = current.load();  // one snapshot for the whole request
    EvaluateOptions opts;
    options_of(req, opts);
    bool record = false;
    if (std::string bad; !record_of(req, record, bad)) {
      res.status = 400;
      res.set_content(bad, "application/json");
      return;
    }
    if (pool) {
      Answer a = DecideWithState(*engine, *pool, req.body, opts, record);
      res.status = a.http;
      if (!a.verdict.empty()) res.set_header("X-Lexgate-Verdict", a.verdict);
      if (a.recorded) res.set_header("X-Lexgate-Recorded", *a.recorded ? "true" : "false");
      res.set_content(a.body, "application/json");
      return;
    }
    auto r = engine->Evaluate(req.body, opts);
    if (!r.ok()) {
      res.status = status_http(r.status().code());
      res.set_content(ErrorBody(static_cast<int>(r.status().code()), r.status().message(), r.status().path()),
                      "application/json");
      return;
    }
    res.set_header("X-Lexgate-Verdict", VerdictName(r->verdict()));
    res.set_content(r->json(), "application/json");
  });
  svr.Post("/v1/batch", [&](const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const Engine> engine = current.load();
    EvaluateOptions opts;
    options_of(req, opts);
    bool record = false;
    if (std::string bad; !record_of(req, record, bad)) {
      res.status = 400;
      res.set_content(bad, "application/json");
      return;
    }
    std::vector<std::string> cases;
    if (!SplitArray(req.body, cases)) {
      res.status = 400;
      res.set_content(ErrorBody(ExitCode::kBadCase, "the body is not a JSON array of cases", "$"), "application/json");
      return;
    }
    std::string out = "[";
    for (size_t i = 0; i < cases.size(); ++i) {
      std::string one;
      if (pool) {
        one = DecideWithState(*engine, *pool, cases[i], opts, record, static_cast<int>(i)).body;
      } else {
        auto r = engine->Evaluate(cases[i], opts);
        one = r.ok() ? r->json()
                     : ErrorBody(static_cast<int>(r.status().code()), r.status().message(), r.status().path(),
                                 static_cast<int>(i));
      }
      if (!one.empty() && one.back() == '\n') one.pop_back();
      out += (i ? ",\n" : "\n") + one;
    }
    out += cases.empty() ? "]\n" : "\n]\n";
    res.set_content(out, "application/json");
  });

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

}  // namespace

Runner AddServeCommand(CLI::App& app, Common& common) {
  auto o = std::make_shared<ServeOptions>();
  auto* sub = app.add_subcommand("serve", HelpText("serve"));
  sub->footer(
      "Example:\n  lexgate serve --listen 127.0.0.1:8080 --token-file /etc/lexgate/token\n"
      "  curl -H 'Authorization: Bearer …' --data-binary @examples/cn-transfer-120k-scc.json "
      "http://127.0.0.1:8080/v1/check\n"
      "  lexgate serve --state 'postgresql://lexgate@db.example/lexgate'   (POST /v1/check?record=true records)\n\n"
      "Signals: SIGTERM/SIGINT finish requests in flight and exit 0; SIGHUP reloads the rules (refused, with\n"
      "diagnostics on stderr, if they have errors). The OpenAPI document is at /v1/openapi.json.\n");
  sub->add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  sub->add_option("--token-file", o->token_file, "file holding the bearer token every request but /healthz must carry");
  sub->add_option("--max-body", o->max_body, "largest request body in bytes (default 1048576; larger gets 413)")
      ->check(CLI::Range(static_cast<size_t>(1), static_cast<size_t>(1) << 31));
  sub->add_option("--timeout", o->timeout, "socket read/write timeout in seconds (default 10)")->check(CLI::Range(1, 3600));
  sub->add_option("--state", o->state,
                  "state file (SQLite) or postgresql://… URI: unknown history comes from its ledger; ?record=true records. "
                  "Several servers can share one PostgreSQL ledger");
  AddCommonOptions(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? Serve(common, *o) : -1; };
}

}  // namespace lexgate::cli
