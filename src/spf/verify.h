// verify.h: the SPF check (RFC 7208 §4, check_host()) over an injected
// Resolver and Clock.
//
// An Evaluator keeps the records it parsed, by domain, until their TTL (a
// dns::ParsedCache), so a hot domain is parsed once; macros inside a record
// are expanded again on each evaluation. Give it a dns::CachingResolver so
// the answers themselves are cached too. evaluate() may be called from many
// threads at once when the resolver allows it.
//
//   dns::CachingResolver cached(backend, SystemClock::instance(), 10000);
//   spf::Evaluator spf(cached, SystemClock::instance());
//   spf::SpfRequest req{*IpAddress::parse("192.0.2.1"), "bob@example.com", "mx.example.com"};
//   spf::SpfOutput out = spf.evaluate(req);
//   if (out.result == spf::SpfResult::kFail) reject(out.explanation);
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/clock.h"
#include "dns/resolver.h"
#include "spf/types.h"

namespace authguard::spf {

// What the receiver says when a failing domain gives no usable exp=
// (§6.2). It is an explain-string: macros, including c, r and t, expand.
inline constexpr const char* kDefaultExplanation =
    "domain of %{o} does not designate %{c} as permitted sender";

struct SpfOptions {
  SpfLimits limits;
  std::string default_explanation = kDefaultExplanation;
  // Parsed records (and parse failures) kept by domain, until their TTL.
  std::size_t record_cache_entries = 10000;
};

class Evaluator {
 public:
  Evaluator(dns::Resolver& resolver, const Clock& clock, SpfOptions options = {});
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Checks one identity of an SMTP session. kMailFrom checks the MAIL FROM
  // domain, or "postmaster@<helo>" with scope kHelo when MAIL FROM is null
  // ("" or "<>", §2.4); kHelo checks the HELO identity (§2.3). A malformed
  // or single-label domain gives none (§4.3).
  [[nodiscard]] SpfOutput evaluate(const SpfRequest& request,
                                   SpfScope scope = SpfScope::kMailFrom);

  [[nodiscard]] const SpfOptions& options() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace authguard::spf
