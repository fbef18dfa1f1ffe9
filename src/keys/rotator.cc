// rotator.cc: the driver of the rotation state machine (see rotator.h).
#include "keys/rotator.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "core/domain.h"
#include "core/log.h"
#include "core/secure.h"
#include "core/strings.h"
#include "keys/records.h"

namespace authguard::keys {

namespace {

// Domains per batch: a zone include file is rewritten once per batch, and
// progress appears batch by batch rather than only at the end of a long run.
constexpr std::size_t kBatch = 50;

std::set<std::string> referenced_files(const DomainState& d) {
  std::set<std::string> keep;
  for (const auto& s : d.sets) {
    for (const auto& x : s.slots) {
      if (!x.key_file.empty()) keep.insert(x.key_file);
    }
  }
  return keep;
}

Error crash_error(std::string_view point) {
  return Error{ErrorKind::kInternal, "simulated crash at " + std::string(point)};
}

}  // namespace

struct Rotator::Work {
  DomainState d;
  Outcome out;
  bool failed = false;
};

Result<StoreLock> StoreLock::acquire(const KeyVault& vault) {
  std::string path = vault.root() + "/.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(ErrorKind::kIo, "cannot open " + path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    ::close(fd);
    return fail(ErrorKind::kIo, "cannot lock " + path + ": " + std::strerror(e));
  }
  return StoreLock(fd);
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Rotator::Rotator(KeyStore& store, const KeyVault& vault, Publisher* publisher,
                 LiveChecker& checker, const Clock& clock, Policy policy)
    : store_(store), vault_(vault), publisher_(publisher), checker_(checker), clock_(clock),
      policy_(std::move(policy)) {
  policy_.has_publisher = publisher_ != nullptr;
}

bool Rotator::crash(std::string_view point) {
  if (crashed_) return true;
  if (crash_hook_ && crash_hook_(point)) crashed_ = true;
  return crashed_;
}

Result<void> Rotator::save(DomainState& d, std::vector<Event> events) {
  for (auto& e : events) {
    if (e.domain.empty()) e.domain = d.domain;
  }
  auto v = store_.save(d, events);
  if (!v) return std::unexpected(v.error());
  d.version = *v;
  return {};
}

Observation Rotator::observe(const DomainState& d, int set, int slot) {
  return checker_.check(expected_record(d, set, slot));
}

Result<void> Rotator::generate(DomainState& d, const Step& step, Outcome& out) {
  // Copies: `d` is replaced below, and references into it would dangle.
  const Family family = d.sets.at(static_cast<std::size_t>(step.set)).family;
  const Slot slot = d.sets[static_cast<std::size_t>(step.set)].slots.at(static_cast<std::size_t>(step.slot));
  auto key = dkim::PrivateKey::generate(key_type_of(family), step.bits);
  if (!key) return std::unexpected(key.error());
  auto pem = key->to_pem();
  if (!pem) return std::unexpected(pem.error());
  // The file first, then the database row naming it: a crash in between
  // leaves an unreferenced file (removed later), never a row without its key.
  std::string file = slot.selector + "-" + std::to_string(slot.generation + 1) + ".pem";
  if (auto r = vault_.write_key(d.domain, file, *pem); !r) return r;
  if (crash("after-key-file")) return std::unexpected(crash_error("after-key-file"));
  NewKey nk{key->public_key_base64(), file, family == Family::kEd25519 ? 256u : key->bits()};
  UnixTime now = clock_.now();
  DomainState next = apply_generate(d, step, nk, now);
  std::string what = family == Family::kEd25519
                         ? "new ed25519 key"
                         : "new " + std::to_string(nk.bits) + "-bit rsa key";
  if (auto r = save(next, {Event{"", now, "generate", slot.selector, what + " (" + step.why + ")"}}); !r) {
    return r;
  }
  d = std::move(next);
  vault_.remove_unreferenced(d.domain, referenced_files(d));
  out.done.push_back(slot.selector + ": " + what);
  log::info("keys.generate", {{"domain", d.domain}, {"selector", slot.selector},
                              {"algorithm", algorithm_name(family)},
                              {"bits", std::to_string(nk.bits)}, {"why", step.why}});
  if (crash("after-save:generate")) return std::unexpected(crash_error("after-save:generate"));
  return {};
}

Result<void> Rotator::run(DomainState& d, bool allow_publish, Outcome& out) {
  for (int guard = 0; guard < 64; ++guard) {
    if (crashed_) return std::unexpected(crash_error("an earlier point"));
    UnixTime now = clock_.now();
    std::map<std::pair<int, int>, Observation> seen;
    ObserveFn observe = [&](const DomainState& s, int set, int slot) {
      auto key = std::make_pair(set, slot);
      if (auto it = seen.find(key); it != seen.end()) return it->second;
      Observation o = checker_.check(expected_record(s, set, slot));
      seen.emplace(key, o);
      return o;
    };
    Step step = next_step(d, policy_, now, observe);
    switch (step.kind) {
      case StepKind::kWait:
        out.wake = step.wake;
        return {};
      case StepKind::kPublish: {
        if (!allow_publish || publisher_ == nullptr) return {};
        auto all = store_.load_all();
        if (!all) return std::unexpected(all.error());
        std::vector<DomainRecords> everything;
        for (const auto& other : *all) {
          everything.push_back(desired_records(other.domain == d.domain ? d : other,
                                               policy_.record_ttl));
        }
        auto results = publisher_->publish({desired_records(d, policy_.record_ttl)}, everything);
        if (results.empty() || !results.front()) {
          return std::unexpected(results.empty() ? Error{ErrorKind::kInternal, "no result"}
                                                 : results.front().error());
        }
        if (crash("after-publish")) return std::unexpected(crash_error("after-publish"));
        DomainState next = apply_publish(d, now);
        if (auto r = save(next, {Event{"", now, "publish", "", publisher_->kind()}}); !r) return r;
        d = std::move(next);
        out.done.push_back("published (" + std::string(publisher_->kind()) + ")");
        log::info("keys.publish", {{"domain", d.domain}, {"publisher", publisher_->kind()}});
        if (crash("after-save:publish")) return std::unexpected(crash_error("after-save:publish"));
        break;
      }
      case StepKind::kGenerate:
        if (auto r = generate(d, step, out); !r) return r;
        break;
      case StepKind::kMarkLive:
      case StepKind::kLostLive:
      case StepKind::kActivate: {
        const Slot& x = d.sets.at(static_cast<std::size_t>(step.set))
                            .slots.at(static_cast<std::size_t>(step.slot));
        std::string selector = x.selector;
        DomainState next = step.kind == StepKind::kMarkLive   ? apply_mark_live(d, step, now)
                           : step.kind == StepKind::kLostLive ? apply_lost_live(d, step)
                                                              : apply_activate(d, step, now);
        std::string detail = step.why;
        if (step.kind == StepKind::kMarkLive) detail += " (TTL " + std::to_string(step.ttl) + ")";
        if (auto r = save(next, {Event{"", now, step_kind_name(step.kind), selector, detail}}); !r) {
          return r;
        }
        d = std::move(next);
        if (step.kind == StepKind::kActivate) {
          out.done.push_back("signing with " + selector);
          log::info("keys.activate", {{"domain", d.domain}, {"selector", selector}, {"why", step.why}});
        } else if (step.kind == StepKind::kMarkLive) {
          out.done.push_back(selector + " live");
          log::info("keys.live", {{"domain", d.domain}, {"selector", selector},
                                  {"ttl", std::to_string(step.ttl)}});
        } else {
          out.done.push_back(selector + " no longer live");
          log::warn("keys.lost", {{"domain", d.domain}, {"selector", selector}, {"why", step.why}});
        }
        std::string point = std::string("after-save:") + step_kind_name(step.kind);
        if (crash(point)) return std::unexpected(crash_error(point));
        break;
      }
    }
  }
  return fail(ErrorKind::kInternal, "rotation of " + d.domain + " did not settle in 64 steps");
}

void Rotator::publish_batch(std::vector<Work>& work) {
  if (publisher_ == nullptr || crashed_) return;
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < work.size(); ++i) {
    if (!work[i].failed && work[i].d.dirty) changed.push_back(i);
  }
  if (changed.empty()) return;
  auto all = store_.load_all();
  if (!all) {
    for (auto i : changed) {
      work[i].failed = true;
      work[i].out.result = std::unexpected(all.error());
    }
    return;
  }
  std::vector<DomainRecords> everything;
  for (const auto& d : *all) everything.push_back(desired_records(d, policy_.record_ttl));
  std::vector<DomainRecords> records;
  for (auto i : changed) records.push_back(desired_records(work[i].d, policy_.record_ttl));
  auto results = publisher_->publish(records, everything);
  if (crash("after-publish")) return;
  UnixTime now = clock_.now();
  for (std::size_t k = 0; k < changed.size(); ++k) {
    Work& w = work[changed[k]];
    if (k >= results.size() || !results[k]) {
      w.failed = true;
      w.out.result = std::unexpected(k < results.size() ? results[k].error()
                                                        : Error{ErrorKind::kInternal, "no result"});
      log::warn("keys.publish_failed", {{"domain", w.d.domain},
                                        {"error", w.out.result.error().message}});
      continue;
    }
    DomainState next = apply_publish(w.d, now);
    if (auto r = save(next, {Event{"", now, "publish", "", publisher_->kind()}}); !r) {
      w.failed = true;
      w.out.result = r;
      continue;
    }
    w.d = std::move(next);
    w.out.done.push_back("published (" + std::string(publisher_->kind()) + ")");
    log::info("keys.publish", {{"domain", w.d.domain}, {"publisher", publisher_->kind()}});
    if (crash("after-save:publish")) return;
  }
}

void Rotator::finish(std::vector<Work>& work, bool allow_publish) {
  for (auto& w : work) {
    if (w.failed) continue;
    if (crashed_) {
      w.failed = true;
      w.out.result = std::unexpected(crash_error("an earlier point"));
      continue;
    }
    if (auto r = run(w.d, allow_publish, w.out); !r) {
      w.failed = true;
      w.out.result = r;
    }
  }
}

std::vector<Outcome> Rotator::drive(std::vector<Work>& work, const Progress& progress) {
  std::vector<Outcome> outcomes;
  for (std::size_t start = 0; start < work.size(); start += kBatch) {
    std::size_t end = std::min(work.size(), start + kBatch);
    std::vector<Work> batch(std::make_move_iterator(work.begin() + static_cast<std::ptrdiff_t>(start)),
                            std::make_move_iterator(work.begin() + static_cast<std::ptrdiff_t>(end)));
    finish(batch, /*allow_publish=*/false);  // up to publication
    publish_batch(batch);                    // one publication for the batch
    finish(batch, /*allow_publish=*/true);   // as far as DNS and the clock allow
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Work& w = batch[i];
      if (crashed_ && w.out.result) w.out.result = std::unexpected(crash_error("an earlier point"));
      const KeySet* rsa = w.d.find(Family::kRsa);
      if (!w.d.domain.empty() && rsa != nullptr && rsa->active < 0) {
        bool revoked = false;
        for (const auto& x : rsa->slots) revoked |= x.state == SlotState::kRevoked;
        w.out.warnings.push_back("no active key: mail for " + w.d.domain +
                                 " goes out unsigned until a new key is live");
        if (revoked) log::warn("keys.unsigned", {{"domain", w.d.domain}});
      }
      if (w.d.version != 0) w.out.state = w.d;
      if (progress) progress(w.out, start + i, work.size());
      outcomes.push_back(std::move(w.out));
    }
  }
  return outcomes;
}

std::vector<Outcome> Rotator::init(const std::vector<std::string>& domains,
                                   const InitOptions& options, const Progress& progress) {
  std::vector<Work> work;
  auto lock = StoreLock::acquire(vault_);
  for (const auto& name : domains) {
    Work w;
    w.out.domain = name;
    if (!lock) {
      w.failed = true;
      w.out.result = std::unexpected(lock.error());
      work.push_back(std::move(w));
      continue;
    }
    auto parsed = DomainName::parse(name);
    if (!parsed || parsed->label_count() < 2) {
      w.failed = true;
      w.out.result = fail(ErrorKind::kInvalidInput,
                          "'" + name + "' is not a domain name" +
                              (parsed ? "" : ": " + parsed.error().message));
      work.push_back(std::move(w));
      continue;
    }
    std::string domain = parsed->lower();
    w.out.domain = domain;
    auto run_init = [&]() -> Result<void> {
      if (auto r = vault_.check_domain(domain); !r) return r;
      auto existing = store_.load(domain);
      if (!existing) return std::unexpected(existing.error());
      UnixTime now = clock_.now();
      bool want_ed = options.ed25519 || policy_.ed25519;
      if (*existing) {
        w.d = **existing;
        if (want_ed && w.d.find(Family::kEd25519) == nullptr) {
          DomainState next = apply_add_set(w.d, Family::kEd25519, policy_.ed25519_selectors);
          if (auto r = save(next, {Event{"", now, "add-set", "", "ed25519 pair added"}}); !r) return r;
          w.d = std::move(next);
          w.out.done.push_back("ed25519 pair added");
        } else {
          w.out.done.push_back("already in the key store");
        }
        return {};
      }
      std::string zone = options.cname_zone;
      if (!zone.empty()) {
        auto z = DomainName::parse(zone);
        if (!z) return fail(ErrorKind::kInvalidInput, "--cname-zone: " + z.error().message);
        zone = z->lower();
        std::vector<std::string> selectors(policy_.selectors.begin(), policy_.selectors.end());
        if (want_ed) {
          selectors.insert(selectors.end(), policy_.ed25519_selectors.begin(),
                           policy_.ed25519_selectors.end());
        }
        if (auto r = check_cname_names(domain, zone, selectors); !r) return r;
      }
      DomainState d;
      d.domain = domain;
      d.cname_zone = zone;
      d.created = now;
      d = apply_add_set(d, Family::kRsa, policy_.selectors);
      if (want_ed) d = apply_add_set(d, Family::kEd25519, policy_.ed25519_selectors);
      d.sets.front().requested_bits = options.bits;
      std::string detail = zone.empty() ? "direct" : "CNAME delegation to " + zone;
      if (auto r = save(d, {Event{"", now, "init", "", detail}}); !r) return r;
      w.d = std::move(d);
      return {};
    };
    if (auto r = run_init(); !r) {
      w.failed = true;
      w.out.result = r;
    }
    work.push_back(std::move(w));
  }
  return drive(work, progress);
}

std::vector<Outcome> Rotator::advance(const std::vector<std::string>& domains,
                                      const AdvanceOptions& options, const Progress& progress) {
  std::vector<Work> work;
  auto lock = StoreLock::acquire(vault_);
  std::vector<std::string> names = domains;
  if (lock && names.empty()) {
    auto all = store_.domains();
    if (!all) {
      Work w;
      w.failed = true;
      w.out.result = std::unexpected(all.error());
      work.push_back(std::move(w));
      return drive(work, progress);
    }
    names = std::move(*all);
  }
  for (const auto& name : names) {
    Work w;
    w.out.domain = name;
    auto prepare = [&]() -> Result<void> {
      if (!lock) return std::unexpected(lock.error());
      auto parsed = DomainName::parse(name);
      if (!parsed) return fail(ErrorKind::kInvalidInput, "'" + name + "': " + parsed.error().message);
      std::string domain = parsed->lower();
      w.out.domain = domain;
      auto loaded = store_.load(domain);
      if (!loaded) return std::unexpected(loaded.error());
      if (!*loaded) {
        return fail(ErrorKind::kNotFound, domain + " is not in the key store (authguard keys init " +
                                              domain + ")");
      }
      w.d = std::move(**loaded);
      if (auto r = vault_.check_domain(domain); !r) return r;
      UnixTime now = clock_.now();
      if (options.force) {
        DomainState next = apply_request_rotation(w.d, options.bits);
        bool changed = false;
        for (std::size_t i = 0; i < next.sets.size(); ++i) {
          changed |= next.sets[i].rotate_requested != w.d.sets[i].rotate_requested ||
                     next.sets[i].requested_bits != w.d.sets[i].requested_bits;
        }
        if (changed) {
          std::string detail = options.bits != 0 ? std::to_string(options.bits) + " bits" : "";
          if (auto r = save(next, {Event{"", now, "request", "", detail}}); !r) return r;
          w.d = std::move(next);
          w.out.done.push_back("rotation requested");
        }
      }
      if (policy_.ed25519 && w.d.find(Family::kEd25519) == nullptr) {
        DomainState next = apply_add_set(w.d, Family::kEd25519, policy_.ed25519_selectors);
        if (auto r = save(next, {Event{"", now, "add-set", "", "ed25519 pair added"}}); !r) return r;
        w.d = std::move(next);
        w.out.done.push_back("ed25519 pair added");
      }
      return {};
    };
    if (auto r = prepare(); !r) {
      w.failed = true;
      w.out.result = r;
    }
    work.push_back(std::move(w));
  }
  return drive(work, progress);
}

Outcome Rotator::revoke(const std::string& domain_text, const std::string& selector) {
  std::vector<Work> work(1);
  Work& w = work.front();
  w.out.domain = domain_text;
  auto lock = StoreLock::acquire(vault_);
  auto prepare = [&]() -> Result<void> {
    if (!lock) return std::unexpected(lock.error());
    auto parsed = DomainName::parse(domain_text);
    if (!parsed) return fail(ErrorKind::kInvalidInput, "'" + domain_text + "': " + parsed.error().message);
    std::string domain = parsed->lower();
    w.out.domain = domain;
    auto loaded = store_.load(domain);
    if (!loaded) return std::unexpected(loaded.error());
    if (!*loaded) return fail(ErrorKind::kNotFound, domain + " is not in the key store");
    w.d = std::move(**loaded);
    if (auto r = vault_.check_domain(domain); !r) return r;
    int set = -1, slot = -1;
    std::string known;
    for (std::size_t si = 0; si < w.d.sets.size(); ++si) {
      for (std::size_t i = 0; i < 2; ++i) {
        const Slot& x = w.d.sets[si].slots[i];
        known += (known.empty() ? "" : ", ") + x.selector;
        if (iequals(x.selector, selector)) {
          set = static_cast<int>(si);
          slot = static_cast<int>(i);
        }
      }
    }
    if (set < 0) {
      return fail(ErrorKind::kInvalidInput, domain + " has no selector '" + selector +
                                                "' (its selectors: " + known + ")");
    }
    const Slot& x = w.d.sets[static_cast<std::size_t>(set)].slots[static_cast<std::size_t>(slot)];
    if (x.state == SlotState::kEmpty) {
      return fail(ErrorKind::kInvalidInput, domain + " " + x.selector + " holds no key to revoke");
    }
    if (x.state == SlotState::kRevoked) {
      w.out.done.push_back(x.selector + " was already revoked");
      return {};
    }
    bool was_active = w.d.sets[static_cast<std::size_t>(set)].active == slot;
    std::string sel = x.selector;
    UnixTime now = clock_.now();
    DomainState next = apply_revoke(w.d, set, slot, now);
    if (auto r = save(next, {Event{"", now, "revoke", sel, was_active ? "was active" : ""}}); !r) {
      return r;
    }
    w.d = std::move(next);
    vault_.remove_unreferenced(w.d.domain, referenced_files(w.d));
    w.out.done.push_back(sel + " revoked" + std::string(was_active ? " (it was signing)" : ""));
    log::warn("keys.revoke", {{"domain", w.d.domain}, {"selector", sel},
                              {"was_active", was_active ? "yes" : "no"}});
    if (publisher_ == nullptr) {
      w.out.warnings.push_back("no publisher configured: publish the empty p= for " +
                               publish_name(w.d, sel) + " by hand now (authguard keys export-dns)");
    }
    return {};
  };
  if (auto r = prepare(); !r) {
    w.failed = true;
    w.out.result = r;
    w.out.state.reset();
    return w.out;
  }
  auto outcomes = drive(work, {});
  return outcomes.empty() ? Outcome{} : std::move(outcomes.front());
}

std::vector<Outcome> Rotator::publish(const std::vector<std::string>& domains,
                                      const Progress& progress) {
  std::vector<Work> work;
  auto lock = StoreLock::acquire(vault_);
  std::vector<std::string> names = domains;
  if (lock && names.empty()) {
    auto all = store_.domains();
    if (all) names = std::move(*all);
  }
  for (const auto& name : names) {
    Work w;
    w.out.domain = name;
    auto prepare = [&]() -> Result<void> {
      if (!lock) return std::unexpected(lock.error());
      if (publisher_ == nullptr) {
        return fail(ErrorKind::kConfig, "no publisher configured ([keys.publisher] type); "
                                        "publish the records of `authguard keys export-dns` by hand");
      }
      auto parsed = DomainName::parse(name);
      if (!parsed) return fail(ErrorKind::kInvalidInput, "'" + name + "': " + parsed.error().message);
      auto loaded = store_.load(parsed->lower());
      if (!loaded) return std::unexpected(loaded.error());
      if (!*loaded) return fail(ErrorKind::kNotFound, parsed->lower() + " is not in the key store");
      w.d = std::move(**loaded);
      w.out.domain = w.d.domain;
      if (auto r = vault_.check_domain(w.d.domain); !r) return r;
      w.d.dirty = true;  // publish even if nothing changed: a repair
      return {};
    };
    if (auto r = prepare(); !r) {
      w.failed = true;
      w.out.result = r;
    }
    work.push_back(std::move(w));
  }
  return drive(work, progress);
}

}  // namespace authguard::keys
