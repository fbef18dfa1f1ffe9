// dns_test.cc: the zone backend, rdata decoding, the caches and the strict
// test double.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "dns/cache.h"
#include "dns/zone_resolver.h"
#include "support/strict_resolver.h"

namespace authguard::dns {
namespace {

constexpr const char* kZone = R"(
; many unrelated domains, absolute names, no SOA
example.com.            300 IN TXT   "v=spf1 " "include:_spf.example.net -all"
example.com.            300 IN MX    10 mx.example.com.
example.com.            300 IN MX    0 .
mx.example.com.         600 IN A     192.0.2.1
mx.example.com.         600 IN AAAA  2001:db8::1
alias.example.com.      300 IN CNAME mx.example.com.
loop1.example.com.      300 IN CNAME loop2.example.com.
loop2.example.com.      300 IN CNAME loop1.example.com.
deep.sub.example.org.   300 IN TXT   "deep"
*.wild.example.org.     300 IN TXT   "wildcard"
1.2.0.192.in-addr.arpa. 300 IN PTR   mx.example.com.
quoted.example.com.     300 IN TXT   "a \"quoted\" \\ string;" "\065"
)";

std::unique_ptr<ZoneResolver> zone() {
  auto z = ZoneResolver::load_text(kZone, "test.zone");
  EXPECT_TRUE(z.has_value()) << (z ? "" : z.error().message);
  return std::move(*z);
}

TEST(ZoneResolver, TxtStringsKeptApartAndJoinable) {
  auto z = zone();
  auto txt = lookup_txt(*z, "EXAMPLE.com.");
  ASSERT_TRUE(txt.has_value());
  ASSERT_EQ(txt->records.size(), 1u);
  EXPECT_EQ(txt->records[0].strings.size(), 2u);
  EXPECT_EQ(txt->records[0].joined(), "v=spf1 include:_spf.example.net -all");
  EXPECT_EQ(txt->ttl, 300u);
}

TEST(ZoneResolver, MasterFileEscapes) {
  auto txt = lookup_txt(*zone(), "quoted.example.com");
  ASSERT_TRUE(txt.has_value());
  EXPECT_EQ(txt->records[0].strings[0], "a \"quoted\" \\ string;");
  EXPECT_EQ(txt->records[0].strings[1], "A");
}

TEST(ZoneResolver, MxIncludingNullMx) {
  auto mx = lookup_mx(*zone(), "example.com");
  ASSERT_TRUE(mx.has_value());
  ASSERT_EQ(mx->records.size(), 2u);
  EXPECT_EQ(mx->records[0].preference, 10);
  EXPECT_EQ(mx->records[0].exchange, "mx.example.com");
  EXPECT_EQ(mx->records[1].exchange, ".");
}

TEST(ZoneResolver, AddressesAndPtr) {
  auto z = zone();
  EXPECT_EQ(lookup_a(*z, "mx.example.com")->records[0].str(), "192.0.2.1");
  EXPECT_EQ(lookup_aaaa(*z, "mx.example.com")->records[0].str(), "2001:db8::1");
  auto ptr = lookup_ptr(*z, *IpAddress::parse("192.0.2.1"));
  ASSERT_TRUE(ptr.has_value());
  EXPECT_EQ(ptr->records[0], "mx.example.com");
}

TEST(ZoneResolver, CnameFollowedAndLoopIsTemporary) {
  auto z = zone();
  auto a = lookup_a(*z, "alias.example.com");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "mx.example.com");
  auto loop = lookup_a(*z, "loop1.example.com");
  ASSERT_FALSE(loop.has_value());
  EXPECT_EQ(loop.error().status, DnsStatus::kTemporary);
  // Asking for the CNAME itself returns it.
  auto c = z->query("alias.example.com", RecordType::kCname);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(decode_names(*c)->records[0], "mx.example.com");
}

TEST(ZoneResolver, NxDomainNoDataAndEmptyNonTerminal) {
  auto z = zone();
  EXPECT_EQ(lookup_txt(*z, "nope.example.com").error().status, DnsStatus::kNxDomain);
  EXPECT_EQ(lookup_txt(*z, "mx.example.com").error().status, DnsStatus::kNoData);
  // sub.example.org has no records but a name below it: it exists (NODATA).
  EXPECT_EQ(lookup_txt(*z, "sub.example.org").error().status, DnsStatus::kNoData);
  EXPECT_EQ(lookup_txt(*z, "example.net").error().status, DnsStatus::kNxDomain);
}

TEST(ZoneResolver, Wildcards) {
  auto z = zone();
  auto w = lookup_txt(*z, "anything.wild.example.org");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->records[0].joined(), "wildcard");
  EXPECT_EQ(w->name, "anything.wild.example.org");
  EXPECT_EQ(lookup_a(*z, "x.wild.example.org").error().status, DnsStatus::kNoData);
}

TEST(ZoneResolver, FaultsAnswerEveryType) {
  auto z = zone();
  z->add_fault("example.com.", ZoneFault::kTimeout);
  z->add_fault("mx.example.com", ZoneFault::kServfail);
  auto t = lookup_txt(*z, "Example.Com");
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().status, DnsStatus::kTemporary);
  EXPECT_NE(t.error().reason.find("timeout"), std::string::npos);
  auto a = lookup_a(*z, "alias.example.com");  // a CNAME into a failing name
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().reason.find("SERVFAIL"), std::string::npos);
  EXPECT_FALSE(parse_zone_fault("sometimes").has_value());
}

TEST(ZoneResolver, ParseErrorNamesFileAndLine) {
  auto z = ZoneResolver::load_text("a.example. 300 IN A 192.0.2.1\nb.example. 300 IN A not-an-ip\n",
                                   "bad.zone");
  ASSERT_FALSE(z.has_value());
  EXPECT_NE(z.error().message.find("bad.zone:2"), std::string::npos) << z.error().message;
}

TEST(ZoneResolver, AddTxtSplitsLongValues) {
  auto z = ZoneResolver::empty();
  std::string value(600, 'x');
  z->add_txt("long.example", value);
  auto txt = lookup_txt(*z, "long.example");
  ASSERT_TRUE(txt.has_value());
  EXPECT_EQ(txt->records[0].strings.size(), 3u);
  EXPECT_EQ(txt->records[0].joined(), value);
}

TEST(Records, MalformedRdataIsAnError) {
  RRset bad{"x.example", RecordType::kTxt, 60, false, {std::string("\x05" "abc", 4)}};
  EXPECT_EQ(decode_txt(bad).error().status, DnsStatus::kMalformed);
  RRset a{"x.example", RecordType::kA, 60, false, {std::string("\x01\x02\x03", 3)}};
  EXPECT_EQ(decode_address(a).error().status, DnsStatus::kMalformed);
  RRset mx{"x.example", RecordType::kMx, 60, false, {std::string("\x00\x0a\x40", 3)}};
  EXPECT_EQ(decode_mx(mx).error().status, DnsStatus::kMalformed);
  std::string wire("\x03" "abc\x03" "com", 8);  // missing root label
  std::size_t pos = 0;
  std::string out;
  EXPECT_FALSE(read_wire_name(wire, pos, out));
}

// Counts queries to the inner resolver.
class CountingResolver final : public Resolver {
 public:
  explicit CountingResolver(Resolver& inner) : inner_(inner) {}
  DnsResult<RRset> query(std::string_view name, RecordType type) override {
    ++calls;
    return inner_.query(name, type);
  }
  int calls = 0;

 private:
  Resolver& inner_;
};

TEST(CachingResolver, KeepsAnswersAndNegativesUntilTtl) {
  auto z = zone();
  z->add_fault("down.example.com", ZoneFault::kTimeout);
  CountingResolver counting(*z);
  FixedClock clock(1000);
  CachingResolver cache(counting, clock, 100);
  EXPECT_TRUE(lookup_txt(cache, "example.com").has_value());
  EXPECT_TRUE(lookup_txt(cache, "EXAMPLE.COM.").has_value());
  EXPECT_EQ(counting.calls, 1);
  EXPECT_FALSE(lookup_txt(cache, "nope.example.com").has_value());
  EXPECT_FALSE(lookup_txt(cache, "nope.example.com").has_value());
  EXPECT_EQ(counting.calls, 2);  // NXDOMAIN cached
  EXPECT_FALSE(lookup_txt(cache, "down.example.com").has_value());
  EXPECT_FALSE(lookup_txt(cache, "down.example.com").has_value());
  EXPECT_EQ(counting.calls, 4);  // temporary failures never cached
  clock.advance(301);
  EXPECT_TRUE(lookup_txt(cache, "example.com").has_value());
  EXPECT_EQ(counting.calls, 5);  // expired
}

TEST(TtlCache, BoundedLeastRecentlyUsed) {
  FixedClock clock(0);
  TtlCache<int> cache(clock, 2);
  cache.put("a", 1, 60);
  cache.put("b", 2, 60);
  EXPECT_EQ(cache.get("A"), 1);  // touch a
  cache.put("c", 3, 60);         // evicts b
  EXPECT_FALSE(cache.get("b").has_value());
  EXPECT_EQ(cache.get("a"), 1);
  EXPECT_EQ(cache.get("c"), 3);
  EXPECT_EQ(cache.size(), 2u);
  cache.put("d", 4, 0);  // TTL 0 is not kept
  EXPECT_FALSE(cache.get("d").has_value());
  cache.put("e", 5, 10'000'000);  // clamped to a day
  clock.advance(kMaxCacheTtl);
  EXPECT_FALSE(cache.get("e").has_value());
}

Result<std::string> parse_first_txt(const DnsResult<RRset>& answer) {
  if (!answer) return fail(ErrorKind::kNotFound, answer.error().reason);
  auto txt = decode_txt(*answer);
  if (!txt || txt->records.empty()) return fail(ErrorKind::kInvalidInput, "no txt");
  std::string v = txt->records[0].joined();
  if (v.rfind("v=spf1", 0) != 0) return fail(ErrorKind::kInvalidInput, "not spf");
  return v;
}

TEST(ParsedCache, KeepsValuesAndParseFailures) {
  auto z = zone();
  CountingResolver counting(*z);
  FixedClock clock(0);
  ParsedCache<Result<std::string>> cache(clock, 10);
  for (int i = 0; i < 3; ++i) {
    auto v = cache.get_or_parse(counting, "example.com", RecordType::kTxt, parse_first_txt);
    ASSERT_TRUE(v->has_value());
    auto bad = cache.get_or_parse(counting, "deep.sub.example.org", RecordType::kTxt,
                                  parse_first_txt);
    EXPECT_FALSE(bad->has_value());
  }
  EXPECT_EQ(counting.calls, 2);
}

TEST(StrictResolver, AnswersExpectedAndFailsOnUnexpected) {
  testing::StrictResolver strict;
  strict.expect_zone("ok.example. 60 IN TXT \"hello\"");
  strict.expect_error("gone.example", RecordType::kTxt, DnsStatus::kNxDomain);
  EXPECT_EQ(lookup_txt(strict, "ok.example")->records[0].joined(), "hello");
  EXPECT_EQ(lookup_txt(strict, "gone.example").error().status, DnsStatus::kNxDomain);
  EXPECT_EQ(strict.count("OK.example.", RecordType::kTxt), 1);
  EXPECT_NONFATAL_FAILURE((void)lookup_a(strict, "ok.example"), "unexpected DNS query");
  strict.verify_all_used();
  testing::StrictResolver unused;
  unused.expect_zone("never.example. 60 IN A 192.0.2.1");
  EXPECT_NONFATAL_FAILURE(unused.verify_all_used(), "never made");
}

}  // namespace
}  // namespace authguard::dns
