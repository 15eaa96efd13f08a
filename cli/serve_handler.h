// The HTTP API of `lexgate serve` as plain functions, without sockets: cmd_serve.cc wires them into
// cpp-httplib, and the fuzzer (fuzz/fuzz_serve.cc) and tests call them with synthetic requests.
#pragma once
#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lexgate/lexgate.hpp"

namespace lexgate::state {
class StorePool;
}

namespace lexgate::cli {

struct HttpRequest {
  std::string method;  // GET, POST, …
  std::string path;    // /v1/check
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::string authorization;                       // the Authorization header, or ""
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct ServeConfig {
  std::optional<std::array<unsigned char, 32>> token;  // SHA-256 of the bearer token, if one is required
  std::string default_locale = "en";
  // With --state: unknown history figures come from this ledger and ?record=true records (serve --state).
  state::StorePool* pool = nullptr;
};

std::array<unsigned char, 32> Sha256(const std::string& s);
// Constant time in the token's content (both sides hashed, CRYPTO_memcmp).
bool TokenMatches(const std::array<unsigned char, 32>& want, const std::string& authorization_header);
// {"error":{"code":…,"index"?:…,"path"?:…,"message":…}}
std::string ErrorBody(int code, const std::string& message, const std::string& path = "", int index = -1);
// Splits a top-level JSON array into the text of its elements; false when it is not one.
bool SplitArray(const std::string& s, std::vector<std::string>& out);
// The 401 answer when a token is required and the request lacks it (every path but /healthz).
std::optional<HttpResponse> Authorize(const ServeConfig& cfg, const HttpRequest& req);
// Routes one (authorised) request: /healthz, /v1/openapi.json, /v1/rulesets, /v1/check, /v1/batch;
// 404 for an unknown path, 405 for a known path with the wrong method.
HttpResponse Route(const Engine& engine, const ServeConfig& cfg, const HttpRequest& req);
// Authorize, then Route: what the server does with a request whose body it has read.
HttpResponse HandleRequest(const Engine& engine, const ServeConfig& cfg, const HttpRequest& req);

}  // namespace lexgate::cli
