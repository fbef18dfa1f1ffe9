// auditor.cc: collector, checks and report put together.
#include "audit/auditor.h"

#include "core/strings.h"
#include "dmarc/discovery.h"

namespace authguard::audit {

// Organizational domains come from the Public Suffix List (RFC 7489 §3.2),
// through the DMARC module's PSL mode, which needs no DNS.
struct Auditor::Psl {
  explicit Psl(dns::Resolver& resolver) : finder(resolver, dmarc::Mode::kRfc7489) {}
  dmarc::PolicyFinder finder;
};

Result<std::vector<std::string>> audit_selectors(const std::vector<std::string>& extra) {
  std::vector<std::string> out(std::begin(kMicrosoftSelectors), std::end(kMicrosoftSelectors));
  for (const auto& raw : extra) {
    std::string_view s = trim(raw);
    if (s.empty()) continue;
    // A selector is a dot-separated sequence of labels (RFC 6376 §3.1).
    auto as_name = DomainName::parse(s);
    if (!as_name || s.back() == '.') {
      return fail(ErrorKind::kInvalidInput, "invalid DKIM selector '" + std::string(s) + "'");
    }
    bool seen = false;
    for (const auto& o : out) seen |= iequals(o, s);
    if (!seen) out.emplace_back(s);
  }
  return out;
}

Auditor::Auditor(dns::Resolver& resolver, const Clock& clock, AuditOptions options)
    : resolver_(resolver),
      clock_(clock),
      options_(std::move(options)),
      psl_(std::make_unique<Psl>(resolver)) {
  if (options_.selectors.empty()) {
    options_.selectors.assign(std::begin(kMicrosoftSelectors), std::end(kMicrosoftSelectors));
  }
}

Auditor::~Auditor() = default;

AuditReport Auditor::run(const std::vector<AuditTarget>& targets) {
  CollectorOptions copt;
  copt.selectors = options_.selectors;
  copt.max_in_flight = options_.max_in_flight;
  Collector collector(
      resolver_, [this](const DomainName& d) { return psl_->finder.organizational_domain(d).domain; },
      copt);

  CheckContext ctx;
  ctx.tenant = options_.tenant ? &*options_.tenant : nullptr;
  ctx.managed_keys = options_.managed_keys;
  ctx.now = clock_.now();
  ctx.max_key_age_seconds = options_.max_key_age_seconds;
  ctx.key_age_grace_seconds = options_.key_age_grace_seconds;
  ctx.spf_limits = options_.spf_limits;

  AuditReport report;
  report.domains.resize(targets.size());
  collector.run(
      targets,
      [&](std::size_t index, DomainSnapshot snapshot) {
        report.domains[index] = check_domain(snapshot, ctx);
      },
      options_.progress);
  stats_.queries = collector.queries();
  stats_.peak_in_flight = collector.peak_in_flight();
  return report;
}

}  // namespace authguard::audit
