// live.h: is a key record live in DNS, carrying exactly the key we expect?
//
// A key signs only once its record is live, so this check is the gate of the
// whole rotation. It asks the domain's authoritative servers directly (what
// they serve now, with the record's real TTL) and the configured resolver
// (what verifiers will see, through the CNAME in delegation mode); a record is
// live only when every source agrees.
//
//   ResolverChecker via_resolver(resolver);
//   auto o = via_resolver.check(ExpectedRecord{...});
//   if (o.state == LiveState::kLive) ...
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "keys/machine.h"

namespace authguard::keys {

struct ExpectedRecord {
  std::string lookup_name;   // what verifiers query: selector._domainkey.domain
  std::string publish_name;  // where the TXT record itself lives (differs with a CNAME)
  Family family = Family::kRsa;
  std::string public_key;    // base64 p=; empty: a revoked key (p= empty expected)
};

// Compares the TXT records found at a name with the expected key record.
// Several DKIM key records at one name are a mismatch: verifiers would pick
// one at random (RFC 6376 §3.6.2.2 leaves it undefined).
[[nodiscard]] Observation compare_records(const std::vector<std::string>& txt_texts,
                                          std::uint32_t ttl, const ExpectedRecord& expected);

class LiveChecker {
 public:
  virtual ~LiveChecker() = default;
  [[nodiscard]] virtual Observation check(const ExpectedRecord& expected) = 0;
};

// Through a Resolver (the configured one, or a zone file): queries lookup_name.
class ResolverChecker final : public LiveChecker {
 public:
  explicit ResolverChecker(dns::Resolver& resolver) : resolver_(resolver) {}
  [[nodiscard]] Observation check(const ExpectedRecord& expected) override;

 private:
  dns::Resolver& resolver_;
};

// Asks authoritative servers directly, without recursion, for publish_name.
// With `servers` ("IP" or "IP@PORT") it asks those; otherwise it finds the
// zone's NS records through `discovery_servers` (the [dns] forwarders, or
// /etc/resolv.conf when empty) and asks every address of every NS. Every
// server must answer live.
class AuthoritativeChecker final : public LiveChecker {
 public:
  AuthoritativeChecker(std::vector<std::string> servers, std::vector<std::string> discovery_servers,
                       unsigned timeout_ms);
  [[nodiscard]] Observation check(const ExpectedRecord& expected) override;

 private:
  std::vector<std::string> servers_;
  std::vector<std::string> discovery_;
  unsigned timeout_ms_;
};

// Live only when every checker says live; otherwise the first other answer
// (errors first: "can't tell" must not read as "missing").
class AllCheckers final : public LiveChecker {
 public:
  explicit AllCheckers(std::vector<LiveChecker*> checkers) : checkers_(std::move(checkers)) {}
  [[nodiscard]] Observation check(const ExpectedRecord& expected) override;

 private:
  std::vector<LiveChecker*> checkers_;
};

// The expected record of a slot.
[[nodiscard]] ExpectedRecord expected_record(const DomainState& d, int set, int slot);

}  // namespace authguard::keys
