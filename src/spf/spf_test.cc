// spf_test.cc: SPF parsing, macros, evaluation limits and header text, beyond
// what the OpenSPF suite (tests/conformance/spf_suite_test.cc) covers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "dns/cache.h"
#include "dns/zone_resolver.h"
#include "spf/header.h"
#include "spf/macro.h"
#include "spf/parse.h"
#include "spf/verify.h"
#include "support/strict_resolver.h"

namespace authguard::spf {
namespace {

using dns::RecordType;

std::unique_ptr<dns::ZoneResolver> zone(std::string_view text) {
  auto z = dns::ZoneResolver::load_text(text, "spf_test.zone");
  EXPECT_TRUE(z.has_value()) << (z ? "" : z.error().message);
  return z ? std::move(*z) : dns::ZoneResolver::empty();
}

SpfRequest request(std::string_view ip, std::string mail_from = "bob@example.com",
                   std::string helo = "mail.example.net") {
  SpfRequest r;
  r.client_ip = *IpAddress::parse(ip);
  r.mail_from = std::move(mail_from);
  r.helo = std::move(helo);
  r.receiver = "mx.receiver.example";
  return r;
}

SpfOutput check(dns::Resolver& dns, std::string_view ip, std::string mail_from = "bob@example.com",
                SpfOptions options = {}) {
  FixedClock clock(1700000000);
  Evaluator evaluator(dns, clock, std::move(options));
  return evaluator.evaluate(request(ip, std::move(mail_from)));
}

// --- record parsing ----------------------------------------------------------

TEST(SpfParse, TermsKeepTheirTextAndArguments) {
  auto r = parse_record(
      "v=spf1 +ip4:192.0.2.0/24 -ip6:2001:DB8::/32 ~a:mail.example.com/24//64 mx//48 ptr "
      "exists:%{i}.bl.example include:_spf.example.net ?all redirect=other.example "
      "exp=explain.example x-unknown=anything");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->directives.size(), 8u);
  EXPECT_EQ(r->directives[0].text, "ip4:192.0.2.0/24");
  EXPECT_EQ(r->directives[0].cidr4, 24u);
  EXPECT_EQ(r->directives[1].qualifier, Qualifier::kFail);
  EXPECT_EQ(r->directives[1].cidr6, 32u);
  EXPECT_EQ(r->directives[2].qualifier, Qualifier::kSoftfail);
  EXPECT_EQ(r->directives[2].cidr4, 24u);
  EXPECT_EQ(r->directives[2].cidr6, 64u);
  EXPECT_EQ(r->directives[2].domain->text(), "mail.example.com");
  EXPECT_EQ(r->directives[3].cidr4, 32u);
  EXPECT_EQ(r->directives[3].cidr6, 48u);
  EXPECT_FALSE(r->directives[3].domain.has_value());
  EXPECT_FALSE(r->directives[5].domain->literal_only());
  EXPECT_EQ(r->directives[7].qualifier, Qualifier::kNeutral);
  EXPECT_TRUE(r->has_all);
  EXPECT_TRUE(r->redirect.has_value());
  EXPECT_EQ(r->redirect_text, "redirect=other.example");
  EXPECT_TRUE(r->exp.has_value());
}

TEST(SpfParse, ValidRecords) {
  for (const char* text :
       {"v=spf1", "V=SPF1 ALL", "v=spf1 a  -all ", "v=spf1 moo.cow-far_out=man:dog/cat",
        "v=spf1 a:foo:bar/baz.example.com", "v=spf1 a:foo.example.xn--zckzah",
        "v=spf1 exists:%{l1r+-}.%{d2}", "v=spf1 ip6:::1.1.1.1/0 ip4:0.0.0.0/0",
        "v=spf1 redirect=%{d}.d.spf.example.com.", "v=spf1 default=+"}) {
    EXPECT_TRUE(parse_record(text).has_value()) << text;
  }
}

TEST(SpfParse, SyntaxErrorsAnywhere) {
  for (const char* text :
       {"v=spf1 -all moo", "v=spf1 a/33", "v=spf1 a//129", "v=spf1 a/24/64", "v=spf1 ip4:1.2.3",
        "v=spf1 ip4:1.2.3.4/032", "v=spf1 ip4:1.2.3.4//32", "v=spf1 ip4:01.2.3.4",
        "v=spf1 ip6::CAFE::BABE", "v=spf1 redirect=a.example redirect=b.example",
        "v=spf1 exp=a.example exp=b.example", "v=spf1 exp=", "v=spf1 a:museum", "v=spf1 a:museum.",
        "v=spf1 a:abc.123", "v=spf1 a:example.-com", "v=spf1 ptr/0", "v=spf1 foo=%x",
        "v=spf1 include", "v=spf1 include:", "v=spf1 exists:a.example/24", "v=spf1\ta",
        "v=spf1 a\tmx", "v=spf1 a:ex\xc3\xa9mple.com", "v=spf1 -", "v=spf1 all.", "v=spf1 -all:x",
        "v=spf1 exists:%{c}.example.com", "v=spf1 exists:%{d0}.example.com", "v=spf1 1up=foo",
        "v=spf1 =all", "v=spf1 redirect:example.com", "v=spf1 +redirect=example.com",
        "v=spf1 a:%{x}.example.com", "v=spf1 a:foo%.example.com", "v=spf1 a:%(ir).example.com"}) {
    auto r = parse_record(text);
    EXPECT_FALSE(r.has_value()) << text;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << text;
    }
  }
}

TEST(SpfParse, RecordSelectionNeedsVersionThenSpaceOrEnd) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SpF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10"));
  EXPECT_FALSE(is_spf_record("v=spf1mx"));
  EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf1\t-all"));
}

TEST(SpfParse, LimitsOnLengthAndTerms) {
  SpfLimits limits;
  std::string record = "v=spf1";
  while (record.size() <= limits.max_record_bytes) record += " ip4:192.0.2.1";
  auto too_long = parse_record(record, limits);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().kind, ErrorKind::kLimitExceeded);

  limits.max_terms = 3;
  EXPECT_TRUE(parse_record("v=spf1 a mx -all", limits).has_value());
  auto too_many = parse_record("v=spf1 a mx ptr -all", limits);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().kind, ErrorKind::kLimitExceeded);
}

// --- macros --------------------------------------------------------------------

// RFC 7208 §7.4: sender strong-bad@email.example.com, client 192.0.2.3 or
// 2001:db8::cb01.
TEST(SpfMacro, Rfc7208Examples) {
  const IpAddress v4 = *IpAddress::parse("192.0.2.3");
  const IpAddress v6 = *IpAddress::parse("2001:db8::cb01");
  const std::string v4_dotted = v4.dotted();
  const std::string v6_dotted = v6.dotted();
  MacroValues values;
  values.sender = "strong-bad@email.example.com";
  values.local_part = "strong-bad";
  values.sender_domain = "email.example.com";
  values.domain = "email.example.com";
  values.ip_dotted = v4_dotted;
  values.ip_text = "192.0.2.3";
  values.helo = "mx.example.org";
  values.receiver = "receiver.example";
  values.now = 1700000000;
  struct Row {
    const char* macro;
    const char* expansion;
  };
  const Row rows[] = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
      // Upper case: URL-escaped (§7.3); the escapes %% %_ %-.
      {"%{S}", "strong-bad%40email.example.com"},
      {"%{L}.%{H}", "strong-bad.mx.example.org"},
      {"a%%b%_c%-d", "a%b c%20d"},
      {"%{l+-}", "strong.bad"},
      {"%{d99}", "email.example.com"},
      // Explanation-only letters.
      {"%{c} %{r} %{t}", "192.0.2.3 receiver.example 1700000000"},
  };
  for (const Row& row : rows) {
    auto m = parse_macro_string(row.macro, MacroUse::kExplanation);
    ASSERT_TRUE(m.has_value()) << row.macro << ": " << m.error().message;
    std::string out;
    ASSERT_TRUE(expand_macro(*m, values, 4096, out)) << row.macro;
    EXPECT_EQ(out, row.expansion) << row.macro;
  }
  values.ip_dotted = v6_dotted;
  values.ipv6 = true;
  auto m = parse_domain_spec("%{ir}.%{v}._spf.%{d2}");
  ASSERT_TRUE(m.has_value());
  std::string out;
  ASSERT_TRUE(expand_macro(*m, values, 4096, out));
  EXPECT_EQ(out,
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(SpfMacro, WhereLettersAreAllowed) {
  EXPECT_FALSE(parse_macro_string("%{c}", MacroUse::kDomainSpec).has_value());
  EXPECT_FALSE(parse_macro_string("%{r}", MacroUse::kModifier).has_value());
  EXPECT_TRUE(parse_macro_string("%{t}", MacroUse::kExplanation).has_value());
  EXPECT_FALSE(parse_macro_string("a b", MacroUse::kModifier).has_value());
  EXPECT_TRUE(parse_macro_string("a b", MacroUse::kExplanation).has_value());
  EXPECT_FALSE(parse_macro_string("%", MacroUse::kExplanation).has_value());
  EXPECT_FALSE(parse_macro_string("%{", MacroUse::kExplanation).has_value());
  EXPECT_FALSE(parse_macro_string("%{}", MacroUse::kExplanation).has_value());
  EXPECT_FALSE(parse_macro_string("%{d2 }", MacroUse::kExplanation).has_value());
  EXPECT_TRUE(parse_macro_string("%{p}", MacroUse::kDomainSpec)->uses_p);
}

TEST(SpfMacro, ExpansionLimitAndDomainTruncation) {
  MacroValues values;
  std::string long_local(300, 'x');
  values.local_part = long_local;
  auto m = parse_domain_spec("%{l}.%{l}.example.com");
  ASSERT_TRUE(m.has_value());
  std::string out;
  EXPECT_FALSE(expand_macro(*m, values, 500, out));

  std::string name;
  for (int i = 0; i < 30; ++i) name += "label" + std::to_string(i) + ".";
  name += "example.com.";
  truncate_domain(name);
  EXPECT_LE(name.size(), 253u);
  EXPECT_TRUE(name.ends_with("label29.example.com"));
  EXPECT_TRUE(is_queryable_name(name));
  EXPECT_FALSE(is_queryable_name("a..b.example"));
  EXPECT_FALSE(is_queryable_name(std::string(64, 'a') + ".example"));
}

// --- evaluation ------------------------------------------------------------------

TEST(SpfEvaluate, MechanismsAndDefault) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 a:web.example.com mx -all"
web.example.com. 300 IN A 198.51.100.7
example.com. 300 IN MX 10 mx1.example.com.
example.com. 300 IN MX 20 mx2.example.com.
mx1.example.com. 300 IN A 203.0.113.1
mx2.example.com. 300 IN A 203.0.113.2
neutral.example. 300 IN TXT "v=spf1 ip4:192.0.2.1"
)");
  SpfOutput ip4 = check(*z, "192.0.2.9");
  EXPECT_EQ(ip4.result, SpfResult::kPass);
  EXPECT_EQ(ip4.mechanism, "ip4:192.0.2.0/24");
  EXPECT_EQ(ip4.domain, "example.com");
  EXPECT_EQ(ip4.scope, SpfScope::kMailFrom);
  EXPECT_EQ(ip4.dns_lookups, 1u);

  SpfOutput a = check(*z, "198.51.100.7");
  EXPECT_EQ(a.mechanism, "a:web.example.com");
  EXPECT_EQ(a.dns_lookups, 2u);

  SpfOutput mx = check(*z, "203.0.113.2");
  EXPECT_EQ(mx.result, SpfResult::kPass);
  EXPECT_EQ(mx.mechanism, "mx");
  EXPECT_EQ(mx.dns_lookups, 5u);  // TXT, A web, MX, A mx1, A mx2
  EXPECT_EQ(mx.dns_terms, 2u);

  SpfOutput fail = check(*z, "233.252.0.1");
  EXPECT_EQ(fail.result, SpfResult::kFail);
  EXPECT_EQ(fail.mechanism, "all");
  EXPECT_EQ(fail.explanation,
            "domain of example.com does not designate 233.252.0.1 as permitted sender");

  SpfOutput neutral = check(*z, "192.0.2.2", "x@neutral.example");
  EXPECT_EQ(neutral.result, SpfResult::kNeutral);
  EXPECT_EQ(neutral.mechanism, "default");
  EXPECT_TRUE(neutral.explanation.empty());

  SpfOutput none = check(*z, "192.0.2.2", "x@nothing.example");
  EXPECT_EQ(none.result, SpfResult::kNone);
}

TEST(SpfEvaluate, RecordSplitOverSeveralTxtStrings) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 ip4:192." "0.2.0/24" " -all"
example.com. 300 IN TXT "some-verification=abc"
)");
  EXPECT_EQ(check(*z, "192.0.2.200").result, SpfResult::kPass);
  EXPECT_EQ(check(*z, "192.0.3.1").result, SpfResult::kFail);
}

TEST(SpfEvaluate, RecordOver512Bytes) {
  std::string record = "v=spf1";
  for (int i = 1; i <= 40; ++i) record += " ip4:198.51.100." + std::to_string(i) + "/32";
  record += " ip4:192.0.2.77 -all";
  ASSERT_GT(record.size(), 512u);
  auto z = dns::ZoneResolver::empty();
  z->add_txt("example.com", record);  // several 255-byte strings
  SpfOutput out = check(*z, "192.0.2.77");
  EXPECT_EQ(out.result, SpfResult::kPass);
  EXPECT_EQ(out.mechanism, "ip4:192.0.2.77");
}

TEST(SpfEvaluate, IncludeLoopIsPermerror) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 include:loop.example.net -all"
loop.example.net. 300 IN TXT "v=spf1 include:example.com"
self.example. 300 IN TXT "v=spf1 redirect=self.example"
)");
  SpfOutput out = check(*z, "192.0.2.1");
  EXPECT_EQ(out.result, SpfResult::kPermError);
  EXPECT_EQ(out.mechanism, "include:loop.example.net");
  EXPECT_EQ(out.dns_terms, 11u);
  EXPECT_NE(out.problem.find("10 DNS-querying terms"), std::string::npos) << out.problem;

  SpfOutput redirect = check(*z, "192.0.2.1", "x@self.example");
  EXPECT_EQ(redirect.result, SpfResult::kPermError);
  EXPECT_EQ(redirect.mechanism, "redirect=self.example");
}

TEST(SpfEvaluate, TheEleventhLookupIsPermerror) {
  std::string zone_text;
  std::string ten = "v=spf1";
  for (int i = 1; i <= 11; ++i) {
    zone_text += "h" + std::to_string(i) + ".example.com. 300 IN A 198.51.100." +
                 std::to_string(i) + "\n";
    if (i <= 10) ten += " a:h" + std::to_string(i) + ".example.com";
  }
  zone_text += "ten.example.com. 300 IN TXT \"" + ten + " ip4:192.0.2.1 -all\"\n";
  zone_text +=
      "eleven.example.com. 300 IN TXT \"" + ten + " a:h11.example.com ip4:192.0.2.1 -all\"\n";
  auto z = zone(zone_text);
  SpfOutput at_limit = check(*z, "192.0.2.1", "x@ten.example.com");
  EXPECT_EQ(at_limit.result, SpfResult::kPass);
  EXPECT_EQ(at_limit.dns_terms, 10u);
  SpfOutput over = check(*z, "192.0.2.1", "x@eleven.example.com");
  EXPECT_EQ(over.result, SpfResult::kPermError);
  EXPECT_EQ(over.mechanism, "a:h11.example.com");
  // The limit is a named, configurable field.
  SpfOptions options;
  options.limits.max_dns_terms = 11;
  EXPECT_EQ(check(*z, "192.0.2.1", "x@eleven.example.com", options).result, SpfResult::kPass);
}

TEST(SpfEvaluate, VoidLookupFlood) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 a:n1.example.com exists:n2.example.com mx:n3.example.com a:n4.example.com -all"
n3.example.com. 300 IN A 192.0.2.99
)");
  // n1 NXDOMAIN, n2 NXDOMAIN, n3 NODATA (MX): the third void lookup.
  SpfOutput out = check(*z, "192.0.2.1");
  EXPECT_EQ(out.result, SpfResult::kPermError);
  EXPECT_EQ(out.mechanism, "mx:n3.example.com");
  EXPECT_EQ(out.void_lookups, 3u);
  SpfOptions options;
  options.limits.max_void_lookups = 10;
  SpfOutput relaxed = check(*z, "192.0.2.1", "bob@example.com", options);
  EXPECT_EQ(relaxed.result, SpfResult::kFail);
  EXPECT_EQ(relaxed.void_lookups, 4u);
}

TEST(SpfEvaluate, Ipv6CidrEdges) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 a:v6.example.com//127 ip6:2001:db8::/32 ip6:2001:db9::1/128 ip6:::ffff:192.0.2.1 -all"
v6.example.com. 300 IN AAAA 2001:db8:aaaa::10
v6.example.com. 300 IN A 203.0.113.1
zero.example.com. 300 IN TXT "v=spf1 ip6:::/0 -all"
)");
  EXPECT_EQ(check(*z, "2001:db8:ffff:ffff::1").mechanism, "ip6:2001:db8::/32");
  EXPECT_EQ(check(*z, "2001:db9::1").mechanism, "ip6:2001:db9::1/128");
  EXPECT_EQ(check(*z, "2001:db9::2").result, SpfResult::kFail);
  // An IPv4-mapped ip6 network never matches: the client is IPv4 (§5).
  EXPECT_EQ(check(*z, "::ffff:192.0.2.1").result, SpfResult::kFail);
  EXPECT_EQ(check(*z, "192.0.2.1").result, SpfResult::kFail);
  // a//127: ...::10 and ...::11 share the first 127 bits, ...::12 does not.
  EXPECT_EQ(check(*z, "2001:db8:aaaa::11").mechanism, "a:v6.example.com//127");
  auto v6 = check(*z, "2001:db8:aaaa::12");
  EXPECT_EQ(v6.mechanism, "ip6:2001:db8::/32");
  EXPECT_EQ(check(*z, "2001:db8::1", "x@zero.example.com").result, SpfResult::kPass);
  EXPECT_EQ(check(*z, "192.0.2.1", "x@zero.example.com").result, SpfResult::kFail);
}

TEST(SpfEvaluate, TemporaryFailureInsideAnInclude) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 include:ok.example.net include:broken.example.net ip4:192.0.2.1 -all"
ok.example.net. 300 IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
broken.example.net. 300 IN TXT "v=spf1 include:deeper.example.org -all"
)");
  z->add_fault("deeper.example.org", dns::ZoneFault::kTimeout);
  SpfOutput out = check(*z, "192.0.2.1");
  EXPECT_EQ(out.result, SpfResult::kTempError);
  EXPECT_EQ(out.mechanism, "include:broken.example.net");
  EXPECT_NE(out.problem.find("deeper.example.org"), std::string::npos) << out.problem;
  // The include before it still matches as usual.
  EXPECT_EQ(check(*z, "198.51.100.4").result, SpfResult::kPass);
}

// Every query moves the clock on, as a slow DNS would.
class SlowResolver final : public dns::Resolver {
 public:
  SlowResolver(dns::Resolver& inner, FixedClock& clock, int seconds)
      : inner_(inner), clock_(clock), seconds_(seconds) {}
  dns::DnsResult<dns::RRset> query(std::string_view name, RecordType type) override {
    clock_.advance(seconds_);
    return inner_.query(name, type);
  }

 private:
  dns::Resolver& inner_;
  FixedClock& clock_;
  int seconds_;
};

TEST(SpfEvaluate, WallClockBudgetGivesTemperror) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 a:h1.example.com a:h2.example.com a:h3.example.com a:h4.example.com a:h5.example.com -all"
h1.example.com. 300 IN A 198.51.100.1
h2.example.com. 300 IN A 198.51.100.2
h3.example.com. 300 IN A 198.51.100.3
h4.example.com. 300 IN A 198.51.100.4
h5.example.com. 300 IN A 198.51.100.5
)");
  FixedClock clock(1700000000);
  SlowResolver slow(*z, clock, 5);
  Evaluator evaluator(slow, clock);
  SpfOutput out = evaluator.evaluate(request("192.0.2.1"));
  // 5 s per query: the fifth query ends at 25 s, past the 20 s default.
  EXPECT_EQ(out.result, SpfResult::kTempError);
  EXPECT_EQ(out.mechanism, "a:h4.example.com");
  EXPECT_NE(out.problem.find("20 s"), std::string::npos) << out.problem;

  SpfOptions generous;
  generous.limits.max_elapsed_seconds = 60;
  Evaluator patient(slow, clock, generous);
  EXPECT_EQ(patient.evaluate(request("192.0.2.1")).result, SpfResult::kFail);
}

TEST(SpfEvaluate, ParsedRecordsAreCachedAndMacrosReexpanded) {
  testing::StrictResolver dns;
  dns.expect_zone(R"(
example.com. 300 IN TXT "v=spf1 exists:%{l}.users.example.com -all"
alice.users.example.com. 300 IN A 127.0.0.2
)");
  dns.expect_error("bob.users.example.com", RecordType::kA, dns::DnsStatus::kNxDomain);
  FixedClock clock(1700000000);
  Evaluator evaluator(dns, clock);
  EXPECT_EQ(evaluator.evaluate(request("192.0.2.1", "alice@example.com")).result, SpfResult::kPass);
  SpfOutput bob = evaluator.evaluate(request("192.0.2.1", "bob@example.com"));
  EXPECT_EQ(bob.result, SpfResult::kFail);
  EXPECT_EQ(bob.dns_lookups, 2u);  // counted, though the TXT came from the cache
  EXPECT_EQ(dns.count("example.com", RecordType::kTxt), 1);
  dns.verify_all_used();
  // Once the TTL has passed, the record is fetched again.
  clock.advance(301);
  (void)evaluator.evaluate(request("192.0.2.1", "alice@example.com"));
  EXPECT_EQ(dns.count("example.com", RecordType::kTxt), 2);
}

TEST(SpfEvaluate, NullMailFromChecksHelo) {
  auto z = zone(R"(
mail.example.net. 300 IN TXT "v=spf1 a -all"
mail.example.net. 300 IN A 192.0.2.25
example.com. 300 IN TXT "v=spf1 -all"
)");
  FixedClock clock(1700000000);
  Evaluator evaluator(*z, clock);
  for (const char* null_path : {"", "<>", " <> "}) {
    SpfOutput out = evaluator.evaluate(request("192.0.2.25", null_path));
    EXPECT_EQ(out.result, SpfResult::kPass) << null_path;
    EXPECT_EQ(out.scope, SpfScope::kHelo);
    EXPECT_EQ(out.domain, "mail.example.net");
    EXPECT_EQ(out.sender, "postmaster@mail.example.net");
  }
  // The HELO identity on its own (§2.3), whatever MAIL FROM says.
  SpfOutput helo = evaluator.evaluate(request("192.0.2.25", "bob@example.com"), SpfScope::kHelo);
  EXPECT_EQ(helo.result, SpfResult::kPass);
  EXPECT_EQ(helo.scope, SpfScope::kHelo);
  // Angle brackets and a missing local-part (§4.3).
  SpfOutput bracketed = evaluator.evaluate(request("192.0.2.25", "<@example.com>"));
  EXPECT_EQ(bracketed.result, SpfResult::kFail);
  EXPECT_EQ(bracketed.sender, "postmaster@example.com");
  // A HELO that is no domain name gives none.
  auto literal = request("192.0.2.25", "");
  literal.helo = "[192.0.2.25]";
  EXPECT_EQ(evaluator.evaluate(literal).result, SpfResult::kNone);
}

TEST(SpfEvaluate, ExplanationFromExpAndPtrMacro) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 ptr:example.com -all exp=why.%{d}"
why.example.com. 300 IN TXT "%{i} (%{p}) is not a mail server of %{o}, ask %{r} at %{t}"
1.2.0.192.in-addr.arpa. 300 IN PTR host.example.org.
host.example.org. 300 IN A 192.0.2.1
2.2.0.192.in-addr.arpa. 300 IN PTR mx.example.com.
mx.example.com. 300 IN A 192.0.2.2
)");
  SpfOutput out = check(*z, "192.0.2.1");
  EXPECT_EQ(out.result, SpfResult::kFail);
  EXPECT_EQ(out.explanation,
            "192.0.2.1 (host.example.org) is not a mail server of example.com, ask "
            "mx.receiver.example at 1700000000");
  EXPECT_EQ(check(*z, "192.0.2.2").mechanism, "ptr:example.com");
}

TEST(SpfEvaluate, ExplanationKeepsNoControlCharacters) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 -all exp=why.example.com"
why.example.com. 300 IN TXT "%{l} is not welcome"
)");
  SpfOutput out = check(*z, "192.0.2.1", "a\r\nb@example.com");
  EXPECT_EQ(out.result, SpfResult::kFail);
  EXPECT_EQ(out.explanation, "a??b is not welcome");
}

// --- header text -------------------------------------------------------------------

TEST(SpfHeader, ReceivedSpf) {
  SpfRequest req = request("192.0.2.1", "bob@example.com", "mail.example.com");
  SpfOutput out;
  out.result = SpfResult::kPass;
  out.scope = SpfScope::kMailFrom;
  out.domain = "example.com";
  out.sender = "bob@example.com";
  out.mechanism = "ip4:192.0.2.0/24";
  EXPECT_EQ(received_spf_field(out, req),
            "Received-SPF: pass (mx.receiver.example: domain of bob@example.com designates "
            "192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from=\"bob@example.com\"; "
            "helo=mail.example.com; receiver=mx.receiver.example; identity=mailfrom; "
            "mechanism=\"ip4:192.0.2.0/24\"");

  out.result = SpfResult::kPermError;
  out.mechanism = "include:broken.example";
  out.problem = "more than one SPF record at broken.example";
  EXPECT_NE(received_spf_value(out, req)
                .find("; problem=\"more than one SPF record at broken.example\""),
            std::string::npos);
}

TEST(SpfHeader, HostileValuesCannotBreakTheHeader) {
  SpfRequest req =
      request("2001:db8::1", "\"a\\b\"@example.com\r\nX-Injected: 1", "evil\r\n helo (x)");
  SpfOutput out;
  out.result = SpfResult::kFail;
  out.domain = "example.com\r\nX: y";
  out.sender = "x@example.com)(";
  out.mechanism = "-all";
  std::string field = received_spf_field(out, req);
  EXPECT_EQ(field.find('\r'), std::string::npos) << field;
  EXPECT_EQ(field.find('\n'), std::string::npos) << field;
  EXPECT_NE(field.find("client-ip=\"2001:db8::1\""), std::string::npos) << field;
  EXPECT_NE(field.find("x@example.com\\)\\("), std::string::npos) << field;
}

TEST(SpfEvaluate, WorksBehindTheCachingResolver) {
  auto z = zone(R"(
example.com. 300 IN TXT "v=spf1 mx -all"
example.com. 300 IN MX 10 mx.example.com.
mx.example.com. 300 IN A 192.0.2.10
)");
  FixedClock clock(1700000000);
  dns::CachingResolver cached(*z, clock, 100);
  Evaluator evaluator(cached, clock);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(evaluator.evaluate(request("192.0.2.10")).result, SpfResult::kPass);
  }
  EXPECT_EQ(cached.size(), 3u);
}

}  // namespace
}  // namespace authguard::spf
