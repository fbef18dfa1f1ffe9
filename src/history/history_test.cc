// history_test.cc: network keys, and SqliteHistoryStore on a real database
// in a temporary state directory: counts, distinct days, the window,
// penalize/reward, recipients, and a locked database as a temporary failure.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "history/store.h"
#include "keys/store.h"
#include "support/nsd_server.h"

namespace authguard::history {
namespace {

using authguard::testing::TempDir;

constexpr UnixTime kDay = 86400;
// 2023-11-14 00:00:00 UTC, the start of a day.
constexpr UnixTime kT0 = 1699920000;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::unique_ptr<SqliteHistoryStore> open_store(const TempDir& dir, int busy_ms = 5000) {
  auto s = SqliteHistoryStore::open(dir.path(), SqliteHistoryOptions{busy_ms});
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

TEST(NetworkKey, Ipv4IsTheSlash24) {
  EXPECT_EQ(network_key(ip("192.0.2.77")), "192.0.2.0/24");
  EXPECT_EQ(network_key(ip("198.51.100.255")), "198.51.100.0/24");
  // An IPv4-mapped address is IPv4 (core/ip.h normalises it).
  EXPECT_EQ(network_key(ip("::ffff:192.0.2.9")), "192.0.2.0/24");
}

TEST(NetworkKey, Ipv6IsTheSlash56) {
  EXPECT_EQ(network_key(ip("2001:db8:1234:56ff:1::1")), "2001:db8:1234:5600::/56");
  EXPECT_EQ(network_key(ip("2001:db8:1234:5600::1")), network_key(ip("2001:db8:1234:56ab::9")));
  EXPECT_NE(network_key(ip("2001:db8:1234:5600::1")), network_key(ip("2001:db8:1234:5700::1")));
}

TEST(NetworkKey, RdnsKeyIsLowerCaseOrgDomain) {
  EXPECT_EQ(rdns_network_key(*DomainName::parse("Example.COM")), "rdns:example.com");
}

TEST(HistoryStore, UnknownPairIsEmptyNotAnError) {
  TempDir dir;
  auto store = open_store(dir);
  auto s = store->sender("example.com", "192.0.2.0/24", kT0, 90);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_FALSE(s->known);
  EXPECT_EQ(s->messages, 0);
  EXPECT_EQ(s->days, 0);
}

TEST(HistoryStore, CountsMessagesAndDistinctDays) {
  TempDir dir;
  auto store = open_store(dir);
  const std::string net = network_key(ip("192.0.2.10"));
  ASSERT_TRUE(store->record_pass("example.com", net, kT0 + 100));
  ASSERT_TRUE(store->record_pass("example.com", net, kT0 + 5000));
  ASSERT_TRUE(store->record_pass("Example.COM", net, kT0 + kDay + 7));  // keys are case-insensitive
  // Another pair does not mix in.
  ASSERT_TRUE(store->record_pass("example.org", net, kT0 + 100));
  ASSERT_TRUE(store->record_pass("example.com", "198.51.100.0/24", kT0 + 100));

  auto s = store->sender("example.com", net, kT0 + kDay + 100, 90);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_TRUE(s->known);
  EXPECT_EQ(s->messages, 3);
  EXPECT_EQ(s->days, 2);
  EXPECT_EQ(s->total_messages, 3);
  EXPECT_EQ(s->first_seen, kT0 + 100);
  EXPECT_EQ(s->last_seen, kT0 + kDay + 7);
  EXPECT_FALSE(s->distrusted(kT0 + kDay + 100));
}

TEST(HistoryStore, OutOfOrderTimesKeepFirstAndLastSeen) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->record_pass("example.com", "rdns:example.com", kT0 + 500));
  ASSERT_TRUE(store->record_pass("example.com", "rdns:example.com", kT0 + 100));
  auto s = store->sender("example.com", "rdns:example.com", kT0 + 1000, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->first_seen, kT0 + 100);
  EXPECT_EQ(s->last_seen, kT0 + 500);
}

TEST(HistoryStore, WindowDropsOldDays) {
  TempDir dir;
  auto store = open_store(dir);
  const std::string net = "192.0.2.0/24";
  ASSERT_TRUE(store->record_pass("example.com", net, kT0));                 // day 0
  ASSERT_TRUE(store->record_pass("example.com", net, kT0 + 10 * kDay));     // day 10
  ASSERT_TRUE(store->record_pass("example.com", net, kT0 + 10 * kDay + 1));
  ASSERT_TRUE(store->record_pass("example.com", net, kT0 + 95 * kDay));     // day 95

  // On day 95, a 90-day window is days 6..95: day 0 is out.
  auto s = store->sender("example.com", net, kT0 + 95 * kDay + 60, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->messages, 3);
  EXPECT_EQ(s->days, 2);
  EXPECT_EQ(s->total_messages, 4);
  EXPECT_EQ(s->first_seen, kT0);

  // A one-day window is today only.
  auto today = store->sender("example.com", net, kT0 + 95 * kDay + 60, 1);
  ASSERT_TRUE(today.has_value());
  EXPECT_EQ(today->messages, 1);
  EXPECT_EQ(today->days, 1);

  // Passes in the future of `now` (clock skew between processes) are not counted.
  auto early = store->sender("example.com", net, kT0 + 5 * kDay, 90);
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->messages, 1);
  EXPECT_EQ(early->days, 1);
}

TEST(HistoryStore, PenalizeDistrustsUntilPenaltyEnds) {
  TempDir dir;
  auto store = open_store(dir);
  const std::string net = "192.0.2.0/24";
  for (int d = 0; d < 3; ++d) ASSERT_TRUE(store->record_pass("example.com", net, kT0 + d * kDay));
  ASSERT_TRUE(store->penalize("example.com", net, kT0 + 3 * kDay));

  auto s = store->sender("example.com", net, kT0 + 3 * kDay + 1, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->distrusted_until, kT0 + 3 * kDay + kPenaltySeconds);
  EXPECT_TRUE(s->distrusted(kT0 + 3 * kDay + 1));
  EXPECT_FALSE(s->distrusted(kT0 + 3 * kDay + kPenaltySeconds));
  EXPECT_EQ(s->messages, 3);  // the counts stay; they just do not count

  // A report for a pair never seen is stored too, and a later pass keeps it.
  ASSERT_TRUE(store->penalize("evil.example", net, kT0));
  ASSERT_TRUE(store->record_pass("evil.example", net, kT0 + 50));
  auto e = store->sender("evil.example", net, kT0 + 60, 90);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->distrusted(kT0 + 60));
  EXPECT_EQ(e->total_messages, 1);
  EXPECT_EQ(e->first_seen, kT0 + 50);  // not the 0 of the penalty-only row
}

TEST(HistoryStore, RewardAddsAPassAndLiftsThePenalty) {
  TempDir dir;
  auto store = open_store(dir);
  const std::string net = "192.0.2.0/24";
  ASSERT_TRUE(store->record_pass("example.com", net, kT0));
  ASSERT_TRUE(store->penalize("example.com", net, kT0 + 10));
  ASSERT_TRUE(store->reward("example.com", net, kT0 + kDay));

  auto s = store->sender("example.com", net, kT0 + kDay + 1, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->distrusted(kT0 + kDay + 1));
  EXPECT_EQ(s->distrusted_until, 0);
  EXPECT_EQ(s->messages, 2);
  EXPECT_EQ(s->days, 2);
  EXPECT_EQ(s->last_seen, kT0 + kDay);
}

TEST(HistoryStore, Recipients) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->record_recipient("Alice@Partner.Example", kT0));
  ASSERT_TRUE(store->record_recipient("alice@partner.example", kT0 + 10));

  EXPECT_EQ(store->known_recipient("alice@partner.example").value_or(false), true);
  EXPECT_EQ(store->known_recipient("ALICE@PARTNER.EXAMPLE").value_or(false), true);
  EXPECT_EQ(store->known_recipient("bob@partner.example").value_or(true), false);
  EXPECT_EQ(store->known_recipient_domain("partner.example").value_or(false), true);
  EXPECT_EQ(store->known_recipient_domain("Partner.Example").value_or(false), true);
  EXPECT_EQ(store->known_recipient_domain("other.example").value_or(true), false);
  // A subdomain is not the domain.
  EXPECT_EQ(store->known_recipient_domain("example").value_or(true), false);
}

TEST(HistoryStore, RejectsBadKeys) {
  TempDir dir;
  auto store = open_store(dir);
  auto r = store->record_recipient("no-at-sign", kT0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  EXPECT_FALSE(store->record_recipient("@example.com", kT0).has_value());
  EXPECT_FALSE(store->record_recipient("user@", kT0).has_value());
  auto e = store->record_pass("", "192.0.2.0/24", kT0);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().kind, ErrorKind::kInvalidInput);
  auto big = store->record_pass(std::string(kMaxKeyLength + 1, 'a'), "192.0.2.0/24", kT0);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().kind, ErrorKind::kInvalidInput);
}

TEST(HistoryStore, PersistsAcrossReopenAndSharesTheDatabase) {
  TempDir dir;
  {
    auto store = open_store(dir);
    ASSERT_TRUE(store->record_pass("example.com", "192.0.2.0/24", kT0));
    ASSERT_TRUE(store->record_recipient("a@b.example", kT0));
  }
  // Another table in the same database (the key store's) is left alone.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE keys_other (x INTEGER)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto store = open_store(dir);
  auto s = store->sender("example.com", "192.0.2.0/24", kT0 + 1, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->total_messages, 1);
  EXPECT_EQ(store->known_recipient("a@b.example").value_or(false), true);
}

TEST(HistoryStore, DatabaseIsWalAndSharedWithTheKeyStore) {
  TempDir dir;
  auto keys = keys::SqliteKeyStore::open(dir.path(), /*create=*/true);
  ASSERT_TRUE(keys.has_value()) << keys.error().message;
  auto store = open_store(dir);
  ASSERT_TRUE(store->record_pass("example.com", "192.0.2.0/24", kT0));
  auto domains = (*keys)->domains();
  ASSERT_TRUE(domains.has_value()) << domains.error().message;
  EXPECT_TRUE(domains->empty());

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "wal");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

// Two connections (two `serve` processes) recording at once: every pass is
// counted once; a writer that finds the other one busy waits its turn.
TEST(HistoryStore, ConcurrentWritersLoseNothing) {
  TempDir dir;
  auto a = open_store(dir);
  auto b = open_store(dir);
  constexpr int kEach = 40;
  auto writer = [](SqliteHistoryStore* store, UnixTime base, int* failures) {
    for (int i = 0; i < kEach; ++i) {
      if (!store->record_pass("example.com", "192.0.2.0/24", base + i)) ++*failures;
    }
  };
  int failures_a = 0;
  int failures_b = 0;
  std::thread ta(writer, a.get(), kT0, &failures_a);
  std::thread tb(writer, b.get(), kT0 + kDay, &failures_b);
  ta.join();
  tb.join();
  EXPECT_EQ(failures_a, 0);
  EXPECT_EQ(failures_b, 0);
  auto s = a->sender("example.com", "192.0.2.0/24", kT0 + 2 * kDay, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->total_messages, 2 * kEach);
  EXPECT_EQ(s->messages, 2 * kEach);
  EXPECT_EQ(s->days, 2);
  EXPECT_EQ(s->first_seen, kT0);
  EXPECT_EQ(s->last_seen, kT0 + kDay + kEach - 1);
}

// Another process holding the write lock (a long key-store transaction, a
// second `serve`): after the busy timeout every write is kTemporary, and
// nothing is half-written; once the lock goes, writes work again.
TEST(HistoryStore, LockedDatabaseIsTemporary) {
  TempDir dir;
  auto store = open_store(dir, /*busy_ms=*/50);
  ASSERT_TRUE(store->record_pass("example.com", "192.0.2.0/24", kT0));

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

  // WAL: a reader is not held up by the writer.
  auto read = store->sender("example.com", "192.0.2.0/24", kT0 + 1, 90);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(read->total_messages, 1);

  auto w = store->record_pass("example.com", "192.0.2.0/24", kT0 + 1);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().kind, ErrorKind::kTemporary) << w.error().message;
  EXPECT_TRUE(w.error().temporary());
  for (auto r : {store->penalize("example.com", "192.0.2.0/24", kT0),
                 store->reward("example.com", "192.0.2.0/24", kT0),
                 store->record_recipient("a@b.example", kT0)}) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::kTemporary);
  }

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  auto s = store->sender("example.com", "192.0.2.0/24", kT0 + 2, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->total_messages, 1);  // the failed writes left nothing
  EXPECT_EQ(s->distrusted_until, 0);
  ASSERT_TRUE(store->record_pass("example.com", "192.0.2.0/24", kT0 + 3));
}

// Another process holding the database in exclusive locking mode (no WAL
// sharing at all): opening the store cannot even set up WAL, and that is
// kTemporary too, so a starting `serve` answers 4xx instead of judging mail
// without history. (A read-only file cannot be tested here: tests run as
// root, for whom chmod does not stop a write.)
TEST(HistoryStore, DatabaseHeldExclusivelyIsTemporaryOnOpen) {
  TempDir dir;
  {
    auto store = open_store(dir);
    ASSERT_TRUE(store->record_pass("example.com", "192.0.2.0/24", kT0));
  }
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto held = SqliteHistoryStore::open(dir.path(), SqliteHistoryOptions{50});
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().kind, ErrorKind::kTemporary) << held.error().message;
  sqlite3_close(other);

  // Released: the store opens and the earlier pass is there.
  auto store = open_store(dir);
  auto s = store->sender("example.com", "192.0.2.0/24", kT0 + 1, 90);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->total_messages, 1);
}

}  // namespace
}  // namespace authguard::history
