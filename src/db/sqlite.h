// sqlite.h: the state database (<state-dir>/authguard.db), shared by the
// stores that keep state there (keys/, history/, quarantine/, verdictlog/):
// opening it safely, prepared statements (and a cache of them), transactions,
// and errors mapped to authguard's kinds.
//
// A condition that may clear (busy, locked, read-only, disk full, I/O) is
// kTemporary, so a caller answers "try again later" instead of acting on
// missing state; anything else is kIo.
//
//   auto db = open_state_database(state_dir, {.create = true});
//   Transaction tx(db->get(), "history");
//   if (auto r = tx.begin(true); !r) return r;
//   Statement q(db->get(), "INSERT INTO t (a) VALUES (?1)");
//   if (q.bind(1, 42).step() != SQLITE_DONE) return std::unexpected(q.error("insert"));
//   return tx.commit();
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace authguard::db {

[[nodiscard]] Error sqlite_error(sqlite3* db, const std::string& what);

// A connection's prepared statements, kept for reuse. Preparing (parsing and
// planning the SQL) costs more than running a short indexed query, so a
// store on its hot path (history, read for every failing message) prepares
// each statement once. One per connection, used under the connection's lock;
// destroyed (its statements finalized) before the connection is closed.
//
//   StatementCache cache(db);
//   Statement q(cache, "SELECT ... WHERE k = ?1");   // prepared on first use
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  [[nodiscard]] sqlite3* db() const noexcept { return db_; }
  // A reset statement for `sql`, or nullptr with rc set. A statement already
  // in use (the same SQL nested) is prepared afresh and not cached.
  sqlite3_stmt* acquire(const char* sql, int& rc, bool& cached);
  // Gives a cached statement back: reset, bindings cleared.
  void release(sqlite3_stmt* s) noexcept;

 private:
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_;
  std::unordered_map<std::string, Entry> entries_;
};

// One prepared statement; finalized on destruction (or given back to its
// cache). A failed prepare or bind makes step() return that error code.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  Statement(StatementCache& cache, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  [[nodiscard]] bool ok() const noexcept { return rc_ == SQLITE_OK; }
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, std::string_view v);
  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step();
  [[nodiscard]] std::int64_t i64(int col) const;
  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] Error error(const std::string& what) const { return sqlite_error(db_, what); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
  StatementCache* cache_ = nullptr;  // set when s_ is borrowed from it
};

[[nodiscard]] Result<void> exec(sqlite3* db, const char* sql, const std::string& what);
// Steps a statement that returns no rows.
[[nodiscard]] Result<void> run(Statement& q, const std::string& what);

// Rolls back unless committed: an error (or a simulated crash) between
// statements leaves the database as it was.
class Transaction {
 public:
  Transaction(sqlite3* db, std::string label) : db_(db), label_(std::move(label)) {}
  // BEGIN, COMMIT and ROLLBACK from the cache, prepared once.
  Transaction(StatementCache& cache, std::string label)
      : db_(cache.db()), label_(std::move(label)), cache_(&cache) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // A write transaction (BEGIN IMMEDIATE) takes the write lock up front, so a
  // busy database fails here, after the busy timeout, not half-way through.
  [[nodiscard]] Result<void> begin(bool write = true);
  [[nodiscard]] Result<void> commit();

 private:
  Result<void> run_sql(const char* sql, const std::string& what);
  sqlite3* db_;
  std::string label_;
  bool open_ = false;
  StatementCache* cache_ = nullptr;
};

struct Closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};
using Database = std::unique_ptr<sqlite3, Closer>;

struct OpenOptions {
  bool create = true;              // false: a missing file is kNotFound
  int busy_timeout_ms = 10000;     // how long a locked database is waited for
  // true: synchronous=FULL, a commit survives a power cut (one fsync each).
  // false: synchronous=NORMAL, a commit survives the process crashing, and
  // the last ones may be lost to a power cut: for advisory records only.
  bool durable = true;
};

// Opens <state_dir>/authguard.db read-write in WAL mode with synchronous=FULL
// (a committed step survives a power cut), or NORMAL when not `durable`. A new file is made 0600 first, so
// SQLite's -wal and -shm files, which copy its mode, are private too; when
// root makes it in a directory owned by another user, it goes to that user.
[[nodiscard]] Result<Database> open_state_database(const std::string& state_dir,
                                                   const OpenOptions& options = {});

}  // namespace authguard::db
