// sqlite_store.cc: HistoryStore on SQLite (C API), in the state database
// shared with the key store; one transaction per write.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>

#include "core/guarded.h"
#include "core/strings.h"
#include "db/sqlite.h"
#include "history/store.h"

namespace authguard::history {

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

// history_sender_days holds one row per pair and UTC day: distinct days and
// windowed counts are then a range query, and old days can be pruned later
// without losing the pair's totals in history_senders.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS history_senders (
  org_domain TEXT NOT NULL,
  network TEXT NOT NULL,
  messages INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  distrusted_until INTEGER NOT NULL,
  PRIMARY KEY (org_domain, network));
CREATE TABLE IF NOT EXISTS history_sender_days (
  org_domain TEXT NOT NULL,
  network TEXT NOT NULL,
  day INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (org_domain, network, day));
CREATE TABLE IF NOT EXISTS history_recipients (
  address TEXT PRIMARY KEY,
  domain TEXT NOT NULL,
  messages INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS history_recipients_by_domain ON history_recipients (domain);
)sql";

using Stmt = db::Statement;
using db::exec;
using db::run;

struct Transaction : db::Transaction {
  explicit Transaction(db::StatementCache& c) : db::Transaction(c, "history store") {}
};

std::int64_t day_of(UnixTime t) {
  std::int64_t d = t / kSecondsPerDay;
  return (t % kSecondsPerDay < 0) ? d - 1 : d;
}

Result<std::string> key(std::string_view text, const char* what) {
  if (text.empty() || text.size() > kMaxKeyLength) {
    return fail(ErrorKind::kInvalidInput,
                std::string("history store: ") + what + " is empty or over kMaxKeyLength");
  }
  return to_lower(text);
}

// Adds one passing message to the pair, inside the caller's transaction.
Result<void> add_pass(db::StatementCache& db, const std::string& org, const std::string& net,
                      UnixTime now) {
  {
    // A row made by penalize() alone has no messages: its first_seen is the
    // first real pass.
    Stmt q(db,
           "INSERT INTO history_senders (org_domain, network, messages, first_seen, last_seen, "
           "distrusted_until) VALUES (?1, ?2, 1, ?3, ?3, 0) ON CONFLICT(org_domain, network) DO "
           "UPDATE SET messages = messages + 1, "
           "first_seen = CASE WHEN messages = 0 THEN excluded.first_seen "
           "ELSE MIN(first_seen, excluded.first_seen) END, "
           "last_seen = CASE WHEN messages = 0 THEN excluded.last_seen "
           "ELSE MAX(last_seen, excluded.last_seen) END");
    q.bind(1, org).bind(2, net).bind(3, now);
    if (auto r = run(q, "history store: cannot record " + org); !r) return r;
  }
  Stmt q(db,
         "INSERT INTO history_sender_days (org_domain, network, day, messages) "
         "VALUES (?1, ?2, ?3, 1) ON CONFLICT(org_domain, network, day) DO UPDATE SET "
         "messages = messages + 1");
  q.bind(1, org).bind(2, net).bind(3, day_of(now));
  return run(q, "history store: cannot record a day for " + org);
}

}  // namespace

std::string network_key(const IpAddress& ip) {
  unsigned prefix = ip.is_v4() ? kIpv4NetworkPrefix : kIpv6NetworkPrefix;
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < ip.size(); ++i) {
    unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (first_bit + 8 <= prefix) {
      bytes[i] = ip.bytes()[i];
    } else if (first_bit < prefix) {
      unsigned keep = prefix - first_bit;
      bytes[i] = static_cast<std::uint8_t>(ip.bytes()[i] & (0xff << (8 - keep)));
    }
  }
  IpAddress net;
  if (ip.is_v4()) {
    net = IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
  } else {
    net = IpAddress::v6(bytes);
  }
  return net.str() + "/" + std::to_string(prefix);
}

std::string rdns_network_key(const DomainName& org_domain) { return "rdns:" + org_domain.lower(); }

// One connection, used by one caller at a time: a read is two statements in
// one transaction, and another thread's statements must not fall between.
// Statements are prepared once per connection (every failing message reads
// history: preparing was most of a lookup's cost).
struct Connection {
  sqlite3* db = nullptr;
  std::unique_ptr<db::StatementCache> cache;
};

struct SqliteHistoryStore::Impl {
  Guarded<Connection> conn;
  ~Impl() {
    auto c = conn.lock();
    c->cache.reset();  // finalized before the connection closes
    if (c->db != nullptr) sqlite3_close(c->db);
  }
};

SqliteHistoryStore::SqliteHistoryStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteHistoryStore::~SqliteHistoryStore() = default;

Result<std::unique_ptr<SqliteHistoryStore>> SqliteHistoryStore::open(const std::string& state_dir,
                                                                     SqliteHistoryOptions options) {
  std::string path = state_dir + "/authguard.db";
  // WAL: verdicts read history while a writer records; FULL, as the key
  // store: an admin's penalize or release must survive a power cut.
  auto opened = db::open_state_database(
      state_dir, {.create = true, .busy_timeout_ms = options.busy_timeout_ms, .durable = options.durable});
  if (!opened) return std::unexpected(opened.error());
  auto impl = std::make_unique<Impl>();
  {
    auto conn = impl->conn.lock();
    conn->db = opened->release();
    if (auto r = exec(conn->db, kSchema, "cannot create the history tables in " + path); !r) {
      return std::unexpected(r.error());
    }
    conn->cache = std::make_unique<db::StatementCache>(conn->db);
  }
  return std::unique_ptr<SqliteHistoryStore>(new SqliteHistoryStore(std::move(impl)));
}

// The write of one (org domain, network) pair: both keys checked, then
// `body` in one write transaction on the store's connection.
Result<void> SqliteHistoryStore::write_pair(
    std::string_view org_domain, std::string_view network,
    const std::function<Result<void>(db::StatementCache&, const std::string&, const std::string&)>&
        body) {
  auto org = key(org_domain, "org domain");
  if (!org) return std::unexpected(org.error());
  auto net = key(network, "network");
  if (!net) return std::unexpected(net.error());
  auto conn = impl_->conn.lock();
  Transaction tx(*conn->cache);
  if (auto r = tx.begin(true); !r) return r;
  if (auto r = body(*conn->cache, *org, *net); !r) return r;
  return tx.commit();
}

Result<void> SqliteHistoryStore::record_pass(std::string_view org_domain, std::string_view network,
                                             UnixTime now) {
  return write_pair(org_domain, network,
                    [now](db::StatementCache& db, const std::string& org, const std::string& net) {
                      return add_pass(db, org, net, now);
                    });
}

Result<SenderStats> SqliteHistoryStore::sender(std::string_view org_domain,
                                               std::string_view network, UnixTime now,
                                               unsigned window_days) {
  auto org = key(org_domain, "org domain");
  if (!org) return std::unexpected(org.error());
  auto net = key(network, "network");
  if (!net) return std::unexpected(net.error());
  auto conn = impl_->conn.lock();
  db::StatementCache& db = *conn->cache;
  // One read transaction: a write can't fall between the two queries.
  Transaction tx(db);
  if (auto r = tx.begin(false); !r) return std::unexpected(r.error());
  SenderStats s;
  {
    Stmt q(db, "SELECT messages, first_seen, last_seen, distrusted_until FROM history_senders "
               "WHERE org_domain = ?1 AND network = ?2");
    q.bind(1, *org).bind(2, *net);
    int rc = q.step();
    if (rc == SQLITE_ROW) {
      s.known = true;
      s.total_messages = q.i64(0);
      s.first_seen = q.i64(1);
      s.last_seen = q.i64(2);
      s.distrusted_until = q.i64(3);
    } else if (rc != SQLITE_DONE) {
      return std::unexpected(q.error("history store: cannot read " + *org));
    }
  }
  if (s.known && window_days > 0) {
    // The window is today and the window_days - 1 days before it.
    std::int64_t today = day_of(now);
    Stmt q(db, "SELECT COALESCE(SUM(messages), 0), COUNT(*) FROM history_sender_days "
               "WHERE org_domain = ?1 AND network = ?2 AND day > ?3 AND day <= ?4");
    q.bind(1, *org).bind(2, *net).bind(3, today - static_cast<std::int64_t>(window_days))
        .bind(4, today);
    if (q.step() != SQLITE_ROW) {
      return std::unexpected(q.error("history store: cannot count days of " + *org));
    }
    s.messages = q.i64(0);
    s.days = q.i64(1);
  }
  if (auto r = tx.commit(); !r) return std::unexpected(r.error());
  return s;
}

Result<void> SqliteHistoryStore::penalize(std::string_view org_domain, std::string_view network,
                                          UnixTime now) {
  return write_pair(org_domain, network,
                    [now](db::StatementCache& db, const std::string& org, const std::string& net) {
                      // An unknown pair gets a row too: a report can come before any pass.
                      Stmt q(db,
                             "INSERT INTO history_senders (org_domain, network, messages, first_seen, "
                             "last_seen, distrusted_until) VALUES (?1, ?2, 0, 0, 0, ?3) ON "
                             "CONFLICT(org_domain, network) DO UPDATE SET distrusted_until = "
                             "MAX(distrusted_until, excluded.distrusted_until)");
                      q.bind(1, org).bind(2, net).bind(3, now + kPenaltySeconds);
                      return run(q, "history store: cannot penalize " + org);
                    });
}

Result<void> SqliteHistoryStore::reward(std::string_view org_domain, std::string_view network,
                                        UnixTime now) {
  return write_pair(org_domain, network,
                    [now](db::StatementCache& db, const std::string& org, const std::string& net) {
                      if (auto r = add_pass(db, org, net, now); !r) return r;
                      Stmt q(db, "UPDATE history_senders SET distrusted_until = 0 "
                                 "WHERE org_domain = ?1 AND network = ?2");
                      q.bind(1, org).bind(2, net);
                      return run(q, "history store: cannot reward " + org);
                    });
}

namespace {

// Inserts (or counts once more) one recipient address, inside the caller's
// transaction.
Result<void> add_recipient(db::StatementCache& db, const std::string& addr, UnixTime now) {
  auto at = addr.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == addr.size()) {
    return fail(ErrorKind::kInvalidInput, "history store: not an address: " + addr);
  }
  Stmt q(db,
         "INSERT INTO history_recipients (address, domain, messages, first_seen, last_seen) "
         "VALUES (?1, ?2, 1, ?3, ?3) ON CONFLICT(address) DO UPDATE SET messages = messages + 1, "
         "first_seen = MIN(first_seen, excluded.first_seen), "
         "last_seen = MAX(last_seen, excluded.last_seen)");
  q.bind(1, addr).bind(2, std::string_view(addr).substr(at + 1)).bind(3, now);
  return run(q, "history store: cannot record recipient " + addr);
}

}  // namespace

Result<void> SqliteHistoryStore::record_recipient(std::string_view address, UnixTime now) {
  return record_recipients({std::string(address)}, now);
}

Result<void> SqliteHistoryStore::record_recipients(const std::vector<std::string>& addresses,
                                                   UnixTime now) {
  // Lower-cased whole: local parts are case-sensitive in theory (RFC 5321
  // §2.4) but no mailbox provider treats them so, and a miss costs a signal.
  std::vector<std::string> keys;
  keys.reserve(addresses.size());
  for (const auto& a : addresses) {
    auto addr = key(a, "recipient address");
    if (!addr) return std::unexpected(addr.error());
    keys.push_back(std::move(*addr));
  }
  auto conn = impl_->conn.lock();
  Transaction tx(*conn->cache);
  if (auto r = tx.begin(true); !r) return r;
  for (const auto& addr : keys) {
    if (auto r = add_recipient(*conn->cache, addr, now); !r) return r;
  }
  return tx.commit();
}

// Whether a recipients row matches `sql`'s one parameter.
Result<bool> SqliteHistoryStore::any_recipient(const char* sql, std::string_view value,
                                               const char* what) {
  auto k = key(value, what);
  if (!k) return std::unexpected(k.error());
  auto conn = impl_->conn.lock();
  Stmt q(*conn->cache, sql);
  q.bind(1, *k);
  int rc = q.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return std::unexpected(q.error("history store: cannot look up " + *k));
  }
  return rc == SQLITE_ROW;
}

Result<bool> SqliteHistoryStore::known_recipient(std::string_view address) {
  return any_recipient("SELECT 1 FROM history_recipients WHERE address = ?1", address,
                       "recipient address");
}

Result<bool> SqliteHistoryStore::known_recipient_domain(std::string_view domain) {
  return any_recipient("SELECT 1 FROM history_recipients WHERE domain = ?1 LIMIT 1", domain,
                       "recipient domain");
}

}  // namespace authguard::history
