// Fuzz target: the HTTP API of `lexgate serve` (Authorize + Route, serve_handler.cc), without sockets.
// Input: "METHOD PATH[?k=v&…]\nAUTHORIZATION\nBODY…". The server requires the token "t0ken".
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "serve_handler.h"

using namespace lexgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Engine engine = [] {
    auto e = Engine::LoadInstalled(fuzz::Root());
    if (!e.ok()) std::abort();
    return std::move(e).value();
  }();
  static const cli::ServeConfig cfg = [] {
    cli::ServeConfig c;
    c.token = cli::Sha256("t0ken");
    return c;
  }();
  std::string in(reinterpret_cast<const char*>(data), size);
  cli::HttpRequest req;
  size_t nl = in.find('\n');
  std::string first = in.substr(0, nl);
  std::string rest = nl == std::string::npos ? "" : in.substr(nl + 1);
  size_t nl2 = rest.find('\n');
  req.authorization = rest.substr(0, nl2);
  req.body = nl2 == std::string::npos ? "" : rest.substr(nl2 + 1);
  size_t sp = first.find(' ');
  req.method = first.substr(0, sp);
  std::string target = sp == std::string::npos ? "/" : first.substr(sp + 1);
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      size_t eq = kv.find('=');
      req.params.emplace(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  cli::HttpResponse res = cli::HandleRequest(engine, cfg, req);
  if (res.status < 200 || res.status > 599 || res.body.empty()) __builtin_trap();
  // Without the token nothing but /healthz is answered.
  if (req.authorization != "Bearer t0ken" && req.path != "/healthz" && res.status != 401) __builtin_trap();
  return 0;
}
