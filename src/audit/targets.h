// targets.h: which domains an audit covers, and as what kind: from the command
// line, from a domains file, and from a Microsoft 365 tenant name.
//
// A domains file lists one domain a line with an optional kind; '#' starts a
// comment:
//
//   contoso.com                 # sending (the default)
//   contoso.net     non-sending
//   contoso.onmicrosoft.com routing
//
//   TargetList list;
//   list.add(*DomainName::parse("contoso.com"), DomainKind::kSending);
//   auto file = parse_domains_file(text, "domains.txt");
//   for (const auto& t : *file) list.add(t.domain, t.kind);
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "audit/types.h"
#include "core/error.h"

namespace authguard::audit {

// A domains file holds at most this many entries (a typo such as a zone file
// given by mistake stops early instead of auditing garbage for minutes).
inline constexpr std::size_t kMaxDomainsFileEntries = 1'000'000;

// Parses a domain to audit: a DomainName of at least two labels, each label
// a host name label (RFC 1123 §2.1: letters, digits and '-', not first or
// last; A-labels included). "--" or "example" is refused, not audited.
[[nodiscard]] Result<DomainName> parse_target_domain(std::string_view text);

// Parses a domains file. Errors name "source:line".
[[nodiscard]] Result<std::vector<AuditTarget>> parse_domains_file(std::string_view text,
                                                                  std::string_view source);

// The audit's domains in the order first given. A domain given twice keeps its
// first position; its kind becomes the stricter one (routing over non-sending
// over sending), because declaring a domain non-sending anywhere means mail
// from it is never legitimate.
class TargetList {
 public:
  void add(const DomainName& domain, DomainKind kind);
  [[nodiscard]] const std::vector<AuditTarget>& targets() const noexcept { return targets_; }
  [[nodiscard]] bool empty() const noexcept { return targets_.empty(); }

 private:
  std::vector<AuditTarget> targets_;
  std::map<std::string, std::size_t> index_;  // lower-case name -> position
};

}  // namespace authguard::audit
