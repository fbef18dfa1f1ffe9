// config_test.cc: authguard.toml parsing, defaults and error reporting.
#include <gtest/gtest.h>


#include "config/config.h"
#include "support/run.h"

namespace authguard {
namespace {

TEST(Config, DefaultsWithoutFile) {
  Config c = default_config();
  EXPECT_FALSE(c.authserv_id.empty());
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.dns.resolver.mode, dns::UnboundOptions::Mode::kSystem);
  EXPECT_EQ(c.dns.resolver.timeout_ms, 5000u);
  EXPECT_EQ(c.dns.cache_entries, 10000u);
}

TEST(Config, ReadsEveryFoundationKey) {
  auto c = parse_config(R"(
authserv_id = "mx.example.net"
[log]
level = "debug"
target = "syslog"
[dns]
mode = "forward"
forwarders = ["127.0.0.1@5353", "192.0.2.53"]
dnssec = false
trust_anchor = "/etc/anchor.key"
timeout_ms = 1500
cache_entries = 42
[limits]
max_message_bytes = 1000000
max_header_bytes = 20000
max_header_count = 50
max_line_length = 4000
)",
                        "a.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->authserv_id, "mx.example.net");
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_EQ(c->log.target, "syslog");
  EXPECT_EQ(c->dns.resolver.mode, dns::UnboundOptions::Mode::kForward);
  ASSERT_EQ(c->dns.resolver.forwarders.size(), 2u);
  EXPECT_FALSE(c->dns.resolver.dnssec);
  EXPECT_EQ(c->dns.resolver.trust_anchor_file, "/etc/anchor.key");
  EXPECT_EQ(c->dns.resolver.timeout_ms, 1500u);
  EXPECT_EQ(c->dns.cache_entries, 42u);
  EXPECT_EQ(c->message_limits.max_message_bytes, 1000000u);
  EXPECT_EQ(c->message_limits.max_header_bytes, 20000u);
  EXPECT_EQ(c->message_limits.max_header_count, 50u);
  EXPECT_EQ(c->message_limits.max_line_length, 4000u);
}

struct BadCase {
  const char* text;
  const char* must_contain;
};

TEST(Config, ErrorsNameFileLineAndKey) {
  const BadCase cases[] = {
      {"authserv_idd = \"x\"\n", "a.toml:1: unknown key 'authserv_idd'"},
      {"\n[dns]\ntimeout = 5\n", "a.toml:3: unknown key 'dns.timeout'"},
      {"[dns]\nmode = \"magic\"\n", "a.toml:2: key 'dns.mode' must be one of"},
      {"[dns]\ntimeout_ms = \"fast\"\n", "a.toml:2: key 'dns.timeout_ms' must be an integer"},
      {"[dns]\ntimeout_ms = -1\n", "key 'dns.timeout_ms' must be a non-negative integer"},
      {"[dns]\ntimeout_ms = 0\n", "key 'dns.timeout_ms' must be greater than 0"},
      {"[dns]\nmode = \"forward\"\n", "dns.forwarders"},
      {"[dns]\nforwarders = [1, 2]\n", "must be an array of strings"},
      {"[log]\nlevel = \"loud\"\n", "key 'log.level' must be one of"},
      {"log = 3\n", "key 'log' must be a table"},
      {"[limits]\nmax_header_count = 1.5\n", "limits.max_header_count"},
      {"authserv_id = \"\"\n", "authserv_id"},
      {"this is not toml\n", "a.toml:1:"},
      {"[unknown]\nx = 1\n", "unknown key 'unknown'"},
  };
  for (const auto& c : cases) {
    auto r = parse_config(c.text, "a.toml");
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    EXPECT_NE(r.error().message.find(c.must_contain), std::string::npos)
        << "got: " << r.error().message << "\nwant: " << c.must_contain;
  }
}

TEST(Config, AcceptedDomainsAndCompAuth) {
  auto c = parse_config(R"(
accepted_domains = ["Contoso.example.", "contoso.onmicrosoft.example"]
[compauth]
override = false
min_messages = 5
min_days = 3
window_days = 30
allow = ["partner.example"]
block = ["evil.example"]
)",
                        "c.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_EQ(c->accepted_domains.size(), 2u);
  EXPECT_EQ(c->accepted_domains[0], *DomainName::parse("contoso.example"));
  EXPECT_FALSE(c->compauth.options.override);
  EXPECT_EQ(c->compauth.options.min_messages, 5u);
  EXPECT_EQ(c->compauth.options.min_days, 3u);
  EXPECT_EQ(c->compauth.options.window_days, 30u);
  ASSERT_EQ(c->compauth.allow.size(), 1u);
  ASSERT_EQ(c->compauth.block.size(), 1u);
  auto bad = parse_config("\naccepted_domains = [\"not a domain\"]\n", "c.toml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("c.toml:2: key 'accepted_domains' must be a list of domain names"),
            std::string::npos) << bad.error().message;
  auto unknown = parse_config("[compauth]\noverrides = true\n", "c.toml");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("unknown key 'compauth.overrides'"), std::string::npos);
  EXPECT_TRUE(default_config().compauth.options.override);
}

TEST(Config, QuarantineAndJunkHeader) {
  Config d = default_config();
  EXPECT_EQ(d.quarantine.retention_days, 30);
  EXPECT_EQ(d.quarantine.relay.url, "smtp://127.0.0.1:25");
  EXPECT_EQ(d.quarantine.marker_max_age_seconds, 3600);
  EXPECT_EQ(d.junk_header, "X-Spam-Flag: YES");
  auto c = parse_config(R"(
junk_header = "X-Junk: yes"
[quarantine]
retention_days = 14
relay = "smtps://relay.ours.example:465"
relay_timeout_seconds = 20
relay_helo = "mx1.ours.example"
marker_max_age_seconds = 600
report_to = "abuse@ours.example"
report_dir = "/var/spool/authguard/reports"
notify_from = "quarantine@ours.example"
release_address = "authguard-release@ours.example"
)",
                        "q.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->junk_header, "X-Junk: yes");
  EXPECT_EQ(c->quarantine.retention_days, 14);
  EXPECT_EQ(c->quarantine.relay.url, "smtps://relay.ours.example:465");
  EXPECT_EQ(c->quarantine.relay.timeout_seconds, 20);
  EXPECT_EQ(c->quarantine.relay.helo, "mx1.ours.example");
  EXPECT_EQ(c->quarantine.marker_max_age_seconds, 600);
  EXPECT_EQ(c->quarantine.report_to, "abuse@ours.example");
  EXPECT_EQ(c->quarantine.report_dir, "/var/spool/authguard/reports");
  EXPECT_EQ(c->quarantine.notify_from, "quarantine@ours.example");
  EXPECT_EQ(c->quarantine.release_address, "authguard-release@ours.example");
  EXPECT_EQ(d.quarantine.release_address, "");
  for (const char* bad : {"[quarantine]\nrelay = \"http://x\"\n",
                          "[quarantine]\nrelay = \"smtps://x\"\nrelay_tls = \"starttls\"\n",
                          "[quarantine]\nrelay_tls = \"maybe\"\n",
                          "[quarantine]\nretention_days = 0\n",
                          "[quarantine]\nrelay_timeout_seconds = 0\n",
                          "[quarantine]\nrelays = \"smtp://x\"\n",
                          "[quarantine]\nrelease_address = \"authguard-release\"\n",
                          "[quarantine]\nnotify_from = \"@ours.example\"\n",
                          "[quarantine]\nreport_to = \"a b@ours.example\"\n",
                          "[quarantine]\nrelease_address = \"x@bad..domain\"\n",
                          "junk_header = \"no colon\"\n",
                          "junk_header = \"X-A: 1\\r\\nX-B: 2\"\n"}) {
    auto r = parse_config(bad, "q.toml");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    EXPECT_NE(r.error().message.find("q.toml:"), std::string::npos) << r.error().message;
  }
}

TEST(Config, MilterSection) {
  auto d = parse_config("", "m.toml");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->milter.socket, "unix:/run/authguard/milter.sock");
  EXPECT_EQ(d->milter.timeout_seconds, 300);
  EXPECT_EQ(d->milter.max_sessions, 100);
  EXPECT_TRUE(d->milter.internal_networks.empty());
  auto c = parse_config("[milter]\nsocket = \"inet:8891@127.0.0.1\"\ntimeout_seconds = 60\n"
                        "internal_networks = [\"192.0.2.0/24\", \"2001:db8::/32\", \"198.51.100.7\"]\n",
                        "m.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->milter.socket, "inet:8891@127.0.0.1");
  EXPECT_EQ(c->milter.timeout_seconds, 60);
  ASSERT_EQ(c->milter.internal_networks.size(), 3u);
  EXPECT_EQ(c->milter.internal_networks[0].second, 24u);
  EXPECT_EQ(c->milter.internal_networks[1].second, 32u);
  EXPECT_EQ(c->milter.internal_networks[2].second, 32u);  // one address
  EXPECT_TRUE(IpAddress::parse("192.0.2.77")->in_network(c->milter.internal_networks[0].first, 24));
  for (const char* bad : {"[milter]\nsocket = \"/run/x.sock\"\n", "[milter]\ntimeout_seconds = 0\n",
                          "[milter]\ninternal_networks = [\"192.0.2.0/33\"]\n",
                          "[milter]\nmax_sessions = 0\n",
                          "[milter]\ninternal_networks = [\"mx.example.net\"]\n",
                          "[milter]\nsockets = \"unix:/x\"\n"}) {
    auto r = parse_config(bad, "m.toml");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    EXPECT_NE(r.error().message.find("m.toml:"), std::string::npos) << r.error().message;
  }
}

// Without [[rules]] the hardened profile's rules apply: the same rules as
// examples/authguard.toml ships. `rules = []` turns them all off.
TEST(Config, DefaultRulesAreTheHardenedProfile) {
  auto describe = [](const std::vector<policy::Rule>& rules) {
    std::string out;
    for (const auto& r : rules) {
      out += r.name + " " + std::to_string(r.priority) + (r.enforce ? " enforce" : " audit");
      for (const auto& a : r.actions) out += " " + a.describe();
      out += "\n";
    }
    return out;
  };
  auto example = load_config(testing::source_path("examples/authguard.toml"));
  ASSERT_TRUE(example.has_value()) << example.error().message;
  const Config defaults = default_config();
  ASSERT_EQ(defaults.rules.size(), 2u);
  EXPECT_EQ(describe(defaults.rules), describe(example->rules));
  EXPECT_EQ(describe(defaults.rules),
            "quarantine-dmarc-oreject 1 enforce quarantine:admin-only\njunk-accepted-domain-spoof 2 enforce junk\n");
  auto none_named = parse_config("authserv_id = \"mx.example.net\"\n", "r.toml");
  ASSERT_TRUE(none_named.has_value());
  EXPECT_EQ(describe(none_named->rules), describe(defaults.rules));
  auto off = parse_config("rules = []\n", "r.toml");
  ASSERT_TRUE(off.has_value()) << off.error().message;
  EXPECT_TRUE(off->rules.empty());
  auto own = parse_config("[[rules]]\nname = \"x\"\nconditions = [{ size_over = 1 }]\nactions = [{ junk = true }]\n",
                          "r.toml");
  ASSERT_TRUE(own.has_value()) << own.error().message;
  ASSERT_EQ(own->rules.size(), 1u);  // named rules replace the defaults
  EXPECT_EQ(own->rules[0].name, "x");
}

TEST(Config, MissingFileIsConfigError) {
  auto r = load_config("/nonexistent/authguard.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
}

// docs/CONFIG.md shows examples/authguard.toml whole; the two must not drift.
TEST(Config, DocumentedExampleIsTheExampleFile) {
  auto read = [](const std::string& relative) { return testing::read_file(testing::source_path(relative)); };
  std::string doc = read("docs/CONFIG.md");
  std::size_t section = doc.find("## A complete example");
  ASSERT_NE(section, std::string::npos);
  std::size_t open = doc.find("```toml\n", section);
  ASSERT_NE(open, std::string::npos);
  open += 8;
  std::size_t close = doc.find("\n```\n", open);
  ASSERT_NE(close, std::string::npos);
  std::string example = read("examples/authguard.toml");
  while (example.ends_with('\n')) example.pop_back();
  EXPECT_EQ(doc.substr(open, close - open), example);
}

TEST(Config, ExampleFileLoads) {
  auto r = load_config(testing::source_path("examples/authguard.toml"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
}

}  // namespace
}  // namespace authguard
