// crypto.h: the OpenSSL 3 operations DKIM needs: SHA-1/SHA-256 hashing, and
// RSA (PKCS#1 v1.5) and Ed25519 (RFC 8463) signatures over a digest.
//
// Message digests are fetched once per process (OpenSSL 3 would otherwise
// look them up on every use). Keys are shared, immutable, and safe to use
// from many threads.
//
//   Hasher h(HashAlg::kSha256);
//   h.update(canonical_headers);
//   std::string digest = h.finish();
//   bool ok = key.verify(HashAlg::kSha256, digest, signature);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "dkim/signature.h"

struct evp_pkey_st;
struct evp_md_ctx_st;

namespace authguard::dkim {

enum class HashAlg { kSha256, kSha1 };

[[nodiscard]] HashAlg hash_of(Algorithm a) noexcept;

class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  ~Hasher();
  Hasher(Hasher&& other) noexcept;
  Hasher& operator=(Hasher&&) = delete;
  Hasher(const Hasher&) = delete;

  void update(std::string_view data);
  // The digest; the hasher is reset for reuse.
  [[nodiscard]] std::string finish();

 private:
  evp_md_ctx_st* ctx_;
  HashAlg alg_;
};

class PublicKey {
 public:
  // From a key record's decoded p=: SubjectPublicKeyInfo (or PKCS#1
  // RSAPublicKey) DER for RSA; the raw 32 bytes for Ed25519 (RFC 8463 §4.2).
  [[nodiscard]] static Result<PublicKey> decode(KeyType type, std::string_view der_or_raw);

  [[nodiscard]] KeyType type() const noexcept { return type_; }
  [[nodiscard]] unsigned bits() const noexcept { return bits_; }
  // Verifies a signature over a digest (RSA: PKCS#1 v1.5 with the digest's
  // algorithm; Ed25519: over the digest bytes themselves, RFC 8463 §3).
  [[nodiscard]] bool verify(HashAlg alg, std::string_view digest, std::string_view signature) const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
  KeyType type_ = KeyType::kRsa;
  unsigned bits_ = 0;
};

class PrivateKey {
 public:
  // A PEM private key as `openssl genpkey` writes it (PKCS#8), or a
  // traditional RSA PEM key.
  [[nodiscard]] static Result<PrivateKey> from_pem(std::string_view pem);
  [[nodiscard]] static Result<PrivateKey> load_pem_file(const std::string& path);
  // A new key: RSA of `bits`, or Ed25519.
  [[nodiscard]] static Result<PrivateKey> generate(KeyType type, unsigned bits = 2048);

  [[nodiscard]] KeyType type() const noexcept { return type_; }
  [[nodiscard]] unsigned bits() const noexcept { return bits_; }
  [[nodiscard]] Result<std::string> sign(HashAlg alg, std::string_view digest) const;
  // The p= value for the key record (base64 SPKI for RSA, raw for Ed25519).
  [[nodiscard]] std::string public_key_base64() const;
  // The PEM (PKCS#8) text; for storing a generated key. Handle as a secret.
  [[nodiscard]] Result<std::string> to_pem() const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
  KeyType type_ = KeyType::kRsa;
  unsigned bits_ = 0;
};

}  // namespace authguard::dkim
