// explain_test.cc: Authentication-Results in plain words: Microsoft 365's
// fields (no authserv-id, oreject, compauth reasons), authguard's own, several
// fields, none, and fields too broken to parse.
#include "explain/explain.h"

#include <gtest/gtest.h>

#include <string>

namespace authguard::explain {
namespace {

constexpr const char* kMicrosoft =
    "Authentication-Results: spf=pass (sender IP is 192.0.2.1)\r\n"
    " smtp.mailfrom=contoso.com; dkim=none (message not signed)\r\n"
    " header.d=none;dmarc=fail action=oreject header.from=contoso.com;compauth=none reason=451\r\n";

constexpr const char* kOwn =
    "Authentication-Results: mx.example.net; spf=fail smtp.mailfrom=contoso.example;\r\n"
    " dkim=none; dmarc=fail action=oreject header.from=contoso.example;\r\n"
    " compauth=pass reason=111\r\n";

constexpr const char* kTail = "From: a@contoso.com\r\nSubject: hi\r\n\r\nbody\r\n";

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Explanation explain_bytes(const std::string& bytes, const ExplainOptions& options = {}) {
  auto m = Message::parse(bytes);
  EXPECT_TRUE(m.has_value());
  if (!m) return {};
  return explain(*m, options);
}

TEST(Explain, MicrosoftOrejectWithReason451) {
  const std::string bytes = std::string(kMicrosoft) + kTail;
  Explanation e = explain_bytes(bytes);
  ASSERT_EQ(e.headers.size(), 1u);
  const HeaderExplanation& h = e.headers[0];
  EXPECT_TRUE(h.parsed);
  EXPECT_EQ(h.authserv_id, kNoAuthservId);
  ASSERT_EQ(h.results.size(), 4u);
  EXPECT_EQ(h.results[2].method, "dmarc");
  EXPECT_EQ(h.results[2].result, "fail");
  EXPECT_TRUE(contains(e.summary, "DMARC failed")) << e.summary;
  EXPECT_TRUE(contains(e.summary, "contoso.com asks for reject")) << e.summary;
  EXPECT_TRUE(contains(e.summary, "overrode it (oreject)")) << e.summary;
  EXPECT_TRUE(contains(e.summary, "451")) << e.summary;
  EXPECT_TRUE(contains(e.summary, "bypassed")) << e.summary;  // the 4xx family
  ASSERT_EQ(h.sentences.size(), 5u);  // spf, dkim, dmarc + its action, compauth
  EXPECT_TRUE(contains(h.sentences[0], "SPF passed")) << h.sentences[0];
  EXPECT_TRUE(contains(h.sentences[1], "not signed")) << h.sentences[1];
}

TEST(Explain, OwnHeaderCompauthPass111) {
  const std::string bytes = std::string(kOwn) + kTail;
  // Without our authserv-id only the family is described.
  Explanation e = explain_bytes(bytes);
  ASSERT_EQ(e.headers.size(), 1u);
  EXPECT_EQ(e.headers[0].authserv_id, "mx.example.net");
  EXPECT_TRUE(contains(e.summary, "overrode it (oreject) because composite authentication passed"))
      << e.summary;
  EXPECT_TRUE(contains(e.summary, "reason 111: the 1xx family")) << e.summary;
  // With it, authguard's own meaning of 111.
  ExplainOptions own;
  own.own_authserv_id = "MX.example.net";
  Explanation o = explain_bytes(bytes, own);
  EXPECT_TRUE(contains(o.summary, "reason 111: sender history")) << o.summary;
  EXPECT_TRUE(contains(o.headers[0].sentences[0], "SPF failed")) << o.headers[0].sentences[0];
}

TEST(Explain, DmarcPass) {
  const std::string bytes =
      "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.com;\r\n"
      " dkim=pass header.d=example.com header.s=sel1; dmarc=pass header.from=example.com\r\n" +
      std::string(kTail);
  Explanation e = explain_bytes(bytes);
  ASSERT_EQ(e.headers.size(), 1u);
  EXPECT_TRUE(contains(e.summary, "DMARC passed for example.com")) << e.summary;
  EXPECT_TRUE(contains(e.headers[0].sentences[1], "valid signature from example.com (selector sel1)"))
      << e.headers[0].sentences[1];
}

TEST(Explain, NoHeader) {
  Explanation e = explain_bytes(kTail);
  EXPECT_TRUE(e.headers.empty());
  EXPECT_TRUE(contains(e.summary, "no Authentication-Results")) << e.summary;
}

TEST(Explain, MalformedHeaderIsReportedNotFatal) {
  // Topmost: a broken field (unterminated comment); below it, a good one.
  const std::string bytes = "Authentication-Results: mx.broken.example; spf=pass (oops\r\n" +
                            std::string(kMicrosoft) + kTail;
  Explanation e = explain_bytes(bytes);
  ASSERT_EQ(e.headers.size(), 2u);
  EXPECT_FALSE(e.headers[0].parsed);
  EXPECT_FALSE(e.headers[0].error.empty());
  EXPECT_EQ(e.headers[0].authserv_id, "mx.broken.example");
  EXPECT_TRUE(e.headers[1].parsed);
  // The summary comes from the first field that parsed, and counts the broken one.
  EXPECT_TRUE(contains(e.summary, "oreject")) << e.summary;
  EXPECT_TRUE(contains(e.summary, "1 other Authentication-Results field was unreadable"))
      << e.summary;

  Explanation only_broken = explain_bytes("Authentication-Results: x; spf=pass (open\r\n\r\n");
  ASSERT_EQ(only_broken.headers.size(), 1u);
  EXPECT_FALSE(only_broken.headers[0].parsed);
  EXPECT_TRUE(contains(only_broken.summary, "could be parsed")) << only_broken.summary;
}

TEST(Explain, DmarcActions) {
  auto summary_for = [](const std::string& field) {
    return explain_field(field).summary;
  };
  EXPECT_TRUE(contains(summary_for("dmarc=fail action=reject header.from=a.example"),
                       "a.example asks for reject, and the receiver applied it"));
  EXPECT_TRUE(contains(summary_for("dmarc=fail action=quarantine header.from=a.example"),
                       "asks for quarantine, and the receiver applied it"));
  EXPECT_TRUE(contains(summary_for("dmarc=fail action=oquarantine header.from=a.example"),
                       "overrode it (oquarantine)"));
  EXPECT_TRUE(contains(summary_for("dmarc=fail action=pct.quarantine header.from=a.example"),
                       "pct="));
  EXPECT_TRUE(contains(summary_for("dmarc=fail action=none header.from=a.example"),
                       "no DMARC action"));
  EXPECT_TRUE(contains(summary_for("dmarc=bestguesspass action=none header.from=a.example"),
                       "no DMARC policy"));
  EXPECT_TRUE(contains(summary_for("mx.example.net; none"), "no authentication results"));
}

TEST(Explain, CompauthReasonFamilies) {
  EXPECT_TRUE(contains(describe_compauth_reason("000", false), "explicit failure"));
  EXPECT_TRUE(contains(describe_compauth_reason("001", false), "implicit failure"));
  EXPECT_TRUE(contains(describe_compauth_reason("002", false), "blocked"));
  EXPECT_TRUE(contains(describe_compauth_reason("010", false), "intra-organization"));
  EXPECT_TRUE(contains(describe_compauth_reason("130", false), "ARC"));
  EXPECT_TRUE(contains(describe_compauth_reason("250", false), "soft pass"));
  EXPECT_TRUE(contains(describe_compauth_reason("399", false), "not checked"));
  EXPECT_TRUE(contains(describe_compauth_reason("601", false), "6xx family"));
  EXPECT_TRUE(contains(describe_compauth_reason("601", true), "no DMARC record"));
  EXPECT_TRUE(contains(describe_compauth_reason("x", false), "unknown"));
}

}  // namespace
}  // namespace authguard::explain
