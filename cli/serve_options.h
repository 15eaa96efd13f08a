// `lexgate serve` in two programs. The server (cmd_serve.cc) is the only part of the command line that
// needs cpp-httplib, and loading that library with its OpenSSL, zlib and brotli dependencies cost every
// lexgate run ~4.5 ms of process start (bench/README.md, "process start"). So the server is its own
// executable, lexgate-serve, next to lexgate in the build tree and in libexec/lexgate once installed:
// `lexgate serve …` parses and checks its options here (--help and usage errors are answered by lexgate
// itself), then replaces itself with lexgate-serve and the same arguments (execv: same process id, so
// signals sent to it reach the server). Both programs register the options with AddServeOptions.
#pragma once
#include <string>

#include "common.h"

namespace lexgate::cli {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  size_t max_body = 1 << 20;
  int timeout = 10;  // seconds, read and write
  size_t max_connections = 64;
  std::string state;  // SQLite file or postgresql:// URI; empty = no ledger
};

// Adds the `serve` subcommand with its options to `app`.
CLI::App* AddServeOptions(CLI::App& app, Common& common, ServeOptions& o);
// Runs the server (cmd_serve.cc; only in lexgate-serve).
int Serve(const Common& common, const ServeOptions& o);
// `lexgate serve`: the arguments lexgate was started with, passed on to lexgate-serve.
Runner AddServeCommand(CLI::App& app, Common& common, char** argv);

}  // namespace lexgate::cli
