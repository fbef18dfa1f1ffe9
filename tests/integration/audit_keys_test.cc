// audit_keys_test.cc: `authguard audit` reading the key store of --state-dir,
// end to end: a store made and rotated by `authguard keys` (records published
// by hand into a zone file, as keys_cli_test does), then audited at chosen
// times with --now. The key-age finding follows [keys] rotation_days, a key
// DNS serves that is not the stored one is reported, and a store that can't
// be read is an error (exit 3), never a report that silently skipped it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

constexpr long long kT0 = 1735689600;  // 2025-01-01T00:00:00Z
const std::string kDomain = "contoso.example";

std::string at(double day) { return std::to_string(kT0 + static_cast<long long>(day * 86400)); }

struct Site {
  TempDir tmp;
  std::string state = tmp.path() + "/state";
  std::string zone = tmp.path() + "/dns.zone";
  std::string config = tmp.path() + "/authguard.toml";

  // A short rotation, so that "fresh" and "overdue" are a few weeks apart.
  Site() {
    std::ofstream(zone) << "; nothing published yet\n";
    std::ofstream(config) << "[keys]\nrotation_days = 30\npropagation_delay_hours = 24\n";
  }

  RunResult keys(std::vector<std::string> args, const std::string& now,
                 const std::string& state_dir = "") {
    std::vector<std::string> all = {"keys"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--state-dir", state_dir.empty() ? state : state_dir, "--zone", zone,
                           "--config", config, "--now", now});
    return run_authguard(all);
  }
  // What an administrator does with export-dns: put it in the zone.
  void publish_by_hand(const std::string& now, const std::string& state_dir = "") {
    auto r = keys({"export-dns"}, now, state_dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ofstream(zone) << r.out;
  }
  RunResult audit(const std::string& now, const std::string& state_dir = "") {
    return run_authguard({"audit", kDomain, "--zone", zone, "--config", config, "--state-dir",
                          state_dir.empty() ? state : state_dir, "--now", now, "--json"});
  }
  // A store whose selector1 signs from day 1 (activated then), both records live.
  void make_store() {
    auto init = keys({"init", kDomain}, at(0));
    ASSERT_EQ(init.exit_code, 0) << init.err << init.out;
    publish_by_hand(at(0));
    auto tick = keys({"rotate", "--due"}, at(1));
    ASSERT_EQ(tick.exit_code, 0) << tick.out << tick.err;
    ASSERT_NE(tick.out.find("signing with selector1"), std::string::npos) << tick.out;
  }
};

// The findings of the audited domain, by id (id -> message).
std::map<std::string, std::vector<std::string>> findings(const RunResult& r) {
  std::map<std::string, std::vector<std::string>> out;
  auto report = nlohmann::json::parse(r.out);
  for (const auto& d : report["domains"]) {
    if (d["domain"] != kDomain) continue;
    for (const auto& f : d["findings"]) {
      out[f["id"].get<std::string>()].push_back(f["message"].get<std::string>());
    }
  }
  return out;
}

// Exit 0 or 1 (the bare test domain has other findings, DMARC first): the
// audit ran and reported.
void expect_reported(const RunResult& r) {
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.exit_code << "\n" << r.err;
  ASSERT_FALSE(r.out.empty()) << r.err;
}

TEST(AuditKeys, KeyAgeFollowsTheConfiguredRotation) {
  Site site;
  site.make_store();

  // Day 20: 19 days since activation, within 30 days.
  auto fresh = site.audit(at(20));
  expect_reported(fresh);
  auto f = findings(fresh);
  EXPECT_EQ(f.count("dkim.key_age"), 0u) << fresh.out;
  EXPECT_EQ(f.count("dkim.key_mismatch"), 0u) << fresh.out;

  // Day 31.5: past 30 days but within the propagation grace (24 h): the
  // rotator may be switching right now.
  auto switching = site.audit(at(31.5));
  expect_reported(switching);
  EXPECT_EQ(findings(switching).count("dkim.key_age"), 0u) << switching.out;

  // Day 41: 40 days since activation and nothing rotated it.
  auto old = site.audit(at(41));
  expect_reported(old);
  f = findings(old);
  ASSERT_EQ(f.count("dkim.key_age"), 1u) << old.out;
  ASSERT_EQ(f["dkim.key_age"].size(), 1u);  // selector1 only: selector2 never signed
  const std::string& msg = f["dkim.key_age"][0];
  EXPECT_NE(msg.find("selector1._domainkey." + kDomain), std::string::npos) << msg;
  EXPECT_NE(msg.find("40 days old"), std::string::npos) << msg;
  EXPECT_NE(msg.find("every 30 days"), std::string::npos) << msg;
  EXPECT_EQ(f.count("dkim.key_mismatch"), 0u) << old.out;
  EXPECT_EQ(old.exit_code, 1);

  // After the rotation, selector2 signs and is fresh; retired selector1 is
  // old but still published on purpose: no finding.
  auto tick = site.keys({"rotate", "--due"}, at(41));
  ASSERT_EQ(tick.exit_code, 0) << tick.out << tick.err;
  site.publish_by_hand(at(41));
  ASSERT_EQ(site.keys({"rotate", "--due"}, at(42)).exit_code, 0);
  tick = site.keys({"rotate", "--due"}, at(44));
  ASSERT_NE(tick.out.find("signing with selector2"), std::string::npos) << tick.out;
  auto rotated = site.audit(at(50));
  expect_reported(rotated);
  f = findings(rotated);
  EXPECT_EQ(f.count("dkim.key_age"), 0u) << rotated.out;
  EXPECT_EQ(f.count("dkim.key_mismatch"), 0u) << rotated.out;
}

TEST(AuditKeys, APublishedKeyThatIsNotTheStoredOneIsReported) {
  Site site;
  site.make_store();
  // Another store for the same domain (a second installation, or a restored
  // backup) publishes its own keys over ours.
  const std::string other = site.tmp.path() + "/other";
  auto init = site.keys({"init", kDomain}, at(0), other);
  ASSERT_EQ(init.exit_code, 0) << init.err << init.out;
  site.publish_by_hand(at(2), other);

  auto r = site.audit(at(2));
  expect_reported(r);
  EXPECT_EQ(r.exit_code, 1);
  auto f = findings(r);
  ASSERT_EQ(f.count("dkim.key_mismatch"), 1u) << r.out;
  EXPECT_EQ(f["dkim.key_mismatch"].size(), 2u) << r.out;  // selector1 and selector2
  EXPECT_EQ(f.count("dkim.key_age"), 0u) << r.out;
  // The fix is the record our store holds.
  auto ours = site.keys({"export-dns"}, at(2));
  auto report = nlohmann::json::parse(r.out);
  bool fix_found = false;
  for (const auto& fd : report["domains"][0]["findings"]) {
    if (fd["id"] != "dkim.key_mismatch") continue;
    std::string fix = fd["fix"].get<std::string>();
    auto p = fix.find("p=");
    ASSERT_NE(p, std::string::npos) << fix;
    std::string key = fix.substr(p, 40);
    EXPECT_NE(ours.out.find(key), std::string::npos) << fix;
    fix_found = true;
  }
  EXPECT_TRUE(fix_found);
}

TEST(AuditKeys, NoStoreIsNoErrorAndABrokenStoreIsExitThree) {
  Site site;
  site.make_store();
  // No authguard.db in the state dir: the key checks stay silent.
  auto none = site.audit(at(41), site.tmp.path() + "/nowhere");
  expect_reported(none);
  EXPECT_EQ(findings(none).count("dkim.key_age"), 0u) << none.out;
  EXPECT_TRUE(none.err.empty()) << none.err;

  // A file that is not a database.
  const std::string broken = site.tmp.path() + "/broken";
  std::filesystem::create_directories(broken);
  std::ofstream(broken + "/authguard.db") << "not a database, but long enough to be read as one "
                                             "by SQLite's header check................................";
  auto r = site.audit(at(2), broken);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot open the key store " + broken + "/authguard.db"), std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace authguard::testing
