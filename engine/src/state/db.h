// INTERNAL to engine/src/state. The one seam between the state's logic (state.cc: what is stored, the
// ledger's windows, the audit chain, migrations) and a database: a driver runs SQL and says how its
// engine is told apart, locked and laid out. There are two: SQLite (sqlite_db.cc, one file) and
// PostgreSQL (pg_db.cc, libpq, for several servers sharing one ledger). Nothing above this header knows
// which one it talks to.
//
// SQL given to a driver is the common subset both speak: parameters are written ?1 … ?N (the PostgreSQL
// driver turns them into $1 … $N), identifiers that are keywords are double-quoted ("right"), upserts
// use ON CONFLICT. Values travel as text or 64-bit integers; results come back as text (NULL = nullopt).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "state/state.h"

namespace lexgate::state::detail {

using Param = std::variant<std::monostate, int64_t, std::string>;
inline Param Opt(const std::optional<std::string>& s) { return s ? Param(*s) : Param(); }
using Row = std::vector<std::optional<std::string>>;

// What is at a location before we touch it.
enum class Found {
  Empty,    // nothing yet: ours to create (read-write) or not a state (read-only)
  Ours,     // a lexgate state: meta holds its schema_version
  Foreign,  // something else lives there; Db::Refusal() says what
};

class Db {
 public:
  virtual ~Db() = default;

  // How the location is named in messages, e.g. "state file 'x.db'" or "PostgreSQL state 'host/db'".
  virtual const std::string& Where() const = 0;

  // Runs one statement. Rows (as text) go to *rows when given; *changed gets the rows it changed.
  virtual Status Run(const std::string& sql, const std::vector<Param>& params, std::vector<Row>* rows = nullptr,
                     int64_t* changed = nullptr) = 0;
  // Runs several statements without parameters (schema steps, tests).
  virtual Status Script(const std::string& sql, const std::string& what) = 0;

  // A transaction that excludes every other writer of the same state until it ends, so the ledger a
  // recording reads is the ledger it appends to and the audit chain stays one chain. SQLite: BEGIN
  // IMMEDIATE; PostgreSQL: BEGIN and a transaction-level advisory lock.
  virtual Status BeginWrite() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;

  // Schema: what is there, the engine's DDL for each migration step (index v-1 takes v-1 to v), what to
  // do once on a fresh state before the first step, and per-connection settings once it is ours.
  virtual Result<Found> Inspect() = 0;
  virtual std::string Refusal() const = 0;
  virtual const std::vector<std::string>& Steps() const = 0;
  virtual Status MarkOurs() = 0;
  virtual Status Configure(OpenMode mode) = 0;
};

// Opens a driver for a location: a postgresql:// or postgres:// URI, else a file path. Nothing is created
// or read beyond connecting (and, for a file in ReadOnly mode, checking that it exists).
Result<std::unique_ptr<Db>> Connect(const std::string& location, OpenMode mode);
Result<std::unique_ptr<Db>> ConnectSqlite(const std::string& path, OpenMode mode);
Result<std::unique_ptr<Db>> ConnectPostgres(const std::string& uri, OpenMode mode);

}  // namespace lexgate::state::detail
