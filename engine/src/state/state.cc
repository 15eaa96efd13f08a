// The state's logic, the same for every database (see state.h for what it holds and the invariants every
// write keeps). The SQL here is the subset both drivers speak (db.h); sqlite_db.cc and pg_db.cc hold what
// differs: connecting, locking writers, telling a lexgate state apart, and the DDL of each schema step.
#include "state/state.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include <nlohmann/json.hpp>

#include "base/date.h"
#include "eval/render.h"
#include "state/db.h"

namespace lexgate::state {

namespace {

using json = nlohmann::json;                 // sorted keys: the canonical form
using ojson = nlohmann::ordered_json;
using detail::Db;
using detail::Found;
using detail::Param;
using detail::Row;

const std::string kGenesis(64, '0');

Status Err(Code code, std::string msg) { return Status{code, std::move(msg)}; }

// A writer transaction (db.h: it excludes every other writer); rolled back unless committed.
class Tx {
 public:
  explicit Tx(Db& db) : db_(db) {}
  Status Begin() {
    Status s = db_.BeginWrite();
    open_ = s.ok();
    return s;
  }
  Status Commit() {
    Status s = db_.Commit();
    open_ = false;  // a failed COMMIT has ended the transaction too
    return s;
  }
  ~Tx() {
    if (open_) db_.Rollback();
  }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

 private:
  Db& db_;
  bool open_ = false;
};

int64_t Int(const std::optional<std::string>& v) {
  if (!v) return 0;
  try {
    return std::stoll(*v);
  } catch (...) {
    return 0;
  }
}

std::optional<int32_t> OptDate(const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  return ParseDate(*v);
}

std::string Text(const std::optional<std::string>& v) { return v.value_or(std::string()); }

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
  if (i < 0 || !c.SlotKnown(i)) return std::nullopt;
  return eval::SlotText(prog, c, prog.root.slots[i], c.Slot(i));
}

std::optional<std::string> SlotDate(const ir::Program& prog, const eval::Case& c, const std::string& path) {
  int i = SlotIndex(prog, path);
  if (i < 0 || !c.SlotKnown(i)) return std::nullopt;
  return FormatDate(static_cast<Days>(c.Slot(i).lo));
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

Status ReadMeta(Db& db, const std::string& key, std::string& out) {
  std::vector<Row> rows;
  if (Status s = db.Run("SELECT value FROM meta WHERE key = ?1", {key}, &rows); !s.ok()) return s;
  if (rows.empty()) return Err(Code::NotLexgate, "not a lexgate state file (meta." + key + " is missing)");
  out = Text(rows[0].at(0));
  return Status::Ok();
}

Status WriteMeta(Db& db, const std::string& key, const std::string& value) {
  return db.Run("UPDATE meta SET value = ?2 WHERE key = ?1", {key, value});
}

// Appends one entry to the audit chain; the caller holds the writer transaction.
Status AppendAudit(Db& db, const std::string& event, const std::string& case_id, const std::string& decision,
                   const std::string& rulesets) {
  std::string head_seq, head_hash;
  if (Status s = ReadMeta(db, "audit_head_seq", head_seq); !s.ok()) return s;
  if (Status s = ReadMeta(db, "audit_head_hash", head_hash); !s.ok()) return s;
  int64_t seq = Int(head_seq) + 1;
  std::string at = NowUtc();
  std::string hash = Sha256Hex(head_hash + EntryText(seq, at, event, case_id, decision, rulesets));
  if (Status s = db.Run("INSERT INTO audit(seq, at, event, case_id, decision_json, rulesets_json, prev_hash, hash) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                        {seq, at, event, case_id, decision, rulesets, head_hash, hash});
      !s.ok())
    return Status{s.code, "cannot append to the audit log: " + s.message};
  if (Status s = WriteMeta(db, "audit_head_seq", std::to_string(seq)); !s.ok()) return s;
  return WriteMeta(db, "audit_head_hash", hash);
}

// The schema version of a state that Inspect found to be ours.
Result<int> ReadVersion(Db& db) {
  Result<int> r;
  std::string v;
  if (Status s = ReadMeta(db, "schema_version", v); !s.ok()) {
    r.status = Status{s.code, db.Where() + ": " + s.message};
    return r;
  }
  try {
    r.value = std::stoi(v);
  } catch (...) {
    r.status = Err(Code::NotLexgate, db.Where() + ": schema_version '" + v + "' is not a number");
  }
  return r;
}

// Takes the state to schema version `to` in one writer transaction. The version is read again under the
// writer lock: another process may have created or migrated it since this one looked.
Status Migrate(Db& db, int to) {
  Tx tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  auto found = db.Inspect();
  if (!found.ok()) return found.status;
  if (found.value == Found::Foreign) return Err(Code::NotLexgate, db.Refusal());
  int from = 0;
  if (found.value == Found::Ours) {
    auto v = ReadVersion(db);
    if (!v.ok()) return v.status;
    from = v.value;
  }
  if (from >= to) return tx.Commit();
  const auto& steps = db.Steps();
  for (int v = from + 1; v <= to; ++v) {
    if (Status s = db.Script(steps.at(static_cast<size_t>(v - 1)), "migration to schema version " + std::to_string(v) + " failed"); !s.ok())
      return s;
  }
  if (from == 0)
    if (Status s = db.MarkOurs(); !s.ok()) return s;
  if (Status s = db.Run("INSERT INTO meta(key, value) VALUES('schema_version', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        {std::to_string(to)});
      !s.ok())
    return Status{s.code, "cannot write the schema version: " + s.message};
  return tx.Commit();
}

}  // namespace

namespace detail {

Result<std::unique_ptr<Db>> Connect(const std::string& location, OpenMode mode) {
  return IsPostgres(location) ? ConnectPostgres(location, mode) : ConnectSqlite(location, mode);
}

}  // namespace detail

bool IsPostgres(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

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

Store::Store() = default;
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& location, OpenMode mode) {
  Result<std::unique_ptr<Store>> r;
  auto fail = [&](Status s) {
    r.status = std::move(s);
    return std::move(r);
  };
  auto conn = detail::Connect(location, mode);
  if (!conn.ok()) return fail(conn.status);
  std::unique_ptr<Store> st(new Store());
  st->db_ = std::move(conn.value);
  Db& db = *st->db_;
  const std::string& where = db.Where();

  auto found = db.Inspect();
  if (!found.ok()) return fail(found.status);
  int version = 0;
  // The state's version; one written by a newer lexgate is refused.
  auto read_version = [&]() {
    auto v = ReadVersion(db);
    if (v.ok()) version = v.value;
    if (v.ok() && version > kSchemaVersion)
      v.status = Err(Code::Newer, where + " has schema version " + std::to_string(version) + ", written by a newer lexgate; this one reads up to version " +
                                      std::to_string(kSchemaVersion) + " — upgrade lexgate");
    return v.status;
  };
  if (found.value == Found::Foreign) return fail(Err(Code::NotLexgate, db.Refusal()));
  if (found.value == Found::Ours) {
    if (Status s = read_version(); !s.ok()) return fail(s);
  } else if (mode == OpenMode::ReadOnly) {
    return fail(Err(Code::NotLexgate, where + " is empty: not a lexgate state file"));
  }
  if (Status s = db.Configure(mode); !s.ok()) return fail(s);
  if (version < kSchemaVersion) {
    if (mode == OpenMode::ReadOnly)
      return fail(Err(Code::Older, where + " has schema version " + std::to_string(version) + "; it is upgraded to version " +
                                       std::to_string(kSchemaVersion) + " the next time a command writes to it"));
    if (Status s = Migrate(db, kSchemaVersion); !s.ok()) return fail(Err(s.code, s.message.rfind(where, 0) == 0 ? s.message : where + ": " + s.message));
    if (Status s = read_version(); !s.ok()) return fail(s);  // as migrated by this process or another
  }
  st->version_ = version;
  r.value = std::move(st);
  return r;
}

Status CreateAtVersion(const std::string& location, int version) {
  auto conn = detail::Connect(location, OpenMode::ReadWrite);
  if (!conn.ok()) return conn.status;
  if (Status s = conn.value->Configure(OpenMode::ReadWrite); !s.ok()) return s;
  return Migrate(*conn.value, std::clamp(version, 1, kSchemaVersion));
}

Status ExecRaw(const std::string& location, const std::string& sql) {
  auto conn = detail::Connect(location, OpenMode::ReadWrite);
  if (!conn.ok()) return conn.status;
  return conn.value->Script(sql, "cannot run SQL");
}

Status Store::Exec(const std::string& sql) { return db_->Script(sql, "cannot run SQL"); }

Result<std::optional<std::string>> Store::Query(const std::string& sql) {
  Result<std::optional<std::string>> r;
  std::vector<Row> rows;
  r.status = db_->Run(sql, {}, &rows);
  if (r.ok() && !rows.empty() && !rows[0].empty()) r.value = rows[0][0];
  return r;
}

Result<std::unique_ptr<Store>> StorePool::Take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      Result<std::unique_ptr<Store>> r;
      r.value = std::move(free_.back());
      free_.pop_back();
      return r;
    }
  }
  return Store::Open(location_, mode_);
}

void StorePool::Give(std::unique_ptr<Store> store) {
  if (!store) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(store));
}

void StorePool::Clear() {
  std::vector<std::unique_ptr<Store>> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing.swap(free_);
  }
}

// ---------------------------------------------------------------- the ledger

Status Store::FillHistory(const ir::Program& prog, eval::Case& c, HistorySource& source) {
  std::string exporter = ExporterKey(prog, c);
  std::string person = SlotString(prog, c, "exporter.name").value_or(exporter);  // 28 CFR 202: the U.S. person itself
  auto recipient = SlotString(prog, c, "recipient.name");
  std::optional<int32_t> date = c.date;
  for (size_t i = 0; i < prog.root.slots.size(); ++i) {
    const std::string& path = prog.root.slots[i].path;
    if (path.rfind("history.", 0) != 0 || prog.root.slots[i].type.kind != check::TypeKind::Count) continue;
    if (c.SlotKnown(i)) {
      source[path] = "case";
      continue;
    }
    auto dot = path.find('.', 8);
    if (dot == std::string::npos || exporter.empty() || !date) continue;
    std::string window = path.substr(8, dot - 8), category = path.substr(dot + 1);
    std::vector<Row> rows;
    Status s;
    if (window == "since_year_start") {
      Days from = DaysFromCivil(CivilFromDays(*date).year, 1, 1);
      s = db_->Run("SELECT coalesce(sum(count), 0) FROM ledger WHERE exporter = ?1 AND category = ?2 AND date >= ?3 AND date <= ?4 AND case_id <> ?5",
                   {exporter, category, FormatDate(from), FormatDate(*date), c.id}, &rows);
    } else if (window == "last_12_months") {
      if (!recipient || recipient->empty()) continue;
      Days from = AddMonths(*date, -12) + 1;
      s = db_->Run("SELECT coalesce(sum(count), 0) FROM ledger WHERE coalesce(exporter_name, exporter) = ?1 AND recipient = ?2 AND category = ?3"
                   " AND date >= ?4 AND date <= ?5 AND case_id <> ?6",
                   {person, *recipient, category, FormatDate(from), FormatDate(*date), c.id}, &rows);
    } else {
      continue;
    }
    if (!s.ok())
      return Status{s.code, "cannot read the ledger: " + s.message};
    int64_t sum = rows.empty() ? 0 : Int(rows[0].at(0));
    c.SetSlot(i, ir::Val{sum, sum, true});
    source[path] = "ledger";
  }
  return Status::Ok();
}

Status Store::Record(const ir::Program& prog, const eval::Case& c, const eval::Decision& d, const std::string& decision_json,
                     bool& recorded) {
  recorded = false;
  if (c.id.empty()) return Err(Code::BadCase, "the case has no id: only cases with an id can be recorded");
  Tx tx(*db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  bool inserted = false;
  if (Status s = RecordIn(prog, c, d, decision_json, inserted); !s.ok() || !inserted) return s;  // not inserted: already there, the Tx rolls back
  if (Status s = tx.Commit(); !s.ok()) return s;
  recorded = true;
  return Status::Ok();
}

Status Store::Check(const ir::Program& prog, eval::Case& c, const eval::EvalOptions& eo, bool record, Checked& out) {
  out.recorded = false;
  out.source.clear();
  if (!record) {
    if (Status s = FillHistory(prog, c, out.source); !s.ok()) return s;
    out.decision = eval::Evaluate(prog, c, eo);
    return Status::Ok();
  }
  if (c.id.empty()) return Err(Code::BadCase, "the case has no id: only cases with an id can be recorded");
  Tx tx(*db_);
  if (Status s = tx.Begin(); !s.ok()) return s;
  if (Status s = FillHistory(prog, c, out.source); !s.ok()) return s;
  out.decision = eval::Evaluate(prog, c, eo);
  eval::RenderOptions en;
  en.history_source = out.source;
  bool inserted = false;
  if (Status s = RecordIn(prog, c, out.decision, eval::RenderJson(prog, out.decision, en), inserted); !s.ok() || !inserted) return s;
  if (Status s = tx.Commit(); !s.ok()) return s;
  out.recorded = true;
  return Status::Ok();
}

// The rows of one recorded case; the caller holds the writer transaction. inserted = false when the case
// id is already recorded (nothing written).
Status Store::RecordIn(const ir::Program& prog, const eval::Case& c, const eval::Decision& d, const std::string& decision_json,
                       bool& inserted) {
  inserted = false;
  Db& db = *db_;
  const check::Project& p = *prog.project;
  std::string date = FormatDate(c.date ? *c.date : d.as_of);
  std::string exporter = ExporterKey(prog, c);
  auto kind = SlotString(prog, c, "kind");
  {
    int64_t n = 0;
    if (Status s = db.Run("INSERT INTO cases(case_id, exporter, date, kind, recorded_at) VALUES(?1,?2,?3,?4,?5) ON CONFLICT(case_id) DO NOTHING",
                          {c.id, exporter, date, detail::Opt(kind), NowUtc()}, nullptr, &n);
        !s.ok())
      return Status{s.code, "cannot record the case: " + s.message};
    if (n == 0) return Status::Ok();
    inserted = true;
  }
  if (!exporter.empty()) {
    auto recipient = SlotString(prog, c, "recipient.name");
    auto exporter_name = SlotString(prog, c, "exporter.name");
    for (size_t i = 0; i < prog.root.slots.size(); ++i) {
      const std::string& path = prog.root.slots[i].path;
      if (path.rfind("data.subjects.", 0) != 0 || !c.SlotKnown(i) || c.Slot(i).lo <= 0) continue;
      if (Status s = db.Run("INSERT INTO ledger(case_id, exporter, exporter_name, category, count, date, recipient) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                            {c.id, exporter, detail::Opt(exporter_name), path.substr(14), c.Slot(i).lo, date, detail::Opt(recipient)});
          !s.ok())
        return Status{s.code, "cannot record the ledger: " + s.message};
    }
  }
  for (const auto& f : d.findings) {
    const auto& r = p.rules[f.rule];
    // Only duties of their own: a finding governed by another instrument's yields to it.
    if (r.modality != check::Modality::Must || f.applies != eval::Tri::True || f.status != eval::Status::Outstanding ||
        f.governed_by >= 0)
      continue;
    std::string acts;
    for (int a : r.actions) acts += (acts.empty() ? "" : "|") + p.actions[a];
    if (r.actions.size() > 1) acts = (r.mode == check::ActionMode::OneOf ? "one_of:" : "all_of:") + acts;
    std::optional<int32_t> due;
    for (const auto& dd : f.due)
      if (dd && (!due || dd->date < *due)) due = dd->date;
    if (Status s = db.Run("INSERT INTO obligations(case_id, rule, actions, due) VALUES(?1,?2,?3,?4)",
                          {c.id, r.id, acts, due ? Param(FormatDate(*due)) : Param()});
        !s.ok())
      return Status{s.code, "cannot record the obligations: " + s.message};
  }
  if (kind && *kind == "ip_event") {
    if (auto no = SlotString(prog, c, "asset.registration_no")) {
      if (Status s = db.Run(
              "INSERT INTO registry(registration_no, holder, \"right\", registered_on, expires_on, case_id) VALUES(?1,?2,?3,?4,?5,?6) "
              "ON CONFLICT(registration_no) DO UPDATE SET holder = coalesce(excluded.holder, registry.holder), "
              "\"right\" = coalesce(excluded.\"right\", registry.\"right\"), "
              "registered_on = coalesce(excluded.registered_on, registry.registered_on), "
              "expires_on = coalesce(excluded.expires_on, registry.expires_on), case_id = excluded.case_id",
              {*no, detail::Opt(SlotString(prog, c, "holder.name")), detail::Opt(SlotString(prog, c, "asset.right")),
               detail::Opt(SlotDate(prog, c, "asset.registered_on")), detail::Opt(SlotDate(prog, c, "asset.expires_on")), c.id});
          !s.ok())
        return Status{s.code, "cannot record the registry: " + s.message};
    }
  }
  json rulesets = json::array();
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    rulesets.push_back(json{{"id", rs.id}, {"version", rs.version}, {"sha256", rs.sha256}, {"state", eval::RulesetStateName(u.state)}});
  }
  return AppendAudit(db, "decision", c.id, Canonical(decision_json), rulesets.dump(-1, ' ', false, json::error_handler_t::replace));
}

// ---------------------------------------------------------------- obligations and the registry

Result<std::vector<Obligation>> Store::Obligations(bool outstanding_only) {
  Result<std::vector<Obligation>> r;
  std::vector<Row> rows;
  r.status = db_->Run(outstanding_only ? "SELECT id, case_id, rule, actions, due, status, done_at FROM obligations WHERE status = 'outstanding' ORDER BY due IS NULL, due, id"
                                       : "SELECT id, case_id, rule, actions, due, status, done_at FROM obligations ORDER BY id",
                      {}, &rows);
  if (!r.ok()) {
    r.status.message = "cannot read the obligations: " + r.status.message;
    return r;
  }
  for (const auto& q : rows)
    r.value.push_back(Obligation{Int(q.at(0)), Text(q.at(1)), Text(q.at(2)), Text(q.at(3)), OptDate(q.at(4)), Text(q.at(5)), OptDate(q.at(6))});
  return r;
}

Result<std::vector<Registration>> Store::Registrations() {
  Result<std::vector<Registration>> r;
  std::vector<Row> rows;
  r.status = db_->Run("SELECT registration_no, holder, \"right\", registered_on, expires_on FROM registry ORDER BY expires_on IS NULL, expires_on, registration_no",
                      {}, &rows);
  if (!r.ok()) {
    r.status.message = "cannot read the registry: " + r.status.message;
    return r;
  }
  for (const auto& q : rows) r.value.push_back(Registration{Text(q.at(0)), Text(q.at(1)), Text(q.at(2)), OptDate(q.at(3)), OptDate(q.at(4))});
  return r;
}

Status Store::MarkDone(int64_t id, int32_t day, bool& already_done) {
  already_done = false;
  Db& db = *db_;
  Tx tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  std::vector<Row> rows;
  if (Status s = db.Run("SELECT case_id, rule, status FROM obligations WHERE id = ?1", {id}, &rows); !s.ok())
    return Status{s.code, "cannot read the obligations: " + s.message};
  if (rows.empty()) return Err(Code::NotFound, "no obligation with id " + std::to_string(id));
  std::string case_id = Text(rows[0].at(0)), rule = Text(rows[0].at(1)), status = Text(rows[0].at(2));
  if (status == "done") {
    already_done = true;
    return Status::Ok();
  }
  if (Status s = db.Run("UPDATE obligations SET status = 'done', done_at = ?2 WHERE id = ?1", {id, FormatDate(day)}); !s.ok())
    return Status{s.code, "cannot mark the obligation done: " + s.message};
  json e = {{"obligation", id}, {"rule", rule}, {"status", "done"}, {"done_at", FormatDate(day)}};
  if (Status s = AppendAudit(db, "done", case_id, e.dump(), "[]"); !s.ok()) return s;
  return tx.Commit();
}

// ---------------------------------------------------------------- the audit log

namespace {
const char* const kAuditRows = "SELECT seq, at, event, case_id, decision_json, rulesets_json, prev_hash, hash FROM audit ORDER BY seq";
}

Result<VerifyReport> Store::VerifyAudit() {
  Result<VerifyReport> r;
  VerifyReport& rep = r.value;
  struct Entry {
    int64_t seq;
    std::string at, event, case_id, decision, rulesets, prev, hash;
  };
  std::vector<Entry> rows;
  {
    std::vector<Row> raw;
    if (Status s = db_->Run(kAuditRows, {}, &raw); !s.ok()) {
      r.status = Status{s.code, "cannot read the audit log: " + s.message};
      return r;
    }
    for (const auto& q : raw)
      rows.push_back(Entry{Int(q.at(0)), Text(q.at(1)), Text(q.at(2)), Text(q.at(3)), Text(q.at(4)), Text(q.at(5)), Text(q.at(6)), Text(q.at(7))});
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
  if (Status s = ReadMeta(*db_, "audit_head_seq", head_seq); !s.ok()) {
    r.status = s;
    return r;
  }
  if (Status s = ReadMeta(*db_, "audit_head_hash", head_hash); !s.ok()) {
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
  std::vector<Row> rows;
  if (Status s = db_->Run(kAuditRows, {}, &rows); !s.ok()) return Status{s.code, "cannot read the audit log: " + s.message};
  auto parsed = [](const std::string& s) {
    ojson j = ojson::parse(s, nullptr, false);
    return j.is_discarded() ? ojson(s) : j;
  };
  for (const auto& q : rows) {
    ojson e = {{"seq", Int(q.at(0))},          {"at", Text(q.at(1))},
               {"event", Text(q.at(2))},       {"case_id", Text(q.at(3))},
               {"decision", parsed(Text(q.at(4)))}, {"rulesets", parsed(Text(q.at(5)))},
               {"prev_hash", Text(q.at(6))},   {"hash", Text(q.at(7))}};
    out << e.dump(-1, ' ', false, ojson::error_handler_t::replace) << "\n";
  }
  out.flush();
  return out ? Status::Ok() : Err(Code::Io, "cannot write the export");
}

}  // namespace lexgate::state
