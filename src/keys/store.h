// store.h: KeyStore, where each domain's key sets and their history persist.
//
// The interface is what the rotator needs; SqliteKeyStore keeps it in the
// state database (<state-dir>/authguard.db, WAL, synchronous=FULL), tables
// keys_domains, keys_sets, keys_slots and keys_events. Private keys are not in
// the database: they are files (vault.h); the database names them.
//
// Every save is one transaction and checks the version it read (optimistic
// concurrency): two rotators on one store (a cron job and `serve`) can't both
// apply a step computed from the same state; the loser reloads and decides
// again. A crash leaves the last committed step, from which the state machine
// resumes.
//
//   auto store = SqliteKeyStore::open("/var/lib/authguard", /*create=*/false);
//   auto d = (*store)->load("example.com");
//   d->value().version;   // pass the state back to save() after changing it
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "keys/types.h"

namespace authguard::keys {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Every stored domain, sorted.
  [[nodiscard]] virtual Result<std::vector<std::string>> domains() = 0;
  [[nodiscard]] virtual Result<std::optional<DomainState>> load(std::string_view domain) = 0;
  [[nodiscard]] virtual Result<std::vector<DomainState>> load_all() = 0;
  // Stores `state` when the stored version still equals state.version (0: the
  // domain must not exist yet), appends `events`, and returns the new version.
  // A concurrent change is a kTemporary error.
  [[nodiscard]] virtual Result<std::int64_t> save(const DomainState& state,
                                                  const std::vector<Event>& events) = 0;
  // A domain's history, oldest first (every domain's when `domain` is empty).
  [[nodiscard]] virtual Result<std::vector<Event>> events(std::string_view domain) = 0;
};

class SqliteKeyStore final : public KeyStore {
 public:
  // Opens <state_dir>/authguard.db; with create, makes it (0600) when missing.
  [[nodiscard]] static Result<std::unique_ptr<SqliteKeyStore>> open(const std::string& state_dir,
                                                                    bool create);
  ~SqliteKeyStore() override;
  SqliteKeyStore(const SqliteKeyStore&) = delete;
  SqliteKeyStore& operator=(const SqliteKeyStore&) = delete;

  [[nodiscard]] Result<std::vector<std::string>> domains() override;
  [[nodiscard]] Result<std::optional<DomainState>> load(std::string_view domain) override;
  [[nodiscard]] Result<std::vector<DomainState>> load_all() override;
  [[nodiscard]] Result<std::int64_t> save(const DomainState& state,
                                          const std::vector<Event>& events) override;
  [[nodiscard]] Result<std::vector<Event>> events(std::string_view domain) override;

  struct Impl;

 private:
  explicit SqliteKeyStore(std::unique_ptr<Impl> impl);
  [[nodiscard]] Result<std::vector<DomainState>> load_where(std::string_view domain);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authguard::keys
