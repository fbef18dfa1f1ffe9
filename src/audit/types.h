// types.h: the values of the domain posture audit (`authguard audit`): which
// domains are audited and as what kind, and the findings about each.
//
// A finding names one thing wrong (or worth knowing) about one domain: a
// stable id ("dmarc.missing"), a severity, a sentence, the DNS evidence it is
// based on, and the fix: the exact record to publish in zone-file form, or,
// when no record can fix it (a weak key to rotate), a plain sentence.
//
//   Finding f{"dmarc.missing", Severity::kError, "No DMARC record ...",
//             "_dmarc.contoso.net TXT: NXDOMAIN",
//             "_dmarc.contoso.net. TXT \"v=DMARC1; p=reject;\"", FixKind::kRecord};
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/error.h"

namespace authguard::audit {

// What a domain is for, which decides what its records must say.
enum class DomainKind {
  kSending,     // sends mail: DMARC on the path to reject, SPF listing its senders, DKIM keys
  kNonSending,  // owned but never sends: p=reject, "v=spf1 -all", null MX (RFC 7505)
  kRouting,     // a provider's routing domain (NAME.onmicrosoft.com): never a sender's
                // From, so p=reject and "v=spf1 -all", but it receives mail (its MX stays)
};

// "sending", "non-sending", "routing".
[[nodiscard]] const char* kind_name(DomainKind kind) noexcept;
// Parses the names above (case-insensitive).
[[nodiscard]] Result<DomainKind> parse_kind(std::string_view text);
// True for the kinds that must never be a sender's domain.
[[nodiscard]] constexpr bool never_sends(DomainKind kind) noexcept {
  return kind != DomainKind::kSending;
}

enum class Severity { kInfo, kWarning, kError };

// "info", "warning", "error".
[[nodiscard]] const char* severity_name(Severity severity) noexcept;
// Parses "info", "warning" or "error".
[[nodiscard]] Result<Severity> parse_severity(std::string_view text);

// Whether a finding's fix is a DNS record to publish or a thing to do.
enum class FixKind {
  kNone,      // nothing to change (informational)
  kRecord,    // zone-file lines, one record a line: "name. TXT \"...\""
  kSentence,  // a plain sentence: what to do when no record can say it
};

struct Finding {
  std::string id;  // "<area>.<check>": dmarc.*, spf.*, mx.*, dkim.*
  Severity severity = Severity::kInfo;
  std::string message;
  std::string evidence;  // what DNS said, as text
  std::string fix;
  FixKind fix_kind = FixKind::kNone;
};

struct AuditTarget {
  DomainName domain;
  DomainKind kind = DomainKind::kSending;
};

struct DomainReport {
  DomainName domain;
  DomainKind kind = DomainKind::kSending;
  std::vector<Finding> findings;  // errors first, then warnings, then info; stable
};

struct Summary {
  std::size_t domains = 0;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t infos = 0;
};

struct AuditReport {
  std::vector<DomainReport> domains;  // in the order the targets were given

  [[nodiscard]] Summary summary() const;
  // True when some finding is at least `threshold` severe (--fail-on).
  [[nodiscard]] bool reaches(Severity threshold) const;
};

}  // namespace authguard::audit
