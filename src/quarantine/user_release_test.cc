// user_release_test.cc: release tokens, finding a request in a message's
// text, who a token authorizes, and the digest's text.
#include <gtest/gtest.h>

#include "quarantine/report.h"
#include "quarantine/user_release.h"

namespace authguard::quarantine {
namespace {

constexpr UnixTime kT0 = 1699920000;
const std::string kKey(32, 'k');

QuarantineEntry held(std::string policy = std::string(kPolicyUserRelease)) {
  QuarantineEntry e;
  e.id = "3f9a0c1d2e4b5a69";
  e.received = kT0;
  e.expires = kT0 + 30 * 86400;
  e.mail_from = "news@contoso.example";
  e.from_addr = "news@contoso.example";
  e.recipients = {"alice@ours.example", "Bob@Ours.Example"};
  e.subject = "November update";
  e.policy = std::move(policy);
  return e;
}

TEST(ReleaseToken, ShapedAndBoundToMessageRecipientAndKey) {
  std::string t = release_token(kKey, "3f9a0c1d2e4b5a69", 1, "bob@ours.example");
  ASSERT_EQ(t.size(), 2u + 43u);
  EXPECT_TRUE(t.starts_with("1."));
  EXPECT_EQ(t.find_first_not_of("0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"),
            std::string::npos)
      << t;
  EXPECT_EQ(t, release_token(kKey, "3F9A0C1D2E4B5A69", 1, "BOB@ours.example"));  // case does not matter
  EXPECT_NE(t, release_token(kKey, "3f9a0c1d2e4b5a6a", 1, "bob@ours.example"));
  EXPECT_NE(t, release_token(kKey, "3f9a0c1d2e4b5a69", 1, "alice@ours.example"));
  EXPECT_NE(t, release_token(std::string(32, 'j'), "3f9a0c1d2e4b5a69", 1, "bob@ours.example"));
  // The mac does not depend on the index; the index picks the recipient.
  EXPECT_EQ(t.substr(1), release_token(kKey, "3f9a0c1d2e4b5a69", 0, "bob@ours.example").substr(1));
}

TEST(ReleaseRequest, FoundInASubjectOrBodyAnywhere) {
  std::string token = release_token(kKey, "3f9a0c1d2e4b5a69", 0, "alice@ours.example");
  for (const std::string& text : std::vector<std::string>{"release 3f9a0c1d2e4b5a69 " + token, "Re: release 3f9a0c1d2e4b5a69 " + token,
                           "RELEASE: 3F9A0C1D2E4B5A69 " + token + " thanks",
                           "Hello,\r\n\r\n> release 3f9a0c1d2e4b5a69\r\n> " + token + "\r\n",
                           "release\t3f9a0c1d2e4b5a69\t" + token}) {
    auto r = find_release_request(text);
    ASSERT_TRUE(r.has_value()) << text;
    EXPECT_EQ(r->id, "3f9a0c1d2e4b5a69");
    EXPECT_EQ(r->token, token);
  }
  // The first well-formed request wins; malformed words before it do not.
  auto second = find_release_request("release nothing here release 3f9a0c1d2e4b5a69 " + token +
                                     " release 00000000000000aa " + token);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, "3f9a0c1d2e4b5a69");
  EXPECT_EQ(second->token, token);
}

TEST(ReleaseRequest, MalformedOrOutOfReachIsNone) {
  std::string mac(43, 'A');
  for (const std::string& text : std::vector<std::string>{std::string(), "release", "release 3f9a0c1d2e4b5a69",
                           "release 3f9a0c1d2e4b5a6 0." + mac,          // 15 digits
                           "release 3f9a0c1d2e4b5a6g 0." + mac,         // not hex
                           "release 3f9a0c1d2e4b5a69 0." + mac + "A",   // 44 characters
                           "release 3f9a0c1d2e4b5a69 ." + mac,          // no index
                           "release 3f9a0c1d2e4b5a69 12345." + mac,     // index too long
                           "release 3f9a0c1d2e4b5a69 0." + mac.substr(1) + "+",  // not base64url
                           "releases 3f9a0c1d2e4b5a69 0." + mac,
                           std::string(kMaxRequestScanBytes, ' ') + "release 3f9a0c1d2e4b5a69 0." + mac}) {
    EXPECT_FALSE(find_release_request(text).has_value()) << text.substr(0, 80);
  }
  EXPECT_TRUE(find_release_request("release 3f9a0c1d2e4b5a69 0." + mac).has_value());
}

TEST(UserRelease, TheTokenNamesTheOneRecipientItReleasesTo) {
  QuarantineEntry e = held();
  auto bob = authorize_user_release(kKey, e, release_token(kKey, e.id, 1, "bob@ours.example"), kT0 + 60);
  ASSERT_TRUE(bob.has_value()) << bob.error().message;
  EXPECT_EQ(*bob, "Bob@Ours.Example");  // as the envelope had it
  auto alice = authorize_user_release(kKey, e, release_token(kKey, e.id, 0, e.recipients[0]), kT0 + 60);
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(*alice, "alice@ours.example");
}

TEST(UserRelease, RefusedForBadTokensAdminOnlyAndExpiredMessages) {
  QuarantineEntry e = held();
  std::string good = release_token(kKey, e.id, 0, e.recipients[0]);
  auto refused = [&](const QuarantineEntry& entry, const std::string& token, std::string_view key, UnixTime now) {
    auto r = authorize_user_release(key, entry, token, now);
    return r ? ErrorKind::kInternal : r.error().kind;
  };
  EXPECT_EQ(refused(e, "1" + good.substr(1), kKey, kT0), ErrorKind::kInvalidInput);  // moved to Bob
  EXPECT_EQ(refused(e, "2" + good.substr(1), kKey, kT0), ErrorKind::kInvalidInput);  // nobody there
  EXPECT_EQ(refused(e, good, std::string(32, 'j'), kT0), ErrorKind::kInvalidInput);
  EXPECT_EQ(refused(e, good, "", kT0), ErrorKind::kInvalidInput);  // no key: nothing was ever issued
  EXPECT_EQ(refused(e, "0." + std::string(43, 'A'), kKey, kT0), ErrorKind::kInvalidInput);
  EXPECT_EQ(refused(e, "garbage", kKey, kT0), ErrorKind::kInvalidInput);
  QuarantineEntry other = e;
  other.id = "3f9a0c1d2e4b5a6a";
  EXPECT_EQ(refused(other, good, kKey, kT0), ErrorKind::kInvalidInput);
  EXPECT_EQ(refused(e, good, kKey, e.expires), ErrorKind::kNotFound);
  // admin-only: even a token that verifies does not release it.
  QuarantineEntry admin = held(std::string(kPolicyAdminOnly));
  auto r = authorize_user_release(kKey, admin, good, kT0);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("only an administrator"), std::string::npos) << r.error().message;
}

TEST(Digest, ListsEachMessageWithItsRequestAndKeepsSenderTextInline) {
  QuarantineEntry a = held();
  QuarantineEntry b = held();
  b.id = "00000000000000bb";
  b.subject = "Hi\r\nBcc: victim@example.net\r\n\r\n\x1b[31mred \xe2\x80\xae";
  std::vector<DigestItem> items = {{&a, release_token(kKey, a.id, 1, a.recipients[1])},
                                   {&b, release_token(kKey, b.id, 1, b.recipients[1])}};
  std::string m = digest_message(items,
                                 {.from = "quarantine@mx.example.net", .to = "Bob@Ours.Example",
                                  .release_address = "authguard-release@mx.example.net"},
                                 3, kT0 + 60);
  auto body_at = m.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  std::string header = m.substr(0, body_at + 2);
  EXPECT_NE(header.find("Subject: 5 messages held in quarantine for you\r\n"), std::string::npos) << header;
  EXPECT_NE(header.find("Auto-Submitted: auto-generated\r\n"), std::string::npos);
  EXPECT_EQ(header.find("Bcc:"), std::string::npos);
  EXPECT_NE(m.find("     release 3f9a0c1d2e4b5a69 " + items[0].token + "\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("mailto:authguard-release@mx.example.net?subject=release%2000000000000000bb%20" +
                   items[1].token + "\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("   Subject:  Hi??Bcc: victim@example.net?????[31mred ???\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("3 more messages are held for you"), std::string::npos);
  // Every line ends CRLF, is short enough for SMTP, and is 7-bit.
  for (std::size_t i = 0; i < m.size(); ++i) {
    ASSERT_LT(static_cast<unsigned char>(m[i]), 0x80) << i;
    if (m[i] == '\n') {
      ASSERT_EQ(m[i - 1], '\r') << i;
    }
  }
  // What the recipient sends back is found again.
  auto r = find_release_request(m.substr(m.find("     release 00000000000000bb")));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, b.id);
  EXPECT_TRUE(authorize_user_release(kKey, b, r->token, kT0 + 60).has_value());
}

}  // namespace
}  // namespace authguard::quarantine
