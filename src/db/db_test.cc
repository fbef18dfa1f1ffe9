// db_test.cc: the state database helpers: the statement cache (reuse,
// nesting, reset after a partial read, bindings cleared) and transactions
// through it.
#include <gtest/gtest.h>

#include "db/sqlite.h"
#include "support/nsd_server.h"

namespace authguard::db {
namespace {

using authguard::testing::TempDir;

Database open_db(const TempDir& dir) {
  auto db = open_state_database(dir.path());
  EXPECT_TRUE(db.has_value());
  EXPECT_TRUE(exec(db->get(), "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", "create"));
  return std::move(*db);
}

TEST(StatementCache, ReusesOnePreparedStatement) {
  TempDir dir;
  Database db = open_db(dir);
  StatementCache cache(db.get());
  const char* insert = "INSERT INTO t (k, v) VALUES (?1, ?2)";
  for (std::int64_t k = 1; k <= 3; ++k) {
    Statement q(cache, insert);
    ASSERT_TRUE(q.ok());
    ASSERT_EQ(q.bind(1, k).bind(2, "v" + std::to_string(k)).step(), SQLITE_DONE);
  }
  // The same SQL gives the same statement back, reset and unbound.
  int rc = SQLITE_OK;
  bool cached = false;
  sqlite3_stmt* first = cache.acquire(insert, rc, cached);
  ASSERT_TRUE(cached);
  EXPECT_EQ(sqlite3_bind_parameter_count(first), 2);
  EXPECT_EQ(sqlite3_stmt_busy(first), 0);
  cache.release(first);
  bool again_cached = false;
  EXPECT_EQ(cache.acquire(insert, rc, again_cached), first);
  EXPECT_TRUE(again_cached);
  cache.release(first);

  Statement count(cache, "SELECT COUNT(*) FROM t");
  ASSERT_EQ(count.step(), SQLITE_ROW);
  EXPECT_EQ(count.i64(0), 3);
}

TEST(StatementCache, NestedUseOfTheSameSqlGetsItsOwnStatement) {
  TempDir dir;
  Database db = open_db(dir);
  ASSERT_TRUE(exec(db.get(), "INSERT INTO t VALUES (1, 'a'), (2, 'b')", "fill"));
  StatementCache cache(db.get());
  const char* sql = "SELECT v FROM t WHERE k = ?1";
  Statement outer(cache, sql);
  ASSERT_EQ(outer.bind(1, 1).step(), SQLITE_ROW);
  {
    Statement inner(cache, sql);  // outer is mid-read: a fresh one
    ASSERT_EQ(inner.bind(1, 2).step(), SQLITE_ROW);
    EXPECT_EQ(inner.text(0), "b");
  }
  EXPECT_EQ(outer.text(0), "a");
}

// A statement given back mid-read is reset: it holds no read transaction
// (a writer on another connection is not kept waiting for it).
TEST(StatementCache, PartialReadIsResetOnRelease) {
  TempDir dir;
  Database db = open_db(dir);
  ASSERT_TRUE(exec(db.get(), "INSERT INTO t VALUES (1, 'a'), (2, 'b')", "fill"));
  StatementCache cache(db.get());
  {
    Statement q(cache, "SELECT v FROM t ORDER BY k");
    ASSERT_EQ(q.step(), SQLITE_ROW);  // one row of two
  }
  sqlite3_stmt* kept = sqlite3_next_stmt(db.get(), nullptr);  // still prepared, for reuse
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(sqlite3_stmt_busy(kept), 0);
  EXPECT_NE(sqlite3_get_autocommit(db.get()), 0);  // no transaction left open
}

TEST(StatementCache, TransactionsCommitAndRollBackThroughIt) {
  TempDir dir;
  Database db = open_db(dir);
  StatementCache cache(db.get());
  {
    Transaction tx(cache, "test");
    ASSERT_TRUE(tx.begin(true));
    Statement q(cache, "INSERT INTO t (k, v) VALUES (1, 'kept')");
    ASSERT_EQ(q.step(), SQLITE_DONE);
    ASSERT_TRUE(tx.commit());
  }
  {
    Transaction tx(cache, "test");
    ASSERT_TRUE(tx.begin(true));
    Statement q(cache, "INSERT INTO t (k, v) VALUES (2, 'rolled back')");
    ASSERT_EQ(q.step(), SQLITE_DONE);
    // No commit: the destructor rolls back.
  }
  Statement count(cache, "SELECT COUNT(*) FROM t");
  ASSERT_EQ(count.step(), SQLITE_ROW);
  EXPECT_EQ(count.i64(0), 1);
}

TEST(StatementCache, BadSqlIsAnErrorNotACachedStatement) {
  TempDir dir;
  Database db = open_db(dir);
  StatementCache cache(db.get());
  Statement q(cache, "SELEC nonsense");
  EXPECT_FALSE(q.ok());
  EXPECT_NE(q.step(), SQLITE_ROW);
  Statement again(cache, "SELEC nonsense");
  EXPECT_FALSE(again.ok());
}


// Durable (the default) is synchronous=FULL; advisory stores ask for NORMAL.
TEST(StateDatabase, DurabilityIsChosenPerConnection) {
  TempDir dir;
  auto pragma = [](const Database& db) {
    sqlite3_stmt* q = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db.get(), "PRAGMA synchronous", -1, &q, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
  };
  auto full = open_state_database(dir.path());
  ASSERT_TRUE(full.has_value()) << full.error().message;
  EXPECT_EQ(pragma(*full), 2);  // FULL
  auto normal = open_state_database(dir.path(), {.create = true, .busy_timeout_ms = 100, .durable = false});
  ASSERT_TRUE(normal.has_value()) << normal.error().message;
  EXPECT_EQ(pragma(*normal), 1);  // NORMAL
}

}  // namespace
}  // namespace authguard::db
