// demo_cmd.cc: `authguard demo`, the tour `make demo` runs. It works offline on
// embedded defaults: the demo zone and sample messages from examples/ are
// compiled into the program. The tour: how inbound messages are read and
// what DNS says about their authors' domains; the inbound verdict with
// composite authentication and the hardened rules, a held message released
// over SMTP (to a loopback listener standing in for the MTA) and let through
// on its way back; the domain audit; and a simulated year of key rotation.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/demo_smtp.h"
#include "cli/embedded.h"
#include "cli/held.h"
#include "cli/format.h"
#include "cli/inspect.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/strings.h"
#include "dns/zone_resolver.h"
#include "audit/demo.h"
#include "history/store.h"
#include "keys/demo.h"
#include "message/address.h"
#include "policy/inbound.h"
#include "quarantine/release.h"
#include "quarantine/store.h"

namespace authguard::cli {

namespace {

// The demo's clock: just after the sample messages were sent and signed.
constexpr UnixTime kDemoTime = 1764482500;

// The first TXT record at `name` that starts with `prefix`, as text.
std::string find_txt(dns::Resolver& resolver, const std::string& name, std::string_view prefix) {
  auto txt = dns::lookup_txt(resolver, name);
  if (!txt) return std::string("(") + dns::dns_status_name(txt.error().status) + ")";
  for (const auto& r : txt->records) {
    if (istarts_with(r.joined(), prefix)) return quote_txt(r);
  }
  return "(no " + std::string(prefix) + " record)";
}

std::string find_mx(dns::Resolver& resolver, const std::string& name) {
  auto mx = dns::lookup_mx(resolver, name);
  if (!mx) return std::string("(") + dns::dns_status_name(mx.error().status) + ")";
  std::string out;
  for (const auto& r : mx->records) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r.preference) + " " + r.exchange;
    if (r.exchange == ".") out += " (null MX: accepts no mail)";
  }
  return out;
}

// The quarantine's part of the tour: the held message listed, released over
// SMTP to a loopback listener standing in for the MTA, and checked again as
// it comes back: its release marker lets it through.
int release_demo(Context& ctx, Config cfg, const std::string& state, quarantine::QuarantineStore& held,
                 const std::string& id, dns::Resolver& zone, const Clock& clock) {
  std::printf("== The quarantine: review and release ==\n\n");
  auto listed = held.list({});
  if (!listed) return ctx.report(listed.error());
  for (const auto& e : *listed) {
    std::printf("  %s  %s  %s -> %s  [%s, %s]  %s\n", e.id.c_str(), iso8601(e.received).c_str(),
                printable(e.from_addr).c_str(), printable(joined(e.recipients)).c_str(), e.rule.c_str(),
                e.policy.c_str(), printable(e.subject).c_str());
  }
  if (id.empty()) {
    std::printf("  (nothing was held)\n\n");
    return kExitOk;
  }
  DemoSmtpListener mta;
  auto port = mta.start();
  if (!port) return ctx.report(port.error());
  cfg.quarantine.relay.url = "smtp://127.0.0.1:" + std::to_string(*port);
  std::printf("\n$ authguard quarantine release %s   ([quarantine] relay = \"%s\",\n"
              "  a loopback listener inside the demo standing in for your MTA)\n",
              id.c_str(), cfg.quarantine.relay.url.c_str());
  auto said = release_held(cfg, state, held, id, clock.now(), {});
  if (!said) return ctx.report(said.error());
  for (std::string_view line : split(*said, '\n')) {
    if (!line.empty()) std::printf("  %.*s\n", static_cast<int>(line.size()), line.data());
  }
  auto got = mta.wait();
  if (!got.error.empty()) return ctx.report(Error{ErrorKind::kIo, "demo relay: " + got.error});
  std::printf("  the relay received MAIL FROM:<%s> RCPT TO:<%s>, %zu bytes, beginning\n    %s\n",
              printable(got.mail_from).c_str(), printable(joined(got.recipients)).c_str(), got.data.size(),
              printable(got.data.substr(0, std::min<std::size_t>(got.data.find("\r\n"), 100))).c_str());

  // Back through the verdict, as the milter sees re-injected mail: from the
  // relay, where nothing else vouches for it.
  policy::InboundChecker again(zone, clock, cfg);
  if (auto r = honour_release_markers(state, cfg, again); !r) return ctx.report(r.error());
  auto m = Message::parse(got.data, cfg.message_limits);
  if (!m) return ctx.report(m.error());
  policy::Envelope env;
  env.client_ip = IpAddress::parse("127.0.0.1").value();
  env.helo = got.helo;
  env.mail_from = got.mail_from;
  env.recipients = got.recipients;
  auto v = again.check(*m, env);
  std::printf("  re-checked from 127.0.0.1: DMARC %s, action %s; release marker %s -> disposition: %s\n\n",
              dmarc::result_name(v.dmarc.result), v.dmarc.action.c_str(), v.release.c_str(),
              policy::disposition_name(v.rules.disposition));
  return kExitOk;
}

int run_demo(Context& ctx) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  // The tour speaks for itself; routine log lines would only interleave.
  // (The key-rotation tour's revocation drill would log a warning.)
  if (ctx.options.config_path.empty()) (void)log::init("stderr", "error");
  std::string_view zone_text;
  std::vector<const EmbeddedFile*> messages;
  for (const auto& f : embedded_files()) {
    if (f.path == "examples/demo.zone") zone_text = f.data;
    if (iends_with(f.path, ".eml")) messages.push_back(&f);
  }
  auto zone = dns::ZoneResolver::load_text(zone_text, "examples/demo.zone");
  if (!zone) return ctx.report(zone.error());

  std::printf("authguard demo: offline, on embedded defaults\n");
  std::printf("  DNS: examples/demo.zone (%zu records); messages: examples/messages/ (%zu)\n\n",
              (*zone)->record_count(), messages.size());
  std::printf("== Inbound: how each message is read, and what DNS says of its authors ==\n\n");
  for (const EmbeddedFile* f : messages) {
    auto summary = summarize_message(f->path, f->data, (*cfg)->message_limits);
    std::fputs(render_summary(summary).c_str(), stdout);
    if (summary.contains("from") && summary["from"].contains("domains")) {
      if (summary["from"]["shape"] == "several-domains") {
        std::printf("  ! From names authors in several domains: DMARC can never pass this\n"
                    "    message (the CVE-2019-16378 bypass class).\n");
      }
      for (const auto& d : summary["from"]["domains"]) {
        std::string domain = d.get<std::string>();
        std::printf("  %s\n", domain.c_str());
        std::printf("    SPF    %s\n", find_txt(**zone, domain, "v=spf1").c_str());
        std::printf("    DMARC  %s\n", find_txt(**zone, "_dmarc." + domain, "v=DMARC1").c_str());
        std::printf("    MX     %s\n", find_mx(**zone, domain).c_str());
      }
    }
    std::printf("\n");
  }

  // The inbound verdict, as the milter will compute it, with the envelope
  // each message records about itself (Return-Path, first Received), on the
  // hardened profile that examples/authguard.toml ships, and a little sender
  // history: contoso.example's mail has passed DMARC from the partners list
  // (198.51.100.0/24) on two days this month.
  std::printf("== Inbound verdicts: SPF, DKIM, DMARC, composite authentication, rules ==\n\n");
  std::string_view profile_text;
  for (const auto& f : embedded_files()) {
    if (f.path == "examples/authguard.toml") profile_text = f.data;
  }
  auto profile = parse_config(profile_text, "examples/authguard.toml");
  if (!profile) return ctx.report(profile.error());
  Config demo_cfg = **cfg;
  demo_cfg.authserv_id = "mx.example.net";
  demo_cfg.compauth = profile->compauth;
  demo_cfg.rules = profile->rules;
  std::string state = (std::filesystem::temp_directory_path() / "authguard-demo-XXXXXX").string();
  if (::mkdtemp(state.data()) == nullptr) return ctx.report(Error{ErrorKind::kIo, "cannot make a temporary state directory"});
  struct RemoveAtEnd {
    std::string dir;
    ~RemoveAtEnd() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{state};
  auto history = history::SqliteHistoryStore::open(state);
  if (!history) return ctx.report(history.error());
  const std::string list_net = history::network_key(*IpAddress::parse("198.51.100.77"));
  for (int days_ago : {20, 20, 5}) {
    if (auto r = (*history)->record_pass("contoso.example", list_net, kDemoTime - days_ago * 86400); !r) {
      return ctx.report(r.error());
    }
  }
  std::printf("  profile: examples/authguard.toml (%zu rules); history: 3 DMARC passes of\n"
              "  contoso.example from %s\n\n", demo_cfg.rules.size(), list_net.c_str());
  FixedClock clock(kDemoTime);
  policy::InboundChecker checker(**zone, clock, demo_cfg, history->get());
  auto held = quarantine::SqliteQuarantineStore::open(state);
  if (!held) return ctx.report(held.error());
  std::string held_id;
  for (const EmbeddedFile* f : messages) {
    auto m = Message::parse(f->data, demo_cfg.message_limits);
    if (!m) continue;
    auto env = policy::envelope_from_headers(*m);
    if (!env) continue;
    // The envelope recipients are the To addresses, as a direct delivery has them.
    if (const HeaderField* to = m->find_first("To")) {
      if (auto list = parse_address_list(to->unfolded())) {
        for (const auto& mb : *list) env->recipients.push_back(mb.addr_spec());
      }
    }
    auto v = checker.check(*m, *env);
    std::printf("%s (client %s)\n%s", f->path.data(),
                env->client_ip ? env->client_ip->str().c_str() : "unknown",
                v.authentication_results.c_str());
    std::printf("  -> DMARC %s: %s\n", dmarc::result_name(v.dmarc.result), printable(v.dmarc.reason).c_str());
    std::printf("  -> compauth %s reason %s%s\n", policy::compauth_status_name(v.compauth.result),
                v.compauth.reason_text().c_str(),
                v.compauth.overridden ? ": implicit signals override the DMARC policy" : "");
    for (const auto& m : v.rules.matched) std::printf("  -> rule %s\n", printable(m.name).c_str());
    std::printf("  -> disposition: %s%s\n", policy::disposition_name(v.rules.disposition),
                v.rules.quarantine_policy.empty() ? "" : (" (" + v.rules.quarantine_policy + ")").c_str());
    if (!v.forged_authres.empty()) {
      std::printf("  -> %zu forged Authentication-Results claiming mx.example.net would be removed\n",
                  v.forged_authres.size());
    }
    if (v.rules.disposition == policy::Disposition::kQuarantine) {
      std::string subject;
      if (const HeaderField* field = m->find_first("Subject")) subject = std::string(trim(field->unfolded()));
      auto id = (*held)->put(held_entry(v, std::string(f->path), *env, *m, subject,
                                        clock.now()));
      if (!id) return ctx.report(id.error());
      held_id = *id;
      std::printf("  -> held in the quarantine as %s\n", id->c_str());
    }
    std::printf("\n");
  }
  if (int rc = release_demo(ctx, demo_cfg, state, **held, held_id, **zone, clock); rc != kExitOk) {
    return rc;
  }
  // The second measure: DMARC reject on every owned domain, audited.
  std::fflush(stdout);
  if (int rc = audit::run_audit_demo(**zone, stdout); rc != 0) return rc;

  // The first measure: DKIM keys that rotate themselves, over a simulated year.
  std::fflush(stdout);
  if (auto r = keys::run_keys_demo(stdout); !r) return ctx.report(r.error());
  return kExitOk;
}

}  // namespace

void register_demo_command(CLI::App& app, Context& ctx) {
  CLI::App* demo = app.add_subcommand("demo", "Offline tour of authguard on embedded defaults");
  demo->callback([&ctx] { ctx.exit_code = run_demo(ctx); });
}

}  // namespace authguard::cli
