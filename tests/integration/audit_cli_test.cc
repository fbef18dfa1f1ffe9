// audit_cli_test.cc: `authguard audit` and `authguard dmarc record` end to end,
// against a real authoritative server (NSD on loopback) serving the fixture
// zones of tests/data/audit through the production resolver (libunbound),
// with golden JSON compared exactly. The same audit through the zone backend
// (--zone) must give the same bytes. Set AUTHGUARD_UPDATE_GOLDEN=1 to rewrite
// the golden files after an intended change, and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

const char* const kZones[] = {"example", "onmicrosoft.com", "dkim.mail.microsoft",
                              "protection.outlook.com"};

std::string data_path(const std::string& name) { return source_path("tests/data/audit/" + name); }

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& got, const std::string& want) {
  std::istringstream a(got), b(want);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ha = static_cast<bool>(std::getline(a, la));
    bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "(texts are equal line by line; line endings differ)";
    if (!ha || !hb || la != lb) {
      return "line " + std::to_string(line) + "\n  got:  " + (ha ? la : "<end>") +
             "\n  want: " + (hb ? lb : "<end>");
    }
  }
}

void expect_same(const std::string& got, const std::string& want, const std::string& what) {
  EXPECT_TRUE(got == want) << what << " differs at " << first_difference(got, want);
}

// Compares output with a golden file byte for byte (or rewrites it).
void expect_golden(const std::string& actual, const std::string& golden) {
  const std::string path = data_path(golden);
  if (std::getenv("AUTHGUARD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  expect_same(actual, read_file(path), path + " (AUTHGUARD_UPDATE_GOLDEN=1 rewrites it)");
}

// Finding ids of one domain in a JSON report.
std::set<std::string> ids_of(const nlohmann::json& report, const std::string& domain) {
  std::set<std::string> out;
  for (const auto& d : report["domains"]) {
    if (d["domain"] == domain) {
      for (const auto& f : d["findings"]) out.insert(f["id"].get<std::string>());
    }
  }
  return out;
}

const nlohmann::json* finding(const nlohmann::json& report, const std::string& domain,
                              const std::string& id) {
  for (const auto& d : report["domains"]) {
    if (d["domain"] != domain) continue;
    for (const auto& f : d["findings"]) {
      if (f["id"] == id) return &f;
    }
  }
  return nullptr;
}

class AuditNsd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::pair<std::string, std::string>> zones;
    for (const char* z : kZones) zones.emplace_back(z, read_file(data_path(std::string(z) + ".zone")));
    nsd_ = new NsdServer(zones);
    started_ = nsd_->start();
    dir_ = new TempDir();
    config_ = dir_->path() + "/authguard.toml";
    std::ofstream(config_) << "[dns]\nmode = \"forward\"\nforwarders = [\"" << nsd_->address()
                           << "\"]\ndnssec = false\ntimeout_ms = 3000\n";
    // The same zones in one master file, for the zone backend.
    combined_ = dir_->path() + "/all.zone";
    std::ofstream all(combined_);
    for (const char* z : kZones) all << read_file(data_path(std::string(z) + ".zone")) << "\n";
  }
  static void TearDownTestSuite() {
    delete nsd_;
    delete dir_;
    nsd_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_) << nsd_->error(); }

  static std::vector<std::string> fixture_args() {
    return {"audit", "--domains-file", data_path("domains.txt"), "--non-sending", "loose.example",
            "nomx-parked.example", "--selectors", "mail2025", "--json"};
  }
  static std::vector<std::string> tenant_args() {
    return {"audit", "m365good.example", "m365bad.example", "m365off.example", "--tenant",
            "contoso", "--json"};
  }
  static std::vector<std::string> with(std::vector<std::string> args,
                                       std::initializer_list<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  static NsdServer* nsd_;
  static bool started_;
  static TempDir* dir_;
  static std::string config_;
  static std::string combined_;
};

NsdServer* AuditNsd::nsd_ = nullptr;
bool AuditNsd::started_ = false;
TempDir* AuditNsd::dir_ = nullptr;
std::string AuditNsd::config_;
std::string AuditNsd::combined_;

TEST_F(AuditNsd, FixtureThroughNsdMatchesGolden) {
  auto r = run_authguard(with(fixture_args(), {"--config", config_}));
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the fixture has errors, and --fail-on is error
  expect_golden(r.out, "fixture.json");
}

TEST_F(AuditNsd, ZoneBackendGivesTheSameReport) {
  auto r = run_authguard(with(fixture_args(), {"--zone", combined_}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  expect_same(r.out, read_file(data_path("fixture.json")), "the zone backend's report");
}

TEST_F(AuditNsd, TenantThroughNsdMatchesGolden) {
  auto r = run_authguard(with(tenant_args(), {"--config", config_}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  expect_golden(r.out, "tenant.json");
  auto zone = run_authguard(with(tenant_args(), {"--zone", combined_}));
  expect_same(zone.out, r.out, "the zone backend's report");
}

// Each check the fixture is built to trigger shows up where it should.
TEST_F(AuditNsd, EveryCheckFiresWhereTheFixtureSaysSo) {
  auto report = nlohmann::json::parse(read_file(data_path("fixture.json")));
  auto tenant = nlohmann::json::parse(read_file(data_path("tenant.json")));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"monitor.example", "dmarc.monitoring"},
      {"monitor.example", "dmarc.nonexistent_policy"},
      {"quarantine.example", "dmarc.quarantine"},
      {"quarantine.example", "dmarc.subdomain_policy"},
      {"quarantine.example", "dmarc.pct"},
      {"quarantine.example", "dmarc.testing"},
      {"quarantine.example", "dmarc.rua_invalid"},
      {"quarantine.example", "dmarc.rua_unauthorized"},
      {"nodmarc.example", "dmarc.missing"},
      {"nodmarc.example", "dkim.none"},
      {"multi-dmarc.example", "dmarc.multiple"},
      {"bad-dmarc.example", "dmarc.invalid"},
      {"tolerated.example", "dmarc.tolerated"},
      {"tolerated.example", "dmarc.nonexistent_policy"},
      {"parked.inherit.example", "dmarc.inherited"},
      {"parked.inherit.example", "dmarc.not_reject"},
      {"x.a.b.c.d.e.f.deep.example", "dmarc.deep"},
      {"receiving.example", "dmarc.not_reject"},
      {"nospf.example", "spf.missing"},
      {"twospf.example", "spf.multiple"},
      {"badspf.example", "spf.invalid"},
      {"lookups.example", "spf.lookups"},
      {"near.example", "spf.lookups"},
      {"voids.example", "spf.void_lookups"},
      {"voids.example", "spf.include_missing"},
      {"void1.example", "spf.void_lookups"},
      {"loop.example", "spf.include_loop"},
      {"incbad.example", "spf.include_invalid"},
      {"incbad.example", "spf.include_missing"},
      {"passall.example", "spf.all_pass"},
      {"incpass.example", "spf.all_pass"},
      {"neutral.example", "spf.all_neutral"},
      {"noall.example", "spf.no_all"},
      {"ptr.example", "spf.ptr"},
      {"macro.example", "spf.macro"},
      {"mxmany.example", "spf.mx_names"},
      {"loose.example", "spf.not_locked_down"},
      {"nomx-parked.example", "mx.null_recommended"},
      {"receiving.example", "mx.null_recommended"},
      {"nullsend.example", "mx.null_on_sending"},
      {"mixed.example", "mx.null_mixed"},
      {"nullpref.example", "mx.null_preference"},
      {"nomx.example", "mx.missing"},
      {"weak.example", "dkim.weak_key"},
      {"dkimflags.example", "dkim.testing"},
      {"dkimflags.example", "dkim.sha1"},
      {"revoked.example", "dkim.revoked"},
      {"revoked.example", "dkim.none"},
      {"badkey.example", "dkim.invalid"},
      {"badkey.example", "dkim.multiple"},
  };
  for (const auto& [domain, id] : expected) {
    EXPECT_TRUE(ids_of(report, domain).contains(id)) << domain << " lacks " << id;
  }
  EXPECT_TRUE(ids_of(report, "good.example").empty());
  // The extra selector holds badkey.example's one good key: no dkim.none there.
  EXPECT_FALSE(ids_of(report, "badkey.example").contains("dkim.none"));
  // Severities that matter for CI.
  EXPECT_EQ((*finding(report, "lookups.example", "spf.lookups"))["severity"], "error");
  EXPECT_EQ((*finding(report, "near.example", "spf.lookups"))["severity"], "warning");
  EXPECT_EQ((*finding(report, "voids.example", "spf.void_lookups"))["severity"], "error");
  EXPECT_EQ((*finding(report, "void1.example", "spf.void_lookups"))["severity"], "warning");
  EXPECT_EQ((*finding(report, "nomx-parked.example", "mx.null_recommended"))["severity"], "warning");
  EXPECT_EQ((*finding(report, "receiving.example", "mx.null_recommended"))["severity"], "info");
  // 12 lookups: 4 includes of 3 each.
  EXPECT_NE((*finding(report, "lookups.example", "spf.lookups"))["message"].get<std::string>().find(
                "needs 12 DNS lookups"),
            std::string::npos);
  // Weak keys: 1024 bits warns, 512 is an error.
  int weak_errors = 0, weak_warnings = 0;
  for (const auto& d : report["domains"]) {
    if (d["domain"] != "weak.example") continue;
    for (const auto& f : d["findings"]) {
      if (f["id"] != "dkim.weak_key") continue;
      (f["severity"] == "error" ? weak_errors : weak_warnings)++;
    }
  }
  EXPECT_EQ(weak_errors, 1);
  EXPECT_EQ(weak_warnings, 1);
  // Fixes are ready records in zone-file form.
  EXPECT_EQ((*finding(report, "loose.example", "spf.not_locked_down"))["fix"],
            "loose.example. TXT \"v=spf1 -all\"");
  EXPECT_EQ((*finding(report, "nomx-parked.example", "mx.null_recommended"))["fix"],
            "nomx-parked.example. MX 0 .");
  EXPECT_EQ((*finding(report, "parked.inherit.example", "dmarc.not_reject"))["fix"],
            "_dmarc.parked.inherit.example. TXT \"v=DMARC1; p=reject;\"");
  EXPECT_EQ((*finding(report, "quarantine.example", "dmarc.rua_unauthorized"))["fix"],
            "quarantine.example._report._dmarc.reports.vendor.example. TXT \"v=DMARC1;\"");
  EXPECT_EQ((*finding(report, "passall.example", "spf.all_pass"))["fix"],
            "passall.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"");
  // A weak key has no record to publish: the fix says what to do.
  EXPECT_EQ((*finding(report, "weak.example", "dkim.weak_key"))["fix"].get<std::string>().rfind(
                "Rotate", 0),
            0u);

  // Microsoft 365.
  EXPECT_TRUE(ids_of(tenant, "m365good.example").empty());
  EXPECT_TRUE(ids_of(tenant, "m365bad.example").contains("dkim.m365_cname_mismatch"));
  EXPECT_TRUE(ids_of(tenant, "m365bad.example").contains("dkim.m365_cname_missing"));
  EXPECT_TRUE(ids_of(tenant, "m365off.example").contains("dkim.m365_key_missing"));
  EXPECT_TRUE(ids_of(tenant, "contoso.onmicrosoft.com").contains("dmarc.missing"));
  EXPECT_TRUE(ids_of(tenant, "contoso.onmicrosoft.com").contains("spf.not_locked_down"));
  EXPECT_EQ((*finding(tenant, "contoso.onmicrosoft.com", "dmarc.missing"))["fix"],
            "_dmarc.contoso.onmicrosoft.com. TXT \"v=DMARC1; p=reject;\"");
  EXPECT_EQ((*finding(tenant, "m365bad.example", "dkim.m365_cname_mismatch"))["fix"],
            "selector1._domainkey.m365bad.example. CNAME "
            "selector1-m365bad-example._domainkey.contoso.onmicrosoft.com.");
  for (const auto& d : tenant["domains"]) {
    if (d["domain"] == "contoso.onmicrosoft.com") {
      EXPECT_EQ(d["kind"], "routing");
      for (const auto& f : d["findings"]) {
        EXPECT_NE(f["id"].get<std::string>().rfind("dkim.", 0), 0u) << "routing domains get no DKIM findings";
      }
    }
  }
}

TEST_F(AuditNsd, FailOnDecidesTheExitCode) {
  auto clean = run_authguard({"audit", "good.example", "--config", config_});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("good.example  sending  ok: no findings"), std::string::npos) << clean.out;
  // monitor.example has a warning and an info, no error.
  auto warn = run_authguard({"audit", "monitor.example", "--config", config_});
  EXPECT_EQ(warn.exit_code, 0) << warn.out;
  auto strict = run_authguard({"audit", "monitor.example", "--fail-on", "warning", "--config", config_});
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
}

TEST_F(AuditNsd, TextTableIsPlainWithoutATerminal) {
  auto r = run_authguard({"audit", "loose.example", "--non-sending", "loose.example", "--config", config_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no colour when stdout is not a terminal";
  EXPECT_NE(r.out.find("loose.example  non-sending  1 error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ERROR    spf.not_locked_down"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fix       loose.example. TXT \"v=spf1 -all\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 domain: 1 error, 0 warnings, 0 info"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "") << "no progress bar when stderr is not a terminal";
}

TEST(AuditCli, DnsFailuresAreErrorsNotSilence) {
  std::string zone = data_path("example.zone");
  auto r = run_authguard({"audit", "good.example", "--json", "--zone", zone, "--zone-fault",
                          "_dmarc.good.example=timeout", "--zone-fault", "good.example=servfail"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  auto ids = ids_of(j, "good.example");
  EXPECT_TRUE(ids.contains("dmarc.dns_error"));
  EXPECT_TRUE(ids.contains("spf.dns_error"));
  EXPECT_TRUE(ids.contains("mx.dns_error"));
  EXPECT_NE((*finding(j, "good.example", "dmarc.dns_error"))["evidence"].get<std::string>().find(
                "_dmarc.good.example TXT: temporary failure"),
            std::string::npos);
}

TEST(AuditCli, UsageErrorsExitTwo) {
  std::string zone = data_path("example.zone");
  EXPECT_EQ(run_authguard({"audit", "--zone", zone}).exit_code, 2);  // no domains
  EXPECT_EQ(run_authguard({"audit", "good.example", "--json", "--html", "/tmp/x.html", "--zone", zone})
                .exit_code,
            2);
  EXPECT_EQ(run_authguard({"audit", "good.example", "--fail-on", "info", "--zone", zone}).exit_code, 2);
  EXPECT_EQ(run_authguard({"audit", "--tenant", "con.toso", "--zone", zone}).exit_code, 2);
  EXPECT_EQ(run_authguard({"audit", "bad..example", "--zone", zone}).exit_code, 2);
  EXPECT_EQ(run_authguard({"audit", "a.example", "--non-sending", "--", "--zone", zone}).exit_code, 2);
  EXPECT_EQ(run_authguard({"audit", "example", "--zone", zone}).exit_code, 2);
  EXPECT_EQ(run_authguard({"audit", "good.example", "--selectors", "a b", "--zone", zone}).exit_code, 2);
  TempDir dir;
  std::string file = dir.path() + "/domains.txt";
  std::ofstream(file) << "good.example\nparked.example outbound\n";
  auto r = run_authguard({"audit", "--domains-file", file, "--zone", zone});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file + ":2: unknown domain kind 'outbound'"), std::string::npos) << r.err;
  EXPECT_EQ(run_authguard({"audit", "--domains-file", dir.path() + "/missing.txt", "--zone", zone})
                .exit_code,
            3);
}

TEST(AuditCli, DomainsFileFromStdinAndRepeatedNonSending) {
  std::string zone = data_path("example.zone");
  auto r = run_authguard({"audit", "--domains-file", "-", "--non-sending", "loose.example",
                          "--non-sending", "nomx-parked.example", "--json", "--zone", zone},
                         "good.example\n# a comment\n\nreceiving.example non-sending\n");
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["domains"].size(), 4u) << r.out;
  EXPECT_EQ(j["domains"][0]["domain"], "good.example");
  EXPECT_EQ(j["domains"][1]["kind"], "non-sending");
  EXPECT_EQ(j["domains"][2]["domain"], "loose.example");
  EXPECT_EQ(j["domains"][2]["kind"], "non-sending");
  EXPECT_EQ(j["domains"][3]["domain"], "nomx-parked.example");
  EXPECT_EQ(j["summary"]["domains"], 4);
}

TEST(AuditCli, DemoDomains) {
  TempDir dir;
  std::string file = dir.path() + "/domains.txt";
  std::ofstream(file) << "contoso.example\nfabrikam.example\ncontoso.onmicrosoft.example routing\n"
                         "parked.example non-sending\n";
  auto r = run_authguard({"audit", "--domains-file", file, "--json", "--zone",
                          source_path("examples/demo.zone")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(ids_of(j, "fabrikam.example").contains("dmarc.monitoring"));
  EXPECT_TRUE(ids_of(j, "parked.example").empty());
  ASSERT_NE(finding(j, "contoso.onmicrosoft.example", "dmarc.missing"), nullptr) << r.out;
  EXPECT_EQ((*finding(j, "contoso.onmicrosoft.example", "dmarc.missing"))["fix"],
            "_dmarc.contoso.onmicrosoft.example. TXT \"v=DMARC1; p=reject;\"");
  EXPECT_EQ((*finding(j, "contoso.onmicrosoft.example", "spf.missing"))["fix"],
            "contoso.onmicrosoft.example. TXT \"v=spf1 -all\"");
}

TEST(AuditCli, DmarcRecordPrintsTheRecordToPublish) {
  auto non_sending = run_authguard({"dmarc", "record", "contoso.net", "--non-sending"});
  EXPECT_EQ(non_sending.exit_code, 0);
  EXPECT_EQ(non_sending.out, "_dmarc.contoso.net. TXT \"v=DMARC1; p=reject;\"\n");
  auto sending = run_authguard({"dmarc", "record", "contoso.com", "--rua", "dmarc@reports.contoso.com"});
  EXPECT_EQ(sending.exit_code, 0);
  EXPECT_EQ(sending.out,
            "_dmarc.contoso.com. TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@reports.contoso.com;\"\n");
  EXPECT_NE(sending.err.find("p=none first"), std::string::npos);
  auto defaulted = run_authguard({"dmarc", "record", "contoso.com"});
  EXPECT_EQ(defaulted.out,
            "_dmarc.contoso.com. TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@contoso.com;\"\n");
  EXPECT_EQ(run_authguard({"dmarc", "record", "contoso.com", "--rua", "https://x"}).exit_code, 2);
  EXPECT_EQ(run_authguard({"dmarc", "record", "bad..name"}).exit_code, 2);
}

}  // namespace
}  // namespace authguard::testing
