// The state file (see state.h for what it holds and the invariants every write keeps).
#include "state/state.h"

#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "base/date.h"

namespace lexgate::state {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;                 // sorted keys: the canonical form
using ojson = nlohmann::ordered_json;

constexpr int kAppId = 0x4C584754;  // "LXGT"
constexpr int kBusyTimeoutMs = 5000;
const std::string kGenesis(64, '0');

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

// A prepared statement, finalised on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  int rc() const { return rc_; }
  Stmt& Bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(st_, i);
    return *this;
  }
  Stmt& Bind(int i, const std::optional<std::string>& s) { return s ? Bind(i, *s) : BindNull(i); }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return rc_ = sqlite3_step(st_); }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(st_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(st_, col))) : std::string();
  }
  bool IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_OK;
};

Status Exec(sqlite3* db, const std::string& sql, const std::string& what) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  sqlite3_free(msg);
  return rc == SQLITE_OK ? Status::Ok() : FromSqlite(db, rc, what);
}

// Runs one statement that returns no rows; binds by the caller.
Status Done(sqlite3* db, Stmt& s, const std::string& what) {
  if (!s.ok()) return FromSqlite(db, s.rc(), what);
  int rc = s.Step();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : FromSqlite(db, rc, what);
}

// BEGIN IMMEDIATE … COMMIT; rolled back unless committed.
class Tx {
 public:
  explicit Tx(sqlite3* db) : db_(db) {}
  Status Begin() {
    Status s = Exec(db_, "BEGIN IMMEDIATE", "cannot start a transaction");
    open_ = s.ok();
    return s;
  }
  Status Commit() {
    Status s = Exec(db_, "COMMIT", "cannot commit");
    if (s.ok()) open_ = false;
    return s;
  }
  ~Tx() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

// ---------------------------------------------------------------- migrations
// Step n takes a file from schema_version n-1 to n. Never edit a step once released: add one.
const char* const kSteps[] = {
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
};
static_assert(sizeof(kSteps) / sizeof(kSteps[0]) == kSchemaVersion, "one migration step per schema version");

Status Migrate(sqlite3* db, int from, int to) {
  Tx tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  if (from == 0)
    if (Status s = Exec(db, "PRAGMA application_id = " + std::to_string(kAppId), "cannot initialise the state file"); !s.ok()) return s;
  for (int v = from + 1; v <= to; ++v) {
    if (Status s = Exec(db, kSteps[v - 1], "migration to schema version " + std::to_string(v) + " failed"); !s.ok()) return s;
  }
  Stmt up(db, "INSERT INTO meta(key, value) VALUES('schema_version', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  up.Bind(1, std::to_string(to));
  if (Status s = Done(db, up, "cannot write the schema version"); !s.ok()) return s;
  return tx.Commit();
}

std::string NowUtc() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int SlotIndex(const ir::Program& prog, const std::string& path) {
  for (size_t i = 0; i < prog.root.slots.size(); ++i)
    if (prog.root.slots[i].path == path) return static_cast<int>(i);
  return -1;
}

std::optional<std::string> SlotString(const ir::Program& prog, const eval::Case& c, const std::string& path) {
  int i = SlotIndex(prog, path);
  if (i < 0 || !c.slots[i].known) return std::nullopt;
  return eval::SlotText(prog, c, prog.root.slots[i], c.slots[i]);
}

std::optional<std::string> SlotDate(const ir::Program& prog, const eval::Case& c, const std::string& path) {
  int i = SlotIndex(prog, path);
  if (i < 0 || !c.slots[i].known) return std::nullopt;
  return FormatDate(static_cast<Days>(c.slots[i].lo));
}

std::string Canonical(const std::string& json_text) {
  json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return json_text;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EntryText(int64_t seq, const std::string& at, const std::string& event, const std::string& case_id,
                      const std::string& decision, const std::string& rulesets) {
  json e = {{"seq", seq}, {"at", at}, {"event", event}, {"case_id", case_id}, {"decision", decision}, {"rulesets", rulesets}};
  return e.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status ReadMeta(sqlite3* db, const std::string& key, std::string& out) {
  Stmt s(db, "SELECT value FROM meta WHERE key = ?1");
  if (!s.ok()) return FromSqlite(db, s.rc(), "cannot read the state file");
  s.Bind(1, key);
  int rc = s.Step();
  if (rc == SQLITE_ROW) {
    out = s.Text(0);
    return Status::Ok();
  }
  if (rc == SQLITE_DONE) return Err(Code::NotLexgate, "not a lexgate state file (meta." + key + " is missing)");
  return FromSqlite(db, rc, "cannot read the state file");
}

Status WriteMeta(sqlite3* db, const std::string& key, const std::string& value) {
  Stmt s(db, "UPDATE meta SET value = ?2 WHERE key = ?1");
  s.Bind(1, key).Bind(2, value);
  return Done(db, s, "cannot write the state file");
}

// Appends one entry to the audit chain; the caller holds the transaction.
Status AppendAudit(sqlite3* db, const std::string& event, const std::string& case_id, const std::string& decision,
                   const std::string& rulesets) {
  std::string head_seq, head_hash;
  if (Status s = ReadMeta(db, "audit_head_seq", head_seq); !s.ok()) return s;
  if (Status s = ReadMeta(db, "audit_head_hash", head_hash); !s.ok()) return s;
  int64_t seq = std::stoll(head_seq) + 1;
  std::string at = NowUtc();
  std::string hash = Sha256Hex(head_hash + EntryText(seq, at, event, case_id, decision, rulesets));
  Stmt ins(db, "INSERT INTO audit(seq, at, event, case_id, decision_json, rulesets_json, prev_hash, hash) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
  ins.Bind(1, seq).Bind(2, at).Bind(3, event).Bind(4, case_id).Bind(5, decision).Bind(6, rulesets).Bind(7, head_hash).Bind(8, hash);
  if (Status s = Done(db, ins, "cannot append to the audit log"); !s.ok()) return s;
  if (Status s = WriteMeta(db, "audit_head_seq", std::to_string(seq)); !s.ok()) return s;
  return WriteMeta(db, "audit_head_hash", hash);
}

std::optional<int32_t> OptDate(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return ParseDate(s.Text(col));
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr) != 1) return std::string();
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

std::string ExporterKey(const ir::Program& prog, const eval::Case& c) {
  auto group = SlotString(prog, c, "exporter.group");
  if (group && !group->empty()) return *group;
  auto name = SlotString(prog, c, "exporter.name");
  return name ? *name : std::string();
}

// ---------------------------------------------------------------- opening

static Result<sqlite3*> OpenRaw(const std::string& path, OpenMode mode) {
  Result<sqlite3*> r;
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
  r.value = db;
  return r;
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, OpenMode mode) {
  Result<std::unique_ptr<Store>> r;
  auto raw = OpenRaw(path, mode);
  if (!raw.ok()) {
    r.status = raw.status;
    return r;
  }
  std::unique_ptr<Store> st(new Store());
  st->db_ = raw.value;
  st->path_ = path;
  st->read_only_ = mode == OpenMode::ReadOnly;
  sqlite3* db = st->db_;
  const std::string where = "state file '" + path + "'";
  auto fail = [&](Status s) {
    r.status = std::move(s);
    return std::move(r);
  };

  // What is in the file? A SQLite error here means it is not a database (or is corrupt).
  int64_t tables = 0, app_id = 0;
  {
    Stmt q(db, "SELECT count(*) FROM sqlite_master");
    if (!q.ok()) return fail(FromSqlite(db, q.rc(), where));
    int rc = q.Step();
    if (rc != SQLITE_ROW) return fail(FromSqlite(db, rc, where));
    tables = q.Int(0);
  }
  {
    Stmt q(db, "PRAGMA application_id");
    if (!q.ok() || q.Step() != SQLITE_ROW) return fail(FromSqlite(db, q.rc(), where));
    app_id = q.Int(0);
  }
  int version = 0;
  if (tables > 0 || app_id != 0) {
    if (app_id != kAppId) return fail(Err(Code::NotLexgate, where + " is a SQLite database of some other application, not a lexgate state file"));
    std::string v;
    if (Status s = ReadMeta(db, "schema_version", v); !s.ok()) return fail(Err(s.code, where + ": " + s.message));
    try {
      version = std::stoi(v);
    } catch (...) {
      return fail(Err(Code::NotLexgate, where + ": schema_version '" + v + "' is not a number"));
    }
    if (version > kSchemaVersion)
      return fail(Err(Code::Newer, where + " has schema version " + std::to_string(version) + ", written by a newer lexgate; this one reads up to version " +
                                       std::to_string(kSchemaVersion) + " — upgrade lexgate"));
  } else if (mode == OpenMode::ReadOnly) {
    return fail(Err(Code::NotLexgate, where + " is empty: not a lexgate state file"));
  }

  if (mode == OpenMode::ReadWrite) {
    // WAL persists in the file; it cannot change inside a transaction, so it comes before migrating.
    Stmt wal(db, "PRAGMA journal_mode = WAL");
    if (!wal.ok()) return fail(FromSqlite(db, wal.rc(), where));
    int rc = wal.Step();
    if (rc != SQLITE_ROW) return fail(FromSqlite(db, rc, where));
  }
  if (Status s = Exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", where); !s.ok()) return fail(s);
  if (version < kSchemaVersion) {
    if (mode == OpenMode::ReadOnly)
      return fail(Err(Code::Older, where + " has schema version " + std::to_string(version) + "; it is upgraded to version " +
                                       std::to_string(kSchemaVersion) + " the next time a command writes to it"));
    if (Status s = Migrate(db, version, kSchemaVersion); !s.ok()) return fail(Err(s.code, where + ": " + s.message));
    version = kSchemaVersion;
  }
  st->version_ = version;
  r.value = std::move(st);
  return r;
}

Store::~Store() { sqlite3_close(db_); }

Status CreateAtVersion(const std::string& path, int version) {
  auto raw = OpenRaw(path, OpenMode::ReadWrite);
  if (!raw.ok()) return raw.status;
  Status s = Exec(raw.value, "PRAGMA journal_mode = WAL", "cannot create '" + path + "'");
  if (s.ok()) s = Migrate(raw.value, 0, std::clamp(version, 1, kSchemaVersion));
  sqlite3_close(raw.value);
  return s;
}

// ---------------------------------------------------------------- the ledger

Status Store::FillHistory(const ir::Program& prog, eval::Case& c, HistorySource& source) {
  std::string exporter = ExporterKey(prog, c);
  std::optional<int32_t> date = c.date;
  for (size_t i = 0; i < prog.root.slots.size(); ++i) {
    const std::string& path = prog.root.slots[i].path;
    if (path.rfind("history.", 0) != 0 || prog.root.slots[i].type.kind != check::TypeKind::Count) continue;
    if (c.slots[i].known) {
      source[path] = "case";
      continue;
    }
    auto dot = path.find('.', 8);
    if (dot == std::string::npos || exporter.empty() || !date) continue;
    std::string window = path.substr(8, dot - 8), category = path.substr(dot + 1);
    Days from;
    if (window == "since_year_start") from = DaysFromCivil(CivilFromDays(*date).year, 1, 1);
    else if (window == "last_12_months") from = AddMonths(*date, -12) + 1;
    else continue;
    Stmt q(db_, "SELECT coalesce(sum(count), 0) FROM ledger WHERE exporter = ?1 AND category = ?2 AND date >= ?3 AND date <= ?4 AND case_id <> ?5");
    if (!q.ok()) return FromSqlite(db_, q.rc(), "cannot read the ledger");
    q.Bind(1, exporter).Bind(2, category).Bind(3, FormatDate(from)).Bind(4, FormatDate(*date)).Bind(5, c.id);
    int rc = q.Step();
    if (rc != SQLITE_ROW) return FromSqlite(db_, rc, "cannot read the ledger");
    int64_t sum = q.Int(0);
    c.slots[i] = ir::Val{sum, sum, true};
    source[path] = "ledger";
  }
  return Status::Ok();
}

Status Store::Record(const ir::Program& prog, const eval::Case& c, const eval::Decision& d, const std::string& decision_json,
                     bool& recorded) {
  recorded = false;
  if (c.id.empty()) return Err(Code::BadCase, "the case has no id: only cases with an id can be recorded");
  const check::Project& p = *prog.project;
  std::string date = FormatDate(c.date ? *c.date : d.as_of);
  std::string exporter = ExporterKey(prog, c);
  auto kind = SlotString(prog, c, "kind");

  Tx tx(db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  {
    Stmt q(db_, "SELECT 1 FROM cases WHERE case_id = ?1");
    if (!q.ok()) return FromSqlite(db_, q.rc(), "cannot read the state file");
    q.Bind(1, c.id);
    int rc = q.Step();
    if (rc == SQLITE_ROW) return Status::Ok();  // already recorded: nothing to do (the Tx rolls back)
    if (rc != SQLITE_DONE) return FromSqlite(db_, rc, "cannot read the state file");
  }
  {
    Stmt ins(db_, "INSERT INTO cases(case_id, exporter, date, kind, recorded_at) VALUES(?1,?2,?3,?4,?5)");
    ins.Bind(1, c.id).Bind(2, exporter).Bind(3, date).Bind(4, kind).Bind(5, NowUtc());
    if (Status s = Done(db_, ins, "cannot record the case"); !s.ok()) return s;
  }
  if (!exporter.empty()) {
    auto recipient = SlotString(prog, c, "recipient.name");
    for (size_t i = 0; i < prog.root.slots.size(); ++i) {
      const std::string& path = prog.root.slots[i].path;
      if (path.rfind("data.subjects.", 0) != 0 || !c.slots[i].known || c.slots[i].lo <= 0) continue;
      Stmt ins(db_, "INSERT INTO ledger(case_id, exporter, category, count, date, recipient) VALUES(?1,?2,?3,?4,?5,?6)");
      ins.Bind(1, c.id).Bind(2, exporter).Bind(3, path.substr(14)).Bind(4, c.slots[i].lo).Bind(5, date).Bind(6, recipient);
      if (Status s = Done(db_, ins, "cannot record the ledger"); !s.ok()) return s;
    }
  }
  for (const auto& f : d.findings) {
    const auto& r = p.rules[f.rule];
    if (r.modality != check::Modality::Must || f.applies != eval::Tri::True || f.status != eval::Status::Outstanding) continue;
    std::string acts;
    for (int a : r.actions) acts += (acts.empty() ? "" : "|") + p.actions[a];
    if (r.actions.size() > 1) acts = (r.mode == check::ActionMode::OneOf ? "one_of:" : "all_of:") + acts;
    std::optional<int32_t> due;
    for (const auto& dd : f.due)
      if (dd && (!due || dd->date < *due)) due = dd->date;
    Stmt ins(db_, "INSERT INTO obligations(case_id, rule, actions, due) VALUES(?1,?2,?3,?4)");
    ins.Bind(1, c.id).Bind(2, r.id).Bind(3, acts);
    if (due) ins.Bind(4, FormatDate(*due));
    else ins.BindNull(4);
    if (Status s = Done(db_, ins, "cannot record the obligations"); !s.ok()) return s;
  }
  if (kind && *kind == "ip_event") {
    if (auto no = SlotString(prog, c, "asset.registration_no")) {
      Stmt ins(db_,
               "INSERT INTO registry(registration_no, holder, right, registered_on, expires_on, case_id) VALUES(?1,?2,?3,?4,?5,?6) "
               "ON CONFLICT(registration_no) DO UPDATE SET holder = coalesce(excluded.holder, holder), right = coalesce(excluded.right, right), "
               "registered_on = coalesce(excluded.registered_on, registered_on), expires_on = coalesce(excluded.expires_on, expires_on), "
               "case_id = excluded.case_id");
      ins.Bind(1, *no).Bind(2, SlotString(prog, c, "holder.name")).Bind(3, SlotString(prog, c, "asset.right"));
      ins.Bind(4, SlotDate(prog, c, "asset.registered_on")).Bind(5, SlotDate(prog, c, "asset.expires_on")).Bind(6, c.id);
      if (Status s = Done(db_, ins, "cannot record the registry"); !s.ok()) return s;
    }
  }
  json rulesets = json::array();
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    rulesets.push_back(json{{"id", rs.id}, {"version", rs.version}, {"sha256", rs.sha256}, {"state", u.state}});
  }
  if (Status s = AppendAudit(db_, "decision", c.id, Canonical(decision_json), rulesets.dump(-1, ' ', false, json::error_handler_t::replace));
      !s.ok())
    return s;
  if (Status s = tx.Commit(); !s.ok()) return s;
  recorded = true;
  return Status::Ok();
}

// ---------------------------------------------------------------- obligations and the registry

Result<std::vector<Obligation>> Store::Obligations(bool outstanding_only) {
  Result<std::vector<Obligation>> r;
  Stmt q(db_, outstanding_only ? "SELECT id, case_id, rule, actions, due, status, done_at FROM obligations WHERE status = 'outstanding' ORDER BY due IS NULL, due, id"
                               : "SELECT id, case_id, rule, actions, due, status, done_at FROM obligations ORDER BY id");
  if (!q.ok()) {
    r.status = FromSqlite(db_, q.rc(), "cannot read the obligations");
    return r;
  }
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW)
    r.value.push_back(Obligation{q.Int(0), q.Text(1), q.Text(2), q.Text(3), OptDate(q, 4), q.Text(5), OptDate(q, 6)});
  if (rc != SQLITE_DONE) r.status = FromSqlite(db_, rc, "cannot read the obligations");
  return r;
}

Result<std::vector<Registration>> Store::Registrations() {
  Result<std::vector<Registration>> r;
  Stmt q(db_, "SELECT registration_no, holder, right, registered_on, expires_on FROM registry ORDER BY expires_on IS NULL, expires_on, registration_no");
  if (!q.ok()) {
    r.status = FromSqlite(db_, q.rc(), "cannot read the registry");
    return r;
  }
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) r.value.push_back(Registration{q.Text(0), q.Text(1), q.Text(2), OptDate(q, 3), OptDate(q, 4)});
  if (rc != SQLITE_DONE) r.status = FromSqlite(db_, rc, "cannot read the registry");
  return r;
}

Status Store::MarkDone(int64_t id, int32_t day, bool& already_done) {
  already_done = false;
  Tx tx(db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  std::string case_id, rule, status;
  {
    Stmt q(db_, "SELECT case_id, rule, status FROM obligations WHERE id = ?1");
    if (!q.ok()) return FromSqlite(db_, q.rc(), "cannot read the obligations");
    q.Bind(1, id);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return Err(Code::NotFound, "no obligation with id " + std::to_string(id));
    if (rc != SQLITE_ROW) return FromSqlite(db_, rc, "cannot read the obligations");
    case_id = q.Text(0);
    rule = q.Text(1);
    status = q.Text(2);
  }
  if (status == "done") {
    already_done = true;
    return Status::Ok();
  }
  Stmt up(db_, "UPDATE obligations SET status = 'done', done_at = ?2 WHERE id = ?1");
  up.Bind(1, id).Bind(2, FormatDate(day));
  if (Status s = Done(db_, up, "cannot mark the obligation done"); !s.ok()) return s;
  json e = {{"obligation", id}, {"rule", rule}, {"status", "done"}, {"done_at", FormatDate(day)}};
  if (Status s = AppendAudit(db_, "done", case_id, e.dump(), "[]"); !s.ok()) return s;
  return tx.Commit();
}

// ---------------------------------------------------------------- the audit log

Result<VerifyReport> Store::VerifyAudit() {
  Result<VerifyReport> r;
  VerifyReport& rep = r.value;
  struct Row {
    int64_t seq;
    std::string at, event, case_id, decision, rulesets, prev, hash;
  };
  std::vector<Row> rows;
  {
    Stmt q(db_, "SELECT seq, at, event, case_id, decision_json, rulesets_json, prev_hash, hash FROM audit ORDER BY seq");
    if (!q.ok()) {
      r.status = FromSqlite(db_, q.rc(), "cannot read the audit log");
      return r;
    }
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW)
      rows.push_back(Row{q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6), q.Text(7)});
    if (rc != SQLITE_DONE) {
      r.status = FromSqlite(db_, rc, "cannot read the audit log");
      return r;
    }
  }
  rep.entries = static_cast<int64_t>(rows.size());
  std::set<std::string> hashes;
  for (const auto& row : rows) hashes.insert(row.hash);
  auto bad = [&](int64_t seq, const std::string& problem, const std::string& msg) {
    rep.intact = false;
    rep.first_bad_seq = seq;
    rep.problem = problem;
    rep.message = "audit entry " + std::to_string(seq) + ": " + msg;
    return std::move(r);
  };
  std::string prev = kGenesis;
  int64_t expected = 1;
  for (const auto& row : rows) {
    if (row.seq != expected)
      return bad(expected, "removed", "missing (entries " + std::to_string(expected) + "–" + std::to_string(row.seq - 1) + " were removed)");
    std::string recomputed = Sha256Hex(row.prev + EntryText(row.seq, row.at, row.event, row.case_id, row.decision, row.rulesets));
    if (row.prev != prev) {
      if (hashes.count(row.prev) && row.prev != row.hash)
        return bad(row.seq, "reordered", "out of order (it follows a different entry than the one before it)");
      if (recomputed == row.hash) return bad(row.seq, "removed", "the entry before it was removed or replaced");
      return bad(row.seq, "altered", "altered (its contents do not match its hash)");
    }
    if (recomputed != row.hash) return bad(row.seq, "altered", "altered (its contents do not match its hash)");
    prev = row.hash;
    ++expected;
  }
  std::string head_seq, head_hash;
  if (Status s = ReadMeta(db_, "audit_head_seq", head_seq); !s.ok()) {
    r.status = s;
    return r;
  }
  if (Status s = ReadMeta(db_, "audit_head_hash", head_hash); !s.ok()) {
    r.status = s;
    return r;
  }
  int64_t last = expected - 1;
  if (head_seq != std::to_string(last) || head_hash != prev) {
    int64_t want = 0;
    try {
      want = std::stoll(head_seq);
    } catch (...) {
    }
    if (want > last) return bad(last + 1, "removed", "missing (the log should end at entry " + head_seq + ")");
    return bad(last, "altered", "the log's head does not match its last entry");
  }
  rep.message = "audit log intact: " + std::to_string(rep.entries) + " entries";
  return r;
}

Status Store::ExportAudit(std::ostream& out) {
  Stmt q(db_, "SELECT seq, at, event, case_id, decision_json, rulesets_json, prev_hash, hash FROM audit ORDER BY seq");
  if (!q.ok()) return FromSqlite(db_, q.rc(), "cannot read the audit log");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    auto parsed = [](const std::string& s) {
      ojson j = ojson::parse(s, nullptr, false);
      return j.is_discarded() ? ojson(s) : j;
    };
    ojson e = {{"seq", q.Int(0)},          {"at", q.Text(1)},
               {"event", q.Text(2)},       {"case_id", q.Text(3)},
               {"decision", parsed(q.Text(4))}, {"rulesets", parsed(q.Text(5))},
               {"prev_hash", q.Text(6)},   {"hash", q.Text(7)}};
    out << e.dump(-1, ' ', false, ojson::error_handler_t::replace) << "\n";
  }
  if (rc != SQLITE_DONE) return FromSqlite(db_, rc, "cannot read the audit log");
  out.flush();
  return out ? Status::Ok() : Err(Code::Io, "cannot write the export");
}

}  // namespace lexgate::state
