// The state module: migrations, refusing newer or foreign files, idempotent recording, the ledger's
// windows, the audit chain's tamper detection, a process killed with SIGKILL while recording, and
// several writer processes recording overlapping cases at once.
//
// The same tests run against both drivers: SQLite files by default, PostgreSQL databases when
// LEXGATE_TEST_PG_HOST (the server's socket directory), LEXGATE_TEST_PG_PORT and LEXGATE_TEST_PG_USER
// are set (tests/state/state_pg.sh starts a throwaway server and sets them); each test then gets a
// database of its own, dropped at the end.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine.h"
#include "eval/render.h"
#include "state/state.h"

using namespace lexgate;
namespace fs = std::filesystem;

namespace {

const ir::Program& Prog() {
  static LoadResult r = LoadRules({std::string(LEXGATE_TEST_ROOT) + "/jurisdictions", std::string(LEXGATE_TEST_ROOT) + "/rulesets"});
  EXPECT_TRUE(r.program) << r.error;
  return *r.program;
}

eval::Case MakeCase(const std::string& id, const std::string& date, int64_t personal, const std::string& exporter = "Acme Beijing Ltd",
                    const std::string& history = "", int64_t sensitive = 1) {
  std::string text = R"({"id": ")" + id + R"(", "kind": "transfer", "date": ")" + date + R"(",
    "exporter": {"name": ")" + exporter + R"(", "jurisdiction": "CN-BJ", "ciio": false, "in_ftz": false},
    "recipient": {"name": "Acme GmbH", "jurisdiction": "DE", "role": "controller"},
    "data": {"subjects": {"personal": )" + std::to_string(personal) + R"(, "sensitive_personal": )" + std::to_string(sensitive) + R"(}, "important": false, "core": false,
      "collected_abroad_returned": false, "domestic_data_added": false},
    "purpose": "other", "mechanism": "remote_access", "transaction": "intra_group", "safeguards": [])" + history + "}";
  eval::CaseError err;
  auto c = eval::ReadCase(Prog(), text, err);
  EXPECT_TRUE(c) << err.path << ": " << err.message;
  return c ? *c : eval::Case{};
}

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

bool Pg() { return Env("LEXGATE_TEST_PG_HOST") != nullptr; }

std::string PgUri(const std::string& db) {
  return "postgresql:///" + db + "?host=" + Env("LEXGATE_TEST_PG_HOST") + "&port=" + (Env("LEXGATE_TEST_PG_PORT") ? Env("LEXGATE_TEST_PG_PORT") : "5432") +
         "&user=" + (Env("LEXGATE_TEST_PG_USER") ? Env("LEXGATE_TEST_PG_USER") : "postgres");
}

// Runs SQL on the server's maintenance database (CREATE/DROP DATABASE).
void PgAdmin(const std::string& sql) {
  PGconn* c = PQconnectdb(PgUri("postgres").c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
}

// A fresh state location: a file in the temp directory, or a database of its own on the test server.
struct TempFile {
  std::string path;
  std::string db;
  explicit TempFile(const std::string& name) {
    if (Pg()) {
      db = "lg_" + std::to_string(getpid()) + "_" + name;
      PgAdmin("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      PgAdmin("CREATE DATABASE " + db);
      path = PgUri(db);
      return;
    }
    path = (fs::temp_directory_path() / ("lexgate_state_" + std::to_string(getpid()) + "_" + name + ".db")).string();
    Remove();
  }
  ~TempFile() { Remove(); }
  void Remove() {
    if (!db.empty()) {
      PgAdmin("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      return;
    }
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix);
  }
};

std::unique_ptr<state::Store> OpenRw(const std::string& path) {
  auto r = state::Store::Open(path, state::OpenMode::ReadWrite);
  EXPECT_TRUE(r.ok()) << r.status.message;
  return std::move(r.value);
}

std::string Text(state::Store& s, const std::string& sql) {
  auto r = s.Query(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status.message;
  return r.value.value_or("");
}

int64_t Scalar(state::Store& s, const std::string& sql) {
  std::string t = Text(s, sql);
  return t.empty() ? -1 : std::stoll(t);
}

void Exec(state::Store& s, const std::string& sql) {
  auto st = s.Exec(sql);
  EXPECT_TRUE(st.ok()) << sql << ": " << st.message;
}

// Tables of the state's schema, by name (either driver's catalogue).
int64_t Tables(state::Store& s, const std::string& names) {
  return Scalar(s, Pg() ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename IN (" + names + ")"
                        : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (" + names + ")");
}

void Record(state::Store& s, const eval::Case& c, bool expect_recorded = true) {
  eval::Decision d = eval::Evaluate(Prog(), c, {});
  bool recorded = false;
  auto st = s.Record(Prog(), c, d, eval::RenderJson(Prog(), d, {}), recorded);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(recorded, expect_recorded) << c.id;
}

int Slot(const std::string& path) {
  for (size_t i = 0; i < Prog().root.slots.size(); ++i)
    if (Prog().root.slots[i].path == path) return static_cast<int>(i);
  return -1;
}

}  // namespace

TEST(StateOpen, CreatesCurrentSchema) {
  TempFile f("create");
  auto s = OpenRw(f.path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->SchemaVersion(), state::kSchemaVersion);
  EXPECT_EQ(Scalar(*s, "SELECT value FROM meta WHERE key = 'schema_version'"), state::kSchemaVersion);
  EXPECT_EQ(Tables(*s, "'meta', 'cases', 'ledger', 'audit', 'obligations', 'registry'"), 6);
  if (Pg()) {
    EXPECT_EQ(Text(*s, "SELECT value FROM meta WHERE key = 'application'"), "lexgate");
    return;
  }
  EXPECT_EQ(Text(*s, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Scalar(*s, "PRAGMA foreign_keys"), 1);
}

TEST(StateOpen, ConcurrentFirstOpensCreateOneSchema) {
  // Eight processes open the same new state at the same instant: they wait on a pipe that the parent
  // closes once all are forked. Two first opens that both switch the file to WAL used to race (one
  // got "database is locked" at once, without waiting).
  TempFile f("first");
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  std::vector<pid_t> kids;
  for (int i = 0; i < 8; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(gate[1]);
      char byte;
      (void)!read(gate[0], &byte, 1);
      auto opened = state::Store::Open(f.path, state::OpenMode::ReadWrite);
      if (!opened.ok()) std::fprintf(stderr, "child %d: %s\n", i, opened.status.message.c_str());
      _exit(opened.ok() ? 0 : 1);
    }
    kids.push_back(pid);
  }
  close(gate[0]);
  close(gate[1]);
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto s = OpenRw(f.path);
  ASSERT_TRUE(s);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM meta WHERE key = 'schema_version'"), 1);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM meta"), Pg() ? 4 : 3);
}

TEST(StateOpen, MigratesOldToNewKeepingData) {
  TempFile f("migrate");
  ASSERT_TRUE(state::CreateAtVersion(f.path, 1).ok());
  // A version-1 state: no obligations table yet (an insert into it fails), a case in the ledger.
  EXPECT_FALSE(state::ExecRaw(f.path, "INSERT INTO obligations(case_id, rule, actions) VALUES('x', 'r', 'a')").ok());
  ASSERT_TRUE(state::ExecRaw(f.path, "INSERT INTO cases VALUES('old-1', 'acme', '2025-02-01', 'transfer', '2025-02-01T00:00:00Z');"
                                     "INSERT INTO ledger(case_id, exporter, category, count, date) VALUES('old-1', 'acme', 'personal', 70000, '2025-02-01')")
                  .ok());
  // Read-only use does not migrate: it says so.
  auto ro = state::Store::Open(f.path, state::OpenMode::ReadOnly);
  EXPECT_EQ(ro.status.code, state::Code::Older) << ro.status.message;
  auto s = OpenRw(f.path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->SchemaVersion(), state::kSchemaVersion);
  EXPECT_EQ(Scalar(*s, "SELECT value FROM meta WHERE key = 'schema_version'"), state::kSchemaVersion);
  EXPECT_EQ(Tables(*s, "'obligations', 'registry'"), 2);
  EXPECT_EQ(Scalar(*s, "SELECT sum(count) FROM ledger WHERE case_id = 'old-1'"), 70000);
}

TEST(StateOpen, RefusesNewerVersion) {
  TempFile f("newer");
  {
    auto s = OpenRw(f.path);
    Exec(*s, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  }
  for (auto mode : {state::OpenMode::ReadWrite, state::OpenMode::ReadOnly}) {
    auto r = state::Store::Open(f.path, mode);
    EXPECT_EQ(r.status.code, state::Code::Newer);
    EXPECT_NE(r.status.message.find("newer lexgate"), std::string::npos) << r.status.message;
  }
}

TEST(StateOpen, RefusesFilesThatAreNotOurs) {
  state::Result<std::unique_ptr<state::Store>> r;
  if (Pg()) {
    // An empty database opened read-only is not a state; a server that is not there is a clear error.
    TempFile empty("empty");
    r = state::Store::Open(empty.path, state::OpenMode::ReadOnly);
    EXPECT_EQ(r.status.code, state::Code::NotLexgate) << r.status.message;
    r = state::Store::Open("postgresql:///nothing?host=/nonexistent-lexgate-dir&port=1&connect_timeout=2", state::OpenMode::ReadWrite);
    EXPECT_EQ(r.status.code, state::Code::Unavailable) << r.status.message;
    EXPECT_NE(r.status.message.find("cannot connect to PostgreSQL"), std::string::npos) << r.status.message;
  } else {
    TempFile text("text");
    std::ofstream(text.path) << "this is not a database, just some text that is long enough to have a header........";
    r = state::Store::Open(text.path, state::OpenMode::ReadWrite);
    EXPECT_EQ(r.status.code, state::Code::NotLexgate) << r.status.message;
    TempFile missing("missing");
    r = state::Store::Open(missing.path, state::OpenMode::ReadOnly);
    EXPECT_EQ(r.status.code, state::Code::NotFound);
    EXPECT_FALSE(fs::exists(missing.path));
  }
  // Another application's tables.
  TempFile other("other");
  ASSERT_TRUE(state::ExecRaw(other.path, "CREATE TABLE t(x int)").ok());
  r = state::Store::Open(other.path, state::OpenMode::ReadWrite);
  EXPECT_EQ(r.status.code, state::Code::NotLexgate) << r.status.message;
  EXPECT_NE(r.status.message.find("other application"), std::string::npos) << r.status.message;
}

TEST(StateRecord, SameCaseIdTwiceIsANoOp) {
  TempFile f("idem");
  auto s = OpenRw(f.path);
  auto c = MakeCase("tx-1", "2025-03-01", 60000);
  Record(*s, c, true);
  Record(*s, c, false);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM cases"), 1);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM ledger"), 2);  // personal + sensitive_personal
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM audit"), 1);
  eval::Case no_id = MakeCase("", "2025-03-01", 1);
  no_id.id.clear();
  bool recorded = true;
  eval::Decision d = eval::Evaluate(Prog(), no_id, {});
  EXPECT_EQ(s->Record(Prog(), no_id, d, "{}", recorded).code, state::Code::BadCase);
  EXPECT_FALSE(recorded);
}

TEST(StateRecord, LedgerFillsUnknownHistoryWithinTheWindow) {
  TempFile f("ledger");
  auto s = OpenRw(f.path);
  Record(*s, MakeCase("a", "2025-03-01", 60000, "X"));
  Record(*s, MakeCase("b", "2024-12-31", 5000, "X"));     // last year
  Record(*s, MakeCase("c", "2025-04-01", 7000, "Y"));     // someone else
  Record(*s, MakeCase("d", "2025-09-01", 9000, "X"));     // after the case date
  auto c = MakeCase("e", "2025-06-01", 50000, "X");
  state::HistorySource src;
  ASSERT_TRUE(s->FillHistory(Prog(), c, src).ok());
  int ys = Slot("history.since_year_start.personal"), tm = Slot("history.last_12_months.personal");
  ASSERT_GE(ys, 0);
  EXPECT_TRUE(c.SlotKnown(ys));
  EXPECT_EQ(c.Slot(ys).lo, 60000);
  EXPECT_EQ(src["history.since_year_start.personal"], "ledger");
  EXPECT_EQ(c.Slot(tm).lo, 65000);  // 2024-12-31 is within the 12 months before 2025-06-01
  // A case's own history wins; the case itself never counts.
  auto own = MakeCase("a", "2025-03-01", 60000, "X", R"(, "history": {"since_year_start": {"personal": 3}})");
  src.clear();
  ASSERT_TRUE(s->FillHistory(Prog(), own, src).ok());
  EXPECT_EQ(own.Slot(ys).lo, 3);
  EXPECT_EQ(src["history.since_year_start.personal"], "case");
  EXPECT_EQ(own.Slot(tm).lo, 5000);
  // Year boundary: 2026 does not count 2025.
  auto next = MakeCase("n", "2026-01-10", 1, "X");
  ASSERT_TRUE(s->FillHistory(Prog(), next, src).ok());
  EXPECT_EQ(next.Slot(ys).lo, 0);
  EXPECT_EQ(next.Slot(tm).lo, 60000 + 9000);
}

namespace {

// Four decisions and a `done`, then `tamper` applied to a fresh file; returns the report.
state::VerifyReport Tampered(const std::string& name, const std::string& tamper) {
  TempFile f(name);
  auto s = OpenRw(f.path);
  for (int i = 1; i <= 4; ++i) Record(*s, MakeCase("t" + std::to_string(i), "2025-05-0" + std::to_string(i), 1000 * i));
  auto v = s->VerifyAudit();
  EXPECT_TRUE(v.ok());
  EXPECT_TRUE(v.value.intact) << v.value.message;
  EXPECT_EQ(v.value.entries, 4);
  if (!tamper.empty()) Exec(*s, tamper);
  v = s->VerifyAudit();
  EXPECT_TRUE(v.ok()) << v.status.message;
  return v.value;
}

}  // namespace

TEST(StateAudit, IntactChainVerifies) { EXPECT_TRUE(Tampered("intact", "").intact); }

TEST(StateAudit, AlteredRowIsNamed) {
  auto v = Tampered("alter", "UPDATE audit SET decision_json = replace(decision_json, 'conditional', 'permitted') WHERE seq = 2;"
                             "UPDATE audit SET case_id = 'x' WHERE seq = 3");
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_EQ(v.problem, "altered");
}

TEST(StateAudit, DeletedRowIsNamed) {
  auto v = Tampered("delete", "DELETE FROM audit WHERE seq = 2");
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_EQ(v.problem, "removed");
  auto last = Tampered("delete_last", "DELETE FROM audit WHERE seq = 4");
  EXPECT_FALSE(last.intact);
  EXPECT_EQ(last.first_bad_seq, 4);
}

TEST(StateAudit, SwappedRowsAreNamed) {
  const char* swap =
      "CREATE TEMP TABLE a2 AS SELECT * FROM audit WHERE seq = 2;"
      "CREATE TEMP TABLE a3 AS SELECT * FROM audit WHERE seq = 3;"
      "UPDATE audit SET (at, event, case_id, decision_json, rulesets_json, prev_hash, hash) = "
      "  (SELECT at, event, case_id, decision_json, rulesets_json, prev_hash, hash FROM a3) WHERE seq = 2;"
      "UPDATE audit SET (at, event, case_id, decision_json, rulesets_json, prev_hash, hash) = "
      "  (SELECT at, event, case_id, decision_json, rulesets_json, prev_hash, hash FROM a2) WHERE seq = 3;";
  auto v = Tampered("swap", swap);
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_EQ(v.problem, "reordered");
}

TEST(StateObligations, DoneIsRecordedInTheAuditLog) {
  TempFile f("done");
  auto s = OpenRw(f.path);
  Record(*s, MakeCase("o1", "2025-05-01", 150000, "Acme", R"(, "history": {"since_year_start": {"personal": 0, "sensitive_personal": 0}})"));
  auto obs = s->Obligations(true);
  ASSERT_TRUE(obs.ok());
  ASSERT_FALSE(obs.value.empty());
  bool already = true;
  ASSERT_TRUE(s->MarkDone(obs.value[0].id, 20240, already).ok());
  EXPECT_FALSE(already);
  ASSERT_TRUE(s->MarkDone(obs.value[0].id, 20240, already).ok());
  EXPECT_TRUE(already);
  EXPECT_EQ(s->Obligations(true).value.size() + 1, obs.value.size());
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM audit WHERE event = 'done'"), 1);
  EXPECT_EQ(s->MarkDone(999999, 20240, already).code, state::Code::NotFound);
  EXPECT_TRUE(s->VerifyAudit().value.intact);
}

// An obligation that yields to another instrument's (governed) is not a duty of its own: the ledger
// keeps only the governing one. The example's Assessment Measures renewal deadline is governed by the
// 2024 Provisions' Art 9 extension.
TEST(StateObligations, GovernedFindingsAreNotRecorded) {
  TempFile f("governed");
  auto s = OpenRw(f.path);
  std::ifstream in(std::string(LEXGATE_TEST_ROOT) + "/examples/cn-transfer-assessment-extension-window.json");
  std::stringstream text;
  text << in.rdbuf();
  eval::CaseError err;
  auto c = eval::ReadCase(Prog(), text.str(), err);
  ASSERT_TRUE(c) << err.message;
  eval::Decision d = eval::Evaluate(Prog(), *c, {});
  int governed = 0;
  for (const auto& fi : d.findings) governed += fi.governed_by >= 0 && fi.status == eval::Status::Outstanding;
  ASSERT_GT(governed, 0) << "the example no longer has a governed outstanding obligation";
  Record(*s, *c);
  auto obs = s->Obligations(true);
  ASSERT_TRUE(obs.ok());
  for (const auto& o : obs.value) {
    for (const auto& fi : d.findings) {
      if (Prog().project->rules[fi.rule].id == o.rule) {
        EXPECT_LT(fi.governed_by, 0) << o.rule << " is governed";
      }
    }
  }
}

// A child records cases as fast as it can; the parent kills it with SIGKILL at random moments. Every case
// must be wholly recorded or not at all, and the audit chain must verify.
TEST(StateCrash, KillNineNeverLeavesAHalfRecordedCase) {
  TempFile f("kill");
  { OpenRw(f.path); }
  const ir::Program& prog = Prog();  // loaded before forking
  std::mt19937 rng(12345);
  auto start = std::chrono::steady_clock::now();
  int rounds = 0;
  for (; rounds < 40 && std::chrono::steady_clock::now() - start < std::chrono::seconds(8); ++rounds) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(ready[0]);
      auto r = state::Store::Open(f.path, state::OpenMode::ReadWrite);
      if (!r.ok()) _exit(3);
      for (int i = 0;; ++i) {
        eval::Case c = MakeCase("k" + std::to_string(rounds) + "-" + std::to_string(i), "2025-05-01", 100 + i);
        eval::Decision d = eval::Evaluate(prog, c, {});
        bool recorded = false;
        if (!r.value->Record(prog, c, d, "{}", recorded).ok()) _exit(4);
        if (i == 0 && write(ready[1], "r", 1) != 1) _exit(5);  // connected and one case in: now kill it any time
      }
    }
    close(ready[1]);
    char byte = 0;
    bool started = read(ready[0], &byte, 1) == 1;  // however slow the machine, the kill lands while recording
    close(ready[0]);
    if (started) usleep(std::uniform_int_distribution<int>(2000, 60000)(rng));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  }
  auto s = OpenRw(f.path);
  int64_t cases = Scalar(*s, "SELECT count(*) FROM cases");
  EXPECT_GT(cases, 0);
  // personal and sensitive_personal: two ledger rows per case, never one, never zero.
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM (SELECT case_id FROM ledger GROUP BY case_id HAVING count(*) <> 2) AS t"), 0);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM cases WHERE case_id NOT IN (SELECT case_id FROM ledger)"), 0);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM audit"), cases);
  auto v = s->VerifyAudit();
  EXPECT_TRUE(v.value.intact) << v.value.message;
  std::cerr << rounds << " kills, " << cases << " cases recorded\n";
}

// Several processes record overlapping case ids at once, through Store::Check as `check --record` and
// `serve` do: every case is counted once, the audit log is one valid chain, and each decision saw every
// case recorded before it (40,000 personal records a case: the third one recorded, whichever it is,
// crosses 100,000 since 1 January and needs the standard contract; the first two do not).
TEST(StateConcurrency, WriterProcessesNeverDoubleCount) {
  TempFile f("conc");
  { OpenRw(f.path); }
  const ir::Program& prog = Prog();
  constexpr int kProcs = 4, kCases = 10;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto r = state::Store::Open(f.path, state::OpenMode::ReadWrite);
      if (!r.ok()) _exit(3);
      for (int i = 0; i < kCases; ++i) {
        int k = (i + p * 3) % kCases;  // every process records every case, each in its own order
        eval::Case c = MakeCase("w" + std::to_string(k), "2025-05-01", 40000, "Exporter W", "", 0);
        state::Checked out;
        if (!r.value->Check(prog, c, {}, true, out).ok()) _exit(4);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer exited with " << WEXITSTATUS(status);
  }
  auto s = OpenRw(f.path);
  ASSERT_TRUE(s);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM cases"), kCases);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM ledger"), kCases);
  EXPECT_EQ(Scalar(*s, "SELECT sum(count) FROM ledger WHERE category = 'personal'"), 40000 * kCases);
  EXPECT_EQ(Scalar(*s, "SELECT count(*) FROM audit"), kCases);
  EXPECT_EQ(Scalar(*s, "SELECT count(DISTINCT case_id) FROM audit"), kCases);
  auto v = s->VerifyAudit();
  ASSERT_TRUE(v.ok()) << v.status.message;
  EXPECT_TRUE(v.value.intact) << v.value.message;
  std::ostringstream jsonl;
  ASSERT_TRUE(s->ExportAudit(jsonl).ok());
  std::istringstream lines(jsonl.str());
  std::string line;
  int seq = 0;
  while (std::getline(lines, line)) {
    ++seq;
    auto e = nlohmann::json::parse(line);
    bool contract = false;
    for (const auto& f : e["decision"]["findings"])
      if (f["rule"].get<std::string>().ends_with("/contract_by_volume") && f["applies"] == "yes") contract = true;
    EXPECT_EQ(contract, seq >= 3) << "audit entry " << seq << " (" << e["case_id"] << ") saw the wrong ledger";
  }
  EXPECT_EQ(seq, kCases);
}

namespace {

// The shipped US example (data brokerage to a covered person), with this exporter, recipient, date and
// number of precise-geolocation devices, and no history of its own.
eval::Case UsCase(const std::string& id, const std::string& date, int64_t devices, const std::string& exporter,
                  const std::string& recipient) {
  std::ifstream in(std::string(LEXGATE_TEST_ROOT) + "/examples/us-rejected-brokerage-report.json");
  nlohmann::json j = nlohmann::json::parse(in);
  j["id"] = id;
  j["date"] = date;
  j["rejected_offer_on"] = date;
  j["exporter"]["name"] = exporter;  // exporter.group stays "acme"
  j["recipient"]["name"] = recipient;
  j["data"]["subjects"]["health"] = 0;
  j["data"]["subjects"]["precise_geolocation"] = devices;
  j.erase("history");
  eval::CaseError err;
  auto c = eval::ReadCase(Prog(), j.dump(), err);
  EXPECT_TRUE(c) << err.path << ": " << err.message;
  return c ? *c : eval::Case{};
}

bool Applies(const eval::Decision& d, const std::string& rule_suffix) {
  for (const auto& f : d.findings)
    if (Prog().project->rules[f.rule].id.ends_with(rule_suffix) && f.applies == eval::Tri::True) return true;
  return false;
}

}  // namespace

// 28 CFR 202.205 aggregates "covered data transactions involving the same U.S. person and the same
// foreign person or covered person" over the preceding 12 months: the ledger's last_12_months figure
// counts only what this exporter itself (not its corporate group) gave this recipient.
TEST(StateRecord, UsTwelveMonthsArePerExporterAndCounterparty) {
  TempFile f("us");
  auto s = OpenRw(f.path);
  int geo = Slot("history.last_12_months.precise_geolocation");
  ASSERT_GE(geo, 0);
  auto check = [&](eval::Case c, bool record, state::Checked& out) {
    auto st = s->Check(Prog(), c, {}, record, out);
    EXPECT_TRUE(st.ok()) << st.message;
    EXPECT_EQ(out.source["history.last_12_months.precise_geolocation"], "ledger");
    return c.Slot(geo).lo;
  };
  state::Checked out;
  check(UsCase("u1", "2025-05-01", 600, "Acme Data Inc", "Shenzhen Lab Co"), true, out);
  EXPECT_FALSE(Applies(out.decision, "/brokerage_prohibited"));  // 600 devices: not bulk
  check(UsCase("u2", "2025-09-01", 300, "Acme Data Inc", "Wuhan Data Co"), true, out);
  // Another counterparty: the exporter has given 900 devices in all, but Wuhan Data Co only 300 of them;
  // 300 + 600 = 900 is not bulk (summing every counterparty, 1,500, would be).
  EXPECT_EQ(check(UsCase("u3", "2026-03-01", 600, "Acme Data Inc", "Wuhan Data Co"), false, out), 300);
  EXPECT_FALSE(Applies(out.decision, "/brokerage_prohibited"));
  // Another U.S. person of the same group, same counterparty: its own volume only.
  EXPECT_EQ(check(UsCase("u4", "2026-03-01", 600, "Acme Analytics LLC", "Shenzhen Lab Co"), false, out), 0);
  EXPECT_FALSE(Applies(out.decision, "/brokerage_prohibited"));
  // The same U.S. person and the same counterparty within 12 months: 600 + 600 = 1,200 devices, bulk.
  EXPECT_EQ(check(UsCase("u5", "2026-03-01", 600, "Acme Data Inc", "Shenzhen Lab Co"), false, out), 600);
  EXPECT_TRUE(Applies(out.decision, "/brokerage_prohibited"));
  // …and not once the first transfer is more than 12 months back.
  EXPECT_EQ(check(UsCase("u6", "2026-05-02", 600, "Acme Data Inc", "Shenzhen Lab Co"), false, out), 0);
  EXPECT_FALSE(Applies(out.decision, "/brokerage_prohibited"));
}
