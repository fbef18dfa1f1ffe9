// rules_cmd.cc: `authguard rules simulate`, the recorded verdict log (what
// `check --record`, and later the milter, wrote) replayed through the
// configuration's current [[rules]]: how many messages each rule would have
// hit, with samples. The false-positive estimate to read before moving a
// rule from audit to enforce. It only reads, and never creates the state
// database.
//
//   authguard rules simulate --config authguard.toml --since 7d
//   authguard rules simulate --since 24h --json
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "cli/held.h"
#include "core/clock.h"
#include "verdictlog/replay.h"
#include "verdictlog/store.h"

namespace authguard::cli {

namespace {

// How far back a simulation reads when --since is not given.
constexpr const char* kDefaultSince = "30d";

struct SimulateArgs {
  std::string since = kDefaultSince;
  std::optional<std::int64_t> now;
  bool json = false;
};

constexpr policy::Disposition kDispositions[] = {
    policy::Disposition::kDeliver, policy::Disposition::kJunk, policy::Disposition::kQuarantine,
    policy::Disposition::kReject};

nlohmann::json report_json(const verdictlog::SimulationReport& r, const verdictlog::ReadStats& stats,
                           UnixTime from, UnixTime now) {
  nlohmann::json j;
  j["since"] = iso8601(from);
  j["until"] = iso8601(now);
  j["messages"] = r.messages;
  j["corrupt"] = stats.corrupt;
  j["limit_reached"] = stats.limit_reached;
  j["rules"] = nlohmann::json::array();
  for (const auto& rule : r.rules) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : rule.samples) {
      samples.push_back({{"time", iso8601(s.time)},
                         {"from", s.from},
                         {"mail_from", s.mail_from},
                         {"subject", s.subject},
                         {"recipients", s.recipients}});
    }
    j["rules"].push_back({{"name", rule.name},
                          {"mode", rule.enforce ? "enforce" : "audit"},
                          {"priority", rule.priority},
                          {"hits", rule.hits},
                          {"actions", rule.actions},
                          {"disposition", policy::disposition_name(rule.disposition)},
                          {"samples", std::move(samples)}});
  }
  nlohmann::json d = nlohmann::json::object();
  for (auto disp : kDispositions) {
    d[policy::disposition_name(disp)] = r.dispositions[static_cast<std::size_t>(disp)];
  }
  j["dispositions"] = std::move(d);
  return j;
}

void print_report(const verdictlog::SimulationReport& r, const verdictlog::ReadStats& stats,
                  const Config& cfg, const std::string& since, UnixTime from) {
  std::printf("%llu message(s) recorded since %s (%s) replayed through %zu rule(s) in %s\n",
              static_cast<unsigned long long>(r.messages), iso8601(from).c_str(),
              printable(since).c_str(), r.rules.size(),
              cfg.source.empty() ? "(no configuration file)" : printable(cfg.source).c_str());
  if (stats.corrupt > 0) {
    std::printf("  %zu corrupt entr%s skipped\n", stats.corrupt, stats.corrupt == 1 ? "y" : "ies");
  }
  if (stats.limit_reached) {
    std::printf("  stopped after kMaxSimulateEntries=%zu entries: the newest are not included; "
                "use a shorter --since\n",
                verdictlog::kMaxSimulateEntries);
  }
  for (const auto& rule : r.rules) {
    double share = r.messages == 0 ? 0.0 : 100.0 * static_cast<double>(rule.hits) /
                                               static_cast<double>(r.messages);
    std::printf("\nRULE %s (priority %lld, %s): %llu of %llu message(s), %.1f%%\n",
                printable(rule.name).c_str(), static_cast<long long>(rule.priority),
                rule.enforce ? "enforce" : "audit: would", static_cast<unsigned long long>(rule.hits),
                static_cast<unsigned long long>(r.messages), share);
    std::printf("  actions %s -> %s\n", printable(joined(rule.actions)).c_str(),
                policy::disposition_name(rule.disposition));
    for (const auto& s : rule.samples) {
      std::printf("  %s  from %s  subject \"%s\"  to %s\n", iso8601(s.time).c_str(),
                  s.from.empty() ? "-" : printable(s.from).c_str(), printable(s.subject).c_str(),
                  s.recipients.empty() ? "-" : printable(joined(s.recipients)).c_str());
    }
  }
  std::printf("\ndispositions:");
  for (auto disp : kDispositions) {
    std::printf(" %s %llu%s", policy::disposition_name(disp),
                static_cast<unsigned long long>(r.dispositions[static_cast<std::size_t>(disp)]),
                disp == policy::Disposition::kReject ? "\n" : ",");
  }
}

int run_rules_simulate(Context& ctx, const SimulateArgs& args) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto window = parse_duration(args.since);
  if (!window) return ctx.report(Error{ErrorKind::kConfig, "--since: " + window.error().message});
  const UnixTime now = ctx.clock(args.now).now();
  const UnixTime from = now - *window;
  verdictlog::Simulator sim((*cfg)->rules);
  verdictlog::ReadStats stats;
  // Without a state database nothing was recorded: zero messages, and no
  // database is created by a command that only reads.
  auto log = verdictlog::SqliteVerdictLog::open(ctx.options.state_dir, {.create = false});
  if (!log && log.error().kind != ErrorKind::kNotFound) return ctx.report(log.error());
  if (log) {
    auto read = (*log)->scan(from, verdictlog::kMaxSimulateEntries,
                             [&](const verdictlog::LoggedVerdict& e) { sim.add(e); });
    if (!read) return ctx.report(read.error());
    stats = *read;
  }
  if (args.json) {
    print_json_line(report_json(sim.report(), stats, from, now));
  } else {
    print_report(sim.report(), stats, **cfg, args.since, from);
  }
  return kExitOk;
}

}  // namespace

void add_rules_simulate_command(CLI::App& rules, Context& ctx) {
  auto a = std::make_shared<SimulateArgs>();
  CLI::App* simulate = rules.add_subcommand(
      "simulate", "Replay the recorded verdict log through the current rules: hits per rule");
  simulate->add_option("--since", a->since,
                       "How far back: 30m, 24h, 7d, 2w, or seconds (default 30d)");
  simulate->add_option("--now", a->now, "Count back from this Unix time");
  simulate->add_flag("--json", a->json, "One JSON object");
  simulate->callback([&ctx, a] { ctx.exit_code = run_rules_simulate(ctx, *a); });
}

}  // namespace authguard::cli
