// check_test.cc: `authguard check` end to end on the example messages and
// the demo zone: the verdict JSON schema, the Authentication-Results header,
// exit codes, envelope from headers, and forged headers claiming our id.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/ip.h"
#include "history/store.h"
#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

const std::string kZone = source_path("examples/demo.zone");
const std::string kNow = "1764482500";

std::string msg(const std::string& name) { return source_path("examples/messages/" + name); }

nlohmann::json check_json(std::vector<std::string> args, int want_exit) {
  args.insert(args.begin(), "check");
  for (const std::string& a : {std::string("--zone"), kZone, std::string("--now"), kNow, std::string("--json")}) {
    args.push_back(a);
  }
  auto r = run_authguard(args);
  EXPECT_EQ(r.exit_code, want_exit) << r.err << r.out;
  return r.out.empty() ? nlohmann::json{} : nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
}

TEST(Check, SignedNewsletterPassesWithStableSchema) {
  auto j = check_json({"--ip", "192.0.2.25", "--helo", "mx1.contoso.example", "--mail-from",
                       "news@contoso.example", msg("contoso-newsletter.eml")},
                      0);
  EXPECT_EQ(j["spf"]["result"], "pass");
  EXPECT_EQ(j["spf"]["domain"], "contoso.example");
  EXPECT_EQ(j["spf"]["scope"], "mfrom");
  ASSERT_EQ(j["dkim"].size(), 1u);
  EXPECT_EQ(j["dkim"][0]["result"], "pass");
  EXPECT_EQ(j["dkim"][0]["selector"], "selector1");
  EXPECT_EQ(j["dkim"][0]["algorithm"], "rsa-sha256");
  EXPECT_EQ(j["dkim"][0]["key_bits"], 2048);
  EXPECT_EQ(j["dkim"][0]["aligned"], true);
  const auto& d = j["dmarc"];
  EXPECT_EQ(d["result"], "pass");
  EXPECT_EQ(d["header_from"], "contoso.example");
  EXPECT_EQ(d["policy_domain"], "contoso.example");
  EXPECT_EQ(d["policy"], "reject");
  EXPECT_EQ(d["action"], "none");
  EXPECT_EQ(d["spf_aligned"], true);
  EXPECT_EQ(d["dkim_aligned"], true);
  EXPECT_EQ(d["testing"], false);
  std::string ar = j["authentication_results"];
  EXPECT_EQ(ar.rfind("Authentication-Results: ", 0), 0u);
  EXPECT_NE(ar.find("spf=pass smtp.mailfrom=contoso.example"), std::string::npos) << ar;
  EXPECT_NE(ar.find("dkim=pass header.d=contoso.example header.s=selector1 header.a=rsa-sha256"),
            std::string::npos) << ar;
  EXPECT_NE(ar.find("dmarc=pass action=none header.from=contoso.example"), std::string::npos) << ar;
}

TEST(Check, SpoofFailsWithRejectAndEnvelopeFromHeaders) {
  TempDir dir;
  std::string cfg = dir.path() + "/authguard.toml";
  std::ofstream(cfg) << "authserv_id = \"mx.example.net\"\n";
  auto j = check_json({"--config", cfg, "--envelope-from-headers", msg("contoso-spoof.eml")}, 1);
  EXPECT_EQ(j["spf"]["result"], "fail");  // 203.0.113.66 from the Received field
  EXPECT_EQ(j["dkim"].size(), 0u);
  EXPECT_EQ(j["dmarc"]["result"], "fail");
  EXPECT_EQ(j["dmarc"]["policy"], "reject");
  EXPECT_EQ(j["dmarc"]["action"], "reject");
  std::string ar = j["authentication_results"];
  EXPECT_EQ(ar.rfind("Authentication-Results: mx.example.net;", 0), 0u) << ar;
  EXPECT_NE(ar.find("dmarc=fail action=reject header.from=contoso.example"), std::string::npos);
  // The text form says the forged header claiming mx.example.net goes.
  auto text = run_authguard({"check", "--config", cfg, "--zone", kZone, "--now", kNow,
                             "--envelope-from-headers", msg("contoso-spoof.eml")});
  EXPECT_NE(text.out.find("1 forged Authentication-Results"), std::string::npos) << text.out;
}

// A null MAIL FROM: SPF checks postmaster@HELO, and our header says smtp.helo.
TEST(Check, NullMailFromReportsTheHeloIdentity) {
  auto j = check_json({"--ip", "192.0.2.25", "--helo", "mx1.contoso.example", "--mail-from", "",
                       msg("contoso-newsletter.eml")},
                      0);
  EXPECT_EQ(j["spf"]["scope"], "helo");
  EXPECT_EQ(j["spf"]["domain"], "mx1.contoso.example");
  std::string ar = j["authentication_results"];
  EXPECT_NE(ar.find(std::string("spf=") + j["spf"]["result"].get<std::string>() +
                    " smtp.helo=mx1.contoso.example"),
            std::string::npos) << ar;
}

TEST(Check, MultiFromNeverPasses) {
  auto j = check_json({"--ip", "192.0.2.25", "--helo", "mx1.contoso.example", "--mail-from",
                       "ceo@contoso.example", msg("spoof-multi-from.eml")},
                      1);
  EXPECT_EQ(j["spf"]["result"], "pass");
  EXPECT_EQ(j["dmarc"]["result"], "fail");
  EXPECT_EQ(j["dmarc"]["action"], "reject");
}

TEST(Check, NoClientIpMeansSpfNotCheckedAndDnsFaultIsTemporary) {
  auto j = check_json({msg("routing-domain.eml")}, 0);
  EXPECT_EQ(j["spf"]["result"], "none");
  EXPECT_EQ(j["dmarc"]["result"], "none");
  auto fault = run_authguard({"check", "--zone", kZone, "--zone-fault", "_dmarc.fabrikam.example=timeout",
                              "--now", kNow, "--json", msg("fabrikam-invoice.eml")});
  EXPECT_EQ(fault.exit_code, 3) << fault.err;
  EXPECT_EQ(nlohmann::json::parse(fault.out)["dmarc"]["result"], "temperror");
}

// Composite authentication from sender history: contoso.example has sent
// DMARC-passing mail from 203.0.113.0/24 before, so the spoof-looking message
// from 203.0.113.66 is not rejected: dmarc=fail action=oreject, as Microsoft
// 365 marks it. Turning the override off, or naming contoso.example as one of
// our accepted domains (an intra-org spoof), keeps the reject.
TEST(Check, CompAuthOverrideFromSenderHistory) {
  TempDir dir;
  const std::int64_t now = std::stoll(kNow);
  {
    auto store = history::SqliteHistoryStore::open(dir.path());
    ASSERT_TRUE(store.has_value()) << store.error().message;
    std::string net = history::network_key(*IpAddress::parse("203.0.113.66"));
    for (std::int64_t day : {10, 10, 3}) {
      ASSERT_TRUE((*store)->record_pass("contoso.example", net, now - day * 86400).has_value());
    }
  }
  auto run = [&](const std::string& toml) {
    std::string cfg = dir.path() + "/authguard.toml";
    std::ofstream(cfg) << "authserv_id = \"mx.example.net\"\n" << toml;
    return check_json({"--config", cfg, "--state-dir", dir.path(), "--envelope-from-headers",
                       msg("contoso-spoof.eml")},
                      1);
  };
  auto j = run("");
  EXPECT_EQ(j["dmarc"]["result"], "fail");
  EXPECT_EQ(j["dmarc"]["policy"], "reject");
  EXPECT_EQ(j["dmarc"]["action"], "oreject");
  EXPECT_EQ(j["compauth"]["result"], "pass");
  EXPECT_EQ(j["compauth"]["reason"], "111");
  std::string ar = j["authentication_results"];
  EXPECT_NE(ar.find("dmarc=fail action=oreject header.from=contoso.example"), std::string::npos) << ar;
  EXPECT_NE(ar.find("compauth=pass reason=111"), std::string::npos) << ar;

  auto strict = run("[compauth]\noverride = false\n");
  EXPECT_EQ(strict["dmarc"]["action"], "reject");

  auto ours = run("accepted_domains = [\"contoso.example\"]\n");
  EXPECT_EQ(ours["dmarc"]["action"], "reject");
  EXPECT_EQ(ours["compauth"]["result"], "fail");
  EXPECT_EQ(ours["compauth"]["reason"], "010");

  auto blocked = run("[compauth]\nblock = [\"contoso.example\"]\n");
  EXPECT_EQ(blocked["compauth"]["reason"], "002");
  EXPECT_EQ(blocked["dmarc"]["action"], "reject");

  // The shipped hardened profile: the oreject goes to quarantine, admin-only.
  std::string hardened = read_file(source_path("examples/authguard.toml"));
  hardened = hardened.substr(hardened.find("\n[log]"));  // our own authserv_id above
  auto held = run(hardened);
  EXPECT_EQ(held["dmarc"]["action"], "oreject");
  EXPECT_EQ(held["disposition"], "quarantine");
  ASSERT_EQ(held["rules"].size(), 1u);
  EXPECT_EQ(held["rules"][0]["name"], "quarantine-dmarc-oreject");
  EXPECT_EQ(held["rules"][0]["mode"], "enforce");
  EXPECT_EQ(held["rules"][0]["actions"][0], "quarantine:admin-only");
  // Our own domain spoofed: junk by the second rule (the DMARC reject stands).
  auto spoof = run("accepted_domains = [\"contoso.example\"]\n" + hardened);
  EXPECT_EQ(spoof["disposition"], "reject");
  ASSERT_EQ(spoof["rules"].size(), 1u);
  EXPECT_EQ(spoof["rules"][0]["name"], "junk-accepted-domain-spoof");
}

// --record: DMARC passes build the sender history that later lets a
// list-relayed failure through composite authentication, and the hardened
// profile's rule holds it in the quarantine; without --record nothing is
// written.
TEST(Check, RecordBuildsHistoryAndQuarantines) {
  TempDir dir;
  std::string cfg = dir.path() + "/authguard.toml";
  std::ofstream(cfg) << read_file(source_path("examples/authguard.toml"));
  const std::int64_t now = std::stoll(kNow);
  auto check_at = [&](std::int64_t t, std::vector<std::string> args) {
    std::vector<std::string> all = {"check", "--config", cfg, "--state-dir", dir.path(), "--zone",
                                    kZone, "--now", std::to_string(t), "--json"};
    all.insert(all.end(), args.begin(), args.end());
    return run_authguard(all);
  };
  // Nothing is written without --record.
  auto plain = check_at(now, {"--envelope-from-headers", msg("contoso-via-list.eml")});
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/authguard.db")) << plain.err;
  // Three DMARC passes of contoso.example through the list's network, two days.
  for (std::int64_t days : {20, 20, 5}) {
    auto r = check_at(now - days * 86400, {"--record", "--ip", "198.51.100.77", "--helo", "lists.example",
                                           "--mail-from", "news@contoso.example",
                                           msg("contoso-newsletter.eml")});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }
  auto held = check_at(now, {"--record", "--envelope-from-headers", msg("contoso-via-list.eml")});
  ASSERT_EQ(held.exit_code, 1) << held.err;  // DMARC failed
  auto j = nlohmann::json::parse(held.out);
  EXPECT_EQ(j["dmarc"]["action"], "oreject");
  EXPECT_EQ(j["compauth"]["reason"], "111");
  EXPECT_EQ(j["disposition"], "quarantine");
  ASSERT_TRUE(j.contains("quarantine_id"));
  auto list = run_authguard({"quarantine", "list", "--json", "--state-dir", dir.path()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto l = nlohmann::json::parse(list.out);
  ASSERT_EQ(l["messages"].size(), 1u);
  EXPECT_EQ(l["messages"][0]["id"], j["quarantine_id"]);
  EXPECT_EQ(l["messages"][0]["rule"], "quarantine-dmarc-oreject");
  EXPECT_EQ(l["messages"][0]["policy"], "admin-only");
  EXPECT_EQ(l["messages"][0]["from"], "news@contoso.example");
}

TEST(RulesTest, SaysWhichRulesMatchAndWhy) {
  TempDir dir;
  std::string cfg = dir.path() + "/authguard.toml";
  {
    std::string profile = read_file(source_path("examples/authguard.toml"));
    profile.replace(profile.find("accepted_domains = []"), 21, "accepted_domains = [\"contoso.example\"]");
    std::ofstream(cfg) << profile;
  }
  auto r = run_authguard({"rules", "test", "--config", cfg, "--zone", kZone, "--now", kNow,
                          msg("contoso-spoof.eml"), msg("fabrikam-invoice.eml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 rule(s) in " + cfg), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MATCH junk-accepted-domain-spoof (enforce)\n    because spoof of an accepted domain"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fabrikam-invoice.eml\n  DMARC pass, action none; compauth pass 100\n  no rule matches"),
            std::string::npos) << r.out;
}

// The message carries a forged "dmarc=pass" claiming mx.example.net: rules see
// the message as delivered, without it, so it can't trip (or dodge) a rule.
TEST(Check, ForgedAuthenticationResultsCannotTripRules) {
  TempDir dir;
  std::string cfg = dir.path() + "/authguard.toml";
  std::ofstream(cfg) << "authserv_id = \"mx.example.net\"\n"
                        "[[rules]]\nname = \"trusts-pass\"\nmode = \"audit\"\n"
                        "conditions = [{ header = \"Authentication-Results\", matches = \"dmarc=pass\" }]\n"
                        "actions = [{ junk = true }]\n"
                        "[[rules]]\nname = \"sees-fail\"\nmode = \"audit\"\n"
                        "conditions = [{ header = \"Authentication-Results\", matches = \"dmarc=fail action=reject\" }]\n"
                        "actions = [{ junk = true }]\n";
  auto j = check_json({"--config", cfg, "--state-dir", dir.path(), "--envelope-from-headers",
                       msg("contoso-spoof.eml")},
                      1);
  ASSERT_EQ(j["rules"].size(), 1u);
  EXPECT_EQ(j["rules"][0]["name"], "sees-fail");
  EXPECT_EQ(j["rules"][0]["mode"], "audit");
  EXPECT_EQ(j["disposition"], "reject");  // audit changes nothing: the DMARC reject stands
}

// --rcpt takes one value per occurrence: the message files after it are
// all checked, not taken as recipients.
TEST(Check, RcptDoesNotSwallowTheMessages) {
  auto r = run_authguard({"check", "--zone", kZone, "--now", kNow, "--json", "--envelope-from-headers",
                          "--rcpt", "reader@example.net", msg("contoso-newsletter.eml"),
                          msg("fabrikam-invoice.eml")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
}

// Audit mode logs what the rule would have done (one key=value line on the
// log target), and changes nothing.
TEST(Check, AuditModeLogsWhatTheRuleWouldHaveDone) {
  TempDir dir;
  std::string cfg = dir.path() + "/authguard.toml";
  std::ofstream(cfg) << "authserv_id = \"mx.example.net\"\n"
                        "[[rules]]\nname = \"would-quarantine\"\nmode = \"audit\"\n"
                        "conditions = [{ dmarc_is = [\"fail\"] }]\n"
                        "actions = [{ quarantine = \"admin-only\" }]\n";
  auto r = run_authguard({"check", "--config", cfg, "--zone", kZone, "--now", kNow, "--json",
                          "--envelope-from-headers", msg("contoso-spoof.eml")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("event=rule.audit rule=would-quarantine would=quarantine:admin-only "
                       "from_domain=contoso.example dmarc=fail action=reject"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["disposition"], "reject");
}

}  // namespace
}  // namespace authguard::testing
