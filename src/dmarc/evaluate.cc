// evaluate.cc: alignment, policy selection and the DMARC verdict.
#include "dmarc/evaluate.h"

#include <random>

#include "core/strings.h"
#include "message/address.h"

namespace authguard::dmarc {

const char* result_name(DmarcResult r) noexcept {
  switch (r) {
    case DmarcResult::kNone: return "none";
    case DmarcResult::kPass: return "pass";
    case DmarcResult::kFail: return "fail";
    case DmarcResult::kTempError: return "temperror";
    case DmarcResult::kPermError: return "permerror";
  }
  return "none";
}

std::vector<std::string> describe_tags(const Record& r) {
  std::vector<std::string> out;
  out.push_back(std::string("p=") + policy_name(r.policy));
  if (r.subdomain_policy) out.push_back(std::string("sp=") + policy_name(*r.subdomain_policy));
  if (r.nonexistent_policy) out.push_back(std::string("np=") + policy_name(*r.nonexistent_policy));
  if (r.psd != Psd::kUnknown) out.push_back(r.psd == Psd::kYes ? "psd=y" : "psd=n");
  if (r.testing) out.push_back("t=y");
  out.push_back(r.adkim == Alignment::kStrict ? "adkim=s" : "adkim=r");
  out.push_back(r.aspf == Alignment::kStrict ? "aspf=s" : "aspf=r");
  if (r.pct != 100) out.push_back("pct=" + std::to_string(r.pct));
  return out;
}

namespace {

Policy lower(Policy p) {
  return p == Policy::kReject ? Policy::kQuarantine : Policy::kNone;
}

unsigned random_sample() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return static_cast<unsigned>(rng() % 100);
}

}  // namespace

Evaluator::Evaluator(dns::Resolver& resolver, DmarcOptions options)
    : finder_(resolver, options.mode), options_(std::move(options)) {
  if (!options_.sample) options_.sample = random_sample;
}

Evaluator::~Evaluator() = default;

bool Evaluator::aligned(const DomainName& a, const DomainName& b, Alignment mode,
                        const OrgDomain& org_a, std::string& temp_reason) {
  if (a == b) return true;
  if (mode == Alignment::kStrict) return false;
  OrgDomain org_b = finder_.organizational_domain(b);
  if (org_b.temporary) {
    temp_reason = org_b.reason;
    return false;
  }
  return org_a.domain == org_b.domain;
}

Verdict Evaluator::evaluate_domain(const DomainName& author, const spf::SpfOutput& spf,
                                   const std::vector<dkim::SignatureVerdict>& dkim) {
  Verdict v;
  v.header_from = author.str();
  Discovery d = finder_.find_policy(author);
  if (d.status == Discovery::Status::kTempError) {
    v.result = DmarcResult::kTempError;
    v.reason = d.reason;
    return v;
  }
  if (d.status == Discovery::Status::kNone) {
    v.result = DmarcResult::kNone;
    v.reason = d.reason;
    return v;
  }
  v.has_record = true;
  v.record = d.record;
  v.policy_domain = d.policy_domain.str();
  v.tags = describe_tags(d.record);
  OrgDomain org = finder_.organizational_domain(author);
  if (org.temporary) {
    v.result = DmarcResult::kTempError;
    v.reason = org.reason;
    return v;
  }
  v.org_domain = org.domain.str();

  // Policy selection (§4.8): p for the domain that published; sp for its
  // subdomains; np for subdomains that do not exist.
  // It is reported for passes too; a temporary failure of the existence
  // check matters only when the message fails.
  v.requested = d.record.policy;
  v.applied_tag = "p";
  std::string policy_temp;
  if (!(d.policy_domain == author)) {
    bool nonexistent = false;
    if (d.record.nonexistent_policy && options_.mode == Mode::kRfc9989) {
      auto exists = finder_.exists(author);
      if (!exists) policy_temp = "could not tell whether " + author.str() + " exists";
      nonexistent = exists && !*exists;
    }
    if (nonexistent) {
      v.requested = *d.record.nonexistent_policy;
      v.applied_tag = "np";
    } else if (d.record.subdomain_policy) {
      v.requested = *d.record.subdomain_policy;
      v.applied_tag = "sp";
    }
  }
  // Identifier alignment (§4.4): SPF on the MAIL FROM domain (or HELO for a
  // null MAIL FROM, as spf reports it); DKIM on d= of passing signatures.
  std::string temp;
  if (spf.result == spf::SpfResult::kPass) {
    if (auto spf_domain = DomainName::parse(spf.domain)) {
      v.spf_aligned = aligned(author, *spf_domain, d.record.aspf, org, temp);
    }
  }
  for (const auto& sig : dkim) {
    if (v.dkim_aligned) break;
    if (sig.result != dkim::DkimResult::kPass) continue;
    if (auto dkim_domain = DomainName::parse(sig.domain)) {
      if (aligned(author, *dkim_domain, d.record.adkim, org, temp)) {
        v.dkim_aligned = true;
        v.aligned_dkim = dkim_domain->str();
      }
    }
  }
  if (v.spf_aligned || v.dkim_aligned) {
    v.result = DmarcResult::kPass;
    v.policy = v.requested;
    if (options_.mode == Mode::kRfc9989 && d.record.testing) {
      v.testing = true;
      v.policy = lower(v.requested);
    }
    v.reason = v.dkim_aligned ? "DKIM signature of " + v.aligned_dkim + " is aligned"
                              : "SPF pass for " + spf.domain + " is aligned";
    return v;
  }
  if (!temp.empty()) {
    v.result = DmarcResult::kTempError;
    v.reason = "alignment could not be checked: " + temp;
    return v;
  }
  if (!policy_temp.empty()) {
    v.result = DmarcResult::kTempError;
    v.reason = policy_temp;
    return v;
  }

  v.policy = v.requested;
  v.result = DmarcResult::kFail;
  v.reason = "neither SPF nor DKIM is aligned with " + author.str();
  v.action = policy_name(v.policy);
  if (options_.mode == Mode::kRfc9989 && d.record.testing) {
    // t=y: the owner is testing; apply the next lower policy (§4.7).
    v.testing = true;
    v.policy = lower(v.requested);
    v.action = policy_name(v.policy);
  } else if (options_.mode == Mode::kRfc7489 && d.record.pct < 100 &&
             v.requested != Policy::kNone && options_.sample() >= d.record.pct) {
    // Sampled out (RFC 7489 §6.6.4): the next lower policy applies.
    v.policy = lower(v.requested);
    v.action = std::string("pct.") + policy_name(v.requested);
  }
  return v;
}

Verdict Evaluator::evaluate(const Message& message, const spf::SpfOutput& spf,
                            const std::vector<dkim::SignatureVerdict>& dkim) {
  Verdict v;
  // One message: each _dmarc name is looked up and parsed once, across the
  // policy walk and the organizational-domain walks of alignment.
  finder_.remember_lookups();
  auto authors = parse_authors(message);
  if (!authors) {
    v.result = DmarcResult::kPermError;
    v.reason = "From field could not be parsed: " + authors.error().message;
    return v;
  }
  if (authors->from_fields == 0) {
    v.result = DmarcResult::kPermError;
    v.reason = "no From field";
    return v;
  }
  if (authors->mailboxes.empty()) {
    v.result = DmarcResult::kPermError;
    v.reason = "From field has no address";
    return v;
  }
  if (authors->has_domain_literal) {
    v.result = DmarcResult::kPermError;
    v.reason = "From address has a domain literal, which DMARC cannot evaluate";
    return v;
  }
  const std::string author = authors->mailboxes.front().addr_spec();
  if (authors->from_fields == 1 && authors->distinct_domains.size() == 1) {
    Verdict one = evaluate_domain(authors->distinct_domains.front(), spf, dkim);
    one.author_address = author;
    return one;
  }

  // Several From fields, or authors in several domains: never a pass. Each
  // domain's policy is found; the strictest one applies to the failure.
  Verdict worst;
  worst.result = DmarcResult::kPermError;
  std::string domains;
  bool any_record = false;
  for (const auto& domain : authors->distinct_domains) {
    domains += (domains.empty() ? "" : ", ") + domain.str();
    Verdict one = evaluate_domain(domain, spf, dkim);
    if (one.result == DmarcResult::kTempError) return one;
    if (!one.has_record) continue;
    if (!any_record || one.requested > worst.requested) {
      worst = one;
      any_record = true;
    }
  }
  const std::string why = authors->from_fields > 1
                              ? std::to_string(authors->from_fields) + " From fields (" + domains + ")"
                              : "From names authors in several domains (" + domains + ")";
  if (!any_record) {
    worst = Verdict{};
    worst.result = DmarcResult::kPermError;
    worst.header_from = authors->distinct_domains.front().str();
    worst.reason = why + "; none publishes DMARC";
    worst.ambiguous_author = true;
    worst.author_address = author;
    return worst;
  }
  worst.result = DmarcResult::kFail;
  worst.spf_aligned = worst.dkim_aligned = false;
  worst.aligned_dkim.clear();
  worst.policy = worst.testing ? lower(worst.requested) : worst.requested;
  worst.action = policy_name(worst.policy);
  worst.reason = why + ": DMARC cannot pass";
  worst.ambiguous_author = true;
  worst.author_address = author;
  return worst;
}

}  // namespace authguard::dmarc
