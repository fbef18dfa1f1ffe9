// serve_cmd.cc: `authguard serve`, the milter (libmilter) Postfix or
// Sendmail hands inbound mail to. For each message it runs the inbound
// verdict (SPF, DKIM, DMARC, composite authentication, mail-flow rules),
// records it as `check --record` does (history, verdict log, quarantine),
// and applies it (policy/delivery.h): our Authentication-Results on top,
// forged ones and release markers removed, rule edits made; reject answers
// 5xx; quarantine stores the message durably, then discards it; a verdict
// that rests on a failure of ours (the state database) answers 4xx, so the
// sender retries and no message is lost. A DNS failure is not ours: its
// result (temperror) goes in the Authentication-Results and the message is
// delivered, as RFC 7489 §6.6.3 allows and OpenDMARC does.
//
//   authguard serve --config /etc/authguard/authguard.toml --state-dir /var/lib/authguard
//   authguard serve --socket inet:8891@127.0.0.1
//
// Outbound mail (SMTP AUTH, or a client in [milter] internal_networks) is
// signed with the From domain's active DKIM keys instead of checked. A
// scheduler thread runs the key-rotation tick ([keys] tick_seconds).
//
// libmilter runs one thread per MTA connection; each keeps its own session
// (envelope, message bytes, verdict engine with its caches) and shares the
// configuration, the DNS resolver and the state database's stores, which are
// safe to share.
#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/context.h"
#include "cli/format.h"
#include "cli/held.h"
#include "authres/forged.h"
#include "core/domain.h"
#include "core/ip.h"
#include "core/log.h"
#include "core/strings.h"
#include "dkim/sign.h"
#include "history/store.h"
#include "keys/signers.h"
#include "message/address.h"
#include "policy/delivery.h"
#include "policy/inbound.h"
#include "quarantine/store.h"
#include "verdictlog/store.h"

namespace authguard::cli {

namespace {

// The state database's stores, shared by every session: each is safe to
// use from many threads (one connection behind a mutex), and opening them
// per SMTP session cost more than the verdict.
struct Stores {
  std::unique_ptr<history::SqliteHistoryStore> history;
  std::unique_ptr<quarantine::SqliteQuarantineStore> held;
  std::unique_ptr<verdictlog::SqliteVerdictLog> log;
};

// What every session shares. libmilter's callbacks carry no user pointer,
// so it is reached through this one global, set before smfi_main().
struct Server {
  const Config* config = nullptr;
  dns::Resolver* resolver = nullptr;
  Context* ctx = nullptr;  // for open_quarantine_store (reads only the config)
  std::string state_dir;
  std::mutex open_mutex;
  Stores stores;  // opened at the first message; a failed open is retried at the next
  std::atomic<int> sessions{0};  // counted sessions, at most [milter] max_sessions
};
Server* g_server = nullptr;

struct Session {
  policy::Envelope envelope;
  std::string raw;  // the message as it arrives: header fields, blank line, body
  bool leading_space = false;  // SMFIP_HDR_LEADSPC agreed: values come as written
  bool too_big = false;
  // Outbound mail is signed, not checked: an SMTP-AUTH client (this
  // transaction), or a client in [milter] internal_networks (the connection).
  bool authenticated = false;
  bool internal = false;
  bool counted = false;  // holds one of the max_sessions places
  // Made at the first end of message, kept for the connection (its caches
  // are not shared between threads).
  std::unique_ptr<policy::InboundChecker> checker;

  void new_transaction() {
    envelope.mail_from.clear();
    envelope.recipients.clear();
    raw.clear();
    too_big = false;
    authenticated = false;
  }
};

Session* session_of(SMFICTX* ctx) {
  auto* s = static_cast<Session*>(smfi_getpriv(ctx));
  if (s == nullptr) {
    s = new Session();
    smfi_setpriv(ctx, s);
  }
  return s;
}

std::size_t max_bytes() { return g_server->config->message_limits.max_message_bytes; }

void append(Session& s, std::string_view bytes) {
  if (s.too_big) return;
  if (s.raw.size() + bytes.size() > max_bytes()) {
    s.too_big = true;
    s.raw.clear();
    s.raw.shrink_to_fit();
    return;
  }
  s.raw.append(bytes);
}

sfsistat answer(SMFICTX* ctx, sfsistat verdict, const std::string& code, const std::string& xcode,
                const std::string& text) {
  // '%' is a format character to libmilter.
  std::string safe = text;
  std::replace(safe.begin(), safe.end(), '%', '?');
  smfi_setreply(ctx, const_cast<char*>(code.c_str()), const_cast<char*>(xcode.c_str()), safe.data());
  return verdict;
}

sfsistat negotiate(SMFICTX* ctx, unsigned long actions, unsigned long steps, unsigned long, unsigned long,
                   unsigned long* want_actions, unsigned long* want_steps, unsigned long* f2, unsigned long* f3) {
  constexpr unsigned long kNeed = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_DELRCPT;
  if ((actions & kNeed) != kNeed) return SMFIS_REJECT;  // libmilter then fails the connection
  Session* s = session_of(ctx);
  *want_actions = kNeed;
  // Header values exactly as written (DKIM's simple canonicalization needs
  // the space after the colon, or its absence).
  *want_steps = steps & SMFIP_HDR_LEADSPC;
  s->leading_space = (steps & SMFIP_HDR_LEADSPC) != 0;
  *f2 = 0;
  *f3 = 0;
  return SMFIS_CONTINUE;
}

sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR* addr) {
  Session* s = session_of(ctx);
  if (!s->counted) {
    const int limit = g_server->config->milter.max_sessions;
    if (g_server->sessions.fetch_add(1) >= limit) {
      g_server->sessions.fetch_sub(1);
      log::warn("milter.busy", {{"max_sessions", std::to_string(limit)}});
      return answer(ctx, SMFIS_TEMPFAIL, "451", "4.3.2", "too busy, try again later");
    }
    s->counted = true;
  }
  s->envelope.client_ip.reset();
  char text[INET6_ADDRSTRLEN] = {};
  if (addr != nullptr && addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(addr)->sin_addr, text, sizeof text);
  } else if (addr != nullptr && addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(addr)->sin6_addr, text, sizeof text);
  }
  // No address (a local submission through non_smtpd_milters): SPF is not
  // checked, as `check` does without --ip.
  if (text[0] != '\0') {
    if (auto ip = IpAddress::parse(text)) s->envelope.client_ip = *ip;
  }
  s->internal = false;
  if (s->envelope.client_ip) {
    for (const auto& [network, prefix] : g_server->config->milter.internal_networks) {
      s->internal |= s->envelope.client_ip->in_network(network, prefix);
    }
  }
  return SMFIS_CONTINUE;
}

sfsistat on_helo(SMFICTX* ctx, char* helo) {
  session_of(ctx)->envelope.helo = helo != nullptr ? helo : "";
  return SMFIS_CONTINUE;
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
  Session* s = session_of(ctx);
  s->new_transaction();
  s->envelope.mail_from = std::string(unbracketed(argv != nullptr && argv[0] != nullptr ? argv[0] : ""));
  // Postfix sends {auth_authen} with MAIL FROM (milter_mail_macros' default).
  const char* login = smfi_getsymval(ctx, const_cast<char*>("{auth_authen}"));
  s->authenticated = login != nullptr && *login != '\0';
  return SMFIS_CONTINUE;
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
  if (argv != nullptr && argv[0] != nullptr) {
    session_of(ctx)->envelope.recipients.emplace_back(unbracketed(argv[0]));
  }
  return SMFIS_CONTINUE;
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  Session* s = session_of(ctx);
  std::string line = std::string(name) + ":" + (s->leading_space ? "" : " ");
  // Folded values come with bare LF line breaks; the message keeps CRLF.
  for (const char* p = value; *p != '\0'; ++p) {
    if (*p == '\n' && (p == value || p[-1] != '\r')) line += '\r';
    line += *p;
  }
  line += "\r\n";
  append(*s, line);
  return SMFIS_CONTINUE;
}

sfsistat on_eoh(SMFICTX* ctx) {
  append(*session_of(ctx), "\r\n");
  return SMFIS_CONTINUE;
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t size) {
  append(*session_of(ctx), std::string_view(reinterpret_cast<const char*>(chunk), size));
  return SMFIS_CONTINUE;
}


sfsistat try_again(SMFICTX* ctx, const std::string& queue_id, const Error& why) {
  log::warn("milter.tempfail", {{"queue_id", queue_id}, {"error", why.message}});
  return answer(ctx, SMFIS_TEMPFAIL, "451", "4.3.0", "temporary failure, try again later");
}

// The shared stores, opened once (under a mutex; a failure is retried by
// the next message).
Result<Stores*> stores() {
  std::lock_guard lock(g_server->open_mutex);
  Stores& st = g_server->stores;
  if (st.history && st.held && st.log) return &st;
  const std::string& dir = g_server->state_dir;
  // Per-message statistics: no fsync each (history/store.h). The quarantine
  // stays durable: a held message is committed before it counts.
  auto history = history::SqliteHistoryStore::open(dir, {.busy_timeout_ms = 5000, .durable = false});
  if (!history) return std::unexpected(history.error());
  auto held = open_quarantine_store(*g_server->ctx);
  if (!held) return std::unexpected(held.error());
  auto log = verdictlog::SqliteVerdictLog::open(dir);
  if (!log) return std::unexpected(log.error());
  st.history = std::move(*history);
  st.held = std::move(*held);
  st.log = std::move(*log);
  return &st;
}

// The verdict engine of this connection, made once.
Result<void> prepare(Session& s, Stores& st) {
  if (s.checker) return {};
  s.checker = std::make_unique<policy::InboundChecker>(*g_server->resolver, SystemClock::instance(),
                                                       *g_server->config, st.history.get());
  // A key made later (the first release) is read by the next connection.
  if (auto r = honour_release_markers(g_server->state_dir, *g_server->config, *s.checker); !r) {
    s.checker.reset();
    return r;
  }
  return {};
}

bool apply(SMFICTX* ctx, const Session& s, const policy::DeliveryPlan& plan) {
  for (const auto& e : plan.headers) {
    std::string value = e.value;
    if (!s.leading_space && value.starts_with(' ')) value.erase(0, 1);
    char* name = const_cast<char*>(e.name.c_str());
    int r = MI_FAILURE;
    switch (e.kind) {
      case policy::HeaderEdit::Kind::kRemove:
        r = smfi_chgheader(ctx, name, static_cast<int>(e.occurrence), nullptr);
        break;
      case policy::HeaderEdit::Kind::kInsert:
        r = smfi_insheader(ctx, 0, name, value.data());
        break;
      case policy::HeaderEdit::Kind::kAdd:
        r = smfi_addheader(ctx, name, value.data());
        break;
      case policy::HeaderEdit::Kind::kChange:
        r = smfi_chgheader(ctx, name, static_cast<int>(e.occurrence), value.data());
        break;
    }
    if (r != MI_SUCCESS) return false;
  }
  for (const auto& rcpt : plan.remove_recipients) {
    std::string addr = "<" + rcpt + ">";
    if (smfi_delrcpt(ctx, addr.data()) != MI_SUCCESS) return false;
  }
  for (const auto& rcpt : plan.add_recipients) {
    std::string addr = "<" + rcpt + ">";
    if (smfi_addrcpt(ctx, addr.data()) != MI_SUCCESS) return false;
  }
  return true;
}

// The DKIM-Signature fields of the From domain's active keys (RSA, and
// Ed25519 when that pair is active too), added to `plan` to go on top;
// returns the selectors, "" when the message goes out unsigned (no single
// author domain, or no active key). A key store that can't be read is an
// error: mail from a p=reject domain must not leave unsigned by accident.
Result<std::string> add_signatures(const Message& message, UnixTime now, const std::string& queue_id,
                                   policy::DeliveryPlan& plan) {
  auto authors = parse_authors(message);
  if (!authors || authors->distinct_domains.size() != 1 || authors->has_domain_literal) {
    log::info("milter.unsigned", {{"queue_id", queue_id}, {"why", "not exactly one author domain"}});
    return std::string();
  }
  const DomainName& domain = authors->distinct_domains.front();
  auto signers = keys::active_signers(g_server->state_dir, domain);
  if (!signers) {
    if (signers.error().kind != ErrorKind::kNotFound) return std::unexpected(signers.error());
    log::info("milter.unsigned", {{"queue_id", queue_id}, {"domain", domain.lower()}, {"why", "no active key"}});
    return std::string();
  }
  auto fields = dkim::sign_all(*signers, message, now);
  if (!fields) return std::unexpected(fields.error());
  // sign_all's first field goes on top: inserted last at place 0.
  for (auto it = fields->rbegin(); it != fields->rend(); ++it) {
    std::string_view field = *it;
    plan.headers.push_back({policy::HeaderEdit::Kind::kInsert, "DKIM-Signature",
                            policy::milter_value(field.substr(field.find(':') + 1)), 0});
  }
  std::string selectors = domain.lower() + ":";
  for (const auto& signer : *signers) selectors += (selectors.ends_with(':') ? "" : ",") + signer.selector();
  return selectors;
}

// Outbound: signed (add_signatures), and its recipients recorded as known
// correspondents. Not checked; but what our users write is cleaned as
// inbound mail is: results claiming our authserv-id and release markers are
// not theirs to write, and would reach a local mailbox as ours.
sfsistat sign_outbound(SMFICTX* ctx, const Session& s, Stores& st, const Message& message,
                       const policy::Envelope& env, const std::string& queue_id) {
  const UnixTime now = SystemClock::instance().now();
  const Config& cfg = *g_server->config;
  policy::InboundVerdict cleaned;  // deliver, no results of ours to add
  cleaned.forged_authres = authres::find_claiming(message, cfg.authserv_id);
  policy::DeliveryPlan plan = policy::plan_delivery(message, cleaned, env, cfg.junk_header);
  auto signed_with = add_signatures(message, now, queue_id, plan);
  if (!signed_with) return try_again(ctx, queue_id, signed_with.error());
  if (!apply(ctx, s, plan)) {
    return try_again(ctx, queue_id, Error{ErrorKind::kTemporary, "the MTA refused a header change"});
  }
  // Only addresses history can key (RCPT TO:<postmaster> has no domain):
  // one bad one would otherwise lose the whole batch.
  std::vector<std::string> recipients;
  for (const auto& r : env.recipients) {
    if (is_mail_address(r)) recipients.push_back(r);
  }
  if (auto r = st.history->record_recipients(recipients, now); !r) {
    // A lost correspondent record weakens a later verdict a little; it is
    // no reason to hold our users' mail back.
    log::warn("milter.history", {{"queue_id", queue_id}, {"error", r.error().message}});
  }
  if (!signed_with->empty()) {
    log::info("milter.signed", {{"queue_id", queue_id}, {"selectors", *signed_with},
                                {"recipients", std::to_string(recipients.size())}});
  }
  return SMFIS_CONTINUE;
}

sfsistat on_eom(SMFICTX* ctx) {
  Session* s = session_of(ctx);
  const char* qid = smfi_getsymval(ctx, const_cast<char*>("i"));
  const std::string queue_id = qid != nullptr ? qid : "";
  const Config& cfg = *g_server->config;
  if (s->too_big) {
    s->new_transaction();
    return answer(ctx, SMFIS_REJECT, "552", "5.3.4",
                  "message exceeds authguard's max_message_bytes=" + std::to_string(max_bytes()));
  }
  auto message = OwnedMessage::parse(std::move(s->raw), cfg.message_limits);
  const policy::Envelope env = s->envelope;
  const bool outbound = s->authenticated || s->internal;
  s->new_transaction();  // the next message on this connection starts afresh
  if (!message) {
    log::info("milter.refused", {{"queue_id", queue_id}, {"error", message.error().message}});
    return answer(ctx, SMFIS_REJECT, "554", "5.6.0", "message not accepted: " + message.error().message);
  }
  auto st = stores();
  if (!st) return try_again(ctx, queue_id, st.error());
  if (outbound) return sign_outbound(ctx, *s, **st, **message, env, queue_id);
  if (auto ready = prepare(*s, **st); !ready) return try_again(ctx, queue_id, ready.error());
  const UnixTime now = SystemClock::instance().now();
  auto verdict = s->checker->check(**message, env);
  if (!verdict.temporary_error.empty()) {
    return try_again(ctx, queue_id, Error{ErrorKind::kTemporary, verdict.temporary_error});
  }
  auto held_id = record_verdict(verdict, queue_id, env, **message, *(*st)->history, *(*st)->held, *(*st)->log, now);
  if (!held_id) return try_again(ctx, queue_id, held_id.error());
  auto plan = policy::plan_delivery(**message, verdict, env, cfg.junk_header);
  for (const auto& why : plan.skipped) log::warn("milter.action_skipped", {{"queue_id", queue_id}, {"why", why}});
  log::info("milter.verdict", {{"queue_id", queue_id},
                               {"from_domain", verdict.dmarc.header_from},
                               {"dmarc", dmarc::result_name(verdict.dmarc.result)},
                               {"action", verdict.dmarc.action},
                               {"compauth", policy::compauth_status_name(verdict.compauth.result)},
                               {"disposition", policy::disposition_name(verdict.rules.disposition)},
                               {"quarantine_id", *held_id}});
  switch (plan.answer) {
    case policy::DeliveryPlan::Answer::kReject:
      return answer(ctx, SMFIS_REJECT, plan.code, plan.xcode, plan.text);
    case policy::DeliveryPlan::Answer::kTempFail:
      return answer(ctx, SMFIS_TEMPFAIL, plan.code, plan.xcode, plan.text);
    case policy::DeliveryPlan::Answer::kDiscard:
      return SMFIS_DISCARD;  // committed to the quarantine above
    case policy::DeliveryPlan::Answer::kAccept:
      break;
  }
  if (!apply(ctx, *s, plan)) {
    return try_again(ctx, queue_id, Error{ErrorKind::kTemporary, "the MTA refused a header or recipient change"});
  }
  return SMFIS_CONTINUE;
}

sfsistat on_abort(SMFICTX* ctx) {
  session_of(ctx)->new_transaction();
  return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) {
  auto* s = static_cast<Session*>(smfi_getpriv(ctx));
  if (s != nullptr && s->counted) g_server->sessions.fetch_sub(1);
  delete s;
  smfi_setpriv(ctx, nullptr);
  return SMFIS_CONTINUE;
}

// No exception may cross into libmilter's C: a callback that throws
// (memory exhausted, a library's surprise) answers "try again later".
template <class F>
sfsistat guarded(SMFICTX* ctx, F&& callback) noexcept {
  try {
    return callback();
  } catch (const std::exception& e) {
    log::error("milter.internal_error", {{"error", e.what()}});
  } catch (...) {
    log::error("milter.internal_error", {{"error", "unknown exception"}});
  }
  try {
    return answer(ctx, SMFIS_TEMPFAIL, "451", "4.3.0", "temporary failure, try again later");
  } catch (...) {
    return SMFIS_TEMPFAIL;
  }
}

// The rotation tick inside the daemon (`[keys] tick_seconds`): at start,
// then every interval, as `keys rotate --due` would run from a timer. Runs
// take turns with any other rotation on keys/.lock, so a timer as well is
// harmless.
class RotationScheduler {
 public:
  RotationScheduler(Context& ctx, unsigned interval_seconds) : ctx_(ctx), interval_(interval_seconds) {
    if (interval_ == 0) return;
    // libmilter takes SIGTERM, SIGINT and SIGHUP with sigwait() in a thread
    // of its own; every other thread must keep them blocked, or one could
    // land here and end the process without a clean stop.
    sigset_t signals, old;
    sigemptyset(&signals);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&signals, sig);
    pthread_sigmask(SIG_BLOCK, &signals, &old);
    thread_ = std::thread([this] { run(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  ~RotationScheduler() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  RotationScheduler(const RotationScheduler&) = delete;
  RotationScheduler& operator=(const RotationScheduler&) = delete;

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      tick();
      lock.lock();
      wake_.wait_for(lock, std::chrono::seconds(interval_), [this] { return stopping_; });
    }
  }
  void tick() noexcept {
    try {
      auto summary = rotate_due(ctx_);
      if (!summary) {
        if (summary.error().kind == ErrorKind::kNotFound) {
          log::debug("keys.tick", {{"result", "no key store"}});
        } else {
          log::warn("keys.tick", {{"result", "failed"}, {"error", summary.error().message}});
        }
        return;
      }
      for (const auto& f : summary->failures) log::warn("keys.tick", {{"result", "failed"}, {"domain", f}});
      for (const auto& c : summary->changes) log::info("keys.tick", {{"result", "changed"}, {"domain", c}});
      log::info("keys.tick", {{"domains", std::to_string(summary->domains)},
                              {"changed", std::to_string(summary->changes.size())},
                              {"failed", std::to_string(summary->failures.size())}});
    } catch (const std::exception& e) {
      log::error("keys.tick", {{"result", "internal error"}, {"error", e.what()}});
    } catch (...) {
      log::error("keys.tick", {{"result", "internal error"}});
    }
  }

  Context& ctx_;
  unsigned interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Over TCP the milter protocol is many small request/reply pairs, which
// Nagle's algorithm and delayed ACKs turn into 40 ms stalls. libmilter
// gives no hook on its sockets, so TCP_NODELAY goes on its listening socket
// (found among our descriptors), which Linux copies to every accepted one.
void set_nodelay_on_listeners() {
  for (int fd = 3; fd < 1024; ++fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int listening = 0;
    socklen_t optlen = sizeof listening;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6) continue;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 || listening == 0) continue;
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
}

struct ServeArgs {
  std::string socket;
};

int run_serve(Context& ctx, const ServeArgs& a) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());
  std::error_code ec;
  if (!std::filesystem::is_directory(ctx.options.state_dir, ec)) {
    return ctx.report(Error{ErrorKind::kConfig, "--state-dir " + ctx.options.state_dir + " is not a directory"});
  }
  static Server server;
  server.config = *cfg;
  server.resolver = *resolver;
  server.ctx = &ctx;
  server.state_dir = ctx.options.state_dir;
  g_server = &server;
  const std::string socket = a.socket.empty() ? (*cfg)->milter.socket : a.socket;

  smfiDesc desc{};
  desc.xxfi_name = const_cast<char*>("authguard");
  desc.xxfi_version = SMFI_VERSION;
  desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_DELRCPT;
  desc.xxfi_connect = [](SMFICTX* c, char* host, _SOCK_ADDR* addr) {
    return guarded(c, [&] { return on_connect(c, host, addr); });
  };
  desc.xxfi_helo = [](SMFICTX* c, char* helo) { return guarded(c, [&] { return on_helo(c, helo); }); };
  desc.xxfi_envfrom = [](SMFICTX* c, char** argv) { return guarded(c, [&] { return on_envfrom(c, argv); }); };
  desc.xxfi_envrcpt = [](SMFICTX* c, char** argv) { return guarded(c, [&] { return on_envrcpt(c, argv); }); };
  desc.xxfi_header = [](SMFICTX* c, char* name, char* value) {
    return guarded(c, [&] { return on_header(c, name, value); });
  };
  desc.xxfi_eoh = [](SMFICTX* c) { return guarded(c, [&] { return on_eoh(c); }); };
  desc.xxfi_body = [](SMFICTX* c, unsigned char* chunk, size_t size) {
    return guarded(c, [&] { return on_body(c, chunk, size); });
  };
  desc.xxfi_eom = [](SMFICTX* c) { return guarded(c, [&] { return on_eom(c); }); };
  desc.xxfi_abort = [](SMFICTX* c) { return guarded(c, [&] { return on_abort(c); }); };
  desc.xxfi_close = [](SMFICTX* c) { return guarded(c, [&] { return on_close(c); }); };
  desc.xxfi_negotiate = [](SMFICTX* c, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
                           unsigned long* p0, unsigned long* p1, unsigned long* p2, unsigned long* p3) {
    return guarded(c, [&] { return negotiate(c, f0, f1, f2, f3, p0, p1, p2, p3); });
  };
  if (smfi_register(desc) == MI_FAILURE) return ctx.report(Error{ErrorKind::kInternal, "smfi_register failed"});
  if (smfi_setconn(const_cast<char*>(socket.c_str())) == MI_FAILURE) {
    return ctx.report(Error{ErrorKind::kConfig, "bad milter socket " + socket});
  }
  smfi_settimeout((*cfg)->milter.timeout_seconds);
  // The MTA's user reaches a unix socket through its group (docs/CONFIG.md).
  ::umask(0007);
  if (smfi_opensocket(true) == MI_FAILURE) {
    return ctx.report(Error{ErrorKind::kIo, "cannot listen on " + socket});
  }
  if (socket.starts_with("inet")) set_nodelay_on_listeners();
  log::info("milter.start", {{"socket", socket}, {"state_dir", ctx.options.state_dir}});
  std::fprintf(stderr, "authguard: serving on %s\n", socket.c_str());
  RotationScheduler scheduler(ctx, (*cfg)->keys.tick_seconds);
  int r = smfi_main();
  log::info("milter.stop", {{"socket", socket}});
  return r == MI_SUCCESS ? kExitOk : kExitTemporary;
}

}  // namespace

void register_serve_command(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* serve = app.add_subcommand("serve", "Run the milter: check, record and apply the verdict on live mail");
  serve->add_option("--socket", a->socket, "unix:/PATH or inet:PORT@HOST (default: [milter] socket)");
  serve->callback([&ctx, a] { ctx.exit_code = run_serve(ctx, *a); });
}

}  // namespace authguard::cli
