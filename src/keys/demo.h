// demo.h: the key lifecycle part of `authguard demo`: keys for two demo
// domains and a simulated year of daily `keys rotate --due`, printed as a
// short timeline. Offline: a temporary state directory, a zone include file
// written by the zone-file publisher, and a resolver that re-reads it.
//
//   if (auto r = keys::run_keys_demo(stdout); !r) report(r.error());
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "dns/resolver.h"

namespace authguard::keys {

// Prints the timeline to `out`. bits: the RSA key size (the demo uses 2048).
[[nodiscard]] Result<void> run_keys_demo(std::FILE* out, unsigned bits = 2048);

// A Resolver over master files that re-reads them at every query, as a DNS
// server reloading a zone include file would serve it. A missing file is an
// empty zone. For the demo and tests; not for production.
class ZoneFilesResolver final : public dns::Resolver {
 public:
  explicit ZoneFilesResolver(std::vector<std::string> paths) : paths_(std::move(paths)) {}
  [[nodiscard]] dns::DnsResult<dns::RRset> query(std::string_view name,
                                                 dns::RecordType type) override;

 private:
  std::vector<std::string> paths_;
};

}  // namespace authguard::keys
