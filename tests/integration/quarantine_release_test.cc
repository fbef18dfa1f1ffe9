// quarantine_release_test.cc: the quarantine's release and report, and the
// learning loop, end to end through the built program: messages are held by
// `check --record` under the hardening rule, released through a real SMTP
// listener (Postfix's smtp-sink, started here on loopback), re-checked as the
// relay hands them back, and reported.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/nsd_server.h"
#include "support/run.h"
#include "support/smtp_sink.h"

namespace authguard::testing {
namespace {

constexpr std::int64_t kNow = 1764482500;  // just after the sample messages were sent

// Line ends as LF, and no trailing blank lines (smtp-sink's dump ends each
// message with one of its own).
std::string without_cr(std::string s) {
  std::erase(s, '\r');
  while (s.ends_with("\n\n")) s.pop_back();
  return s;
}

std::string config_for(const std::string& relay, const std::string& extra = "") {
  return "authserv_id = \"mx.example.net\"\n"
         "accepted_domains = [\"ours.example\"]\n"
         "[quarantine]\n"
         "relay = \"" + relay + "\"\n" + extra +
         "[[rules]]\n"
         "name = \"quarantine-dmarc-oreject\"\n"
         "priority = 1\n"
         "conditions = [{ header = \"Authentication-Results\", matches = \"dmarc=fail action=oreject\" }]\n"
         "actions = [{ quarantine = \"admin-only\" }]\n";
}

// A state directory whose history knows contoso.example's mail from the
// mailing list's network (three DMARC passes on two days), so a list-relayed
// DMARC failure is overridden (oreject) and held by the hardening rule.
class Held : public ::testing::Test {
 protected:
  TempDir dir;
  SmtpSink sink;
  std::string cfg = dir.path() + "/authguard.toml";
  std::string state = dir.path() + "/state";
  std::string zone = source_path("examples/demo.zone");

  void SetUp() override {
    ASSERT_TRUE(sink.start()) << sink.error();
    std::filesystem::create_directory(state);
    write_config(config_for(sink.url()));
    for (std::int64_t days : {20, 20, 5}) {
      auto r = check_at(kNow - days * 86400,
                        {"--record", "--ip", "198.51.100.77", "--helo", "lists.example", "--mail-from",
                         "news@contoso.example", source_path("examples/messages/contoso-newsletter.eml")});
      ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    }
  }

  void write_config(const std::string& text) { std::ofstream(cfg) << text; }

  RunResult check_at(std::int64_t t, std::vector<std::string> args) {
    std::vector<std::string> all = {"check", "--json", "--config", cfg, "--state-dir", state,
                                    "--zone", zone, "--now", std::to_string(t)};
    all.insert(all.end(), args.begin(), args.end());
    return run_authguard(all);
  }

  // Holds the list-relayed message; returns its quarantine id.
  std::string hold() {
    auto r = check_at(kNow, {"--record", "--envelope-from-headers", "--rcpt", "alice@ours.example",
                             "--rcpt", "bob@ours.example",
                             source_path("examples/messages/contoso-via-list.eml")});
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    EXPECT_EQ(j.value("disposition", ""), "quarantine") << r.out;
    EXPECT_EQ(j["dmarc"].value("action", ""), "oreject") << r.out;
    return j.value("quarantine_id", "");
  }

  // The verdict on a message file as re-submitted by the relay (client
  // 127.0.0.1), at time t.
  nlohmann::json recheck(const std::string& message, std::int64_t t) {
    std::string path = dir.path() + "/recheck.eml";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << message;
    auto r = check_at(t, {"--ip", "127.0.0.1", "--helo", "mx.example.net", "--mail-from",
                          "bounce@lists.example", "--rcpt", "alice@ours.example", path});
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  nlohmann::json listed() {
    auto r = run_authguard({"quarantine", "list", "--json", "--config", cfg, "--state-dir", state});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false)["messages"];
  }

  RunResult quarantine(std::vector<std::string> args, std::int64_t t) {
    std::vector<std::string> all = {"quarantine"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--config", cfg, "--state-dir", state, "--now", std::to_string(t)});
    return run_authguard(all);
  }
};

TEST_F(Held, ReleaseReinjectsToTheOriginalRecipientsWithAMarker) {
  std::string id = hold();
  ASSERT_FALSE(id.empty());
  // What the administrator reads first: the verdict in words, the header
  // fields, and a preview of the text.
  auto show = run_authguard({"quarantine", "show", id, "--config", cfg, "--state-dir", state});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("the receiver overrode it (oreject)"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("rule quarantine-dmarc-oreject (enforce): quarantine:admin-only"), std::string::npos);
  EXPECT_NE(show.out.find("  List-Id: <partners.lists.example>"), std::string::npos);
  EXPECT_NE(show.out.find("preview (text/plain):\n  | Hello,"), std::string::npos) << show.out;

  auto r = quarantine({"release", id}, kNow + 60);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("released " + id), std::string::npos) << r.out;

  auto mail = sink.messages(1);
  ASSERT_EQ(mail.size(), 1u);
  const std::string& dump = mail[0];
  // The original envelope: its MAIL FROM (Return-Path) and both recipients.
  EXPECT_NE(dump.find("X-Mail-Args: <bounce@lists.example>"), std::string::npos) << dump;
  EXPECT_NE(dump.find("X-Rcpt-Args: <alice@ours.example>"), std::string::npos) << dump;
  EXPECT_NE(dump.find("X-Rcpt-Args: <bob@ours.example>"), std::string::npos) << dump;
  // The marker first, then the message exactly as received.
  std::string message = sink_message(dump);
  ASSERT_TRUE(message.starts_with("Authguard-Release: v=1; id=" + id + "; t=")) << message;
  std::string original = read_file(source_path("examples/messages/contoso-via-list.eml"));
  EXPECT_EQ(without_cr(message.substr(message.find('\n') + 1)), without_cr(original));

  // Listed as released; the released pair gained history.
  auto held = listed();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0]["released"], "2025-11-30T06:02:40Z");

  // Coming back through the milter from the relay (127.0.0.1, no history,
  // so DMARC's reject stands), it is delivered: an administrator looked at it.
  auto again = recheck(message, kNow + 120);
  ASSERT_FALSE(again.is_discarded());
  EXPECT_EQ(again["release"]["marker"], "valid");
  EXPECT_EQ(again["release"]["id"], id);
  EXPECT_EQ(again["disposition"], "deliver") << again.dump();
}

TEST_F(Held, ForgedStaleOrForeignMarkersAreIgnored) {
  std::string id = hold();
  ASSERT_EQ(quarantine({"release", id}, kNow + 60).exit_code, 0);
  auto mail = sink.messages(1);
  ASSERT_EQ(mail.size(), 1u);
  std::string message = sink_message(mail[0]);

  // From the relay's address nothing vouches for it: without a valid marker
  // DMARC's reject stands, exactly as for the message with no marker.
  std::string original = read_file(source_path("examples/messages/contoso-via-list.eml"));
  EXPECT_EQ(recheck(original, kNow + 120)["disposition"], "reject");

  // The same message with the mac altered.
  std::string forged = message;
  auto mac = forged.find("mac=") + 4;
  forged[mac] = forged[mac] == 'A' ? 'B' : 'A';
  auto f = recheck(forged, kNow + 120);
  EXPECT_EQ(f["release"]["marker"], "invalid");
  EXPECT_EQ(f["disposition"], "reject") << f.dump();

  // The genuine marker two hours later: stale (max age 1 hour).
  auto stale = recheck(message, kNow + 60 + 2 * 3600);
  EXPECT_EQ(stale["release"]["marker"], "invalid");
  EXPECT_EQ(stale["disposition"], "reject");

  // A sender writing its own marker, with a made-up id and mac.
  auto own = recheck("Authguard-Release: v=1; id=" + id + "; t=" + std::to_string(kNow) +
                         "; mac=bm90IGEgcmVhbCBtYWM=\r\n" + original,
                     kNow + 120);
  EXPECT_EQ(own["release"]["marker"], "invalid");
  EXPECT_EQ(own["disposition"], "reject");

  // The genuine marker copied onto another message (a different body).
  std::string marker_line = message.substr(0, message.find('\n') + 1);
  std::string spoof = read_file(source_path("examples/messages/contoso-spoof.eml"));
  auto copied = recheck(marker_line + spoof, kNow + 120);
  EXPECT_EQ(copied["release"]["marker"], "invalid") << copied.dump();
  EXPECT_NE(copied["disposition"], "deliver");

  // Another installation's marker (another key) means nothing here.
  TempDir other;
  std::string other_state = other.path() + "/state";
  std::filesystem::create_directory(other_state);
  {
    std::ofstream key(other_state + "/release.key", std::ios::binary);
    key << std::string(32, 'k');
  }
  std::filesystem::permissions(other_state + "/release.key", std::filesystem::perms::owner_read |
                                                                 std::filesystem::perms::owner_write);
  auto elsewhere = run_authguard({"check", "--json", "--config", cfg, "--state-dir", other_state, "--zone",
                                  zone, "--now", std::to_string(kNow + 120), "--ip", "127.0.0.1",
                                  "--mail-from", "bounce@lists.example", "--rcpt", "alice@ours.example",
                                  "--", "-"},
                                 message);
  auto ej = nlohmann::json::parse(elsewhere.out, nullptr, false);
  ASSERT_FALSE(ej.is_discarded()) << elsewhere.out << elsewhere.err;
  EXPECT_EQ(ej["release"]["marker"], "invalid");
}

TEST_F(Held, ARelayThatIsDownLeavesTheMessageHeld) {
  std::string id = hold();
  sink.stop();
  auto r = quarantine({"release", id}, kNow + 60);
  EXPECT_EQ(r.exit_code, 3) << r.err << r.out;  // temporary: try again
  EXPECT_NE(r.err.find("relay"), std::string::npos) << r.err;
  auto held = listed();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_TRUE(held[0]["released"].is_null());
}

TEST_F(Held, ARelayThatRefusesSaysSoAndLeavesTheMessageHeld) {
  std::string id = hold();
  SmtpSink refusing("RCPT");
  ASSERT_TRUE(refusing.start()) << refusing.error();
  write_config(config_for(refusing.url()));
  auto r = quarantine({"release", id}, kNow + 60);
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
  EXPECT_TRUE(listed()[0]["released"].is_null());
  EXPECT_TRUE(refusing.messages().empty());
}

// A bounce (null reverse-path, recorded as "<>") is released from <>, and an
// envelope recipient recorded in angle brackets is still an address.
TEST_F(Held, ABounceIsReleasedFromTheNullSender) {
  auto r = check_at(kNow, {"--record", "--envelope-from-headers", "--mail-from", "<>", "--rcpt",
                           "<alice@ours.example>", source_path("examples/messages/contoso-via-list.eml")});
  auto j = nlohmann::json::parse(r.out);
  std::string id = j.value("quarantine_id", "");
  ASSERT_FALSE(id.empty()) << r.out << r.err;
  auto rel = quarantine({"release", id}, kNow + 60);
  ASSERT_EQ(rel.exit_code, 0) << rel.err;
  auto mail = sink.messages(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_NE(mail[0].find("X-Mail-Args: <>"), std::string::npos) << mail[0];
  EXPECT_NE(mail[0].find("X-Rcpt-Args: <alice@ours.example>"), std::string::npos) << mail[0];
}

TEST_F(Held, ReleaseToAnotherAddress) {
  std::string id = hold();
  auto r = quarantine({"release", id, "--to", "admin@ours.example"}, kNow + 60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto mail = sink.messages(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_NE(mail[0].find("X-Rcpt-Args: <admin@ours.example>"), std::string::npos);
  EXPECT_EQ(mail[0].find("alice@ours.example>"), std::string::npos);
  auto bad = quarantine({"release", id, "--to", "not-an-address"}, kNow + 60);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_EQ(sink.messages().size(), 1u);
}

// The learning loop: a false-negative report takes the pair's implicit
// trust away (the next such message is rejected, not overridden); releasing
// its mail gives it back.
TEST_F(Held, ReportsTeachTheVerdict) {
  std::string id = hold();
  auto rep = quarantine({"report", id, "--as", "false-negative"}, kNow + 60);
  ASSERT_EQ(rep.exit_code, 0) << rep.err << rep.out;
  // Written as a submission file (no report_to configured).
  std::string file = state + "/reports/" + id + "-false-negative.eml";
  ASSERT_TRUE(std::filesystem::exists(file)) << rep.out;
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  std::string submission = read_file(file);
  EXPECT_NE(submission.find("X-Authguard-Report: false-negative; id=" + id), std::string::npos);
  EXPECT_NE(submission.find("Content-Type: message/rfc822"), std::string::npos);
  EXPECT_NE(submission.find("Subject: November update"), std::string::npos);  // the attached message
  EXPECT_EQ(listed()[0]["report"], "false-negative");

  auto after = check_at(kNow + 120, {"--envelope-from-headers",
                                     source_path("examples/messages/contoso-via-list.eml")});
  auto aj = nlohmann::json::parse(after.out);
  EXPECT_EQ(aj["compauth"]["result"], "fail") << after.out;
  EXPECT_EQ(aj["dmarc"]["action"], "reject");
  EXPECT_EQ(aj["disposition"], "reject");

  ASSERT_EQ(quarantine({"release", id}, kNow + 180).exit_code, 0);
  auto trusted = check_at(kNow + 240, {"--envelope-from-headers",
                                       source_path("examples/messages/contoso-via-list.eml")});
  auto tj = nlohmann::json::parse(trusted.out);
  EXPECT_EQ(tj["dmarc"]["action"], "oreject") << trusted.out;
  EXPECT_EQ(tj["disposition"], "quarantine");
}

TEST_F(Held, AReportIsMailedWhenReportToIsSet) {
  write_config(config_for(sink.url(), "report_to = \"abuse@ours.example\"\n"));
  std::string id = hold();
  auto rep = quarantine({"report", id, "--as", "false-positive"}, kNow + 60);
  ASSERT_EQ(rep.exit_code, 0) << rep.err << rep.out;
  auto mail = sink.messages(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_NE(mail[0].find("X-Mail-Args: <>"), std::string::npos) << mail[0];
  EXPECT_NE(mail[0].find("X-Rcpt-Args: <abuse@ours.example>"), std::string::npos);
  EXPECT_NE(mail[0].find("X-Authguard-Report: false-positive; id=" + id), std::string::npos);
  EXPECT_NE(mail[0].find("Content-Type: message/rfc822"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(state + "/reports"));
  auto bad = quarantine({"report", id, "--as", "spam"}, kNow + 60);
  EXPECT_EQ(bad.exit_code, 2);
}

// A quarantine at its size cap (a full disk, as SQLite sees it): the message
// is not held and the answer is "try again later" (exit 3), never accepted
// and lost; what was held before stays.
TEST_F(Held, AFullStoreIsATemporaryFailure) {
  std::string first = hold();
  ASSERT_FALSE(first.empty());
  write_config(config_for(sink.url(), "max_database_mb = 1\n"));
  std::string big = read_file(source_path("examples/messages/contoso-via-list.eml")) +
                    std::string(2 * 1024 * 1024, 'x') + "\n";
  std::string path = dir.path() + "/big.eml";
  std::ofstream(path, std::ios::binary) << big;
  auto r = check_at(kNow + 60, {"--record", "--envelope-from-headers", "--rcpt", "alice@ours.example", path});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out.find("quarantine_id"), std::string::npos) << r.out;
  auto held = listed();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0]["id"], first);
}

TEST_F(Held, SweepDropsExpiredMessages) {
  std::string id = hold();
  // The verdict log holds the four messages checked with --record; three are
  // over 30 days old 29 days on, the last one a day (and a second) later.
  EXPECT_EQ(quarantine({"sweep"}, kNow + 29 * 86400).out,
            "swept 0 expired message(s) and 3 verdict-log entries\n");
  EXPECT_EQ(listed().size(), 1u);
  EXPECT_EQ(quarantine({"sweep"}, kNow + 30 * 86400 + 1).out,
            "swept 1 expired message(s) and 1 verdict-log entry\n");
  EXPECT_TRUE(listed().empty());
  EXPECT_NE(quarantine({"release", id}, kNow + 30 * 86400).exit_code, 0);
}

TEST(HistoryImport, RecipientsMakeAKnownCorrespondent) {
  TempDir dir;
  std::string zone = source_path("examples/demo.zone");
  auto verdict = [&] {
    auto r = run_authguard({"check", "--json", "--state-dir", dir.path(), "--zone", zone, "--now",
                            std::to_string(kNow), "--envelope-from-headers",
                            source_path("examples/messages/contoso-via-list.eml")});
    return nlohmann::json::parse(r.out);
  };
  EXPECT_EQ(verdict()["compauth"]["signals"], nlohmann::json::array());
  // A bad line: nothing imported, the line named.
  auto bad = run_authguard({"history", "import", "-", "--state-dir", dir.path()},
                           "ok@example.org\nnot an address\n");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("-:2:"), std::string::npos) << bad.err;
  auto good = run_authguard({"history", "import", "-", "--state-dir", dir.path()},
                            "# sent mail, exported\n\nBob <Bob@Contoso.example>\nok@example.org\n");
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.out.find("imported 2"), std::string::npos);
  auto v = verdict();
  EXPECT_EQ(v["compauth"]["signals"], nlohmann::json::array({"known-correspondent"})) << v.dump();
  EXPECT_EQ(v["compauth"]["result"], "softpass");
}

// The outbound path: signing with --record makes the recipients known
// correspondents, as the import does.
TEST(RecipientHistory, SigningRecordsTheRecipients) {
  TempDir dir;
  std::string zone = source_path("examples/demo.zone");
  std::string outbound = "From: alice@ours.example\r\nTo: News <News@Contoso.example>\r\n"
                         "Cc: bob@example.org\r\nSubject: re: update\r\n\r\nThanks\r\n";
  auto signed_mail = run_authguard({"dkim", "sign", "--domain", "fabrikam.example", "--selector", "selector2",
                                    "--key", source_path("examples/keys/fabrikam.example.selector2.pem"),
                                    "--record", "--state-dir", dir.path(), "--now", std::to_string(kNow), "-"},
                                   outbound);
  ASSERT_EQ(signed_mail.exit_code, 0) << signed_mail.err;
  EXPECT_TRUE(signed_mail.out.starts_with("DKIM-Signature: "));
  auto r = run_authguard({"check", "--json", "--state-dir", dir.path(), "--zone", zone, "--now",
                          std::to_string(kNow), "--envelope-from-headers",
                          source_path("examples/messages/contoso-via-list.eml")});
  auto v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["compauth"]["signals"], nlohmann::json::array({"known-correspondent"})) << r.out;
}

}  // namespace
}  // namespace authguard::testing
