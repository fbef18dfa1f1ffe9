// keys_cli_test.cc: `authguard keys` as administrators run it: publication by
// hand through export-dns, the JSON status contract, permissions refused by
// every command, 1,000 domains in one run, a real kill -9 mid-rotation, and
// publication into real Knot DNS servers by RFC 2136 (TSIG) and by a zone
// include file reloaded with knotc.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/knot_server.h"
#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

constexpr long long kT0 = 1735689600;  // 2025-01-01T00:00:00Z

std::string at(double day) { return std::to_string(kT0 + static_cast<long long>(day * 86400)); }

struct Site {
  TempDir tmp;
  std::string state = tmp.path() + "/state";
  std::string zone = tmp.path() + "/dns.zone";
  std::string config;  // empty: no --config

  Site() { std::ofstream(zone) << "; nothing published yet\n"; }

  RunResult keys(std::vector<std::string> args, const std::string& now) {
    std::vector<std::string> all = {"keys"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--state-dir", state, "--zone", zone, "--now", now});
    if (!config.empty()) all.insert(all.end(), {"--config", config});
    return run_authguard(all);
  }
  nlohmann::json status(const std::string& now) {
    auto r = keys({"status", "--json"}, now);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["domains"];
  }
  // What an administrator does with export-dns: put it in the zone.
  void publish_by_hand(const std::string& now) {
    auto r = keys({"export-dns"}, now);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ofstream(zone) << r.out;
  }
};

TEST(KeysCli, PublicationByHandAndTheStatusContract) {
  Site site;
  auto init = site.keys({"init", "contoso.example", "--bits", "1024"}, at(0));
  ASSERT_EQ(init.exit_code, 0) << init.err << init.out;
  EXPECT_NE(init.out.find("DNS records for contoso.example (publish them now"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("selector1._domainkey.contoso.example. 3600 IN TXT \"v=DKIM1; k=rsa; p="),
            std::string::npos);
  auto d = site.status(at(0)).at(0);
  EXPECT_EQ(d["domain"], "contoso.example");
  EXPECT_TRUE(d["active_selector"].is_null());
  EXPECT_TRUE(d["next_rotation"].is_null());
  EXPECT_EQ(d["rotation_state"], "awaiting-publication");
  ASSERT_EQ(d["selectors"].size(), 2u);
  EXPECT_EQ(d["selectors"][0]["selector"], "selector1");
  EXPECT_EQ(d["selectors"][0]["state"], "pending");
  EXPECT_EQ(d["selectors"][0]["algorithm"], "rsa-sha256");
  EXPECT_EQ(d["selectors"][0]["bits"], 1024);
  EXPECT_EQ(d["selectors"][0]["created"], "2025-01-01T00:00:00Z");
  EXPECT_TRUE(d["selectors"][0]["activated"].is_null());
  EXPECT_EQ(d["selectors"][0]["dns"], "missing");
  auto text = site.keys({"status"}, at(0));
  EXPECT_NE(text.out.find("publish by hand:"), std::string::npos) << text.out;

  site.publish_by_hand(at(0));
  auto tick = site.keys({"rotate", "--due"}, at(1));
  ASSERT_EQ(tick.exit_code, 0) << tick.out << tick.err;
  EXPECT_NE(tick.out.find("[1/1] contoso.example: selector1 live, signing with selector1"),
            std::string::npos) << tick.out;
  d = site.status(at(1)).at(0);
  EXPECT_EQ(d["active_selector"], "selector1");
  EXPECT_EQ(d["next_rotation"], "2025-04-02T00:00:00Z");
  EXPECT_EQ(d["rotation_state"], "stable");
  EXPECT_EQ(d["selectors"][0]["state"], "active");
  EXPECT_EQ(d["selectors"][0]["activated"], "2025-01-02T00:00:00Z");
  EXPECT_EQ(d["selectors"][0]["dns"], "live");
  EXPECT_EQ(d["selectors"][1]["state"], "published");
  EXPECT_EQ(d["selectors"][1]["dns"], "live");
  auto list = site.keys({"list"}, at(31));
  EXPECT_NE(list.out.find("contoso.example"), std::string::npos);
  EXPECT_NE(list.out.find("selector1          1024  30d   2025-04-02     stable"), std::string::npos)
      << list.out;

  // Due on day 91: a new key on selector2, which waits for publication by hand.
  tick = site.keys({"rotate", "--due"}, at(91));
  ASSERT_EQ(tick.exit_code, 0) << tick.out;
  EXPECT_NE(tick.out.find("selector2: new 2048-bit rsa key"), std::string::npos) << tick.out;
  d = site.status(at(91)).at(0);
  EXPECT_EQ(d["rotation_state"], "awaiting-publication");
  EXPECT_EQ(d["active_selector"], "selector1");
  EXPECT_EQ(d["selectors"][1]["state"], "pending");
  EXPECT_EQ(d["selectors"][1]["dns"], "mismatch");  // the old selector2 key is still there
  site.publish_by_hand(at(91));
  tick = site.keys({"rotate", "--due"}, at(92));
  EXPECT_NE(tick.out.find("selector2 live; propagating, signing with selector1, switch to selector2 "
                          "at 2025-04-07T00:00:00Z"),
            std::string::npos) << tick.out;
  EXPECT_EQ(site.status(at(95)).at(0)["active_selector"], "selector1");
  tick = site.keys({"rotate", "--due"}, at(96));
  EXPECT_NE(tick.out.find("signing with selector2"), std::string::npos) << tick.out;
  d = site.status(at(96)).at(0);
  EXPECT_EQ(d["active_selector"], "selector2");
  EXPECT_EQ(d["selectors"][0]["state"], "retired");
  EXPECT_EQ(d["selectors"][0]["dns"], "live");  // still published for mail signed before

  // Revocation: p= empty to publish at once, by hand here.
  auto revoke = site.keys({"revoke", "contoso.example", "selector1"}, at(100));
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  EXPECT_NE(revoke.out.find("selector1 revoked"), std::string::npos);
  EXPECT_NE(revoke.out.find("publish the empty p= for selector1._domainkey.contoso.example by hand"),
            std::string::npos) << revoke.out;
  auto exported = site.keys({"export-dns"}, at(100));
  EXPECT_NE(exported.out.find("selector1._domainkey.contoso.example. 3600 IN TXT \"v=DKIM1; k=rsa; p=\""),
            std::string::npos) << exported.out;
  d = site.status(at(100)).at(0);
  EXPECT_EQ(d["selectors"][0]["state"], "revoked");
  EXPECT_EQ(d["active_selector"], "selector2");

  // Usage errors.
  EXPECT_EQ(site.keys({"rotate"}, at(100)).exit_code, 2);
  EXPECT_EQ(site.keys({"rotate", "--due", "--all"}, at(100)).exit_code, 2);
  EXPECT_EQ(site.keys({"rotate", "--due", "--bits", "2048"}, at(100)).exit_code, 2);
  EXPECT_EQ(site.keys({"revoke", "contoso.example", "nope"}, at(100)).exit_code, 1);
  EXPECT_EQ(site.keys({"rotate", "unknown.example"}, at(100)).exit_code, 1);
}

TEST(KeysCli, CnameDelegationIsCheckedByStatus) {
  Site site;
  auto init = site.keys({"init", "customer.example", "--bits", "1024", "--cname-zone",
                         "keys.provider.example"}, at(0));
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.out.find("selector1._domainkey.customer.example. 3600 IN CNAME "
                          "selector1-customer-example._domainkey.keys.provider.example."),
            std::string::npos) << init.out;
  auto d = site.status(at(0)).at(0);
  EXPECT_EQ(d["cname_zone"], "keys.provider.example");
  EXPECT_EQ(d["selectors"][0]["cname"], "missing");
  EXPECT_EQ(d["selectors"][0]["record_name"],
            "selector1-customer-example._domainkey.keys.provider.example");
  site.publish_by_hand(at(0));  // the key zone's TXT records and the customer's CNAMEs
  auto tick = site.keys({"rotate", "--due"}, at(1));
  EXPECT_NE(tick.out.find("signing with selector1"), std::string::npos) << tick.out;
  d = site.status(at(1)).at(0);
  EXPECT_EQ(d["selectors"][0]["cname"], "ok");
  EXPECT_EQ(d["selectors"][0]["dns"], "live");
  EXPECT_TRUE(d["warnings"].empty()) << d.dump();
}

TEST(KeysCli, WrongPermissionsAreRefusedByEveryCommand) {
  Site site;
  ASSERT_EQ(site.keys({"init", "a.example", "--bits", "1024"}, at(0)).exit_code, 0);
  std::string keys_dir = site.state + "/keys";
  std::string domain_dir = keys_dir + "/a.example";
  std::string key_file = domain_dir + "/selector1-1.pem";
  ASSERT_TRUE(std::filesystem::exists(key_file));
  const std::vector<std::vector<std::string>> commands = {
      {"list"}, {"status"}, {"status", "--json"}, {"export-dns"}, {"rotate", "--due"},
      {"rotate", "a.example"}, {"publish"}, {"revoke", "a.example", "selector2"},
      {"init", "a.example"}};
  auto expect_refused = [&](const std::string& path, const std::string& fix, bool whole_command) {
    for (const auto& cmd : commands) {
      auto r = site.keys(cmd, at(1));
      std::string all = r.out + r.err;
      EXPECT_NE(r.exit_code, 0) << cmd[0] << " ran with " << path;
      if (whole_command) {
        EXPECT_EQ(r.exit_code, 2) << cmd[0];
      }
      // `publish` without a publisher fails on that first when the store opens.
      if (cmd[0] == "publish" && !whole_command) continue;
      EXPECT_NE(all.find(fix + " " + path), std::string::npos) << cmd[0] << ": " << all;
    }
  };
  ::chmod(keys_dir.c_str(), 0755);
  expect_refused(keys_dir, "chmod 700", /*whole_command=*/true);
  ::chmod(keys_dir.c_str(), 0700);
  ::chmod(domain_dir.c_str(), 0711);
  expect_refused(domain_dir, "chmod 700", false);
  ::chmod(domain_dir.c_str(), 0700);
  ::chmod(key_file.c_str(), 0644);
  expect_refused(key_file, "chmod 600", false);
  ::chmod(key_file.c_str(), 0600);
  EXPECT_EQ(site.keys({"status"}, at(1)).exit_code, 0);
}

TEST(KeysCli, ThousandDomainsInOneRunWithProgress) {
  Site site;
  site.config = site.tmp.path() + "/authguard.toml";
  std::ofstream(site.config) << "[keys]\nbits = 1024\n[keys.publisher]\ntype = \"zone-file\"\npath = \""
                             << site.zone << "\"\n";
  std::vector<std::string> init = {"init"};
  for (int i = 0; i < 1000; ++i) init.push_back("d" + std::to_string(i) + ".example");
  auto r = site.keys(init, at(0));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The zone file was read when the run started, so the keys go live at the next tick.
  r = site.keys({"rotate", "--due"}, at(1));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1000 domain(s): 1000 changed, 1000 key(s) activated, 0 rotation(s) under way, "
                       "0 unsigned, 0 failed"),
            std::string::npos) << r.out.substr(r.out.size() > 400 ? r.out.size() - 400 : 0);
  r = site.keys({"rotate", "--all"}, at(2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines += line.rfind("[", 0) == 0 ? 1 : 0;
  EXPECT_EQ(lines, 1000u);
  EXPECT_NE(r.out.find("[   1/1000] d0.example: rotation requested, selector2: new 1024-bit rsa key, "
                       "published (zone-file); verifying, signing with selector1"),
            std::string::npos) << r.out.substr(0, 400);
  EXPECT_NE(r.out.find("[1000/1000] "), std::string::npos);
  EXPECT_NE(r.out.find("1000 domain(s): 1000 changed, 0 key(s) activated, 1000 rotation(s) under way"),
            std::string::npos);
  r = site.keys({"rotate", "--due"}, at(3));
  ASSERT_EQ(r.exit_code, 0);
  r = site.keys({"rotate", "--due"}, at(7));
  EXPECT_NE(r.out.find("1000 domain(s): 1000 changed, 1000 key(s) activated"), std::string::npos)
      << r.out.substr(r.out.size() > 400 ? r.out.size() - 400 : 0);
}

TEST(KeysCli, KillDashNineMidRotationResumes) {
  Site site;
  std::string dir = site.tmp.path();
  std::filesystem::create_directory(dir + "/rec");
  std::string hook = dir + "/hook.sh";
  {
    std::ofstream out(hook);
    // publish NAME TYPE TTL VALUE: one file per name, all joined into the zone.
    out << "#!/bin/sh\n"
        << "if [ -e " << dir << "/armed ]; then rm -f " << dir << "/armed; kill -9 $PPID; exit 1; fi\n"
        << "printf '%s. %s IN %s \"%s\"\\n' \"$2\" \"$4\" \"$3\" \"$5\" > " << dir << "/rec/$2\n"
        << "cat " << dir << "/rec/* > " << site.zone << "\n";
  }
  ::chmod(hook.c_str(), 0755);
  site.config = dir + "/authguard.toml";
  std::ofstream(site.config) << "[keys]\nbits = 1024\n[keys.publisher]\ntype = \"hook\"\ncommand = [\""
                             << hook << "\"]\n";
  ASSERT_EQ(site.keys({"init", "k.example"}, at(0)).exit_code, 0);
  ASSERT_EQ(site.keys({"rotate", "--due"}, at(0)).exit_code, 0);
  ASSERT_EQ(site.status(at(0)).at(0)["active_selector"], "selector1");

  std::ofstream(dir + "/armed") << "";
  auto killed = site.keys({"rotate", "k.example"}, at(10));
  EXPECT_EQ(killed.exit_code, 128 + 9) << killed.out << killed.err;
  // The new key was generated and recorded before publication began.
  auto d = site.status(at(10)).at(0);
  EXPECT_EQ(d["active_selector"], "selector1");
  EXPECT_EQ(d["rotation_state"], "publishing");
  EXPECT_EQ(d["selectors"][1]["state"], "pending");
  EXPECT_EQ(d["selectors"][1]["dns"], "mismatch");
  EXPECT_EQ(d["selectors"][0]["dns"], "live");
  std::string key2 = site.state + "/keys/k.example/selector2-2.pem";
  ASSERT_TRUE(std::filesystem::exists(key2));
  struct stat st{};
  ::stat(key2.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(site.state + "/keys/k.example/selector2-1.pem"));

  // Cron runs again: publishes, sees it live at the next run, switches after 96 h.
  auto resumed = site.keys({"rotate", "--due"}, at(10));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("published (hook)"), std::string::npos) << resumed.out;
  resumed = site.keys({"rotate", "--due"}, at(11));
  EXPECT_NE(resumed.out.find("selector2 live"), std::string::npos) << resumed.out;
  EXPECT_EQ(site.status(at(14)).at(0)["active_selector"], "selector1");
  resumed = site.keys({"rotate", "--due"}, at(15));
  EXPECT_NE(resumed.out.find("signing with selector2"), std::string::npos) << resumed.out;
  d = site.status(at(15)).at(0);
  EXPECT_EQ(d["selectors"][1]["dns"], "live");
  EXPECT_EQ(d["selectors"][0]["dns"], "live");
}

std::string tsig_secret() { return "c2VjcmV0LXNoYXJlZC13aXRoLWtub3QtZm9yLXRlc3Rpbmc="; }

std::string zone_text(const std::string& name, const std::string& extra = "") {
  return "$ORIGIN " + name + ".\n$TTL 300\n@ IN SOA ns hostmaster 1 60 60 600 60\n@ IN NS ns\n"
         "ns IN A 127.0.0.1\n" + extra;
}

// Zones are under .example: libunbound answers NXDOMAIN itself for .test
// (RFC 6761 default local zones), which would hide the server.
TEST(KeysCli, Rfc2136UpdatesAgainstKnot) {
  ASSERT_TRUE(knot_available()) << "knot is not installed (scripts/bootstrap installs it)";
  KnotServer knot({{"d.example", zone_text("d.example"), true}}, "authguard", tsig_secret());
  ASSERT_TRUE(knot.start()) << knot.error();
  Site site;
  std::string secret = site.tmp.path() + "/tsig.key";
  std::ofstream(secret) << tsig_secret() << "\n";
  site.config = site.tmp.path() + "/authguard.toml";
  std::ofstream(site.config) << "[dns]\nmode = \"forward\"\nforwarders = [\"" << knot.address()
                             << "\"]\ndnssec = false\ntimeout_ms = 2000\n"
                             << "[keys]\nbits = 1024\nauthoritative_servers = [\"" << knot.address()
                             << "\"]\n[keys.publisher]\ntype = \"rfc2136\"\nserver = \"" << knot.address()
                             << "\"\ntsig_name = \"authguard\"\ntsig_secret_file = \"" << secret
                             << "\"\ntimeout_seconds = 5\n";
  // No --zone here: the configured resolver and the authoritative server answer.
  auto keys = [&](std::vector<std::string> args, const std::string& now) {
    std::vector<std::string> all = {"keys"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--state-dir", site.state, "--config", site.config, "--now", now});
    return run_authguard(all);
  };
  auto init = keys({"init", "d.example"}, at(0));
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  // Published by UPDATE, seen live at once: selector1 signs in the same run.
  EXPECT_NE(init.out.find("published (rfc2136), selector1 live, signing with selector1, selector2 live"),
            std::string::npos) << init.out;
  auto st = keys({"status", "--json"}, at(0));
  auto d = nlohmann::json::parse(st.out)["domains"][0];
  EXPECT_EQ(d["active_selector"], "selector1");
  EXPECT_EQ(d["selectors"][0]["dns"], "live");
  EXPECT_EQ(d["selectors"][1]["dns"], "live");

  auto rotate = keys({"rotate", "d.example"}, at(1));
  ASSERT_EQ(rotate.exit_code, 0) << rotate.out << rotate.err;
  EXPECT_NE(rotate.out.find("selector2: new 1024-bit rsa key, published (rfc2136), selector2 live; "
                            "propagating, signing with selector1, switch to selector2 at "
                            "2025-01-06T00:00:00Z"),
            std::string::npos) << rotate.out;
  auto tick = keys({"rotate", "--due"}, at(5));
  EXPECT_NE(tick.out.find("signing with selector2"), std::string::npos) << tick.out;
  // The server holds the new key and still the old one.
  auto lookup = run_authguard({"dns", "lookup", "selector2._domainkey.d.example", "TXT", "--config",
                               site.config});
  EXPECT_EQ(lookup.exit_code, 0);
  EXPECT_NE(lookup.out.find("v=DKIM1; k=rsa; p="), std::string::npos) << lookup.out;
  d = nlohmann::json::parse(keys({"status", "--json"}, at(5)).out)["domains"][0];
  EXPECT_EQ(d["selectors"][0]["state"], "retired");
  EXPECT_EQ(d["selectors"][0]["dns"], "live");

  // A wrong TSIG secret: the server refuses, the command says so and fails.
  Site other;
  std::string bad = other.tmp.path() + "/bad.key";
  std::ofstream(bad) << "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZy0=\n";
  other.config = other.tmp.path() + "/authguard.toml";
  std::string text = read_file(site.config);
  text.replace(text.find(secret), secret.size(), bad);
  std::ofstream(other.config) << text;
  auto refused = run_authguard({"keys", "init", "d.example", "--state-dir", other.state, "--config",
                                other.config, "--now", at(0)});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("FAILED: rfc2136 update of zone d.example at " + knot.address()),
            std::string::npos) << refused.out;
}

TEST(KeysCli, ZoneIncludeFileReloadedByKnot) {
  ASSERT_TRUE(knot_available()) << "knot is not installed (scripts/bootstrap installs it)";
  TempDir tmp;
  std::string include = tmp.path() + "/dkim-keys.zone";
  std::ofstream(include) << "; written by authguard\n";
  KnotServer knot({{"zf.example", zone_text("zf.example", "$INCLUDE " + include + "\n"), false}}, "", "");
  ASSERT_TRUE(knot.start()) << knot.error();
  std::string config = tmp.path() + "/authguard.toml";
  std::ofstream(config) << "[dns]\nmode = \"forward\"\nforwarders = [\"" << knot.address()
                        << "\"]\ndnssec = false\ntimeout_ms = 2000\n[keys]\nbits = 1024\n"
                        << "authoritative_servers = [\"" << knot.address() << "\"]\n"
                        << "[keys.publisher]\ntype = \"zone-file\"\npath = \"" << include
                        << "\"\nreload_command = [\"knotc\", \"-c\", \"" << knot.config_path()
                        << "\", \"-b\", \"zone-reload\", \"{zone}\"]\n";
  auto init = run_authguard({"keys", "init", "zf.example", "--state-dir", tmp.path() + "/state",
                             "--config", config, "--now", at(0)});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_NE(init.out.find("published (zone-file), selector1 live, signing with selector1"),
            std::string::npos) << init.out;
  EXPECT_NE(read_file(include).find("selector1._domainkey.zf.example. 3600 IN TXT"), std::string::npos);
}

}  // namespace
}  // namespace authguard::testing
