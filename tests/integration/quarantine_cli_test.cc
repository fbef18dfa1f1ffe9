// quarantine_cli_test.cc: `authguard quarantine list|show|delete` end to end:
// the store is filled through the library, as the milter will fill it, and
// read back through the built program from the same --state-dir.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "quarantine/store.h"
#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

constexpr UnixTime kT0 = 1699920000;  // 2023-11-14T00:00:00Z

quarantine::QuarantineEntry entry(const std::string& from, const std::string& subject,
                                  const std::string& rule, UnixTime received) {
  quarantine::QuarantineEntry e;
  e.received = received;
  e.mail_from = "bounce@" + from.substr(from.find('@') + 1);
  e.from_addr = from;
  e.recipients = {"alice@ours.example", "bob@ours.example"};
  e.client_ip = "192.0.2.10";
  e.helo = "mail.example.com";
  e.subject = subject;
  e.rule = rule;
  e.verdict_json = R"({"dmarc":{"result":"fail"}})";
  e.raw = "From: " + from + "\r\nSubject: " + subject + "\r\n\r\nbody\r\n";
  return e;
}

struct Filled {
  TempDir dir;
  std::string first, second;
  Filled() {
    auto store = quarantine::SqliteQuarantineStore::open(dir.path());
    EXPECT_TRUE(store.has_value());
    auto a = (*store)->put(entry("ceo@example.com", "Wire transfer", "dmarc", kT0));
    auto e = entry("billing@example.net", "Invoice 42", "invoices", kT0 + 60);
    e.policy = std::string(quarantine::kPolicyUserRelease);
    auto b = (*store)->put(e);
    EXPECT_TRUE(a.has_value() && b.has_value());
    first = a.value_or("");
    second = b.value_or("");
  }
};

TEST(QuarantineCli, ListJson) {
  Filled f;
  auto r = run_authguard({"quarantine", "list", "--json", "--state-dir", f.dir.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["messages"].size(), 2u) << r.out;
  const auto& m = j["messages"][0];
  EXPECT_EQ(m["id"], f.first);
  EXPECT_EQ(m["received"], "2023-11-14T00:00:00Z");
  EXPECT_EQ(m["expires"], "2023-12-14T00:00:00Z");  // 30 days
  EXPECT_EQ(m["from"], "ceo@example.com");
  EXPECT_EQ(m["recipients"], nlohmann::json::array({"alice@ours.example", "bob@ours.example"}));
  EXPECT_EQ(m["subject"], "Wire transfer");
  EXPECT_EQ(m["rule"], "dmarc");
  EXPECT_EQ(m["policy"], "admin-only");
  EXPECT_EQ(j["messages"][1]["id"], f.second);
  EXPECT_EQ(j["messages"][1]["policy"], "user-release");

  auto filtered = run_authguard(
      {"quarantine", "list", "--json", "--rule", "invoices", "--state-dir", f.dir.path()});
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  auto fj = nlohmann::json::parse(filtered.out);
  ASSERT_EQ(fj["messages"].size(), 1u);
  EXPECT_EQ(fj["messages"][0]["subject"], "Invoice 42");
}

TEST(QuarantineCli, ListTextShowAndDelete) {
  Filled f;
  auto text = run_authguard({"quarantine", "list", "--state-dir", f.dir.path()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(f.first), std::string::npos);
  EXPECT_NE(text.out.find("Wire transfer"), std::string::npos);

  auto show = run_authguard({"quarantine", "show", f.second, "--state-dir", f.dir.path()});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("Invoice 42"), std::string::npos);
  EXPECT_NE(show.out.find("user-release"), std::string::npos);
  auto raw = run_authguard({"quarantine", "show", f.second, "--raw", "--state-dir", f.dir.path()});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, "From: billing@example.net\r\nSubject: Invoice 42\r\n\r\nbody\r\n");

  auto del = run_authguard({"quarantine", "delete", f.first, "--state-dir", f.dir.path()});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  auto after = run_authguard({"quarantine", "list", "--json", "--state-dir", f.dir.path()});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  auto j = nlohmann::json::parse(after.out);
  ASSERT_EQ(j["messages"].size(), 1u);
  EXPECT_EQ(j["messages"][0]["id"], f.second);

  // A missing id is a negative result, not a crash or a temporary failure.
  auto again = run_authguard({"quarantine", "delete", f.first, "--state-dir", f.dir.path()});
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  auto missing = run_authguard({"quarantine", "show", f.first, "--state-dir", f.dir.path()});
  EXPECT_EQ(missing.exit_code, 1);
}

}  // namespace
}  // namespace authguard::testing
