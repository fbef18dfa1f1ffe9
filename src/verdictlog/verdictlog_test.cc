// verdictlog_test.cc: the verdict log store (append, since, sweep, corrupt
// rows), the stored record's round trip and limits, LoggedVerdict to and
// from RuleInput, and the rules simulator (audit and enforce hits, samples,
// stop).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "config/config.h"
#include "support/nsd_server.h"
#include "verdictlog/replay.h"
#include "verdictlog/store.h"

namespace authguard::verdictlog {
namespace {

using authguard::testing::TempDir;

constexpr UnixTime kT0 = 1764482500;

LoggedVerdict entry(UnixTime t, std::string subject, std::string dmarc_action = "none") {
  LoggedVerdict e;
  e.time = t;
  e.headers = {{"From", " Alice <alice@example.com>\r\n"},
               {"Subject", " " + subject + "\r\n"},
               {"Authentication-Results", "mx.example.net;\r\n\tdmarc=pass action=none"}};
  e.from_address = "alice@example.com";
  e.from_domain = "example.com";
  e.client_ip = "192.0.2.25";
  e.spf = "pass";
  e.dkim = {"pass"};
  e.dmarc = "pass";
  e.compauth = "pass";
  e.dmarc_action = std::move(dmarc_action);
  e.recipients = {"bob@ours.example"};
  e.size = 1234;
  e.subject = std::move(subject);
  e.mail_from = "bounce@example.com";
  return e;
}

std::vector<policy::Rule> rules_from(const std::string& toml) {
  auto cfg = parse_config(toml, "test.toml");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : cfg.error().message);
  return cfg ? cfg->rules : std::vector<policy::Rule>{};
}

TEST(Store, AppendSinceSweep) {
  TempDir dir;
  auto log = SqliteVerdictLog::open(dir.path());
  ASSERT_TRUE(log.has_value()) << log.error().message;
  // Appended out of order: since() gives them oldest first.
  for (UnixTime t : {kT0 + 20, kT0, kT0 + 10}) {
    ASSERT_TRUE((*log)->append(entry(t, "at " + std::to_string(t - kT0))).has_value());
  }
  auto page = (*log)->since(kT0 + 10, 100);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].time, kT0 + 10);
  EXPECT_EQ(page->entries[0].subject, "at 10");
  EXPECT_EQ(page->entries[1].time, kT0 + 20);
  EXPECT_GT(page->entries[0].id, 0);
  EXPECT_EQ(page->stats.entries, 2u);
  EXPECT_EQ(page->stats.corrupt, 0u);
  EXPECT_FALSE(page->stats.limit_reached);

  auto limited = (*log)->since(0, 2);
  ASSERT_TRUE(limited.has_value());
  ASSERT_EQ(limited->entries.size(), 2u);
  EXPECT_EQ(limited->entries[0].time, kT0);
  EXPECT_TRUE(limited->stats.limit_reached);
  auto exact = (*log)->since(0, 3);
  ASSERT_TRUE(exact.has_value());
  EXPECT_FALSE(exact->stats.limit_reached);

  auto swept = (*log)->sweep(kT0 + 15);
  ASSERT_TRUE(swept.has_value());
  EXPECT_EQ(*swept, 2);
  auto rest = (*log)->since(0, 100);
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->entries.size(), 1u);
  EXPECT_EQ(rest->entries[0].time, kT0 + 20);
  EXPECT_EQ(*(*log)->sweep(kT0), 0);
}

TEST(Store, ReaderNeverCreatesTheDatabase) {
  TempDir dir;
  auto log = SqliteVerdictLog::open(dir.path(), {.create = false});
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/authguard.db"));
}

TEST(Store, CorruptRowsAreSkippedAndCounted) {
  TempDir dir;
  auto log = SqliteVerdictLog::open(dir.path());
  ASSERT_TRUE(log.has_value());
  ASSERT_TRUE((*log)->append(entry(kT0, "good")).has_value());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &db), SQLITE_OK);
    const char* sql =
        "INSERT INTO verdict_log (time, record) VALUES "
        "(1764482501, 'not json'), (1764482502, '[]'), (1764482503, '{\"v\":2}'), "
        "(1764482504, '{\"v\":1,\"headers\":[[\"a\"]]}');";
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  ASSERT_TRUE((*log)->append(entry(kT0 + 10, "also good")).has_value());
  auto page = (*log)->since(0, 100);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[1].subject, "also good");
  EXPECT_EQ(page->stats.corrupt, 4u);
  // Corrupt rows count toward max_entries: a read is bounded by rows.
  auto bounded = (*log)->since(0, 3);
  ASSERT_TRUE(bounded.has_value());
  EXPECT_EQ(bounded->entries.size() + bounded->stats.corrupt, 3u);
  EXPECT_TRUE(bounded->stats.limit_reached);
}

TEST(Record, RoundTripKeepsEveryByte) {
  LoggedVerdict e = entry(0, "Rechnung f\xc3\xbcr M\xe4rz");  // UTF-8, then a Latin-1 byte
  static constexpr char kOdd[] = " nul\0byte \xff\xfe\r\n\tfolded\x1b";
  e.headers.insert(e.headers.begin(), {"X-Odd", std::string(kOdd, sizeof kOdd - 1)});
  e.headers_truncated = true;
  e.dkim = {"pass", "fail"};
  e.recipients = {"a@ours.example", "\xe9@ours.example"};
  e.recipients_truncated = true;
  e.accepted_spoof = true;
  e.size = 18446744073709551615ull;
  e.mail_from = "";
  e.client_ip = "2001:db8::1";
  std::string json = encode_record(e);
  EXPECT_NE(json.find("\"hex\""), std::string::npos) << json;
  auto back = decode_record(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, e);
  EXPECT_EQ(encode_record(*back), json);
}

TEST(Record, DecodeRejectsWhatEncodeWouldNotWrite) {
  LoggedVerdict e = entry(0, "x");
  std::string good = encode_record(e);
  ASSERT_TRUE(decode_record(good).has_value());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  const std::vector<std::string> bad = {
      "", "{}", "[]", "null", "\"text\"", "{\"v\":1}", good.substr(0, good.size() - 1),
      with("\"v\":1", "\"v\":2"), with("\"v\":1", "\"v\":\"1\""),
      with("\"size\":1234", "\"size\":-1"), with("\"size\":1234", "\"size\":1.5"),
      with("\"accepted_spoof\":false", "\"accepted_spoof\":0"),
      with("\"subject\":\"x\"", "\"subject\":{\"hex\":\"abc\"}"),
      with("\"subject\":\"x\"", "\"subject\":{\"hex\":\"zz\"}"),
      with("\"subject\":\"x\"", "\"subject\":{\"hex\":\"41\",\"more\":1}"),
      with("\"subject\":\"x\"", "\"subject\":7"),
      with("\"dkim\":[\"pass\"]", "\"dkim\":\"pass\""),
      with("\"recipients\":[", "\"recipients\":[null,"),
      with("\"headers\":[[", "\"headers\":[[\"only-a-name\"],["),
      with("\"mail_from\"", "\"mail_frm\""),
      "{\"v\":1,\"x\":\"\xff\"}",  // not UTF-8: JSON text never holds raw bytes
      std::string(100000, '[') + std::string(100000, ']'),
  };
  for (const auto& b : bad) {
    auto r = decode_record(b);
    EXPECT_FALSE(r.has_value()) << b.substr(0, 200);
  }
  // Unknown keys are ignored (a newer writer may add some); hex may be upper case.
  auto extra = decode_record(with("\"subject\":\"x\"", "\"subject\":{\"hex\":\"4A\"},\"new\":[1]"));
  ASSERT_TRUE(extra.has_value());
  EXPECT_EQ(extra->subject, "J");
  EXPECT_EQ(decode_record(std::string(5 * 1024 * 1024, ' ')).error().kind,
            ErrorKind::kLimitExceeded);
}

TEST(Record, HeaderByteLimitKeepsOursLast) {
  LoggedVerdict e = entry(0, "big");
  auto ours = e.headers.back();
  e.headers.pop_back();
  // One field alone over the limit, then many small ones, then ours.
  e.headers.emplace_back("X-Huge", std::string(kMaxLoggedHeaderBytes, 'h'));
  for (int i = 0; i < 200; ++i) e.headers.emplace_back("Received", std::string(1000, 'r'));
  e.headers.emplace_back("Subject", " late but small\r\n");
  e.headers.push_back(ours);
  apply_limits(e);
  EXPECT_TRUE(e.headers_truncated);
  std::size_t total = 0;
  for (const auto& [n, v] : e.headers) total += n.size() + v.size();
  EXPECT_LE(total, kMaxLoggedHeaderBytes);
  ASSERT_GE(e.headers.size(), 2u);
  EXPECT_EQ(e.headers.back(), ours);
  EXPECT_EQ(e.headers.front().first, "From");  // kept: it fit
  for (const auto& [n, v] : e.headers) EXPECT_NE(n, "X-Huge");

  // Under the limit nothing changes.
  LoggedVerdict small = entry(0, "small");
  LoggedVerdict copy = small;
  apply_limits(copy);
  EXPECT_EQ(copy, small);
}

TEST(Record, SubjectAndRecipientLimits) {
  // A two-byte character across the cut is dropped whole.
  std::string subject(kMaxLoggedSubjectBytes - 1, 's');
  subject += "\xc3\xbc and more";
  LoggedVerdict e = entry(0, subject);
  for (std::size_t i = 0; i < kMaxLoggedRecipients + 5; ++i) {
    e.recipients.push_back("r" + std::to_string(i) + "@ours.example");
  }
  apply_limits(e);
  EXPECT_EQ(e.subject, std::string(kMaxLoggedSubjectBytes - 1, 's'));
  EXPECT_EQ(e.recipients.size(), kMaxLoggedRecipients);
  EXPECT_TRUE(e.recipients_truncated);
  // append() applies them too.
  TempDir dir;
  auto log = SqliteVerdictLog::open(dir.path());
  ASSERT_TRUE(log.has_value());
  LoggedVerdict raw = entry(kT0, std::string(5000, 'x'));
  ASSERT_TRUE((*log)->append(raw).has_value());
  auto page = (*log)->since(0, 10);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].subject.size(), kMaxLoggedSubjectBytes);
}

TEST(Replay, RuleInputRoundTrip) {
  std::string value = " value\r\n\tfolded";
  policy::RuleInput in;
  in.headers = {{"X-A", value}, {"Authentication-Results", "mx.example.net; dmarc=fail action=oreject"}};
  in.from_address = "ceo@contoso.example";
  in.from_domain = "contoso.example";
  in.client_ip = *IpAddress::parse("203.0.113.66");
  in.spf = "fail";
  in.dkim = {};
  in.dmarc = "fail";
  in.compauth = "pass";
  in.dmarc_action = "oreject";
  in.recipients = {"alice@ours.example"};
  in.size = 42;
  in.accepted_spoof = true;
  LoggedVerdict e = logged_verdict(in, kT0, "Wire transfer", "ceo@contoso.example");
  EXPECT_EQ(e.time, kT0);
  EXPECT_EQ(e.client_ip, "203.0.113.66");
  EXPECT_EQ(e.subject, "Wire transfer");
  EXPECT_EQ(e.mail_from, "ceo@contoso.example");
  // Through the stored form and back.
  auto stored = decode_record(encode_record(e));
  ASSERT_TRUE(stored.has_value());
  policy::RuleInput out = to_rule_input(*stored);
  ASSERT_EQ(out.headers.size(), 2u);
  EXPECT_EQ(out.headers[0].first, "X-A");
  EXPECT_EQ(out.headers[0].second, value);
  EXPECT_EQ(out.headers[1].second, in.headers[1].second);
  // Views into the entry, not copies.
  EXPECT_EQ(out.headers[0].second.data(), stored->headers[0].second.data());
  EXPECT_EQ(out.from_address, in.from_address);
  EXPECT_EQ(out.from_domain, in.from_domain);
  ASSERT_TRUE(out.client_ip.has_value());
  EXPECT_EQ(*out.client_ip, *in.client_ip);
  EXPECT_EQ(out.spf, in.spf);
  EXPECT_EQ(out.dkim, in.dkim);
  EXPECT_EQ(out.dmarc, in.dmarc);
  EXPECT_EQ(out.compauth, in.compauth);
  EXPECT_EQ(out.dmarc_action, in.dmarc_action);
  EXPECT_EQ(out.recipients, in.recipients);
  EXPECT_EQ(out.size, in.size);
  EXPECT_EQ(out.accepted_spoof, in.accepted_spoof);

  in.client_ip.reset();
  EXPECT_EQ(logged_verdict(in, kT0, "", "").client_ip, "");
  LoggedVerdict bad_ip = e;
  bad_ip.client_ip = "not an address";
  EXPECT_FALSE(to_rule_input(bad_ip).client_ip.has_value());
}

constexpr const char* kRules = R"toml(
[[rules]]
name = "never"
priority = 3
conditions = [{ from_domain_is = ["nowhere.example"] }]
actions = [{ reject = "no" }]

[[rules]]
name = "audit-invoices"
priority = 1
mode = "audit"
conditions = [{ header = "Subject", contains = ["invoice"] }]
actions = [{ quarantine = "admin-only" }]

[[rules]]
name = "junk-oreject"
priority = 2
conditions = [{ dmarc_action_is = ["oreject"] }]
actions = [{ junk = true }, { add_header = { name = "X-Spam-Flag", value = "YES" } }]
)toml";

TEST(Simulate, AuditAndEnforceHitsWithCappedSamples) {
  auto rules = rules_from(kRules);
  ASSERT_EQ(rules.size(), 3u);
  std::vector<LoggedVerdict> log;
  for (int i = 0; i < 5; ++i) log.push_back(entry(kT0 + i, "Invoice " + std::to_string(i)));
  log.push_back(entry(kT0 + 10, "hello", "oreject"));
  log.push_back(entry(kT0 + 11, "Invoice late", "oreject"));
  log.push_back(entry(kT0 + 12, "rejected anyway", "reject"));
  SimulationReport r = simulate(rules, log);
  EXPECT_EQ(r.messages, 8u);
  // Every rule, in priority order, zero-hit ones too.
  ASSERT_EQ(r.rules.size(), 3u);
  EXPECT_EQ(r.rules[0].name, "audit-invoices");
  EXPECT_FALSE(r.rules[0].enforce);
  EXPECT_EQ(r.rules[0].priority, 1);
  EXPECT_EQ(r.rules[0].hits, 6u);  // audit: would have hit
  EXPECT_EQ(r.rules[0].disposition, policy::Disposition::kQuarantine);
  ASSERT_EQ(r.rules[0].samples.size(), kDefaultSimulateSamples);
  EXPECT_EQ(r.rules[0].samples[0].time, kT0);
  EXPECT_EQ(r.rules[0].samples[0].subject, "Invoice 0");
  EXPECT_EQ(r.rules[0].samples[0].from, "alice@example.com");
  EXPECT_EQ(r.rules[0].samples[0].mail_from, "bounce@example.com");
  EXPECT_EQ(r.rules[0].samples[0].recipients, std::vector<std::string>{"bob@ours.example"});
  EXPECT_EQ(r.rules[1].name, "junk-oreject");
  EXPECT_TRUE(r.rules[1].enforce);
  EXPECT_EQ(r.rules[1].hits, 2u);
  EXPECT_EQ(r.rules[1].disposition, policy::Disposition::kJunk);
  EXPECT_EQ(r.rules[1].actions, (std::vector<std::string>{"junk", "add_header:X-Spam-Flag"}));
  ASSERT_EQ(r.rules[1].samples.size(), 2u);
  EXPECT_EQ(r.rules[2].name, "never");
  EXPECT_EQ(r.rules[2].hits, 0u);
  EXPECT_TRUE(r.rules[2].samples.empty());
  // Audit rules change nothing: the quarantine never happens.
  EXPECT_EQ(r.dispositions[static_cast<std::size_t>(policy::Disposition::kDeliver)], 5u);
  EXPECT_EQ(r.dispositions[static_cast<std::size_t>(policy::Disposition::kJunk)], 2u);
  EXPECT_EQ(r.dispositions[static_cast<std::size_t>(policy::Disposition::kQuarantine)], 0u);
  EXPECT_EQ(r.dispositions[static_cast<std::size_t>(policy::Disposition::kReject)], 1u);

  SimulationReport one = simulate(rules, log, 1);
  EXPECT_EQ(one.rules[0].samples.size(), 1u);
  EXPECT_EQ(one.rules[0].hits, 6u);
  SimulationReport none = simulate(rules, {});
  EXPECT_EQ(none.messages, 0u);
  EXPECT_EQ(none.rules.size(), 3u);
}

TEST(Simulate, EnforcedStopEndsProcessingAuditStopDoesNot) {
  const std::string later = R"toml(
[[rules]]
name = "later"
priority = 9
mode = "audit"
conditions = [{ spf_is = ["pass"] }]
actions = [{ junk = true }]
)toml";
  auto stop_rule = [](const char* mode) {
    return std::string("[[rules]]\nname = \"allow-example\"\npriority = 1\nmode = \"") + mode +
           "\"\nconditions = [{ from_domain_is = [\"example.com\"] }]\nactions = [{ stop = true }]\n";
  };
  std::vector<LoggedVerdict> log = {entry(kT0, "a"), entry(kT0 + 1, "b")};
  SimulationReport enforced = simulate(rules_from(stop_rule("enforce") + later), log);
  ASSERT_EQ(enforced.rules.size(), 2u);
  EXPECT_EQ(enforced.rules[0].hits, 2u);
  EXPECT_EQ(enforced.rules[1].hits, 0u);  // never reached, as live
  SimulationReport audited = simulate(rules_from(stop_rule("audit") + later), log);
  EXPECT_EQ(audited.rules[0].hits, 2u);
  EXPECT_EQ(audited.rules[1].hits, 2u);
}

TEST(Simulate, StreamsFromTheStore) {
  TempDir dir;
  auto log = SqliteVerdictLog::open(dir.path());
  ASSERT_TRUE(log.has_value());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE((*log)->append(entry(kT0 + i * 86400, "invoice " + std::to_string(i))).has_value());
  }
  auto rules = rules_from(kRules);
  Simulator sim(rules);
  auto stats = (*log)->scan(kT0 + 2 * 86400, kMaxSimulateEntries,
                            [&](const LoggedVerdict& e) { sim.add(e); });
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->entries, 2u);
  EXPECT_EQ(sim.report().messages, 2u);
  EXPECT_EQ(sim.report().rules[0].hits, 2u);
  EXPECT_EQ(sim.report().rules[0].samples[0].subject, "invoice 2");
}

}  // namespace
}  // namespace authguard::verdictlog
