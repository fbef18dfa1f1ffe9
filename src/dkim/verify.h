// verify.h: DKIM signature verification (RFC 6376 §6, RFC 8301, RFC 8463).
//
// Every DKIM-Signature field is verified, up to a cap; the rest are reported
// as not checked. Key records are fetched through the Resolver and kept,
// parsed and decoded, in a cache for their TTL (decoding an RSA key costs
// several times a verification). Signatures of one message share DNS answers
// and body hashes.
//
//   Verifier verifier(resolver, clock);
//   for (const auto& v : verifier.verify(message))
//     std::cout << v.domain << " " << result_name(v.result) << " " << v.reason;
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "dkim/signature.h"
#include "dns/resolver.h"
#include "message/message.h"

namespace authguard::dkim {

// RFC 8601 §2.7.1 result words.
enum class DkimResult { kNone, kPass, kFail, kPolicy, kNeutral, kTempError, kPermError };
[[nodiscard]] const char* result_name(DkimResult r) noexcept;

// What this verifier accepts. Defaults follow RFC 6376 and RFC 8301.
struct DkimPolicy {
  // l= signatures may pass; the verdict says the body was only partly signed.
  // Rejecting them outright breaks mailing lists that sign with l= and buys
  // little: DMARC and rules can weigh body_length_limited instead.
  bool allow_body_length = true;
  // RFC 8301 §3.1: rsa-sha1 signatures are not valid. Only for compatibility
  // with archives of old mail.
  bool accept_rsa_sha1 = false;
  unsigned min_rsa_bits = 1024;   // RFC 8301 §3.2: smaller keys are permerror
  unsigned max_rsa_bits = 8192;   // a cost bound: bigger keys are permerror
  std::size_t max_signatures = 5; // verified per message; the rest: neutral
  std::int64_t clock_skew = 300;  // seconds of tolerance for t= in the future
  std::size_t key_cache_entries = 10000;
  TagLimits tag_limits;
};

struct SignatureVerdict {
  DkimResult result = DkimResult::kNone;
  std::string reason;
  std::string domain;     // d= (as written; empty when unreadable)
  std::string selector;   // s=
  std::string algorithm;  // a=
  std::string identity;   // i=
  std::string b_prefix;   // the first 8 characters of b=, for header.b
  unsigned key_bits = 0;
  bool body_length_limited = false;  // l= left part of the body unsigned
  bool key_testing = false;          // the key record says t=y
  std::size_t field_index = 0;       // index into Message::headers()
};

class Verifier {
 public:
  Verifier(dns::Resolver& resolver, const Clock& clock, DkimPolicy policy = {});
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // One verdict per DKIM-Signature field, in header order. Thread-safe.
  [[nodiscard]] std::vector<SignatureVerdict> verify(const Message& message) const;

  [[nodiscard]] const DkimPolicy& policy() const noexcept { return policy_; }

  struct KeyCache;

 private:
  dns::Resolver& resolver_;
  const Clock& clock_;
  DkimPolicy policy_;
  std::unique_ptr<KeyCache> keys_;
};

}  // namespace authguard::dkim
