// sign.h: DKIM signing (RFC 6376 §5): rsa-sha256 and ed25519-sha256.
//
// A Signer can't be built incomplete: the builder takes the domain, the
// selector and the key up front, and build() checks that they fit together.
// By default it signs relaxed/relaxed over a recommended header set, with
// From over-signed (listed once more than it occurs) so that nobody can add a
// second From to a signed message.
//
//   auto key = PrivateKey::load_pem_file("/var/lib/authguard/keys/example.com/selector1.pem");
//   auto signer = Signer::Builder(*DomainName::parse("example.com"), "selector1", *key).build();
//   auto field = signer->sign(message, clock.now());   // "DKIM-Signature: ...\r\n"
//   std::string signed_message = *field + std::string(message.bytes());
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "dkim/crypto.h"
#include "dkim/signature.h"
#include "message/message.h"

namespace authguard::dkim {

// Headers signed by default when present (RFC 6376 §5.4.1's list, trimmed to
// what identifies and describes a message).
[[nodiscard]] const std::vector<std::string>& recommended_headers();

class Signer {
 public:
  class Builder {
   public:
    Builder(DomainName domain, std::string selector, PrivateKey key);
    // Default: rsa-sha256 for an RSA key, ed25519-sha256 for an Ed25519 key.
    Builder& algorithm(Algorithm a);
    Builder& canonicalization(Canon header, Canon body);
    // An explicit h= list, used as given (repeat a name to over-sign it).
    Builder& headers(std::vector<std::string> names);
    Builder& identity(std::string i);
    // Adds x= this many seconds after t=.
    Builder& expire_after(std::int64_t seconds);
    [[nodiscard]] Result<class Signer> build() const;

   private:
    DomainName domain_;
    std::string selector_;
    PrivateKey key_;
    std::optional<Algorithm> algorithm_;
    Canon header_canon_ = Canon::kRelaxed;
    Canon body_canon_ = Canon::kRelaxed;
    std::vector<std::string> headers_;
    std::string identity_;
    std::int64_t expire_after_ = 0;
  };

  // The new DKIM-Signature field, folded, ending in the message's own line
  // ending (CRLF, or LF for an LF message). Prepend it to the message.
  [[nodiscard]] Result<std::string> sign(const Message& message, UnixTime now) const;

  [[nodiscard]] const DomainName& domain() const noexcept { return domain_; }
  [[nodiscard]] const std::string& selector() const noexcept { return selector_; }
  [[nodiscard]] Algorithm algorithm() const noexcept { return algorithm_; }

 private:
  friend class Builder;
  friend Result<std::vector<std::string>> sign_all(std::span<const Signer>, const Message&, UnixTime);
  Signer() = default;
  struct BodyCache;
  Result<std::string> sign_with(const Message& message, UnixTime now, BodyCache& bodies) const;

  DomainName domain_;
  std::string selector_;
  std::optional<PrivateKey> key_;
  Algorithm algorithm_ = Algorithm::kRsaSha256;
  Canon header_canon_ = Canon::kRelaxed;
  Canon body_canon_ = Canon::kRelaxed;
  std::vector<std::string> headers_;
  std::string identity_;
  std::int64_t expire_after_ = 0;
};

// Signs with several signers (RSA and Ed25519 dual signing); signers with the
// same body canonicalization share one body hash. Fields in signer order.
[[nodiscard]] Result<std::vector<std::string>> sign_all(std::span<const Signer> signers,
                                                        const Message& message, UnixTime now);

}  // namespace authguard::dkim
