// quarantine_release_test.cc: the quarantine's release and report, and the
// learning loop, end to end through the built program: messages are held by
// `check --record` under the hardening rule, released through a real SMTP
// listener (Postfix's smtp-sink, started here on loopback), re-checked as the
// relay hands them back, and reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/clock.h"
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

std::string config_for(const std::string& relay, const std::string& extra = "",
                       const std::string& policy = "admin-only") {
  return "authserv_id = \"mx.example.net\"\n"
         "accepted_domains = [\"ours.example\"]\n"
         "[quarantine]\n"
         "relay = \"" + relay + "\"\n" + extra +
         "[[rules]]\n"
         "name = \"quarantine-dmarc-oreject\"\n"
         "priority = 1\n"
         "conditions = [{ header = \"Authentication-Results\", matches = \"dmarc=fail action=oreject\" }]\n"
         "actions = [{ quarantine = \"" + policy + "\" }]\n";
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

// Recipients releasing their own mail (policy user-release): a digest per
// recipient through the relay, a request piped back in, the release to that
// one recipient.
class UserRelease : public Held {
 protected:
  void SetUp() override {
    Held::SetUp();
    write_config(config_for(sink.url(), "release_address = \"authguard-release@mx.example.net\"\n",
                            "user-release"));
  }

  // The digest mailed to `rcpt`, from smtp-sink's dumps.
  std::string digest_for(const std::string& rcpt, std::size_t at_least) {
    for (const auto& dump : sink.messages(at_least)) {
      if (dump.find("X-Rcpt-Args: <" + rcpt + ">") != std::string::npos) return without_cr(sink_message(dump));
    }
    return {};
  }

  // The request line a digest gives for message `id`.
  static std::string request_line(const std::string& digest, const std::string& id) {
    auto at = digest.find("     release " + id + " ");
    if (at == std::string::npos) return {};
    auto end = digest.find('\n', at);
    return digest.substr(at + 5, end - at - 5);
  }

  RunResult request(const std::string& subject, std::int64_t t, const std::string& extra_header = "") {
    std::string message = "From: Bob <bob@ours.example>\r\nTo: authguard-release@mx.example.net\r\n" + extra_header +
                          "Subject: " + subject + "\r\n\r\nPlease.\r\n";
    return run_authguard({"quarantine", "request", "--config", cfg, "--state-dir", state, "--now",
                          std::to_string(t)},
                         message);
  }
};

TEST_F(UserRelease, DigestThenRequestReleasesToThatRecipientOnly) {
  std::string id = hold();
  ASSERT_FALSE(id.empty());
  auto n = quarantine({"notify", "--json"}, kNow + 60);
  ASSERT_EQ(n.exit_code, 0) << n.err << n.out;
  auto j = nlohmann::json::parse(n.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << n.out;
  EXPECT_EQ(j["dry_run"], false);
  ASSERT_EQ(j["digests"].size(), 2u);  // alice and bob, one digest each
  EXPECT_EQ(j["digests"][0]["recipient"], "alice@ours.example");
  EXPECT_EQ(j["digests"][0]["messages"], nlohmann::json::array({id}));
  EXPECT_EQ(j["notified"], nlohmann::json::array({id}));

  std::string bobs = digest_for("bob@ours.example", 2);
  ASSERT_FALSE(bobs.empty());
  EXPECT_NE(bobs.find("From: authguard quarantine <quarantine@mx.example.net>"), std::string::npos) << bobs;
  EXPECT_NE(bobs.find("Auto-Submitted: auto-generated"), std::string::npos);
  EXPECT_NE(bobs.find("Subject: 1 message held in quarantine for you"), std::string::npos);
  EXPECT_NE(bobs.find("1. From:     news@contoso.example\n   Subject:  November update\n"), std::string::npos)
      << bobs;
  EXPECT_NE(bobs.find("mailto:authguard-release@mx.example.net?subject=release%20" + id + "%20"),
            std::string::npos);
  for (const auto& dump : sink.messages(2)) EXPECT_NE(dump.find("X-Mail-Args: <>"), std::string::npos) << dump;
  std::string line = request_line(bobs, id);
  ASSERT_FALSE(line.empty()) << bobs;
  // Alice's token is another: each binds its recipient.
  EXPECT_NE(request_line(digest_for("alice@ours.example", 2), id), line);

  // A second run lists nothing again.
  auto again = quarantine({"notify", "--json"}, kNow + 120);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["digests"].size(), 0u);
  EXPECT_EQ(sink.messages().size(), 2u);

  // Bob answers (his mail client adds "Re: "); the message goes to him alone.
  auto r = request("Re: " + line, kNow + 300);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("released " + id + " to bob@ours.example via "), std::string::npos) << r.out;
  auto mail = sink.messages(3);
  ASSERT_EQ(mail.size(), 3u);
  auto released = std::find_if(mail.begin(), mail.end(), [](const std::string& dump) {
    return dump.find("\nAuthguard-Release: ") != std::string::npos;
  });
  ASSERT_NE(released, mail.end());
  EXPECT_NE(released->find("X-Rcpt-Args: <bob@ours.example>"), std::string::npos) << *released;
  EXPECT_EQ(released->find("alice@ours.example>"), std::string::npos) << *released;
  // The released copy carries a marker the verdict honours.
  auto v = recheck(sink_message(*released), kNow + 330);
  EXPECT_EQ(v["release"]["marker"], "valid") << v.dump();
  EXPECT_EQ(v["disposition"], "deliver");
  auto held = listed();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0]["policy"], "user-release");
  EXPECT_FALSE(held[0]["released"].is_null());
  EXPECT_EQ(held[0]["notified"], iso8601(kNow + 60));
}

TEST_F(UserRelease, ARecipientsReleaseTeachesNoHistory) {
  std::string id = hold();
  ASSERT_EQ(quarantine({"notify"}, kNow + 60).exit_code, 0);
  std::string line = request_line(digest_for("alice@ours.example", 2), id);
  ASSERT_FALSE(line.empty());
  auto r = request(line, kNow + 300);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("released " + id + " to alice@ours.example"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("history:"), std::string::npos) << r.out;
}

TEST_F(UserRelease, BadRequestsAreRefusedWithSysexitsCodes) {
  std::string id = hold();
  ASSERT_EQ(quarantine({"notify"}, kNow + 60).exit_code, 0);
  std::string line = request_line(digest_for("alice@ours.example", 2), id);
  ASSERT_FALSE(line.empty());
  const std::string token = line.substr(line.rfind(' ') + 1);

  auto none = request("please let my mail through", kNow + 300);
  EXPECT_EQ(none.exit_code, 65) << none.err;  // EX_DATAERR
  EXPECT_NE(none.err.find("no release request found"), std::string::npos) << none.err;

  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  auto bad = request("release " + id + " " + forged, kNow + 300);
  EXPECT_EQ(bad.exit_code, 77) << bad.err;  // EX_NOPERM
  EXPECT_NE(bad.err.find("the release token is not valid"), std::string::npos) << bad.err;

  // Alice's token names her place in the envelope; moved to Bob's, it fails.
  auto moved = request("release " + id + " 1" + token.substr(token.find('.')), kNow + 300);
  EXPECT_EQ(moved.exit_code, 77) << moved.err;

  auto unknown = request("release 0123456789abcdef " + token, kNow + 300);
  EXPECT_EQ(unknown.exit_code, 65) << unknown.err;

  // An automatic message never acts, even with a good request in it.
  auto automatic = request(line, kNow + 300, "Auto-Submitted: auto-replied\r\n");
  EXPECT_EQ(automatic.exit_code, 0) << automatic.err;
  EXPECT_NE(automatic.out.find("ignored"), std::string::npos);

  // After its expiry (30 days), the message is gone for the token too.
  auto late = request(line, kNow + 31 * 86400);
  EXPECT_EQ(late.exit_code, 65) << late.err;
  EXPECT_NE(late.err.find("expired"), std::string::npos) << late.err;

  EXPECT_EQ(sink.messages().size(), 2u) << "nothing was released";
  EXPECT_TRUE(listed()[0]["released"].is_null());
}

TEST_F(UserRelease, AdminOnlyMessagesAreNeverInADigest) {
  write_config(config_for(sink.url(), "release_address = \"authguard-release@mx.example.net\"\n"));
  ASSERT_FALSE(hold().empty());
  auto n = quarantine({"notify", "--json"}, kNow + 60);
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_EQ(nlohmann::json::parse(n.out)["digests"].size(), 0u);
  EXPECT_EQ(sink.messages().size(), 0u);
}

TEST_F(UserRelease, ARelayThatIsDownLeavesTheMessageToNotifyAgain) {
  std::string id = hold();
  sink.stop();
  auto n = quarantine({"notify"}, kNow + 60);
  EXPECT_EQ(n.exit_code, 3) << n.err;
  ASSERT_TRUE(sink.start()) << sink.error();
  write_config(config_for(sink.url(), "release_address = \"authguard-release@mx.example.net\"\n",
                          "user-release"));
  auto dry = quarantine({"notify", "--dry-run"}, kNow + 90);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would notify alice@ours.example: 1 message(s)"), std::string::npos) << dry.out;
  EXPECT_EQ(sink.messages().size(), 0u);
  auto later = quarantine({"notify", "--json"}, kNow + 120);
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(nlohmann::json::parse(later.out)["notified"], nlohmann::json::array({id}));
}

TEST_F(UserRelease, NotifyNeedsAReleaseAddress) {
  write_config(config_for(sink.url(), "", "user-release"));
  auto n = quarantine({"notify"}, kNow);
  EXPECT_EQ(n.exit_code, 2);
  EXPECT_NE(n.err.find("release_address"), std::string::npos) << n.err;
}

}  // namespace
}  // namespace authguard::testing
