// check_cmd.cc: `authguard check`, the inbound verdict for messages: SPF on
// the envelope, every DKIM signature, DMARC, and the Authentication-Results
// header authguard would add. It only reads, unless --record is given: then
// it writes sender history, the quarantine and the verdict log (which
// `rules simulate` replays).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "cli/held.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/strings.h"
#include "policy/inbound.h"
#include "quarantine/store.h"
#include "verdictlog/replay.h"
#include "verdictlog/store.h"

namespace authguard::cli {

namespace {

struct CheckArgs {
  std::vector<std::string> messages;
  std::string ip;
  std::string helo;
  std::optional<std::string> mail_from;
  std::vector<std::string> rcpts;
  std::optional<std::int64_t> now;
  bool from_headers = false;
  bool json = false;
  bool record = false;
};

void print_text(const std::string& path, const policy::InboundVerdict& v) {
  std::printf("%s\n%s", printable(path).c_str(), v.authentication_results.c_str());
  const auto& d = v.dmarc;
  std::string spf = v.spf ? std::string(spf::result_name(v.spf->result)) + " (" + v.spf->domain + ")"
                          : "not checked";
  std::printf("  SPF %s; DKIM %zu signature(s); DMARC %s for %s", spf.c_str(), v.dkim.size(),
              dmarc::result_name(d.result), d.header_from.empty() ? "-" : printable(d.header_from).c_str());
  if (d.has_record) {
    std::printf(" (policy %s from %s, action %s%s)", dmarc::policy_name(d.policy),
                printable(d.policy_domain).c_str(), d.action.c_str(), d.testing ? ", testing" : "");
  }
  std::printf("\n  %s\n", printable(d.reason).c_str());
  std::printf("  compauth %s reason %s%s\n", policy::compauth_status_name(v.compauth.result),
              v.compauth.reason_text().c_str(), v.compauth.overridden ? " (DMARC action overridden)" : "");
  for (const auto& m : v.rules.matched) {
    std::string acts;
    for (const auto& a : m.actions) acts += (acts.empty() ? "" : ", ") + a;
    std::printf("  rule %s (%s): %s -> %s\n", printable(m.name).c_str(), m.enforce ? "enforce" : "audit",
                printable(m.why).c_str(), acts.c_str());
  }
  std::printf("  disposition: %s%s%s\n", policy::disposition_name(v.rules.disposition),
              v.rules.quarantine_policy.empty() ? "" : " (",
              v.rules.quarantine_policy.empty() ? "" : (v.rules.quarantine_policy + ")").c_str());
  if (!v.forged_authres.empty()) {
    std::printf("  %zu forged Authentication-Results field(s) claim our authserv-id; they would be removed\n",
                v.forged_authres.size());
  }
}

// The history store of --state-dir when there is one (created only when
// `create`), or null: compauth then has no history signals.
Result<std::unique_ptr<history::SqliteHistoryStore>> open_history(Context& ctx, bool create) {
  if (!create && !std::filesystem::exists(ctx.options.state_dir + "/authguard.db")) {
    return std::unique_ptr<history::SqliteHistoryStore>();
  }
  return history::SqliteHistoryStore::open(ctx.options.state_dir);
}

int run_check(Context& ctx, const CheckArgs& args) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());
  const Clock& clock = ctx.clock(args.now);
  policy::Envelope given;
  if (!args.ip.empty()) {
    auto ip = IpAddress::parse(args.ip);
    if (!ip) return ctx.report(Error{ErrorKind::kConfig, "--ip: " + ip.error().message});
    given.client_ip = *ip;
  }
  given.helo = args.helo;
  // Addresses as SMTP writes them ("<a@example.com>", "<>") or bare.
  given.mail_from = std::string(unbracketed(args.mail_from.value_or("")));
  for (const auto& r : args.rcpts) given.recipients.emplace_back(unbracketed(r));
  // History signals come from the state database when there is one. Without
  // --record, check only reads it (and never creates it).
  std::unique_ptr<history::SqliteHistoryStore> history;
  std::unique_ptr<quarantine::SqliteQuarantineStore> held;
  std::unique_ptr<verdictlog::SqliteVerdictLog> verdicts;
  if (args.record) {
    auto q = open_quarantine_store(ctx);
    if (!q) return ctx.report(q.error());
    held = std::move(*q);
    auto log = verdictlog::SqliteVerdictLog::open(ctx.options.state_dir);
    if (!log) return ctx.report(log.error());
    verdicts = std::move(*log);
  }
  auto opened = open_history(ctx, args.record);
  if (!opened) return ctx.report(opened.error());
  history = std::move(*opened);
  policy::InboundChecker checker(**resolver, clock, **cfg, history.get());
  if (auto r = honour_release_markers(ctx.options.state_dir, **cfg, checker); !r) return ctx.report(r.error());
  int rc = kExitOk;
  for (const auto& path : args.messages) {
    auto message = read_message(path, (*cfg)->message_limits);
    if (!message) {
      rc = std::max(rc, ctx.report(message.error()));
      continue;
    }
    policy::Envelope env = given;
    if (args.from_headers) {
      auto found = policy::envelope_from_headers(**message);
      if (!found) {
        rc = std::max(rc, ctx.report(Error{found.error().kind, path + ": " + found.error().message}));
        continue;
      }
      if (!env.client_ip) env.client_ip = found->client_ip;
      if (env.helo.empty()) env.helo = found->helo;
      if (!args.mail_from) env.mail_from = found->mail_from;
    }
    // The time the message is stamped with in the stores: when it arrived,
    // which --now fixes exactly (the clock still runs for SPF's budget, so a
    // slow check must not move a recorded time past the one asked for).
    const UnixTime received = args.now ? *args.now : clock.now();
    auto verdict = checker.check(**message, env);
    nlohmann::json vj = verdict_json(path, verdict);
    if (verdict.rules.disposition == policy::Disposition::kJunk) vj["junk_header"] = (*cfg)->junk_header;
    if (args.record) {
      auto id = record_verdict(verdict, path, env, **message, *history, *held, *verdicts, received);
      if (!id) {
        // Not recorded means not held: a temporary failure, the message is
        // to be retried, never dropped.
        rc = std::max(rc, ctx.report(id.error()));
        continue;
      }
      if (!id->empty()) vj["quarantine_id"] = *id;
    }
    if (args.json) {
      print_json_line(vj);
    } else {
      print_text(path, verdict);
      if (vj.contains("quarantine_id")) {
        std::printf("  quarantined as %s\n", vj["quarantine_id"].get<std::string>().c_str());
      }
    }
    if (!verdict.temporary_error.empty()) {
      rc = std::max(rc, kExitTemporary);
      if (!args.json) std::printf("  temporary failure: %s\n", printable(verdict.temporary_error).c_str());
    }
    switch (verdict.dmarc.result) {
      case dmarc::DmarcResult::kPass:
      case dmarc::DmarcResult::kNone:
        break;
      case dmarc::DmarcResult::kTempError:
        rc = std::max(rc, kExitTemporary);
        break;
      default:
        rc = std::max(rc, kExitNegative);
    }
  }
  return rc;
}

struct RulesTestArgs {
  std::vector<std::string> messages;
  std::optional<std::int64_t> now;
};

// `rules test`: which rules match each message, and why. The envelope comes
// from the message itself (Return-Path, first Received), as for stored mail;
// the rules are the configuration's, and history is read as `check` reads it.
int run_rules_test(Context& ctx, const RulesTestArgs& args) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());
  std::printf("%zu rule(s) in %s\n", (*cfg)->rules.size(),
              (*cfg)->source.empty() ? "(no configuration file)" : (*cfg)->source.c_str());
  auto history = open_history(ctx, false);
  if (!history) return ctx.report(history.error());
  policy::InboundChecker checker(**resolver, ctx.clock(args.now), **cfg, history->get());
  if (auto r = honour_release_markers(ctx.options.state_dir, **cfg, checker); !r) return ctx.report(r.error());
  int rc = kExitOk;
  for (const auto& path : args.messages) {
    auto message = read_message(path, (*cfg)->message_limits);
    if (!message) {
      rc = std::max(rc, ctx.report(message.error()));
      continue;
    }
    auto env = policy::envelope_from_headers(**message);
    if (!env) {
      rc = std::max(rc, ctx.report(Error{env.error().kind, path + ": " + env.error().message}));
      continue;
    }
    auto v = checker.check(**message, *env);
    std::printf("%s\n  DMARC %s, action %s; compauth %s %s\n", printable(path).c_str(),
                dmarc::result_name(v.dmarc.result), v.dmarc.action.c_str(),
                policy::compauth_status_name(v.compauth.result), v.compauth.reason_text().c_str());
    if (v.rules.matched.empty()) std::printf("  no rule matches\n");
    for (const auto& m : v.rules.matched) {
      std::string acts;
      for (const auto& a : m.actions) acts += (acts.empty() ? "" : ", ") + a;
      std::printf("  MATCH %s (%s)\n    because %s\n    actions %s\n", printable(m.name).c_str(),
                  m.enforce ? "enforce" : "audit: would", printable(m.why).c_str(), acts.c_str());
    }
    std::printf("  disposition: %s\n", policy::disposition_name(v.rules.disposition));
  }
  return rc;
}

}  // namespace

void register_rules_commands(CLI::App& app, Context& ctx) {
  CLI::App* rules = app.add_subcommand("rules", "Mail-flow rules");
  rules->require_subcommand(1);
  auto a = std::make_shared<RulesTestArgs>();
  CLI::App* test = rules->add_subcommand("test", "Which rules match these messages, and why");
  test->add_option("message", a->messages, "Message files (- for standard input)")->required();
  test->add_option("--now", a->now, "Evaluate as at this Unix time");
  test->callback([&ctx, a] { ctx.exit_code = run_rules_test(ctx, *a); });
  add_rules_simulate_command(*rules, ctx);
}

void register_check_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* check = app.add_subcommand("check", "The inbound verdict: SPF, DKIM, DMARC, and our header");
  check->add_option("message", a->messages, "Message files (- for standard input)")->required();
  check->add_option("--ip", a->ip, "The SMTP client's IP address (SPF)");
  check->add_option("--helo", a->helo, "The HELO/EHLO name");
  check->add_option("--mail-from", a->mail_from, "The MAIL FROM address (\"\" or <> for null)");
  // One value per occurrence: a vector option would otherwise swallow the
  // message files that follow it.
  check->add_option("--rcpt", a->rcpts, "A recipient (repeatable)")->allow_extra_args(false);
  check->add_option("--now", a->now, "Evaluate as at this Unix time");
  check->add_flag("--envelope-from-headers", a->from_headers,
                  "Take a missing envelope from Return-Path and the first Received field");
  check->add_flag("--json", a->json, "One JSON object per message, one per line");
  check->add_flag("--record", a->record,
                  "Record: DMARC passes into sender history, quarantined messages into the store, "
                  "every verdict into the verdict log");
  check->callback([&ctx, a] { ctx.exit_code = run_check(ctx, *a); });
}

}  // namespace authguard::cli
