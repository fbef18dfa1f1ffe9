// context.h: what every subcommand shares: the global options, the loaded
// configuration, the resolver they select, and the documented exit codes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/error.h"
#include "dns/cache.h"
#include "dns/resolver.h"

namespace CLI {
class App;
}

namespace authguard::cli {

// Exit codes (docs/CLI.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitNegative = 1;   // a negative result or findings
inline constexpr int kExitUsage = 2;      // usage or configuration error
inline constexpr int kExitTemporary = 3;  // temporary failure (DNS, storage)

struct GlobalOptions {
  std::string config_path;
  std::string state_dir = "/var/lib/authguard";
  std::string zone_file;
  std::vector<std::string> zone_faults;  // NAME=timeout|servfail
};

class Context {
 public:
  GlobalOptions options;
  int exit_code = kExitOk;

  // Loads the config file named by --config (defaults otherwise), once.
  [[nodiscard]] Result<const Config*> config();
  // The resolver the options select: the zone backend with --zone, libunbound
  // otherwise, behind a cache. Built once.
  [[nodiscard]] Result<dns::Resolver*> resolver();

  // The clock a subcommand runs on: starting at `now` (its --now UNIX
  // option) when given, the system clock otherwise.
  [[nodiscard]] const Clock& clock(std::optional<std::int64_t> now);

  // Prints an error and returns the exit code that fits its kind.
  int report(const Error& error);

 private:
  std::optional<Config> config_;
  std::optional<StartingAtClock> given_clock_;
  std::unique_ptr<dns::Resolver> backend_;
  std::unique_ptr<dns::CachingResolver> cached_;
};

// The quarantine store in --state-dir, with the configuration's retention.
[[nodiscard]] Result<std::unique_ptr<quarantine::SqliteQuarantineStore>> open_quarantine_store(
    Context& ctx);

// One rotation tick over every stored domain, as `keys rotate --due` runs
// it (keys_cmd.cc), for the milter's scheduler: kNotFound when there is no
// key store yet.
struct TickSummary {
  std::size_t domains = 0;
  std::vector<std::string> changes;   // domains that moved, in words
  std::vector<std::string> failures;  // domains that failed, in words
};
[[nodiscard]] Result<TickSummary> rotate_due(Context& ctx);

// Adds the global options to an app or subcommand.
void add_global_options(CLI::App& app, GlobalOptions& options);

// Subcommand registration, one function per command file.
void register_dns_commands(CLI::App& app, Context& ctx);
void register_spf_commands(CLI::App& app, Context& ctx);
void register_message_commands(CLI::App& app, Context& ctx);
void register_dkim_commands(CLI::App& app, Context& ctx);
void register_check_command(CLI::App& app, Context& ctx);
void register_rules_commands(CLI::App& app, Context& ctx);
// `rules simulate` (rules_cmd.cc), added under `rules` by register_rules_commands.
void add_rules_simulate_command(CLI::App& rules, Context& ctx);
void register_audit_commands(CLI::App& app, Context& ctx);
void register_keys_commands(CLI::App& app, Context& ctx);
void register_explain_command(CLI::App& app, Context& ctx);
void register_demo_command(CLI::App& app, Context& ctx);
void register_quarantine_commands(CLI::App& app, Context& ctx);
void register_serve_command(CLI::App& app, Context& ctx);
void register_history_commands(CLI::App& app, Context& ctx);

}  // namespace authguard::cli
