// audit_cmd.cc: `authguard audit`, the domain posture audit (DMARC reject on
// every owned domain, with SPF, MX and DKIM around it), and `authguard dmarc
// record`, which prints the DMARC record to publish for one domain.
//
// The audit runs against the resolver the global options select (`--zone`,
// or libunbound from [dns]); exit code 1 when a finding reaches --fail-on,
// so it can gate a CI pipeline. The key store of --state-dir, when there is
// one, says which DKIM keys this installation manages: their age (against
// [keys] rotation_days) and whether DNS serves them are checked too.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "audit/auditor.h"
#include "audit/keystore_source.h"
#include "audit/records.h"
#include "audit/report.h"
#include "audit/targets.h"
#include "cli/context.h"
#include "cli/format.h"
#include "core/clock.h"
#include "dmarc/record.h"
#include "keys/config.h"

namespace authguard::cli {

namespace {

// A domains file holds at most a million entries (audit::kMaxDomainsFileEntries);
// this bounds what is read to find that out.
constexpr std::size_t kMaxDomainsFileBytes = 256u << 20;


struct AuditArgs {
  std::vector<std::string> domains;
  std::string domains_file;
  std::vector<std::string> non_sending;
  std::string tenant;
  std::vector<std::string> selectors;
  bool json = false;
  std::string html;
  std::string fail_on = "error";
  std::size_t max_in_flight = audit::kDefaultMaxInFlight;
  std::optional<std::int64_t> now;
};

struct RecordArgs {
  std::string domain;
  bool non_sending = false;
  std::string rua;
};

bool color_on(int fd) {
  if (::isatty(fd) != 1 || std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::string_view(term) != "dumb";
}

// A one-line progress bar on a terminal's stderr, redrawn at most 10 times a
// second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::size_t done, std::size_t total) {
    if (!enabled_ || total == 0) return;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    constexpr std::size_t kWidth = 32;
    std::size_t filled = done * kWidth / total;
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\rauditing [%s] %zu/%zu domains", bar.c_str(), done, total);
    std::fflush(stderr);
  }
  void clear() {
    if (enabled_ && drawn_) {
      std::fprintf(stderr, "\r\x1b[K");
      std::fflush(stderr);
      drawn_ = false;
    }
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

Result<void> add_domain(audit::TargetList& list, std::string_view text, audit::DomainKind kind) {
  auto d = audit::parse_target_domain(text);
  if (!d) return fail(ErrorKind::kConfig, "invalid domain: " + d.error().message);
  list.add(*d, kind);
  return {};
}

int run_audit(Context& ctx, const AuditArgs& args) {
  auto threshold = audit::parse_severity(args.fail_on);
  if (!threshold) return ctx.report(Error{ErrorKind::kConfig, threshold.error().message});

  audit::AuditOptions options;
  audit::TargetList targets;
  for (const auto& d : args.domains) {
    if (auto r = add_domain(targets, d, audit::DomainKind::kSending); !r) return ctx.report(r.error());
  }
  if (!args.domains_file.empty()) {
    auto text = read_input(args.domains_file, kMaxDomainsFileBytes + 1);
    if (!text) return ctx.report(text.error());
    if (text->size() > kMaxDomainsFileBytes) {
      return ctx.report(Error{ErrorKind::kConfig, args.domains_file + ": larger than " +
                                                      std::to_string(kMaxDomainsFileBytes) +
                                                      " bytes (kMaxDomainsFileBytes)"});
    }
    auto listed = audit::parse_domains_file(*text, args.domains_file);
    if (!listed) return ctx.report(Error{ErrorKind::kConfig, listed.error().message});
    for (const auto& t : *listed) targets.add(t.domain, t.kind);
  }
  for (const auto& d : args.non_sending) {
    if (auto r = add_domain(targets, d, audit::DomainKind::kNonSending); !r) {
      return ctx.report(r.error());
    }
  }
  if (!args.tenant.empty()) {
    auto tenant = audit::Tenant::parse(args.tenant);
    if (!tenant) return ctx.report(Error{ErrorKind::kConfig, tenant.error().message});
    targets.add(tenant->routing_domain(), audit::DomainKind::kRouting);
    options.tenant = std::move(*tenant);
  }
  if (targets.empty()) {
    return ctx.report(Error{ErrorKind::kConfig,
                            "no domains to audit: name them, or use --domains-file, "
                            "--non-sending or --tenant"});
  }
  auto selectors = audit::audit_selectors(args.selectors);
  if (!selectors) return ctx.report(Error{ErrorKind::kConfig, selectors.error().message});
  options.selectors = std::move(*selectors);
  if (args.max_in_flight == 0 || args.max_in_flight > audit::kMaxMaxInFlight) {
    return ctx.report(Error{ErrorKind::kConfig,
                            "--max-in-flight must be 1.." + std::to_string(audit::kMaxMaxInFlight)});
  }
  options.max_in_flight = args.max_in_flight;

  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  options.spf_limits = (*cfg)->spf.limits;
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());

  ProgressBar progress(::isatty(STDERR_FILENO) == 1);
  options.progress = [&progress](std::size_t done, std::size_t total) {
    progress.update(done, total);
  };
  // Keys this installation manages. No store in --state-dir: none, and the
  // key checks stay silent; a store that can't be read is an error rather
  // than a clean report that skipped them.
  auto managed = audit::KeyStoreSource::open(ctx.options.state_dir);
  if (!managed) return ctx.report(managed.error());
  if (*managed) {
    options.managed_keys = managed->get();
    // Age against the configured rotation, as `authguard keys` rotates; the
    // grace is the propagation wait during which the old key still signs.
    const keys::Policy policy = keys::policy_from((*cfg)->keys);
    options.max_key_age_seconds = policy.rotation_seconds;
    options.key_age_grace_seconds = policy.propagation_delay_seconds;
  }
  // --now: key age depends on the clock, and tests (and "what will this say
  // next month") need a fixed one.
  const Clock& clock = ctx.clock(args.now);
  audit::Auditor auditor(**resolver, clock, std::move(options));
  audit::AuditReport report = auditor.run(targets.targets());
  progress.clear();

  if (args.json) {
    std::fputs(audit::render_json(report).c_str(), stdout);
  } else {
    audit::TextOptions text;
    text.color = color_on(STDOUT_FILENO);
    std::fputs(audit::render_text(report, text).c_str(), stdout);
  }
  if (!args.html.empty()) {
    audit::HtmlOptions html;
    html.generated = clock.now();
    std::ofstream file(args.html, std::ios::binary | std::ios::trunc);
    file << audit::render_html(report, html);
    file.close();
    if (!file) return ctx.report(Error{ErrorKind::kIo, "cannot write " + args.html});
    std::fprintf(stderr, "authguard: HTML report written to %s\n", args.html.c_str());
  }
  return report.reaches(*threshold) ? kExitNegative : kExitOk;
}

int run_record(Context& ctx, const RecordArgs& args) {
  auto domain = DomainName::parse(args.domain);
  if (!domain) {
    return ctx.report(Error{ErrorKind::kConfig,
                            "invalid domain '" + args.domain + "': " + domain.error().message});
  }
  std::string rua = args.rua;
  if (!rua.empty() && !istarts_with(rua, "mailto:")) rua = "mailto:" + rua;
  if (!rua.empty() && !dmarc::valid_report_uri(rua)) {
    return ctx.report(Error{ErrorKind::kConfig, "invalid --rua '" + args.rua +
                                                    "': a mailto: address is needed"});
  }
  auto kind = args.non_sending ? audit::DomainKind::kNonSending : audit::DomainKind::kSending;
  // The explanation goes to stderr, so stdout is exactly the record.
  if (args.non_sending) {
    std::fprintf(stderr, "; %s sends no mail: receivers reject anything that claims to be from it.\n",
                 domain->str().c_str());
  } else {
    std::fprintf(stderr,
                 "; %s sends mail: this is where to end up. Publish it with p=none first, read the\n"
                 "; aggregate reports until every real source passes, then p=quarantine, then this.\n",
                 domain->str().c_str());
  }
  std::printf("%s\n",
              audit::zone_txt("_dmarc." + domain->str(), audit::recommended_dmarc(*domain, kind, rua))
                  .c_str());
  return kExitOk;
}

CLI::App* find_or_add_dmarc(CLI::App& app) {
  // Another command file may register `dmarc` first; reuse it then.
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == "dmarc") return sub;
  }
  CLI::App* dmarc = app.add_subcommand("dmarc", "DMARC records and policies");
  dmarc->require_subcommand(1);
  return dmarc;
}

}  // namespace

void register_audit_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* audit = app.add_subcommand(
      "audit", "Audit the DMARC, SPF, MX and DKIM posture of owned domains");
  audit->add_option("domains", args->domains, "Sending domains to audit");
  audit->add_option("--domains-file", args->domains_file,
                    "File of domains, one a line: DOMAIN [sending|non-sending|routing] ('-': stdin)");
  audit->add_option("--non-sending", args->non_sending,
                    "Domains that never send mail (one or more; repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  audit->add_option("--tenant", args->tenant,
                    "Microsoft 365 tenant NAME: audits NAME.onmicrosoft.com and the selector CNAMEs");
  audit->add_option("--selectors", args->selectors,
                    "More DKIM selectors to check, comma-separated (selector1,selector2 always)")
      ->delimiter(',')
      ->allow_extra_args(false)  // the domains after it are domains, not selectors
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* json = audit->add_flag("--json", args->json, "JSON report on stdout");
  auto* html = audit->add_option("--html", args->html, "Also write a self-contained HTML report to FILE");
  json->excludes(html);
  html->excludes(json);
  audit->add_option("--fail-on", args->fail_on, "Exit 1 when a finding is this severe (default error)")
      ->check(CLI::IsMember({"warning", "error"}));
  audit->add_option("--max-in-flight", args->max_in_flight,
                    "DNS queries outstanding at once (default " +
                        std::to_string(audit::kDefaultMaxInFlight) + ")");
  audit->add_option("--now", args->now,
                    "Audit as at this Unix time (key age; a simulated clock; default: now)");
  audit->callback([&ctx, args] { ctx.exit_code = run_audit(ctx, *args); });

  auto rec = std::make_shared<RecordArgs>();
  CLI::App* record = find_or_add_dmarc(app)->add_subcommand(
      "record", "Print the DMARC record to publish for a domain, in zone-file form");
  record->add_option("domain", rec->domain, "The domain")->required();
  record->add_flag("--non-sending", rec->non_sending, "The domain sends no mail");
  record->add_option("--rua", rec->rua, "Where aggregate reports go (mailto: address)");
  record->callback([&ctx, rec] { ctx.exit_code = run_record(ctx, *rec); });
}

}  // namespace authguard::cli
