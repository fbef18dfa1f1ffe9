// spf_bench.cc: SPF evaluations per second on one core, for a realistic
// record (two ip4 ranges, an mx with two hosts, two includes of provider
// records), with every cache warm: a CachingResolver over a ZoneResolver,
// and the Evaluator's own cache of parsed records. The figure is what a busy
// milter pays per message once DNS answers are cached.
//
//   make bench && build-release/bench/spf_bench
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "core/clock.h"
#include "dns/cache.h"
#include "dns/zone_resolver.h"
#include "spf/header.h"
#include "spf/verify.h"

namespace {

using namespace authguard;

constexpr const char* kZone = R"(
example.com.               3600 IN TXT "v=spf1 ip4:192.0.2.0/25 ip4:198.51.100.0/24 mx include:_spf.provider-a.example include:_spf.provider-b.example -all"
example.com.               3600 IN MX  10 mx1.example.com.
example.com.               3600 IN MX  20 mx2.example.com.
mx1.example.com.           3600 IN A   192.0.2.201
mx2.example.com.           3600 IN A   192.0.2.202
_spf.provider-a.example.   3600 IN TXT "v=spf1 ip4:203.0.113.0/26 ip4:203.0.113.128/26 ip6:2001:db8:a::/48 ~all"
_spf.provider-b.example.   3600 IN TXT "v=spf1 ip4:233.252.0.0/24 ip6:2001:db8:b::/48 -all"
)";

struct Fixture {
  Fixture()
      : zone(std::move(*dns::ZoneResolver::load_text(kZone, "spf_bench"))),
        cached(*zone, SystemClock::instance(), 10000),
        evaluator(cached, SystemClock::instance()) {}
  std::unique_ptr<dns::ZoneResolver> zone;
  dns::CachingResolver cached;
  spf::Evaluator evaluator;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

spf::SpfRequest request(const char* ip) {
  spf::SpfRequest r;
  r.client_ip = *IpAddress::parse(ip);
  r.mail_from = "newsletter@example.com";
  r.helo = "out.provider-b.example";
  r.receiver = "mx.receiver.example";
  return r;
}

// One evaluation per iteration; `expected` guards against measuring a
// broken setup.
void evaluate(benchmark::State& state, const char* ip, spf::SpfResult expected) {
  Fixture& f = fixture();
  const spf::SpfRequest req = request(ip);
  if (f.evaluator.evaluate(req).result != expected) {  // warms the caches too
    state.SkipWithError("unexpected SPF result: the benchmark setup is broken");
    return;
  }
  for (auto _ : state) {
    spf::SpfOutput out = f.evaluator.evaluate(req);
    benchmark::DoNotOptimize(out);
  }
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

// The headline: the client is in the second include, so the whole record
// is walked (2 ip4, mx with 2 A lookups, both includes): 6 DNS lookups.
void BM_SpfPassInSecondInclude(benchmark::State& state) {
  evaluate(state, "233.252.0.25", spf::SpfResult::kPass);
}
// The first term matches: the cheapest pass.
void BM_SpfPassFirstTerm(benchmark::State& state) {
  evaluate(state, "192.0.2.7", spf::SpfResult::kPass);
}
// Nothing matches: the whole walk, then the default explanation expanded.
void BM_SpfFail(benchmark::State& state) {
  evaluate(state, "192.0.2.250", spf::SpfResult::kFail);
}
// An IPv6 client passing in the first include.
void BM_SpfPassIpv6(benchmark::State& state) {
  evaluate(state, "2001:db8:a::25", spf::SpfResult::kPass);
}
// Evaluation plus both header texts, as the milter produces them.
void BM_SpfPassWithHeaders(benchmark::State& state) {
  Fixture& f = fixture();
  const spf::SpfRequest req = request("233.252.0.25");
  for (auto _ : state) {
    spf::SpfOutput out = f.evaluator.evaluate(req);
    std::string received = spf::received_spf_field(out, req);
    std::string ar = spf::authres_method(out);
    benchmark::DoNotOptimize(received);
    benchmark::DoNotOptimize(ar);
  }
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

BENCHMARK(BM_SpfPassInSecondInclude);
BENCHMARK(BM_SpfPassFirstTerm);
BENCHMARK(BM_SpfFail);
BENCHMARK(BM_SpfPassIpv6);
BENCHMARK(BM_SpfPassWithHeaders);

}  // namespace

BENCHMARK_MAIN();
