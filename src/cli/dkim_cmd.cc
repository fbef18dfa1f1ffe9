// dkim_cmd.cc: `authguard dkim sign` and `authguard dkim verify`.
//
// sign writes the message to standard output byte for byte, with the new
// DKIM-Signature field in front. verify prints a table, or one JSON line per
// message; it exits 0 when every message has at least one passing signature.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "core/clock.h"
#include "core/strings.h"
#include "dkim/sign.h"
#include "dkim/verify.h"
#include "history/store.h"
#include "keys/signers.h"
#include "message/address.h"

namespace authguard::cli {

namespace {

struct SignArgs {
  std::string domain;
  std::string selector;
  std::string key;
  std::string algorithm;
  std::string canon = "relaxed/relaxed";
  std::string headers;
  std::string message = "-";
  std::optional<std::int64_t> now;
  std::vector<std::string> rcpts;  // envelope recipients, for --record
  bool record = false;
};

struct VerifyArgs {
  std::vector<std::string> messages;
  std::optional<std::int64_t> now;
  bool json = false;
};

Result<std::pair<dkim::Canon, dkim::Canon>> parse_canon_pair(std::string_view text) {
  auto parse_one = [](std::string_view t, dkim::Canon& out) {
    if (t == "simple") out = dkim::Canon::kSimple;
    else if (t == "relaxed") out = dkim::Canon::kRelaxed;
    else return false;
    return true;
  };
  auto slash = text.find('/');
  dkim::Canon h{}, b = dkim::Canon::kSimple;
  if (!parse_one(text.substr(0, slash), h) ||
      (slash != std::string_view::npos && !parse_one(text.substr(slash + 1), b))) {
    return fail(ErrorKind::kConfig, "--canon wants simple|relaxed[/simple|relaxed], got " +
                                        std::string(text));
  }
  return std::make_pair(h, b);
}

// The signers asked for: the key store's active key(s) for the domain
// without --key (RSA, and Ed25519 when that pair is active too; never a key
// whose record is not live), or the one key given.
Result<std::vector<dkim::Signer>> signers_for(Context& ctx, const SignArgs& args,
                                              const DomainName& domain) {
  auto canon = parse_canon_pair(args.canon);
  if (!canon) return std::unexpected(canon.error());
  std::vector<std::string> names;
  if (!args.headers.empty()) {
    for (auto n : split(args.headers, ':')) names.emplace_back(trim(n));
  }
  auto configure = [&](dkim::Signer::Builder& b) {
    b.canonicalization(canon->first, canon->second);
    if (!names.empty()) b.headers(names);
  };
  if (args.key.empty()) {
    if (!args.selector.empty() || !args.algorithm.empty()) {
      return fail(ErrorKind::kConfig,
                  "--selector and --algorithm go with --key; without it the key store's active "
                  "keys sign");
    }
    return keys::active_signers(ctx.options.state_dir, domain, configure);
  }
  if (args.selector.empty()) return fail(ErrorKind::kConfig, "--key needs --selector");
  auto key = dkim::PrivateKey::load_pem_file(args.key);
  if (!key) return fail(ErrorKind::kConfig, key.error().message);
  dkim::Signer::Builder builder(domain, args.selector, *key);
  if (!args.algorithm.empty()) {
    dkim::Algorithm a{};
    if (!dkim::parse_algorithm(args.algorithm, a)) {
      return fail(ErrorKind::kConfig, "unknown --algorithm " + args.algorithm);
    }
    builder.algorithm(a);
  }
  configure(builder);
  auto signer = builder.build();
  if (!signer) return std::unexpected(signer.error());
  std::vector<dkim::Signer> one;
  one.push_back(std::move(*signer));
  return one;
}

// The envelope recipients given, else the To, Cc and Bcc addresses of the
// message, into the recipient history of --state-dir.
Result<void> record_recipients(Context& ctx, const Message& message, const std::vector<std::string>& rcpts,
                               UnixTime now) {
  std::vector<std::string> addresses = rcpts;
  if (addresses.empty()) {
    for (const char* name : {"To", "Cc", "Bcc"}) {
      for (const HeaderField* f : message.find_all(name)) {
        auto list = parse_address_list(f->unfolded());
        if (!list) continue;  // an unreadable field names nobody we can record
        for (const auto& mb : *list) {
          if (!mb.domain_literal) addresses.push_back(to_lower(mb.addr_spec()));
        }
      }
    }
  }
  if (addresses.empty()) return {};
  auto history = history::SqliteHistoryStore::open(ctx.options.state_dir);
  if (!history) return std::unexpected(history.error());
  return (*history)->record_recipients(addresses, now);
}

int run_sign(Context& ctx, const SignArgs& args) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto domain = DomainName::parse(args.domain);
  if (!domain) return ctx.report(Error{ErrorKind::kConfig, "--domain: " + domain.error().message});
  auto signers = signers_for(ctx, args, *domain);
  if (!signers) return ctx.report(signers.error());
  auto message = read_message(args.message, (*cfg)->message_limits);
  if (!message) return ctx.report(message.error());
  const UnixTime now = args.now.value_or(SystemClock::instance().now());
  auto fields = dkim::sign_all(*signers, **message, now);
  if (!fields) return ctx.report(fields.error());
  if (args.record) {
    // The outbound path: whom our users write to becomes recipient history
    // (composite authentication's known-correspondent signal). Recorded
    // before the signed message is written, so a failure prints no message.
    if (auto r = record_recipients(ctx, **message, args.rcpts, now); !r) return ctx.report(r.error());
  }
  for (const auto& f : *fields) std::fwrite(f.data(), 1, f.size(), stdout);
  std::fwrite(message->bytes().data(), 1, message->bytes().size(), stdout);
  return kExitOk;
}

int run_verify(Context& ctx, const VerifyArgs& args) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());
  const Clock& clock = ctx.clock(args.now);
  dkim::Verifier verifier(**resolver, clock, (*cfg)->dkim);
  int rc = kExitOk;
  for (const auto& path : args.messages) {
    auto bytes = read_input(path, message_read_budget((*cfg)->message_limits));
    if (!bytes) {
      ctx.report(bytes.error());
      rc = kExitNegative;
      continue;
    }
    nlohmann::json j;
    j["message"] = path;
    j["signatures"] = nlohmann::json::array();
    bool passed = false;
    auto message = Message::parse(*bytes, (*cfg)->message_limits);
    if (!message) {
      j["error"] = message.error().message;
    } else {
      for (const auto& v : verifier.verify(*message)) {
        passed |= v.result == dkim::DkimResult::kPass;
        j["signatures"].push_back({{"domain", v.domain},
                                   {"selector", v.selector},
                                   {"algorithm", v.algorithm},
                                   {"result", dkim::result_name(v.result)},
                                   {"reason", v.reason},
                                   {"key_bits", v.key_bits},
                                   {"body_length_limited", v.body_length_limited},
                                   {"testing", v.key_testing}});
      }
    }
    if (!passed) rc = kExitNegative;
    if (args.json) {
      print_json_line(j);
      continue;
    }
    std::printf("%s\n", path.c_str());
    if (j.contains("error")) std::printf("  error: %s\n", j["error"].get<std::string>().c_str());
    if (j["signatures"].empty() && !j.contains("error")) std::printf("  no DKIM signature\n");
    for (const auto& s : j["signatures"]) {
      std::string bits = s["key_bits"].get<unsigned>() ? std::to_string(s["key_bits"].get<unsigned>()) + " bits" : "";
      std::printf("  %-9s d=%s s=%s a=%s %s%s\n    %s\n", s["result"].get<std::string>().c_str(),
                  s["domain"].get<std::string>().c_str(), s["selector"].get<std::string>().c_str(),
                  s["algorithm"].get<std::string>().c_str(), bits.c_str(),
                  s["body_length_limited"].get<bool>() ? " (l=: body partly signed)" : "",
                  s["reason"].get<std::string>().c_str());
    }
  }
  return rc;
}

}  // namespace

void register_dkim_commands(CLI::App& app, Context& ctx) {
  CLI::App* dkim = app.add_subcommand("dkim", "DKIM signing and verification");
  dkim->require_subcommand(1);

  auto sa = std::make_shared<SignArgs>();
  CLI::App* sign = dkim->add_subcommand("sign", "Sign a message; writes it with the new header");
  sign->add_option("--domain", sa->domain, "Signing domain (d=)")->required();
  sign->add_option("--selector", sa->selector, "Selector (s=); with --key");
  sign->add_option("--key", sa->key,
                   "PEM private key file (default: the key store's active keys, --state-dir)");
  sign->add_option("--algorithm", sa->algorithm, "rsa-sha256 or ed25519-sha256 (default: by key)");
  sign->add_option("--canon", sa->canon, "header/body canonicalization (default relaxed/relaxed)");
  sign->add_option("--headers", sa->headers, "Colon-separated h= list (default: recommended set)");
  sign->add_option("--now", sa->now, "Signing time t= as Unix seconds (default: now)");
  sign->add_flag("--record", sa->record,
                 "Record the recipients (--rcpt, else To/Cc/Bcc) in recipient history (--state-dir)");
  sign->add_option("--rcpt", sa->rcpts, "An envelope recipient, for --record (repeatable)")
      ->allow_extra_args(false);
  sign->add_option("message", sa->message, "Message file, or - for standard input (default)");
  sign->callback([&ctx, sa] { ctx.exit_code = run_sign(ctx, *sa); });

  auto va = std::make_shared<VerifyArgs>();
  CLI::App* verify = dkim->add_subcommand("verify", "Verify every DKIM signature of messages");
  verify->add_option("message", va->messages, "Message files (- for standard input)")->required();
  verify->add_option("--now", va->now, "Verify as at this Unix time (default: now)");
  verify->add_flag("--json", va->json, "One JSON object per message, one per line");
  verify->callback([&ctx, va] { ctx.exit_code = run_verify(ctx, *va); });
}

}  // namespace authguard::cli
