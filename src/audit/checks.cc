// checks.cc: helpers shared by the check areas, and check_domain.
#include "audit/checks.h"

#include <algorithm>

#include "audit/records.h"
#include "core/strings.h"

namespace authguard::audit {

namespace detail {

std::string error_evidence(std::string_view owner, std::string_view type,
                           const dns::DnsError& error) {
  return std::string(owner) + " " + std::string(type) + ": " + describe(error);
}

std::string sorted_lines(std::vector<std::string> lines) {
  // An RRset has no order (RFC 2181 §5), and servers and resolvers shuffle
  // it; sorted, the same DNS always gives the same report.
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

std::string txt_evidence(std::string_view owner, const dns::Answer<dns::TxtRecord>& answer) {
  std::vector<std::string> lines;
  for (const auto& r : answer.records) {
    lines.push_back(std::string(owner) + " TXT " + quote_txt_strings(r.strings));
  }
  if (lines.empty()) return std::string(owner) + " TXT: no records";
  return sorted_lines(std::move(lines));
}

Finding dns_error(std::string id, std::string_view owner, std::string_view type,
                  const dns::DnsError& error) {
  Finding f;
  f.id = std::move(id);
  f.severity = Severity::kError;
  f.message = "The " + std::string(type) + " lookup of " + std::string(owner) +
              " failed, so this could not be checked; receivers asking now fail the same way "
              "(a temporary error defers or weakens the check).";
  f.evidence = error_evidence(owner, type, error);
  f.fix = "Make sure every name server of the zone answers for " + std::string(owner) +
          ", then audit again.";
  f.fix_kind = FixKind::kSentence;
  return f;
}

std::string where_to_publish(const AuditTarget& target) {
  if (target.kind == DomainKind::kRouting && iends_with(target.domain.str(), ".onmicrosoft.com")) {
    return " Microsoft hosts this zone: add the record in the Microsoft 365 admin center "
           "(Settings > Domains > " + target.domain.lower() + " > DNS records).";
  }
  return "";
}

}  // namespace detail

DomainReport check_domain(const DomainSnapshot& s, const CheckContext& ctx) {
  DomainReport report;
  report.domain = s.target.domain;
  report.kind = s.target.kind;
  for (auto* area : {&check_dmarc, &check_spf, &check_mx, &check_dkim}) {
    auto found = (*area)(s, ctx);
    std::move(found.begin(), found.end(), std::back_inserter(report.findings));
  }
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  return report;
}

}  // namespace authguard::audit
