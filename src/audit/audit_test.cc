// audit_test.cc: unit tests of the audit module: targets, Microsoft 365
// names, zone-file text, the bounded query window, the checks over zones
// built in code, the managed-key hook, and the three report forms. The
// end-to-end tests against NSD are tests/integration/audit_cli_test.cc.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>

#include "audit/auditor.h"
#include "audit/demo.h"
#include "audit/records.h"
#include "audit/report.h"
#include "audit/targets.h"
#include "dkim/crypto.h"
#include "dns/zone_resolver.h"
#include "support/strict_resolver.h"

namespace authguard::audit {
namespace {

DomainName name(std::string_view text) {
  auto d = DomainName::parse(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d ? *d : DomainName{};
}

std::unique_ptr<dns::ZoneResolver> zone(std::string_view text) {
  auto z = dns::ZoneResolver::load_text(text, "test.zone");
  EXPECT_TRUE(z.has_value()) << (z ? "" : z.error().message);
  return z ? std::move(*z) : dns::ZoneResolver::empty();
}

AuditReport audit(dns::Resolver& resolver, std::vector<AuditTarget> targets,
                  AuditOptions options = {}, UnixTime now = 1767225600) {
  FixedClock clock(now);
  Auditor auditor(resolver, clock, std::move(options));
  return auditor.run(targets);
}

std::vector<std::string> ids(const DomainReport& d) {
  std::vector<std::string> out;
  for (const auto& f : d.findings) out.push_back(f.id);
  return out;
}

const Finding* find(const DomainReport& d, std::string_view id) {
  for (const auto& f : d.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

// A locked-down non-sending domain and a well-run sending one.
constexpr const char* kBaseZone = R"(
parked.test.      300 IN MX  0 .
parked.test.      300 IN TXT "v=spf1 -all"
_dmarc.parked.test. 300 IN TXT "v=DMARC1; p=reject;"
send.test.        300 IN MX  10 mx.send.test.
mx.send.test.     300 IN A   192.0.2.1
send.test.        300 IN TXT "v=spf1 mx -all"
_dmarc.send.test. 300 IN TXT "v=DMARC1; p=reject; rua=mailto:d@send.test"
selector2._domainkey.send.test. 300 IN TXT "v=DKIM1; k=ed25519; p=nICr4Bzt3Q7PAuoi17LGIRxXNFMsQFv8dseehYtKf4g="
)";

// ---- targets ---------------------------------------------------------------

TEST(Targets, DomainsFileKindsAndComments) {
  auto t = parse_domains_file(
      "# owned domains\ncontoso.com\n  contoso.net   non-sending  # parked\n\n"
      "contoso.onmicrosoft.com ROUTING\nfabrikam.com sending\r\n",
      "d.txt");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  ASSERT_EQ(t->size(), 4u);
  EXPECT_EQ((*t)[0].domain.str(), "contoso.com");
  EXPECT_EQ((*t)[0].kind, DomainKind::kSending);
  EXPECT_EQ((*t)[1].kind, DomainKind::kNonSending);
  EXPECT_EQ((*t)[2].kind, DomainKind::kRouting);
  EXPECT_EQ((*t)[3].domain.str(), "fabrikam.com");
}

TEST(Targets, DomainsFileErrorsNameTheLine) {
  auto bad_kind = parse_domains_file("a.example\nb.example outbound\n", "d.txt");
  ASSERT_FALSE(bad_kind.has_value());
  EXPECT_EQ(bad_kind.error().message.rfind("d.txt:2: unknown domain kind 'outbound'", 0), 0u)
      << bad_kind.error().message;
  auto bad_name = parse_domains_file("a..example\n", "d.txt");
  ASSERT_FALSE(bad_name.has_value());
  EXPECT_EQ(bad_name.error().message.rfind("d.txt:1: ", 0), 0u);
  auto extra = parse_domains_file("a.example sending now\n", "d.txt");
  EXPECT_FALSE(extra.has_value());
}

TEST(Targets, OnlyHostNamesOfTwoLabelsOrMore) {
  EXPECT_TRUE(parse_target_domain("xn--bcher-kva.example").has_value());
  EXPECT_TRUE(parse_target_domain("mail-1.Contoso.com.").has_value());
  for (const char* bad : {"--", "example", "-a.example", "a-.example", "_dmarc.a.example",
                          "a..example", "a b.example"}) {
    EXPECT_FALSE(parse_target_domain(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_domains_file("--\n", "d.txt").has_value());
}

TEST(Targets, DuplicatesKeepTheirPlaceAndTheStricterKind) {
  TargetList list;
  list.add(name("a.example"), DomainKind::kNonSending);
  list.add(name("b.example"), DomainKind::kSending);
  list.add(name("A.Example"), DomainKind::kSending);   // not weaker
  list.add(name("b.example"), DomainKind::kRouting);    // stricter
  ASSERT_EQ(list.targets().size(), 2u);
  EXPECT_EQ(list.targets()[0].kind, DomainKind::kNonSending);
  EXPECT_EQ(list.targets()[1].kind, DomainKind::kRouting);
}

TEST(Targets, Selectors) {
  auto s = audit_selectors({"s2024", "SELECTOR1", " k2 ", ""});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, (std::vector<std::string>{"selector1", "selector2", "s2024", "k2"}));
  EXPECT_FALSE(audit_selectors({"a b"}).has_value());
  EXPECT_FALSE(audit_selectors({"a..b"}).has_value());
}

// ---- Microsoft 365 ------------------------------------------------------------

TEST(Microsoft, TenantNamesAndDkimTargets) {
  auto t = Tenant::parse("Contoso");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->routing_domain().str(), "contoso.onmicrosoft.com");
  EXPECT_EQ(Tenant::parse("contoso.onmicrosoft.com.")->name(), "contoso");
  EXPECT_FALSE(Tenant::parse("con.toso").has_value());
  EXPECT_FALSE(Tenant::parse("").has_value());
  EXPECT_FALSE(Tenant::parse("con_toso").has_value());

  const DomainName d = name("Mail.Contoso.co.uk");
  EXPECT_EQ(Tenant::dashed(d), "mail-contoso-co-uk");
  EXPECT_EQ(t->legacy_dkim_target(d, "selector1"),
            "selector1-mail-contoso-co-uk._domainkey.contoso.onmicrosoft.com");
  EXPECT_EQ(t->regional_dkim_target(d, "selector2", "n-v1"),
            "selector2-mail-contoso-co-uk._domainkey.contoso.n-v1.dkim.mail.microsoft");
  EXPECT_TRUE(t->matches_dkim_target(
      d, "selector1", "Selector1-Mail-Contoso-co-uk._domainkey.contoso.onmicrosoft.com."));
  EXPECT_TRUE(t->matches_dkim_target(
      d, "selector2", "selector2-mail-contoso-co-uk._domainkey.contoso.n-v2.dkim.mail.microsoft"));
  EXPECT_EQ(*t->region_of(d, "selector2",
                          "selector2-mail-contoso-co-uk._domainkey.contoso.n-v2.dkim.mail.microsoft"),
            "n-v2");
  // Wrong selector, wrong tenant, wrong domain, a region of two labels.
  EXPECT_FALSE(t->matches_dkim_target(
      d, "selector2", "selector1-mail-contoso-co-uk._domainkey.contoso.onmicrosoft.com"));
  EXPECT_FALSE(t->matches_dkim_target(
      d, "selector1", "selector1-mail-contoso-co-uk._domainkey.fabrikam.onmicrosoft.com"));
  EXPECT_FALSE(t->matches_dkim_target(
      d, "selector1", "selector1-contoso-co-uk._domainkey.contoso.onmicrosoft.com"));
  EXPECT_FALSE(t->matches_dkim_target(
      d, "selector1", "selector1-mail-contoso-co-uk._domainkey.contoso.a.b.dkim.mail.microsoft"));
}

// ---- zone-file text -------------------------------------------------------

TEST(Records, ZoneFileText) {
  EXPECT_EQ(zone_txt("_dmarc.contoso.net", "v=DMARC1; p=reject;"),
            "_dmarc.contoso.net. TXT \"v=DMARC1; p=reject;\"");
  EXPECT_EQ(zone_txt("a.example.", "say \"hi\" \\ \x01"), "a.example. TXT \"say \\\"hi\\\" \\\\ \\001\"");
  std::string long_value(300, 'x');
  EXPECT_EQ(zone_txt("k.example", long_value),
            "k.example. TXT \"" + std::string(255, 'x') + "\" \"" + std::string(45, 'x') + "\"");
  EXPECT_EQ(zone_null_mx(name("contoso.net")), "contoso.net. MX 0 .");
  EXPECT_EQ(zone_cname("s._domainkey.a.example", "t.example"), "s._domainkey.a.example. CNAME t.example.");
}

TEST(Records, DmarcTagsRewriteOneTagAtATime) {
  auto tags = DmarcTags::parse("v=DMARC1;rua=mailto:d@x.example; P=none ;fo=1");
  tags.set("p", "quarantine");
  tags.erase("fo");
  tags.set("np", "reject");
  EXPECT_EQ(tags.str(), "v=DMARC1; rua=mailto:d@x.example; p=quarantine; np=reject;");
  auto fresh = DmarcTags::fresh();
  fresh.set("rua", "mailto:a@b.example");
  fresh.set("p", "reject");
  EXPECT_EQ(fresh.str(), "v=DMARC1; p=reject; rua=mailto:a@b.example;");
  EXPECT_EQ(recommended_dmarc(name("contoso.net"), DomainKind::kNonSending, ""), "v=DMARC1; p=reject;");
  EXPECT_EQ(recommended_dmarc(name("contoso.com"), DomainKind::kSending, ""),
            "v=DMARC1; p=reject; rua=mailto:dmarc-reports@contoso.com;");
}

// ---- the query window -----------------------------------------------------

// Answers asynchronously: query_async only queues, and poll() answers at most
// three queries, so many are outstanding at once, as with libunbound.
class DeferredResolver final : public dns::Resolver {
 public:
  explicit DeferredResolver(dns::Resolver& inner) : inner_(inner) {}
  dns::DnsResult<dns::RRset> query(std::string_view name, dns::RecordType type) override {
    return inner_.query(name, type);
  }
  void query_async(std::string_view name, dns::RecordType type, Callback cb) override {
    waiting_.push_back({std::string(name), type, std::move(cb)});
    peak_ = std::max(peak_, waiting_.size());
  }
  std::size_t poll() override {
    std::size_t n = 0;
    while (n < 3 && !waiting_.empty()) {
      auto q = std::move(waiting_.front());
      waiting_.pop_front();
      q.cb(inner_.query(q.name, q.type));
      ++n;
    }
    return n;
  }
  void wait_all() override {
    while (poll() > 0) {
    }
  }
  std::size_t peak() const { return peak_; }

 private:
  struct Q {
    std::string name;
    dns::RecordType type;
    Callback cb;
  };
  dns::Resolver& inner_;
  std::deque<Q> waiting_;
  std::size_t peak_ = 0;
};

TEST(Collector, InFlightStaysWithinTheWindowAndAnswersMatchSynchronous) {
  std::string text = kBaseZone;
  std::vector<AuditTarget> targets;
  for (int i = 0; i < 120; ++i) {
    std::string d = "d" + std::to_string(i) + ".test";
    text += d + ". 300 IN TXT \"v=spf1 include:send.test include:_i" + std::to_string(i % 7) +
            ".test -all\"\n";
    text += "_i" + std::to_string(i % 7) + ".test. 300 IN TXT \"v=spf1 a:mx.send.test -all\"\n";
    if (i % 3 == 0) text += "_dmarc." + d + ". 300 IN TXT \"v=DMARC1; p=none\"\n";
    targets.push_back({name(d), i % 2 == 0 ? DomainKind::kSending : DomainKind::kNonSending});
  }
  auto z = zone(text);
  AuditReport sync = audit(*z, targets);

  DeferredResolver deferred(*z);
  FixedClock clock(1767225600);
  AuditOptions options;
  options.max_in_flight = 7;
  std::vector<std::size_t> progress;
  options.progress = [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, targets.size());
    progress.push_back(done);
  };
  Auditor auditor(deferred, clock, options);
  AuditReport async = auditor.run(targets);

  EXPECT_LE(deferred.peak(), 7u);
  EXPECT_EQ(auditor.stats().peak_in_flight, 7u);
  EXPECT_GT(auditor.stats().queries, targets.size() * 3);
  EXPECT_EQ(render_json(async), render_json(sync));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), targets.size());
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
}

TEST(Collector, NonSendingDomainsAskNoDkimAndNoSpfExpansion) {
  testing::StrictResolver strict;
  strict.expect_zone(R"(
parked.test.        300 IN MX  0 .
parked.test.        300 IN TXT "v=spf1 include:_spf.elsewhere.test -all"
_dmarc.parked.test. 300 IN TXT "v=DMARC1; p=reject;"
)");
  AuditReport r = audit(strict, {{name("parked.test"), DomainKind::kNonSending}});
  strict.verify_all_used();
  EXPECT_EQ(strict.count("selector1._domainkey.parked.test", dns::RecordType::kTxt), 0);
  EXPECT_EQ(ids(r.domains[0]), (std::vector<std::string>{"spf.not_locked_down"}));
}

// ---- checks over zones ------------------------------------------------------

TEST(Checks, CleanDomainsHaveNoFindings) {
  auto z = zone(kBaseZone);
  AuditReport r = audit(*z, {{name("parked.test"), DomainKind::kNonSending},
                             {name("send.test"), DomainKind::kSending}});
  EXPECT_TRUE(r.domains[0].findings.empty()) << render_text(r);
  EXPECT_TRUE(r.domains[1].findings.empty()) << render_text(r);
  EXPECT_FALSE(r.reaches(Severity::kInfo));
}

TEST(Checks, TemporaryFailuresAreErrorsInEveryArea) {
  auto z = zone(kBaseZone);
  z->add_fault("_dmarc.send.test", dns::ZoneFault::kTimeout);
  z->add_fault("send.test", dns::ZoneFault::kServfail);  // TXT and MX
  z->add_fault("selector1._domainkey.send.test", dns::ZoneFault::kTimeout);
  AuditReport r = audit(*z, {{name("send.test"), DomainKind::kSending}});
  auto got = ids(r.domains[0]);
  for (const char* id : {"dmarc.dns_error", "spf.dns_error", "mx.dns_error", "dkim.dns_error"}) {
    EXPECT_NE(std::find(got.begin(), got.end(), id), got.end()) << id << "\n" << render_text(r);
  }
  EXPECT_EQ(find(r.domains[0], "dmarc.dns_error")->severity, Severity::kError);
  EXPECT_EQ(find(r.domains[0], "dmarc.dns_error")->evidence,
            "_dmarc.send.test TXT: temporary failure (timeout for _dmarc.send.test (simulated))");
}

TEST(Checks, SpfExpansionStopsAtItsLimitAndSaysSo) {
  // A chain of 20 nested includes: 20 lookups, more than the audit follows.
  std::string text = "deep.test. 300 IN TXT \"v=spf1 include:i0.deep.test -all\"\n";
  for (int i = 0; i < 20; ++i) {
    text += "i" + std::to_string(i) + ".deep.test. 300 IN TXT \"v=spf1 include:i" +
            std::to_string(i + 1) + ".deep.test -all\"\n";
  }
  text += "i20.deep.test. 300 IN TXT \"v=spf1 -all\"\n";
  auto z = zone(text);
  AuditReport r = audit(*z, {{name("deep.test"), DomainKind::kSending}});
  const Finding* lookups = find(r.domains[0], "spf.lookups");
  ASSERT_NE(lookups, nullptr) << render_text(r);
  EXPECT_EQ(lookups->severity, Severity::kError);
  EXPECT_NE(lookups->message.find("at least"), std::string::npos) << lookups->message;
  EXPECT_NE(find(r.domains[0], "spf.incomplete"), nullptr);
}

TEST(Checks, UnqueryableIncludeIsAMissingRecord) {
  std::string label(64, 'x');
  auto z = zone("bad.test. 300 IN TXT \"v=spf1 include:" + label + ".test -all\"\n");
  AuditReport r = audit(*z, {{name("bad.test"), DomainKind::kSending}});
  const Finding* f = find(r.domains[0], "spf.include_missing");
  ASSERT_NE(f, nullptr) << render_text(r);
  EXPECT_EQ(f->fix, "bad.test. TXT \"v=spf1 -all\"");
}

TEST(Checks, SendingDomainWithoutDmarcStartsWithMonitoring) {
  auto z = zone("new.test. 300 IN MX 10 mx.new.test.\nnew.test. 300 IN TXT \"v=spf1 mx -all\"\n");
  AuditReport r = audit(*z, {{name("new.test"), DomainKind::kSending}});
  const Finding* f = find(r.domains[0], "dmarc.missing");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->fix, "_dmarc.new.test. TXT \"v=DMARC1; p=none; np=reject; rua=mailto:dmarc-reports@new.test;\"");
  EXPECT_EQ(f->fix_kind, FixKind::kRecord);
}

TEST(Checks, TenantWithoutSpfProposesMicrosoftsInclude) {
  auto z = zone("m.test. 300 IN MX 0 m-test.mail.protection.outlook.com.\n");
  AuditOptions options;
  options.tenant = *Tenant::parse("contoso");
  AuditReport r = audit(*z, {{name("m.test"), DomainKind::kSending}}, options);
  const Finding* f = find(r.domains[0], "spf.missing");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->fix, "m.test. TXT \"v=spf1 include:spf.protection.outlook.com -all\"");
  // Both selector CNAMEs are missing; dkim.none would only repeat it.
  EXPECT_NE(find(r.domains[0], "dkim.m365_cname_missing"), nullptr);
  EXPECT_EQ(find(r.domains[0], "dkim.none"), nullptr);
}

// ---- the managed-key hook ---------------------------------------------------

class FakeKeys final : public ManagedKeySource {
 public:
  std::optional<ManagedKey> key;
  std::optional<ManagedKey> find(const DomainName& d, std::string_view selector) const override {
    if (d.lower() == "send.test" && selector == "selector2") return key;
    return std::nullopt;
  }
};

TEST(ManagedKeys, AgeAndMismatchAreCheckedWhenAStoreIsConnected) {
  auto z = zone(kBaseZone);
  const UnixTime now = 1767225600;
  FakeKeys keys;
  keys.key = ManagedKey{now - 10 * 86400, "nICr4Bzt3Q7PAuoi17LGIRxXNFMsQFv8dseehYtKf4g=", "ed25519"};
  AuditOptions options;
  options.managed_keys = &keys;
  // The same key, young: nothing to say.
  EXPECT_TRUE(audit(*z, {{name("send.test"), DomainKind::kSending}}, options, now).domains[0].findings.empty());

  // Another key, 200 days old.
  auto other = dkim::PrivateKey::generate(dkim::KeyType::kEd25519);
  ASSERT_TRUE(other.has_value());
  keys.key = ManagedKey{now - 200 * 86400, other->public_key_base64(), "ed25519"};
  AuditReport r = audit(*z, {{name("send.test"), DomainKind::kSending}}, options, now);
  const Finding* mismatch = find(r.domains[0], "dkim.key_mismatch");
  ASSERT_NE(mismatch, nullptr) << render_text(r);
  EXPECT_EQ(mismatch->severity, Severity::kError);
  EXPECT_EQ(mismatch->fix, zone_txt("selector2._domainkey.send.test",
                                    "v=DKIM1; k=ed25519; p=" + other->public_key_base64()));
  const Finding* age = find(r.domains[0], "dkim.key_age");
  ASSERT_NE(age, nullptr);
  EXPECT_NE(age->message.find("200 days old"), std::string::npos) << age->message;
  EXPECT_EQ(age->fix_kind, FixKind::kSentence);
}

// ---- reports ----------------------------------------------------------------

TEST(Reports, JsonTextAndHtml) {
  // A TXT record with markup and a terminal escape in it.
  auto z = zone(std::string(kBaseZone) +
                "evil.test. 300 IN TXT \"v=spf1 <script>alert(1)</script> \\027[31m -all\"\n");
  AuditReport r = audit(*z, {{name("evil.test"), DomainKind::kNonSending},
                             {name("parked.test"), DomainKind::kNonSending}});
  auto j = nlohmann::ordered_json::parse(render_json(r));
  EXPECT_EQ(j["summary"]["domains"], 2);
  EXPECT_EQ(j["domains"][0]["kind"], "non-sending");
  const auto& f0 = j["domains"][0]["findings"][0];
  std::vector<std::string> keys;
  for (auto it = f0.begin(); it != f0.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "severity", "message", "evidence", "fix"}));
  Summary s = r.summary();
  EXPECT_EQ(j["summary"]["error"], s.errors);
  EXPECT_EQ(j["summary"]["warning"], s.warnings);
  EXPECT_EQ(j["summary"]["info"], s.infos);

  std::string plain = render_text(r);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(plain.find("parked.test  non-sending  ok: no findings"), std::string::npos) << plain;
  std::string colored = render_text(r, {.color = true});
  EXPECT_NE(colored.find("\x1b[1;31mERROR"), std::string::npos);
  // The escape from DNS is neutralised even in colour mode: only our own
  // sequences start with ESC.
  EXPECT_EQ(colored.find("\x1b[31m -all"), std::string::npos);

  std::string html = render_html(r, {.generated = 1767225600});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("id=\"summary\""), std::string::npos);
  EXPECT_NE(html.find("2026-01-01 00:00 UTC"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"))
      << "no external references but the SVG namespace";
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST(Reports, SummaryLineAndThreshold) {
  AuditReport r;
  r.domains.push_back({name("a.test"), DomainKind::kSending,
                       {{"x.y", Severity::kWarning, "m", "e", "f", FixKind::kSentence}}});
  EXPECT_EQ(summary_line(r.summary()), "1 domain: 0 errors, 1 warning, 0 info");
  EXPECT_TRUE(r.reaches(Severity::kWarning));
  EXPECT_FALSE(r.reaches(Severity::kError));
}

TEST(Demo, PrintsTheFixesOfTheDemoDomains) {
  auto z = dns::ZoneResolver::load_file(std::string(AUTHGUARD_SOURCE_DIR) + "/examples/demo.zone");
  ASSERT_TRUE(z.has_value());
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buf, &size);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(run_audit_demo(**z, out), 0);
  std::fclose(out);
  std::string text(buf, size);
  std::free(buf);
  EXPECT_NE(text.find("_dmarc.contoso.onmicrosoft.example. TXT \"v=DMARC1; p=reject;\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("parked.example  non-sending  ok: no findings"), std::string::npos) << text;
  EXPECT_NE(text.find("dmarc.monitoring"), std::string::npos);
}

}  // namespace
}  // namespace authguard::audit
