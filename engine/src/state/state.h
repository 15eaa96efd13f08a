// State that lasts between runs: what lexgate has already decided and what is still owed, kept in one
// SQLite file (the embedded default) or in a PostgreSQL database that several lexgate processes share
// (a postgresql:// or postgres:// URI). Both hold the same tables and behave the same; only the driver
// differs (db.h). The description below says "file" for either.
//
// What it stores
//   meta         key/value: schema_version, the audit chain's head (seq and hash).
//   cases        one row per recorded case id. Recording a case id that is already here is a no-op, so a
//                retried `check --record` never counts a transfer twice.
//   ledger       one row per non-zero subject category of a recorded case (case_id, exporter,
//                exporter_name, category, count, date, recipient). It answers cumulative(...) across runs:
//                before evaluation, every history.<window>.<category> slot the case leaves unknown is
//                filled with the sum of the matching rows in the window, the case's own rows excluded. A
//                history figure the case gives itself always wins. Rows dated after the case do not count.
//                since_year_start (China, 2024 CAC Provisions: "per exporter since 1 January"): 1 January
//                of the case's year up to and including the case date; rows of the same exporter, whose
//                identity is the case's exporter.group if given (non-empty), else exporter.name.
//                last_12_months (28 CFR 202.205: "aggregated across covered data transactions involving
//                the same U.S. person and the same foreign person or covered person"): the day after (case
//                date − 12 months) up to and including the case date; rows of the same exporter itself
//                (exporter.name, not its group) AND the same recipient (recipient.name). A case without a
//                recipient name gets no last_12_months figures. Names are NFC-normalised by the case
//                reader. A case with no exporter name or group adds no ledger rows and gets no figures.
//                (Rows recorded before schema version 3 have no exporter_name; their exporter key stands in.)
//   obligations  outstanding `must` findings of recorded decisions (one row per finding that applies and
//                is outstanding), with the earliest due date of its timing clauses when one is known.
//                status goes outstanding → done (with done_at), never back.
//   registry     the asset of recorded ip_event cases (registration_no, holder, right, registered_on,
//                expires_on), keyed by registration number: a later event updates the row.
//   audit        append-only log. Each entry (seq, at, event, case_id, decision_json, rulesets_json)
//                carries prev_hash (the previous entry's hash; 64 zeros for the first) and
//                hash = SHA-256(prev_hash || canonical entry), the canonical entry being the entry's
//                fields as compact JSON with sorted keys. meta holds the head, so a removed last entry
//                is detected too.
//
// Transactions and invariants
//   A SQLite file runs in WAL mode with foreign keys on and a busy timeout. Every write is one
//   transaction that excludes all other writers (SQLite BEGIN IMMEDIATE; PostgreSQL an advisory
//   transaction lock, see pg_db.cc): a recorded case (cases row, ledger rows, obligations, registry row, audit
//   entry) is all there or none of it is, even when the process is killed mid-way. Migrations run in one
//   transaction from the file's schema_version up to kSchemaVersion; a file with a newer version is
//   refused, as is a file that is not a lexgate database. Check(…, record) reads the ledger, evaluates
//   and records inside that one writer transaction, so concurrent recordings — threads, processes, or
//   servers sharing one PostgreSQL ledger — each see every case recorded before them, and a case id
//   recorded by two of them at once is counted once.
//
// Errors are values (Status); nothing in this module throws across its boundary.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "eval/case.h"
#include "eval/evaluate.h"
#include "ir/program.h"


namespace lexgate::state {

inline constexpr int kSchemaVersion = 3;

enum class Code {
  Ok,
  NotFound,     // the file does not exist (read-only use) or the obligation id is unknown
  NotLexgate,   // a SQLite file of some other application, or not a database at all
  Newer,        // written by a newer lexgate
  Older,        // needs migrating, but it was opened read-only
  ReadOnly,     // the file (or its directory) cannot be written
  Io,           // disk full, I/O error, corruption, busy beyond the timeout
  BadCase,      // the case cannot be recorded (no id)
  Unavailable,  // the PostgreSQL server cannot be reached, or the connection was lost
};

struct Status {
  Code code = Code::Ok;
  std::string message;
  bool ok() const { return code == Code::Ok; }
  static Status Ok() { return {}; }
};

template <class T>
struct Result {
  Status status;
  T value{};
  bool ok() const { return status.ok(); }
};

enum class OpenMode { ReadOnly, ReadWrite };

struct Obligation {
  int64_t id = 0;
  std::string case_id, rule, actions;  // actions: "a" or "one_of:a|b" or "all_of:a|b"
  std::optional<int32_t> due;
  std::string status;                  // outstanding | done
  std::optional<int32_t> done_at;
};

struct Registration {
  std::string registration_no, holder, right;
  std::optional<int32_t> registered_on, expires_on;
};

struct VerifyReport {
  bool intact = true;
  int64_t entries = 0;
  int64_t first_bad_seq = 0;   // 0 when intact
  std::string problem;         // altered | removed | reordered | truncated
  std::string message;
};

// The history.* slots that were filled, by path: "case" (the case gave it) or "ledger".
using HistorySource = std::map<std::string, std::string>;

namespace detail {
class Db;
}

// A location names a PostgreSQL database when it starts with postgresql:// or postgres://; anything
// else is a file path.
bool IsPostgres(const std::string& location);

// What Store::Check gives back.
struct Checked {
  eval::Decision decision;
  HistorySource source;   // where each history slot came from
  bool recorded = false;  // false with record when the case id was recorded before (nothing written)
};

// The exporter identity the ledger is kept by (see above); empty when the case names no exporter.
std::string ExporterKey(const ir::Program& prog, const eval::Case& c);

class Store {
 public:
  // ReadOnly: the file must exist; it is never created or migrated. ReadWrite: created if missing,
  // migrated if older. location: a file path or a postgresql:// URI.
  static Result<std::unique_ptr<Store>> Open(const std::string& location, OpenMode mode);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int SchemaVersion() const { return version_; }

  // Fills unknown history slots from the ledger and says where each history slot's value came from.
  Status FillHistory(const ir::Program& prog, eval::Case& c, HistorySource& source);
  // Records an evaluated case in one transaction. recorded = false when the case id was already there.
  // decision_json: the rendered decision (any key order; stored canonically).
  Status Record(const ir::Program& prog, const eval::Case& c, const eval::Decision& d,
                const std::string& decision_json, bool& recorded);
  // Fills the case's unknown history from the ledger and evaluates it; with record, also records it
  // (the audit log keeps the decision as JSON in English) — all in one writer transaction.
  Status Check(const ir::Program& prog, eval::Case& c, const eval::EvalOptions& eo, bool record, Checked& out);

  Result<std::vector<Obligation>> Obligations(bool outstanding_only);
  Result<std::vector<Registration>> Registrations();
  // Marks an obligation done on `day` and appends an audit entry; already_done when it was done before.
  Status MarkDone(int64_t id, int32_t day, bool& already_done);

  Result<VerifyReport> VerifyAudit();
  // One JSON object per line, in seq order.
  Status ExportAudit(std::ostream& out);

  // For tests and tools: runs SQL (statements without parameters) on the connection; Query returns the
  // first column of the first row (nullopt for no row or NULL).
  Status Exec(const std::string& sql);
  Result<std::optional<std::string>> Query(const std::string& sql);

 private:
  Store();
  Status RecordIn(const ir::Program& prog, const eval::Case& c, const eval::Decision& d, const std::string& decision_json,
                  bool& inserted);
  std::unique_ptr<detail::Db> db_;
  int version_ = 0;
};

// Open stores for a server's threads: Take opens one when none is free; Give returns one for reuse. Give
// back only a store whose last call succeeded (a failed one may have lost its connection).
class StorePool {
 public:
  StorePool(std::string location, OpenMode mode) : location_(std::move(location)), mode_(mode) {}
  Result<std::unique_ptr<Store>> Take();
  void Give(std::unique_ptr<Store> store);
  // Closes the free stores (after one found its connection lost, the others likely have too).
  void Clear();

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Store>> free_;
  std::string location_;
  OpenMode mode_;
};

// Creates a new file (or database) at an older schema version (tests of migrations).
Status CreateAtVersion(const std::string& location, int version);
// Runs SQL on a location without opening it as a state (no version check, no migration; tests).
Status ExecRaw(const std::string& location, const std::string& sql);
// SHA-256 as lower-case hex.
std::string Sha256Hex(const std::string& data);

}  // namespace lexgate::state
