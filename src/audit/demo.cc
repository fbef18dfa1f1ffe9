// demo.cc: the audit part of the offline demo.
#include "audit/demo.h"

#include <unistd.h>

#include <cstdlib>

#include "audit/auditor.h"
#include "audit/report.h"
#include "audit/targets.h"

namespace authguard::audit {

int run_audit_demo(dns::Resolver& resolver, std::FILE* out) {
  struct DemoDomain {
    const char* name;
    DomainKind kind;
  };
  static constexpr DemoDomain kDomains[] = {
      {"contoso.example", DomainKind::kSending},
      {"fabrikam.example", DomainKind::kSending},
      {"contoso.onmicrosoft.example", DomainKind::kRouting},
      {"parked.example", DomainKind::kNonSending},
  };
  TargetList targets;
  for (const auto& d : kDomains) {
    auto name = DomainName::parse(d.name);
    if (name) targets.add(*name, d.kind);
  }
  // The demo's time is fixed, so its output is the same on every run.
  static const FixedClock kDemoClock(1767225600);  // 2026-01-01
  Auditor auditor(resolver, kDemoClock, AuditOptions{});
  AuditReport report = auditor.run(targets.targets());

  std::fprintf(out, "== DMARC reject on every owned domain: `authguard audit` of the demo domains ==\n\n");
  std::fprintf(out,
               "  Two sending domains, the Microsoft 365 routing domain nobody remembers, and a\n"
               "  parked domain. Each finding shows what DNS said and the record to publish.\n\n");
  TextOptions text;
  text.color = ::isatty(::fileno(out)) == 1 && std::getenv("NO_COLOR") == nullptr;
  std::fputs(render_text(report, text).c_str(), out);
  std::fputc('\n', out);
  bool dns_failed = false;
  for (const auto& d : report.domains) {
    for (const auto& f : d.findings) dns_failed |= f.id.ends_with(".dns_error");
  }
  return dns_failed ? 3 : 0;
}

}  // namespace authguard::audit
