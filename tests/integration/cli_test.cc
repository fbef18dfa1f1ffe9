// cli_test.cc: the authguard program as users run it: global options before
// or after the subcommand, exit codes, config errors, DNS faults, the demo.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

const std::string kZone = source_path("examples/demo.zone");

TEST(Cli, VersionAndHelp) {
  auto v = run_authguard({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("authguard 0."), std::string::npos);
  auto h = run_authguard({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("--zone-fault"), std::string::npos);
  EXPECT_EQ(run_authguard({}).exit_code, 2);  // a subcommand is required
  EXPECT_EQ(run_authguard({"no-such-command"}).exit_code, 2);
}

TEST(Cli, GlobalOptionsBeforeOrAfterSubcommand) {
  auto before = run_authguard({"--zone", kZone, "dns", "lookup", "contoso.example", "MX"});
  auto after = run_authguard({"dns", "lookup", "contoso.example", "MX", "--zone", kZone});
  EXPECT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(before.out, "contoso.example. 3600 IN MX 10 mx1.contoso.example.\n");
  EXPECT_EQ(before.out, after.out);
}

TEST(Cli, DnsLookupJsonAndExitCodes) {
  auto found = run_authguard({"dns", "lookup", "_dmarc.contoso.example", "--zone", kZone, "--json"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  auto j = nlohmann::json::parse(found.out);
  EXPECT_EQ(j["status"], "found");
  EXPECT_EQ(j["records"][0], "\"v=DMARC1; p=reject; rua=mailto:dmarc@contoso.example\"");

  auto missing = run_authguard({"dns", "lookup", "nothing.example", "--zone", kZone, "--json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(missing.out)["status"], "nxdomain");

  auto fault = run_authguard({"dns", "lookup", "contoso.example", "--zone", kZone,
                              "--zone-fault", "contoso.example=servfail", "--json"});
  EXPECT_EQ(fault.exit_code, 3);
  EXPECT_EQ(nlohmann::json::parse(fault.out)["status"], "temporary");

  EXPECT_EQ(run_authguard({"dns", "lookup", "x.example", "--zone-fault", "x.example=timeout"})
                .exit_code, 2);  // faults need --zone
  EXPECT_EQ(run_authguard({"dns", "lookup", "x.example", "--zone", kZone, "--zone-fault",
                           "x.example=sometimes"}).exit_code, 2);
  EXPECT_EQ(run_authguard({"dns", "lookup", "x.example", "BOGUS", "--zone", kZone}).exit_code, 2);
}

TEST(Cli, ConfigErrorsAreExitTwoAndNameTheLine) {
  TempDir dir;
  std::string path = dir.path() + "/authguard.toml";
  std::ofstream(path) << "authserv_id = \"mx.example\"\n[dns]\ntimeout_msec = 5\n";
  auto r = run_authguard({"--config", path, "dns", "lookup", "contoso.example", "--zone", kZone});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":3: unknown key 'dns.timeout_msec'"), std::string::npos) << r.err;
}

TEST(Cli, ProductionResolverThroughConfig) {
  std::string zone =
      "$ORIGIN cli.example.\n$TTL 60\n@ IN SOA ns. h. 1 60 60 60 60\n"
      "@ IN NS ns.cli.example.\nns IN A 127.0.0.1\n@ IN TXT \"v=spf1 -all\"\n";
  NsdServer nsd({{std::string("cli.example"), zone}});
  ASSERT_TRUE(nsd.start()) << nsd.error();
  TempDir dir;
  std::string path = dir.path() + "/authguard.toml";
  std::ofstream(path) << "[dns]\nmode = \"forward\"\nforwarders = [\"" << nsd.address()
                      << "\"]\ndnssec = false\ntimeout_ms = 2000\n";
  auto r = run_authguard({"dns", "lookup", "cli.example", "--config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"v=spf1 -all\""), std::string::npos) << r.out;
}

TEST(Cli, MessageParse) {
  auto r = run_authguard({"message", "parse", "--json",
                          source_path("examples/messages/spoof-multi-from.eml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["line_ending"], "crlf");
  EXPECT_EQ(j["from"]["shape"], "several-domains");
  EXPECT_EQ(j["from"]["domains"].size(), 2u);
  auto stdin_run = run_authguard({"message", "parse", "-", "--json"},
                                 "From: a@b.example\nSubject: x\n\nbody\n");
  ASSERT_EQ(stdin_run.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(stdin_run.out)["line_ending"], "lf");
  auto missing = run_authguard({"message", "parse", "/nonexistent.eml"});
  EXPECT_EQ(missing.exit_code, 3);
}

// A message over max_message_bytes is refused naming the limit; the reader
// stops one byte past it instead of holding all the input.
TEST(Cli, OversizeInputNamesTheLimit) {
  TempDir dir;
  std::string path = dir.path() + "/authguard.toml";
  std::ofstream(path) << "[limits]\nmax_message_bytes = 100\n";
  std::string big = "From: a@b.example\n\n" + std::string(1 << 20, 'x');
  auto parse = run_authguard({"message", "parse", "-", "--json", "--config", path}, big);
  EXPECT_EQ(parse.exit_code, 1);
  EXPECT_NE(nlohmann::json::parse(parse.out)["error"].get<std::string>().find("max_message_bytes=100"),
            std::string::npos) << parse.out;
  auto check = run_authguard({"check", "-", "--zone", source_path("examples/demo.zone"), "--config", path}, big);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.err.find("max_message_bytes=100"), std::string::npos) << check.err;
}

TEST(Cli, DemoRunsOffline) {
  auto r = run_authguard({"demo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("contoso.onmicrosoft.example"), std::string::npos);
  EXPECT_NE(r.out.find("DMARC  (nxdomain)"), std::string::npos);
  EXPECT_NE(r.out.find("several-domains"), std::string::npos);
  // The third measure's tour: the list-relayed DMARC failure is overridden,
  // held by the hardening rule, released over SMTP, and let through by its
  // release marker when it comes back.
  EXPECT_NE(r.out.find("dmarc=fail action=oreject header.from=contoso.example"), std::string::npos);
  EXPECT_NE(r.out.find("-> held in the quarantine as "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the relay received MAIL FROM:<bounce@lists.example> RCPT TO:<reader@example.net>"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("release marker valid -> disposition: deliver"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace authguard::testing
