// mx_checks.cc: the MX records of one domain (RFC 5321 §5.1, RFC 7505).
//
// A non-sending domain should say with a null MX ("MX 0 .") that it takes no
// mail either; a sending domain needs somewhere for replies and bounces to
// go, and a null MX on it tells receivers to refuse its mail (RFC 7505 §4.2).
// A routing domain receives mail for the tenant: its MX is left alone.
#include <algorithm>

#include "audit/checks.h"
#include "audit/records.h"

namespace authguard::audit {

namespace {

Finding make(std::string id, Severity sev, std::string message, std::string evidence,
             std::string fix, FixKind kind) {
  return Finding{std::move(id), sev, std::move(message), std::move(evidence), std::move(fix), kind};
}

std::string mx_evidence(const std::string& owner, const dns::Answer<dns::MxRecord>& mx) {
  auto records = mx.records;
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.preference != b.preference ? a.preference < b.preference : a.exchange < b.exchange;
  });
  std::string out;
  for (const auto& r : records) {
    if (!out.empty()) out += '\n';
    out += owner + " MX " + std::to_string(r.preference) + " " +
           (r.exchange == "." ? "." : zone_owner(r.exchange));
  }
  return out;
}

}  // namespace

std::vector<Finding> check_mx(const DomainSnapshot& s, const CheckContext& /*ctx*/) {
  std::vector<Finding> out;
  if (!s.mx) return out;
  const DomainName& d = s.target.domain;
  const std::string owner = d.str();
  const DomainKind kind = s.target.kind;
  const MxAnswer& mx = *s.mx;
  const std::string where = detail::where_to_publish(s.target);

  if (!mx) {
    if (!mx.error().not_found()) {
      out.push_back(detail::dns_error("mx.dns_error", owner, "MX", mx.error()));
      return out;
    }
    std::string evidence = detail::error_evidence(owner, "MX", mx.error());
    if (kind == DomainKind::kNonSending) {
      out.push_back(make("mx.null_recommended", Severity::kWarning,
                         owner + " has no MX, so senders fall back to its address records "
                                 "(RFC 5321 §5.1) and may try to deliver to it. A null MX "
                                 "(RFC 7505) says it takes no mail.",
                         evidence, zone_null_mx(d), FixKind::kRecord));
    } else if (kind == DomainKind::kSending) {
      out.push_back(make("mx.missing", Severity::kWarning,
                         owner + " sends mail but has no MX: replies and bounces have nowhere to "
                                 "go, and many receivers refuse mail from domains that can't "
                                 "receive.",
                         evidence, "Publish MX records for the servers that receive mail for " + owner + ".",
                         FixKind::kSentence));
    }
    return out;
  }

  std::size_t nulls = 0;
  bool null_pref_nonzero = false;
  for (const auto& r : mx->records) {
    if (r.exchange == ".") {
      ++nulls;
      null_pref_nonzero |= r.preference != 0;
    }
  }
  const std::size_t others = mx->records.size() - nulls;
  const std::string evidence = mx_evidence(owner, *mx);

  if (nulls > 0 && others > 0) {
    out.push_back(make("mx.null_mixed", Severity::kError,
                       "A null MX must be the only MX record (RFC 7505 §3); mixed with others, "
                       "senders can't tell whether " + owner + " takes mail." + where,
                       evidence,
                       kind == DomainKind::kSending
                           ? "Delete the null MX (MX 0 .) of " + owner + " and keep the others."
                           : "Delete every other MX record of " + owner + " and keep only:\n" +
                                 zone_null_mx(d),
                       FixKind::kSentence));
    return out;
  }
  if (nulls > 0 && kind == DomainKind::kSending) {
    out.push_back(make("mx.null_on_sending", Severity::kError,
                       owner + " sends mail but its null MX says it takes none: receivers "
                               "SHOULD refuse mail from it (RFC 7505 §4.2), and replies bounce.",
                       evidence,
                       "Replace the null MX of " + owner +
                           " with MX records of the servers that receive its mail.",
                       FixKind::kSentence));
    return out;
  }
  if (nulls > 0 && null_pref_nonzero) {
    out.push_back(make("mx.null_preference", Severity::kWarning,
                       "A null MX has preference 0 (RFC 7505 §3); some senders don't recognise "
                       "another.",
                       evidence, zone_null_mx(d), FixKind::kRecord));
    return out;
  }
  if (nulls == 0 && kind == DomainKind::kNonSending) {
    out.push_back(make("mx.null_recommended", Severity::kInfo,
                       owner + " receives mail but sends none. If it should take no mail either, "
                               "replace its MX records with a null MX (RFC 7505).",
                       evidence, zone_null_mx(d), FixKind::kRecord));
  }
  return out;
}

}  // namespace authguard::audit
