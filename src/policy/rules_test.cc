// rules_test.cc: every condition and action, exceptions, audit mode,
// priorities, stop, and the verdict's own disposition.
#include <gtest/gtest.h>

#include "config/config.h"
#include "policy/rules.h"

namespace authguard::policy {
namespace {

RuleInput base() {
  RuleInput in;
  in.headers = {{"From", " Alice <alice@contoso.example>"},
                {"Subject", " Invoice overdue"},
                {"Authentication-Results", "mx.example.net; spf=fail smtp.mailfrom=contoso.example; "
                                           "dmarc=fail action=oreject header.from=contoso.example"}};
  in.from_address = "alice@contoso.example";
  in.from_domain = "contoso.example";
  in.client_ip = *IpAddress::parse("203.0.113.66");
  in.spf = "fail";
  in.dmarc = "fail";
  in.compauth = "pass";
  in.dmarc_action = "oreject";
  in.recipients = {"bob@example.net"};
  in.size = 2048;
  return in;
}

std::vector<Rule> rules_from(const std::string& toml) {
  auto cfg = parse_config(toml, "rules.toml");
  EXPECT_TRUE(cfg.has_value()) << cfg.error().message;
  return cfg ? cfg->rules : std::vector<Rule>{};
}

// The hardening rule, as the default rules (and examples/authguard.toml)
// have it.
TEST(Rules, HardeningRuleQuarantinesOreject) {
  auto rules = default_config().rules;
  ASSERT_FALSE(rules.empty());
  EXPECT_EQ(rules[0].name, "quarantine-dmarc-oreject");
  auto out = run_rules(rules, base());
  ASSERT_EQ(out.matched.size(), 1u);
  EXPECT_EQ(out.matched[0].name, "quarantine-dmarc-oreject");
  EXPECT_EQ(out.disposition, Disposition::kQuarantine);
  EXPECT_EQ(out.quarantine_policy, "admin-only");
  auto pass = base();
  pass.headers[2].second = "mx.example.net; dmarc=pass action=none header.from=contoso.example";
  pass.dmarc_action = "none";
  EXPECT_TRUE(run_rules(rules, pass).matched.empty());
  EXPECT_EQ(run_rules(rules, pass).disposition, Disposition::kDeliver);
}

struct CondCase {
  const char* toml_condition;
  bool want;
};

TEST(Rules, EveryConditionKind) {
  const CondCase cases[] = {
      {R"({ header = "Subject", matches = "^\\s*invoice" })", true},
      {R"({ header = "subject", contains = ["OVERDUE", "urgent"] })", true},
      {R"({ header = "Subject", contains = "gift card" })", false},
      {R"({ from_domain_is = ["contoso.example"] })", true},
      {R"({ from_domain_is = "example" })", true},  // and below
      {R"({ from_domain_is = ["fabrikam.example"] })", false},
      {R"({ from_address_matches = "^alice@" })", true},
      {R"({ sender_ip_in = ["203.0.113.0/24"] })", true},
      {R"({ sender_ip_in = ["2001:db8::/32", "192.0.2.1"] })", false},
      {R"({ spf_is = ["fail", "softfail"] })", true},
      {R"({ dkim_is = "none" })", true},
      {R"({ dmarc_is = "pass" })", false},
      {R"({ compauth_is = ["pass", "softpass"] })", true},
      {R"({ dmarc_action_is = "oreject" })", true},
      {R"({ recipient_domain_is = "example.net" })", true},
      {R"({ size_over = 1000 })", true},
      {R"({ size_over = 4096 })", false},
      {R"({ is_accepted_spoof = true })", false},
      {R"({ is_accepted_spoof = false })", true},
  };
  for (const auto& c : cases) {
    auto rules = rules_from(std::string("[[rules]]\nname = \"r\"\nconditions = [") + c.toml_condition +
                            "]\nactions = [{ junk = true }]\n");
    ASSERT_EQ(rules.size(), 1u) << c.toml_condition;
    EXPECT_EQ(!run_rules(rules, base()).matched.empty(), c.want) << c.toml_condition;
  }
}

TEST(Rules, ActionsExceptionsAuditPriorityStop) {
  auto rules = rules_from(R"(
[[rules]]
name = "b-audit-reject"
priority = 1
mode = "audit"
conditions = [{ dmarc_is = "fail" }]
actions = [{ reject = { code = 550, text = "5.7.1 no" } }]

[[rules]]
name = "a-tag"
priority = 2
conditions = [{ dmarc_is = "fail" }]
actions = [{ prepend_subject = "[EXT] " }, { add_header = { name = "X-Tag", value = "1" } },
           { remove_header = "X-Old" }, { redirect = "review@example.net" }, { stop = true }]

[[rules]]
name = "c-never-reached"
priority = 3
conditions = [{ dmarc_is = "fail" }]
actions = [{ reject = "no" }]

[[rules]]
name = "d-excepted"
priority = 0
conditions = [{ dmarc_is = "fail" }]
exceptions = [{ from_domain_is = "contoso.example" }]
actions = [{ reject = "no" }]
)");
  auto out = run_rules(rules, base());
  ASSERT_EQ(out.matched.size(), 2u);
  EXPECT_EQ(out.matched[0].name, "b-audit-reject");  // audit: reported ...
  EXPECT_FALSE(out.matched[0].enforce);
  EXPECT_EQ(out.matched[0].actions[0], "reject:550 5.7.1 no");
  EXPECT_EQ(out.matched[1].name, "a-tag");
  EXPECT_EQ(out.disposition, Disposition::kDeliver);  // ... but changes nothing
  ASSERT_EQ(out.actions.size(), 5u);
  EXPECT_EQ(out.actions[0].describe(), "prepend_subject:[EXT] ");
  EXPECT_EQ(out.actions[3].describe(), "redirect:review@example.net");
  EXPECT_EQ(out.actions[4].kind, Action::Kind::kStop);
}

// The held message names the rule whose policy it carries: the first that
// quarantined, not the last rule that matched.
TEST(Rules, TheQuarantiningRuleAndItsPolicyGoTogether) {
  auto rules = rules_from(R"(
[[rules]]
name = "admins-look"
priority = 1
conditions = [{ size_over = 0 }]
actions = [{ quarantine = "admin-only" }]

[[rules]]
name = "users-may-release"
priority = 2
conditions = [{ size_over = 0 }]
actions = [{ quarantine = "user-release" }]

[[rules]]
name = "tag"
priority = 3
conditions = [{ size_over = 0 }]
actions = [{ add_header = { name = "X-Seen", value = "1" } }]
)");
  auto in = base();
  in.size = 100;
  auto out = run_rules(rules, in);
  ASSERT_EQ(out.matched.size(), 3u);
  EXPECT_EQ(out.disposition, Disposition::kQuarantine);
  EXPECT_EQ(out.quarantine_policy, "admin-only");
  EXPECT_EQ(out.quarantine_rule, "admins-look");
}

TEST(Rules, VerdictDispositionAndSeverity) {
  auto in = base();
  in.dmarc_action = "reject";
  EXPECT_EQ(run_rules({}, in).disposition, Disposition::kReject);
  in.dmarc_action = "quarantine";
  EXPECT_EQ(run_rules({}, in).disposition, Disposition::kJunk);
  in.dmarc_action = "none";
  in.accepted_spoof = true;
  EXPECT_EQ(run_rules({}, in).disposition, Disposition::kJunk);
  // A rule can raise but never lower.
  auto rules = rules_from("[[rules]]\nname = \"j\"\nconditions = [{ dmarc_is = \"fail\" }]\nactions = [{ junk = true }]\n");
  in.dmarc_action = "reject";
  EXPECT_EQ(run_rules(rules, in).disposition, Disposition::kReject);
}

TEST(Rules, ConfigErrorsNameTheLine) {
  struct Bad {
    std::string toml;
    const char* want;
  };
  const Bad cases[] = {
      {"[[rules]]\nname = \"x\"\nconditions = [{ header = \"Subject\", matches = \"(\" }]\n", "RE2 pattern"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ dmarc_is = \"fail\", spf_is = \"fail\" }]\n", "exactly one condition"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ colour = \"red\" }]\n", "exactly one condition"},
      {"[[rules]]\nname = \"x\"\nconditions = []\n", "has no conditions"},
      {"[[rules]]\nname = \"x\"\nmode = \"maybe\"\nconditions = [{ dmarc_is = \"fail\" }]\n", "rules.mode"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ dmarc_is = \"fail\" }]\nactions = [{ explode = true }]\n", "unknown action"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ dmarc_is = \"fail\" }]\nactions = [{ quarantine = \"anyone\" }]\n", "admin-only"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ dmarc_is = \"fail\" }]\nactions = [{ reject = { code = 250 } }]\n", "5xx"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ sender_ip_in = \"192.0.2.0/33\" }]\n", "CIDR"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ dmarc_is = \"fail\" }]\n[[rules]]\nname = \"x\"\nconditions = [{ dmarc_is = \"fail\" }]\n", "two rules"},
      {"[[rules]]\nname = \"x\"\nconditions = [{ header = \"S\", matches = \"" + std::string(5000, 'a') + "\" }]\n", "max_pattern_bytes"},
  };
  for (const auto& c : cases) {
    auto r = parse_config(c.toml, "rules.toml");
    ASSERT_FALSE(r.has_value()) << c.toml;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("rules.toml:"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace authguard::policy
