// checks.h: the posture checks, one small function per area over a domain's
// snapshot of DNS answers. They never query DNS, so each is tested with a
// snapshot built in code or collected from a zone.
//
// Finding ids (docs/audit.md lists them with their severities):
//   dmarc.*  missing, multiple, invalid, tolerated, inherited, not_reject,
//            monitoring, quarantine, pct, subdomain_policy, nonexistent_policy,
//            testing, rua_missing, rua_invalid, rua_unauthorized, deep, dns_error
//   spf.*    missing, multiple, invalid, not_locked_down, lookups, void_lookups,
//            include_missing, include_invalid, include_loop, all_pass, all_neutral,
//            no_all, ptr, macro, mx_names, incomplete, dns_error
//   mx.*     null_recommended, missing, null_on_sending, null_mixed,
//            null_preference, dns_error
//   dkim.*   none, invalid, multiple, revoked, weak_key, testing, sha1,
//            m365_cname_missing, m365_cname_mismatch, m365_key_missing,
//            key_age, key_mismatch, dns_error
//
//   CheckContext ctx{.tenant = &tenant, .now = clock.now()};
//   DomainReport report = check_domain(snapshot, ctx);
#pragma once

#include <vector>

#include "audit/managed_keys.h"
#include "audit/microsoft.h"
#include "audit/snapshot.h"
#include "audit/types.h"
#include "spf/types.h"

namespace authguard::audit {

// RSA key sizes (RFC 8301 §3.2: verifiers MUST NOT accept under 1024 bits;
// 2048 is what current guidance, and Microsoft 365, use).
inline constexpr unsigned kMinRsaBits = 1024;
inline constexpr unsigned kRecommendedRsaBits = 2048;
// RFC 9989 §4.10: the tree walk queries at most 8 names and jumps from a
// name of more than 8 labels straight to its last 7.
inline constexpr std::size_t kMaxDmarcWalkLabels = 8;

struct CheckContext {
  const Tenant* tenant = nullptr;                 // --tenant, for Microsoft 365 checks
  const ManagedKeySource* managed_keys = nullptr;  // the key store of --state-dir, if any
  UnixTime now = 0;
  std::int64_t max_key_age_seconds = kMaxManagedKeyAgeSeconds;
  std::int64_t key_age_grace_seconds = 0;  // see AuditOptions
  spf::SpfLimits spf_limits;
};

[[nodiscard]] std::vector<Finding> check_dmarc(const DomainSnapshot& s, const CheckContext& ctx);
[[nodiscard]] std::vector<Finding> check_spf(const DomainSnapshot& s, const CheckContext& ctx);
[[nodiscard]] std::vector<Finding> check_mx(const DomainSnapshot& s, const CheckContext& ctx);
[[nodiscard]] std::vector<Finding> check_dkim(const DomainSnapshot& s, const CheckContext& ctx);

// Every area, findings sorted errors first (stable: within a severity, in
// the order dmarc, spf, mx, dkim and check order).
[[nodiscard]] DomainReport check_domain(const DomainSnapshot& s, const CheckContext& ctx);

// Helpers shared by the area files.
namespace detail {
// "<owner> <TYPE>: NXDOMAIN" and friends.
[[nodiscard]] std::string error_evidence(std::string_view owner, std::string_view type,
                                         const dns::DnsError& error);
// Lines sorted and joined with '\n' (records of an RRset have no order).
[[nodiscard]] std::string sorted_lines(std::vector<std::string> lines);
// "<owner> TXT "a" "b"", one line per record, sorted.
[[nodiscard]] std::string txt_evidence(std::string_view owner,
                                       const dns::Answer<dns::TxtRecord>& answer);
[[nodiscard]] Finding dns_error(std::string id, std::string_view owner, std::string_view type,
                                const dns::DnsError& error);
// For a routing domain under onmicrosoft.com: where its records are edited.
[[nodiscard]] std::string where_to_publish(const AuditTarget& target);
}  // namespace detail

}  // namespace authguard::audit
