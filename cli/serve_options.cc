#include "serve_options.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

namespace lexgate::cli {

CLI::App* AddServeOptions(CLI::App& app, Common& common, ServeOptions& o) {
  auto* sub = app.add_subcommand("serve", HelpText("serve"));
  sub->footer(
      "Example:\n  lexgate serve --listen 127.0.0.1:8080 --token-file /etc/lexgate/token\n"
      "  curl -H 'Authorization: Bearer …' --data-binary @examples/cn-transfer-120k-scc.json "
      "http://127.0.0.1:8080/v1/check\n"
      "  lexgate serve --state 'postgresql://lexgate@db.example/lexgate'   (POST /v1/check?record=true records)\n\n"
      "Signals: SIGTERM/SIGINT finish requests in flight and exit 0; SIGHUP reloads the rules (refused, with\n"
      "diagnostics on stderr, if they have errors). The OpenAPI document is at /v1/openapi.json.\n");
  sub->add_option("--listen", o.listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  sub->add_option("--token-file", o.token_file, "file holding the bearer token every request but /healthz must carry");
  sub->add_option("--max-body", o.max_body, "largest request body in bytes (default 1048576; larger gets 413)")
      ->check(CLI::Range(static_cast<size_t>(1), static_cast<size_t>(1) << 31));
  sub->add_option("--max-connections", o.max_connections,
                  "connections held at once, served or waiting (default 64; 8 are served at a time); more clients wait in the listen backlog")
      ->check(CLI::Range(static_cast<size_t>(1), static_cast<size_t>(4096)));
  sub->add_option("--timeout", o.timeout, "socket read/write timeout in seconds (default 10)")->check(CLI::Range(1, 3600));
  sub->add_option("--state", o.state,
                  "state file (SQLite) or postgresql://… URI: unknown history comes from its ledger; ?record=true records. "
                  "Several servers can share one PostgreSQL ledger");
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return sub;
}

namespace {

// lexgate-serve beside this program (the build tree, or a bin/ it was installed in with it), else where
// `make install` put it relative to bin/ (LEXGATE_LIBEXEC_FROM_BIN, set by CMake).
std::filesystem::path ServerProgram() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};  // never a bare name: execv would take it relative to the working directory
  const std::filesystem::path dir = self.parent_path();
  for (const auto& p : {dir / "lexgate-serve", dir / LEXGATE_LIBEXEC_FROM_BIN / "lexgate-serve"})
    if (access(p.c_str(), X_OK) == 0) return p;
  return dir / LEXGATE_LIBEXEC_FROM_BIN / "lexgate-serve";
}

}  // namespace

Runner AddServeCommand(CLI::App& app, Common& common, char** argv) {
  auto o = std::make_shared<ServeOptions>();
  auto* sub = AddServeOptions(app, common, *o);
  return [sub, o, argv]() {
    if (!sub->parsed()) return -1;
    const std::filesystem::path server = ServerProgram();
    if (server.empty()) {
      std::cerr << "lexgate: cannot find the server program lexgate-serve: /proc/self/exe is not readable\n";
      return static_cast<int>(ExitCode::kInternal);
    }
    std::cout.flush();
    std::cerr.flush();
    execv(server.c_str(), argv);
    std::cerr << "lexgate: cannot start the server program " << server.string() << ": " << std::strerror(errno)
              << " (it is built and installed with lexgate)\n";
    return static_cast<int>(ExitCode::kInternal);
  };
}

}  // namespace lexgate::cli
