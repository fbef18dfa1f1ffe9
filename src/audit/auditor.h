// auditor.h: the domain posture audit (the second measure: DMARC reject on
// every owned domain). It asks DNS about many domains at once through the
// asynchronous resolver, runs the checks (checks.h) on each domain's answers,
// and returns a report in the order the domains were given.
//
//   AuditOptions options;
//   options.tenant = *Tenant::parse("contoso");
//   Auditor auditor(resolver, SystemClock::instance(), options);
//   AuditReport report = auditor.run(targets.targets());
//   if (report.reaches(Severity::kError)) return 1;
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/checks.h"
#include "audit/collector.h"
#include "audit/managed_keys.h"
#include "audit/microsoft.h"
#include "audit/types.h"
#include "core/clock.h"
#include "dns/resolver.h"
#include "spf/types.h"

namespace authguard::audit {

struct AuditOptions {
  // DKIM selectors looked at on sending domains; selector1 and selector2
  // (Microsoft 365's) are always among them.
  std::vector<std::string> selectors;
  std::optional<Tenant> tenant;
  std::size_t max_in_flight = kDefaultMaxInFlight;
  spf::SpfLimits spf_limits;
  // The key store's view of managed keys (KeyStoreSource); nullptr: none.
  const ManagedKeySource* managed_keys = nullptr;
  // A signing key older than max + grace is reported. The grace covers a
  // rotation in progress: once due, the old key keeps signing until the new
  // record has propagated ([keys] propagation_delay_hours).
  std::int64_t max_key_age_seconds = kMaxManagedKeyAgeSeconds;
  std::int64_t key_age_grace_seconds = 0;
  // Called on the auditing thread as domains complete.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// selector1, selector2, then the extra ones in order, without duplicates
// (case-insensitive). Errors for a selector that is not a DNS name.
[[nodiscard]] Result<std::vector<std::string>> audit_selectors(
    const std::vector<std::string>& extra);

struct AuditStats {
  std::size_t queries = 0;         // queries started (cache hits included)
  std::size_t peak_in_flight = 0;  // the most outstanding at once
};

class Auditor {
 public:
  Auditor(dns::Resolver& resolver, const Clock& clock, AuditOptions options);
  ~Auditor();
  Auditor(const Auditor&) = delete;
  Auditor& operator=(const Auditor&) = delete;

  [[nodiscard]] AuditReport run(const std::vector<AuditTarget>& targets);
  [[nodiscard]] const AuditStats& stats() const noexcept { return stats_; }

 private:
  struct Psl;
  dns::Resolver& resolver_;
  const Clock& clock_;
  AuditOptions options_;
  std::unique_ptr<Psl> psl_;
  AuditStats stats_;
};

}  // namespace authguard::audit
