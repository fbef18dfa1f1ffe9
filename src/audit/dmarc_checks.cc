// dmarc_checks.cc: the DMARC posture of one domain (RFC 9989, RFC 7489).
//
// Every DMARC finding of a domain proposes the same record: the one that
// fixes all of them at once (the published record, rewritten tag by tag), so
// the fixes never contradict each other. Sending domains move one step along
// none -> quarantine -> reject; every other domain goes straight to reject.
#include <algorithm>

#include "audit/checks.h"
#include "audit/records.h"
#include "core/strings.h"
#include "dmarc/record.h"

namespace authguard::audit {

namespace {

using dmarc::Policy;

int strength(Policy p) noexcept {
  switch (p) {
    case Policy::kNone: return 0;
    case Policy::kQuarantine: return 1;
    case Policy::kReject: return 2;
  }
  return 0;
}

// The next step towards reject for a sending domain.
Policy next_step(Policy p) noexcept {
  return p == Policy::kNone ? Policy::kQuarantine : Policy::kReject;
}

std::string quoted(std::string_view text) { return quote_txt_strings({std::string(text)}); }

// The URIs of the rua tag as written, valid or not.
std::vector<std::string> raw_rua(const std::string& record_text) {
  std::vector<std::string> out;
  auto rua = DmarcTags::parse(record_text).get("rua");
  if (!rua) return out;
  for (std::string_view uri : split(*rua, ',')) {
    uri = trim(uri);
    if (!uri.empty()) out.emplace_back(uri);
  }
  return out;
}

// Where the policy that applies to the domain comes from.
struct Effective {
  const dmarc::Record* own = nullptr;   // the domain's own, valid record
  dmarc::Record inherited;              // or an ancestor's
  DomainName inherited_from;
  bool has_inherited = false;
  Policy policy = Policy::kNone;        // what receivers apply to the domain's mail
};

// The record that fixes every DMARC finding of the domain at once.
std::string target_record(const DomainSnapshot& s, const Effective& e) {
  const DomainName& d = s.target.domain;
  const bool sending = s.target.kind == DomainKind::kSending;
  DmarcTags tags = e.own != nullptr ? DmarcTags::parse(e.own->text) : DmarcTags::fresh();
  tags.set("v", "DMARC1");
  Policy p = Policy::kReject;
  if (sending) {
    if (e.own != nullptr) p = next_step(e.own->policy);
    else if (e.has_inherited) p = next_step(e.policy);
    else p = Policy::kNone;  // a sending domain without DMARC starts by monitoring
  }
  tags.set("p", dmarc::policy_name(p));
  if (e.own != nullptr) {
    // sp weaker than where the domain is going: subdomains inherit p instead.
    if (e.own->subdomain_policy && strength(*e.own->subdomain_policy) < strength(p)) {
      tags.erase("sp");
    }
    if (e.own->testing) tags.erase("t");
    if (e.own->pct < 100) tags.erase("pct");
    // Tags the parser tolerated with invalid values (Record::notes) go too.
    auto invalid_value = [&](std::string_view tag, std::initializer_list<std::string_view> valid) {
      auto v = tags.get(tag);
      if (!v) return;
      for (auto ok : valid) {
        if (iequals(*v, ok)) return;
      }
      tags.erase(tag);
    };
    invalid_value("psd", {"y", "n", "u"});
    invalid_value("t", {"y", "n"});
    if (auto pct = tags.get("pct")) {
      unsigned long long v = 0;
      if (!parse_uint64(*pct, v) || v > 100) tags.erase("pct");
    }
    // Keep only rua URIs that parse; receivers ignore the others anyway.
    if (tags.get("rua")) {
      std::string kept;
      for (const auto& uri : e.own->rua) kept += (kept.empty() ? "" : ",") + uri;
      if (kept.empty()) tags.erase("rua");
      else tags.set("rua", kept);
    }
  }
  // Names that do not exist never send mail (RFC 9989 §4.7, np).
  Policy sp_after = p;
  if (auto sp = tags.get("sp")) {
    if (iequals(*sp, "none")) sp_after = Policy::kNone;
    else if (iequals(*sp, "quarantine")) sp_after = Policy::kQuarantine;
  }
  auto np = tags.get("np");
  if ((np && !iequals(*np, "reject")) || (!np && sp_after != Policy::kReject)) {
    tags.set("np", "reject");
  }
  if (sending && !tags.get("rua")) tags.set("rua", default_rua(d));
  return zone_txt("_dmarc." + d.str(), tags.str());
}

Finding make(std::string id, Severity sev, std::string message, std::string evidence,
             std::string fix, FixKind kind) {
  return Finding{std::move(id), sev, std::move(message), std::move(evidence), std::move(fix), kind};
}

}  // namespace

std::vector<Finding> check_dmarc(const DomainSnapshot& s, const CheckContext& /*ctx*/) {
  std::vector<Finding> out;
  if (!s.dmarc) return out;
  const DomainName& d = s.target.domain;
  const DomainKind kind = s.target.kind;
  const bool sending = kind == DomainKind::kSending;
  const std::string owner = "_dmarc." + d.str();
  const std::string where = detail::where_to_publish(s.target);
  const TxtAnswer& answer = *s.dmarc;

  if (!answer && !answer.error().not_found()) {
    out.push_back(detail::dns_error("dmarc.dns_error", owner, "TXT", answer.error()));
    return out;
  }
  std::vector<std::string> candidates;
  if (answer) candidates = dmarc_candidates(*answer);
  const std::string evidence =
      answer ? detail::txt_evidence(owner, *answer) : detail::error_evidence(owner, "TXT", answer.error());

  Effective e;
  dmarc::Record own;
  if (candidates.size() > 1) {
    out.push_back(make("dmarc.multiple", Severity::kError,
                       std::to_string(candidates.size()) + " DMARC records at " + owner +
                           ": receivers then use none of them (RFC 7489 §6.6.3) and " + d.str() +
                           " has no DMARC protection. Publish exactly one." + where,
                       evidence, target_record(s, e), FixKind::kRecord));
    return out;
  }
  if (candidates.size() == 1) {
    auto parsed = dmarc::is_dmarc_record(candidates.front())
                      ? dmarc::parse_record(candidates.front())
                      : Result<dmarc::Record>(fail(ErrorKind::kInvalidInput,
                                                   "the record must start with \"v=DMARC1;\""));
    if (!parsed) {
      out.push_back(make("dmarc.invalid", Severity::kError,
                         "The DMARC record at " + owner + " is invalid (" +
                             parsed.error().message + "), so receivers ignore it." + where,
                         evidence, target_record(s, e), FixKind::kRecord));
      return out;
    }
    own = std::move(*parsed);
    e.own = &own;
    e.policy = own.policy;
  } else {
    // None of its own: what would a receiver's tree walk find above it?
    for (const auto& a : s.dmarc_ancestors) {
      if (!a.txt) continue;
      const std::string a_owner = "_dmarc." + a.domain.str();
      if (!*a.txt) {
        if (a.txt->error().not_found()) continue;
        out.push_back(detail::dns_error("dmarc.dns_error", a_owner, "TXT", a.txt->error()));
        return out;
      }
      auto found = dmarc_candidates(**a.txt);
      if (found.size() != 1 || !dmarc::is_dmarc_record(found.front())) continue;  // discarded (RFC 9989 §4.10)
      auto parsed = dmarc::parse_record(found.front());
      if (!parsed) continue;
      e.inherited = std::move(*parsed);
      e.inherited_from = a.domain;
      e.has_inherited = true;
      e.policy = e.inherited.subdomain_policy.value_or(e.inherited.policy);
      break;
    }
    if (!e.has_inherited) {
      std::string msg = "No DMARC record at " + owner + ": receivers cannot tell forged mail from " +
                        d.str() + " from real mail, and deliver it.";
      if (sending) {
        msg += " Start with p=none and aggregate reports (rua), then move to reject.";
      } else if (kind == DomainKind::kRouting) {
        msg += " " + d.str() + " is a routing domain that no real mail comes from: publish p=reject.";
      } else {
        msg += " " + d.str() + " sends no mail, so publish p=reject.";
      }
      out.push_back(make("dmarc.missing", Severity::kError, msg + where, evidence,
                         target_record(s, e), FixKind::kRecord));
      return out;
    }
    const std::string a_owner = "_dmarc." + e.inherited_from.str();
    out.push_back(make(
        "dmarc.inherited", Severity::kInfo,
        "No DMARC record of its own: receivers walk up to " + a_owner + " (RFC 9989 §4.10) and apply p=" +
            dmarc::policy_name(e.policy) + (e.inherited.subdomain_policy ? " (its sp)" : "") +
            " to " + d.str() + ".",
        evidence + "\n" + a_owner + " TXT " + quoted(e.inherited.text), "", FixKind::kNone));
  }

  const std::string fix = target_record(s, e);
  const std::string record_evidence =
      e.own != nullptr ? owner + " TXT " + quoted(own.text)
                       : "_dmarc." + e.inherited_from.str() + " TXT " + quoted(e.inherited.text);
  const std::string policy_name = dmarc::policy_name(e.policy);

  // The policy itself.
  if (never_sends(kind) && e.policy != Policy::kReject) {
    std::string msg = kind == DomainKind::kRouting
                          ? d.str() + " is a routing domain: no real mail comes from it, so its "
                                      "DMARC policy must be p=reject, not p=" + policy_name + "."
                          : d.str() + " sends no mail, so its DMARC policy must be p=reject, not p=" +
                                policy_name + ": anything claiming to be from it is forged.";
    out.push_back(make("dmarc.not_reject", Severity::kError, msg + where, record_evidence, fix,
                       FixKind::kRecord));
  } else if (sending && e.policy == Policy::kNone) {
    out.push_back(make(
        "dmarc.monitoring", Severity::kWarning,
        "p=none only monitors: receivers deliver mail that fails DMARC. Path to reject: read the "
        "aggregate reports (rua) until every real source of " + d.str() +
            " passes SPF or DKIM aligned, then publish p=quarantine, then p=reject.",
        record_evidence, fix, FixKind::kRecord));
  } else if (sending && e.policy == Policy::kQuarantine) {
    out.push_back(make("dmarc.quarantine", Severity::kInfo,
                       "p=quarantine sends failing mail to spam. Last step: once the aggregate "
                       "reports show no real mail in quarantine, publish p=reject.",
                       record_evidence, fix, FixKind::kRecord));
  }
  if (e.own == nullptr) return out;

  // Tags of its own record.
  if (!own.notes.empty()) {
    std::string notes;
    for (const auto& n : own.notes) notes += (notes.empty() ? "" : "; ") + n;
    out.push_back(make("dmarc.tolerated", Severity::kWarning,
                       "The DMARC record has invalid tags that receivers ignore: " + notes + ".",
                       record_evidence, fix, FixKind::kRecord));
  }
  if (own.pct < 100) {
    out.push_back(make("dmarc.pct", Severity::kWarning,
                       "pct=" + std::to_string(own.pct) +
                           " asks receivers to apply the policy to only part of the failing mail. "
                           "RFC 9989 removed pct: receivers that follow it apply the policy to all "
                           "of it, older ones to half. Say what you mean: drop pct (use t=y to test).",
                       record_evidence, fix, FixKind::kRecord));
  }
  if (own.subdomain_policy) {
    Policy sp = *own.subdomain_policy;
    if (never_sends(kind) && sp != Policy::kReject) {
      out.push_back(make("dmarc.subdomain_policy", Severity::kError,
                         std::string("sp=") + dmarc::policy_name(sp) + " lets forged mail from "
                             "subdomains of " + d.str() + " through; without sp, subdomains get p=reject.",
                         record_evidence, fix, FixKind::kRecord));
    } else if (sending && strength(sp) < strength(own.policy)) {
      out.push_back(make("dmarc.subdomain_policy", Severity::kWarning,
                         std::string("sp=") + dmarc::policy_name(sp) + " is weaker than p=" +
                             dmarc::policy_name(own.policy) + ": subdomains of " + d.str() +
                             " are easier to forge than the domain itself.",
                         record_evidence, fix, FixKind::kRecord));
    }
  }
  // RFC 9989 §4.7: np= covers subdomains that do not exist; absent, it falls
  // back to sp, then p.
  Policy np_effective = own.nonexistent_policy.value_or(own.subdomain_policy.value_or(own.policy));
  if (own.nonexistent_policy && *own.nonexistent_policy != Policy::kReject) {
    out.push_back(make("dmarc.nonexistent_policy", Severity::kWarning,
                       std::string("np=") + dmarc::policy_name(*own.nonexistent_policy) +
                           ": mail from made-up subdomains of " + d.str() +
                           " (which can't be real) is not rejected.",
                       record_evidence, fix, FixKind::kRecord));
  } else if (!own.nonexistent_policy && np_effective != Policy::kReject) {
    out.push_back(make("dmarc.nonexistent_policy", Severity::kInfo,
                       "Mail from subdomains of " + d.str() +
                           " that do not exist gets p=" + dmarc::policy_name(np_effective) +
                           "; np=reject (RFC 9989 §4.7) rejects it at no risk to real mail.",
                       record_evidence, fix, FixKind::kRecord));
  }
  if (own.testing) {
    out.push_back(make("dmarc.testing", Severity::kWarning,
                       "t=y asks receivers to apply the next weaker policy (RFC 9989 §4.7): "
                       "p=reject acts as quarantine, quarantine as none.",
                       record_evidence, fix, FixKind::kRecord));
  }

  // Aggregate reports.
  std::vector<std::string> invalid;
  for (const auto& uri : raw_rua(own.text)) {
    if (!dmarc::valid_report_uri(uri)) invalid.push_back(uri);
  }
  if (!invalid.empty()) {
    std::string list;
    for (const auto& u : invalid) list += (list.empty() ? "" : ", ") + u;
    out.push_back(make("dmarc.rua_invalid", Severity::kWarning,
                       "rua holds URIs receivers can't use (a mailto: address is needed): " + list +
                           ".",
                       record_evidence, fix, FixKind::kRecord));
  }
  if (sending && own.rua.empty()) {
    out.push_back(make("dmarc.rua_missing", Severity::kWarning,
                       "No aggregate reports (rua): without them nobody sees who sends as " +
                           d.str() + ", and the way to p=reject is blind. The fix names "
                           "dmarc-reports@" + d.lower() + "; use a mailbox that exists.",
                       record_evidence, fix, FixKind::kRecord));
  }
  for (const auto& auth : s.report_authorizations) {
    if (!auth.txt) continue;
    if (!*auth.txt && !auth.txt->error().not_found()) {
      out.push_back(detail::dns_error("dmarc.dns_error", auth.name, "TXT", auth.txt->error()));
      continue;
    }
    bool authorised = false;
    if (*auth.txt) {
      for (const auto& r : (*auth.txt)->records) authorised |= dmarc::is_dmarc_record(r.joined());
    }
    if (authorised) continue;
    out.push_back(make(
        "dmarc.rua_unauthorized", Severity::kWarning,
        "Reports go to " + auth.destination + ", outside " + s.organizational_domain.str() +
            ", which has not agreed to receive them: receivers send it no reports (RFC 7489 "
            "§7.1). The owner of " + auth.destination + " publishes the fix.",
        *auth.txt ? detail::txt_evidence(auth.name, **auth.txt)
                  : detail::error_evidence(auth.name, "TXT", auth.txt->error()),
        zone_txt(auth.name, "v=DMARC1;"), FixKind::kRecord));
  }

  // RFC 9989 §4.10: a walk from a name of more than 8 labels jumps straight
  // to its last 7 labels, so this record is read only for the domain itself.
  if (d.label_count() > kMaxDmarcWalkLabels) {
    out.push_back(make(
        "dmarc.deep", Severity::kWarning,
        d.str() + " has " + std::to_string(d.label_count()) +
            " labels. The DMARC tree walk (RFC 9989 §4.10) jumps from more than 8 labels "
            "straight to the last 7, so receivers checking a subdomain of it never read this "
            "record: its sp and np apply to nothing.",
        record_evidence,
        "Publish the policy for deeper names at an ancestor of at most 7 labels (" +
            d.suffix(7).str() + "), or give each subdomain that appears in From its own record.",
        FixKind::kSentence));
  }
  return out;
}

}  // namespace authguard::audit
