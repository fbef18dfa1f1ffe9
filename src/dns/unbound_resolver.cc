// unbound_resolver.cc: libunbound backend with per-query deadlines.
//
// Every query, synchronous or not, goes through ub_resolve_async so that it
// can be cancelled at its deadline. One thread at a time runs ub_process();
// the others wait on a condition variable for their answer.
#include "dns/unbound_resolver.h"

#include "core/log.h"

#include <poll.h>
#include <unbound.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>

namespace authguard::dns {

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Pending {
  std::string name;
  RecordType type = RecordType::kTxt;
  bool done = false;
  DnsResult<RRset> result = std::unexpected(DnsError{});
  Resolver::Callback callback;  // empty for synchronous queries
  SteadyClock::time_point deadline;
  int async_id = 0;
};

DnsResult<RRset> convert(const Pending& p, int err, ub_result* r) {
  if (err != 0) {
    DnsStatus status = err == UB_SYNTAX ? DnsStatus::kMalformed : DnsStatus::kTemporary;
    return std::unexpected(DnsError{status, std::string("resolver: ") + ub_strerror(err), 0});
  }
  std::unique_ptr<ub_result, void (*)(ub_result*)> guard(r, ub_resolve_free);
  const auto ttl = static_cast<std::uint32_t>(r->ttl < 0 ? 0 : r->ttl);
  if (r->bogus) {
    return std::unexpected(DnsError{
        DnsStatus::kTemporary,
        "DNSSEC validation failed for " + p.name + ": " + (r->why_bogus ? r->why_bogus : "bogus"),
        0});
  }
  if (r->nxdomain) {
    return std::unexpected(DnsError{DnsStatus::kNxDomain, p.name + " does not exist", ttl});
  }
  if (r->rcode != 0) {
    return std::unexpected(DnsError{DnsStatus::kTemporary,
                                    "DNS error rcode " + std::to_string(r->rcode) + " for " + p.name,
                                    0});
  }
  if (!r->havedata) {
    return std::unexpected(DnsError{DnsStatus::kNoData,
                                    p.name + " has no " + record_type_name(p.type) + " record", ttl});
  }
  RRset set;
  set.name = r->canonname ? r->canonname : p.name;
  if (set.name.size() > 1 && set.name.back() == '.') set.name.pop_back();
  set.type = p.type;
  set.ttl = ttl;
  set.secure = r->secure != 0;
  for (int i = 0; r->data[i] != nullptr; ++i) {
    set.rdata.emplace_back(r->data[i], static_cast<std::size_t>(r->len[i]));
  }
  return set;
}

}  // namespace

struct UnboundResolver::Impl {
  ub_ctx* ctx = nullptr;
  std::chrono::milliseconds timeout{5000};
  bool validating = false;

  std::mutex mu;
  std::condition_variable cv;
  bool processing = false;
  std::map<int, std::shared_ptr<Pending>> in_flight;     // by async id
  std::deque<std::shared_ptr<Pending>> finished_async;  // callbacks not yet run

  ~Impl() {
    if (ctx != nullptr) ub_ctx_delete(ctx);
  }

  // Runs inside ub_process() with mu held. mydata is the Pending that
  // in_flight (or the starting caller) keeps alive until it is done.
  static void on_answer(void* mydata, int err, ub_result* result) {
    auto* p = static_cast<Pending*>(mydata);
    p->result = convert(*p, err, result);
    p->done = true;
  }

  // Starts a query; call with mu held.
  void start(const std::shared_ptr<Pending>& p) {
    int rc = ub_resolve_async(ctx, p->name.c_str(), static_cast<int>(p->type), 1 /* IN */,
                              p.get(), &Impl::on_answer, &p->async_id);
    if (rc != 0) {
      p->result = std::unexpected(DnsError{
          rc == UB_SYNTAX ? DnsStatus::kMalformed : DnsStatus::kTemporary,
          std::string("resolver: ") + ub_strerror(rc), 0});
      p->done = true;
      return;
    }
    in_flight[p->async_id] = p;
  }

  // Waits up to `slice` for the resolver's descriptor, then processes answers.
  // Call with lk held and processing == false.
  void process_once(std::unique_lock<std::mutex>& lk, std::chrono::milliseconds slice) {
    processing = true;
    lk.unlock();
    pollfd pfd{ub_fd(ctx), POLLIN, 0};
    ::poll(&pfd, 1, static_cast<int>(slice.count()));
    lk.lock();
    ub_process(ctx);
    processing = false;
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      if (it->second->done) {
        if (it->second->callback) finished_async.push_back(it->second);
        it = in_flight.erase(it);
      } else {
        ++it;
      }
    }
    cv.notify_all();
  }

  // Cancels a query at its deadline; call with mu held.
  void expire(const std::shared_ptr<Pending>& p) {
    // After a successful cancel on_answer never runs for this query.
    (void)ub_cancel(ctx, p->async_id);
    p->result = std::unexpected(DnsError{
        DnsStatus::kTemporary, "timeout after " + std::to_string(timeout.count()) + " ms for " +
                                   p->name + " " + record_type_name(p->type), 0});
    p->done = true;
    in_flight.erase(p->async_id);
    if (p->callback) finished_async.push_back(p);
  }
};

UnboundResolver::UnboundResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UnboundResolver::~UnboundResolver() = default;

Result<std::unique_ptr<UnboundResolver>> UnboundResolver::create(const UnboundOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->ctx = ub_ctx_create();
  if (impl->ctx == nullptr) return fail(ErrorKind::kInternal, "cannot create unbound context");
  impl->timeout = std::chrono::milliseconds(options.timeout_ms == 0 ? 1 : options.timeout_ms);
  auto check = [](int rc, const std::string& what) -> Result<void> {
    if (rc != 0) return fail(ErrorKind::kConfig, what + ": " + ub_strerror(rc));
    return {};
  };
  // Answers are processed by our own poll loop; resolving runs in a thread
  // (the default would fork a process).
  if (auto r = check(ub_ctx_async(impl->ctx, 1), "unbound async mode"); !r) {
    return std::unexpected(r.error());
  }
  // Forwarders on loopback (a local cache such as systemd-resolved, or a test
  // server) must be allowed; full recursion keeps unbound's default, so a
  // delegation can't point it at this host.
  if (options.mode != UnboundOptions::Mode::kRecursive) {
    if (auto r = check(ub_ctx_set_option(impl->ctx, "do-not-query-localhost:", "no"),
                       "unbound option");
        !r) {
      return std::unexpected(r.error());
    }
  }
  switch (options.mode) {
    case UnboundOptions::Mode::kSystem:
      if (auto r = check(ub_ctx_resolvconf(impl->ctx, nullptr), "reading /etc/resolv.conf"); !r) {
        return std::unexpected(r.error());
      }
      break;
    case UnboundOptions::Mode::kForward:
      if (options.forwarders.empty()) {
        return fail(ErrorKind::kConfig, "dns forward mode needs at least one forwarder");
      }
      for (const auto& fwd : options.forwarders) {
        if (auto r = check(ub_ctx_set_fwd(impl->ctx, fwd.c_str()), "forwarder " + fwd); !r) {
          return std::unexpected(r.error());
        }
      }
      break;
    case UnboundOptions::Mode::kRecursive:
      break;
  }
  std::error_code ec;
  if (options.dnssec && std::filesystem::exists(options.trust_anchor_file, ec)) {
    if (auto r = check(ub_ctx_add_ta_file(impl->ctx, options.trust_anchor_file.c_str()),
                       "trust anchor " + options.trust_anchor_file);
        !r) {
      return std::unexpected(r.error());
    }
    impl->validating = true;
  } else if (options.dnssec) {
    log::warn("dns.dnssec_off", {{"reason", "trust anchor file not found"},
                                 {"trust_anchor", options.trust_anchor_file}});
  }
  return std::unique_ptr<UnboundResolver>(new UnboundResolver(std::move(impl)));
}

bool UnboundResolver::validating() const noexcept { return impl_->validating; }

DnsResult<RRset> UnboundResolver::query(std::string_view name, RecordType type) {
  auto p = std::make_shared<Pending>();
  p->name = std::string(name);
  p->type = type;
  p->deadline = SteadyClock::now() + impl_->timeout;
  std::unique_lock lk(impl_->mu);
  impl_->start(p);
  while (!p->done) {
    auto now = SteadyClock::now();
    if (now >= p->deadline) {
      impl_->expire(p);
      break;
    }
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(p->deadline - now);
    if (!impl_->processing) {
      impl_->process_once(lk, std::min(remaining + std::chrono::milliseconds(1),
                                       std::chrono::milliseconds(100)));
    } else {
      impl_->cv.wait_for(lk, remaining);
    }
  }
  return std::move(p->result);
}

void UnboundResolver::query_async(std::string_view name, RecordType type, Callback callback) {
  auto p = std::make_shared<Pending>();
  p->name = std::string(name);
  p->type = type;
  p->callback = std::move(callback);
  p->deadline = SteadyClock::now() + impl_->timeout;
  std::unique_lock lk(impl_->mu);
  impl_->start(p);
  if (p->done) impl_->finished_async.push_back(p);
}

std::size_t UnboundResolver::poll() {
  std::deque<std::shared_ptr<Pending>> ready;
  {
    std::unique_lock lk(impl_->mu);
    if (!impl_->processing && !impl_->in_flight.empty()) {
      impl_->process_once(lk, std::chrono::milliseconds(0));
    }
    auto now = SteadyClock::now();
    std::vector<std::shared_ptr<Pending>> expired;
    for (auto& [id, p] : impl_->in_flight) {
      if (p->callback && now >= p->deadline) expired.push_back(p);
    }
    for (auto& p : expired) impl_->expire(p);
    ready.swap(impl_->finished_async);
  }
  for (auto& p : ready) p->callback(std::move(p->result));
  return ready.size();
}

void UnboundResolver::wait_all() {
  for (;;) {
    {
      std::unique_lock lk(impl_->mu);
      bool any_async = false;
      for (auto& [id, p] : impl_->in_flight) any_async |= static_cast<bool>(p->callback);
      if (!any_async && impl_->finished_async.empty()) return;
      if (any_async && !impl_->processing) {
        impl_->process_once(lk, std::chrono::milliseconds(50));
      } else if (any_async) {
        impl_->cv.wait_for(lk, std::chrono::milliseconds(50));
      }
    }
    poll();
  }
}

}  // namespace authguard::dns
