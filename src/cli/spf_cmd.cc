// spf_cmd.cc: `authguard spf check`, one SPF evaluation (RFC 7208) through
// authguard's own resolver (--zone, --zone-fault, [dns] and [spf] honoured), printed
// as a readable line plus the Received-SPF header, or as one JSON line.
// Documented in docs/CLI.md ("authguard spf check").
//
//   authguard spf check --ip 192.0.2.1 --mail-from bob@example.com
//       --helo mail.example.com --zone examples/demo.zone --json

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/context.h"
#include "core/clock.h"
#include "spf/header.h"
#include "spf/verify.h"

namespace authguard::cli {

namespace {

struct CheckArgs {
  std::string ip;
  std::string mail_from;
  std::string helo;
  std::string receiver;
  std::optional<std::int64_t> now;
  bool json = false;
};

int run_check(Context& ctx, const CheckArgs& args) {
  auto ip = IpAddress::parse(args.ip);
  if (!ip) {
    std::fprintf(stderr, "authguard: --ip: %s\n", ip.error().message.c_str());
    return kExitUsage;
  }
  auto config = ctx.config();
  if (!config) return ctx.report(config.error());
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());

  // --now fixes the time %{t} shows; the §4.6.4 time budget still runs.
  const Clock& clock = ctx.clock(args.now);

  spf::Evaluator evaluator(**resolver, clock, (*config)->spf);  // the [spf] limits
  spf::SpfRequest request;
  request.client_ip = *ip;
  request.mail_from = args.mail_from;
  request.helo = args.helo;
  request.receiver = args.receiver.empty() ? (*config)->authserv_id : args.receiver;
  const spf::SpfOutput out = evaluator.evaluate(request);

  // Contract (docs/CLI.md): 0 on pass, 1 on every other result.
  const int rc = out.result == spf::SpfResult::kPass ? kExitOk : kExitNegative;
  // "explanation": the exp= text of a fail, or what went wrong for an error.
  const bool error =
      out.result == spf::SpfResult::kPermError || out.result == spf::SpfResult::kTempError;
  const std::string& explanation = error ? out.problem : out.explanation;
  if (args.json) {
    nlohmann::ordered_json j;
    j["result"] = spf::result_name(out.result);
    j["domain"] = out.domain;
    j["scope"] = spf::scope_name(out.scope);
    j["mechanism"] = out.mechanism;
    j["explanation"] = explanation;
    j["dns_lookups"] = out.dns_lookups;
    // Names and texts come from the network: never let bad UTF-8 throw.
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return rc;
  }
  std::printf("%s: %s %s (%s), mechanism %s, %u DNS lookup%s\n", spf::result_name(out.result),
              out.scope == spf::SpfScope::kHelo ? "HELO" : "MAIL FROM", out.sender.c_str(),
              out.domain.c_str(), out.mechanism.empty() ? "-" : out.mechanism.c_str(),
              out.dns_lookups, out.dns_lookups == 1 ? "" : "s");
  if (!explanation.empty()) std::printf("  %s\n", explanation.c_str());
  if (out.result == spf::SpfResult::kNone && !out.problem.empty()) {
    std::printf("  %s\n", out.problem.c_str());
  }
  std::printf("%s\n", spf::received_spf_field(out, request).c_str());
  return rc;
}

}  // namespace

void register_spf_commands(CLI::App& app, Context& ctx) {
  CLI::App* spf = app.add_subcommand("spf", "SPF (RFC 7208) checks");
  spf->require_subcommand(1);
  auto args = std::make_shared<CheckArgs>();
  CLI::App* check = spf->add_subcommand("check", "Evaluate SPF for one SMTP client");
  check->add_option("--ip", args->ip, "SMTP client IP address (IPv4 or IPv6)")->required();
  check->add_option("--mail-from", args->mail_from,
                    "MAIL FROM address; \"\" or \"<>\" for the null reverse-path (checks HELO)");
  check->add_option("--helo", args->helo, "HELO/EHLO name the client gave")->required();
  check->add_option("--receiver", args->receiver,
                    "This host's name, for %{r} and Received-SPF (default: the host name)");
  check->add_option("--now", args->now, "Unix time for %{t} (default: now)");
  check->add_flag("--json", args->json, "One JSON object on one line");
  check->callback([&ctx, args] { ctx.exit_code = run_check(ctx, *args); });
}

}  // namespace authguard::cli
