// The state file as the commands use it (check --state/--record, due, done, audit): opening, filling a
// case's history from the ledger, recording a decision, and turning a state::Status into a message on
// stderr and an exit code (66 not found, 65 a case that cannot be recorded, 70 everything else: read-only
// file, full disk, corruption, a file that is not ours or is newer).
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

// Opens the state for `check` (read-write when recording) and fills the case's unknown history from the
// ledger. Returns 0 or an exit code (the message already printed).
inline int PrepareState(const std::string& path, bool record, const ir::Program& prog, eval::Case& c,
                        std::unique_ptr<state::Store>& store, eval::RenderOptions& ro) {
  if (record && c.id.empty()) {
    std::cerr << "lexgate: --record: the case has no id; only cases with an id can be recorded\n";
    return ExitCode::kBadCase;
  }
  auto opened = state::Store::Open(path, record ? state::OpenMode::ReadWrite : state::OpenMode::ReadOnly);
  if (!opened.ok()) return StateExit(opened.status);
  store = std::move(opened.value);
  if (auto s = store->FillHistory(prog, c, ro.history_source); !s.ok()) return StateExit(s);
  return 0;
}

// Records an evaluated case (one transaction). The audit log keeps the decision as JSON in English.
inline int RecordState(state::Store& store, const ir::Program& prog, const eval::Case& c, const eval::Decision& d,
                       const eval::RenderOptions& ro) {
  eval::RenderOptions en = ro;
  en.locale = "en";
  en.color = false;
  bool recorded = false;
  if (auto s = store.Record(prog, c, d, eval::RenderJson(prog, d, en), recorded); !s.ok()) return StateExit(s);
  if (!recorded) std::cerr << "lexgate: case '" << c.id << "' was already recorded; nothing written\n";
  return 0;
}

}  // namespace lexgate::cli
