// keys_cmd.cc: `authguard keys init|list|status|rotate|publish|export-dns|revoke`,
// the DKIM key lifecycle: two selectors per domain, rotation every 90 days,
// every key published and seen live before it signs (docs/CLI.md, "authguard keys").
//
// Every subcommand takes --now UNIX (a simulated clock) besides the global
// --state-dir, --config and --zone. `keys rotate --due` is the daily tick.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "core/clock.h"
#include "core/domain.h"
#include "core/strings.h"
#include "keys/live.h"
#include "keys/machine.h"
#include "keys/publisher.h"
#include "keys/records.h"
#include "keys/rotator.h"
#include "keys/store.h"
#include "keys/vault.h"

namespace authguard::cli {

namespace {

using keys::DomainState;
using keys::Family;
using keys::KeySet;
using keys::Slot;
using keys::SlotState;

// Everything a keys subcommand works with, opened once.
struct KeysEnv {
  const Config* cfg = nullptr;
  FixedClock fixed{0};
  const Clock* clock = &SystemClock::instance();
  std::unique_ptr<keys::SqliteKeyStore> store;
  std::optional<keys::KeyVault> vault;
  std::unique_ptr<keys::Publisher> publisher;
  std::unique_ptr<keys::ResolverChecker> via_resolver;
  std::unique_ptr<keys::AuthoritativeChecker> via_authoritative;
  std::unique_ptr<keys::AllCheckers> checker;
  std::unique_ptr<keys::Rotator> rotator;
};

Result<std::unique_ptr<KeysEnv>> open_env(Context& ctx, std::optional<std::int64_t> now,
                                          bool create) {
  auto env = std::make_unique<KeysEnv>();
  auto cfg = ctx.config();
  if (!cfg) return std::unexpected(cfg.error());
  env->cfg = *cfg;
  if (now) {
    env->fixed.set(*now);
    env->clock = &env->fixed;
  }
  auto vault = keys::KeyVault::open(ctx.options.state_dir, create);
  if (!vault) return std::unexpected(vault.error());
  env->vault = std::move(*vault);
  auto store = keys::SqliteKeyStore::open(ctx.options.state_dir, create);
  if (!store) return std::unexpected(store.error());
  env->store = std::move(*store);
  auto publisher = keys::make_publisher(env->cfg->keys.publisher);
  if (!publisher) return std::unexpected(publisher.error());
  env->publisher = std::move(*publisher);
  auto resolver = ctx.resolver();
  if (!resolver) return std::unexpected(resolver.error());
  env->via_resolver = std::make_unique<keys::ResolverChecker>(**resolver);
  std::vector<keys::LiveChecker*> checkers = {env->via_resolver.get()};
  // With --zone the zone file is all of DNS: there is no server to ask.
  if (ctx.options.zone_file.empty() && env->cfg->keys.check_authoritative) {
    const auto& dns = env->cfg->dns.resolver;
    std::vector<std::string> discovery;
    if (dns.mode == dns::UnboundOptions::Mode::kForward) discovery = dns.forwarders;
    env->via_authoritative = std::make_unique<keys::AuthoritativeChecker>(
        env->cfg->keys.authoritative_servers, discovery, dns.timeout_ms);
    checkers.insert(checkers.begin(), env->via_authoritative.get());
  }
  env->checker = std::make_unique<keys::AllCheckers>(checkers);
  env->rotator = std::make_unique<keys::Rotator>(*env->store, *env->vault, env->publisher.get(),
                                                 *env->checker, *env->clock,
                                                 keys::policy_from(env->cfg->keys));
  return env;
}

std::string days_text(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  return std::to_string(seconds / 86400) + "d";
}

const KeySet* rsa_set(const DomainState& d) { return d.find(Family::kRsa); }

// "stable; signing with selector1; next rotation 2025-04-01" and the like.
std::string state_summary(const DomainState& d, const keys::Policy& policy) {
  std::string out;
  for (const auto& set : d.sets) {
    std::string part;
    if (d.sets.size() > 1) part += std::string(keys::family_name(set.family)) + " ";
    std::string state = keys::rotation_state(set, policy);
    part += state;
    if (set.active >= 0) part += ", signing with " + set.slots[static_cast<std::size_t>(set.active)].selector;
    if (state == "propagating") {
      part += ", switch to " + set.slots[static_cast<std::size_t>(set.target)].selector + " at " +
              keys::iso8601(keys::switch_time(set, policy));
    } else if (state == "stable") {
      part += ", next rotation " + keys::iso_date(keys::next_rotation(set, policy));
    } else if (state == "awaiting-publication") {
      part += " (publish the records of `authguard keys export-dns`)";
    }
    out += (out.empty() ? "" : "; ") + part;
  }
  return out;
}

std::string describe(const keys::Outcome& o, const keys::Policy& policy) {
  std::string line = o.domain + ": ";
  if (!o.result) return line + "FAILED: " + o.result.error().message;
  std::string done;
  for (const auto& d : o.done) done += (done.empty() ? "" : ", ") + d;
  line += done.empty() ? "no change" : done;
  if (o.state) line += "; " + state_summary(*o.state, policy);
  return line;
}

void print_warnings(const keys::Outcome& o) {
  for (const auto& w : o.warnings) std::printf("  ! %s\n", w.c_str());
}

void print_records(const DomainState& d, std::uint32_t ttl) {
  auto records = keys::desired_records(d, ttl);
  for (const auto& r : records.records) std::printf("%s\n", keys::zone_line(r).c_str());
  auto delegation = keys::delegation_records(d, ttl);
  if (!delegation.empty()) {
    std::printf("; once, in the zone of %s (CNAME delegation to %s):\n", d.domain.c_str(),
                d.cname_zone.c_str());
    for (const auto& r : delegation) std::printf("%s\n", keys::zone_line(r).c_str());
  }
}

// Loads the domains named (all when empty), checking each one's key folder.
// Domains that fail are reported on stderr and counted.
std::vector<DomainState> load_domains(KeysEnv& env, const std::vector<std::string>& names,
                                      int& failures) {
  std::vector<DomainState> out;
  if (names.empty()) {
    auto all = env.store->load_all();
    if (!all) {
      std::fprintf(stderr, "authguard: %s\n", all.error().message.c_str());
      ++failures;
      return out;
    }
    for (auto& d : *all) {
      if (auto r = env.vault->check_domain(d.domain); !r) {
        std::fprintf(stderr, "authguard: %s\n", r.error().message.c_str());
        ++failures;
        continue;
      }
      out.push_back(std::move(d));
    }
    return out;
  }
  for (const auto& name : names) {
    auto parsed = DomainName::parse(name);
    if (!parsed) {
      std::fprintf(stderr, "authguard: '%s': %s\n", name.c_str(), parsed.error().message.c_str());
      ++failures;
      continue;
    }
    auto d = env.store->load(parsed->lower());
    if (!d || !*d) {
      std::fprintf(stderr, "authguard: %s\n",
                   d ? (parsed->lower() + " is not in the key store").c_str()
                     : d.error().message.c_str());
      ++failures;
      continue;
    }
    if (auto r = env.vault->check_domain(parsed->lower()); !r) {
      std::fprintf(stderr, "authguard: %s\n", r.error().message.c_str());
      ++failures;
      continue;
    }
    out.push_back(std::move(**d));
  }
  return out;
}

// --- init ------------------------------------------------------------------

struct InitArgs {
  std::vector<std::string> domains;
  unsigned bits = 0;
  bool ed25519 = false;
  std::string cname_zone;
  std::optional<std::int64_t> now;
};

int run_init(Context& ctx, const InitArgs& args) {
  auto env = open_env(ctx, args.now, /*create=*/true);
  if (!env) return ctx.report(env.error());
  auto& e = **env;
  keys::InitOptions options;
  options.bits = args.bits;
  options.ed25519 = args.ed25519;
  options.cname_zone = args.cname_zone.empty() ? e.cfg->keys.cname_zone : args.cname_zone;
  const auto& policy = e.rotator->policy();
  int failed = 0;
  auto outcomes = e.rotator->init(args.domains, options, [&](const keys::Outcome& o, std::size_t, std::size_t) {
    std::printf("%s\n", describe(o, policy).c_str());
    print_warnings(o);
    if (!o.result) ++failed;
  });
  for (const auto& o : outcomes) {
    if (!o.result || !o.state) continue;
    std::string how = e.publisher ? " (published by the " + std::string(e.publisher->kind()) + " publisher)"
                                  : " (publish them now; signing starts once selector 1 is live)";
    std::printf("\nDNS records for %s%s:\n", o.domain.c_str(), how.c_str());
    print_records(*o.state, policy.record_ttl);
  }
  return failed == 0 ? kExitOk : kExitNegative;
}

// --- list and status ---------------------------------------------------------

struct StatusArgs {
  std::vector<std::string> domains;
  bool json = false;
  bool no_dns = false;
  std::optional<std::int64_t> now;
};

int run_list(Context& ctx, const StatusArgs& args) {
  auto env = open_env(ctx, args.now, /*create=*/false);
  if (!env) return ctx.report(env.error());
  auto& e = **env;
  int failures = 0;
  auto domains = load_domains(e, args.domains, failures);
  UnixTime now = e.clock->now();
  const auto& policy = e.rotator->policy();
  std::printf("%-32s %-18s %-5s %-5s %-14s %s\n", "DOMAIN", "ACTIVE", "BITS", "AGE",
              "NEXT ROTATION", "STATE");
  for (const auto& d : domains) {
    const KeySet* rsa = rsa_set(d);
    if (rsa == nullptr) continue;
    std::string active = "-", bits = "-", age = "-", next = "-";
    if (rsa->active >= 0) {
      const Slot& a = rsa->slots[static_cast<std::size_t>(rsa->active)];
      active = a.selector;
      bits = std::to_string(a.bits);
      age = days_text(now - a.activated);
      next = keys::iso_date(keys::next_rotation(*rsa, policy));
    }
    std::string state = keys::rotation_state(*rsa, policy);
    if (rsa->active < 0) state += " (unsigned)";
    std::printf("%-32s %-18s %-5s %-5s %-14s %s\n", d.domain.c_str(), active.c_str(), bits.c_str(),
                age.c_str(), next.c_str(), state.c_str());
  }
  return failures == 0 ? kExitOk : kExitNegative;
}

// The CNAME a delegated selector must have: "ok", "missing" or "wrong".
std::string check_cname(dns::Resolver& resolver, const DomainState& d, const std::string& selector) {
  auto answer = resolver.query(keys::lookup_name(d.domain, selector), dns::RecordType::kCname);
  if (!answer) return answer.error().temporary() ? "error" : "missing";
  auto names = dns::decode_names(*answer);
  if (!names || names->records.empty()) return "missing";
  std::string want = keys::publish_name(d, selector);
  for (const auto& n : names->records) {
    if (iequals(n, want)) return "ok";
  }
  return "wrong";
}

int run_status(Context& ctx, const StatusArgs& args) {
  auto env = open_env(ctx, args.now, /*create=*/false);
  if (!env) return ctx.report(env.error());
  auto& e = **env;
  int failures = 0;
  auto domains = load_domains(e, args.domains, failures);
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());
  UnixTime now = e.clock->now();
  const auto& policy = e.rotator->policy();
  nlohmann::json all = nlohmann::json::array();
  for (const auto& d : domains) {
    nlohmann::json jd;
    jd["domain"] = d.domain;
    const KeySet* rsa = rsa_set(d);
    jd["active_selector"] = nullptr;
    jd["next_rotation"] = nullptr;
    if (rsa != nullptr && rsa->active >= 0) {
      jd["active_selector"] = rsa->slots[static_cast<std::size_t>(rsa->active)].selector;
      jd["next_rotation"] = keys::iso8601(keys::next_rotation(*rsa, policy));
    }
    jd["rotation_state"] = rsa != nullptr ? keys::rotation_state(*rsa, policy) : "unsigned";
    jd["cname_zone"] = d.cname_zone.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.cname_zone);
    nlohmann::json warnings = nlohmann::json::array();
    nlohmann::json selectors = nlohmann::json::array();
    for (std::size_t si = 0; si < d.sets.size(); ++si) {
      const KeySet& set = d.sets[si];
      if (set.family == Family::kEd25519) {
        jd["ed25519_active_selector"] =
            set.active >= 0 ? nlohmann::json(set.slots[static_cast<std::size_t>(set.active)].selector)
                            : nlohmann::json(nullptr);
        jd["ed25519_rotation_state"] = keys::rotation_state(set, policy);
      }
      if (set.active < 0) {
        warnings.push_back(std::string("no active ") + keys::family_name(set.family) +
                           " key: mail for " + d.domain +
                           (set.family == Family::kRsa ? " goes out unsigned" : " is not Ed25519-signed") +
                           " until a new key is live");
      }
      if (set.target >= 0 && keys::rotation_state(set, policy) == "propagating") {
        jd[set.family == Family::kRsa ? "switch_at" : "ed25519_switch_at"] =
            keys::iso8601(keys::switch_time(set, policy));
      }
      for (std::size_t i = 0; i < 2; ++i) {
        const Slot& x = set.slots[i];
        nlohmann::json js;
        js["selector"] = x.selector;
        js["family"] = keys::family_name(set.family);
        std::string state = keys::slot_state_name(x.state);
        js["state"] = state;
        js["algorithm"] = keys::algorithm_name(set.family);
        js["bits"] = x.bits;
        js["created"] = x.created != 0 ? nlohmann::json(keys::iso8601(x.created)) : nlohmann::json(nullptr);
        js["activated"] = x.activated != 0 ? nlohmann::json(keys::iso8601(x.activated)) : nlohmann::json(nullptr);
        js["record_name"] = keys::publish_name(d, x.selector);
        if (x.state == SlotState::kRevoked) js["revoked"] = keys::iso8601(x.revoked);
        if (x.state == SlotState::kEmpty || args.no_dns) {
          js["dns"] = nullptr;
        } else {
          auto o = e.rotator->observe(d, static_cast<int>(si), static_cast<int>(i));
          js["dns"] = keys::live_state_name(o.state);
          js["dns_detail"] = o.detail;
          if (x.state == SlotState::kActive && o.state != keys::LiveState::kLive) {
            warnings.push_back(x.selector + " signs but its record is " +
                               keys::live_state_name(o.state) + " in DNS (" + o.detail +
                               "): run authguard keys publish");
          }
        }
        if (!d.cname_zone.empty() && !args.no_dns) {
          js["cname"] = check_cname(**resolver, d, x.selector);
          if (js["cname"] != "ok") {
            warnings.push_back(keys::lookup_name(d.domain, x.selector) + " must be a CNAME to " +
                               keys::publish_name(d, x.selector) + " (it is " +
                               js["cname"].get<std::string>() + ")");
          }
        }
        selectors.push_back(std::move(js));
      }
    }
    jd["selectors"] = std::move(selectors);
    jd["warnings"] = std::move(warnings);
    all.push_back(std::move(jd));
  }
  if (args.json) {
    print_json_line(nlohmann::json{{"domains", all}});
    return failures == 0 ? kExitOk : kExitNegative;
  }
  for (std::size_t k = 0; k < all.size(); ++k) {
    const auto& jd = all[k];
    const DomainState& d = domains[k];
    std::printf("%s%s\n", d.domain.c_str(),
                d.cname_zone.empty() ? "" : ("  (CNAME delegation to " + d.cname_zone + ")").c_str());
    std::printf("  %s\n", state_summary(d, policy).c_str());
    for (const auto& js : jd["selectors"]) {
      std::string activated = js["activated"].is_null() ? "-" : js["activated"].get<std::string>().substr(0, 10);
      std::string created = js["created"].is_null() ? "-" : js["created"].get<std::string>().substr(0, 10);
      std::string dns = js["dns"].is_null() ? "-" : js["dns"].get<std::string>();
      std::string age;
      for (const auto& set : d.sets) {
        for (const auto& x : set.slots) {
          if (x.selector == js["selector"] && x.state == SlotState::kActive) {
            age = " (" + days_text(now - x.activated) + ")";
          }
        }
      }
      std::printf("  %-20s %-9s %-14s %4u  created %-10s  activated %-10s%s  dns %s%s\n",
                  js["selector"].get<std::string>().c_str(), js["state"].get<std::string>().c_str(),
                  js["algorithm"].get<std::string>().c_str(), js["bits"].get<unsigned>(),
                  created.c_str(), activated.c_str(), age.c_str(), dns.c_str(),
                  js.contains("cname") ? (", cname " + js["cname"].get<std::string>()).c_str() : "");
    }
    for (const auto& w : jd["warnings"]) std::printf("  ! %s\n", w.get<std::string>().c_str());
    bool by_hand = false;
    for (const auto& set : d.sets) {
      by_hand |= keys::rotation_state(set, policy) == "awaiting-publication";
    }
    if (by_hand) {
      std::printf("  publish by hand:\n");
      for (const auto& r : keys::desired_records(d, policy.record_ttl).records) {
        std::printf("    %s\n", keys::zone_line(r).c_str());
      }
    }
  }
  return failures == 0 ? kExitOk : kExitNegative;
}

// --- rotate, publish, export-dns, revoke --------------------------------------

struct RotateArgs {
  std::vector<std::string> domains;
  bool all = false;
  bool due = false;
  unsigned bits = 0;
  std::optional<std::int64_t> now;
};

int run_rotate(Context& ctx, const RotateArgs& args) {
  int modes = (args.domains.empty() ? 0 : 1) + (args.all ? 1 : 0) + (args.due ? 1 : 0);
  if (modes != 1) {
    return ctx.report(Error{ErrorKind::kConfig, "keys rotate wants DOMAIN..., --all or --due (one of them)"});
  }
  if (args.bits != 0 && args.due) {
    return ctx.report(Error{ErrorKind::kConfig, "--bits goes with DOMAIN... or --all, not --due"});
  }
  if (args.bits != 0 && args.bits != 1024 && args.bits != 2048 && args.bits != 3072 &&
      args.bits != 4096) {
    return ctx.report(Error{ErrorKind::kConfig, "--bits must be 1024, 2048, 3072 or 4096"});
  }
  auto env = open_env(ctx, args.now, /*create=*/false);
  if (!env) return ctx.report(env.error());
  auto& e = **env;
  keys::AdvanceOptions options;
  options.force = !args.due;
  options.bits = args.bits;
  const auto& policy = e.rotator->policy();
  std::size_t failed = 0, changed = 0, switched = 0, in_progress = 0, unsigned_count = 0;
  auto outcomes = e.rotator->advance(
      args.due || args.all ? std::vector<std::string>{} : args.domains, options,
      [&](const keys::Outcome& o, std::size_t index, std::size_t total) {
        int width = static_cast<int>(std::to_string(total).size());
        std::printf("[%*zu/%zu] %s\n", width, index + 1, total, describe(o, policy).c_str());
        print_warnings(o);
        std::fflush(stdout);
        if (!o.result) {
          ++failed;
          return;
        }
        if (!o.done.empty()) ++changed;
        for (const auto& d : o.done) switched += d.rfind("signing with ", 0) == 0 ? 1 : 0;
        if (o.state) {
          for (const auto& set : o.state->sets) {
            if (set.target >= 0) ++in_progress;
            if (set.family == Family::kRsa && set.active < 0) ++unsigned_count;
          }
        }
      });
  std::printf("%zu domain(s): %zu changed, %zu key(s) activated, %zu rotation(s) under way, "
              "%zu unsigned, %zu failed\n",
              outcomes.size(), changed, switched, in_progress, unsigned_count, failed);
  return failed == 0 ? kExitOk : kExitNegative;
}

struct PublishArgs {
  std::vector<std::string> domains;
  std::optional<std::int64_t> now;
};

int run_publish(Context& ctx, const PublishArgs& args) {
  auto env = open_env(ctx, args.now, /*create=*/false);
  if (!env) return ctx.report(env.error());
  auto& e = **env;
  if (!e.publisher) {
    return ctx.report(Error{ErrorKind::kConfig,
                            "no publisher configured ([keys.publisher] type); publish the "
                            "records of `authguard keys export-dns` by hand"});
  }
  const auto& policy = e.rotator->policy();
  std::size_t failed = 0;
  auto outcomes = e.rotator->publish(args.domains, [&](const keys::Outcome& o, std::size_t, std::size_t) {
    std::printf("%s\n", describe(o, policy).c_str());
    print_warnings(o);
    if (!o.result) ++failed;
  });
  std::printf("%zu domain(s) published, %zu failed\n", outcomes.size() - failed, failed);
  return failed == 0 ? kExitOk : kExitNegative;
}

int run_export(Context& ctx, const PublishArgs& args) {
  auto env = open_env(ctx, args.now, /*create=*/false);
  if (!env) return ctx.report(env.error());
  auto& e = **env;
  int failures = 0;
  auto domains = load_domains(e, args.domains, failures);
  std::printf("; DKIM key records that should be in DNS now (authguard keys export-dns)\n");
  for (const auto& d : domains) {
    std::printf("; %s\n", d.domain.c_str());
    print_records(d, e.rotator->policy().record_ttl);
  }
  return failures == 0 ? kExitOk : kExitNegative;
}

struct RevokeArgs {
  std::string domain;
  std::string selector;
  std::optional<std::int64_t> now;
};

int run_revoke(Context& ctx, const RevokeArgs& args) {
  auto env = open_env(ctx, args.now, /*create=*/false);
  if (!env) return ctx.report(env.error());
  auto& e = **env;
  auto o = e.rotator->revoke(args.domain, args.selector);
  std::printf("%s\n", describe(o, e.rotator->policy()).c_str());
  print_warnings(o);
  if (!o.result) {
    return o.result.error().kind == ErrorKind::kConfig ? kExitUsage : kExitNegative;
  }
  return kExitOk;
}

}  // namespace

Result<TickSummary> rotate_due(Context& ctx) {
  auto env = open_env(ctx, std::nullopt, /*create=*/false);
  if (!env) return std::unexpected(env.error());
  TickSummary summary;
  const auto& policy = (*env)->rotator->policy();
  keys::AdvanceOptions options;
  auto outcomes = (*env)->rotator->advance({}, options, [&](const keys::Outcome& o, std::size_t, std::size_t) {
    ++summary.domains;
    if (!o.result) {
      summary.failures.push_back(describe(o, policy));
      return;
    }
    if (!o.done.empty()) summary.changes.push_back(describe(o, policy));
  });
  return summary;
}

void register_keys_commands(CLI::App& app, Context& ctx) {
  CLI::App* keys = app.add_subcommand("keys", "DKIM key lifecycle: two selectors, rotation, publication");
  keys->require_subcommand(1);
  const char* now_help = "Act as at this Unix time (a simulated clock; default: now)";

  auto ia = std::make_shared<InitArgs>();
  CLI::App* init = keys->add_subcommand("init", "Create keys on both selectors of each domain");
  init->add_option("domain", ia->domains, "Domains")->required();
  init->add_option("--bits", ia->bits, "RSA key size (default: [keys] bits, 2048)")
      ->check(CLI::IsMember({1024, 2048, 3072, 4096}));
  init->add_flag("--ed25519", ia->ed25519, "Also an Ed25519 pair, for dual signing");
  init->add_option("--cname-zone", ia->cname_zone,
                   "CNAME delegation: keep the key records in this zone");
  init->add_option("--now", ia->now, now_help);
  init->callback([&ctx, ia] { ctx.exit_code = run_init(ctx, *ia); });

  auto la = std::make_shared<StatusArgs>();
  CLI::App* list = keys->add_subcommand("list", "One line per domain: active selector, age, next rotation");
  list->add_option("domain", la->domains, "Domains (default: all)");
  list->add_option("--now", la->now, now_help);
  list->callback([&ctx, la] { ctx.exit_code = run_list(ctx, *la); });

  auto sa = std::make_shared<StatusArgs>();
  CLI::App* status = keys->add_subcommand("status", "Each domain's selectors, rotation and live DNS check");
  status->add_option("domain", sa->domains, "Domains (default: all)");
  status->add_flag("--json", sa->json, "One JSON object on one line");
  status->add_flag("--no-dns", sa->no_dns, "Skip the live DNS checks");
  status->add_option("--now", sa->now, now_help);
  status->callback([&ctx, sa] { ctx.exit_code = run_status(ctx, *sa); });

  auto ra = std::make_shared<RotateArgs>();
  CLI::App* rotate = keys->add_subcommand("rotate", "Rotate named domains, all, or those due (the daily tick)");
  rotate->add_option("domain", ra->domains, "Domains to rotate now");
  rotate->add_flag("--all", ra->all, "Rotate every domain now");
  rotate->add_flag("--due", ra->due, "Move every domain as far as clock and DNS allow (cron)");
  rotate->add_option("--bits", ra->bits, "RSA size of the new keys (with DOMAIN... or --all)");
  rotate->add_option("--now", ra->now, now_help);
  rotate->callback([&ctx, ra] { ctx.exit_code = run_rotate(ctx, *ra); });

  auto pa = std::make_shared<PublishArgs>();
  CLI::App* publish = keys->add_subcommand("publish", "Push every key record to the configured publisher");
  publish->add_option("domain", pa->domains, "Domains (default: all)");
  publish->add_option("--now", pa->now, now_help);
  publish->callback([&ctx, pa] { ctx.exit_code = run_publish(ctx, *pa); });

  auto ea = std::make_shared<PublishArgs>();
  CLI::App* exp = keys->add_subcommand("export-dns", "Print every record that should be in DNS now");
  exp->add_option("domain", ea->domains, "Domains (default: all)");
  exp->add_option("--now", ea->now, now_help);
  exp->callback([&ctx, ea] { ctx.exit_code = run_export(ctx, *ea); });

  auto va = std::make_shared<RevokeArgs>();
  CLI::App* revoke = keys->add_subcommand("revoke", "Publish p= empty for a compromised key, rotate away");
  revoke->add_option("domain", va->domain, "Domain")->required();
  revoke->add_option("selector", va->selector, "Selector whose key is revoked")->required();
  revoke->add_option("--now", va->now, now_help);
  revoke->callback([&ctx, va] { ctx.exit_code = run_revoke(ctx, *va); });
}

}  // namespace authguard::cli
