// The PostgreSQL driver (see db.h), over libpq, for several lexgate processes sharing one ledger.
//
// Location: a libpq URI, postgresql://[user[:password]@][host][:port]/dbname[?param=value…] (host may be
// a Unix socket directory, ?host=/run/postgresql). The state lives in the first schema of the
// connection's search_path (?options=-csearch_path%3Dlexgate picks another). It is lexgate's when its
// meta table says application = lexgate; a schema holding other tables and no such meta is refused.
//
// Writers: every write transaction takes one transaction-level advisory lock (pg_advisory_xact_lock) right
// after BEGIN, so writers from any number of processes and hosts run one at a time, as SQLite's BEGIN
// IMMEDIATE makes them: the ledger a recording reads is the ledger it appends to, and each audit entry is
// chained to the head it read. The primary keys (cases.case_id, audit.seq) would refuse a second copy
// even without the lock. Reads run at READ COMMITTED; a read-only opening sets
// default_transaction_read_only so it cannot write by accident.
//
// libpq is loaded on first use (dlopen), not linked: it pulls in some twenty libraries (Kerberos, LDAP,
// GnuTLS…) whose loading cost every lexgate run ~2–3 ms of process start, and only a postgresql:// state
// needs it. Its header still gives the types and the functions' signatures.
#include <dlfcn.h>
#include <libpq-fe.h>

#include <mutex>

#include <cstdlib>

#include "state/db.h"

namespace lexgate::state::detail {

namespace {

// pg_advisory_xact_lock key: "LXGT" and 1. Advisory locks are per database.
constexpr const char* kWriterLock = "5501116838129106945";  // 0x4C58475400000001
constexpr const char* kConnectTimeoutSeconds = "10";

Status Err(Code code, std::string msg) { return Status{code, std::move(msg)}; }

// The libpq functions used here, resolved once from the library (ABI 5, libpq's soname since 2005).
#define LEXGATE_LIBPQ_FUNCTIONS(X) \
  X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQdb) X(PQerrorMessage) X(PQexec) \
  X(PQexecParams) X(PQfinish) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQhost) X(PQnfields) \
  X(PQntuples) X(PQport) X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) \
  X(PQstatus)

struct Libpq {
#define LEXGATE_MEMBER(f) decltype(&::f) f = nullptr;
  LEXGATE_LIBPQ_FUNCTIONS(LEXGATE_MEMBER)
#undef LEXGATE_MEMBER
};

// The loaded library, or null with `why` saying what failed. Loaded once per process, never unloaded.
const Libpq* LoadLibpq(std::string& why) {
  static std::once_flag once;
  static Libpq api;
  static bool loaded = false;
  static std::string error;
  std::call_once(once, [] {
    void* h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      error = e ? e : "libpq.so.5 not found";
      return;
    }
#define LEXGATE_RESOLVE(f)                                           \
    api.f = reinterpret_cast<decltype(&::f)>(dlsym(h, #f));          \
    if (!api.f) {                                                    \
      error = std::string("libpq.so.5 has no function ") + #f;      \
      return;                                                        \
    }
    LEXGATE_LIBPQ_FUNCTIONS(LEXGATE_RESOLVE)
#undef LEXGATE_RESOLVE
    loaded = true;
  });
  if (!loaded) why = error;
  return loaded ? &api : nullptr;
}

// Step n takes a state from schema_version n-1 to n: the same tables, columns and keys as the SQLite
// driver's steps, in PostgreSQL's types (BIGSERIAL for SQLite's INTEGER PRIMARY KEY, BIGINT counts).
const std::vector<std::string> kSteps = {
    // 1: cases, ledger, audit, meta
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE cases(case_id TEXT PRIMARY KEY, exporter TEXT, date TEXT, kind TEXT, recorded_at TEXT NOT NULL);"
    "CREATE TABLE ledger(id BIGSERIAL PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(case_id),"
    "  exporter TEXT NOT NULL, category TEXT NOT NULL, count BIGINT NOT NULL CHECK(count > 0),"
    "  date TEXT NOT NULL, recipient TEXT);"
    "CREATE INDEX ledger_by_exporter ON ledger(exporter, category, date);"
    "CREATE TABLE audit(seq BIGINT PRIMARY KEY, at TEXT NOT NULL, event TEXT NOT NULL, case_id TEXT,"
    "  decision_json TEXT NOT NULL, rulesets_json TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "INSERT INTO meta VALUES('audit_head_seq', '0'), ('audit_head_hash', '" "0000000000000000000000000000000000000000000000000000000000000000" "');",
    // 2: obligations and the IP registry
    "CREATE TABLE obligations(id BIGSERIAL PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(case_id),"
    "  rule TEXT NOT NULL, actions TEXT NOT NULL, due TEXT,"
    "  status TEXT NOT NULL DEFAULT 'outstanding' CHECK(status IN ('outstanding', 'done')), done_at TEXT);"
    "CREATE INDEX obligations_by_due ON obligations(status, due);"
    "CREATE TABLE registry(registration_no TEXT PRIMARY KEY, holder TEXT, \"right\" TEXT, registered_on TEXT,"
    "  expires_on TEXT, case_id TEXT REFERENCES cases(case_id));",
    // 3: the ledger names the exporter itself and is read per exporter and recipient for 28 CFR 202
    "ALTER TABLE ledger ADD COLUMN exporter_name TEXT;"
    "CREATE INDEX ledger_by_pair ON ledger(exporter_name, recipient, category, date);",
};
static_assert(kSchemaVersion == 3, "add the new step to kSteps (and to the SQLite driver's)");

// The URI without its password, for messages.
std::string Redacted(const std::string& uri) {
  auto scheme = uri.find("://");
  if (scheme == std::string::npos) return uri;
  auto start = scheme + 3;
  auto at = uri.find('@', start);
  auto slash = uri.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return uri;
  auto colon = uri.find(':', start);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon + 1) + "***" + uri.substr(at);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// ?N → $N outside quoted text.
std::string Dollars(const std::string& sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      c = '$';
    }
    out.push_back(c);
  }
  return out;
}

class PgDb final : public Db {
 public:
  PgDb(const Libpq& pq, PGconn* conn, std::string where) : pq_(pq), conn_(conn), where_(std::move(where)) {}
  ~PgDb() override { pq_.PQfinish(conn_); }

  const std::string& Where() const override { return where_; }

  Status Run(const std::string& sql, const std::vector<Param>& params, std::vector<Row>* rows, int64_t* changed) override {
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* s = std::get_if<std::string>(&params[i])) text[i] = *s;
      else if (const auto* v = std::get_if<int64_t>(&params[i])) text[i] = std::to_string(*v);
      else continue;
      values[i] = text[i].c_str();
    }
    PGresult* res = pq_.PQexecParams(conn_, Dollars(sql).c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                                 nullptr, 0);
    Status s = Check(res, "cannot use the state");
    if (s.ok()) {
      if (rows) {
        int n = pq_.PQntuples(res), cols = pq_.PQnfields(res);
        for (int r = 0; r < n; ++r) {
          Row row;
          for (int c = 0; c < cols; ++c) {
            if (pq_.PQgetisnull(res, r, c)) row.emplace_back();
            else row.emplace_back(std::string(pq_.PQgetvalue(res, r, c), static_cast<size_t>(pq_.PQgetlength(res, r, c))));
          }
          rows->push_back(std::move(row));
        }
      }
      if (changed) *changed = std::atoll(pq_.PQcmdTuples(res));
    }
    pq_.PQclear(res);
    return s;
  }

  Status Script(const std::string& sql, const std::string& what) override {
    PGresult* res = pq_.PQexec(conn_, sql.c_str());
    Status s = Check(res, what);
    pq_.PQclear(res);
    return s;
  }

  Status BeginWrite() override {
    if (Status s = Script("BEGIN", "cannot start a transaction"); !s.ok()) return s;
    if (Status s = Script(std::string("SELECT pg_advisory_xact_lock(") + kWriterLock + ")", "cannot lock the state for writing"); !s.ok()) {
      Rollback();
      return s;
    }
    return Status::Ok();
  }
  Status Commit() override { return Script("COMMIT", "cannot commit"); }
  void Rollback() override { pq_.PQclear(pq_.PQexec(conn_, "ROLLBACK")); }

  Result<Found> Inspect() override {
    Result<Found> r;
    std::vector<Row> q;
    Status s = Run("SELECT to_regclass('meta') IS NOT NULL, (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()),"
                   " current_schema()",
                   {}, &q, nullptr);
    if (!s.ok()) {
      r.status = s;
      return r;
    }
    schema_ = q.at(0).at(2).value_or("");
    if (q.at(0).at(0) != "t") {
      r.value = q.at(0).at(1) == "0" ? Found::Empty : Found::Foreign;
      return r;
    }
    std::vector<Row> app;
    if (Status s2 = Run("SELECT value FROM meta WHERE key = 'application'", {}, &app, nullptr); !s2.ok()) {
      r.value = Found::Foreign;  // a meta table of another shape
      return r;
    }
    r.value = !app.empty() && app[0].at(0) == "lexgate" ? Found::Ours : Found::Foreign;
    return r;
  }
  std::string Refusal() const override {
    return where_ + ": schema '" + schema_ + "' holds tables of some other application, not a lexgate state; "
           "use an empty database, or another schema (?options=-csearch_path%3Dlexgate)";
  }
  const std::vector<std::string>& Steps() const override { return kSteps; }
  Status MarkOurs() override { return Script("INSERT INTO meta VALUES('application', 'lexgate')", "cannot initialise the state"); }
  Status Configure(OpenMode mode) override {
    return Script(mode == OpenMode::ReadOnly ? "SET default_transaction_read_only = on" : "SET client_min_messages = warning", where_);
  }

 private:
  // A result's error as a Status; a lost connection says so.
  Status Check(PGresult* res, const std::string& what) {
    ExecStatusType st = res ? pq_.PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
    std::string detail = Trim(res ? pq_.PQresultErrorMessage(res) : pq_.PQerrorMessage(conn_));
    if (detail.empty()) detail = Trim(pq_.PQerrorMessage(conn_));
    const char* state = res ? pq_.PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    std::string msg = where_ + ": " + what + ": " + detail;
    if (pq_.PQstatus(conn_) == CONNECTION_BAD || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0)
      return Err(Code::Unavailable, where_ + ": " + what + ": lost the connection to the PostgreSQL server (" + detail + ")");
    if (code == "25006" || code == "42501") return Err(Code::ReadOnly, msg + " (the state is read-only for this user)");
    if (code == "53100") return Err(Code::Io, msg + " (the server's disk is full)");
    return Err(Code::Io, msg);
  }

  const Libpq& pq_;
  PGconn* conn_;
  std::string where_;
  std::string schema_;
};

}  // namespace

Result<std::unique_ptr<Db>> ConnectPostgres(const std::string& uri, OpenMode) {
  Result<std::unique_ptr<Db>> r;
  std::string why;
  const Libpq* lib = LoadLibpq(why);
  if (!lib) {
    r.status = Err(Code::Unavailable, "cannot use PostgreSQL state '" + Redacted(uri) +
                                          "': the PostgreSQL client library cannot be loaded (" + why +
                                          "); install Debian's libpq5 package");
    return r;
  }
  const Libpq& pq = *lib;
  // Later keywords win, so the URI's own connect_timeout or client_encoding overrides these defaults.
  const char* keys[] = {"connect_timeout", "client_encoding", "fallback_application_name", "dbname", nullptr};
  const char* vals[] = {kConnectTimeoutSeconds, "UTF8", "lexgate", uri.c_str(), nullptr};
  PGconn* conn = pq.PQconnectdbParams(keys, vals, 1);
  if (!conn) {
    r.status = Err(Code::Unavailable, "cannot connect to PostgreSQL state '" + Redacted(uri) + "': out of memory");
    return r;
  }
  if (pq.PQstatus(conn) != CONNECTION_OK) {
    r.status = Err(Code::Unavailable, "cannot connect to PostgreSQL state '" + Redacted(uri) + "': " + Trim(pq.PQerrorMessage(conn)));
    pq.PQfinish(conn);
    return r;
  }
  std::string host = pq.PQhost(conn) ? pq.PQhost(conn) : "";
  std::string where = "PostgreSQL state '" + std::string(pq.PQdb(conn)) + "' on " + (host.empty() || host[0] == '/' ? "socket " : "") + host +
                      ":" + (pq.PQport(conn) ? pq.PQport(conn) : "");
  r.value = std::make_unique<PgDb>(pq, conn, where);
  return r;
}

}  // namespace lexgate::state::detail
