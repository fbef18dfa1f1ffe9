// dmarc_test.cc: DMARC records, discovery (tree walk and PSL), alignment,
// policy selection, t=y, pct, temporary failures at each step, and the
// multi-From / multi-address cases (CVE-2019-16378 class).
#include <gtest/gtest.h>

#include "dmarc/evaluate.h"
#include "dns/zone_resolver.h"
#include "support/strict_resolver.h"

namespace authguard::dmarc {
namespace {

constexpr const char* kZone = R"(
_dmarc.example.com.        300 IN TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com"
example.com.               300 IN A   192.0.2.1
mail.example.com.          300 IN A   192.0.2.2
_dmarc.none.example.       300 IN TXT "v=DMARC1; p=none"
_dmarc.strict.example.     300 IN TXT "v=DMARC1; p=reject; adkim=s; aspf=s"
_dmarc.testing.example.    300 IN TXT "v=DMARC1; p=reject; t=y"
_dmarc.testq.example.      300 IN TXT "v=DMARC1; p=quarantine; t=y"
_dmarc.pct.example.        300 IN TXT "v=DMARC1; p=reject; pct=50"
_dmarc.norua.example.      300 IN TXT "v=DMARC1; p=bogus"
_dmarc.rua.example.        300 IN TXT "v=DMARC1; p=bogus; rua=mailto:x@rua.example"
_dmarc.multi.example.      300 IN TXT "v=DMARC1; p=reject"
_dmarc.multi.example.      300 IN TXT "v=DMARC1; p=none"
_dmarc.multi.example.      300 IN TXT "v=spf1 -all"
_dmarc.psd.example.        300 IN TXT "v=DMARC1; p=reject; psd=y"
_dmarc.b.corp.example.     300 IN TXT "v=DMARC1; p=reject; psd=n"
_dmarc.corp.example.       300 IN TXT "v=DMARC1; p=quarantine"
_dmarc.evil.example.       300 IN TXT "v=DMARC1; p=none"
_dmarc.example.co.uk.      300 IN TXT "v=DMARC1; p=reject"
)";

spf::SpfOutput spf_result(spf::SpfResult r, std::string domain) {
  spf::SpfOutput o;
  o.result = r;
  o.domain = std::move(domain);
  return o;
}

dkim::SignatureVerdict dkim_result(dkim::DkimResult r, std::string domain) {
  dkim::SignatureVerdict v;
  v.result = r;
  v.domain = std::move(domain);
  return v;
}

struct Case {
  const char* name;
  const char* from;
  spf::SpfResult spf;
  const char* spf_domain;
  dkim::DkimResult dkim;
  const char* dkim_domain;
  Mode mode;
  DmarcResult want;
  const char* want_policy;  // applied policy
  const char* want_action;
  bool spf_aligned;
  bool dkim_aligned;
};

using R = DmarcResult;
using S = spf::SpfResult;
using D = dkim::DkimResult;
constexpr Mode k9989 = Mode::kRfc9989;
constexpr Mode k7489 = Mode::kRfc7489;

const Case kCases[] = {
    {"spf_aligned_exact", "a@example.com", S::kPass, "example.com", D::kNone, "", k9989, R::kPass, "reject", "none", true, false},
    {"spf_relaxed_subdomain", "a@example.com", S::kPass, "bounce.example.com", D::kNone, "", k9989, R::kPass, "reject", "none", true, false},
    {"dkim_relaxed_subdomain", "a@mail.example.com", S::kFail, "x.example.net", D::kPass, "example.com", k9989, R::kPass, "quarantine", "none", false, true},
    {"dkim_fail_not_aligned", "a@example.com", S::kNone, "", D::kFail, "example.com", k9989, R::kFail, "reject", "reject", false, false},
    {"dkim_pass_other_domain", "a@example.com", S::kSoftfail, "example.com", D::kPass, "mailer.example.net", k9989, R::kFail, "reject", "reject", false, false},
    {"spf_strict_subdomain_fails", "a@strict.example", S::kPass, "bounce.strict.example", D::kNone, "", k9989, R::kFail, "reject", "reject", false, false},
    {"dkim_strict_subdomain_fails", "a@strict.example", S::kNone, "", D::kPass, "sub.strict.example", k9989, R::kFail, "reject", "reject", false, false},
    {"dkim_strict_exact_passes", "a@strict.example", S::kNone, "", D::kPass, "STRICT.example", k9989, R::kPass, "reject", "none", false, true},
    {"sp_for_existing_subdomain", "a@mail.example.com", S::kFail, "mail.example.com", D::kNone, "", k9989, R::kFail, "quarantine", "quarantine", false, false},
    {"np_for_nonexistent_subdomain", "a@nx.example.com", S::kNone, "", D::kNone, "", k9989, R::kFail, "reject", "reject", false, false},
    {"np_ignored_in_7489", "a@nx.example.com", S::kNone, "", D::kNone, "", k7489, R::kFail, "quarantine", "quarantine", false, false},
    {"p_none_fails_with_none", "a@none.example", S::kFail, "none.example", D::kNone, "", k9989, R::kFail, "none", "none", false, false},
    {"testing_reject_to_quarantine", "a@testing.example", S::kFail, "testing.example", D::kNone, "", k9989, R::kFail, "quarantine", "quarantine", false, false},
    {"testing_quarantine_to_none", "a@testq.example", S::kFail, "testq.example", D::kNone, "", k9989, R::kFail, "none", "none", false, false},
    {"invalid_p_no_rua_is_none", "a@norua.example", S::kFail, "norua.example", D::kNone, "", k9989, R::kNone, "none", "none", false, false},
    {"invalid_p_with_rua_is_p_none", "a@rua.example", S::kFail, "rua.example", D::kNone, "", k9989, R::kFail, "none", "none", false, false},
    {"several_records_ignored_9989", "a@multi.example", S::kFail, "multi.example", D::kNone, "", k9989, R::kNone, "none", "none", false, false},
    {"several_records_stop_7489", "a@multi.example", S::kFail, "multi.example", D::kNone, "", k7489, R::kNone, "none", "none", false, false},
    {"no_record", "a@nothing.example", S::kFail, "nothing.example", D::kNone, "", k9989, R::kNone, "none", "none", false, false},
    {"psd_subdomain_uses_psd_policy", "a@shop.psd.example", S::kFail, "shop.psd.example", D::kNone, "", k9989, R::kFail, "reject", "reject", false, false},
    // Tree walk vs PSL: b.corp.example says psd=n, so under RFC 9989 it is
    // its own organization; the PSL puts both under corp.example.
    {"walk_psd_n_splits_org", "a@x.b.corp.example", S::kPass, "other.corp.example", D::kNone, "", k9989, R::kFail, "reject", "reject", false, false},
    {"psl_joins_org", "a@x.b.corp.example", S::kPass, "other.corp.example", D::kNone, "", k7489, R::kPass, "quarantine", "none", true, false},
    {"psd_y_org_below_psd_walk", "a@a.org.psd.example", S::kPass, "other.psd.example", D::kNone, "", k9989, R::kFail, "reject", "reject", false, false},
    {"psl_registrable_co_uk", "a@example.co.uk", S::kPass, "mail.example.co.uk", D::kNone, "", k7489, R::kPass, "reject", "none", true, false},
    {"walk_co_uk", "a@example.co.uk", S::kPass, "mail.example.co.uk", D::kNone, "", k9989, R::kPass, "reject", "none", true, false},
    {"psl_no_cross_co_uk", "a@example.co.uk", S::kPass, "other.co.uk", D::kNone, "", k7489, R::kFail, "reject", "reject", false, false},
};

class DmarcTable : public ::testing::TestWithParam<Case> {};

TEST_P(DmarcTable, Verdict) {
  const Case& c = GetParam();
  auto zone = dns::ZoneResolver::load_text(kZone, "dmarc.zone");
  ASSERT_TRUE(zone.has_value()) << zone.error().message;
  DmarcOptions opt;
  opt.mode = c.mode;
  Evaluator eval(**zone, opt);
  std::string text = std::string("From: ") + c.from + "\r\nSubject: t\r\n\r\nbody\r\n";
  auto m = Message::parse(text);
  ASSERT_TRUE(m.has_value());
  std::vector<dkim::SignatureVerdict> sigs;
  if (c.dkim != D::kNone) sigs.push_back(dkim_result(c.dkim, c.dkim_domain));
  Verdict v = eval.evaluate(*m, spf_result(c.spf, c.spf_domain), sigs);
  EXPECT_EQ(result_name(v.result), std::string(result_name(c.want))) << v.reason;
  EXPECT_EQ(policy_name(v.policy), std::string(c.want_policy)) << v.reason;
  EXPECT_EQ(v.action, c.want_action) << v.reason;
  EXPECT_EQ(v.spf_aligned, c.spf_aligned);
  EXPECT_EQ(v.dkim_aligned, c.dkim_aligned);
}

INSTANTIATE_TEST_SUITE_P(Cases, DmarcTable, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DmarcRecord, Tags) {
  auto r = parse_record("v=DMARC1; P=Reject; SP=none; np=quarantine; psd=n; t=y; adkim=s; aspf=r; "
                        "rua=mailto:a@example.com!10m,https://bad, mailto:b@example.com; ruf=mailto:f@example.com; "
                        "fo=1:d; pct=20; rf=afrf; ri=3600; unknown=zzz");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->policy, Policy::kReject);
  EXPECT_EQ(r->subdomain_policy, Policy::kNone);
  EXPECT_EQ(r->nonexistent_policy, Policy::kQuarantine);
  EXPECT_EQ(r->psd, Psd::kNo);
  EXPECT_TRUE(r->testing);
  EXPECT_EQ(r->adkim, Alignment::kStrict);
  EXPECT_EQ(r->aspf, Alignment::kRelaxed);
  EXPECT_EQ(r->rua, (std::vector<std::string>{"mailto:a@example.com!10m", "mailto:b@example.com"}));
  EXPECT_EQ(r->ruf.size(), 1u);
  EXPECT_EQ(r->fo, "1:d");
  EXPECT_EQ(r->pct, 20u);
  EXPECT_EQ(r->ri, 3600u);
  for (const char* bad : {"v=DMARC2; p=none", "p=none; v=DMARC1", "v=dmarc1; p=none", "v=DMARC1; p=maybe",
                          "v=DMARC1; p=none; p=reject", "v=DMARC1; adkim=x; p=none", "v=DMARC1; sp=maybe",
                          "v=DMARC1; p=none; bogus"}) {
    EXPECT_FALSE(parse_record(bad).has_value()) << bad;
  }
  auto tolerated = parse_record("v=DMARC1; sp=maybe; rua=mailto:x@example.com");
  ASSERT_TRUE(tolerated.has_value());
  EXPECT_EQ(tolerated->policy, Policy::kNone);
  EXPECT_FALSE(tolerated->notes.empty());
  EXPECT_TRUE(is_dmarc_record("v = DMARC1 ;p=none"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC10; p=none"));
}

TEST(DmarcRecord, ReportUris) {
  EXPECT_TRUE(valid_report_uri("mailto:d@example.com"));
  EXPECT_TRUE(valid_report_uri("mailto:d@example.com!50k"));
  EXPECT_FALSE(valid_report_uri("https://example.com/r"));
  EXPECT_FALSE(valid_report_uri("mailto:nobody"));
  EXPECT_FALSE(valid_report_uri("mailto:d@example.com!"));
  EXPECT_FALSE(valid_report_uri("mailto:d@example.com!5x"));
}

TEST(DmarcWalk, MoreThanEightLabelsSkipsToSeven) {
  auto d = *DomainName::parse("a.b.c.d.e.f.g.h.i.example.com");
  auto t = walk_targets(d);
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].str(), "a.b.c.d.e.f.g.h.i.example.com");
  EXPECT_EQ(t[1].str(), "e.f.g.h.i.example.com");
  EXPECT_EQ(t[7].str(), "com");
  // Exactly these eight queries, nothing else (the strict double fails the
  // test on any other).
  testing::StrictResolver dns;
  for (const auto& n : t) dns.expect_error("_dmarc." + n.str(), dns::RecordType::kTxt, dns::DnsStatus::kNxDomain);
  PolicyFinder finder(dns, Mode::kRfc9989);
  Discovery found = finder.find_policy(d);
  EXPECT_EQ(found.status, Discovery::Status::kNone);
  EXPECT_EQ(found.queries, 8u);
  dns.verify_all_used();
  auto short_name = walk_targets(*DomainName::parse("mail.example.com"));
  ASSERT_EQ(short_name.size(), 3u);
  EXPECT_EQ(short_name[2].str(), "com");
  EXPECT_EQ(walk_targets(*DomainName::parse("a.b.c.d.e.f.g.example")).size(), 8u);  // 8 labels
}

TEST(DmarcTemporary, EachStepGivesTemperror) {
  struct Step {
    const char* fault;
    const char* from;
    const char* spf_domain;
    S spf = S::kPass;
  };
  const Step steps[] = {
      {"_dmarc.mail.example.com", "a@mail.example.com", "mail.example.com"},  // first query
      {"_dmarc.example.com", "a@mail.example.com", "mail.example.com"},       // walk up
      {"_dmarc.com", "a@example.com", "other.example.net"},                   // org walk
      {"_dmarc.example.net", "a@example.com", "bounce.example.net"},          // SPF domain org walk
      {"nx.example.com", "a@nx.example.com", "nx.example.com", S::kFail},     // np existence check
  };
  for (const auto& s : steps) {
    auto zone = dns::ZoneResolver::load_text(kZone, "dmarc.zone");
    (*zone)->add_fault(s.fault, dns::ZoneFault::kTimeout);
    Evaluator eval(**zone);
    std::string text = std::string("From: ") + s.from + "\r\n\r\n";
    auto m = Message::parse(text);
    Verdict v = eval.evaluate(*m, spf_result(s.spf, s.spf_domain), {});
    EXPECT_EQ(v.result, DmarcResult::kTempError) << s.fault << ": " << result_name(v.result) << " " << v.reason;
  }
}

TEST(DmarcFrom, MultiFromAndMultiAddress) {
  auto zone = dns::ZoneResolver::load_text(kZone, "dmarc.zone");
  Evaluator eval(**zone);
  auto run = [&](const std::string& headers, spf::SpfOutput spf,
                 std::vector<dkim::SignatureVerdict> sigs = {}) {
    std::string text = headers + "Subject: x\r\n\r\nbody\r\n";
    auto m = Message::parse(text);
    EXPECT_TRUE(m.has_value());
    return eval.evaluate(*m, spf, sigs);
  };
  // Two domains; SPF passes for the attacker's: never a pass, the victim's
  // reject applies (CVE-2019-16378).
  Verdict two = run("From: a@evil.example, b@example.com\r\n", spf_result(S::kPass, "evil.example"));
  EXPECT_EQ(two.result, DmarcResult::kFail);
  EXPECT_EQ(two.policy, Policy::kReject);
  EXPECT_EQ(two.action, "reject");
  EXPECT_EQ(two.header_from, "example.com");
  EXPECT_NE(two.reason.find("several domains"), std::string::npos);
  // Two From fields, even of one domain, with an aligned DKIM pass.
  Verdict fields = run("From: a@example.com\r\nFrom: b@example.com\r\n", spf_result(S::kNone, ""),
                       {dkim_result(D::kPass, "example.com")});
  EXPECT_EQ(fields.result, DmarcResult::kFail);
  EXPECT_NE(fields.reason.find("2 From fields"), std::string::npos);
  // The np existence check failing does not spoil a pass.
  {
    auto z = dns::ZoneResolver::load_text(kZone, "dmarc.zone");
    (*z)->add_fault("nx.example.com", dns::ZoneFault::kTimeout);
    Evaluator e(**z);
    std::string text = "From: a@nx.example.com\r\n\r\n";
    auto m = Message::parse(text);
    EXPECT_EQ(e.evaluate(*m, spf_result(S::kPass, "example.com"), {}).result, DmarcResult::kPass);
  }
  // Several addresses, one domain: evaluated normally and may pass.
  Verdict same = run("From: a@example.com, b@EXAMPLE.com.\r\n", spf_result(S::kPass, "example.com"));
  EXPECT_EQ(same.result, DmarcResult::kPass);
  // No From, an empty group, a domain literal: permerror.
  EXPECT_EQ(run("To: x@example.com\r\n", spf_result(S::kPass, "example.com")).result, DmarcResult::kPermError);
  EXPECT_EQ(run("From: undisclosed:;\r\n", spf_result(S::kPass, "example.com")).result, DmarcResult::kPermError);
  EXPECT_EQ(run("From: a@[192.0.2.1]\r\n", spf_result(S::kPass, "example.com")).result, DmarcResult::kPermError);
  // Two domains, neither with DMARC: permerror, never pass.
  EXPECT_EQ(run("From: a@x.example, b@y.example\r\n", spf_result(S::kPass, "x.example")).result,
            DmarcResult::kPermError);
}

TEST(DmarcPct, SamplingInCompatibilityMode) {
  auto zone = dns::ZoneResolver::load_text(kZone, "dmarc.zone");
  std::string text = "From: a@pct.example\r\n\r\n";
  auto m = Message::parse(text);
  for (auto [sample, action, policy] : {std::tuple{10u, "reject", Policy::kReject},
                                        std::tuple{70u, "pct.reject", Policy::kQuarantine}}) {
    DmarcOptions opt;
    opt.mode = Mode::kRfc7489;
    opt.sample = [s = sample] { return s; };
    Evaluator eval(**zone, opt);
    Verdict v = eval.evaluate(*m, spf_result(S::kFail, "pct.example"), {});
    EXPECT_EQ(v.result, DmarcResult::kFail);
    EXPECT_EQ(v.action, action);
    EXPECT_EQ(v.policy, policy);
  }
  // RFC 9989 ignores pct.
  Evaluator eval(**zone);
  EXPECT_EQ(eval.evaluate(*m, spf_result(S::kFail, "pct.example"), {}).action, "reject");
}

}  // namespace
}  // namespace authguard::dmarc
