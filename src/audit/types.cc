// types.cc: names of kinds and severities, and the report summary.
#include "audit/types.h"

#include "core/strings.h"

namespace authguard::audit {

const char* kind_name(DomainKind kind) noexcept {
  switch (kind) {
    case DomainKind::kSending: return "sending";
    case DomainKind::kNonSending: return "non-sending";
    case DomainKind::kRouting: return "routing";
  }
  return "sending";
}

Result<DomainKind> parse_kind(std::string_view text) {
  for (DomainKind k : {DomainKind::kSending, DomainKind::kNonSending, DomainKind::kRouting}) {
    if (iequals(text, kind_name(k))) return k;
  }
  return fail(ErrorKind::kInvalidInput,
              "unknown domain kind '" + std::string(text) + "' (sending, non-sending, routing)");
}

const char* severity_name(Severity severity) noexcept {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "info";
}

Result<Severity> parse_severity(std::string_view text) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kError}) {
    if (iequals(text, severity_name(s))) return s;
  }
  return fail(ErrorKind::kInvalidInput,
              "unknown severity '" + std::string(text) + "' (info, warning, error)");
}

Summary AuditReport::summary() const {
  Summary s;
  s.domains = domains.size();
  for (const auto& d : domains) {
    for (const auto& f : d.findings) {
      switch (f.severity) {
        case Severity::kError: ++s.errors; break;
        case Severity::kWarning: ++s.warnings; break;
        case Severity::kInfo: ++s.infos; break;
      }
    }
  }
  return s;
}

bool AuditReport::reaches(Severity threshold) const {
  for (const auto& d : domains) {
    for (const auto& f : d.findings) {
      if (f.severity >= threshold) return true;
    }
  }
  return false;
}

}  // namespace authguard::audit
