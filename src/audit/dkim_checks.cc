// dkim_checks.cc: the DKIM keys of one sending domain (RFC 6376 §3.6.1,
// RFC 8301, RFC 8463), at the selectors the audit knows: selector1 and
// selector2 (Microsoft 365's) and those given with --selectors.
//
// A selector without a key is normal (the idle one of a rotation pair); the
// domain is flagged only when none of them has a usable key. With --tenant,
// selector1 and selector2 must be CNAMEs to the keys Microsoft publishes.
#include <algorithm>

#include "audit/checks.h"
#include "audit/records.h"
#include "core/strings.h"
#include "dkim/crypto.h"
#include "dkim/signature.h"
#include "dkim/tags.h"

namespace authguard::audit {

namespace {

Finding make(std::string id, Severity sev, std::string message, std::string evidence,
             std::string fix, FixKind kind) {
  return Finding{std::move(id), sev, std::move(message), std::move(evidence), std::move(fix), kind};
}

bool is_microsoft_selector(std::string_view selector) {
  for (auto s : kMicrosoftSelectors) {
    if (iequals(s, selector)) return true;
  }
  return false;
}

std::string abbreviated_txt(const std::string& owner, const dns::Answer<dns::TxtRecord>& txt) {
  // Keys are long; the evidence keeps the tags and the start of p=.
  constexpr std::size_t kKeep = 120;
  std::vector<std::string> lines;
  for (const auto& r : txt.records) {
    std::string joined = r.joined();
    if (joined.size() > kKeep) joined = joined.substr(0, kKeep) + "...";
    lines.push_back(owner + " TXT " + quote_txt_strings({joined}));
  }
  return detail::sorted_lines(std::move(lines));
}

}  // namespace

std::vector<Finding> check_dkim(const DomainSnapshot& s, const CheckContext& ctx) {
  std::vector<Finding> out;
  if (s.target.kind != DomainKind::kSending || s.dkim.empty()) return out;
  const DomainName& d = s.target.domain;
  const Tenant* tenant = ctx.tenant;
  bool any_key = false;
  bool microsoft_findings = false;
  std::vector<std::string> looked;
  std::string absent;  // evidence: what the selectors without a key answered

  // The region Microsoft uses for this domain, if one selector shows it, so
  // a fix for the other names the same one.
  std::optional<std::string> region;
  if (tenant != nullptr) {
    for (const auto& sel : s.dkim) {
      if (sel.cname && *sel.cname && !(*sel.cname)->records.empty()) {
        region = tenant->region_of(d, sel.selector, (*sel.cname)->records.front());
        if (region) break;
      }
    }
  }
  auto expected_target = [&](const std::string& selector) {
    return region ? tenant->regional_dkim_target(d, selector, *region)
                  : tenant->legacy_dkim_target(d, selector);
  };

  for (const auto& sel : s.dkim) {
    looked.push_back(sel.name);
    const bool microsoft = tenant != nullptr && is_microsoft_selector(sel.selector);

    // Microsoft 365's delegation.
    bool cname_ok = false;
    if (microsoft && sel.cname) {
      const NamesAnswer& cname = *sel.cname;
      std::string fix = zone_cname(sel.name, expected_target(sel.selector));
      if (cname && !cname->records.empty()) {
        const std::string& target = cname->records.front();
        if (tenant->matches_dkim_target(d, sel.selector, target)) {
          cname_ok = true;
        } else {
          microsoft_findings = true;
          out.push_back(make("dkim.m365_cname_mismatch", Severity::kWarning,
                             sel.name + " points somewhere other than Microsoft 365's key for " +
                                 d.str() + " in tenant " + tenant->name() +
                                 ": Microsoft signs with a key this name does not serve, and "
                                 "DKIM fails.",
                             sel.name + " CNAME " + zone_owner(target), fix, FixKind::kRecord));
        }
      } else if (!cname && !cname.error().not_found()) {
        out.push_back(detail::dns_error("dkim.dns_error", sel.name, "CNAME", cname.error()));
      } else {
        microsoft_findings = true;
        std::string evidence = cname ? sel.name + " CNAME: no records"
                                     : detail::error_evidence(sel.name, "CNAME", cname.error());
        if (sel.txt && *sel.txt) evidence += "\n" + abbreviated_txt(sel.name, **sel.txt);
        out.push_back(make("dkim.m365_cname_missing", Severity::kWarning,
                           sel.name + " is not a CNAME to Microsoft 365: Microsoft can't sign " +
                               d.str() + " with its rotated keys until both selector CNAMEs exist.",
                           evidence, fix, FixKind::kRecord));
      }
    }

    if (!sel.txt) continue;
    const TxtAnswer& txt = *sel.txt;
    if (!txt) {
      if (txt.error().not_found()) {
        absent += (absent.empty() ? "" : "\n") + detail::error_evidence(sel.name, "TXT", txt.error());
      }
      if (!txt.error().not_found()) {
        out.push_back(detail::dns_error("dkim.dns_error", sel.name, "TXT", txt.error()));
      } else if (cname_ok) {
        microsoft_findings = true;
        out.push_back(make("dkim.m365_key_missing", Severity::kWarning,
                           sel.name + " points to Microsoft 365, but Microsoft publishes no key "
                                      "there yet: DKIM signing for " + d.str() +
                               " is not enabled.",
                           sel.name + " CNAME " +
                               zone_owner((*sel.cname)->records.front()) + "\n" +
                               detail::error_evidence((*sel.cname)->records.front(), "TXT", txt.error()),
                           "Enable DKIM signing for " + d.str() +
                               " in the Microsoft Defender portal (Email & collaboration > "
                               "Policies > DKIM).",
                           FixKind::kSentence));
      }
      continue;
    }
    const std::string evidence = abbreviated_txt(sel.name, *txt);
    if (txt->records.size() > 1) {
      out.push_back(make("dkim.multiple", Severity::kError,
                         std::to_string(txt->records.size()) + " TXT records at " + sel.name +
                             ": verifiers pick one at random, so signatures fail by chance "
                             "(RFC 6376 §3.6.2.2).",
                         evidence, "Keep one key record at " + sel.name + " and delete the others.",
                         FixKind::kSentence));
      continue;
    }
    const std::string joined = txt->records.front().joined();
    auto key = dkim::parse_key_record(joined);
    if (!key) {
      out.push_back(make("dkim.invalid", Severity::kError,
                         "The key record at " + sel.name + " is invalid (" + key.error().message +
                             "): signatures with selector " + sel.selector + " fail.",
                         evidence,
                         "Publish the key record again as your signer exports it: " + sel.name +
                             " TXT \"v=DKIM1; k=rsa; p=<base64 public key>\".",
                         FixKind::kSentence));
      continue;
    }
    if (key->revoked) {
      out.push_back(make("dkim.revoked", Severity::kInfo,
                         "The key at " + sel.name + " is revoked (empty p=): signatures with "
                         "selector " + sel.selector + " fail, as intended after a rotation.",
                         evidence, "", FixKind::kNone));
      continue;
    }
    auto public_key = dkim::PublicKey::decode(key->type, key->public_key);
    if (!public_key) {
      out.push_back(make("dkim.invalid", Severity::kError,
                         "The key at " + sel.name + " can't be used (" +
                             public_key.error().message + "): signatures with selector " +
                             sel.selector + " fail.",
                         evidence,
                         "Publish the public key of the signer's private key at " + sel.name + ".",
                         FixKind::kSentence));
      continue;
    }
    any_key = true;
    const unsigned bits = public_key->bits();
    if (key->type == dkim::KeyType::kRsa && bits < kRecommendedRsaBits) {
      const bool too_weak = bits < kMinRsaBits;
      out.push_back(make("dkim.weak_key", too_weak ? Severity::kError : Severity::kWarning,
                         "The RSA key at " + sel.name + " has " + std::to_string(bits) + " bits" +
                             (too_weak ? ": verifiers MUST NOT accept keys under 1024 bits (RFC "
                                         "8301 §3.2), so signatures with it fail."
                                       : ": under 2048 bits, it can be factored by a determined "
                                         "attacker (RFC 8301 §3.2)."),
                         evidence,
                         "Rotate: generate a 2048-bit RSA key, publish it at the idle selector, "
                         "switch signing to it, then revoke " + sel.selector + " (p=).",
                         FixKind::kSentence));
    }
    if (key->testing) {
      out.push_back(make("dkim.testing", Severity::kWarning,
                         "t=y marks the key at " + sel.name + " as in testing: verifiers may "
                         "treat its signatures as absent (RFC 6376 §3.6.1).",
                         evidence, "Publish the key record again without t=y.", FixKind::kSentence));
    }
    if (!key->allows_sha256) {
      out.push_back(make("dkim.sha1", Severity::kError,
                         "h= allows only sha1 at " + sel.name +
                             ": verifiers MUST NOT accept rsa-sha1 signatures (RFC 8301 §3.1).",
                         evidence,
                         "Publish the key record without h= (or with h=sha256) and sign with "
                         "rsa-sha256.",
                         FixKind::kSentence));
    }
    // Keys this installation manages (the key store of --state-dir).
    if (ctx.managed_keys != nullptr) {
      if (auto managed = ctx.managed_keys->find(d, sel.selector)) {
        auto managed_bytes = dkim::decode_base64(managed->public_key_base64);
        if (!managed_bytes || *managed_bytes != key->public_key) {
          out.push_back(make("dkim.key_mismatch", Severity::kError,
                             "DNS serves a different key at " + sel.name +
                                 " from the one this installation signs with: its signatures "
                                 "fail.",
                             evidence,
                             zone_txt(sel.name, "v=DKIM1; k=" + managed->key_type +
                                                    "; p=" + managed->public_key_base64),
                             FixKind::kRecord));
        }
        const std::int64_t age = ctx.now - managed->created;
        if (managed->signing && age > ctx.max_key_age_seconds + ctx.key_age_grace_seconds) {
          out.push_back(make("dkim.key_age", Severity::kWarning,
                             "The key at " + sel.name + " is " + std::to_string(age / 86400) +
                                 " days old; keys are renewed every " +
                                 std::to_string(ctx.max_key_age_seconds / 86400) + " days.",
                             evidence,
                             "Rotate it: `authguard keys rotate " + d.str() +
                                 "`, or check that `authguard keys rotate --due` runs (cron "
                                 "or serve).",
                             FixKind::kSentence));
        }
      }
    }
  }

  if (!any_key && !microsoft_findings) {
    std::string names;
    for (const auto& n : looked) names += (names.empty() ? "" : ", ") + n;
    out.push_back(make("dkim.none", Severity::kWarning,
                       "No usable DKIM key at the selectors checked (" + names + "). Without "
                       "DKIM, DMARC rests on SPF alone, which forwarding breaks. If " + d.str() +
                           " signs with another selector, name it with --selectors.",
                       absent,
                       tenant != nullptr
                           ? zone_cname(s.dkim.front().name, expected_target(s.dkim.front().selector))
                           : "Publish the public key of your DKIM signer at <selector>._domainkey." +
                                 d.str() + " and sign outgoing mail with it.",
                       tenant != nullptr ? FixKind::kRecord : FixKind::kSentence));
  }
  return out;
}

}  // namespace authguard::audit
