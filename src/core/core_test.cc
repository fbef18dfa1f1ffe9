// core_test.cc: DomainName, IpAddress, string helpers, durations and log
// formatting.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/domain.h"
#include "core/ip.h"
#include "core/log.h"
#include "core/strings.h"

namespace authguard {
namespace {

TEST(DomainName, CaseInsensitiveAndTrailingDot) {
  auto a = DomainName::parse("Mail.Example.COM.");
  auto b = DomainName::parse("mail.example.com");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->str(), "Mail.Example.COM");
  EXPECT_EQ(a->lower(), "mail.example.com");
  EXPECT_EQ(a->label_count(), 3u);
  EXPECT_EQ(a->parent().str(), "Example.COM");
  EXPECT_EQ(a->suffix(2).str(), "Example.COM");
  EXPECT_TRUE(a->is_subdomain_of(*DomainName::parse("EXAMPLE.com")));
  EXPECT_FALSE(DomainName::parse("badexample.com")->is_subdomain_of(*DomainName::parse("example.com")));
}

TEST(DomainName, LimitsAndCharacters) {
  std::string label63(63, 'a');
  EXPECT_TRUE(DomainName::parse(label63 + ".example").has_value());
  EXPECT_FALSE(DomainName::parse(label63 + "a.example").has_value());
  std::string long_name;
  while (long_name.size() < 251) long_name += "abcdefghi.";
  long_name += "com";  // 263 > 253
  EXPECT_FALSE(DomainName::parse(long_name).has_value());
  EXPECT_FALSE(DomainName::parse("").has_value());
  EXPECT_FALSE(DomainName::parse("a..b").has_value());
  EXPECT_FALSE(DomainName::parse("a b.example").has_value());
  EXPECT_FALSE(DomainName::parse("a@b.example").has_value());
  EXPECT_TRUE(DomainName::parse("_dmarc.xn--bcher-kva.example").has_value());
  EXPECT_EQ(DomainName::parse("XN--BCHER-KVA.example")->str(), "XN--BCHER-KVA.example");
}

TEST(IpAddress, ParseFormatAndMapped) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->str(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("2001:DB8::1")->str(), "2001:db8::1");
  auto mapped = IpAddress::parse("::ffff:192.0.2.7");
  ASSERT_TRUE(mapped.has_value());
  EXPECT_TRUE(mapped->is_v4());
  EXPECT_EQ(mapped->str(), "192.0.2.7");
  EXPECT_FALSE(IpAddress::parse("192.0.2.256").has_value());
  EXPECT_FALSE(IpAddress::parse("").has_value());
  EXPECT_FALSE(IpAddress::parse(std::string(100, '1')).has_value());
}

TEST(IpAddress, ReverseAndDotted) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->reverse_name(), "1.2.0.192.in-addr.arpa");
  auto v6 = IpAddress::parse("2001:db8::1");
  EXPECT_EQ(v6->reverse_name(),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(v6->dotted(), "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1");
}

TEST(IpAddress, CidrEdges) {
  auto ip = *IpAddress::parse("192.0.2.130");
  EXPECT_TRUE(ip.in_network(*IpAddress::parse("192.0.2.128"), 25));
  EXPECT_FALSE(ip.in_network(*IpAddress::parse("192.0.2.0"), 25));
  EXPECT_TRUE(ip.in_network(*IpAddress::parse("0.0.0.0"), 0));
  EXPECT_TRUE(ip.in_network(ip, 32));
  EXPECT_FALSE(ip.in_network(ip, 33));
  auto v6 = *IpAddress::parse("2001:db8:ffff::1");
  EXPECT_TRUE(v6.in_network(*IpAddress::parse("2001:db8::"), 32));
  EXPECT_FALSE(v6.in_network(*IpAddress::parse("2001:db8::"), 33));
  EXPECT_TRUE(v6.in_network(*IpAddress::parse("::"), 0));
  EXPECT_FALSE(v6.in_network(*IpAddress::parse("192.0.2.0"), 0));  // family differs
}

TEST(Strings, Helpers) {
  EXPECT_TRUE(iequals("DKIM-Signature", "dkim-signature"));
  EXPECT_FALSE(iequals("a", "ab"));
  EXPECT_EQ(trim(" \t x y \r\n"), "x y");
  EXPECT_EQ(strip_whitespace("ab c\r\n\td"), "abcd");
  EXPECT_EQ(split("a;b;;c", ';').size(), 4u);
  unsigned long long v = 0;
  EXPECT_TRUE(parse_uint64("12345", v));
  EXPECT_EQ(v, 12345u);
  EXPECT_FALSE(parse_uint64("99999999999999999999999", v));
  EXPECT_FALSE(parse_uint64("12a", v));
  EXPECT_EQ(IHash{}("ABC"), IHash{}("abc"));
  EXPECT_EQ(quoted_string(R"(a "b" \c)"), R"("a \"b\" \\c")");
  EXPECT_EQ(escaped_comment("x (y) \\"), R"(x \(y\) \\)");
}

TEST(Log, KeyValueFormattingQuotesAndStripsControls) {
  EXPECT_EQ(log::format("dns.query", {{"name", "example.com"}, {"type", "TXT"}}),
            "event=dns.query name=example.com type=TXT");
  EXPECT_EQ(log::format("x", {{"reason", "a b \"c\""}}), "event=x reason=\"a b \\\"c\\\"\"");
  EXPECT_EQ(log::format("x", {{"v", "line\r\nevent=forged"}}), "event=x v=\"line  event=forged\"");
  EXPECT_FALSE(log::init("stderr", "loud").has_value());
  EXPECT_FALSE(log::init("file", "info").has_value());
  // enabled() follows the level, so a caller can skip building a field.
  ASSERT_TRUE(log::init("stderr", "warn").has_value());
  EXPECT_FALSE(log::enabled(log::Level::kInfo));
  EXPECT_TRUE(log::enabled(log::Level::kWarn));
  ASSERT_TRUE(log::init("stderr", "debug").has_value());
  EXPECT_TRUE(log::enabled(log::Level::kDebug));
  EXPECT_FALSE(log::enabled(log::Level::kTrace));
  ASSERT_TRUE(log::init("stderr", "info").has_value());  // the default again
}

TEST(Duration, UnitsAndBareSeconds) {
  EXPECT_EQ(parse_duration("30m").value_or(-1), 1800);
  EXPECT_EQ(parse_duration("24h").value_or(-1), 86400);
  EXPECT_EQ(parse_duration("7d").value_or(-1), 7 * 86400);
  EXPECT_EQ(parse_duration("2w").value_or(-1), 14 * 86400);
  EXPECT_EQ(parse_duration("90").value_or(-1), 90);
  EXPECT_EQ(parse_duration("45s").value_or(-1), 45);
  EXPECT_EQ(parse_duration("0").value_or(-1), 0);
  EXPECT_EQ(parse_duration("36500d").value_or(-1), kMaxDurationSeconds);
}

TEST(Duration, BadInputNamesTheText) {
  for (const char* bad : {"", "d", "-1d", "+1d", "1.5d", "1 d", " 1d", "1d ", "1y", "1D", "1dd",
                          "1h30m", "x", "36501d", "99999999999999999999", "18446744073709551615s"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_NE(r.error().message.find(std::string("'") + bad + "'"), std::string::npos)
        << r.error().message;
  }
}

TEST(Strings, UnbracketedEnvelopeAddresses) {
  EXPECT_EQ(unbracketed("<a@example.com>"), "a@example.com");
  EXPECT_EQ(unbracketed(" a@example.com "), "a@example.com");
  EXPECT_EQ(unbracketed("<>"), "");
  EXPECT_EQ(unbracketed(""), "");
  EXPECT_EQ(unbracketed("< a@example.com >"), "a@example.com");
  EXPECT_EQ(unbracketed("<a@example.com"), "<a@example.com");  // not a pair: as given
  EXPECT_EQ(unbracketed("a@example.com>\r\nDATA"), "a@example.com>\r\nDATA");
}

}  // namespace
}  // namespace authguard
