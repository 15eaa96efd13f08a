// The state file as the commands use it (check --state/--record, due, done, audit): opening, filling a
// case's history from the ledger, recording a decision, and turning a state::Status into a message on
// stderr and an exit code (66 not found, 65 a case that cannot be recorded, 70 everything else: read-only
// file, full disk, corruption, a file that is not ours or is newer, a PostgreSQL server that cannot be
// reached).
#pragma once
#include <iostream>
#include <memory>
#include <string>

#include "eval/render.h"
#include "exit_codes.h"
#include "state/state.h"

namespace lexgate::cli {

inline int StateExit(const state::Status& s) {
  std::cerr << "lexgate: " << s.message << "\n";
  switch (s.code) {
    case state::Code::Ok: return 0;
    case state::Code::NotFound: return ExitCode::kNotFound;
    case state::Code::BadCase: return ExitCode::kBadCase;
    default: return ExitCode::kInternal;
  }
}

// Decides a case against the state (a file, or a postgresql:// URI): opens it (read-write when
// recording), fills the case's unknown history from the ledger, evaluates and, with record, records it —
// the reading and the recording in one transaction. Returns 0 or an exit code (the message printed).
inline int CheckWithState(const std::string& location, bool record, const ir::Program& prog, eval::Case& c,
                          const eval::EvalOptions& eo, eval::Decision& d, eval::RenderOptions& ro) {
  if (record && c.id.empty()) {
    std::cerr << "lexgate: --record: the case has no id; only cases with an id can be recorded\n";
    return ExitCode::kBadCase;
  }
  auto opened = state::Store::Open(location, record ? state::OpenMode::ReadWrite : state::OpenMode::ReadOnly);
  if (!opened.ok()) return StateExit(opened.status);
  state::Checked out;
  if (auto s = opened.value->Check(prog, c, eo, record, out); !s.ok()) return StateExit(s);
  if (record && !out.recorded) std::cerr << "lexgate: case '" << c.id << "' was already recorded; nothing written\n";
  d = std::move(out.decision);
  ro.history_source = std::move(out.source);
  return 0;
}

}  // namespace lexgate::cli
