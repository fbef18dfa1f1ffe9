// collector.h: gathers the DNS answers of many domains at once.
//
// All queries go through Resolver::query_async with a bounded number in
// flight (QueryWindow); answers come back through poll() on this thread, and
// each answer may ask follow-up questions (an SPF include, the DMARC record of
// a parent, a report destination's authorization). A domain's snapshot is
// handed over as soon as its last answer is in, so memory stays bounded by
// the window, not by the number of domains. Backends that answer
// synchronously (ZoneResolver, a cache hit) work the same way: their answers
// only queue follow-ups, they never recurse.
//
//   Collector collector(resolver, org_domain_of, {.selectors = {"selector1"}});
//   collector.run(targets, [&](std::size_t i, DomainSnapshot s) { report[i] = check(s); });
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audit/snapshot.h"
#include "audit/types.h"
#include "dns/resolver.h"

namespace authguard::audit {

// Queries in flight at once; above a few hundred, libunbound's own per-thread
// query limit starts dropping queries (num-queries-per-thread, 512).
inline constexpr std::size_t kDefaultMaxInFlight = 200;
inline constexpr std::size_t kMaxMaxInFlight = 4096;
// SPF expansion bounds per audited domain. Lookups past RFC 7208's 10 are an
// error anyway, so following a bit further only makes the count exact for
// typical over-limit records; these stop a hostile include tree.
inline constexpr unsigned kMaxSpfIncludeDepth = 12;
inline constexpr std::size_t kMaxSpfQueriesPerDomain = 60;
// How long the driving loop sleeps when no answer is ready.
inline constexpr std::chrono::microseconds kIdleWait{200};

// A FIFO of queries with at most `max_in_flight` outstanding at the resolver.
class QueryWindow {
 public:
  using Handler = std::function<void(dns::DnsResult<dns::RRset>)>;

  QueryWindow(dns::Resolver& resolver, std::size_t max_in_flight);

  // Queues a query; it starts when the window has room (fill()).
  void ask(std::string name, dns::RecordType type, Handler handler);
  // Starts queued queries while fewer than max_in_flight are outstanding.
  // Synchronous answers run their handlers here, and what they queue starts
  // in the same call.
  void fill();
  // Runs finished callbacks; sleeps kIdleWait when none was ready.
  void pump();

  [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
  [[nodiscard]] bool idle() const noexcept { return in_flight_ == 0 && queue_.empty(); }
  // The most queries ever outstanding at once (tests check the bound).
  [[nodiscard]] std::size_t peak_in_flight() const noexcept { return peak_; }
  [[nodiscard]] std::size_t started() const noexcept { return started_; }

 private:
  struct Query {
    std::string name;
    dns::RecordType type;
    Handler handler;
  };
  dns::Resolver& resolver_;
  std::size_t max_in_flight_;
  std::deque<Query> queue_;
  std::size_t in_flight_ = 0;
  std::size_t peak_ = 0;
  std::size_t started_ = 0;
  bool filling_ = false;
};

struct CollectorOptions {
  std::vector<std::string> selectors = {"selector1", "selector2"};
  std::size_t max_in_flight = kDefaultMaxInFlight;
  unsigned max_spf_include_depth = kMaxSpfIncludeDepth;
  std::size_t max_spf_queries = kMaxSpfQueriesPerDomain;
};

class Collector {
 public:
  using OrgDomainFn = std::function<DomainName(const DomainName&)>;
  using DoneFn = std::function<void(std::size_t index, DomainSnapshot snapshot)>;
  using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

  Collector(dns::Resolver& resolver, OrgDomainFn org_domain, CollectorOptions options);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Audits every target; `done` gets each snapshot as it completes (in any
  // order), `progress` (optional) the count of completed domains.
  void run(const std::vector<AuditTarget>& targets, const DoneFn& done,
           const ProgressFn& progress = {});

  [[nodiscard]] std::size_t peak_in_flight() const noexcept { return window_.peak_in_flight(); }
  [[nodiscard]] std::size_t queries() const noexcept { return window_.started(); }

 private:
  struct Pending;
  void start(Pending& p);
  void ask(Pending& p, std::string name, dns::RecordType type, QueryWindow::Handler handler);
  void after_dmarc(Pending& p);
  void after_spf(Pending& p, const std::string& name, unsigned depth);
  void expand_spf(Pending& p, const spf::SpfRecord& record, const std::string& current,
                  unsigned depth);
  void fetch_spf(Pending& p, const std::string& name, unsigned depth);
  void fetch_a(Pending& p, const std::string& name);
  void fetch_mx(Pending& p, const std::string& name);
  template <class T>
  bool admit(Pending& p, std::map<std::string, std::optional<dns::DnsResult<T>>>& map,
             const std::string& name, bool over_budget);
  void finish_one(Pending& p);

  dns::Resolver& resolver_;
  OrgDomainFn org_domain_;
  CollectorOptions options_;
  QueryWindow window_;
  std::vector<std::unique_ptr<Pending>> pending_;
  const DoneFn* done_ = nullptr;
  std::size_t completed_ = 0;
};

}  // namespace authguard::audit
