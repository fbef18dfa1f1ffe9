// sqlite_store.cc: QuarantineStore on SQLite (C API), in the state database
// shared with the key and history stores; one transaction per write.
#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <utility>

#include "core/guarded.h"
#include "db/sqlite.h"
#include "quarantine/store.h"

namespace authguard::quarantine {

namespace {

// recipients is a JSON array, so one column holds any number of them and
// SQLite's json_each can match one in a filter. raw is a BLOB: a message may
// hold NUL bytes or invalid UTF-8, which TEXT would not keep faithfully.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS quarantine_messages (
  id TEXT PRIMARY KEY,
  received INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  mail_from TEXT NOT NULL,
  recipients TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  helo TEXT NOT NULL,
  subject TEXT NOT NULL,
  from_addr TEXT NOT NULL,
  rule TEXT NOT NULL,
  policy TEXT NOT NULL,
  verdict_json TEXT NOT NULL,
  raw BLOB NOT NULL,
  released INTEGER NOT NULL DEFAULT 0,
  report TEXT NOT NULL DEFAULT '',
  notified INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS quarantine_messages_by_received ON quarantine_messages (received);
CREATE INDEX IF NOT EXISTS quarantine_messages_by_expires ON quarantine_messages (expires);
)sql";

// Columns added after the first schema, with what adds them to an older
// database (ALTER TABLE ADD COLUMN keeps every row).
constexpr std::array<std::pair<const char*, const char*>, 3> kAddedColumns = {{
    {"released", "ALTER TABLE quarantine_messages ADD COLUMN released INTEGER NOT NULL DEFAULT 0"},
    {"report", "ALTER TABLE quarantine_messages ADD COLUMN report TEXT NOT NULL DEFAULT ''"},
    {"notified", "ALTER TABLE quarantine_messages ADD COLUMN notified INTEGER NOT NULL DEFAULT 0"},
}};

constexpr std::size_t kIdBytes = 8;  // 16 hex digits

using Stmt = db::Statement;
using db::run;

// A statement for the columns db::Statement cannot carry (a BLOB with NUL
// bytes); finalized on destruction.
struct RawStmt {
  sqlite3_stmt* s = nullptr;
  RawStmt(sqlite3* db, const char* sql) { rc = sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
  ~RawStmt() { sqlite3_finalize(s); }
  RawStmt(const RawStmt&) = delete;
  RawStmt& operator=(const RawStmt&) = delete;
  int rc = SQLITE_OK;
  void text(int i, std::string_view v) {
    if (rc == SQLITE_OK) {
      rc = sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
  }
  void i64(int i, std::int64_t v) {
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s, i, v);
  }
  void blob(int i, std::string_view v) {
    if (rc == SQLITE_OK) {
      rc = sqlite3_bind_blob64(s, i, v.data(), v.size(), SQLITE_TRANSIENT);
    }
  }
  int step() { return rc == SQLITE_OK ? sqlite3_step(s) : rc; }
};

Result<std::string> new_id() {
  std::array<unsigned char, kIdBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return fail(ErrorKind::kInternal, "quarantine store: RAND_bytes failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0x0f];
  }
  return id;
}

bool well_formed_id(std::string_view id) {
  if (id.size() != 2 * kIdBytes) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A JSON string literal (RFC 8259 §7): quote, backslash and controls escaped.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      std::array<char, 8> buf{};
      std::snprintf(buf.data(), buf.size(), "\\u%04x", u);
      out += buf.data();
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string recipients_json(const std::vector<std::string>& recipients) {
  std::string out = "[";
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, recipients[i]);
  }
  out += ']';
  return out;
}

// The array written by recipients_json, read back by SQLite's own JSON
// parser rather than a second one here.
Result<std::vector<std::string>> decode_recipients(sqlite3* db, const std::string& json) {
  Stmt q(db, "SELECT value FROM json_each(?1)");
  q.bind(1, json);
  std::vector<std::string> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.text(0));
  if (rc != SQLITE_DONE) return std::unexpected(q.error("quarantine store: bad recipients"));
  return out;
}

constexpr const char* kColumns =
    "id, received, expires, mail_from, recipients, client_ip, helo, subject, from_addr, rule, "
    "policy, verdict_json, released, report, notified";

// Reads the columns of kColumns (in order) from the current row.
Result<QuarantineEntry> read_row(sqlite3* db, const Stmt& q) {
  QuarantineEntry e;
  e.id = q.text(0);
  e.received = q.i64(1);
  e.expires = q.i64(2);
  e.mail_from = q.text(3);
  auto rcpts = decode_recipients(db, q.text(4));
  if (!rcpts) return std::unexpected(rcpts.error());
  e.recipients = std::move(*rcpts);
  e.client_ip = q.text(5);
  e.helo = q.text(6);
  e.subject = q.text(7);
  e.from_addr = q.text(8);
  e.rule = q.text(9);
  e.policy = q.text(10);
  e.verdict_json = q.text(11);
  e.released = q.i64(12);
  e.report = q.text(13);
  e.notified = q.i64(14);
  return e;
}

}  // namespace

struct Connection {
  sqlite3* db = nullptr;
};

struct SqliteQuarantineStore::Impl {
  Guarded<Connection> conn;
  SqliteQuarantineOptions options;
  ~Impl() {
    auto c = conn.lock();
    if (c->db != nullptr) sqlite3_close(c->db);
  }
};

SqliteQuarantineStore::SqliteQuarantineStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
SqliteQuarantineStore::~SqliteQuarantineStore() = default;

Result<std::unique_ptr<SqliteQuarantineStore>> SqliteQuarantineStore::open(
    const std::string& state_dir, SqliteQuarantineOptions options) {
  if (options.retention_seconds <= 0) {
    return fail(ErrorKind::kConfig, "quarantine store: retention must be positive");
  }
  auto opened = db::open_state_database(
      state_dir, {.create = true, .busy_timeout_ms = options.busy_timeout_ms});
  if (!opened) return std::unexpected(opened.error());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  {
    auto conn = impl->conn.lock();
    conn->db = opened->release();
    if (auto r = db::exec(conn->db, kSchema,
                          "cannot create the quarantine table in " + state_dir + "/authguard.db");
        !r) {
      return std::unexpected(r.error());
    }
    for (const auto& [column, alter] : kAddedColumns) {
      std::string probe = std::string("SELECT ") + column + " FROM quarantine_messages LIMIT 0";
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v2(conn->db, probe.c_str(), -1, &s, nullptr);
      sqlite3_finalize(s);
      if (rc == SQLITE_OK) continue;
      if (auto r = db::exec(conn->db, alter, "cannot upgrade the quarantine table"); !r) {
        return std::unexpected(r.error());
      }
    }
  }
  return std::unique_ptr<SqliteQuarantineStore>(new SqliteQuarantineStore(std::move(impl)));
}

Result<std::string> SqliteQuarantineStore::put(const QuarantineEntry& entry) {
  if (entry.raw.size() > impl_->options.max_message_bytes) {
    return fail(ErrorKind::kLimitExceeded,
                "quarantine store: message of " + std::to_string(entry.raw.size()) +
                    " bytes is over max_message_bytes (" +
                    std::to_string(impl_->options.max_message_bytes) + ")");
  }
  if (entry.policy != kPolicyAdminOnly && entry.policy != kPolicyUserRelease) {
    return fail(ErrorKind::kInvalidInput, "quarantine store: unknown policy " + entry.policy);
  }
  auto id = new_id();
  if (!id) return id;
  UnixTime expires =
      entry.expires != 0 ? entry.expires : entry.received + impl_->options.retention_seconds;

  auto conn = impl_->conn.lock();
  db::Transaction tx(conn->db, "quarantine store");
  if (auto r = tx.begin(true); !r) return std::unexpected(r.error());
  if (const std::uint64_t cap = impl_->options.max_database_bytes; cap > 0) {
    // The cap is on what the quarantine holds, counted in this transaction:
    // the state database's other tables (the verdict log, history) grow on
    // their own, and must not make every held message wait for room.
    db::Statement held(conn->db, "SELECT coalesce(sum(length(raw)), 0) FROM quarantine_messages");
    if (held.step() != SQLITE_ROW) {
      return std::unexpected(db::sqlite_error(conn->db, "quarantine store: cannot measure the quarantine"));
    }
    const auto total = static_cast<std::uint64_t>(held.i64(0)) + entry.raw.size();
    if (total > cap) {
      return fail(ErrorKind::kTemporary, "quarantine store: full (held messages would take " +
                                             std::to_string(total) + " bytes, over the cap of " +
                                             std::to_string(cap) + ")");
    }
  }
  RawStmt q(conn->db,
            "INSERT INTO quarantine_messages (id, received, expires, mail_from, recipients, "
            "client_ip, helo, subject, from_addr, rule, policy, verdict_json, raw) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  q.text(1, *id);
  q.i64(2, entry.received);
  q.i64(3, expires);
  q.text(4, entry.mail_from);
  q.text(5, recipients_json(entry.recipients));
  q.text(6, entry.client_ip);
  q.text(7, entry.helo);
  q.text(8, entry.subject);
  q.text(9, entry.from_addr);
  q.text(10, entry.rule);
  q.text(11, entry.policy);
  q.text(12, entry.verdict_json);
  q.blob(13, entry.raw);
  if (q.step() != SQLITE_DONE) {
    return std::unexpected(db::sqlite_error(conn->db, "quarantine store: cannot store a message"));
  }
  // Only now is the message quarantined: a failed commit is kTemporary too.
  if (auto r = tx.commit(); !r) return std::unexpected(r.error());
  return *id;
}

Result<std::vector<QuarantineEntry>> SqliteQuarantineStore::list(const QuarantineFilter& filter) {
  auto conn = impl_->conn.lock();
  sqlite3* db = conn->db;
  // One statement for every filter: an empty (or unbound, NULL) parameter
  // matches everything, so no SQL is assembled from input.
  std::string sql = std::string("SELECT ") + kColumns +
                    " FROM quarantine_messages WHERE "
                    "(?1 = '' OR lower(mail_from) = lower(?1) OR lower(from_addr) = lower(?1)) "
                    "AND (?2 = '' OR EXISTS (SELECT 1 FROM json_each(recipients) "
                    "WHERE lower(value) = lower(?2))) "
                    "AND (?3 = '' OR rule = ?3) "
                    "AND (?4 IS NULL OR received >= ?4) "
                    "AND (?5 IS NULL OR received < ?5) "
                    "AND (?6 = '' OR instr(lower(subject), lower(?6)) > 0) "
                    "ORDER BY received, id";
  Stmt q(db, sql.c_str());
  q.bind(1, filter.sender).bind(2, filter.recipient).bind(3, filter.rule);
  if (filter.since) q.bind(4, *filter.since);
  if (filter.until) q.bind(5, *filter.until);
  q.bind(6, filter.subject_contains);
  std::vector<QuarantineEntry> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    auto e = read_row(db, q);
    if (!e) return std::unexpected(e.error());
    out.push_back(std::move(*e));
  }
  if (rc != SQLITE_DONE) return std::unexpected(q.error("quarantine store: cannot list"));
  return out;
}

Result<QuarantineEntry> SqliteQuarantineStore::get(std::string_view id) {
  if (!well_formed_id(id)) {
    return fail(ErrorKind::kNotFound, "quarantine store: no message " + std::string(id));
  }
  auto conn = impl_->conn.lock();
  sqlite3* db = conn->db;
  // One read transaction: a remove() can't fall between the two reads.
  db::Transaction tx(db, "quarantine store");
  if (auto r = tx.begin(false); !r) return std::unexpected(r.error());
  QuarantineEntry e;
  {
    std::string sql = std::string("SELECT ") + kColumns + " FROM quarantine_messages WHERE id = ?1";
    Stmt q(db, sql.c_str());
    q.bind(1, id);
    int rc = q.step();
    if (rc == SQLITE_DONE) {
      return fail(ErrorKind::kNotFound, "quarantine store: no message " + std::string(id));
    }
    if (rc != SQLITE_ROW) return std::unexpected(q.error("quarantine store: cannot read"));
    auto row = read_row(db, q);
    if (!row) return std::unexpected(row.error());
    e = std::move(*row);
  }
  RawStmt q(db, "SELECT raw FROM quarantine_messages WHERE id = ?1");
  q.text(1, id);
  if (q.step() != SQLITE_ROW) {
    return std::unexpected(db::sqlite_error(db, "quarantine store: cannot read the message"));
  }
  const void* p = sqlite3_column_blob(q.s, 0);
  int n = sqlite3_column_bytes(q.s, 0);
  if (p != nullptr && n > 0) e.raw.assign(static_cast<const char*>(p), static_cast<std::size_t>(n));
  if (auto r = tx.commit(); !r) return std::unexpected(r.error());
  return e;
}

Result<void> SqliteQuarantineStore::remove(std::string_view id) {
  if (!well_formed_id(id)) {
    return fail(ErrorKind::kNotFound, "quarantine store: no message " + std::string(id));
  }
  auto conn = impl_->conn.lock();
  db::Transaction tx(conn->db, "quarantine store");
  if (auto r = tx.begin(true); !r) return r;
  Stmt q(conn->db, "DELETE FROM quarantine_messages WHERE id = ?1");
  q.bind(1, id);
  if (auto r = run(q, "quarantine store: cannot delete " + std::string(id)); !r) return r;
  if (sqlite3_changes(conn->db) == 0) {
    return fail(ErrorKind::kNotFound, "quarantine store: no message " + std::string(id));
  }
  return tx.commit();
}

Result<void> SqliteQuarantineStore::update(std::string_view id, const char* sql,
                                           const std::function<void(db::Statement&)>& bind,
                                           std::string_view what) {
  if (!well_formed_id(id)) {
    return fail(ErrorKind::kNotFound, "quarantine store: no message " + std::string(id));
  }
  auto conn = impl_->conn.lock();
  db::Transaction tx(conn->db, "quarantine store");
  if (auto r = tx.begin(true); !r) return r;
  Stmt q(conn->db, sql);
  q.bind(1, id);
  bind(q);
  if (auto r = run(q, "quarantine store: cannot record the " + std::string(what) + " of " +
                          std::string(id));
      !r) {
    return r;
  }
  if (sqlite3_changes(conn->db) == 0) {
    return fail(ErrorKind::kNotFound, "quarantine store: no message " + std::string(id));
  }
  return tx.commit();
}

Result<void> SqliteQuarantineStore::mark_released(std::string_view id, UnixTime when) {
  return update(id, "UPDATE quarantine_messages SET released = ?2 WHERE id = ?1",
                [when](db::Statement& q) { q.bind(2, when); }, "release");
}

Result<void> SqliteQuarantineStore::mark_reported(std::string_view id, std::string_view report) {
  return update(id, "UPDATE quarantine_messages SET report = ?2 WHERE id = ?1",
                [report](db::Statement& q) { q.bind(2, report); }, "report");
}

Result<void> SqliteQuarantineStore::mark_notified(std::string_view id, UnixTime when) {
  return update(id, "UPDATE quarantine_messages SET notified = ?2 WHERE id = ?1",
                [when](db::Statement& q) { q.bind(2, when); }, "notification");
}

Result<std::int64_t> SqliteQuarantineStore::sweep(UnixTime now) {
  auto conn = impl_->conn.lock();
  db::Transaction tx(conn->db, "quarantine store");
  if (auto r = tx.begin(true); !r) return std::unexpected(r.error());
  Stmt q(conn->db, "DELETE FROM quarantine_messages WHERE expires <= ?1");
  q.bind(1, now);
  if (auto r = run(q, "quarantine store: cannot sweep"); !r) return std::unexpected(r.error());
  std::int64_t n = sqlite3_changes64(conn->db);
  if (auto r = tx.commit(); !r) return std::unexpected(r.error());
  return n;
}

}  // namespace authguard::quarantine
