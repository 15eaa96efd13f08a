// lexgate command line. Each subcommand lives in its own cmd_<name>.cc and is registered here; errors go
// to stderr, results to stdout, and every path ends in a code from exit_codes.h.
#include <openssl/crypto.h>

#include "common.h"
#include "serve_options.h"

int main(int argc, char** argv) {
  using namespace lexgate::cli;
  // lexgate uses OpenSSL for SHA-256 only (source and cache-key hashes, the serve token; no TLS). Not
  // reading the system's openssl.cnf nor building the legacy cipher and digest name tables saves
  // ~0.7 ms of every cold `lexgate check` (issue 12). The engine library leaves this to its embedder.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
                      nullptr);
  CLI::App app{HelpText("app")};
  app.footer(kExitCodeHelp);
  app.require_subcommand(1);
  app.set_version_flag("--version", "lexgate 0.1.0");
  Common common;
  // Registration order is the order of `lexgate --help`.
  std::vector<Runner> commands = {
      AddCheckCommand(app, common),
      AddBatchCommand(app, common),
      AddTestCommand(app, common),
      AddDeadlineCommand(app, common),
      AddJurisdictionsCommand(app, common),
      AddServeCommand(app, common, argv),
      AddDueCommand(app, common),
      AddDoneCommand(app, common),
      AddAuditCommand(app, common),
      AddLspCommand(app, common),
      AddExplainCommand(app, common),
      AddAskCommand(app, common),
      AddFmtCommand(app, common),
      AddLintCommand(app, common),
  };
  return RunCommands(app, argc, argv, commands);
}
