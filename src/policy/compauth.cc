// compauth.cc: the composite-authentication decision (docs/COMPAUTH.md).
//
// The order of the checks is the order of precedence: an admin block, then
// the explicit DMARC result, then spoofing of our own domains (which no
// implicit signal or allow entry can excuse), then an admin allow, then the
// implicit signals.
#include "policy/compauth.h"

#include <cstdio>

namespace authguard::policy {

namespace {

namespace code = compauth_reason;

// A DMARC failure whose policy would reject or quarantine: the only verdicts
// an override changes (Microsoft: "action=oreject" / "oquarantine").
bool enforced_failure(const dmarc::Verdict& v) {
  return v.result == dmarc::DmarcResult::kFail &&
         (v.policy == dmarc::Policy::kReject || v.policy == dmarc::Policy::kQuarantine);
}

void apply_override(const dmarc::Verdict& v, const CompAuthOptions& options, CompAuthResult& r) {
  if (!options.override || !enforced_failure(v)) return;
  r.action = v.policy == dmarc::Policy::kReject ? "oreject" : "oquarantine";
  r.overridden = true;
}

}  // namespace

const char* compauth_status_name(CompAuthStatus s) noexcept {
  switch (s) {
    case CompAuthStatus::kNone: return "none";
    case CompAuthStatus::kPass: return "pass";
    case CompAuthStatus::kFail: return "fail";
    case CompAuthStatus::kSoftPass: return "softpass";
  }
  return "none";
}

std::string CompAuthResult::reason_text() const {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03u", reason % 1000);
  return buf;
}

bool implicit_signals_matter(const dmarc::Verdict& dmarc, const CompAuthSignals& cheap) noexcept {
  // The steps of compauth() below that return before the implicit signals.
  return !cheap.block_listed && dmarc.result != dmarc::DmarcResult::kPass &&
         dmarc.result != dmarc::DmarcResult::kTempError && !dmarc.ambiguous_author &&
         !cheap.from_accepted_domain && !cheap.allow_listed;
}

CompAuthResult compauth(const dmarc::Verdict& dmarc, const CompAuthSignals& s,
                        const CompAuthOptions& options) {
  CompAuthResult r;
  r.action = dmarc.action;

  // An admin block is the strongest statement there is, even over a DMARC
  // pass: the domain owner authorised the mail, our admin does not want it.
  if (s.block_listed) {
    r.result = CompAuthStatus::kFail;
    r.reason = code::kAdminBlock;
    r.signals.emplace_back("block-list");
    return r;
  }
  if (dmarc.result == dmarc::DmarcResult::kPass) {
    r.result = CompAuthStatus::kPass;
    r.reason = code::kDmarcPass;
    r.signals.emplace_back("dmarc-pass");
    return r;
  }
  // DNS could not answer: nothing was judged. The caller defers the message
  // (temporary failure) rather than act on a guess.
  if (dmarc.result == dmarc::DmarcResult::kTempError) {
    r.result = CompAuthStatus::kNone;
    r.reason = code::kNotCheckedTemp;
    return r;
  }
  // A From naming several authors (or several From fields) is the
  // CVE-2019-16378 bypass shape: which author the reader believes is
  // unknowable, so no implicit signal may excuse it.
  if (dmarc.ambiguous_author) {
    r.result = CompAuthStatus::kFail;
    r.reason = code::kExplicitFail;
    r.signals.emplace_back("ambiguous-author");
    return r;
  }
  // Mail claiming one of our own domains comes from our own servers, which
  // sign it; when it does not authenticate it is a spoof, and history or an
  // allow entry for our own domain is exactly the hole attackers look for.
  // Microsoft 365 gives 010 / 6xx and sends such mail to junk.
  if (s.from_accepted_domain) {
    r.result = CompAuthStatus::kFail;
    r.intra_org_spoof = true;
    r.signals.emplace_back("accepted-domain-spoof");
    r.reason = dmarc.result == dmarc::DmarcResult::kFail        ? code::kAcceptedExplicitFail
               : dmarc.result == dmarc::DmarcResult::kPermError ? code::kAcceptedPermError
                                                                : code::kAcceptedImplicitFail;
    return r;
  }
  if (s.allow_listed) {
    r.result = CompAuthStatus::kNone;
    r.reason = code::kAdminAllow;
    r.signals.emplace_back("allow-list");
    apply_override(dmarc, options, r);
    return r;
  }

  // Implicit signals. Sender history is strong on its own (Microsoft's
  // "sender reputation"); so is a pass for a non-aligned domain with its own
  // good history (a list or forwarder that re-signs). FCrDNS and replying to
  // a correspondent are weak: one gives softpass, both together pass.
  bool history = !s.history_distrusted && s.history_messages >= options.min_messages &&
                 s.history_days >= options.min_days;
  if (history) r.signals.emplace_back("sender-history");
  if (s.nonaligned_pass_with_history) r.signals.emplace_back("nonaligned-pass-history");
  if (s.fcrdns_org_match) r.signals.emplace_back("fcrdns");
  if (s.known_correspondent) r.signals.emplace_back("known-correspondent");

  if (history) {
    r.result = CompAuthStatus::kPass;
    r.reason = code::kPassHistory;
  } else if (s.nonaligned_pass_with_history) {
    r.result = CompAuthStatus::kPass;
    r.reason = code::kPassNonAligned;
  } else if (s.fcrdns_org_match && s.known_correspondent) {
    r.result = CompAuthStatus::kPass;
    r.reason = code::kPassCombined;
  } else if (s.fcrdns_org_match) {
    r.result = CompAuthStatus::kSoftPass;
    r.reason = code::kSoftPassRdns;
  } else if (s.known_correspondent) {
    r.result = CompAuthStatus::kSoftPass;
    r.reason = code::kSoftPassRecipient;
  } else {
    r.result = CompAuthStatus::kFail;
    r.reason =
        dmarc.result == dmarc::DmarcResult::kFail ? code::kExplicitFail : code::kImplicitFail;
    return r;
  }
  // Only a pass is strong enough to overrule the domain owner's reject or
  // quarantine; a softpass leaves the DMARC action as it is.
  if (r.result == CompAuthStatus::kPass) apply_override(dmarc, options, r);
  return r;
}

}  // namespace authguard::policy
