// sqlite_store.cc: KeyStore on SQLite (C API), one transaction per step.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "core/guarded.h"
#include "db/sqlite.h"
#include "keys/store.h"

namespace authguard::keys {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS keys_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO keys_meta (name, value) VALUES ('schema', '1');
CREATE TABLE IF NOT EXISTS keys_domains (
  domain TEXT PRIMARY KEY,
  cname_zone TEXT NOT NULL,
  version INTEGER NOT NULL,
  dirty INTEGER NOT NULL,
  created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys_sets (
  domain TEXT NOT NULL,
  family TEXT NOT NULL,
  active INTEGER NOT NULL,
  target INTEGER NOT NULL,
  rotate_requested INTEGER NOT NULL,
  requested_bits INTEGER NOT NULL,
  PRIMARY KEY (domain, family));
CREATE TABLE IF NOT EXISTS keys_slots (
  domain TEXT NOT NULL,
  family TEXT NOT NULL,
  slot INTEGER NOT NULL,
  selector TEXT NOT NULL,
  state TEXT NOT NULL,
  bits INTEGER NOT NULL,
  public_key TEXT NOT NULL,
  key_file TEXT NOT NULL,
  generation INTEGER NOT NULL,
  created INTEGER NOT NULL,
  published INTEGER NOT NULL,
  live_since INTEGER NOT NULL,
  live_ttl INTEGER NOT NULL,
  activated INTEGER NOT NULL,
  retired INTEGER NOT NULL,
  revoked INTEGER NOT NULL,
  PRIMARY KEY (domain, family, slot));
CREATE TABLE IF NOT EXISTS keys_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  domain TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  selector TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS keys_events_by_domain ON keys_events (domain, id);
)sql";

using Stmt = db::Statement;
using db::exec;

struct Transaction : db::Transaction {
  explicit Transaction(sqlite3* d) : db::Transaction(d, "key store") {}
};

}  // namespace

// One connection, used by one caller at a time: a load is three statements in
// a read transaction and a save a write transaction, and another thread's
// statements must not fall between them.
struct Connection {
  sqlite3* db = nullptr;
};

struct SqliteKeyStore::Impl {
  Guarded<Connection> conn;
  ~Impl() {
    auto c = conn.lock();
    if (c->db != nullptr) sqlite3_close(c->db);
  }
};

SqliteKeyStore::SqliteKeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteKeyStore::~SqliteKeyStore() = default;

Result<std::unique_ptr<SqliteKeyStore>> SqliteKeyStore::open(const std::string& state_dir,
                                                             bool create) {
  std::string path = state_dir + "/authguard.db";
  // WAL: readers (signing) never wait for a rotation step; FULL: a committed
  // step survives a power cut, not only a crash (db/sqlite.h).
  auto opened = db::open_state_database(state_dir, {.create = create, .busy_timeout_ms = 10000});
  if (!opened) {
    if (opened.error().kind == ErrorKind::kNotFound) {
      return fail(ErrorKind::kNotFound, "no key store in " + state_dir +
                                            " (run `authguard keys init DOMAIN` first)");
    }
    return std::unexpected(opened.error());
  }
  auto impl = std::make_unique<Impl>();
  auto conn = impl->conn.lock();
  conn->db = opened->release();
  if (auto r = exec(conn->db, kSchema, "cannot create the key tables in " + path); !r) {
    return std::unexpected(r.error());
  }
  {
    auto release = std::move(conn);  // unlock before the Impl moves
  }
  return std::unique_ptr<SqliteKeyStore>(new SqliteKeyStore(std::move(impl)));
}

Result<std::vector<std::string>> SqliteKeyStore::domains() {
  auto conn = impl_->conn.lock();
  Stmt q(conn->db, "SELECT domain FROM keys_domains ORDER BY domain");
  std::vector<std::string> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.text(0));
  if (rc != SQLITE_DONE) return std::unexpected(q.error("key store: cannot list domains"));
  return out;
}

Result<std::vector<DomainState>> SqliteKeyStore::load_where(std::string_view domain) {
  bool one = !domain.empty();
  auto conn = impl_->conn.lock();
  sqlite3* db = conn->db;
  // One read transaction: a save by another process can't fall between the
  // three queries and tear the state.
  if (auto r = exec(db, "BEGIN", "key store: cannot start a read"); !r) {
    return std::unexpected(r.error());
  }
  struct EndRead {
    sqlite3* db;
    ~EndRead() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
  } end_read{db};

  std::vector<DomainState> out;
  std::map<std::string, std::size_t> index;
  {
    Stmt q(db, one ? "SELECT domain, cname_zone, version, dirty, created FROM keys_domains "
                            "WHERE domain = ?1"
                          : "SELECT domain, cname_zone, version, dirty, created FROM keys_domains "
                            "ORDER BY domain");
    if (one) q.bind(1, domain);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      DomainState d;
      d.domain = q.text(0);
      d.cname_zone = q.text(1);
      d.version = q.i64(2);
      d.dirty = q.i64(3) != 0;
      d.created = q.i64(4);
      index[d.domain] = out.size();
      out.push_back(std::move(d));
    }
    if (rc != SQLITE_DONE) return std::unexpected(q.error("key store: cannot read domains"));
  }
  {
    // RSA first: ORDER BY family puts 'ed25519' before 'rsa', so sort after.
    Stmt q(db, one ? "SELECT domain, family, active, target, rotate_requested, requested_bits "
                            "FROM keys_sets WHERE domain = ?1"
                          : "SELECT domain, family, active, target, rotate_requested, requested_bits "
                            "FROM keys_sets");
    if (one) q.bind(1, domain);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto it = index.find(q.text(0));
      if (it == index.end()) continue;
      KeySet s;
      if (!parse_family(q.text(1), s.family)) {
        return fail(ErrorKind::kInternal, "key store: unknown key family '" + q.text(1) + "'");
      }
      s.active = static_cast<int>(q.i64(2));
      s.target = static_cast<int>(q.i64(3));
      s.rotate_requested = q.i64(4) != 0;
      s.requested_bits = static_cast<unsigned>(q.i64(5));
      auto& sets = out[it->second].sets;
      if (s.family == Family::kRsa) sets.insert(sets.begin(), std::move(s));
      else sets.push_back(std::move(s));
    }
    if (rc != SQLITE_DONE) return std::unexpected(q.error("key store: cannot read key sets"));
  }
  {
    Stmt q(db,
           one ? "SELECT domain, family, slot, selector, state, bits, public_key, key_file, "
                 "generation, created, published, live_since, live_ttl, activated, retired, revoked "
                 "FROM keys_slots WHERE domain = ?1"
               : "SELECT domain, family, slot, selector, state, bits, public_key, key_file, "
                 "generation, created, published, live_since, live_ttl, activated, retired, revoked "
                 "FROM keys_slots");
    if (one) q.bind(1, domain);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto it = index.find(q.text(0));
      if (it == index.end()) continue;
      Family f{};
      if (!parse_family(q.text(1), f)) continue;
      KeySet* s = out[it->second].find(f);
      std::int64_t slot = q.i64(2);
      if (s == nullptr || slot < 0 || slot > 1) {
        return fail(ErrorKind::kInternal, "key store: slot without a key set for " + q.text(0));
      }
      Slot& x = s->slots[static_cast<std::size_t>(slot)];
      x.selector = q.text(3);
      if (!parse_slot_state(q.text(4), x.state)) {
        return fail(ErrorKind::kInternal, "key store: unknown slot state '" + q.text(4) + "'");
      }
      x.bits = static_cast<unsigned>(q.i64(5));
      x.public_key = q.text(6);
      x.key_file = q.text(7);
      x.generation = static_cast<unsigned>(q.i64(8));
      x.created = q.i64(9);
      x.published = q.i64(10);
      x.live_since = q.i64(11);
      x.live_ttl = static_cast<std::uint32_t>(q.i64(12));
      x.activated = q.i64(13);
      x.retired = q.i64(14);
      x.revoked = q.i64(15);
    }
    if (rc != SQLITE_DONE) return std::unexpected(q.error("key store: cannot read slots"));
  }
  return out;
}

Result<std::optional<DomainState>> SqliteKeyStore::load(std::string_view domain) {
  if (domain.empty()) return std::optional<DomainState>();
  auto all = load_where(domain);
  if (!all) return std::unexpected(all.error());
  if (all->empty()) return std::optional<DomainState>();
  return std::optional<DomainState>(std::move(all->front()));
}

Result<std::vector<DomainState>> SqliteKeyStore::load_all() { return load_where(""); }

Result<std::int64_t> SqliteKeyStore::save(const DomainState& d, const std::vector<Event>& events) {
  auto conn = impl_->conn.lock();
  sqlite3* db = conn->db;
  Transaction tx(db);
  if (auto r = tx.begin(); !r) return std::unexpected(r.error());
  std::int64_t stored = 0;
  {
    Stmt q(db, "SELECT version FROM keys_domains WHERE domain = ?1");
    q.bind(1, d.domain);
    int rc = q.step();
    if (rc == SQLITE_ROW) stored = q.i64(0);
    else if (rc != SQLITE_DONE) return std::unexpected(q.error("key store: cannot read " + d.domain));
  }
  if (stored != d.version) {
    return fail(ErrorKind::kTemporary,
                d.version == 0 ? d.domain + " is already in the key store"
                               : d.domain + " was changed by another authguard process; try again");
  }
  std::int64_t next = stored + 1;
  auto run = [&](Stmt& q, const std::string& what) -> Result<void> {
    if (q.step() != SQLITE_DONE) return std::unexpected(q.error("key store: cannot " + what));
    return {};
  };
  {
    Stmt q(db, "INSERT INTO keys_domains (domain, cname_zone, version, dirty, created) "
               "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(domain) DO UPDATE SET "
               "cname_zone = excluded.cname_zone, version = excluded.version, "
               "dirty = excluded.dirty");
    q.bind(1, d.domain).bind(2, d.cname_zone).bind(3, next).bind(4, d.dirty ? 1 : 0).bind(5, d.created);
    if (auto r = run(q, "save " + d.domain); !r) return std::unexpected(r.error());
  }
  for (const char* sql : {"DELETE FROM keys_sets WHERE domain = ?1",
                          "DELETE FROM keys_slots WHERE domain = ?1"}) {
    Stmt q(db, sql);
    q.bind(1, d.domain);
    if (auto r = run(q, "save " + d.domain); !r) return std::unexpected(r.error());
  }
  for (const auto& s : d.sets) {
    Stmt q(db, "INSERT INTO keys_sets (domain, family, active, target, rotate_requested, "
               "requested_bits) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    q.bind(1, d.domain).bind(2, family_name(s.family)).bind(3, s.active).bind(4, s.target)
        .bind(5, s.rotate_requested ? 1 : 0).bind(6, static_cast<std::int64_t>(s.requested_bits));
    if (auto r = run(q, "save " + d.domain); !r) return std::unexpected(r.error());
    for (std::size_t i = 0; i < 2; ++i) {
      const Slot& x = s.slots[i];
      Stmt w(db, "INSERT INTO keys_slots (domain, family, slot, selector, state, bits, public_key, "
                 "key_file, generation, created, published, live_since, live_ttl, activated, "
                 "retired, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                 "?13, ?14, ?15, ?16)");
      w.bind(1, d.domain).bind(2, family_name(s.family)).bind(3, static_cast<std::int64_t>(i))
          .bind(4, x.selector).bind(5, slot_state_name(x.state))
          .bind(6, static_cast<std::int64_t>(x.bits)).bind(7, x.public_key).bind(8, x.key_file)
          .bind(9, static_cast<std::int64_t>(x.generation)).bind(10, x.created)
          .bind(11, x.published).bind(12, x.live_since)
          .bind(13, static_cast<std::int64_t>(x.live_ttl)).bind(14, x.activated)
          .bind(15, x.retired).bind(16, x.revoked);
      if (auto r = run(w, "save " + d.domain); !r) return std::unexpected(r.error());
    }
  }
  for (const auto& e : events) {
    Stmt q(db, "INSERT INTO keys_events (domain, at, kind, selector, detail) "
               "VALUES (?1, ?2, ?3, ?4, ?5)");
    q.bind(1, e.domain.empty() ? d.domain : e.domain).bind(2, e.at).bind(3, e.kind)
        .bind(4, e.selector).bind(5, e.detail);
    if (auto r = run(q, "record an event for " + d.domain); !r) return std::unexpected(r.error());
  }
  if (auto r = tx.commit(); !r) return std::unexpected(r.error());
  return next;
}

Result<std::vector<Event>> SqliteKeyStore::events(std::string_view domain) {
  bool one = !domain.empty();
  auto conn = impl_->conn.lock();
  Stmt q(conn->db, one ? "SELECT domain, at, kind, selector, detail FROM keys_events "
                          "WHERE domain = ?1 ORDER BY id"
                        : "SELECT domain, at, kind, selector, detail FROM keys_events ORDER BY id");
  if (one) q.bind(1, domain);
  std::vector<Event> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back(Event{q.text(0), q.i64(1), q.text(2), q.text(3), q.text(4)});
  }
  if (rc != SQLITE_DONE) return std::unexpected(q.error("key store: cannot read events"));
  return out;
}

}  // namespace authguard::keys
