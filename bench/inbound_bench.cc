// inbound_bench.cc: the third measure's costs on one core. The whole inbound
// verdict (SPF, DKIM, DMARC, composite authentication with sender history in
// SQLite, the hardened rules) per message, DMARC alone, the rules engine
// alone as the rule count grows, and what --record adds (a durable
// quarantine put, a verdict-log append). DNS answers come from the demo zone
// behind the cache, warm: the figures are what a milter pays per message
// once the sender's records are cached.
//
//   make bench && build-release/bench/inbound_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "core/clock.h"
#include "dns/cache.h"
#include "dns/zone_resolver.h"
#include "history/store.h"
#include "policy/inbound.h"
#include "quarantine/preview.h"
#include "quarantine/store.h"
#include "verdictlog/replay.h"
#include "verdictlog/store.h"

namespace {

using namespace authguard;

constexpr UnixTime kNow = 1764482500;  // just after the demo messages were signed

std::string read(const std::string& relative) {
  std::ifstream in(std::string(AUTHGUARD_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  std::string state;
  FixedClock clock{kNow};
  std::unique_ptr<dns::ZoneResolver> zone;
  std::unique_ptr<dns::CachingResolver> cached;
  Config cfg;
  std::unique_ptr<history::SqliteHistoryStore> history;
  std::unique_ptr<policy::InboundChecker> checker;

  Fixture() {
    char tmpl[] = "/tmp/authguard-bench-XXXXXX";
    state = ::mkdtemp(tmpl);
    zone = std::move(*dns::ZoneResolver::load_text(read("examples/demo.zone"), "demo.zone"));
    cached = std::make_unique<dns::CachingResolver>(*zone, clock, 10000);
    cfg = *parse_config(read("examples/authguard.toml"), "examples/authguard.toml");
    history = std::move(*history::SqliteHistoryStore::open(state));
    // contoso.example has passed DMARC through the list's network before.
    for (int days : {20, 20, 5}) {
      (void)history->record_pass("contoso.example", "198.51.100.0/24", kNow - days * 86400);
    }
    checker = std::make_unique<policy::InboundChecker>(*cached, clock, cfg, history.get());
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(state, ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

struct Sample {
  std::string bytes;
  std::unique_ptr<Message> message;
  policy::Envelope envelope;
};

Sample sample(const std::string& name) {
  Sample s;
  s.bytes = read("examples/messages/" + name);
  s.message = std::make_unique<Message>(*Message::parse(s.bytes));
  s.envelope = *policy::envelope_from_headers(*s.message);
  s.envelope.recipients = {"reader@example.net"};
  return s;
}

// The whole verdict for one message per iteration; `want` guards against
// measuring a broken setup.
void verdict(benchmark::State& state, const char* file, policy::Disposition want) {
  Fixture& f = fixture();
  Sample s = sample(file);
  if (f.checker->check(*s.message, s.envelope).rules.disposition != want) {  // warms the caches
    state.SkipWithError("unexpected disposition: the benchmark setup is broken");
    return;
  }
  for (auto _ : state) {
    policy::InboundVerdict v = f.checker->check(*s.message, s.envelope);
    benchmark::DoNotOptimize(v);
  }
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

// DMARC passes through an aligned RSA-2048 DKIM signature and SPF: no
// history lookup is made.
void BM_VerdictDmarcPass(benchmark::State& state) {
  verdict(state, "contoso-newsletter.eml", policy::Disposition::kDeliver);
}
// The list-relayed failure: DKIM body hash broken, sender history read from
// SQLite, FCrDNS, the override to oreject, the hardening rule's RE2 pattern
// over our Authentication-Results: quarantine.
void BM_VerdictListRelayedOverride(benchmark::State& state) {
  verdict(state, "contoso-via-list.eml", policy::Disposition::kQuarantine);
}
// A spoof: SPF fails, no signature, DMARC reject stands.
void BM_VerdictSpoofRejected(benchmark::State& state) {
  verdict(state, "contoso-spoof.eml", policy::Disposition::kReject);
}

// DMARC alone (policy discovery from the warm cache, alignment), given the
// SPF and DKIM results: the part OpenDMARC does.
void BM_DmarcEvaluate(benchmark::State& state) {
  Fixture& f = fixture();
  Sample s = sample("contoso-newsletter.eml");
  policy::InboundVerdict v = f.checker->check(*s.message, s.envelope);
  dmarc::Evaluator evaluator(*f.cached);
  spf::SpfOutput spf = *v.spf;
  if (evaluator.evaluate(*s.message, spf, v.dkim).result != dmarc::DmarcResult::kPass) {
    state.SkipWithError("DMARC did not pass: the benchmark setup is broken");
    return;
  }
  for (auto _ : state) {
    dmarc::Verdict d = evaluator.evaluate(*s.message, spf, v.dkim);
    benchmark::DoNotOptimize(d);
  }
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

// The rules engine alone, over what rules saw of the list-relayed message,
// with N rules of which every other one has an RE2 header pattern that does
// not match (the worst case: every rule is evaluated to the end).
void BM_RunRules(benchmark::State& state) {
  Fixture& f = fixture();
  Sample s = sample("contoso-via-list.eml");
  policy::InboundVerdict v = f.checker->check(*s.message, s.envelope);
  policy::RuleInput in = policy::rule_input(*s.message, v, s.envelope, true);
  std::string text = "authserv_id = \"mx.example.net\"\n";
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    text += "[[rules]]\nname = \"r" + std::to_string(i) + "\"\npriority = " + std::to_string(i) + "\n";
    text += i % 2 == 0 ? "conditions = [{ header = \"Subject\", matches = \"invoice-" + std::to_string(i) +
                             "-[0-9]+\" }]\n"
                       : "conditions = [{ from_domain_is = [\"n" + std::to_string(i) + ".example\"] }]\n";
    text += "actions = [{ junk = true }]\n";
  }
  auto cfg = parse_config(text, "bench.toml");
  if (!cfg) {
    state.SkipWithError(cfg.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    policy::RulesOutcome out = policy::run_rules(cfg->rules, in);
    benchmark::DoNotOptimize(out);
  }
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

// `quarantine show`'s preview of a nested multipart message (quoted-printable).
void BM_TextPreview(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 200; ++i) body += "Gr=C3=BC=C3=9Fe aus dem Newsletter, Zeile " + std::to_string(i) + "\r\n";
  std::string bytes =
      "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n"
      "Content-Type: multipart/alternative; boundary=\"i\"\r\n\r\n--i\r\nContent-Type: text/plain; "
      "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      body + "--i--\r\n--o--\r\n";
  auto m = Message::parse(bytes);
  for (auto _ : state) {
    quarantine::Preview p = quarantine::text_preview(*m);
    benchmark::DoNotOptimize(p);
  }
}

// What `--record` adds for a held message: one durable quarantine put (a
// committed WAL transaction) and one verdict-log append. The state database
// lives in /tmp; on a disk that honours fsync this is bounded by the disk.
void BM_RecordHeldMessage(benchmark::State& state) {
  Fixture& f = fixture();
  Sample s = sample("contoso-via-list.eml");
  policy::InboundVerdict v = f.checker->check(*s.message, s.envelope);
  auto held = quarantine::SqliteQuarantineStore::open(f.state);
  auto log = verdictlog::SqliteVerdictLog::open(f.state);
  if (!held || !log) {
    state.SkipWithError("cannot open the stores");
    return;
  }
  quarantine::QuarantineEntry e;
  e.received = kNow;
  e.mail_from = s.envelope.mail_from;
  e.recipients = s.envelope.recipients;
  e.client_ip = s.envelope.client_ip->str();
  e.subject = "November update";
  e.rule = "quarantine-dmarc-oreject";
  e.verdict_json = "{}";
  e.raw = s.bytes;
  policy::RuleInput in = policy::rule_input(*s.message, v, s.envelope, true);
  for (auto _ : state) {
    auto id = (*held)->put(e);
    auto logged = (*log)->append(verdictlog::logged_verdict(in, kNow, e.subject, e.mail_from));
    if (!id || !logged) state.SkipWithError("a store failed");
  }
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

BENCHMARK(BM_VerdictDmarcPass);
BENCHMARK(BM_VerdictListRelayedOverride);
BENCHMARK(BM_VerdictSpoofRejected);
BENCHMARK(BM_DmarcEvaluate);
BENCHMARK(BM_RunRules)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_TextPreview);
BENCHMARK(BM_RecordHeldMessage);

}  // namespace

BENCHMARK_MAIN();
