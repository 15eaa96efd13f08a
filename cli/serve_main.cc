// lexgate-serve: the server `lexgate serve` hands over to (serve_options.h explains why it is a program
// of its own). Started by lexgate with lexgate's own arguments, `serve …` included, so it parses them
// with the same options; run by hand, it takes the same command line.
#include "serve_options.h"

using namespace lexgate::cli;

int main(int argc, char** argv) {
  CLI::App app{HelpText("app")};
  app.footer(kExitCodeHelp);
  app.require_subcommand(1);
  Common common;
  ServeOptions o;
  AddServeOptions(app, common, o);
  return RunCommands(app, argc, argv, {[&] { return Serve(common, o); }});
}
