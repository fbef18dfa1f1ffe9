// sqlite.cc: the state database helpers.
#include "db/sqlite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace authguard::db {

Error sqlite_error(sqlite3* db, const std::string& what) {
  int code = sqlite3_extended_errcode(db) & 0xff;
  bool temporary = code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR ||
                   code == SQLITE_READONLY || code == SQLITE_FULL || code == SQLITE_CANTOPEN ||
                   code == SQLITE_PROTOCOL;
  return Error{temporary ? ErrorKind::kTemporary : ErrorKind::kIo,
               what + ": " + sqlite3_errmsg(db)};
}

StatementCache::~StatementCache() {
  for (auto& [sql, e] : entries_) sqlite3_finalize(e.stmt);
}

sqlite3_stmt* StatementCache::acquire(const char* sql, int& rc, bool& cached) {
  auto it = entries_.find(sql);
  if (it != entries_.end() && !it->second.in_use) {
    it->second.in_use = true;
    cached = true;
    rc = SQLITE_OK;
    return it->second.stmt;
  }
  sqlite3_stmt* s = nullptr;
  rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  cached = rc == SQLITE_OK && it == entries_.end();
  if (cached) entries_.emplace(sql, Entry{s, true});
  return s;
}

void StatementCache::release(sqlite3_stmt* s) noexcept {
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  for (auto& [sql, e] : entries_) {
    if (e.stmt == s) {
      e.in_use = false;
      return;
    }
  }
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
}

Statement::Statement(StatementCache& cache, const char* sql) : db_(cache.db()) {
  bool cached = false;
  s_ = cache.acquire(sql, rc_, cached);
  if (cached) cache_ = &cache;
}

Statement::~Statement() {
  if (cache_ != nullptr) {
    cache_->release(s_);
  } else {
    sqlite3_finalize(s_);
  }
}

Statement& Statement::bind(int i, std::int64_t v) {
  if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(s_, i, v);
  return *this;
}

Statement& Statement::bind(int i, std::string_view v) {
  if (rc_ == SQLITE_OK) {
    rc_ = sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

int Statement::step() {
  if (rc_ != SQLITE_OK) return rc_;
  return sqlite3_step(s_);
}

std::int64_t Statement::i64(int col) const { return sqlite3_column_int64(s_, col); }

std::string Statement::text(int col) const {
  const unsigned char* t = sqlite3_column_text(s_, col);
  return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
}

Result<void> exec(sqlite3* db, const char* sql, const std::string& what) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(sqlite_error(db, what));
  }
  return {};
}

Result<void> run(Statement& q, const std::string& what) {
  if (q.step() != SQLITE_DONE) return std::unexpected(q.error(what));
  return {};
}

Transaction::~Transaction() {
  if (open_) (void)run_sql("ROLLBACK", label_);
}

Result<void> Transaction::run_sql(const char* sql, const std::string& what) {
  if (cache_ == nullptr) return exec(db_, sql, what);
  Statement q(*cache_, sql);
  return run(q, what);
}

Result<void> Transaction::begin(bool write) {
  auto r = run_sql(write ? "BEGIN IMMEDIATE" : "BEGIN", label_ + ": cannot start a transaction");
  open_ = r.has_value();
  return r;
}

Result<void> Transaction::commit() {
  auto r = run_sql("COMMIT", label_ + ": cannot commit");
  if (r) open_ = false;
  return r;
}

Result<Database> open_state_database(const std::string& state_dir, const OpenOptions& options) {
  std::string path = state_dir + "/authguard.db";
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    if (!options.create) return fail(ErrorKind::kNotFound, "no state database in " + state_dir);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorKind::kIo, "cannot create " + path + ": " + std::strerror(errno));
    struct stat sd{};
    if (::geteuid() == 0 && ::stat(state_dir.c_str(), &sd) == 0 && sd.st_uid != 0) {
      (void)::fchown(fd, sd.st_uid, sd.st_gid);
    }
    ::close(fd);
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
    return fail(ErrorKind::kTemporary, "cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);
  if (auto r = exec(db.get(),
                    options.durable ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    "cannot set up " + path);
      !r) {
    return std::unexpected(r.error());
  }
  return db;
}

}  // namespace authguard::db
