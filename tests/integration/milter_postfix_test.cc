// milter_postfix_test.cc: `authguard serve` behind a real Postfix, end to
// end. The test starts, on loopback, Postfix's smtp-sink (where Postfix
// relays accepted mail), the milter, and a private Postfix instance whose
// smtpd uses it; swaks sends the sample messages. What arrives at the sink
// (or what swaks was answered) is the milter's work as the MTA applied it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <ctime>
#include <memory>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "support/nsd_server.h"
#include "support/postfix_server.h"
#include "support/run.h"
#include "support/smtp_sink.h"

namespace authguard::testing {
namespace {

std::string config_text(int relay_port) {
  return "authserv_id = \"mx.example.net\"\n"
         "accepted_domains = [\"ours.example\"]\n"
         "[quarantine]\n"
         "relay = \"smtp://127.0.0.1:" + std::to_string(relay_port) + "\"\n"
         "[milter]\n"
         "internal_networks = [\"127.0.0.2/32\"]\n"
         "[[rules]]\n"
         "name = \"quarantine-dmarc-oreject\"\n"
         "priority = 1\n"
         "conditions = [{ header = \"Authentication-Results\", matches = \"dmarc=fail action=oreject\" }]\n"
         "actions = [{ quarantine = \"admin-only\" }]\n"
         "[[rules]]\n"
         "name = \"tag-newsletters\"\n"
         "priority = 2\n"
         "conditions = [{ header = \"Subject\", contains = [\"november\"] }]\n"
         "actions = [{ add_header = { name = \"X-Tagged\", value = \"newsletter\" } },\n"
         "           { prepend_subject = \"[ext] \" }, { remove_header = \"X-Internal\" }]\n"
         "[[rules]]\n"
         "name = \"invoices-to-review\"\n"
         "priority = 3\n"
         "conditions = [{ header = \"Subject\", contains = [\"invoice\"] }]\n"
         "actions = [{ redirect = \"ap-review@ours.example\" }, { junk = true }]\n";
}

// Everything the tests share: started once, as Postfix takes seconds to.
struct Rig {
  TempDir dir;
  std::string state = dir.path() + "/state";
  std::string cfg = dir.path() + "/authguard.toml";
  std::string zone = source_path("examples/demo.zone");
  SmtpSink sink;
  std::unique_ptr<AuthguardMilter> milter;
  std::unique_ptr<PostfixServer> postfix;
  std::string error;

  bool start() {
    std::filesystem::create_directory(state);
    if (!sink.start()) return fail(sink.error());
    std::ofstream(cfg) << config_text(0 + 1);  // the relay port is known once Postfix runs
    milter = std::make_unique<AuthguardMilter>(
        std::vector<std::string>{"--config", cfg, "--state-dir", state, "--zone", zone});
    if (!milter->start()) return fail(milter->error());
    postfix = std::make_unique<PostfixServer>(sink.port(), milter->spec());
    if (!postfix->start()) return fail(postfix->error());
    // Releases go back in through Postfix, and so through the milter.
    std::ofstream(cfg, std::ios::trunc) << config_text(postfix->port());
    return true;
  }
  bool fail(const std::string& why) {
    error = why;
    return false;
  }
};

Rig* rig = nullptr;

class MilterPostfix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rig = new Rig();
    if (!rig->start()) GTEST_LOG_(ERROR) << rig->error;
  }
  static void TearDownTestSuite() {
    delete rig;
    rig = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(rig->error.empty()) << rig->error; }

  std::size_t delivered() const { return rig->sink.messages().size(); }

  // Sends a message; returns swaks's transcript.
  std::string send(const std::string& from, const std::vector<std::string>& to, const std::string& file) {
    return swaks_send(rig->postfix->port(), from, to, file);
  }

  // The dump of the one new delivery whose recipients include `rcpt` (after
  // `before` deliveries), or "" after a wait.
  std::string delivery_to(const std::string& rcpt, std::size_t before) {
    for (const auto& dump : rig->sink.messages(before + 1)) {
      if (dump.find("X-Rcpt-Args: <" + rcpt + ">") != std::string::npos && !seen(dump)) return dump;
    }
    return {};
  }

  std::string message_file(const std::string& name, const std::string& text) {
    std::string path = rig->dir.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::string logs() const { return "\nmilter log:\n" + rig->milter->log() + "\npostfix log:\n" + rig->postfix->log(); }

 private:
  // Each test's deliveries are found by content unique to it, so a dump is
  // only ever matched once.
  bool seen(const std::string& dump) {
    auto [_, fresh] = taken_.insert(dump);
    return !fresh;
  }
  inline static std::set<std::string> taken_;
};

// smtp-sink's dumps end lines with LF alone.
std::string lf(std::string s) {
  std::erase(s, '\r');
  return s;
}

std::string sample(const std::string& name) { return read_file(source_path("examples/messages/" + name)); }

TEST_F(MilterPostfix, DeliveredWithOurResultsOnTopForgeriesGoneAndRuleEditsMade) {
  // The newsletter, with a forged result claiming our authserv-id, a forged
  // release marker and a field a rule removes: DKIM does not sign them.
  std::string forged = "Authentication-Results: mx.example.net; dmarc=pass header.from=contoso.example\r\n"
                       "Authguard-Release: v=1; id=00000000000000aa; t=1; bh=eA==; mac=eA==\r\n"
                       "X-Internal: secret\r\n" +
                       sample("contoso-newsletter.eml");
  std::size_t before = delivered();
  std::string said = send("news@contoso.example", {"alice@ours.example"}, message_file("forged.eml", forged));
  ASSERT_NE(said.find("250 2.0.0 Ok: queued"), std::string::npos) << said << logs();
  std::string dump = delivery_to("alice@ours.example", before);
  ASSERT_FALSE(dump.empty()) << logs();
  std::string m = lf(sink_message(dump));
  // Ours is the first field, and DKIM verified over the rebuilt message.
  ASSERT_TRUE(m.starts_with("Authentication-Results: mx.example.net;")) << m;
  EXPECT_NE(m.find("dkim=pass header.d=contoso.example"), std::string::npos) << m;
  EXPECT_NE(m.find("dmarc=pass action=none header.from=contoso.example"), std::string::npos) << m;
  EXPECT_NE(m.find("compauth=pass"), std::string::npos) << m;
  EXPECT_EQ(m.find("Authentication-Results: mx.example.net;", 1), std::string::npos) << "the forged one is gone:\n" << m;
  EXPECT_EQ(m.find("Authguard-Release:"), std::string::npos) << m;
  EXPECT_EQ(m.find("X-Internal:"), std::string::npos) << m;
  EXPECT_NE(m.find("\nX-Tagged: newsletter\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nSubject: [ext] November update\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\n\nHello,\n"), std::string::npos) << "the body is intact:\n" << m;
}

TEST_F(MilterPostfix, ADmarcRejectIsAnswered550AndNothingIsDelivered) {
  std::size_t before = delivered();
  std::string said = send("ceo@contoso.example", {"finance@ours.example"},
                          source_path("examples/messages/contoso-spoof.eml"));
  EXPECT_NE(said.find("550 5.7.1 rejected by DMARC policy for contoso.example"), std::string::npos)
      << said << logs();
  EXPECT_EQ(rig->sink.messages().size(), before);
}

TEST_F(MilterPostfix, JunkAndRedirect) {
  std::size_t before = delivered();
  std::string said = send("billing@fabrikam.example", {"accounts@ours.example", "ap@ours.example"},
                          source_path("examples/messages/fabrikam-invoice.eml"));
  ASSERT_NE(said.find("250 2.0.0 Ok: queued"), std::string::npos) << said << logs();
  std::string dump = delivery_to("ap-review@ours.example", before);
  ASSERT_FALSE(dump.empty()) << logs();
  EXPECT_EQ(dump.find("accounts@ours.example>"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("<ap@ours.example>"), std::string::npos) << dump;
  EXPECT_NE(lf(sink_message(dump)).find("\nX-Spam-Flag: YES\n"), std::string::npos) << dump;
}

TEST_F(MilterPostfix, AnOverriddenFailureIsHeldThenReleasedBackThroughPostfix) {
  // History: contoso.example's newsletter passed DMARC from this network
  // (127.0.0.0/24, where Postfix connects from) on two days.
  const std::int64_t now = std::time(nullptr);
  for (std::int64_t days : {20, 20, 5}) {
    auto r = run_authguard({"check", "--record", "--config", rig->cfg, "--state-dir", rig->state, "--zone",
                            rig->zone, "--now", std::to_string(now - days * 86400), "--ip", "127.0.0.1",
                            "--helo", "mx1.contoso.example", "--mail-from", "news@contoso.example",
                            source_path("examples/messages/contoso-newsletter.eml")});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }
  std::size_t before = delivered();
  std::string said = send("bounce@lists.example", {"alice@ours.example", "bob@ours.example"},
                          source_path("examples/messages/contoso-via-list.eml"));
  // Accepted (250): the sender is not told; the message waits for review.
  ASSERT_NE(said.find("250 2.0.0 Ok: queued"), std::string::npos) << said << logs();
  auto listed = run_authguard({"quarantine", "list", "--json", "--config", rig->cfg, "--state-dir", rig->state});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto held = nlohmann::json::parse(listed.out)["messages"];
  ASSERT_EQ(held.size(), 1u) << listed.out << logs();
  EXPECT_EQ(held[0]["rule"], "quarantine-dmarc-oreject");
  EXPECT_EQ(held[0]["recipients"], nlohmann::json::array({"alice@ours.example", "bob@ours.example"}));
  // Postfix dropped it on the milter's word (it logs that at once), so
  // nothing is on its way to the sink.
  bool discarded = false;
  for (int i = 0; i < 100 && !discarded; ++i) {
    discarded = rig->postfix->log().find("milter-discard") != std::string::npos;
    if (!discarded) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(discarded) << logs();
  EXPECT_EQ(rig->sink.messages().size(), before) << "nothing was delivered";

  // Released: it goes back in through Postfix and the milter, whose verdict
  // honours the marker, removes it, and delivers.
  auto rel = run_authguard({"quarantine", "release", held[0]["id"], "--config", rig->cfg, "--state-dir", rig->state});
  ASSERT_EQ(rel.exit_code, 0) << rel.err << rel.out << logs();
  std::string dump = delivery_to("bob@ours.example", before);
  ASSERT_FALSE(dump.empty()) << logs();
  EXPECT_NE(dump.find("X-Rcpt-Args: <alice@ours.example>"), std::string::npos) << dump;
  std::string m = sink_message(dump);
  EXPECT_TRUE(m.starts_with("Authentication-Results: mx.example.net;")) << m;
  EXPECT_EQ(m.find("Authguard-Release:"), std::string::npos) << m;
  EXPECT_NE(m.find("List-Id: <partners.lists.example>"), std::string::npos) << m;
}

// The TXT value of `name` in master-file text (its quoted strings joined).
std::string txt_value(const std::string& zone, const std::string& name) {
  auto at = zone.find(name + " ");
  if (at == std::string::npos) return {};
  std::string value;
  std::size_t end = zone.find('\n', at);
  for (std::size_t q = zone.find('"', at); q < end; q = zone.find('"', q + 1)) {
    std::size_t close = zone.find('"', q + 1);
    value += zone.substr(q + 1, close - q - 1);
    q = close;
  }
  return value;
}

TEST_F(MilterPostfix, OutboundMailIsSignedWithTheActiveKeyAndItsRecipientsRecorded) {
  // ours.example's key store: selector1 made two days ago, published by
  // hand, seen live and active since yesterday.
  const std::int64_t now = std::time(nullptr);
  const std::string zone = rig->dir.path() + "/keys.zone";
  std::ofstream(zone) << "; nothing published yet\n";
  auto keys = [&](std::vector<std::string> args, std::int64_t t) {
    args.insert(args.begin(), "keys");
    args.insert(args.end(), {"--state-dir", rig->state, "--zone", zone, "--now", std::to_string(t)});
    return run_authguard(args);
  };
  auto init = keys({"init", "ours.example", "--bits", "1024"}, now - 2 * 86400);
  ASSERT_EQ(init.exit_code, 0) << init.err << init.out;
  auto exported = keys({"export-dns"}, now - 2 * 86400);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::ofstream(zone, std::ios::trunc) << exported.out;
  auto tick = keys({"rotate", "--due"}, now - 86400);
  ASSERT_NE(tick.out.find("signing with selector1"), std::string::npos) << tick.out << tick.err;

  // With a result a user forged, claiming our authserv-id: removed.
  const std::string message = "Authentication-Results: mx.example.net; dmarc=pass header.from=ours.example\r\n"
                              "From: CEO <ceo@ours.example>\r\nTo: partner@fabrikam.example\r\n"
                              "Subject: Quarterly numbers\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
                              "Message-ID: <q4@ours.example>\r\n\r\nThe numbers are in.\r\n";
  std::size_t before = delivered();
  // From 127.0.0.2, one of [milter] internal_networks: outbound.
  std::string said = swaks_send(rig->postfix->port(), "ceo@ours.example", {"partner@fabrikam.example"},
                                message_file("outbound.eml", message), "127.0.0.2");
  ASSERT_NE(said.find("250 2.0.0 Ok: queued"), std::string::npos) << said << logs();
  std::string dump = delivery_to("partner@fabrikam.example", before);
  ASSERT_FALSE(dump.empty()) << logs();
  std::string m = lf(sink_message(dump));
  ASSERT_TRUE(m.starts_with("DKIM-Signature: v=1; a=rsa-sha256;")) << m;
  EXPECT_NE(m.find("d=ours.example"), std::string::npos) << m;
  EXPECT_NE(m.find("s=selector1"), std::string::npos) << m;
  EXPECT_EQ(m.find("Authentication-Results:"), std::string::npos)
      << "outbound mail is not checked, and the forged result is gone:\n" << m;

  // An independent verifier (dkimpy) accepts the signature as delivered
  // (smtp-sink's dump lost the CRs the wire had).
  std::string wire;
  for (char c : m) wire += c == '\n' ? std::string("\r\n") : std::string(1, c);
  auto verified = run_program("/usr/bin/python3",
                              {source_path("tests/interop/dkimpy_verify.py"), message_file("delivered.eml", wire),
                               "selector1._domainkey.ours.example=" +
                                   txt_value(exported.out, "selector1._domainkey.ours.example.")});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // The recipient is now a known correspondent (recipient history).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((rig->state + "/authguard.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT messages FROM history_recipients WHERE address = 'partner@fabrikam.example'",
                               -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 1);
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST_F(MilterPostfix, AStoreThatCannotCommitIsATemporaryFailure) {
  // Another writer holds the state database: the milter's record waits out
  // its busy timeout, then answers 451; Postfix keeps the message queued
  // at the sender's side (swaks is told to try again).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((rig->state + "/authguard.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::size_t before = delivered();
  std::string said = send("news@contoso.example", {"carol@ours.example"},
                          source_path("examples/messages/contoso-newsletter.eml"));
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_NE(said.find("451 4.3.0 temporary failure, try again later"), std::string::npos) << said << logs();
  EXPECT_EQ(rig->sink.messages().size(), before);
}

}  // namespace
}  // namespace authguard::testing
