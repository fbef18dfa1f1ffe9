// sqlite_store.cc: VerdictLog on SQLite (C API), in the state database
// shared with the key, history and quarantine stores; one transaction per
// write, one read transaction per scan.
#include <sqlite3.h>

#include <algorithm>
#include <limits>

#include "core/guarded.h"
#include "db/sqlite.h"
#include "verdictlog/store.h"

namespace authguard::verdictlog {

namespace {

// One row per message; the time index serves both `since` and `sweep`.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS verdict_log (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS verdict_log_by_time ON verdict_log (time);
)sql";

using Stmt = db::Statement;

struct Connection {
  sqlite3* db = nullptr;
  std::unique_ptr<db::StatementCache> cache;  // append's INSERT, prepared once
};

}  // namespace

struct SqliteVerdictLog::Impl {
  Guarded<Connection> conn;
  ~Impl() {
    auto c = conn.lock();
    c->cache.reset();  // finalized before the connection closes
    if (c->db != nullptr) sqlite3_close(c->db);
  }
};

SqliteVerdictLog::SqliteVerdictLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteVerdictLog::~SqliteVerdictLog() = default;

Result<std::unique_ptr<SqliteVerdictLog>> SqliteVerdictLog::open(const std::string& state_dir,
                                                                 SqliteVerdictLogOptions options) {
  // Advisory (`rules simulate` estimates from it): NORMAL, so a message
  // costs no fsync here; a power cut may lose the last entries, never the
  // database.
  auto opened = db::open_state_database(
      state_dir, {.create = options.create, .busy_timeout_ms = options.busy_timeout_ms, .durable = false});
  if (!opened) return std::unexpected(opened.error());
  auto impl = std::make_unique<Impl>();
  {
    auto conn = impl->conn.lock();
    conn->db = opened->release();
    if (auto r = db::exec(conn->db, kSchema,
                          "cannot create the verdict log table in " + state_dir + "/authguard.db");
        !r) {
      return std::unexpected(r.error());
    }
  }
  return std::unique_ptr<SqliteVerdictLog>(new SqliteVerdictLog(std::move(impl)));
}

Result<void> SqliteVerdictLog::append(LoggedVerdict entry) {
  apply_limits(entry);
  std::string record = encode_record(entry);
  auto conn = impl_->conn.lock();
  if (!conn->cache) conn->cache = std::make_unique<db::StatementCache>(conn->db);
  // One INSERT commits on its own (autocommit): no transaction around it.
  Stmt q(*conn->cache, "INSERT INTO verdict_log (time, record) VALUES (?1, ?2)");
  q.bind(1, entry.time).bind(2, record);
  return db::run(q, "verdict log: cannot append");
}

Result<ReadStats> SqliteVerdictLog::scan(UnixTime from, std::size_t max_entries,
                                         const std::function<void(const LoggedVerdict&)>& visit) {
  // One row past the limit tells whether there were more.
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max() - 1);
  const std::size_t limit = std::min(max_entries, kMaxLimit);
  auto conn = impl_->conn.lock();
  sqlite3* db = conn->db;
  // One read transaction: the scan sees one snapshot while writers append.
  db::Transaction tx(db, "verdict log");
  if (auto r = tx.begin(false); !r) return std::unexpected(r.error());
  Stmt q(db, "SELECT id, time, record FROM verdict_log WHERE time >= ?1 ORDER BY time, id LIMIT ?2");
  q.bind(1, from).bind(2, static_cast<std::int64_t>(limit) + 1);
  ReadStats stats;
  std::size_t rows = 0;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    if (rows == limit) {
      stats.limit_reached = true;
      break;
    }
    ++rows;
    auto e = decode_record(q.text(2));
    if (!e) {
      ++stats.corrupt;
      continue;
    }
    e->id = q.i64(0);
    e->time = q.i64(1);
    ++stats.entries;
    visit(*e);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return std::unexpected(q.error("verdict log: cannot read"));
  }
  if (auto r = tx.commit(); !r) return std::unexpected(r.error());
  return stats;
}

Result<std::int64_t> SqliteVerdictLog::sweep(UnixTime before) {
  auto conn = impl_->conn.lock();
  db::Transaction tx(conn->db, "verdict log");
  if (auto r = tx.begin(true); !r) return std::unexpected(r.error());
  Stmt q(conn->db, "DELETE FROM verdict_log WHERE time < ?1");
  q.bind(1, before);
  if (auto r = db::run(q, "verdict log: cannot sweep"); !r) return std::unexpected(r.error());
  std::int64_t n = sqlite3_changes64(conn->db);
  if (auto r = tx.commit(); !r) return std::unexpected(r.error());
  return n;
}

}  // namespace authguard::verdictlog
