// compauth_test.cc: the composite-authentication decision, signal by signal
// and in combination, with the override on and off (docs/COMPAUTH.md).
#include <gtest/gtest.h>

#include "policy/compauth.h"

namespace authguard::policy {
namespace {

using dmarc::DmarcResult;
using dmarc::Policy;
namespace code = compauth_reason;

dmarc::Verdict verdict(DmarcResult result, Policy policy = Policy::kNone) {
  dmarc::Verdict v;
  v.result = result;
  v.header_from = "sender.example";
  v.org_domain = "sender.example";
  v.policy = policy;
  v.requested = policy;
  v.has_record = result != DmarcResult::kNone;
  v.action = result == DmarcResult::kFail ? dmarc::policy_name(policy) : "none";
  return v;
}

CompAuthSignals history(unsigned messages, unsigned days) {
  CompAuthSignals s;
  s.history_messages = messages;
  s.history_days = days;
  return s;
}

using Signals = std::vector<std::string>;

TEST(CompAuth, ReasonTextIsThreeDigits) {
  CompAuthResult r;
  r.reason = 1;
  EXPECT_EQ(r.reason_text(), "001");
  r.reason = 10;
  EXPECT_EQ(r.reason_text(), "010");
  r.reason = 401;
  EXPECT_EQ(r.reason_text(), "401");
  EXPECT_STREQ(compauth_status_name(CompAuthStatus::kSoftPass), "softpass");
  EXPECT_STREQ(compauth_status_name(CompAuthStatus::kNone), "none");
}

TEST(CompAuth, DmarcPassIsExplicitPass) {
  auto r = compauth(verdict(DmarcResult::kPass, Policy::kReject), {}, {});
  EXPECT_EQ(r.result, CompAuthStatus::kPass);
  EXPECT_EQ(r.reason, code::kDmarcPass);
  EXPECT_EQ(r.signals, Signals{"dmarc-pass"});
  EXPECT_EQ(r.action, "none");
  EXPECT_FALSE(r.overridden);
}

TEST(CompAuth, DmarcFailWithoutSignalsIsExplicitFail) {
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), {}, {});
  EXPECT_EQ(r.result, CompAuthStatus::kFail);
  EXPECT_EQ(r.reason, code::kExplicitFail);
  EXPECT_EQ(r.reason_text(), "000");
  EXPECT_TRUE(r.signals.empty());
  EXPECT_EQ(r.action, "reject");
  EXPECT_FALSE(r.overridden);
}

TEST(CompAuth, NoDmarcRecordWithoutSignalsIsImplicitFail) {
  auto r = compauth(verdict(DmarcResult::kNone), {}, {});
  EXPECT_EQ(r.result, CompAuthStatus::kFail);
  EXPECT_EQ(r.reason_text(), "001");
  EXPECT_EQ(r.action, "none");
  auto perm = compauth(verdict(DmarcResult::kPermError), {}, {});
  EXPECT_EQ(perm.reason, code::kImplicitFail);
}

TEST(CompAuth, TempErrorIsNotChecked) {
  auto r = compauth(verdict(DmarcResult::kTempError), history(50, 20), {});
  EXPECT_EQ(r.result, CompAuthStatus::kNone);
  EXPECT_EQ(r.reason, code::kNotCheckedTemp);
  EXPECT_TRUE(r.signals.empty());
}

// Sender history alone: strong enough to pass and to override a reject.
TEST(CompAuth, SenderHistoryPassesAndOverridesReject) {
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), history(3, 2), {});
  EXPECT_EQ(r.result, CompAuthStatus::kPass);
  EXPECT_EQ(r.reason, code::kPassHistory);
  EXPECT_EQ(r.signals, Signals{"sender-history"});
  EXPECT_EQ(r.action, "oreject");
  EXPECT_TRUE(r.overridden);
}

TEST(CompAuth, SenderHistoryOverridesQuarantine) {
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kQuarantine), history(10, 5), {});
  EXPECT_EQ(r.action, "oquarantine");
  EXPECT_TRUE(r.overridden);
}

TEST(CompAuth, SenderHistoryBelowThresholdsDoesNotCount) {
  // Enough messages on one day only; enough days with too few messages.
  for (auto s : {history(10, 1), history(2, 2), history(0, 0)}) {
    auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), s, {});
    EXPECT_EQ(r.result, CompAuthStatus::kFail);
    EXPECT_EQ(r.reason, code::kExplicitFail);
    EXPECT_EQ(r.action, "reject");
  }
}

TEST(CompAuth, ThresholdsAreConfigurable) {
  CompAuthOptions strict;
  strict.min_messages = 10;
  strict.min_days = 5;
  auto weak = compauth(verdict(DmarcResult::kFail, Policy::kReject), history(9, 9), strict);
  EXPECT_EQ(weak.result, CompAuthStatus::kFail);
  auto ok = compauth(verdict(DmarcResult::kFail, Policy::kReject), history(10, 5), strict);
  EXPECT_EQ(ok.result, CompAuthStatus::kPass);
}

TEST(CompAuth, DistrustedHistoryDoesNotCount) {
  auto s = history(100, 30);
  s.history_distrusted = true;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kFail);
  EXPECT_EQ(r.reason, code::kExplicitFail);
  EXPECT_TRUE(r.signals.empty());
  EXPECT_EQ(r.action, "reject");
}

TEST(CompAuth, NonAlignedPassWithHistoryPasses) {
  CompAuthSignals s;
  s.nonaligned_pass_with_history = true;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kPass);
  EXPECT_EQ(r.reason, code::kPassNonAligned);
  EXPECT_EQ(r.signals, Signals{"nonaligned-pass-history"});
  EXPECT_EQ(r.action, "oreject");
}

TEST(CompAuth, FcrdnsAloneIsSoftPassWithoutOverride) {
  CompAuthSignals s;
  s.fcrdns_org_match = true;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kSoftPass);
  EXPECT_EQ(r.reason, code::kSoftPassRdns);
  EXPECT_EQ(r.signals, Signals{"fcrdns"});
  EXPECT_EQ(r.action, "reject");
  EXPECT_FALSE(r.overridden);
}

TEST(CompAuth, KnownCorrespondentAloneIsSoftPass) {
  CompAuthSignals s;
  s.known_correspondent = true;
  auto r = compauth(verdict(DmarcResult::kNone), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kSoftPass);
  EXPECT_EQ(r.reason, code::kSoftPassRecipient);
  EXPECT_EQ(r.signals, Signals{"known-correspondent"});
  EXPECT_EQ(r.action, "none");
}

TEST(CompAuth, TwoWeakSignalsTogetherPass) {
  CompAuthSignals s;
  s.fcrdns_org_match = true;
  s.known_correspondent = true;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kQuarantine), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kPass);
  EXPECT_EQ(r.reason, code::kPassCombined);
  EXPECT_EQ(r.signals, (Signals{"fcrdns", "known-correspondent"}));
  EXPECT_EQ(r.action, "oquarantine");
}

TEST(CompAuth, AllSignalsListedHistoryDecides) {
  auto s = history(5, 3);
  s.nonaligned_pass_with_history = true;
  s.fcrdns_org_match = true;
  s.known_correspondent = true;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), s, {});
  EXPECT_EQ(r.reason, code::kPassHistory);
  EXPECT_EQ(r.signals, (Signals{"sender-history", "nonaligned-pass-history", "fcrdns",
                                 "known-correspondent"}));
}

TEST(CompAuth, NoDmarcRecordWithHistoryPassesWithoutActionChange) {
  auto r = compauth(verdict(DmarcResult::kNone), history(3, 2), {});
  EXPECT_EQ(r.result, CompAuthStatus::kPass);
  EXPECT_EQ(r.reason, code::kPassHistory);
  EXPECT_EQ(r.action, "none");
  EXPECT_FALSE(r.overridden);
}

// p=none: the owner asked for nothing, so there is nothing to override.
TEST(CompAuth, DmarcFailUnderPolicyNoneIsNotOverridden) {
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kNone), history(3, 2), {});
  EXPECT_EQ(r.result, CompAuthStatus::kPass);
  EXPECT_EQ(r.action, "none");
  EXPECT_FALSE(r.overridden);
}

TEST(CompAuth, OverrideOffKeepsTheDmarcAction) {
  CompAuthOptions strict;
  strict.override = false;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), history(30, 10), strict);
  EXPECT_EQ(r.result, CompAuthStatus::kPass);  // still reported
  EXPECT_EQ(r.reason, code::kPassHistory);
  EXPECT_EQ(r.action, "reject");
  EXPECT_FALSE(r.overridden);

  CompAuthSignals allow;
  allow.allow_listed = true;
  auto a = compauth(verdict(DmarcResult::kFail, Policy::kQuarantine), allow, strict);
  EXPECT_EQ(a.reason, code::kAdminAllow);
  EXPECT_EQ(a.action, "quarantine");
  EXPECT_FALSE(a.overridden);
}

TEST(CompAuth, AllowListBypasses) {
  CompAuthSignals s;
  s.allow_listed = true;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kNone);
  EXPECT_EQ(r.reason, code::kAdminAllow);
  EXPECT_EQ(r.reason_text(), "401");
  EXPECT_EQ(r.signals, Signals{"allow-list"});
  EXPECT_EQ(r.action, "oreject");
  EXPECT_TRUE(r.overridden);
  // An explicit pass stays a pass: the allow entry was not needed.
  auto p = compauth(verdict(DmarcResult::kPass, Policy::kReject), s, {});
  EXPECT_EQ(p.reason, code::kDmarcPass);
}

TEST(CompAuth, BlockListFailsEvenADmarcPass) {
  CompAuthSignals s = history(100, 50);
  s.block_listed = true;
  s.allow_listed = true;  // block wins over allow
  for (auto v : {verdict(DmarcResult::kPass, Policy::kReject),
                 verdict(DmarcResult::kFail, Policy::kReject), verdict(DmarcResult::kNone)}) {
    auto r = compauth(v, s, {});
    EXPECT_EQ(r.result, CompAuthStatus::kFail);
    EXPECT_EQ(r.reason, code::kAdminBlock);
    EXPECT_EQ(r.reason_text(), "002");
    EXPECT_EQ(r.signals, Signals{"block-list"});
    EXPECT_FALSE(r.overridden);
  }
}

TEST(CompAuth, SpoofOfOurDomainWithDmarcFailIs010) {
  CompAuthSignals s = history(100, 50);  // history, allow and rDNS cannot excuse it
  s.from_accepted_domain = true;
  s.allow_listed = true;
  s.fcrdns_org_match = true;
  auto r = compauth(verdict(DmarcResult::kFail, Policy::kReject), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kFail);
  EXPECT_EQ(r.reason, code::kAcceptedExplicitFail);
  EXPECT_EQ(r.reason_text(), "010");
  EXPECT_TRUE(r.intra_org_spoof);
  EXPECT_EQ(r.signals, Signals{"accepted-domain-spoof"});
  EXPECT_EQ(r.action, "reject");
  EXPECT_FALSE(r.overridden);
}

TEST(CompAuth, SpoofOfOurDomainWithoutDmarcIs6xx) {
  CompAuthSignals s;
  s.from_accepted_domain = true;
  auto none = compauth(verdict(DmarcResult::kNone), s, {});
  EXPECT_EQ(none.result, CompAuthStatus::kFail);
  EXPECT_EQ(none.reason, code::kAcceptedImplicitFail);
  EXPECT_EQ(none.reason_text(), "601");
  EXPECT_TRUE(none.intra_org_spoof);
  auto perm = compauth(verdict(DmarcResult::kPermError), s, {});
  EXPECT_EQ(perm.reason, code::kAcceptedPermError);
  EXPECT_TRUE(perm.intra_org_spoof);
}

TEST(CompAuth, OurDomainPassingDmarcIsNotASpoof) {
  CompAuthSignals s;
  s.from_accepted_domain = true;
  auto r = compauth(verdict(DmarcResult::kPass, Policy::kReject), s, {});
  EXPECT_EQ(r.result, CompAuthStatus::kPass);
  EXPECT_FALSE(r.intra_org_spoof);
  // A block entry still wins over our own domain's pass.
  s.block_listed = true;
  EXPECT_EQ(compauth(verdict(DmarcResult::kPass), s, {}).reason, code::kAdminBlock);
}

// pct sampling lowered reject to quarantine (RFC 7489 §6.6.4): the override
// follows the policy that applied.
TEST(CompAuth, OverrideFollowsTheAppliedPolicy) {
  auto v = verdict(DmarcResult::kFail, Policy::kQuarantine);
  v.requested = Policy::kReject;
  v.action = "pct.reject";
  auto r = compauth(v, history(3, 2), {});
  EXPECT_EQ(r.action, "oquarantine");
}

TEST(CompAuthAmbiguousAuthor, NeverOverridden) {
  dmarc::Verdict v;
  v.result = dmarc::DmarcResult::kFail;
  v.requested = v.policy = dmarc::Policy::kReject;
  v.action = "reject";
  v.ambiguous_author = true;
  CompAuthSignals s;
  s.history_messages = 50;
  s.history_days = 20;
  s.allow_listed = true;
  CompAuthResult r = compauth(v, s, CompAuthOptions{});
  EXPECT_EQ(r.result, CompAuthStatus::kFail);
  EXPECT_EQ(r.reason, 0u);
  EXPECT_EQ(r.action, "reject");
  EXPECT_FALSE(r.overridden);
}

// implicit_signals_matter() lets callers skip lookups; it must say false
// only where compauth() really ignores the implicit signals.
TEST(CompAuthImplicitSignalsMatter, AgreesWithTheDecision) {
  using R = dmarc::DmarcResult;
  for (R result : {R::kPass, R::kFail, R::kNone, R::kTempError, R::kPermError}) {
    for (int mask = 0; mask < 16; ++mask) {
      dmarc::Verdict v;
      v.result = result;
      v.requested = v.policy = dmarc::Policy::kReject;
      v.action = result == R::kFail ? "reject" : "none";
      v.ambiguous_author = mask & 1;
      CompAuthSignals cheap;
      cheap.block_listed = mask & 2;
      cheap.allow_listed = mask & 4;
      cheap.from_accepted_domain = mask & 8;
      CompAuthSignals rich = cheap;
      rich.history_messages = 50;
      rich.history_days = 20;
      rich.fcrdns_org_match = rich.known_correspondent = rich.nonaligned_pass_with_history = true;
      CompAuthResult a = compauth(v, cheap, CompAuthOptions{});
      CompAuthResult b = compauth(v, rich, CompAuthOptions{});
      bool same = a.result == b.result && a.reason == b.reason && a.action == b.action;
      EXPECT_EQ(implicit_signals_matter(v, cheap), !same)
          << "dmarc " << dmarc::result_name(result) << " mask " << mask;
    }
  }
}

}  // namespace
}  // namespace authguard::policy
