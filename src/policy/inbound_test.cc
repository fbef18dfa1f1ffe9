// inbound_test.cc: the verdict's use of the history store: never consulted
// when compauth would not read it, and a failing store makes the verdict
// temporary instead of silently judging without history.
#include <gtest/gtest.h>

#include <fstream>

#include "core/clock.h"
#include "dns/zone_resolver.h"
#include "policy/inbound.h"
#include "quarantine/release.h"
#include "support/run.h"

namespace authguard::policy {
namespace {

constexpr UnixTime kNow = 1764482500;

std::string file(const std::string& relative) { return testing::read_file(testing::source_path(relative)); }

// A history store that answers from fixed stats, or fails, and counts calls.
class FakeHistory final : public history::HistoryStore {
 public:
  bool failing = false;
  int calls = 0;
  Result<void> record_pass(std::string_view, std::string_view, UnixTime) override { return {}; }
  Result<history::SenderStats> sender(std::string_view, std::string_view, UnixTime, unsigned) override {
    ++calls;
    if (failing) return fail(ErrorKind::kTemporary, "history store: database is locked");
    history::SenderStats s;
    s.known = true;
    s.messages = 3;
    s.days = 2;
    return s;
  }
  Result<void> penalize(std::string_view, std::string_view, UnixTime) override { return {}; }
  Result<void> reward(std::string_view, std::string_view, UnixTime) override { return {}; }
  Result<void> record_recipient(std::string_view, UnixTime) override { return {}; }
  Result<void> record_recipients(const std::vector<std::string>&, UnixTime) override { return {}; }
  Result<bool> known_recipient(std::string_view) override { return false; }
  Result<bool> known_recipient_domain(std::string_view) override {
    ++calls;
    if (failing) return fail(ErrorKind::kTemporary, "history store: database is locked");
    return false;
  }
};

// The demo zone, a clock at kNow and the default configuration for
// mx.example.net: what every verdict here runs on.
struct DemoSetup {
  std::unique_ptr<dns::ZoneResolver> zone;
  FixedClock clock{kNow};
  Config cfg = default_config();
  DemoSetup() {
    static const std::string zone_text = file("examples/demo.zone");
    auto loaded = dns::ZoneResolver::load_text(zone_text, "demo.zone");
    EXPECT_TRUE(loaded.has_value());
    if (loaded) zone = std::move(*loaded);
    cfg.authserv_id = "mx.example.net";
  }
};

InboundVerdict check(const std::string& message_file, history::HistoryStore& history) {
  DemoSetup demo;
  InboundChecker checker(*demo.zone, demo.clock, demo.cfg, &history);
  const std::string bytes = file("examples/messages/" + message_file);
  auto m = Message::parse(bytes);
  EXPECT_TRUE(m.has_value());
  auto env = envelope_from_headers(*m);
  EXPECT_TRUE(env.has_value());
  return checker.check(*m, *env);
}

TEST(Inbound, HistoryIsNotReadWhenDmarcPasses) {
  FakeHistory h;
  h.failing = true;  // would make the verdict temporary if it were read
  auto v = check("contoso-newsletter.eml", h);
  EXPECT_EQ(v.dmarc.result, dmarc::DmarcResult::kPass);
  EXPECT_EQ(h.calls, 0);
  EXPECT_TRUE(v.temporary_error.empty());
}

TEST(Inbound, HistoryOverridesAListRelayedFailure) {
  FakeHistory h;
  auto v = check("contoso-via-list.eml", h);
  EXPECT_GT(h.calls, 0);
  EXPECT_EQ(v.dmarc.action, "oreject");
  EXPECT_TRUE(v.temporary_error.empty());
}

TEST(Inbound, AFailingHistoryStoreMakesTheVerdictTemporary) {
  FakeHistory h;
  h.failing = true;
  auto v = check("contoso-via-list.eml", h);
  EXPECT_NE(v.temporary_error.find("database is locked"), std::string::npos) << v.temporary_error;
  EXPECT_EQ(v.dmarc.action, "reject");  // no override on missing data
}

// A released message comes back with our marker: a valid one makes it
// deliver whatever DMARC and the rules say; a forged or stale one changes
// nothing.
TEST(Inbound, ReleaseMarkerIsHonouredOnlyWhenGenuineAndFresh) {
  DemoSetup demo;
  ASSERT_NE(demo.zone, nullptr);
  const std::string key(quarantine::kReleaseKeyBytes, 'k');
  const std::string bytes = file("examples/messages/contoso-spoof.eml");
  auto verdict = [&](const std::string& marker) {
    InboundChecker checker(*demo.zone, demo.clock, demo.cfg);
    checker.honour_release_markers(key, 3600);
    std::string text = marker.empty() ? bytes : "Authguard-Release: " + marker + "\r\n" + bytes;
    auto m = Message::parse(text);
    EXPECT_TRUE(m.has_value());
    auto env = envelope_from_headers(*m);
    EXPECT_TRUE(env.has_value());
    return checker.check(*m, *env);
  };
  auto plain = verdict("");
  EXPECT_EQ(plain.rules.disposition, Disposition::kReject);
  EXPECT_EQ(plain.release, "");

  const std::string body = std::string(Message::parse(bytes)->body());
  auto released = verdict(quarantine::release_marker(key, "00000000000000aa", body, kNow - 60));
  EXPECT_EQ(released.release, "valid");
  EXPECT_EQ(released.released_id, "00000000000000aa");
  EXPECT_EQ(released.rules.disposition, Disposition::kDeliver);
  EXPECT_EQ(released.dmarc.action, "reject");  // the verdict itself is not changed

  for (const std::string& bad :
       {quarantine::release_marker(std::string(32, 'x'), "00000000000000aa", body, kNow - 60),  // foreign key
        quarantine::release_marker(key, "00000000000000aa", body, kNow - 7200),                 // stale
        quarantine::release_marker(key, "00000000000000aa", "another body\r\n", kNow - 60),   // other message
        std::string("v=1; id=00000000000000aa; t=1; mac=AAAA")}) {
    auto v = verdict(bad);
    EXPECT_EQ(v.release, "invalid") << bad;
    EXPECT_EQ(v.rules.disposition, Disposition::kReject) << bad;
  }
}

}  // namespace
}  // namespace authguard::policy
