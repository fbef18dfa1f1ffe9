// snapshot.h: every DNS answer the audit of one domain looked at. The
// collector fills a snapshot; the checks (checks.h) read it and never query
// DNS themselves, so each check is a plain function over data.
//
// An answer is std::nullopt when it was not asked (a limit stopped the SPF
// expansion, or the check does not apply to the domain's kind).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/types.h"
#include "core/domain.h"
#include "core/ip.h"
#include "dns/resolver.h"
#include "spf/types.h"

namespace authguard::audit {

using TxtAnswer = dns::DnsResult<dns::Answer<dns::TxtRecord>>;
using MxAnswer = dns::DnsResult<dns::Answer<dns::MxRecord>>;
using NamesAnswer = dns::DnsResult<dns::Answer<std::string>>;
using AddressAnswer = dns::DnsResult<dns::Answer<IpAddress>>;

// The DMARC record of an ancestor, looked up when the domain has none of its
// own (RFC 9989 §4.10: receivers walk up the tree).
struct DmarcAncestor {
  DomainName domain;
  std::optional<TxtAnswer> txt;  // at _dmarc.<domain>
};

// An external report destination and its authorization record
// (<domain>._report._dmarc.<destination>, RFC 7489 §7.1).
struct ReportAuthorization {
  std::string uri;          // the rua URI as published
  std::string destination;  // the host of its address, lower case
  std::string name;         // the name queried
  std::optional<TxtAnswer> txt;
};

struct DkimSelector {
  std::string selector;
  std::string name;                 // <selector>._domainkey.<domain>
  std::optional<NamesAnswer> cname;  // a CNAME at the name itself
  std::optional<TxtAnswer> txt;      // the key record, CNAMEs followed
};

struct DomainSnapshot {
  AuditTarget target;
  DomainName organizational_domain;  // by the Public Suffix List

  std::optional<TxtAnswer> dmarc;  // _dmarc.<domain>
  std::vector<DmarcAncestor> dmarc_ancestors;  // nearest first, up to the organizational domain
  std::vector<ReportAuthorization> report_authorizations;

  // SPF: the TXT answers at the domain and at every include/redirect target
  // it leads to; A answers of a/exists targets and MX answers of mx targets.
  // Keys are lower-case names without a trailing dot.
  std::map<std::string, std::optional<TxtAnswer>> spf_txt;
  std::map<std::string, std::optional<AddressAnswer>> spf_a;
  std::map<std::string, std::optional<MxAnswer>> spf_mx;
  bool spf_truncated = false;  // a limit stopped the expansion

  std::optional<MxAnswer> mx;
  std::vector<DkimSelector> dkim;  // sending domains only
};

// The TXT strings at a _dmarc name meant as DMARC records: those that are
// (is_dmarc_record), and near misses that start "v=DMARC" but break the
// syntax, so that a typo shows up as invalid rather than as missing.
[[nodiscard]] std::vector<std::string> dmarc_candidates(const dns::Answer<dns::TxtRecord>& txt);
// The TXT strings meant as SPF records: starting "v=spf1", case-insensitive.
[[nodiscard]] std::vector<std::string> spf_candidates(const dns::Answer<dns::TxtRecord>& txt);

// The lower-case name a directive queries, relative to `current` (the domain
// whose record holds it); nullopt for macros, which only a receiver can
// expand, and for mechanisms that query nothing (ip4, ip6, all, ptr).
[[nodiscard]] std::optional<std::string> spf_target(const spf::Directive& directive,
                                                    std::string_view current);
// The same for a redirect= modifier.
[[nodiscard]] std::optional<std::string> spf_redirect_target(const spf::SpfRecord& record);

// "NXDOMAIN", "NODATA", "temporary failure (...)", "malformed answer (...)".
[[nodiscard]] std::string describe(const dns::DnsError& error);

}  // namespace authguard::audit
