// unbound_nsd_test.cc: the production resolver (libunbound) against a real
// authoritative server (NSD) started on loopback. Proves answers, CNAME
// following, NXDOMAIN, NODATA, a timeout and the asynchronous form.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "dns/unbound_resolver.h"
#include "support/nsd_server.h"

namespace authguard::dns {
namespace {

constexpr const char* kZone = R"(
$ORIGIN test.example.
$TTL 300
@        IN SOA ns1.test.example. hostmaster.test.example. 1 3600 900 604800 120
@        IN NS  ns1.test.example.
ns1      IN A   127.0.0.1
@        IN TXT "v=spf1 ip4:192.0.2.0/24 " "-all"
@        IN MX  10 mx1.test.example.
@        IN MX  20 mx2.test.example.
mx1      IN A    192.0.2.10
mx1      IN AAAA 2001:db8::10
alias    IN CNAME mx1.test.example.
_dmarc   IN TXT "v=DMARC1; p=reject"
)";

// The reverse zone is in 198.18.0.0/15 (RFC 2544): libunbound answers the
// documentation ranges (192.0.2.0/24, ...) itself from its default local zones.
constexpr const char* kReverse = R"(
$ORIGIN 0.18.198.in-addr.arpa.
$TTL 300
@        IN SOA ns1.test.example. hostmaster.test.example. 1 3600 900 604800 120
@        IN NS  ns1.test.example.
10       IN PTR mx1.test.example.
)";

class UnboundNsdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    nsd_ = new testing::NsdServer({{"test.example", kZone}, {"0.18.198.in-addr.arpa", kReverse}});
    started_ = nsd_->start();
  }
  static void TearDownTestSuite() {
    delete nsd_;
    nsd_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(started_) << nsd_->error();
    UnboundOptions opt;
    opt.mode = UnboundOptions::Mode::kForward;
    opt.forwarders = {nsd_->address()};
    opt.dnssec = false;  // the fixture zone is unsigned
    opt.timeout_ms = 3000;
    auto r = UnboundResolver::create(opt);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    resolver_ = std::move(*r);
  }
  static testing::NsdServer* nsd_;
  static bool started_;
  std::unique_ptr<UnboundResolver> resolver_;
};

testing::NsdServer* UnboundNsdTest::nsd_ = nullptr;
bool UnboundNsdTest::started_ = false;

TEST_F(UnboundNsdTest, TxtKeepsStringsApart) {
  auto txt = lookup_txt(*resolver_, "test.example");
  ASSERT_TRUE(txt.has_value()) << txt.error().reason;
  ASSERT_EQ(txt->records.size(), 1u);
  ASSERT_EQ(txt->records[0].strings.size(), 2u);
  EXPECT_EQ(txt->records[0].strings[0], "v=spf1 ip4:192.0.2.0/24 ");
  EXPECT_EQ(txt->records[0].joined(), "v=spf1 ip4:192.0.2.0/24 -all");
  EXPECT_GT(txt->ttl, 0u);
  EXPECT_LE(txt->ttl, 300u);
  EXPECT_FALSE(txt->secure);
}

TEST_F(UnboundNsdTest, MxAddressesAndPtr) {
  auto mx = lookup_mx(*resolver_, "test.example");
  ASSERT_TRUE(mx.has_value()) << mx.error().reason;
  ASSERT_EQ(mx->records.size(), 2u);
  std::set<std::string> names;
  for (const auto& r : mx->records) names.insert(std::to_string(r.preference) + " " + r.exchange);
  EXPECT_TRUE(names.contains("10 mx1.test.example"));
  EXPECT_TRUE(names.contains("20 mx2.test.example"));

  auto a = lookup_a(*resolver_, "mx1.test.example");
  ASSERT_TRUE(a.has_value()) << a.error().reason;
  ASSERT_EQ(a->records.size(), 1u);
  EXPECT_EQ(a->records[0].str(), "192.0.2.10");

  auto aaaa = lookup_aaaa(*resolver_, "MX1.Test.Example.");
  ASSERT_TRUE(aaaa.has_value()) << aaaa.error().reason;
  EXPECT_EQ(aaaa->records[0].str(), "2001:db8::10");

  auto ptr = lookup_ptr(*resolver_, *IpAddress::parse("198.18.0.10"));
  ASSERT_TRUE(ptr.has_value()) << ptr.error().reason;
  ASSERT_EQ(ptr->records.size(), 1u);
  EXPECT_EQ(ptr->records[0], "mx1.test.example");
}

TEST_F(UnboundNsdTest, FollowsCname) {
  auto a = lookup_a(*resolver_, "alias.test.example");
  ASSERT_TRUE(a.has_value()) << a.error().reason;
  EXPECT_EQ(a->records[0].str(), "192.0.2.10");
  EXPECT_EQ(a->name, "mx1.test.example");
}

TEST_F(UnboundNsdTest, NxDomain) {
  auto r = lookup_txt(*resolver_, "missing.test.example");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, DnsStatus::kNxDomain);
}

TEST_F(UnboundNsdTest, NoData) {
  auto r = lookup_aaaa(*resolver_, "_dmarc.test.example");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, DnsStatus::kNoData);
}

TEST_F(UnboundNsdTest, AsyncManyQueries) {
  int done = 0;
  int found = 0;
  for (int i = 0; i < 50; ++i) {
    std::string name = (i % 2 == 0) ? "test.example" : "n" + std::to_string(i) + ".test.example";
    resolver_->query_async(name, RecordType::kTxt, [&, i](DnsResult<RRset> r) {
      ++done;
      if (i % 2 == 0) {
        EXPECT_TRUE(r.has_value());
        found += r.has_value();
      } else {
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().status, DnsStatus::kNxDomain);
      }
    });
  }
  resolver_->wait_all();
  EXPECT_EQ(done, 50);
  EXPECT_EQ(found, 25);
}

TEST(UnboundTimeout, SilentServerGivesTemporaryErrorWithinDeadline) {
  testing::SilentUdpServer silent;
  UnboundOptions opt;
  opt.mode = UnboundOptions::Mode::kForward;
  opt.forwarders = {silent.address()};
  opt.dnssec = false;
  opt.timeout_ms = 400;
  auto r = UnboundResolver::create(opt);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto start = std::chrono::steady_clock::now();
  auto txt = lookup_txt(**r, "slow.test.example");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(txt.has_value());
  EXPECT_EQ(txt.error().status, DnsStatus::kTemporary) << txt.error().reason;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(UnboundConfig, ForwardModeNeedsForwarders) {
  UnboundOptions opt;
  opt.mode = UnboundOptions::Mode::kForward;
  auto r = UnboundResolver::create(opt);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
}

}  // namespace
}  // namespace authguard::dns
