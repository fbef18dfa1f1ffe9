// unbound_resolver.h: the production Resolver, on libunbound.
//
// By default it forwards to the resolvers in /etc/resolv.conf; it can instead
// forward to configured servers ("192.0.2.53", "127.0.0.1@5353") or recurse
// from the root itself. DNSSEC is validated when a trust anchor file exists
// (Debian's dns-root-data ships /usr/share/dns/root.key). Every query has a
// deadline: a server that never answers gives a temporary error, not a hang.
//
// query() is safe from many threads at once. query_async()/poll()/wait_all()
// serve one driving thread that issues many queries (the auditor).
//
//   UnboundOptions opt;
//   opt.mode = UnboundOptions::Mode::kForward;
//   opt.forwarders = {"127.0.0.1@5300"};
//   auto r = UnboundResolver::create(opt);
//   auto mx = lookup_mx(**r, "example.com");
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "dns/resolver.h"

namespace authguard::dns {

struct UnboundOptions {
  enum class Mode { kSystem, kForward, kRecursive };
  Mode mode = Mode::kSystem;
  std::vector<std::string> forwarders;  // for kForward: "IP" or "IP@PORT"
  bool dnssec = true;                   // validate when the trust anchor file exists
  std::string trust_anchor_file = "/usr/share/dns/root.key";
  unsigned timeout_ms = 5000;           // per query
};

class UnboundResolver final : public Resolver {
 public:
  [[nodiscard]] static Result<std::unique_ptr<UnboundResolver>> create(const UnboundOptions& options);
  ~UnboundResolver() override;

  [[nodiscard]] DnsResult<RRset> query(std::string_view name, RecordType type) override;
  void query_async(std::string_view name, RecordType type, Callback callback) override;
  std::size_t poll() override;
  void wait_all() override;

  // True when answers are DNSSEC-validated.
  [[nodiscard]] bool validating() const noexcept;

  struct Impl;

 private:
  explicit UnboundResolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authguard::dns
