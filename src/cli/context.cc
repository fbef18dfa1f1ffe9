// context.cc: global options, config loading and resolver selection.
#include "cli/context.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "core/clock.h"
#include "core/log.h"
#include "dns/unbound_resolver.h"
#include "dns/zone_resolver.h"

namespace authguard::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--config", options.config_path, "Configuration file (authguard.toml)");
  app.add_option("--state-dir", options.state_dir, "State directory (database and keys)");
  app.add_option("--zone", options.zone_file,
                 "Answer DNS from this RFC 1035 master file instead of the network");
  app.add_option("--zone-fault", options.zone_faults,
                 "NAME=timeout|servfail: that name fails with this error (needs --zone)")
      ->take_last()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one NAME=FAULT each time: what follows is not swallowed
}

Result<const Config*> Context::config() {
  if (!config_) {
    if (options.config_path.empty()) {
      config_ = default_config();
    } else {
      auto loaded = load_config(options.config_path);
      if (!loaded) return std::unexpected(loaded.error());
      config_ = std::move(*loaded);
    }
    if (auto r = log::init(config_->log.target, config_->log.level); !r) {
      return std::unexpected(r.error());
    }
  }
  return &*config_;
}

Result<dns::Resolver*> Context::resolver() {
  if (cached_) return cached_.get();
  auto cfg = config();
  if (!cfg) return std::unexpected(cfg.error());
  if (!options.zone_file.empty()) {
    auto zone = dns::ZoneResolver::load_file(options.zone_file);
    if (!zone) return std::unexpected(zone.error());
    for (const auto& spec : options.zone_faults) {
      auto eq = spec.rfind('=');
      if (eq == std::string::npos || eq == 0) {
        return fail(ErrorKind::kConfig, "--zone-fault wants NAME=timeout|servfail, got " + spec);
      }
      auto fault = dns::parse_zone_fault(std::string_view(spec).substr(eq + 1));
      if (!fault) return std::unexpected(fault.error());
      (*zone)->add_fault(spec.substr(0, eq), *fault);
    }
    backend_ = std::move(*zone);
  } else {
    if (!options.zone_faults.empty()) {
      return fail(ErrorKind::kConfig, "--zone-fault needs --zone FILE");
    }
    auto ub = dns::UnboundResolver::create((*cfg)->dns.resolver);
    if (!ub) return std::unexpected(ub.error());
    backend_ = std::move(*ub);
  }
  cached_ = std::make_unique<dns::CachingResolver>(*backend_, SystemClock::instance(),
                                                   (*cfg)->dns.cache_entries);
  return cached_.get();
}

const Clock& Context::clock(std::optional<std::int64_t> now) {
  if (!now) return SystemClock::instance();
  given_clock_.emplace(*now);
  return *given_clock_;
}

int Context::report(const Error& error) {
  std::fprintf(stderr, "authguard: %s\n", error.message.c_str());
  switch (error.kind) {
    case ErrorKind::kTemporary:
    case ErrorKind::kIo:
      return kExitTemporary;
    case ErrorKind::kConfig:
      return kExitUsage;
    default:
      return kExitNegative;
  }
}

Result<std::unique_ptr<quarantine::SqliteQuarantineStore>> open_quarantine_store(Context& ctx) {
  auto cfg = ctx.config();
  if (!cfg) return std::unexpected(cfg.error());
  quarantine::SqliteQuarantineOptions options;
  options.retention_seconds = (*cfg)->quarantine.retention_days * 86400;
  options.max_database_bytes = (*cfg)->quarantine.max_database_mb * 1024 * 1024;
  return quarantine::SqliteQuarantineStore::open(ctx.options.state_dir, options);
}

}  // namespace authguard::cli
