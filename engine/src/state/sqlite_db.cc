// The SQLite driver (see db.h): one file, WAL, foreign keys on, a busy timeout. A lexgate file is told
// apart by its application_id ("LXGT"); writers are serialised by BEGIN IMMEDIATE.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "state/db.h"

namespace lexgate::state::detail {

namespace {

namespace fs = std::filesystem;

constexpr int kAppId = 0x4C584754;  // "LXGT"
constexpr int kBusyTimeoutMs = 5000;

Status Err(Code code, std::string msg) { return Status{code, std::move(msg)}; }

Status FromSqlite(sqlite3* db, int rc, const std::string& what) {
  int primary = rc & 0xff;
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (primary) {
    case SQLITE_READONLY:
      return Err(Code::ReadOnly, what + ": the state file is read-only (" + detail + ")");
    case SQLITE_NOTADB:
      return Err(Code::NotLexgate, what + ": not a lexgate state file (not a SQLite database)");
    case SQLITE_CORRUPT:
      return Err(Code::Io, what + ": the state file is corrupt (" + detail + ")");
    case SQLITE_FULL:
      return Err(Code::Io, what + ": the disk is full (" + detail + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Err(Code::Io, what + ": the state file is locked by another process (" + detail + ")");
    case SQLITE_CANTOPEN:
      return Err(Code::Io, what + ": cannot open the state file (" + detail + ")");
    case SQLITE_IOERR:
      return Err(Code::Io, what + ": I/O error (" + detail + ")");
    default:
      return Err(Code::Io, what + ": " + detail);
  }
}

// Step n takes a file from schema_version n-1 to n. Never edit a step once released: add one.
const std::vector<std::string> kSteps = {
    // 1: cases, ledger, audit, meta
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE cases(case_id TEXT PRIMARY KEY, exporter TEXT, date TEXT, kind TEXT, recorded_at TEXT NOT NULL);"
    "CREATE TABLE ledger(id INTEGER PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(case_id),"
    "  exporter TEXT NOT NULL, category TEXT NOT NULL, count INTEGER NOT NULL CHECK(count > 0),"
    "  date TEXT NOT NULL, recipient TEXT);"
    "CREATE INDEX ledger_by_exporter ON ledger(exporter, category, date);"
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at TEXT NOT NULL, event TEXT NOT NULL, case_id TEXT,"
    "  decision_json TEXT NOT NULL, rulesets_json TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "INSERT INTO meta VALUES('audit_head_seq', '0'), ('audit_head_hash', '" "0000000000000000000000000000000000000000000000000000000000000000" "');",
    // 2: obligations and the IP registry
    "CREATE TABLE obligations(id INTEGER PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(case_id),"
    "  rule TEXT NOT NULL, actions TEXT NOT NULL, due TEXT,"
    "  status TEXT NOT NULL DEFAULT 'outstanding' CHECK(status IN ('outstanding', 'done')), done_at TEXT);"
    "CREATE INDEX obligations_by_due ON obligations(status, due);"
    "CREATE TABLE registry(registration_no TEXT PRIMARY KEY, holder TEXT, right TEXT, registered_on TEXT,"
    "  expires_on TEXT, case_id TEXT REFERENCES cases(case_id));",
    // 3: the ledger names the exporter itself and is read per exporter and recipient for 28 CFR 202
    "ALTER TABLE ledger ADD COLUMN exporter_name TEXT;"
    "CREATE INDEX ledger_by_pair ON ledger(exporter_name, recipient, category, date);",
};
static_assert(kSchemaVersion == 3, "add the new step to kSteps (and to the PostgreSQL driver's)");

class SqliteDb final : public Db {
 public:
  SqliteDb(sqlite3* db, std::string path) : db_(db), where_("state file '" + path + "'") {}
  ~SqliteDb() override { sqlite3_close(db_); }

  const std::string& Where() const override { return where_; }

  Status Run(const std::string& sql, const std::vector<Param>& params, std::vector<Row>* rows, int64_t* changed) override {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr);
    if (rc != SQLITE_OK) return FromSqlite(db_, rc, "cannot read the state file");
    for (size_t i = 0; i < params.size(); ++i) {
      int n = static_cast<int>(i + 1);
      if (const auto* s = std::get_if<std::string>(&params[i]))
        sqlite3_bind_text(st, n, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      else if (const auto* v = std::get_if<int64_t>(&params[i]))
        sqlite3_bind_int64(st, n, *v);
      else
        sqlite3_bind_null(st, n);
    }
    int cols = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (!rows) continue;
      Row row;
      for (int c = 0; c < cols; ++c) {
        const unsigned char* t = sqlite3_column_text(st, c);
        if (sqlite3_column_type(st, c) == SQLITE_NULL || !t) row.emplace_back();
        else row.emplace_back(std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(st, c))));
      }
      rows->push_back(std::move(row));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return FromSqlite(db_, rc, "cannot use the state file");
    if (changed) *changed = sqlite3_changes64(db_);
    return Status::Ok();
  }

  Status Script(const std::string& sql, const std::string& what) override {
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? Status::Ok() : FromSqlite(db_, rc, what);
  }

  Status BeginWrite() override { return Script("BEGIN IMMEDIATE", "cannot start a transaction"); }
  Status Commit() override { return Script("COMMIT", "cannot commit"); }
  void Rollback() override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

  Result<Found> Inspect() override {
    // A SQLite error here means it is not a database (or is corrupt).
    Result<Found> r;
    std::vector<Row> tables, app;
    if (Status s = Run("SELECT count(*) FROM sqlite_master", {}, &tables, nullptr); !s.ok()) return Fail(r, s);
    if (Status s = Run("PRAGMA application_id", {}, &app, nullptr); !s.ok()) return Fail(r, s);
    bool empty = tables.at(0).at(0) == "0" && app.at(0).at(0) == "0";
    r.value = empty ? Found::Empty : app.at(0).at(0) == std::to_string(kAppId) ? Found::Ours : Found::Foreign;
    return r;
  }
  std::string Refusal() const override { return where_ + " is a SQLite database of some other application, not a lexgate state file"; }
  const std::vector<std::string>& Steps() const override { return kSteps; }
  Status MarkOurs() override { return Script("PRAGMA application_id = " + std::to_string(kAppId), "cannot initialise the state file"); }

  Status Configure(OpenMode mode) override {
    if (mode == OpenMode::ReadWrite) {
      // WAL persists in the file; it cannot change inside a transaction, so it comes before migrating.
      if (Status s = SwitchToWal(); !s.ok()) return Status{s.code, where_ + ": " + s.message};
    }
    return Script("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", where_);
  }

 private:
  // Switching a new file to WAL reads the header and then upgrades to a write lock. When two first
  // opens do that at once, SQLite refuses one of them with SQLITE_BUSY at once instead of calling the
  // busy handler (waiting could deadlock). The refused one has released its locks, so it tries again,
  // for as long as the busy timeout.
  Status SwitchToWal() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      int rc = sqlite3_exec(db_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return Status::Ok();
      if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) return FromSqlite(db_, rc, "cannot switch to WAL");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  Result<Found> Fail(Result<Found>& r, const Status& s) {
    r.status = Status{s.code, where_ + ": " + s.message};
    return std::move(r);
  }
  sqlite3* db_;
  std::string where_;
};

}  // namespace

Result<std::unique_ptr<Db>> ConnectSqlite(const std::string& path, OpenMode mode) {
  Result<std::unique_ptr<Db>> r;
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  if (mode == OpenMode::ReadOnly && !exists) {
    r.status = Err(Code::NotFound, "state file '" + path + "' does not exist");
    return r;
  }
  if (exists && fs::is_directory(path, ec)) {
    r.status = Err(Code::NotLexgate, "'" + path + "' is a directory, not a lexgate state file");
    return r;
  }
  sqlite3* db = nullptr;
  int flags = mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    r.status = FromSqlite(db, rc, "cannot open state file '" + path + "'");
    sqlite3_close(db);
    return r;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (mode == OpenMode::ReadWrite && sqlite3_db_readonly(db, "main") == 1) {
    r.status = Err(Code::ReadOnly, "state file '" + path + "' is read-only: cannot record in it");
    sqlite3_close(db);
    return r;
  }
  r.value = std::make_unique<SqliteDb>(db, path);
  return r;
}

}  // namespace lexgate::state::detail
