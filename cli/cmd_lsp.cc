// lexgate lsp: a Language Server over stdio (JSON-RPC 2.0, Content-Length framing). It keeps the text of
// the open documents, checks them together with the rest of their workspace on every change (the open
// text wins over the file on disk) and answers hover and go-to-definition from the engine's name index
// (engine/src/lsp). Bad messages get a JSON-RPC error; nothing the client sends ends the server but `exit`
// or the end of its input.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common.h"
#include "i18n/localizer.h"
#include "lsp/index.h"

namespace lexgate::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kServerNotInitialized = -32002;
constexpr size_t kMaxMessage = 64u << 20;  // bytes

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : p.string();
}

// file:// URIs ↔ paths (RFC 3986 percent-encoding of the UTF-8 bytes).
std::optional<std::string> UriToPath(const std::string& uri) {
  const std::string scheme = "file://";
  if (uri.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  std::string rest = uri.substr(scheme.size());
  if (rest.empty() || rest[0] != '/') {  // file://host/path: only the local host
    auto slash = rest.find('/');
    if (slash == std::string::npos || rest.compare(0, slash, "localhost") != 0) return std::nullopt;
    rest = rest.substr(slash);
  }
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && std::isxdigit(static_cast<unsigned char>(rest[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(rest[i + 2]))) {
      out += static_cast<char>(std::stoi(rest.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += rest[i];
    }
  }
  return out;
}

std::string PathToUri(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Json Range(std::string_view text, const Span& s) {
  auto a = lsp::ToPosition(text, s.begin);
  auto b = lsp::ToPosition(text, std::max(s.begin, s.end));
  return {{"start", {{"line", a.line}, {"character", a.character}}},
          {"end", {{"line", b.line}, {"character", b.character}}}};
}

struct Doc {
  std::string uri;
  std::string text;
};

class Server {
 public:
  explicit Server(const Common& c) : common_(c), loc_(LocaleOf(c)) {}

  int Run() {
    for (;;) {
      std::string body;
      int r = ReadMessage(body);
      if (r < 0) return shutdown_ ? 0 : 1;  // end of input without `exit`
      if (r == 0) continue;                   // framing error, already answered
      Json msg = Json::parse(body, nullptr, false);
      if (msg.is_discarded()) {
        Error(nullptr, kParseError, "the message is not valid JSON");
        continue;
      }
      if (msg.is_array()) {  // LSP does not use batches
        Error(nullptr, kInvalidRequest, "batch requests are not supported");
        continue;
      }
      if (!msg.is_object() || !msg.contains("method") || !msg["method"].is_string()) {
        Json id = msg.is_object() && msg.contains("id") ? msg["id"] : Json(nullptr);
        if (msg.is_object() && (msg.contains("result") || msg.contains("error"))) continue;  // a response to us
        Error(id, kInvalidRequest, "a JSON-RPC request needs a string 'method'");
        continue;
      }
      std::string method = msg["method"];
      bool request = msg.contains("id");
      Json id = request ? msg["id"] : Json(nullptr);
      if (request && !(id.is_number_integer() || id.is_string())) {
        Error(nullptr, kInvalidRequest, "the id must be a number or a string");
        continue;
      }
      Json params = msg.contains("params") ? msg["params"] : Json::object();
      if (method == "exit") return shutdown_ ? 0 : 1;
      try {
        if (request) Request(id, method, params);
        else Notification(method, params);
      } catch (const std::exception& e) {  // missing or mistyped params
        if (request) Error(id, kInvalidParams, std::string("invalid params: ") + e.what());
      }
    }
  }

 private:
  // -1: end of input; 0: a framing error (answered); 1: a message in `body`.
  int ReadMessage(std::string& body) {
    std::string line;
    long long length = -1;
    bool header = false, complete = false;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (!header) continue;  // stray blank lines between messages
        complete = true;
        break;
      }
      header = true;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (name == "content-length") {
        try {
          size_t used = 0;
          std::string v = line.substr(colon + 1);
          length = std::stoll(v, &used);
          if (v.find_first_not_of(" \t", used) != std::string::npos) length = -1;
        } catch (const std::exception&) {
          length = -1;
        }
      }
    }
    if (!complete) return -1;
    if (length < 0) {
      Error(nullptr, kParseError, "missing or invalid Content-Length header");
      return 0;
    }
    if (static_cast<size_t>(length) > kMaxMessage) {
      std::cin.ignore(length);
      Error(nullptr, kParseError, "message larger than 64 MiB");
      return std::cin ? 0 : -1;
    }
    body.resize(static_cast<size_t>(length));
    std::cin.read(body.data(), length);
    if (std::cin.gcount() != length) return -1;
    return 1;
  }

  void Send(const Json& msg) {
    std::string s = msg.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::cout << "Content-Length: " << s.size() << "\r\n\r\n" << s;
    std::cout.flush();
  }
  void Reply(const Json& id, const Json& result) { Send({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}); }
  void Error(const Json& id, int code, const std::string& message) {
    Send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void Notify(const std::string& method, const Json& params) {
    Send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }

  void Request(const Json& id, const std::string& method, const Json& params) {
    if (method == "initialize") {
      Initialize(params);
      initialized_ = true;
      Reply(id, {{"capabilities",
                  {{"textDocumentSync", {{"openClose", true}, {"change", 1}}},
                   {"hoverProvider", true},
                   {"definitionProvider", true}}},
                 {"serverInfo", {{"name", "lexgate"}, {"version", "0.1.0"}}}});
      return;
    }
    if (!initialized_) return Error(id, kServerNotInitialized, "the server is not initialized");
    if (shutdown_) return Error(id, kInvalidRequest, "the server is shutting down");
    if (method == "shutdown") {
      shutdown_ = true;
      return Reply(id, nullptr);
    }
    if (method == "textDocument/hover") return Reply(id, Hover(params));
    if (method == "textDocument/definition") return Reply(id, Definition(params));
    Error(id, kMethodNotFound, "unknown method '" + method + "'");
  }

  void Notification(const std::string& method, const Json& params) {
    if (!initialized_ || shutdown_) return;
    if (method == "textDocument/didOpen") {
      const Json& td = params.at("textDocument");
      Open(td.at("uri").get<std::string>(), td.at("text").get<std::string>());
    } else if (method == "textDocument/didChange") {
      std::string uri = params.at("textDocument").at("uri");
      const Json& changes = params.at("contentChanges");
      if (!changes.is_array() || changes.empty()) return;
      Open(uri, changes.back().at("text").get<std::string>());  // full sync: the last change is the text
    } else if (method == "textDocument/didClose") {
      std::string uri = params.at("textDocument").at("uri");
      for (auto it = docs_.begin(); it != docs_.end(); ++it)
        if (it->second.uri == uri) {
          docs_.erase(it);
          Notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", Json::array()}});
          Analyze();
          break;
        }
    }
    // initialized, didSave, $/… and any other notification: nothing to do
  }

  void Initialize(const Json& params) {
    roots_.clear();
    if (params.contains("workspaceFolders") && params["workspaceFolders"].is_array()) {
      for (const auto& f : params["workspaceFolders"])
        if (f.contains("uri") && f["uri"].is_string())
          if (auto p = UriToPath(f["uri"])) roots_.push_back(Canonical(*p));
    }
    if (roots_.empty() && params.contains("rootUri") && params["rootUri"].is_string())
      if (auto p = UriToPath(params["rootUri"])) roots_.push_back(Canonical(*p));
    if (roots_.empty() && params.contains("rootPath") && params["rootPath"].is_string())
      roots_.push_back(Canonical(params["rootPath"]));
  }

  void Open(const std::string& uri, std::string text) {
    auto path = UriToPath(uri);
    std::string key = path ? Canonical(*path) : uri;  // a non-file document (untitled:) is checked too
    docs_[key] = Doc{uri, std::move(text)};
    Analyze();
  }

  // The .gate files of the project: --rules if given; else each workspace folder (a lexgate tree — one
  // with rulesets/schema.gate — brings its own jurisdictions/ and rulesets/, any other folder is read
  // with the shipped jurisdictions and schema); else the shipped rules. Then the open documents.
  std::vector<std::string> ProjectPaths() const {
    std::string home = ShippedRoot();
    std::vector<std::string> shipped_base = {home + "/jurisdictions", home + "/rulesets/schema.gate"};
    std::vector<std::string> paths;
    if (!common_.rules.empty()) {
      paths = shipped_base;
      paths.insert(paths.end(), common_.rules.begin(), common_.rules.end());
      return paths;
    }
    if (roots_.empty()) {
      paths = shipped_base;
      paths.push_back(home + "/rulesets");
      return paths;
    }
    bool need_base = false;
    for (const auto& r : roots_) {
      std::error_code ec;
      if (fs::exists(fs::path(r) / "rulesets" / "schema.gate", ec)) {
        paths.push_back(r + "/jurisdictions");
        paths.push_back(r + "/rulesets");
      } else {
        need_base = true;
        paths.push_back(r);
      }
    }
    if (need_base) paths.insert(paths.begin(), shipped_base.begin(), shipped_base.end());
    return paths;
  }

  void Analyze() {
    std::vector<std::pair<std::string, std::string>> sources;
    std::set<std::string> seen;
    for (const auto& p : ProjectPaths()) {
      std::string err;
      for (const auto& f : GateFiles({p}, err)) {
        std::string c = Canonical(f);
        if (!seen.insert(c).second) continue;
        auto open = docs_.find(c);
        if (open != docs_.end()) {
          sources.emplace_back(c, open->second.text);
          continue;
        }
        std::ifstream in(c, std::ios::binary);
        if (!in) continue;  // vanished since it was listed
        std::stringstream ss;
        ss << in.rdbuf();
        sources.emplace_back(c, ss.str());
      }
    }
    for (const auto& [path, doc] : docs_)
      if (seen.insert(path).second) sources.emplace_back(path, doc.text);
    ws_ = lsp::Workspace::Analyze(sources);
    Publish();
  }

  void Publish() {
    for (const auto& [path, doc] : docs_) {
      uint32_t file = ws_->FileId(path);
      Json list = Json::array();
      for (const auto& d : ws_->diagnostics()) {
        if (d.span.file != file && d.span.file != 0) continue;
        Json item;
        item["range"] = d.span.file == 0 ? Range("", Span{}) : Range(doc.text, d.span);
        item["severity"] = d.severity == diag::Severity::Error ? 1 : d.severity == diag::Severity::Warning ? 2 : 3;
        item["code"] = diag::CodeName(d.code);
        item["source"] = "lexgate";
        std::string message = d.Message(loc_);
        if (!d.help.empty()) message += "\n" + d.help;
        item["message"] = message;
        Json related = Json::array();
        for (const auto& n : d.notes) {
          if (!n.span.valid() || n.span.file == 0 || n.span.file >= ws_->sources().size()) continue;
          const auto& sf = ws_->sources().Get(n.span.file);
          related.push_back({{"location", {{"uri", UriOf(sf.path)}, {"range", Range(sf.text, n.span)}}},
                             {"message", n.message}});
        }
        if (!related.empty()) item["relatedInformation"] = related;
        list.push_back(item);
      }
      Notify("textDocument/publishDiagnostics", {{"uri", doc.uri}, {"diagnostics", list}});
    }
  }

  std::string UriOf(const std::string& path) const {
    auto it = docs_.find(path);
    return it != docs_.end() ? it->second.uri : PathToUri(path);
  }

  // The name under the cursor of a textDocument/position request, or null.
  const lsp::Occurrence* At(const Json& params) {
    if (!ws_) Analyze();
    auto path = UriToPath(params.at("textDocument").at("uri").get<std::string>());
    std::string key = path ? Canonical(*path) : params["textDocument"]["uri"].get<std::string>();
    uint32_t file = ws_->FileId(key);
    if (file == 0) return nullptr;
    const Json& pos = params.at("position");
    lsp::Position p{pos.at("line").get<uint32_t>(), pos.at("character").get<uint32_t>()};
    return ws_->At(file, lsp::ToByte(ws_->sources().Get(file).text, p));
  }

  Json Hover(const Json& params) {
    const lsp::Occurrence* o = At(params);
    if (!o) return nullptr;
    const auto& sym = ws_->symbols()[o->symbol];
    return {{"contents", {{"kind", "markdown"}, {"value", ws_->Hover(sym, loc_)}}},
            {"range", Range(ws_->sources().Get(o->span.file).text, o->span)}};
  }

  Json Definition(const Json& params) {
    const lsp::Occurrence* o = At(params);
    if (!o) return nullptr;
    const auto& sym = ws_->symbols()[o->symbol];
    const auto& sf = ws_->sources().Get(sym.name.file);
    return {{"uri", UriOf(sf.path)}, {"range", Range(sf.text, sym.name)}};
  }

  const Common& common_;
  i18n::Localizer loc_;
  std::vector<std::string> roots_;
  std::map<std::string, Doc> docs_;  // canonical path → open document
  std::unique_ptr<lsp::Workspace> ws_;
  bool initialized_ = false, shutdown_ = false;
};

}  // namespace

Runner AddLspCommand(CLI::App& app, Common& common) {
  auto* sub = app.add_subcommand("lsp", HelpText("lsp"));
  sub->add_option("--rules", common.rules,
                  "rules directory or file (repeatable); default: the workspace folders, else the shipped rulesets");
  sub->add_option("--locale", common.locale, "locale for diagnostics and hover text (default: LC_ALL/LANG)");
  sub->footer("Example:\n  lexgate lsp --stdio   (started by an editor; see \"Editor support\" in the README)\n");
  auto stdio = std::make_shared<bool>(false);
  sub->add_flag("--stdio", *stdio, "talk over standard input and output (the default and only transport)");
  return [sub, stdio, &common]() {
    if (!sub->parsed()) return -1;
    std::ios::sync_with_stdio(false);
    Server server(common);
    return server.Run();
  };
}

}  // namespace lexgate::cli
