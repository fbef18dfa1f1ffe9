// rotator.h: runs the rotation state machine (machine.h) against the real
// world: generates keys into the vault, publishes through the Publisher,
// checks DNS through the LiveChecker, and persists every step in the
// KeyStore before the next one. One step, one transaction: killed at any
// point, the next run resumes from the last committed step and, since the
// machine decides from stored state and DNS only, does the right thing.
//
// Many domains are moved in three passes so that a zone include file is
// written once per run, not once per domain: (1) every domain up to the point
// where its records must be published, (2) one publication of all changed
// domains, (3) every domain as far as DNS and the clock allow.
//
// Mutations hold an exclusive lock on keys/.lock, so a cron job and the
// scheduler in `serve` take turns; signing never takes it.
//
//   Rotator rotator(*store, vault, publisher.get(), checker, clock, policy);
//   for (const auto& o : rotator.advance({}, {}, progress)) if (!o.result) ...
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "keys/live.h"
#include "keys/machine.h"
#include "keys/publisher.h"
#include "keys/store.h"
#include "keys/vault.h"

namespace authguard::keys {

// What one run did to one domain.
struct Outcome {
  std::string domain;
  Result<void> result;
  std::vector<std::string> done;      // what happened, in order ("selector2: new 2048-bit key", ...)
  std::vector<std::string> warnings;  // e.g. mail going out unsigned
  std::optional<DomainState> state;   // after the run (absent when it could not be read)
  UnixTime wake = 0;                  // when the next step can happen (0: when DNS changes)
};

struct InitOptions {
  unsigned bits = 0;        // 0: the configured size
  bool ed25519 = false;     // add an Ed25519 pair (also when the domain exists already)
  std::string cname_zone;   // CNAME delegation: the zone that holds the key records
};

struct AdvanceOptions {
  bool force = false;  // rotate now (`keys rotate DOMAIN` / --all), not only when due
  unsigned bits = 0;   // with force: the new RSA keys' size
};

class Rotator {
 public:
  Rotator(KeyStore& store, const KeyVault& vault, Publisher* publisher, LiveChecker& checker,
          const Clock& clock, Policy policy);

  // Called after each persisted step and at the points a crash could hurt
  // ("after-key-file", "after-publish", "after-save:<step>"); returning true
  // stops the run right there, as kill -9 would. For crash tests.
  using CrashHook = std::function<bool(std::string_view point)>;
  void set_crash_hook(CrashHook hook) { crash_hook_ = std::move(hook); }

  // Progress, called once per domain as it finishes: (outcome, index, total).
  using Progress = std::function<void(const Outcome&, std::size_t, std::size_t)>;

  // Creates both slots of each domain (and an Ed25519 pair when asked or
  // configured), publishes, and activates selector 1 at once if its record is
  // already live. A domain already in the store only gains what is asked
  // (an Ed25519 pair), so init is safe to repeat.
  [[nodiscard]] std::vector<Outcome> init(const std::vector<std::string>& domains,
                                          const InitOptions& options, const Progress& progress = {});
  // The tick: moves each domain (every stored domain when `domains` is empty)
  // as far as the clock and DNS allow.
  [[nodiscard]] std::vector<Outcome> advance(const std::vector<std::string>& domains,
                                             const AdvanceOptions& options,
                                             const Progress& progress = {});
  // Publishes p= empty for the selector's key at once, deletes the key, and
  // moves signing away from it (see machine.h).
  [[nodiscard]] Outcome revoke(const std::string& domain, const std::string& selector);
  // Pushes every record of these domains (all when empty) to the publisher.
  [[nodiscard]] std::vector<Outcome> publish(const std::vector<std::string>& domains,
                                             const Progress& progress = {});

  // What DNS shows for a slot now (for `keys status`).
  [[nodiscard]] Observation observe(const DomainState& d, int set, int slot);

  [[nodiscard]] const Policy& policy() const noexcept { return policy_; }

 private:
  struct Work;
  [[nodiscard]] bool crash(std::string_view point);
  [[nodiscard]] Result<void> save(DomainState& d, std::vector<Event> events);
  [[nodiscard]] Result<void> run(DomainState& d, bool allow_publish, Outcome& out);
  [[nodiscard]] Result<void> generate(DomainState& d, const Step& step, Outcome& out);
  void publish_batch(std::vector<Work>& work);
  void finish(std::vector<Work>& work, bool allow_publish);
  [[nodiscard]] std::vector<Outcome> drive(std::vector<Work>& work, const Progress& progress);

  KeyStore& store_;
  const KeyVault& vault_;
  Publisher* publisher_;
  LiveChecker& checker_;
  const Clock& clock_;
  Policy policy_;
  CrashHook crash_hook_;
  bool crashed_ = false;
};

// Holds keys/.lock exclusively (flock; released by the kernel if killed).
class StoreLock {
 public:
  [[nodiscard]] static Result<StoreLock> acquire(const KeyVault& vault);
  ~StoreLock();
  StoreLock(StoreLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StoreLock& operator=(StoreLock&&) = delete;

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace authguard::keys
