// discovery.h: finding a domain's DMARC policy record and its
// organizational domain.
//
// RFC 9989 (the default) walks the DNS tree (§4.10): _dmarc.<author>, then
// its ancestors, at most 8 queries; an author domain of more than 8 labels
// jumps straight to its last 7 labels. The organizational domain comes from
// the same walk and the psd= tags it meets. RFC 7489 mode uses the Public
// Suffix List instead (libpsl, with Debian's publicsuffix list).
//
//   PolicyFinder finder(resolver, Mode::kRfc9989);
//   Discovery d = finder.find_policy(*DomainName::parse("mail.example.com"));
//   if (d.status == Discovery::Status::kFound) use(d.record, d.policy_domain);
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/domain.h"
#include "dmarc/record.h"
#include "dns/resolver.h"

namespace authguard::dmarc {

enum class Mode { kRfc9989, kRfc7489 };

struct Discovery {
  enum class Status { kFound, kNone, kTempError };
  Status status = Status::kNone;
  std::string reason;          // why none or temperror; notes when found
  Record record;               // when found
  DomainName policy_domain;    // where the record was found
  unsigned queries = 0;        // _dmarc queries made
};

// Where an organization's domain is, or a temporary DNS failure.
struct OrgDomain {
  bool temporary = false;
  std::string reason;
  DomainName domain;
};

class PolicyFinder {
 public:
  static constexpr unsigned kMaxWalkQueries = 8;  // RFC 9989 §4.10

  PolicyFinder(dns::Resolver& resolver, Mode mode);
  ~PolicyFinder();
  PolicyFinder(const PolicyFinder&) = delete;
  PolicyFinder& operator=(const PolicyFinder&) = delete;

  [[nodiscard]] Discovery find_policy(const DomainName& author);
  [[nodiscard]] OrgDomain organizational_domain(const DomainName& domain);
  // RFC 9989 §3.2.12: a domain "does not exist" when A, AAAA and MX all
  // answer NXDOMAIN or NODATA. Returns nullopt on a temporary failure.
  [[nodiscard]] std::optional<bool> exists(const DomainName& domain);

  // RFC 7489 mode: the registrable domain by the Public Suffix List (public
  // suffix plus one label), or nullopt when the domain is itself a public
  // suffix. Empty in RFC 9989 mode, which does not use the list.
  [[nodiscard]] std::optional<DomainName> psl_registrable_domain(const DomainName& domain) const;

  [[nodiscard]] Mode mode() const noexcept { return mode_; }

  // Starts a new memo of _dmarc lookups (found, parsed, or failed): until the
  // next call, a name is looked up and parsed once, however often the policy
  // walk and the organizational-domain walks of one message ask for it. The
  // evaluator calls it per message; a finder never told to remember (the
  // audit's) looks every name up each time, from the DNS cache.
  void remember_lookups();

 private:
  struct Level;
  struct Memo;
  // Valid until the next lookup.
  const Level& lookup(const DomainName& name);
  Level lookup_uncached(const DomainName& name);
  dns::Resolver& resolver_;
  Mode mode_;
  struct Psl;
  std::unique_ptr<Psl> psl_;
  std::unique_ptr<Memo> memo_;
  std::unique_ptr<Level> last_;  // the answer of lookup() without a memo
};

// The names a tree walk queries, in order (without the "_dmarc." prefix).
[[nodiscard]] std::vector<DomainName> walk_targets(const DomainName& start);

}  // namespace authguard::dmarc
