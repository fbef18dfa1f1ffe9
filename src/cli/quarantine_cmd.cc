// quarantine_cmd.cc: `authguard quarantine list|show|release|delete|report|
// sweep`, the administrator's view of the messages held in
// <state-dir>/authguard.db (issue 6), and `notify|request`, the recipients'
// own release of user-release messages (quarantine/user_release.h).
//
//   authguard quarantine list --json --rule invoices
//   authguard quarantine show 3f9a0c1d2e4b5a69 --raw > held.eml
//   authguard quarantine release 3f9a0c1d2e4b5a69      # re-injected to [quarantine] relay
//   authguard quarantine report 3f9a0c1d2e4b5a69 --as false-negative
//   authguard quarantine delete 3f9a0c1d2e4b5a69
//   authguard quarantine sweep                          # drop what has expired
//   authguard quarantine notify                         # digests to user-release recipients
//   authguard quarantine request < request.eml          # a recipient's release, from a pipe
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>

#include "cli/context.h"
#include "cli/format.h"
#include "cli/held.h"
#include "core/clock.h"
#include "core/domain.h"
#include "core/log.h"
#include "core/secure.h"
#include "core/strings.h"
#include "explain/explain.h"
#include "keys/vault.h"
#include "message/message.h"
#include "quarantine/preview.h"
#include "quarantine/relay.h"
#include "quarantine/release.h"
#include "quarantine/report.h"
#include "quarantine/store.h"
#include "quarantine/user_release.h"
#include "verdictlog/store.h"

namespace authguard::cli {

namespace {

struct ListArgs {
  bool json = false;
  std::string sender;
  std::string recipient;
  std::string rule;
  std::string subject;
  std::string since;  // received within this long before now (a duration)
  std::string until;  // received at least this long before now
  std::optional<std::int64_t> now;
};

struct IdArgs {
  std::string id;
  bool raw = false;
  std::vector<std::string> to;  // release: instead of the original recipients
  std::string as;               // report: false-negative | false-positive
  std::optional<std::int64_t> now;
};

Result<std::unique_ptr<quarantine::SqliteQuarantineStore>> open_store(Context& ctx) {
  return open_quarantine_store(ctx);
}

int run_list(Context& ctx, const ListArgs& a) {
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  quarantine::QuarantineFilter filter;
  filter.sender = a.sender;
  filter.recipient = a.recipient;
  filter.rule = a.rule;
  filter.subject_contains = a.subject;
  const UnixTime now = ctx.clock(a.now).now();
  for (auto [text, bound, flag] : {std::tuple{&a.since, &filter.since, "--since"},
                                   std::tuple{&a.until, &filter.until, "--until"}}) {
    if (text->empty()) continue;
    auto d = parse_duration(*text);
    if (!d) return ctx.report(Error{ErrorKind::kConfig, std::string(flag) + ": " + d.error().message});
    *bound = now - *d;
  }
  auto entries = (*store)->list(filter);
  if (!entries) return ctx.report(entries.error());
  if (a.json) {
    nlohmann::json messages = nlohmann::json::array();
    for (const auto& e : *entries) {
      messages.push_back({{"id", e.id},
                          {"received", iso8601(e.received)},
                          {"from", e.from_addr.empty() ? e.mail_from : e.from_addr},
                          {"recipients", e.recipients},
                          {"subject", e.subject},
                          {"rule", e.rule},
                          {"policy", e.policy},
                          {"expires", iso8601(e.expires)},
                          {"released", e.released != 0 ? nlohmann::json(iso8601(e.released))
                                                        : nlohmann::json(nullptr)},
                          {"report", e.report.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.report)},
                          {"notified", e.notified != 0 ? nlohmann::json(iso8601(e.notified))
                                                        : nlohmann::json(nullptr)}});
    }
    print_json_line({{"messages", messages}});
    return kExitOk;
  }
  if (entries->empty()) {
    std::printf("no quarantined messages\n");
    return kExitOk;
  }
  for (const auto& e : *entries) {
    // Sender-controlled text goes through printable(): it can't drive the terminal.
    std::printf("%s  %s  %s -> %s  [%s]  %s\n", e.id.c_str(), iso8601(e.received).c_str(),
                printable(e.from_addr.empty() ? e.mail_from : e.from_addr).c_str(),
                printable(joined(e.recipients)).c_str(), printable(e.rule).c_str(),
                printable(e.subject).c_str());
  }
  return kExitOk;
}

// How much of the header block `show` prints.
constexpr std::size_t kMaxShownFields = 100;
constexpr std::size_t kMaxShownFieldBytes = 500;

// The stored verdict in words: our Authentication-Results explained, the
// rules that matched and the disposition.
void print_verdict_in_words(Context& ctx, const std::string& verdict_json) {
  auto v = nlohmann::json::parse(verdict_json, nullptr, false);
  if (v.is_discarded() || !v.is_object()) {
    std::printf("verdict:    (not readable) %s\n", printable(verdict_json).c_str());
    return;
  }
  std::string ar = json_string(v, "authentication_results");
  constexpr std::string_view kName = "Authentication-Results:";
  if (ar.starts_with(kName)) {
    explain::ExplainOptions options;
    if (auto cfg = ctx.config()) options.own_authserv_id = (*cfg)->authserv_id;
    auto words = explain::explain_field(std::string_view(ar).substr(kName.size()), options);
    std::printf("\nverdict:    %s\n", printable(words.summary).c_str());
    for (const auto& sentence : words.sentences) std::printf("  - %s\n", printable(sentence).c_str());
  }
  if (v.contains("rules") && v["rules"].is_array()) {
    for (const auto& r : v["rules"]) {
      if (!r.is_object()) continue;
      std::string acts;
      if (r.contains("actions") && r["actions"].is_array()) {
        for (const auto& a : r["actions"]) {
          if (a.is_string()) acts += (acts.empty() ? "" : ", ") + a.get<std::string>();
        }
      }
      std::printf("  rule %s (%s): %s\n", printable(json_string(r, "name")).c_str(),
                  printable(json_string(r, "mode")).c_str(), printable(acts).c_str());
    }
  }
  std::string disposition = json_string(v, "disposition");
  std::printf("  disposition: %s\n", disposition.empty() ? "(not recorded)" : printable(disposition).c_str());
}

int run_show(Context& ctx, const IdArgs& a) {
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  auto e = (*store)->get(a.id);
  if (!e) return ctx.report(e.error());
  if (a.raw) {
    std::fwrite(e->raw.data(), 1, e->raw.size(), stdout);
    return kExitOk;
  }
  std::printf("id:         %s\n", e->id.c_str());
  std::printf("received:   %s\n", iso8601(e->received).c_str());
  std::printf("expires:    %s\n", iso8601(e->expires).c_str());
  std::printf("mail from:  %s\n", printable(e->mail_from).c_str());
  std::printf("recipients: %s\n", printable(joined(e->recipients)).c_str());
  std::printf("client:     %s (helo %s)\n", printable(e->client_ip).c_str(),
              printable(e->helo).c_str());
  std::printf("from:       %s\n", printable(e->from_addr).c_str());
  std::printf("subject:    %s\n", printable(e->subject).c_str());
  std::printf("rule:       %s\n", printable(e->rule).c_str());
  std::printf("policy:     %s\n", e->policy.c_str());
  if (e->released != 0) std::printf("released:   %s\n", iso8601(e->released).c_str());
  if (!e->report.empty()) std::printf("reported:   %s\n", e->report.c_str());
  std::printf("size:       %zu bytes\n", e->raw.size());
  print_verdict_in_words(ctx, e->verdict_json);
  auto m = Message::parse(e->raw);
  if (!m) {
    std::printf("\nthe message does not parse (%s); `show --raw` has its bytes\n",
                printable(m.error().message).c_str());
    return kExitOk;
  }
  std::printf("\nheader fields (%zu):\n", m->headers().size());
  std::size_t shown = 0;
  for (const auto& f : m->headers()) {
    if (++shown > kMaxShownFields) {
      std::printf("  ... %zu more\n", m->headers().size() - kMaxShownFields);
      break;
    }
    std::string value = f.unfolded();
    std::replace(value.begin(), value.end(), '\t', ' ');  // folding whitespace, shown as spaces
    if (value.size() > kMaxShownFieldBytes) value = value.substr(0, kMaxShownFieldBytes) + "...";
    std::printf("  %s:%s\n", printable(f.name).c_str(), printable(value).c_str());
  }
  auto preview = quarantine::text_preview(*m);
  if (preview.content_type.empty()) {
    std::printf("\nno text part to preview\n");
  } else {
    std::printf("\npreview (%s%s):\n", preview.content_type.c_str(), preview.truncated ? ", truncated" : "");
    std::string_view text = preview.text;
    while (text.ends_with('\n')) text.remove_suffix(1);
    for (std::string_view line : split(text, '\n')) {
      std::printf("  | %.*s\n", static_cast<int>(line.size()), line.data());
    }
  }
  return kExitOk;
}

int run_delete(Context& ctx, const IdArgs& a) {
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  if (auto r = (*store)->remove(a.id); !r) return ctx.report(r.error());
  log::info("quarantine.delete", {{"id", a.id}});
  std::printf("deleted %s\n", a.id.c_str());
  return kExitOk;
}

int run_release(Context& ctx, const IdArgs& a) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  for (const auto& to : a.to) {
    if (!is_mail_address(to)) {
      return ctx.report(Error{ErrorKind::kConfig, "--to " + printable(to) + ": not an address"});
    }
  }
  auto done = release_held(**cfg, ctx.options.state_dir, **store, a.id, ctx.clock(a.now).now(), a.to);
  if (!done) return ctx.report(done.error());
  std::printf("%s", done->c_str());
  return kExitOk;
}

// Writes `text` to `name` in `dir` (created 0700 when missing), whole or
// not at all (keys::write_file_atomic: a private temporary file, synced,
// renamed into place).
Result<std::string> write_report_file(const std::string& dir, const std::string& name,
                                      const std::string& text) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(ErrorKind::kIo, "cannot create " + dir + ": " + std::strerror(errno));
  }
  if (auto r = keys::write_file_atomic(dir, name, text, 0600); !r) return std::unexpected(r.error());
  return dir + "/" + name;
}

int run_report(Context& ctx, const IdArgs& a) {
  auto kind = quarantine::parse_report_kind(a.as);
  if (!kind) return ctx.report(Error{ErrorKind::kConfig, "--as must be false-negative or false-positive"});
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  auto e = (*store)->get(a.id);
  if (!e) return ctx.report(e.error());
  const UnixTime now = ctx.clock(a.now).now();
  const auto& q = (*cfg)->quarantine;
  quarantine::SubmissionAddresses addresses{.from = "postmaster@" + (*cfg)->authserv_id,
                                            .to = q.report_to.empty() ? "postmaster@" + (*cfg)->authserv_id
                                                                      : q.report_to};
  std::string submission = quarantine::submission_message(*e, *kind, addresses, now);
  const char* name = quarantine::report_kind_name(*kind);
  if (!q.report_to.empty()) {
    const quarantine::RelayOptions relay = relay_options(**cfg);
    // The null reverse-path: a report must not bounce back into a loop.
    quarantine::OutboundMessage out{.mail_from = "", .recipients = {q.report_to}, .data = submission};
    if (auto sent = quarantine::SmtpRelay(relay).send(out); !sent) return ctx.report(sent.error());
    std::printf("reported %s as %s: mailed to %s via %s\n", e->id.c_str(), name,
                printable(q.report_to).c_str(), relay.url.c_str());
  } else {
    std::string dir = q.report_dir.empty() ? ctx.options.state_dir + "/reports" : q.report_dir;
    auto path = write_report_file(dir, e->id + "-" + name + ".eml", submission);
    if (!path) return ctx.report(path.error());
    std::printf("reported %s as %s: %s\n", e->id.c_str(), name, path->c_str());
  }
  // Teach history once per judgement: a release already rewarded the pair.
  bool good = *kind == quarantine::ReportKind::kFalsePositive;
  if (e->report != name && !(good && e->released != 0)) {
    auto taught = teach_history(ctx.options.state_dir, *e, good, now);
    if (!taught) return ctx.report(taught.error());
    std::printf("%s\n", taught->c_str());
  }
  if (auto r = (*store)->mark_reported(e->id, name); !r) return ctx.report(r.error());
  log::info("quarantine.report", {{"id", e->id}, {"as", name}});
  return kExitOk;
}

// Retention: expired quarantined messages, and verdict-log entries older
// than the log keeps them.
int run_sweep(Context& ctx, std::optional<std::int64_t> now_arg) {
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  const UnixTime now = ctx.clock(now_arg).now();
  auto n = (*store)->sweep(now);
  if (!n) return ctx.report(n.error());
  auto log = verdictlog::SqliteVerdictLog::open(ctx.options.state_dir);
  if (!log) return ctx.report(log.error());
  auto logged = (*log)->sweep(now - verdictlog::kDefaultVerdictLogRetentionSeconds);
  if (!logged) return ctx.report(logged.error());
  std::printf("swept %lld expired message(s) and %lld verdict-log entr%s\n", static_cast<long long>(*n),
              static_cast<long long>(*logged), *logged == 1 ? "y" : "ies");
  return kExitOk;
}


// The most messages one digest lists; the rest wait for the next one.
constexpr std::size_t kMaxDigestMessages = 50;

struct NotifyArgs {
  bool json = false;
  bool dry_run = false;
  std::optional<std::int64_t> now;
};

// One recipient's digest: the entries listing them, with their place in
// each entry's envelope (the token binds it).
struct Digest {
  std::string recipient;
  std::vector<std::pair<const quarantine::QuarantineEntry*, std::size_t>> held;
};

// Mails each recipient of held user-release messages one digest listing
// those not yet notified, each with its release token. An entry is marked
// notified once every one of its recipients' digests went out whole, so a
// relay failure part-way leaves the rest for the next run.
int run_notify(Context& ctx, const NotifyArgs& a) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  const auto& q = (*cfg)->quarantine;
  if (q.release_address.empty()) {
    return ctx.report(Error{ErrorKind::kConfig,
                            "quarantine notify needs [quarantine] release_address, the alias piped to "
                            "`authguard quarantine request`: without it a digest could not be answered"});
  }
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  const UnixTime now = ctx.clock(a.now).now();
  auto entries = (*store)->list({});
  if (!entries) return ctx.report(entries.error());
  std::vector<Digest> digests;
  std::map<std::string, std::size_t> by_recipient;  // lower-case address -> digests index
  std::map<std::string, std::size_t> pending;       // entry id -> digests it still needs
  for (const auto& e : *entries) {
    if (e.policy != quarantine::kPolicyUserRelease || e.released != 0 || e.notified != 0 || e.expires <= now) {
      continue;
    }
    for (std::size_t i = 0; i < e.recipients.size(); ++i) {
      auto [it, fresh] = by_recipient.emplace(to_lower(e.recipients[i]), digests.size());
      if (fresh) digests.push_back({e.recipients[i], {}});
      auto& held = digests[it->second].held;
      if (!held.empty() && held.back().first == &e) continue;  // listed twice in one envelope
      held.emplace_back(&e, i);
      ++pending[e.id];
    }
  }
  auto key = quarantine::load_release_key(ctx.options.state_dir);
  if (!key) return ctx.report(key.error());
  const quarantine::DigestAddresses base{
      .from = q.notify_from.empty() ? "quarantine@" + (*cfg)->authserv_id : q.notify_from,
      .to = "",
      .release_address = q.release_address};
  const quarantine::RelayOptions relay = relay_options(**cfg);
  nlohmann::json out = nlohmann::json::array();
  int rc = kExitOk;
  for (const auto& d : digests) {
    std::vector<quarantine::DigestItem> items;
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& [e, index] : d.held) {
      if (items.size() == kMaxDigestMessages) break;
      items.push_back({e, quarantine::release_token(*key, e->id, index, e->recipients[index])});
      ids.push_back(e->id);
    }
    const std::size_t more = d.held.size() - items.size();
    quarantine::DigestAddresses to = base;
    to.to = d.recipient;
    if (!a.dry_run) {
      // The null reverse-path: a digest that can't be delivered must not
      // bounce into a loop (RFC 3834 §3.3).
      quarantine::OutboundMessage mail{.mail_from = "", .recipients = {d.recipient},
                                       .data = quarantine::digest_message(items, to, more, now)};
      if (auto sent = quarantine::SmtpRelay(relay).send(mail); !sent) {
        rc = ctx.report(Error{sent.error().kind, "digest to " + printable(d.recipient) + ": " + sent.error().message});
        break;
      }
      for (const auto& item : items) --pending[item.entry->id];
    }
    out.push_back({{"recipient", d.recipient}, {"messages", ids}, {"more", more}});
    if (!a.json) {
      std::printf("%s %s: %zu message(s)%s\n", a.dry_run ? "would notify" : "notified",
                  printable(d.recipient).c_str(), items.size(),
                  more > 0 ? (", " + std::to_string(more) + " more next time").c_str() : "");
    }
  }
  wipe(*key);
  nlohmann::json marked = nlohmann::json::array();
  for (const auto& [id, left] : pending) {
    if (a.dry_run || left != 0) continue;
    if (auto r = (*store)->mark_notified(id, now); !r) return ctx.report(r.error());
    marked.push_back(id);
  }
  if (!a.dry_run) {
    log::info("quarantine.notify", {{"digests", std::to_string(out.size())},
                                    {"messages", std::to_string(marked.size())}});
  }
  if (a.json) {
    print_json_line({{"dry_run", a.dry_run}, {"digests", out}, {"notified", marked}});
  } else if (digests.empty()) {
    std::printf("no user-release messages waiting for a notice\n");
  }
  return rc;
}

struct RequestArgs {
  std::string file = "-";
  std::optional<std::int64_t> now;
};

// Says why a request was refused, on standard error: Postfix's pipe puts it
// in the bounce the requester gets.
int refuse(int code, const std::string& why) {
  std::fprintf(stderr, "authguard: %s\n", why.c_str());
  return code;
}

int sysexit_of(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kTemporary:
    case ErrorKind::kIo:
      return EX_TEMPFAIL;
    case ErrorKind::kConfig:
      return EX_CONFIG;
    case ErrorKind::kInternal:
      return EX_SOFTWARE;
    default:
      return EX_DATAERR;
  }
}

// A recipient's release request, read from a pipe (a Postfix alias). Exit
// codes are sysexits(3), which Postfix's local and pipe delivery read: 0
// released (or an automatic message, ignored); 65 no request in it, or no
// such message; 77 refused (bad token, admin-only); 75 try again later
// (relay or store busy), which Postfix retries; 78 configuration.
int run_request(Context& ctx, const RequestArgs& a) {
  auto cfg = ctx.config();
  if (!cfg) return refuse(EX_CONFIG, cfg.error().message);
  auto message = read_message(a.file, (*cfg)->message_limits);
  if (!message) return refuse(sysexit_of(message.error()), message.error().message);
  const Message& m = **message;
  // RFC 3834 §2: an automatic message (an auto-reply, a digest bounced
  // back, a vacation notice quoting one) never acts.
  if (const HeaderField* auto_submitted = m.find_first("Auto-Submitted")) {
    std::string value = to_lower(trim(auto_submitted->unfolded()));
    if (!value.starts_with("no")) {
      log::info("quarantine.request", {{"result", "ignored"}, {"why", "auto-submitted"}});
      std::printf("ignored: an automatic message (Auto-Submitted: %s)\n", printable(value).c_str());
      return EX_OK;
    }
  }
  const HeaderField* subject = m.find_first("Subject");
  auto request = quarantine::find_release_request(subject != nullptr ? subject->unfolded() : "");
  if (!request) request = quarantine::find_release_request(quarantine::text_preview(m).text);
  if (!request) {
    return refuse(EX_DATAERR, "no release request found: the subject should read \"release ID TOKEN\", "
                              "as the quarantine notice shows it");
  }
  auto store = open_store(ctx);
  if (!store) return refuse(sysexit_of(store.error()), store.error().message);
  auto e = (*store)->get(request->id);
  if (!e) {
    if (e.error().kind != ErrorKind::kNotFound) return refuse(sysexit_of(e.error()), e.error().message);
    return refuse(EX_DATAERR, "message " + request->id + " is not in quarantine (expired, deleted or never held)");
  }
  const UnixTime now = ctx.clock(a.now).now();
  auto key = quarantine::read_release_key(ctx.options.state_dir);
  if (!key && key.error().kind != ErrorKind::kNotFound) return refuse(sysexit_of(key.error()), key.error().message);
  auto recipient = quarantine::authorize_user_release(key ? *key : std::string(), *e, request->token, now);
  if (key) wipe(*key);
  if (!recipient) {
    log::info("quarantine.request", {{"id", e->id}, {"result", "refused"}});
    return refuse(recipient.error().kind == ErrorKind::kNotFound ? EX_DATAERR : EX_NOPERM,
                  recipient.error().message);
  }
  auto done = release_held(**cfg, ctx.options.state_dir, **store, e->id, now, {*recipient},
                           ReleasedBy::kRecipient);
  if (!done) return refuse(sysexit_of(done.error()), done.error().message);
  std::printf("%s", done->c_str());
  return EX_OK;
}
}  // namespace

void register_quarantine_commands(CLI::App& app, Context& ctx) {
  CLI::App* q = app.add_subcommand("quarantine", "Messages held back by policy");
  q->require_subcommand(1);

  auto la = std::make_shared<ListArgs>();
  CLI::App* list = q->add_subcommand("list", "Quarantined messages, oldest first");
  list->add_flag("--json", la->json, "One JSON object on one line");
  list->add_option("--sender", la->sender, "Envelope or header From address");
  list->add_option("--recipient", la->recipient, "One of the envelope recipients");
  list->add_option("--rule", la->rule, "The rule that held the message");
  list->add_option("--subject", la->subject, "Text the Subject contains (any case)");
  list->add_option("--since", la->since, "Received within this long: 30m, 24h, 7d, 2w");
  list->add_option("--until", la->until, "Received at least this long ago: 30m, 24h, 7d, 2w");
  list->add_option("--now", la->now, "Count back from this Unix time");
  list->callback([&ctx, la] { ctx.exit_code = run_list(ctx, *la); });

  auto sa = std::make_shared<IdArgs>();
  CLI::App* show = q->add_subcommand("show", "One message's details and verdict");
  show->add_option("id", sa->id, "Message id")->required();
  show->add_flag("--raw", sa->raw, "Print the message as received instead");
  show->callback([&ctx, sa] { ctx.exit_code = run_show(ctx, *sa); });

  auto da = std::make_shared<IdArgs>();
  CLI::App* del = q->add_subcommand("delete", "Delete one message for good");
  del->add_option("id", da->id, "Message id")->required();
  del->callback([&ctx, da] { ctx.exit_code = run_delete(ctx, *da); });

  auto ra = std::make_shared<IdArgs>();
  CLI::App* rel = q->add_subcommand("release", "Re-inject a message through the relay, marked released");
  rel->add_option("id", ra->id, "Message id")->required();
  rel->add_option("--to", ra->to, "Deliver to this address instead of the original recipients (repeatable)")
      ->allow_extra_args(false);
  rel->add_option("--now", ra->now, "Act as at this Unix time");
  rel->callback([&ctx, ra] { ctx.exit_code = run_release(ctx, *ra); });

  auto pa = std::make_shared<IdArgs>();
  CLI::App* rep = q->add_subcommand("report", "Report a message as a false negative or false positive");
  rep->add_option("id", pa->id, "Message id")->required();
  rep->add_option("--as", pa->as, "false-negative (bad mail) or false-positive (good mail)")->required();
  rep->add_option("--now", pa->now, "Act as at this Unix time");
  rep->callback([&ctx, pa] { ctx.exit_code = run_report(ctx, *pa); });

  auto na = std::make_shared<NotifyArgs>();
  CLI::App* notify = q->add_subcommand("notify", "Mail user-release recipients a digest with release tokens");
  notify->add_flag("--json", na->json, "One JSON object on one line");
  notify->add_flag("--dry-run", na->dry_run, "Say who would be notified; send and mark nothing");
  notify->add_option("--now", na->now, "Act as at this Unix time");
  notify->callback([&ctx, na] { ctx.exit_code = run_notify(ctx, *na); });

  auto qa = std::make_shared<RequestArgs>();
  CLI::App* request = q->add_subcommand("request", "A recipient's release request (from a mail alias pipe)");
  request->add_option("message", qa->file, "The request message (default: standard input)");
  request->add_option("--now", qa->now, "Act as at this Unix time");
  request->callback([&ctx, qa] { ctx.exit_code = run_request(ctx, *qa); });

  auto now = std::make_shared<std::optional<std::int64_t>>();
  CLI::App* sw = q->add_subcommand("sweep", "Delete every message past its expiry");
  sw->add_option("--now", *now, "Act as at this Unix time");
  sw->callback([&ctx, now] { ctx.exit_code = run_sweep(ctx, *now); });
}

}  // namespace authguard::cli
