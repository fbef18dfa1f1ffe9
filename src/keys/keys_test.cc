// keys_test.cc: the key lifecycle: the pure state machine, the SQLite store,
// key file permissions, publishers (zone file, hook), a simulated year of
// daily ticks with signing and verification, crashes at every step,
// revocation, key size changes, Ed25519 dual signing, and the [keys] config.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/config.h"
#include "dkim/sign.h"
#include "dkim/verify.h"
#include "dns/zone_resolver.h"
#include "keys/demo.h"
#include "keys/live.h"
#include "keys/machine.h"
#include "keys/records.h"
#include "keys/rotator.h"
#include "keys/signers.h"
#include "keys/store.h"
#include "keys/vault.h"
#include "message/message.h"
#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::keys {
namespace {

using authguard::testing::read_file;

using authguard::testing::TempDir;

constexpr UnixTime kStart = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;

mode_t mode_of(const std::string& path) {
  struct stat st{};
  ::lstat(path.c_str(), &st);
  return st.st_mode & 07777;
}

// --- the pure machine --------------------------------------------------------

DomainState new_domain(const Policy& p) {
  DomainState d;
  d.domain = "example.com";
  d = apply_add_set(d, Family::kRsa, p.selectors);
  return d;
}

NewKey fake_key(int n) { return NewKey{"KEY" + std::to_string(n), "f" + std::to_string(n), 2048}; }

// DNS as a map from (slot) to state; unlisted slots are missing.
struct FakeDns {
  std::map<int, LiveState> state;
  std::uint32_t ttl = 3600;
  int asked = 0;
  ObserveFn fn() {
    return [this](const DomainState&, int, int slot) {
      ++asked;
      auto it = state.find(slot);
      return Observation{it == state.end() ? LiveState::kMissing : it->second, ttl, ""};
    };
  }
};

TEST(Machine, NewDomainSignsOnlyOnceSelector1IsLive) {
  Policy p;
  p.has_publisher = true;
  DomainState d = new_domain(p);
  FakeDns dns;
  Step s = next_step(d, p, kStart, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kGenerate);
  EXPECT_EQ(s.slot, 0);
  EXPECT_TRUE(s.target);
  EXPECT_EQ(s.bits, 2048u);
  d = apply_generate(d, s, fake_key(1), kStart);
  s = next_step(d, p, kStart, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kGenerate);
  EXPECT_EQ(s.slot, 1);
  EXPECT_FALSE(s.target);
  d = apply_generate(d, s, fake_key(2), kStart);
  EXPECT_EQ(dns.asked, 0);  // no DNS question before both keys exist and are published
  s = next_step(d, p, kStart, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kPublish);
  d = apply_publish(d, kStart);
  EXPECT_EQ(rotation_state(d.sets[0], p), "verifying");
  // Not live: wait, however long.
  s = next_step(d, p, kStart + 30 * kDay, dns.fn());
  EXPECT_EQ(s.kind, StepKind::kWait);
  EXPECT_EQ(d.sets[0].active, -1);
  // A wrong key at the name is not good enough either.
  dns.state[0] = LiveState::kMismatch;
  EXPECT_EQ(next_step(d, p, kStart, dns.fn()).kind, StepKind::kWait);
  // Live: first seen, then active at once (no propagation wait for the first key).
  dns.state[0] = LiveState::kLive;
  s = next_step(d, p, kStart + kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kMarkLive);
  d = apply_mark_live(d, s, kStart + kDay);
  s = next_step(d, p, kStart + kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kActivate);
  EXPECT_EQ(s.slot, 0);
  d = apply_activate(d, s, kStart + kDay);
  EXPECT_EQ(d.sets[0].active, 0);
  EXPECT_EQ(d.sets[0].target, -1);
  // Selector 2 becomes "published" once seen.
  dns.state[1] = LiveState::kLive;
  s = next_step(d, p, kStart + kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kMarkLive);
  EXPECT_EQ(s.slot, 1);
  d = apply_mark_live(d, s, kStart + kDay);
  EXPECT_EQ(d.sets[0].slots[1].state, SlotState::kPublished);
  s = next_step(d, p, kStart + kDay, dns.fn());
  EXPECT_EQ(s.kind, StepKind::kWait);
  EXPECT_EQ(s.wake, kStart + kDay + 90 * kDay);
  EXPECT_EQ(rotation_state(d.sets[0], p), "stable");
}

// A domain whose selector 1 signs since `t`, selector 2 published.
DomainState stable_domain(const Policy& p, UnixTime t) {
  DomainState d = new_domain(p);
  Step g0{StepKind::kGenerate, 0, 0, 2048, true, 0, 0, ""};
  Step g1{StepKind::kGenerate, 0, 1, 2048, false, 0, 0, ""};
  d = apply_generate(d, g0, fake_key(1), t);
  d = apply_generate(d, g1, fake_key(2), t);
  d = apply_publish(d, t);
  d = apply_mark_live(d, Step{StepKind::kMarkLive, 0, 0, 0, false, 3600, 0, ""}, t);
  d = apply_mark_live(d, Step{StepKind::kMarkLive, 0, 1, 0, false, 3600, 0, ""}, t);
  d = apply_activate(d, Step{StepKind::kActivate, 0, 0, 0, false, 0, 0, ""}, t);
  return d;
}

TEST(Machine, RotationWaitsForLiveThenMaxOfTtlAndDelay) {
  Policy p;
  p.has_publisher = true;
  DomainState d = stable_domain(p, kStart);
  FakeDns dns;
  dns.state = {{0, LiveState::kLive}, {1, LiveState::kLive}};
  EXPECT_EQ(next_step(d, p, kStart + 90 * kDay - 1, dns.fn()).kind, StepKind::kWait);
  Step s = next_step(d, p, kStart + 90 * kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kGenerate);
  EXPECT_EQ(s.slot, 1);
  EXPECT_TRUE(s.target);
  d = apply_generate(d, s, fake_key(3), kStart + 90 * kDay);
  EXPECT_EQ(d.sets[0].slots[1].generation, 2u);
  EXPECT_EQ(next_step(d, p, kStart + 90 * kDay, dns.fn()).kind, StepKind::kPublish);
  d = apply_publish(d, kStart + 90 * kDay);
  // The old key's record is still at selector 2 (publication not seen yet).
  dns.state[1] = LiveState::kMismatch;
  EXPECT_EQ(next_step(d, p, kStart + 91 * kDay, dns.fn()).kind, StepKind::kWait);
  // Seen live on day 92 with a TTL longer than the delay: the TTL wins.
  dns.state[1] = LiveState::kLive;
  dns.ttl = 5 * 86400;
  UnixTime seen = kStart + 92 * kDay;
  s = next_step(d, p, seen, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kMarkLive);
  d = apply_mark_live(d, s, seen);
  EXPECT_EQ(rotation_state(d.sets[0], p), "propagating");
  EXPECT_EQ(switch_time(d.sets[0], p), seen + 5 * kDay);
  s = next_step(d, p, seen + 5 * kDay - 1, dns.fn());
  EXPECT_EQ(s.kind, StepKind::kWait);
  EXPECT_EQ(s.wake, seen + 5 * kDay);
  // The record disappears during the wait: the wait starts over.
  dns.state[1] = LiveState::kMissing;
  s = next_step(d, p, seen + kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kLostLive);
  d = apply_lost_live(d, s);
  EXPECT_EQ(d.sets[0].slots[1].live_since, 0);
  dns.state[1] = LiveState::kLive;
  dns.ttl = 300;  // now the 96 h delay is the longer
  UnixTime again = seen + 2 * kDay;
  d = apply_mark_live(d, next_step(d, p, again, dns.fn()), again);
  EXPECT_EQ(next_step(d, p, again + 96 * 3600 - 1, dns.fn()).kind, StepKind::kWait);
  s = next_step(d, p, again + 96 * 3600, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kActivate);
  d = apply_activate(d, s, again + 96 * 3600);
  EXPECT_EQ(d.sets[0].active, 1);
  EXPECT_EQ(d.sets[0].slots[0].state, SlotState::kRetired);  // stays published
  EXPECT_EQ(d.sets[0].slots[0].retired, again + 96 * 3600);
}

TEST(Machine, NoPublisherWaitsInAwaitingPublication) {
  Policy p;  // has_publisher = false
  DomainState d = new_domain(p);
  FakeDns dns;
  d = apply_generate(d, next_step(d, p, kStart, dns.fn()), fake_key(1), kStart);
  d = apply_generate(d, next_step(d, p, kStart, dns.fn()), fake_key(2), kStart);
  EXPECT_EQ(next_step(d, p, kStart, dns.fn()).kind, StepKind::kWait);
  EXPECT_EQ(rotation_state(d.sets[0], p), "awaiting-publication");
  dns.state[0] = LiveState::kLive;
  Step s = next_step(d, p, kStart + kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kMarkLive);
  d = apply_mark_live(d, s, kStart + kDay);
  EXPECT_EQ(d.sets[0].slots[0].published, kStart + kDay);  // seen, so published
}

TEST(Machine, RevokingTheActiveKeyMovesToTheLiveOtherOne) {
  Policy p;
  p.has_publisher = true;
  DomainState d = stable_domain(p, kStart);
  FakeDns dns;
  dns.state = {{0, LiveState::kLive}, {1, LiveState::kLive}};
  d = apply_revoke(d, 0, 0, kStart + 10 * kDay);
  EXPECT_EQ(d.sets[0].active, -1);
  EXPECT_TRUE(d.dirty);
  EXPECT_EQ(next_step(d, p, kStart + 10 * kDay, dns.fn()).kind, StepKind::kPublish);
  d = apply_publish(d, kStart + 10 * kDay);
  Step s = next_step(d, p, kStart + 10 * kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kActivate);  // no propagation wait: it has been live all along
  EXPECT_EQ(s.slot, 1);
  // Without a live other key: a new key on the revoked slot, signing once live.
  DomainState e = stable_domain(p, kStart);
  e = apply_revoke(e, 0, 1, kStart + kDay);
  e = apply_revoke(e, 0, 0, kStart + 2 * kDay);
  e = apply_publish(e, kStart + 2 * kDay);
  s = next_step(e, p, kStart + 2 * kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kGenerate);
  EXPECT_EQ(s.slot, 1);  // revoked first
  EXPECT_TRUE(s.target);
  EXPECT_EQ(rotation_state(e.sets[0], p), "unsigned");
}

TEST(Machine, RotationRequestAndBits) {
  Policy p;
  p.has_publisher = true;
  DomainState d = stable_domain(p, kStart);
  d = apply_request_rotation(d, 4096);
  FakeDns dns;
  dns.state = {{0, LiveState::kLive}, {1, LiveState::kLive}};
  Step s = next_step(d, p, kStart + kDay, dns.fn());
  ASSERT_EQ(s.kind, StepKind::kGenerate);
  EXPECT_EQ(s.bits, 4096u);
  EXPECT_EQ(s.why, "rotation requested");
  // A second request while one runs changes nothing.
  d = apply_generate(d, s, fake_key(3), kStart + kDay);
  DomainState again = apply_request_rotation(d, 1024);
  EXPECT_EQ(again.sets[0].requested_bits, 4096u);
}

// --- records -----------------------------------------------------------------

TEST(Records, NamesTextAndZoneLines) {
  Policy p;
  DomainState d = stable_domain(p, kStart);
  EXPECT_EQ(publish_name(d, "selector1"), "selector1._domainkey.example.com");
  d.cname_zone = "keys.provider.example";
  EXPECT_EQ(publish_name(d, "selector1"), "selector1-example-com._domainkey.keys.provider.example");
  EXPECT_EQ(lookup_name("example.com", "selector1"), "selector1._domainkey.example.com");
  auto cnames = delegation_records(d, 3600);
  ASSERT_EQ(cnames.size(), 2u);
  EXPECT_EQ(zone_line(cnames[0]),
            "selector1._domainkey.example.com. 3600 IN CNAME "
            "selector1-example-com._domainkey.keys.provider.example.");
  EXPECT_EQ(key_record_text(Family::kRsa, "AbC="), "v=DKIM1; k=rsa; p=AbC=");
  std::string long_text(600, 'x');
  EXPECT_EQ(quoted_txt(long_text),
            "\"" + std::string(255, 'x') + "\" \"" + std::string(255, 'x') + "\" \"" +
                std::string(90, 'x') + "\"");
  d = apply_revoke(d, 0, 1, kStart);
  auto recs = desired_records(d, 300);
  ASSERT_EQ(recs.records.size(), 2u);
  EXPECT_EQ(recs.records[1].value, "v=DKIM1; k=rsa; p=");
  EXPECT_EQ(recs.zone, "keys.provider.example");
  EXPECT_FALSE(check_cname_names(std::string(50, 'a') + ".example", "k.example", {"selector1"}));
  EXPECT_TRUE(check_cname_names("a.example", "k.example", {"selector1"}));
}

TEST(Records, LiveComparison) {
  auto key = dkim::PrivateKey::generate(dkim::KeyType::kRsa, 1024);
  ASSERT_TRUE(key);
  ExpectedRecord e{"s._domainkey.x", "s._domainkey.x", Family::kRsa, key->public_key_base64()};
  std::string good = key_record_text(Family::kRsa, key->public_key_base64());
  EXPECT_EQ(compare_records({good}, 60, e).state, LiveState::kLive);
  EXPECT_EQ(compare_records({}, 0, e).state, LiveState::kMissing);
  EXPECT_EQ(compare_records({"v=spf1 -all"}, 0, e).state, LiveState::kMissing);
  EXPECT_EQ(compare_records({good, good}, 0, e).state, LiveState::kMismatch);
  EXPECT_EQ(compare_records({"v=DKIM1; k=rsa; p="}, 0, e).state, LiveState::kMismatch);
  auto other = dkim::PrivateKey::generate(dkim::KeyType::kRsa, 1024);
  EXPECT_EQ(compare_records({key_record_text(Family::kRsa, other->public_key_base64())}, 0, e).state,
            LiveState::kMismatch);
  ExpectedRecord revoked = e;
  revoked.public_key.clear();
  EXPECT_EQ(compare_records({"v=DKIM1; k=rsa; p="}, 0, revoked).state, LiveState::kLive);
  EXPECT_EQ(compare_records({good}, 0, revoked).state, LiveState::kMismatch);
}

// --- store and vault ------------------------------------------------------------

TEST(Store, SavesLoadsAndRefusesStaleVersions) {
  TempDir tmp;
  auto store = SqliteKeyStore::open(tmp.path(), /*create=*/true);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(mode_of(tmp.path() + "/authguard.db") & 077, 0u);
  Policy p;
  DomainState d = stable_domain(p, kStart);
  d.cname_zone = "k.example";
  d = apply_add_set(d, Family::kEd25519, p.ed25519_selectors);
  auto v = (*store)->save(d, {Event{"", kStart, "init", "", "x"}});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 1);
  EXPECT_FALSE((*store)->save(d, {}));  // version 0 again: the domain exists
  auto loaded = (*store)->load("example.com");
  ASSERT_TRUE(loaded && *loaded);
  const DomainState& l = **loaded;
  EXPECT_EQ(l.version, 1);
  EXPECT_EQ(l.cname_zone, "k.example");
  ASSERT_EQ(l.sets.size(), 2u);
  EXPECT_EQ(l.sets[0].family, Family::kRsa);
  EXPECT_EQ(l.sets[1].family, Family::kEd25519);
  EXPECT_EQ(l.sets[0].active, 0);
  EXPECT_EQ(l.sets[0].slots[0].public_key, "KEY1");
  EXPECT_EQ(l.sets[0].slots[1].state, SlotState::kPublished);
  EXPECT_EQ(l.sets[0].slots[0].live_ttl, 3600u);
  EXPECT_EQ(l.sets[1].slots[0].selector, "selector1-ed25519");
  // Another writer saved first: this stale state is refused.
  DomainState a = l, b = l;
  a.dirty = true;
  ASSERT_TRUE((*store)->save(a, {}));
  auto stale = (*store)->save(b, {});
  ASSERT_FALSE(stale);
  EXPECT_TRUE(stale.error().temporary());
  EXPECT_EQ((*store)->events("example.com")->size(), 1u);
  EXPECT_EQ(*(*store)->domains(), std::vector<std::string>{"example.com"});
  EXPECT_FALSE(SqliteKeyStore::open(tmp.path() + "/none", false));
}

TEST(Vault, RefusesLoosePermissionsSymlinksAndWritesAtomically) {
  TempDir tmp;
  auto vault = KeyVault::open(tmp.path() + "/state", /*create=*/true);
  ASSERT_TRUE(vault) << vault.error().message;
  std::string keys_dir = tmp.path() + "/state/keys";
  EXPECT_EQ(mode_of(keys_dir), 0700u);
  auto key = dkim::PrivateKey::generate(dkim::KeyType::kEd25519);
  std::string pem = *key->to_pem();
  ASSERT_TRUE(vault->write_key("example.com", "selector1-1.pem", pem));
  EXPECT_TRUE(pem.empty());  // wiped
  std::string file = keys_dir + "/example.com/selector1-1.pem";
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(keys_dir + "/example.com"), 0700u);
  auto back = vault->read_key("example.com", "selector1-1.pem");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->public_key_base64(), key->public_key_base64());

  ::chmod(file.c_str(), 0640);
  auto r = vault->read_key("example.com", "selector1-1.pem");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("mode 0640"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos);
  EXPECT_FALSE(vault->check_domain("example.com"));
  ::chmod(file.c_str(), 0600);
  ::chmod((keys_dir + "/example.com").c_str(), 0750);
  auto dr = vault->check_domain("example.com");
  ASSERT_FALSE(dr);
  EXPECT_NE(dr.error().message.find("chmod 700"), std::string::npos);
  ::chmod((keys_dir + "/example.com").c_str(), 0700);
  EXPECT_TRUE(vault->check_domain("example.com"));
  ::chmod(keys_dir.c_str(), 0755);
  auto open = KeyVault::open(tmp.path() + "/state", false);
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().kind, ErrorKind::kConfig);
  EXPECT_NE(open.error().message.find("mode 0755"), std::string::npos);
  ::chmod(keys_dir.c_str(), 0700);
  // A symlinked key file is refused even with good modes.
  ::symlink(file.c_str(), (keys_dir + "/example.com/link.pem").c_str());
  auto link = vault->read_key("example.com", "link.pem");
  ASSERT_FALSE(link);
  EXPECT_NE(link.error().message.find("symbolic link"), std::string::npos);
  // Stale files go; referenced ones stay.
  vault->remove_unreferenced("example.com", {"selector1-1.pem"});
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(keys_dir + "/example.com/link.pem"));
  EXPECT_FALSE(KeyVault::open(tmp.path() + "/nowhere", false));
}

// --- the rotator over a real store, a zone include file and its resolver ----------

struct Harness {
  TempDir tmp;
  std::string state;
  std::string zone;
  FixedClock clock{kStart};
  Policy policy;
  bool with_publisher;
  std::unique_ptr<ZoneFilePublisher> publisher;
  ZoneFilesResolver dns;
  ResolverChecker checker{dns};
  std::unique_ptr<SqliteKeyStore> store;
  std::optional<KeyVault> vault;
  std::unique_ptr<Rotator> rotator;
  Rotator::CrashHook hook;

  explicit Harness(bool publish = true, unsigned bits = 1024)
      : state(tmp.path() + "/state"), zone(tmp.path() + "/keys.zone"), with_publisher(publish),
        dns({tmp.path() + "/keys.zone", tmp.path() + "/manual.zone"}) {
    policy.bits = bits;
    if (publish) publisher = std::make_unique<ZoneFilePublisher>(zone, std::vector<std::string>{}, 10);
    reopen(/*create=*/true);
  }
  // A restart: every object is made afresh from what is on disk.
  void reopen(bool create = false) {
    rotator.reset();
    store.reset();
    vault.reset();
    auto v = KeyVault::open(state, create);
    auto s = SqliteKeyStore::open(state, create);
    ASSERT_TRUE(v && s);
    vault = std::move(*v);
    store = std::move(*s);
    rotator = std::make_unique<Rotator>(*store, *vault, publisher.get(), checker, clock, policy);
    if (hook) rotator->set_crash_hook(hook);
  }
  void day(int n) { clock.set(kStart + n * kDay); }
  DomainState load(const std::string& domain) { return **store->load(domain); }
  std::vector<Outcome> tick() { return rotator->advance({}, {}); }
};

bool all_ok(const std::vector<Outcome>& outcomes) {
  for (const auto& o : outcomes) {
    if (!o.result) {
      ADD_FAILURE() << o.domain << ": " << o.result.error().message;
      return false;
    }
  }
  return true;
}

std::string message_for(const std::string& domain, int n) {
  return "From: news@" + domain + "\r\nTo: r@example.net\r\nSubject: " + std::to_string(n) +
         "\r\nMessage-ID: <" + std::to_string(n) + "@" + domain + ">\r\n\r\nbody " +
         std::to_string(n) + "\r\n";
}

// Signs with the store's active keys; empty when the domain has none.
std::string sign(Harness& h, const std::string& domain, int n) {
  auto signers = active_signers(*h.store, *h.vault, *DomainName::parse(domain));
  if (!signers) return "";
  std::string text = message_for(domain, n);
  auto msg = Message::parse(text);
  auto fields = dkim::sign_all(*signers, *msg, h.clock.now());
  EXPECT_TRUE(fields) << fields.error().message;
  std::string out;
  for (const auto& f : *fields) out += f;
  return out + text;
}

// Every signature of a signed message passes against DNS as it is now.
bool verifies(Harness& h, const std::string& signed_text) {
  auto msg = Message::parse(signed_text);
  dkim::Verifier verifier(h.dns, h.clock);
  auto verdicts = verifier.verify(*msg);
  if (verdicts.empty()) return false;
  for (const auto& v : verdicts) {
    if (v.result != dkim::DkimResult::kPass) return false;
  }
  return true;
}

// What must hold at every moment: an active key's file exists (0600), holds
// the key the store published, and its record is live.
void expect_consistent(Harness& h, const std::string& context) {
  auto stored = h.store->load_all();
  for (const auto& d : *stored) {
    for (std::size_t si = 0; si < d.sets.size(); ++si) {
      const KeySet& s = d.sets[si];
      for (std::size_t i = 0; i < 2; ++i) {
        const Slot& x = s.slots[i];
        if (x.has_key()) {
          auto key = h.vault->read_key(d.domain, x.key_file);
          ASSERT_TRUE(key) << context << ": " << key.error().message;
          EXPECT_EQ(key->public_key_base64(), x.public_key) << context;
        }
      }
      if (s.active >= 0) {
        auto o = h.checker.check(expected_record(d, static_cast<int>(si), s.active));
        EXPECT_EQ(o.state, LiveState::kLive) << context << ": " << d.domain << " signs with "
                                             << s.slots[static_cast<std::size_t>(s.active)].selector
                                             << " whose record is " << o.detail;
      }
    }
  }
}

TEST(Rotation, SimulatedYear) {
  Harness h;
  const std::vector<std::string> domains = {"a.example", "b.example"};
  ASSERT_TRUE(all_ok(h.rotator->init(domains, {})));
  struct Sent {
    std::string domain, selector, text;
    unsigned generation;
    int day;
  };
  std::vector<Sent> sent;
  for (int day = 0; day <= 365; ++day) {
    h.day(day);
    if (day > 0) {
      ASSERT_TRUE(all_ok(h.tick())) << "day " << day;
    }
    expect_consistent(h, "day " + std::to_string(day));
    for (const auto& domain : domains) {
      std::string text = sign(h, domain, day);
      ASSERT_FALSE(text.empty()) << domain << " unsigned on day " << day;
      // Never signed with a key whose record is not live: it verifies today.
      ASSERT_TRUE(verifies(h, text)) << domain << " day " << day;
      DomainState d = h.load(domain);
      const KeySet& rsa = d.sets[0];
      const Slot& a = rsa.slots[static_cast<std::size_t>(rsa.active)];
      if (day % 7 == 0) sent.push_back({domain, a.selector, text, a.generation, day});
    }
    // Earlier mail keeps verifying until its selector gets a new key.
    for (const auto& s : sent) {
      DomainState d = h.load(s.domain);
      const Slot& x = d.sets[0].slots[s.selector == "selector1" ? 0 : 1];
      bool renewed = x.generation != s.generation;
      EXPECT_EQ(verifies(h, s.text), !renewed)
          << s.domain << " mail of day " << s.day << " on day " << day;
      if (!renewed) {
        EXPECT_LT(day - s.day, 200) << "a selector went unrenewed too long";
      } else {
        // Renewed no earlier than 90 days after the signature.
        EXPECT_GE(day - s.day, 90) << s.domain << " mail of day " << s.day;
      }
    }
  }
  for (const auto& domain : domains) {
    auto events = *h.store->events(domain);
    std::vector<std::pair<UnixTime, std::string>> switches;
    std::map<std::string, std::vector<UnixTime>> renewals;
    for (const auto& e : events) {
      if (e.kind == "activate") switches.emplace_back(e.at, e.selector);
      if (e.kind == "generate") renewals[e.selector].push_back(e.at);
    }
    // selector1 on day 0, then selector2 (day 94), selector1 (188), selector2 (282).
    ASSERT_EQ(switches.size(), 4u) << domain;
    EXPECT_EQ(switches[0].first, kStart);
    for (std::size_t i = 1; i < switches.size(); ++i) {
      EXPECT_NE(switches[i].second, switches[i - 1].second) << "selectors alternate";
      std::int64_t gap = switches[i].first - switches[i - 1].first;
      EXPECT_GE(gap, 90 * kDay);
      EXPECT_LE(gap, 90 * kDay + 96 * 3600 + kDay) << "switch " << i;
    }
    // Each selector renewed about every 6 months (selector2's first key, never
    // used, is renewed at the first rotation).
    for (const auto& [selector, times] : renewals) {
      for (std::size_t i = 1; i < times.size(); ++i) {
        if (selector == "selector2" && i == 1) continue;
        std::int64_t gap = times[i] - times[i - 1];
        EXPECT_GE(gap, 180 * kDay) << selector;
        EXPECT_LE(gap, 180 * kDay + 2 * (96 * 3600 + kDay)) << selector;
      }
    }
    EXPECT_EQ(renewals["selector1"].size(), 2u);
    EXPECT_EQ(renewals["selector2"].size(), 3u);
  }
}

// A fixed scenario: init, then the days that matter for one full rotation.
std::vector<int> scenario_days() { return {1, 90, 91, 93, 94, 95, 184, 185, 188}; }

struct Summary {
  std::vector<std::string> lines;
  bool operator==(const Summary&) const = default;
};

Summary summarize(Harness& h) {
  Summary s;
  auto stored = h.store->load_all();
  for (const auto& d : *stored) {
    for (const auto& set : d.sets) {
      std::string line = d.domain + " active=" + std::to_string(set.active) +
                         " target=" + std::to_string(set.target);
      for (const auto& x : set.slots) {
        line += " [" + x.selector + " " + slot_state_name(x.state) + " gen=" +
                std::to_string(x.generation) + " act=" + std::to_string(x.activated) +
                " live=" + std::to_string(x.live_since) + "]";
      }
      s.lines.push_back(line);
    }
  }
  return s;
}

// Runs the scenario; after a simulated crash, restarts (fresh objects from
// disk) and repeats the interrupted command at the same time, as cron would.
void run_scenario(Harness& h, int& crashes) {
  auto again = [&](auto op) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto outcomes = op();
      bool crashed = false;
      for (const auto& o : outcomes) {
        if (!o.result && o.result.error().message.find("simulated crash") != std::string::npos) {
          crashed = true;
        }
      }
      if (!crashed) {
        ASSERT_TRUE(all_ok(outcomes));
        return;
      }
      ++crashes;
      h.reopen();
      expect_consistent(h, "after a crash");
    }
    FAIL() << "crashed repeatedly";
  };
  h.day(0);
  again([&] { return h.rotator->init({"a.example", "b.example"}, {}); });
  for (int day : scenario_days()) {
    h.day(day);
    again([&] { return h.tick(); });
  }
}

TEST(Rotation, CrashAtEveryStepResumesToTheSameState) {
  // Reference run, counting the crash points it passes.
  Harness reference;
  int points = 0;
  reference.hook = [&](std::string_view) {
    ++points;
    return false;
  };
  reference.reopen();
  int crashes = 0;
  run_scenario(reference, crashes);
  Summary want = summarize(reference);
  ASSERT_GT(points, 20);
  ASSERT_EQ(crashes, 0);
  std::map<std::string, int> seen_points;
  for (int k = 1; k <= points; ++k) {
    Harness h;
    int count = 0;
    h.hook = [&](std::string_view point) {
      if (++count == k) {
        ++seen_points[std::string(point)];
        return true;
      }
      return false;
    };
    h.reopen();
    int crashed = 0;
    run_scenario(h, crashed);
    EXPECT_EQ(crashed, 1) << "crash point " << k;
    EXPECT_EQ(summarize(h), want) << "crash point " << k;
    // No file left behind that the store does not name.
    auto stored = h.store->load_all();
    for (const auto& d : *stored) {
      std::size_t files = 0, named = 0;
      for (const auto& e : std::filesystem::directory_iterator(h.vault->domain_dir(d.domain))) {
        (void)e;
        ++files;
      }
      for (const auto& s : d.sets) {
        for (const auto& x : s.slots) named += x.key_file.empty() ? 0 : 1;
      }
      EXPECT_EQ(files, named) << d.domain << " crash point " << k;
    }
  }
  for (const char* p : {"after-key-file", "after-save:generate", "after-publish",
                        "after-save:publish", "after-save:live", "after-save:activate"}) {
    EXPECT_GT(seen_points[p], 0) << "crash point never exercised: " << p;
  }
}

TEST(Rotation, RevocationOfTheActiveKeySwitchesAtOnce) {
  Harness h;
  ASSERT_TRUE(all_ok(h.rotator->init({"a.example"}, {})));
  h.day(10);
  std::string before = sign(h, "a.example", 1);
  Outcome o = h.rotator->revoke("a.example", "selector1");
  ASSERT_TRUE(o.result) << o.result.error().message;
  DomainState d = h.load("a.example");
  EXPECT_EQ(d.sets[0].slots[0].state, SlotState::kRevoked);
  EXPECT_EQ(d.sets[0].active, 1);
  EXPECT_TRUE(d.sets[0].slots[0].key_file.empty());
  EXPECT_EQ(std::filesystem::directory_iterator(h.vault->domain_dir("a.example"))->path().filename(),
            d.sets[0].slots[1].key_file);  // the revoked key's file is gone
  EXPECT_NE(read_file(h.zone).find("selector1._domainkey.a.example. 3600 IN TXT \"v=DKIM1; k=rsa; p=\""),
            std::string::npos);
  EXPECT_FALSE(verifies(h, before));  // mail signed with the revoked key no longer verifies
  std::string after = sign(h, "a.example", 2);
  EXPECT_NE(after.find("s=selector2"), std::string::npos);
  EXPECT_TRUE(verifies(h, after));
  // 90 days after the switch selector1 gets a new key and the cycle goes on.
  h.day(100);
  ASSERT_TRUE(all_ok(h.tick()));
  d = h.load("a.example");
  EXPECT_EQ(d.sets[0].slots[0].state, SlotState::kPending);
  EXPECT_EQ(d.sets[0].target, 0);
  h.day(105);
  ASSERT_TRUE(all_ok(h.tick()));
  EXPECT_EQ(h.load("a.example").sets[0].active, 0);
  // Revoking again is harmless; an unknown selector is an error.
  EXPECT_TRUE(h.rotator->revoke("a.example", "selector2").result);
  EXPECT_TRUE(h.rotator->revoke("a.example", "selector2").result);
  EXPECT_FALSE(h.rotator->revoke("a.example", "nope").result);
}

TEST(Rotation, RevocationWithoutALiveKeyLeavesMailUnsignedUntilANewKeyIsLive) {
  Harness h(/*publish=*/false);
  ASSERT_TRUE(all_ok(h.rotator->init({"a.example"}, {})));
  EXPECT_TRUE(sign(h, "a.example", 0).empty());  // nothing live yet: unsigned
  // The administrator publishes what export-dns shows; the next tick activates.
  auto publish_by_hand = [&] {
    std::ofstream out(h.tmp.path() + "/manual.zone");
    for (const auto& r : desired_records(h.load("a.example"), 3600).records) out << zone_line(r) << "\n";
  };
  publish_by_hand();
  h.day(1);
  ASSERT_TRUE(all_ok(h.tick()));
  EXPECT_EQ(h.load("a.example").sets[0].active, 0);
  EXPECT_FALSE(sign(h, "a.example", 1).empty());
  // Selector 2 is revoked, then the active selector 1: nothing usable is left.
  ASSERT_TRUE(h.rotator->revoke("a.example", "selector2").result);
  h.day(2);
  Outcome o = h.rotator->revoke("a.example", "selector1");
  ASSERT_TRUE(o.result);
  bool warned = false;
  for (const auto& w : o.warnings) warned |= w.find("unsigned") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_TRUE(sign(h, "a.example", 2).empty());
  auto none = active_signers(*h.store, *h.vault, *DomainName::parse("a.example"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::kNotFound);
  DomainState d = h.load("a.example");
  EXPECT_EQ(d.sets[0].target, 1);  // a new key on the slot revoked first
  EXPECT_EQ(rotation_state(d.sets[0], h.rotator->policy()), "awaiting-publication");
  h.day(3);
  ASSERT_TRUE(all_ok(h.tick()));
  EXPECT_TRUE(sign(h, "a.example", 3).empty());  // still not published
  publish_by_hand();
  h.day(4);
  ASSERT_TRUE(all_ok(h.tick()));
  d = h.load("a.example");
  EXPECT_EQ(d.sets[0].active, 1);  // signing again as soon as live, no 96 h wait
  std::string text = sign(h, "a.example", 4);
  EXPECT_TRUE(verifies(h, text));
}

TEST(Rotation, RevokingTheTargetRestartsTheRotation) {
  Harness h(/*publish=*/false);
  ASSERT_TRUE(all_ok(h.rotator->init({"a.example"}, {})));
  {
    std::ofstream out(h.tmp.path() + "/manual.zone");
    for (const auto& r : desired_records(h.load("a.example"), 3600).records) out << zone_line(r) << "\n";
  }
  h.day(1);
  ASSERT_TRUE(all_ok(h.tick()));
  ASSERT_TRUE(all_ok(h.rotator->advance({"a.example"}, {true, 0})));
  DomainState d = h.load("a.example");
  ASSERT_EQ(d.sets[0].target, 1);
  unsigned gen = d.sets[0].slots[1].generation;
  ASSERT_TRUE(h.rotator->revoke("a.example", "selector2").result);
  d = h.load("a.example");
  // The compromised pending key was replaced by a fresh one, still the target.
  EXPECT_EQ(d.sets[0].target, 1);
  EXPECT_EQ(d.sets[0].slots[1].generation, gen + 1);
  EXPECT_EQ(d.sets[0].active, 0);  // selector1 keeps signing meanwhile
}

TEST(Rotation, KeySizeChangeGoesThroughTheSamePath) {
  Harness h(/*publish=*/true, /*bits=*/1024);
  ASSERT_TRUE(all_ok(h.rotator->init({"a.example"}, {})));
  EXPECT_EQ(h.load("a.example").sets[0].slots[0].bits, 1024u);
  h.day(5);
  ASSERT_TRUE(all_ok(h.rotator->advance({"a.example"}, {true, 2048})));
  DomainState d = h.load("a.example");
  EXPECT_EQ(d.sets[0].slots[1].bits, 2048u);
  EXPECT_EQ(d.sets[0].active, 0);  // not before the propagation wait
  EXPECT_EQ(rotation_state(d.sets[0], h.rotator->policy()), "propagating");
  h.day(8);
  ASSERT_TRUE(all_ok(h.tick()));
  EXPECT_EQ(h.load("a.example").sets[0].active, 0);
  h.day(9);
  ASSERT_TRUE(all_ok(h.tick()));
  d = h.load("a.example");
  EXPECT_EQ(d.sets[0].active, 1);
  EXPECT_EQ(d.sets[0].requested_bits, 0u);
  std::string text = sign(h, "a.example", 1);
  EXPECT_TRUE(verifies(h, text));
  auto verdicts = dkim::Verifier(h.dns, h.clock).verify(*Message::parse(text));
  EXPECT_EQ(verdicts.at(0).key_bits, 2048u);
  // The next scheduled rotation uses the configured size again.
  h.day(9 + 90);
  ASSERT_TRUE(all_ok(h.tick()));
  EXPECT_EQ(h.load("a.example").sets[0].slots[0].bits, 1024u);
}

TEST(Rotation, Ed25519PairSignsBesideRsaAndCanBeAddedLater) {
  Harness h;
  ASSERT_TRUE(all_ok(h.rotator->init({"a.example"}, {})));
  InitOptions ed;
  ed.ed25519 = true;
  ASSERT_TRUE(all_ok(h.rotator->init({"a.example"}, ed)));  // an algorithm added later
  DomainState d = h.load("a.example");
  ASSERT_EQ(d.sets.size(), 2u);
  EXPECT_EQ(d.sets[1].active, 0);
  EXPECT_EQ(d.sets[1].slots[0].bits, 256u);
  std::string text = sign(h, "a.example", 1);
  EXPECT_NE(text.find("a=ed25519-sha256"), std::string::npos);
  EXPECT_NE(text.find("a=rsa-sha256"), std::string::npos);
  EXPECT_TRUE(verifies(h, text));
  EXPECT_NE(read_file(h.zone).find("selector1-ed25519._domainkey.a.example. 3600 IN TXT "
                                   "\"v=DKIM1; k=ed25519; p="),
            std::string::npos);
  h.day(90);
  ASSERT_TRUE(all_ok(h.tick()));
  h.day(94);
  ASSERT_TRUE(all_ok(h.tick()));
  d = h.load("a.example");
  EXPECT_EQ(d.sets[0].active, 1);
  EXPECT_EQ(d.sets[1].active, 1);
}

TEST(Rotation, CnameDelegationPublishesIntoTheKeyZoneOnly) {
  Harness h;
  InitOptions o;
  o.cname_zone = "keys.provider.example";
  ASSERT_TRUE(all_ok(h.rotator->init({"customer.example"}, o)));
  // Without the customer's CNAMEs no key is live where verifiers look.
  DomainState d = h.load("customer.example");
  EXPECT_EQ(d.sets[0].active, -1);
  EXPECT_NE(read_file(h.zone).find("selector1-customer-example._domainkey.keys.provider.example."),
            std::string::npos);
  {
    std::ofstream out(h.tmp.path() + "/manual.zone");
    for (const auto& r : delegation_records(d, 3600)) out << zone_line(r) << "\n";
  }
  h.day(1);
  ASSERT_TRUE(all_ok(h.tick()));
  EXPECT_EQ(h.load("customer.example").sets[0].active, 0);
  EXPECT_TRUE(verifies(h, sign(h, "customer.example", 1)));
  h.day(91);
  ASSERT_TRUE(all_ok(h.tick()));
  h.day(95);
  ASSERT_TRUE(all_ok(h.tick()));
  std::string text = sign(h, "customer.example", 2);
  EXPECT_NE(text.find("s=selector2"), std::string::npos);
  EXPECT_TRUE(verifies(h, text));
}

TEST(Rotation, ManyDomainsInOneRunWithProgress) {
  Harness h(/*publish=*/true, /*bits=*/1024);
  std::vector<std::string> domains;
  for (int i = 0; i < 120; ++i) domains.push_back("d" + std::to_string(i) + ".example");
  std::vector<std::size_t> seen;
  auto outcomes = h.rotator->init(domains, {}, [&](const Outcome&, std::size_t i, std::size_t total) {
    EXPECT_EQ(total, domains.size());
    seen.push_back(i);
  });
  ASSERT_TRUE(all_ok(outcomes));
  ASSERT_EQ(seen.size(), domains.size());
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);
  h.day(3);
  ASSERT_TRUE(all_ok(h.rotator->advance({}, {true, 0})));
  h.day(7);
  ASSERT_TRUE(all_ok(h.tick()));
  auto stored = h.store->load_all();
  for (const auto& d : *stored) EXPECT_EQ(d.sets[0].active, 1) << d.domain;
}

TEST(Rotation, PermissionProblemsAreRefusedPerDomain) {
  Harness h;
  ASSERT_TRUE(all_ok(h.rotator->init({"a.example", "b.example"}, {})));
  std::string dir = h.vault->domain_dir("a.example");
  ::chmod(dir.c_str(), 0755);
  auto outcomes = h.tick();
  ASSERT_EQ(outcomes.size(), 2u);
  ASSERT_FALSE(outcomes[0].result);
  EXPECT_NE(outcomes[0].result.error().message.find("chmod 700 " + dir), std::string::npos);
  EXPECT_TRUE(outcomes[1].result);
  auto signers = active_signers(*h.store, *h.vault, *DomainName::parse("a.example"));
  ASSERT_FALSE(signers);
  EXPECT_EQ(signers.error().kind, ErrorKind::kConfig);
  ::chmod(dir.c_str(), 0700);
  // A key file that does not hold the published key is never used.
  DomainState d = h.load("a.example");
  std::string active_file = dir + "/" + d.sets[0].slots[0].key_file;
  std::string other_file = dir + "/" + d.sets[0].slots[1].key_file;
  std::filesystem::copy_file(other_file, active_file, std::filesystem::copy_options::overwrite_existing);
  auto tampered = active_signers(*h.store, *h.vault, *DomainName::parse("a.example"));
  ASSERT_FALSE(tampered);
  EXPECT_NE(tampered.error().message.find("refusing to sign"), std::string::npos);
}

TEST(Publishers, HookGetsDocumentedArgumentsAndEnvironment) {
  TempDir tmp;
  std::string script = tmp.path() + "/hook.sh";
  std::string log = tmp.path() + "/hook.log";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\n"
        << "echo \"$1|$2|$3|$4|$AUTHGUARD_DOMAIN|$AUTHGUARD_ZONE|$AUTHGUARD_SELECTOR|"
           "$AUTHGUARD_RECORD_NAME|$AUTHGUARD_RECORD_TTL|$5\" >> " << log << "\n"
        << "[ \"$5\" = \"$AUTHGUARD_RECORD_VALUE\" ] || exit 3\n";
  }
  ::chmod(script.c_str(), 0755);
  HookPublisher hook({script}, 10);
  DomainRecords recs;
  recs.domain = "a.example";
  recs.zone = "a.example";
  recs.records.push_back(DnsRecord{"s1._domainkey.a.example", "TXT", "v=DKIM1; k=rsa; p=AB", 600, "s1"});
  auto results = hook.publish({recs}, {});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0]) << results[0].error().message;
  EXPECT_EQ(read_file(log),
            "publish|s1._domainkey.a.example|TXT|600|a.example|a.example|s1|"
            "s1._domainkey.a.example|600|v=DKIM1; k=rsa; p=AB\n");
  HookPublisher failing({"/bin/sh", "-c", "echo 'provider said no' >&2; exit 4", "hook"}, 10);
  auto bad = failing.publish({recs}, {});
  ASSERT_FALSE(bad[0]);
  EXPECT_NE(bad[0].error().message.find("exited with 4: provider said no"), std::string::npos)
      << bad[0].error().message;
  HookPublisher slow({"/bin/sh", "-c", "exec sleep 30", "hook"}, 1);
  auto late = slow.publish({recs}, {});
  ASSERT_FALSE(late[0]);
  EXPECT_NE(late[0].error().message.find("did not finish within 1 s"), std::string::npos);
}

TEST(Publishers, ZoneFilePerZoneWithReloadCommand) {
  TempDir tmp;
  std::string marker = tmp.path() + "/reloaded";
  ZoneFilePublisher pub(tmp.path() + "/{zone}.keys",
                        {"/bin/sh", "-c", "echo {zone} >> " + marker}, 10);
  DomainRecords a{"a.example", "a.example", {DnsRecord{"s._domainkey.a.example", "TXT", "v=DKIM1; p=A", 60, "s"}}, {}};
  DomainRecords b{"b.example", "b.example", {DnsRecord{"s._domainkey.b.example", "TXT", "v=DKIM1; p=B", 60, "s"}}, {}};
  auto results = pub.publish({a}, {a, b});
  ASSERT_TRUE(results.at(0)) << results[0].error().message;
  std::string text = read_file(tmp.path() + "/a.example.keys");
  EXPECT_NE(text.find("s._domainkey.a.example. 60 IN TXT \"v=DKIM1; p=A\""), std::string::npos);
  EXPECT_EQ(text.find("b.example"), std::string::npos);  // another zone's record stays out
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/b.example.keys"));
  EXPECT_EQ(read_file(marker), "a.example\n");
  EXPECT_EQ(mode_of(tmp.path() + "/a.example.keys"), 0644u);
  // Loadable as a zone.
  auto zone = dns::ZoneResolver::load_file(tmp.path() + "/a.example.keys");
  ASSERT_TRUE(zone) << zone.error().message;
  ZoneFilePublisher broken(tmp.path() + "/x.keys", {"/bin/false"}, 10);
  EXPECT_FALSE(broken.publish({a}, {a}).at(0));
}

TEST(Demo, PrintsAYearOfRotation) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* out = ::open_memstream(&buf, &len);
  auto r = run_keys_demo(out, 1024);
  std::fclose(out);
  std::string text(buf, len);
  std::free(buf);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(text.find("2025-01-01  contoso.example"), std::string::npos) << text;
  EXPECT_NE(text.find("SIGNING WITH selector2"), std::string::npos) << text;
  EXPECT_NE(text.find("366 messages signed, 366 verified the same day"), std::string::npos) << text;
  EXPECT_NE(text.find("352 messages signed, 352 verified the same day"), std::string::npos) << text;
  EXPECT_NE(text.find("its first message (2025-01-01) verified every day until 2025-07-03"),
            std::string::npos) << text;
  EXPECT_NE(text.find("selector2 REVOKED"), std::string::npos) << text;
}

// --- configuration ---------------------------------------------------------------

TEST(KeysConfig, ReadsAndChecksTheSection) {
  auto cfg = parse_config(
      "[keys]\nselectors = [\"s1\", \"s2\"]\nrotation_days = 30\npropagation_delay_hours = 24\n"
      "bits = 3072\ned25519 = true\nrecord_ttl = 300\nauthoritative_servers = [\"127.0.0.1@5300\"]\n"
      "[keys.publisher]\ntype = \"rfc2136\"\nserver = \"127.0.0.1@5300\"\ntsig_name = \"k\"\n"
      "tsig_secret_file = \"/etc/k\"\n",
      "t.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->keys.selectors, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(cfg->keys.publisher.type, PublisherConfig::Type::kRfc2136);
  Policy p = policy_from(cfg->keys);
  EXPECT_EQ(p.rotation_seconds, 30 * kDay);
  EXPECT_EQ(p.propagation_delay_seconds, 24 * 3600);
  EXPECT_EQ(p.bits, 3072u);
  EXPECT_TRUE(p.ed25519);
  EXPECT_TRUE(p.has_publisher);
  EXPECT_EQ(default_config().keys.rotation_days, 90u);
  EXPECT_EQ(default_config().keys.tick_seconds, 3600u);
  auto ticks = parse_config("[keys]\ntick_seconds = 0\n", "t.toml");
  ASSERT_TRUE(ticks) << ticks.error().message;
  EXPECT_EQ(ticks->keys.tick_seconds, 0u);

  auto err = [](const std::string& text) {
    auto c = parse_config(text, "t.toml");
    return c ? std::string("accepted") : c.error().message;
  };
  EXPECT_EQ(err("[keys]\nbits = 1000\n"), "t.toml:2: key 'keys.bits' must be 1024, 2048, 3072 or 4096");
  EXPECT_EQ(err("[keys]\nrotation_dayz = 3\n"), "t.toml:2: unknown key 'keys.rotation_dayz'");
  EXPECT_EQ(err("[keys]\nselectors = [\"a\"]\n"), "t.toml:2: key 'keys.selectors' must be two selector names");
  EXPECT_EQ(err("[keys]\nselectors = [\"a.b\", \"c\"]\n").substr(0, 38), "t.toml:2: key 'keys.selectors' must be");
  EXPECT_EQ(err("[keys]\nselectors = [\"selector1-ed25519\", \"x\"]\n").substr(0, 9), "t.toml:2:");
  EXPECT_EQ(err("[keys.publisher]\ntype = \"zone-file\"\nserver = \"1.2.3.4\"\n"),
            "t.toml:3: key 'keys.publisher.server' must be used only with type = \"rfc2136\"");
  EXPECT_EQ(err("[keys.publisher]\ntype = \"zone-file\"\n"),
            "t.toml:2: key 'keys.publisher.type' must be given keys.publisher.path too");
  EXPECT_EQ(err("[keys.publisher]\ntype = \"dns-api\"\n"),
            "t.toml:2: key 'keys.publisher.type' must be one of: none, zone-file, rfc2136, hook");
  EXPECT_EQ(err("[keys.publisher]\ntype = \"hook\"\ncommand = []\n"),
            "t.toml:2: key 'keys.publisher.type' must be given keys.publisher.command too");
  EXPECT_EQ(err("[keys.publisher]\ntype = \"rfc2136\"\nserver = \"1.2.3.4\"\ntsig_name = \"k\"\n"),
            "t.toml:4: key 'keys.publisher.tsig_name' must be given together with "
            "keys.publisher.tsig_name / tsig_secret_file");
}

}  // namespace
}  // namespace authguard::keys
