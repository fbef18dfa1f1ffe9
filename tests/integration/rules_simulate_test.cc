// rules_simulate_test.cc: `authguard rules simulate` end to end: messages
// are recorded with `check --record` (at chosen times, through --now) under
// a configuration with no rules at all, then replayed through different
// rules from the same --state-dir: hits per rule (audit ones included),
// samples, dispositions, --since windows, bad durations, and no database.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

const std::string kZone = source_path("examples/demo.zone");
constexpr std::int64_t kNow = 1764482500;
constexpr std::int64_t kDay = 86400;

std::string msg(const std::string& name) { return source_path("examples/messages/" + name); }

// Rules that differ from the recording configuration's (which has none):
// header conditions too, so the log must have kept the header fields.
constexpr const char* kSimulatedRules = R"toml(authserv_id = "mx.example.net"

[[rules]]
name = "audit-dmarc-fail"
priority = 1
mode = "audit"
conditions = [{ header = "Authentication-Results", matches = "dmarc=fail" }]
actions = [{ quarantine = "admin-only" }]

[[rules]]
name = "junk-invoices"
priority = 2
conditions = [{ header = "Subject", contains = ["invoice"] }]
actions = [{ junk = true }]

[[rules]]
name = "audit-everything"
priority = 3
mode = "audit"
conditions = [{ size_over = 0 }]
actions = [{ junk = true }]

[[rules]]
name = "never-hits"
priority = 4
conditions = [{ from_domain_is = ["nowhere.example"] }]
actions = [{ reject = "no" }]
)toml";

struct Recorded {
  TempDir dir;
  std::string record_cfg = dir.path() + "/record.toml";
  std::string sim_cfg = dir.path() + "/simulate.toml";
  Recorded() {
    std::ofstream(record_cfg) << "authserv_id = \"mx.example.net\"\n";
    std::ofstream(sim_cfg) << kSimulatedRules;
    auto check_at = [&](std::int64_t t, std::vector<std::string> args, int want_exit) {
      std::vector<std::string> all = {"check", "--record", "--config", record_cfg, "--state-dir",
                                      dir.path(), "--zone", kZone, "--now", std::to_string(t),
                                      "--json"};
      all.insert(all.end(), args.begin(), args.end());
      auto r = run_authguard(all);
      EXPECT_EQ(r.exit_code, want_exit) << r.err << r.out;
    };
    check_at(kNow - 40 * kDay, {msg("routing-domain.eml")}, 0);
    check_at(kNow - 3 * kDay,
             {"--envelope-from-headers", "--rcpt", "accounts@example.net", "--rcpt",
              "ap@example.net", msg("fabrikam-invoice.eml")},
             0);
    check_at(kNow - 2 * kDay,
             {"--envelope-from-headers", "--rcpt", "finance@example.net", msg("contoso-spoof.eml")},
             1);  // DMARC fails
    check_at(kNow - 1 * kDay,
             {"--ip", "192.0.2.25", "--helo", "mx1.contoso.example", "--mail-from",
              "news@contoso.example", "--rcpt", "reader@example.net", msg("contoso-newsletter.eml")},
             0);
  }
  RunResult simulate(std::vector<std::string> args) const {
    std::vector<std::string> all = {"rules", "simulate", "--config", sim_cfg, "--state-dir",
                                    dir.path(), "--now", std::to_string(kNow)};
    all.insert(all.end(), args.begin(), args.end());
    return run_authguard(all);
  }
};

nlohmann::json parsed(const RunResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  return r.out.empty() ? nlohmann::json{} : nlohmann::json::parse(r.out);
}

TEST(RulesSimulate, HitsPerRuleWithSamplesAndDispositions) {
  Recorded rec;
  auto j = parsed(rec.simulate({"--json"}));  // default --since 30d: the 40-day-old one is out
  EXPECT_EQ(j["since"], iso8601(kNow - 30 * kDay));
  EXPECT_EQ(j["messages"], 3);
  EXPECT_EQ(j["corrupt"], 0);
  EXPECT_EQ(j["limit_reached"], false);
  const auto& rules = j["rules"];
  ASSERT_EQ(rules.size(), 4u);

  EXPECT_EQ(rules[0]["name"], "audit-dmarc-fail");
  EXPECT_EQ(rules[0]["mode"], "audit");
  EXPECT_EQ(rules[0]["priority"], 1);
  EXPECT_EQ(rules[0]["hits"], 1);
  EXPECT_EQ(rules[0]["disposition"], "quarantine");
  ASSERT_EQ(rules[0]["samples"].size(), 1u);
  const auto& spoof = rules[0]["samples"][0];
  EXPECT_EQ(spoof["time"], iso8601(kNow - 2 * kDay));
  EXPECT_EQ(spoof["from"], "ceo@contoso.example");
  EXPECT_EQ(spoof["subject"], "Wire transfer today");
  EXPECT_EQ(spoof["recipients"], nlohmann::json::array({"finance@example.net"}));

  EXPECT_EQ(rules[1]["name"], "junk-invoices");
  EXPECT_EQ(rules[1]["mode"], "enforce");
  EXPECT_EQ(rules[1]["hits"], 1);
  ASSERT_EQ(rules[1]["samples"].size(), 1u);
  EXPECT_EQ(rules[1]["samples"][0]["from"], "billing@fabrikam.example");
  EXPECT_EQ(rules[1]["samples"][0]["recipients"],
            nlohmann::json::array({"accounts@example.net", "ap@example.net"}));

  EXPECT_EQ(rules[2]["name"], "audit-everything");
  EXPECT_EQ(rules[2]["hits"], 3);
  ASSERT_EQ(rules[2]["samples"].size(), 3u);  // oldest first
  EXPECT_EQ(rules[2]["samples"][0]["subject"], "Invoice INV-2026-1130 is ready");  // unfolded
  EXPECT_EQ(rules[2]["samples"][2]["subject"], "November update");
  EXPECT_EQ(rules[2]["samples"][2]["mail_from"], "news@contoso.example");

  EXPECT_EQ(rules[3]["name"], "never-hits");
  EXPECT_EQ(rules[3]["hits"], 0);
  EXPECT_EQ(rules[3]["samples"].size(), 0u);

  // Audit rules change nothing; the invoice goes to junk, the spoof's DMARC
  // reject stands.
  EXPECT_EQ(j["dispositions"]["deliver"], 1);
  EXPECT_EQ(j["dispositions"]["junk"], 1);
  EXPECT_EQ(j["dispositions"]["quarantine"], 0);
  EXPECT_EQ(j["dispositions"]["reject"], 1);
}

TEST(RulesSimulate, SinceWindows) {
  Recorded rec;
  auto all = parsed(rec.simulate({"--json", "--since", "8w"}));
  EXPECT_EQ(all["messages"], 4);
  EXPECT_EQ(all["rules"][2]["hits"], 4);
  EXPECT_EQ(all["rules"][2]["samples"].size(), 3u);
  auto day = parsed(rec.simulate({"--json", "--since", "36h"}));
  EXPECT_EQ(day["since"], iso8601(kNow - 36 * 3600));
  EXPECT_EQ(day["messages"], 1);
  EXPECT_EQ(day["rules"][0]["hits"], 0);
  EXPECT_EQ(day["dispositions"]["deliver"], 1);
  auto seconds = parsed(rec.simulate({"--json", "--since", std::to_string(2 * kDay + 1)}));
  EXPECT_EQ(seconds["messages"], 2);
}

TEST(RulesSimulate, TextTable) {
  Recorded rec;
  auto r = rec.simulate({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 message(s) recorded since " + iso8601(kNow - 30 * kDay) +
                       " (30d) replayed through 4 rule(s) in " + rec.sim_cfg),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("RULE audit-dmarc-fail (priority 1, audit: would): 1 of 3 message(s), 33.3%\n"
                       "  actions quarantine:admin-only -> quarantine\n  " +
                       iso8601(kNow - 2 * kDay) +
                       "  from ceo@contoso.example  subject \"Wire transfer today\"  to finance@example.net\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("RULE never-hits (priority 4, enforce): 0 of 3 message(s), 0.0%"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("dispositions: deliver 1, junk 1, quarantine 0, reject 1\n"), std::string::npos)
      << r.out;
}

TEST(RulesSimulate, BadDurationIsAUsageError) {
  TempDir dir;
  for (const char* bad : {"2x", "-1d", "1.5h", ""}) {
    auto r = run_authguard({"rules", "simulate", "--state-dir", dir.path(), "--since", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << r.out;
    EXPECT_NE(r.err.find(std::string("--since: bad duration '") + bad + "'"), std::string::npos)
        << r.err;
  }
}

TEST(RulesSimulate, NoStateDatabaseIsZeroMessagesAndCreatesNone) {
  TempDir dir;
  std::string cfg = dir.path() + "/simulate.toml";
  std::ofstream(cfg) << kSimulatedRules;
  auto j = parsed(run_authguard({"rules", "simulate", "--json", "--config", cfg, "--state-dir", dir.path()}));
  EXPECT_EQ(j["messages"], 0);
  ASSERT_EQ(j["rules"].size(), 4u);
  EXPECT_EQ(j["rules"][0]["hits"], 0);
  EXPECT_EQ(j["dispositions"]["deliver"], 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/authguard.db"));
}

}  // namespace
}  // namespace authguard::testing
