// The HTTP API of `lexgate serve` without sockets (see serve_handler.h).
#include "serve_handler.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "api/engine_impl.h"
#include "base/date.h"
#include "eval/render.h"
#include "exit_codes.h"
#include "state/state.h"

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

}  // namespace

std::string ErrorBody(int code, const std::string& message, const std::string& path, int index) {
  ordered_json e{{"code", code}};
  if (index >= 0) e["index"] = index;
  if (!path.empty()) e["path"] = path;
  e["message"] = message;
  return ordered_json{{"error", e}}.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
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

std::optional<HttpResponse> Authorize(const ServeConfig& cfg, const HttpRequest& req) {
  if (!cfg.token || req.path == "/healthz" || TokenMatches(*cfg.token, req.authorization)) return std::nullopt;
  HttpResponse res;
  res.status = 401;
  res.headers.emplace_back("WWW-Authenticate", "Bearer");
  res.body = ErrorBody(401, "missing or wrong bearer token");
  return res;
}

namespace {

std::string Param(const HttpRequest& req, const std::string& name, const std::string& dflt) {
  auto it = req.params.find(name);
  return it == req.params.end() ? dflt : it->second;
}

int StatusHttp(StatusCode c) { return c == StatusCode::kInternal ? 500 : 400; }

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

}  // namespace

HttpResponse Route(const Engine& engine, const ServeConfig& cfg, const HttpRequest& req) {
  HttpResponse res;
  const bool get = req.method == "GET" || req.method == "HEAD", post = req.method == "POST";
  auto wrong_method = [&]() {
    res.status = 405;
    res.body = ErrorBody(405, "method not allowed");
    return res;
  };
  if (req.path == "/healthz" || req.path == "/v1/openapi.json" || req.path == "/v1/rulesets") {
    if (!get) return wrong_method();
    res.body = req.path == "/healthz" ? std::string("{\"status\":\"ok\"}\n")
               : req.path == "/v1/openapi.json" ? std::string(kOpenApi)
                                                 : engine.RulesetsJson();
    return res;
  }
  if (req.path != "/v1/check" && req.path != "/v1/batch") {
    res.status = 404;
    res.body = ErrorBody(404, "no such route");
    return res;
  }
  if (!post) return wrong_method();
  EvaluateOptions opts;
  opts.as_of = Param(req, "as_of", "");
  opts.locale = Param(req, "locale", cfg.default_locale);
  // ?record=true|false (also 1|0), only with a ledger.
  bool record = false;
  {
    const std::string v = Param(req, "record", "false");
    std::string bad;
    if (v == "true" || v == "1") record = true;
    else if (v != "false" && v != "0") bad = "record '" + v + "' is not true or false";
    if (record && !cfg.pool) bad = "record=true needs a ledger: run lexgate serve with --state";
    if (!bad.empty()) {
      res.status = 400;
      res.body = ErrorBody(ExitCode::kUsage, bad);
      return res;
    }
  }
  if (req.path == "/v1/check" && cfg.pool) {
    Answer a = DecideWithState(engine, *cfg.pool, req.body, opts, record);
    res.status = a.http;
    if (!a.verdict.empty()) res.headers.emplace_back("X-Lexgate-Verdict", a.verdict);
    if (a.recorded) res.headers.emplace_back("X-Lexgate-Recorded", *a.recorded ? "true" : "false");
    res.body = std::move(a.body);
    return res;
  }
  if (req.path == "/v1/check") {
    auto r = engine.Evaluate(req.body, opts);
    if (!r.ok()) {
      res.status = StatusHttp(r.status().code());
      res.body = ErrorBody(static_cast<int>(r.status().code()), r.status().message(), r.status().path());
      return res;
    }
    res.headers.emplace_back("X-Lexgate-Verdict", VerdictName(r->verdict()));
    res.body = r->json();
    return res;
  }
  std::vector<std::string> cases;
  if (!SplitArray(req.body, cases)) {
    res.status = 400;
    res.body = ErrorBody(ExitCode::kBadCase, "the body is not a JSON array of cases", "$");
    return res;
  }
  std::string out = "[";
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string one;
    if (cfg.pool) {
      one = DecideWithState(engine, *cfg.pool, cases[i], opts, record, static_cast<int>(i)).body;
    } else {
      auto r = engine.Evaluate(cases[i], opts);
      one = r.ok() ? r->json()
                   : ErrorBody(static_cast<int>(r.status().code()), r.status().message(), r.status().path(),
                               static_cast<int>(i));
    }
    if (!one.empty() && one.back() == '\n') one.pop_back();
    out += (i ? ",\n" : "\n") + one;
  }
  out += cases.empty() ? "]\n" : "\n]\n";
  res.body = std::move(out);
  return res;
}

HttpResponse HandleRequest(const Engine& engine, const ServeConfig& cfg, const HttpRequest& req) {
  if (auto denied = Authorize(cfg, req)) return *denied;
  return Route(engine, cfg, req);
}

}  // namespace lexgate::cli
