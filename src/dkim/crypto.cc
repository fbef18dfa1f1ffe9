// crypto.cc: OpenSSL 3 hashing, key decoding, signing and verification.
#include "dkim/crypto.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>

#include "core/secure.h"
#include "dkim/tags.h"

namespace authguard::dkim {

namespace {

const EVP_MD* md(HashAlg alg) {
  // Fetched once: with OpenSSL 3, EVP_sha256() would re-fetch on every use.
  static EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return alg == HashAlg::kSha256 ? sha256 : sha1;
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

struct PkeyCtx {
  EVP_PKEY_CTX* ctx;
  explicit PkeyCtx(EVP_PKEY* key) : ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr)) {}
  ~PkeyCtx() { EVP_PKEY_CTX_free(ctx); }
};

struct MdCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

// A few initialised RSA verify contexts per thread: setting one up (padding,
// digest) costs about a quarter of a verification, and a busy verifier sees
// the same few keys again and again. Each context holds a reference to its
// key, so a cached key's address can't be reused by another key.
EVP_PKEY_CTX* rsa_verify_ctx(EVP_PKEY* key, HashAlg alg) {
  struct Slot {
    EVP_PKEY_CTX* ctx = nullptr;
    EVP_PKEY* key = nullptr;
    HashAlg alg = HashAlg::kSha256;
  };
  struct Cache {
    Slot slots[4];
    unsigned next = 0;
    ~Cache() {
      for (auto& s : slots) EVP_PKEY_CTX_free(s.ctx);
    }
  };
  thread_local Cache cache;
  for (auto& s : cache.slots) {
    if (s.ctx != nullptr && s.key == key && s.alg == alg) return s.ctx;
  }
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  if (ctx == nullptr || EVP_PKEY_verify_init(ctx) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx, md(alg)) != 1) {
    EVP_PKEY_CTX_free(ctx);
    return nullptr;
  }
  Slot& slot = cache.slots[cache.next++ % 4];
  EVP_PKEY_CTX_free(slot.ctx);
  slot = Slot{ctx, key, alg};
  return ctx;
}

}  // namespace

HashAlg hash_of(Algorithm a) noexcept {
  return a == Algorithm::kRsaSha1 ? HashAlg::kSha1 : HashAlg::kSha256;
}

Hasher::Hasher(HashAlg alg) : ctx_(EVP_MD_CTX_new()), alg_(alg) {
  EVP_DigestInit_ex(ctx_, md(alg_), nullptr);
}

Hasher::~Hasher() {
  if (ctx_ != nullptr) EVP_MD_CTX_free(ctx_);
}

Hasher::Hasher(Hasher&& other) noexcept : ctx_(other.ctx_), alg_(other.alg_) {
  other.ctx_ = nullptr;
}

void Hasher::update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string Hasher::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, out, &len);
  EVP_DigestInit_ex(ctx_, md(alg_), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

Result<PublicKey> PublicKey::decode(KeyType type, std::string_view data) {
  PublicKey key;
  key.type_ = type;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  if (type == KeyType::kEd25519) {
    if (data.size() != 32) {
      return fail(ErrorKind::kInvalidInput, "ed25519 key is " + std::to_string(data.size()) +
                                                " bytes, not 32 (RFC 8463 §4.2)");
    }
    EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, 32);
    if (k == nullptr) return fail(ErrorKind::kInvalidInput, "invalid ed25519 key");
    key.key_ = own(k);
    key.bits_ = 256;
    return key;
  }
  const unsigned char* cursor = p;
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(data.size()));
  if (k == nullptr || cursor != p + data.size()) {
    if (k != nullptr) EVP_PKEY_free(k);
    cursor = p;  // some publish a bare PKCS#1 RSAPublicKey
    k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, static_cast<long>(data.size()));
    if (k == nullptr || cursor != p + data.size()) {
      if (k != nullptr) EVP_PKEY_free(k);
      return fail(ErrorKind::kInvalidInput, "p= is not a valid RSA public key");
    }
  }
  if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
    EVP_PKEY_free(k);
    return fail(ErrorKind::kInvalidInput, "p= is not an RSA key, but k=rsa");
  }
  key.key_ = own(k);
  key.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(k));
  return key;
}

bool PublicKey::verify(HashAlg alg, std::string_view digest, std::string_view signature) const {
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  const auto* dig = reinterpret_cast<const unsigned char*>(digest.data());
  if (type_ == KeyType::kEd25519) {
    MdCtx m;
    if (EVP_DigestVerifyInit_ex(m.ctx, nullptr, nullptr, nullptr, nullptr, key_.get(), nullptr) != 1) {
      return false;
    }
    return EVP_DigestVerify(m.ctx, sig, signature.size(), dig, digest.size()) == 1;
  }
  EVP_PKEY_CTX* ctx = rsa_verify_ctx(key_.get(), alg);
  return ctx != nullptr && EVP_PKEY_verify(ctx, sig, signature.size(), dig, digest.size()) == 1;
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr) return fail(ErrorKind::kInvalidInput, "not a PEM private key");
  PrivateKey key;
  key.key_ = own(k);
  int id = EVP_PKEY_get_base_id(k);
  if (id == EVP_PKEY_RSA) {
    key.type_ = KeyType::kRsa;
  } else if (id == EVP_PKEY_ED25519) {
    key.type_ = KeyType::kEd25519;
  } else {
    return fail(ErrorKind::kInvalidInput, "private key is neither RSA nor Ed25519");
  }
  key.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(k));
  return key;
}

Result<PrivateKey> PrivateKey::load_pem_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fail(ErrorKind::kIo, "cannot open key file " + path);
  std::string pem;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) pem.append(buf, n);
  std::fclose(f);
  auto key = from_pem(pem);
  wipe(pem);
  if (!key) return fail(key.error().kind, path + ": " + key.error().message);
  return key;
}

Result<PrivateKey> PrivateKey::generate(KeyType type, unsigned bits) {
  EVP_PKEY* k = type == KeyType::kEd25519
                    ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                    : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (k == nullptr) return fail(ErrorKind::kInternal, "key generation failed");
  PrivateKey key;
  key.key_ = own(k);
  key.type_ = type;
  key.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(k));
  return key;
}

Result<std::string> PrivateKey::sign(HashAlg alg, std::string_view digest) const {
  const auto* dig = reinterpret_cast<const unsigned char*>(digest.data());
  // One call each: the signature size is known from the key.
  std::string out(static_cast<std::size_t>(EVP_PKEY_get_size(key_.get())), '\0');
  auto* sig = reinterpret_cast<unsigned char*>(out.data());
  std::size_t len = out.size();
  if (type_ == KeyType::kEd25519) {
    MdCtx m;
    if (EVP_DigestSignInit(m.ctx, nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(m.ctx, sig, &len, dig, digest.size()) != 1) {
      return fail(ErrorKind::kInternal, "ed25519 signing failed");
    }
  } else {
    PkeyCtx c(key_.get());
    if (c.ctx == nullptr || EVP_PKEY_sign_init(c.ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(c.ctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(c.ctx, md(alg)) != 1 ||
        EVP_PKEY_sign(c.ctx, sig, &len, dig, digest.size()) != 1) {
      return fail(ErrorKind::kInternal, "RSA signing failed");
    }
  }
  out.resize(len);
  return out;
}

std::string PrivateKey::public_key_base64() const {
  if (type_ == KeyType::kEd25519) {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    EVP_PKEY_get_raw_public_key(key_.get(), raw, &len);
    return encode_base64(std::string_view(reinterpret_cast<char*>(raw), len));
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_.get(), &der);
  if (len <= 0) return {};
  std::string out = encode_base64(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return out;
}

Result<std::string> PrivateKey::to_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    BIO_free(bio);
    return fail(ErrorKind::kInternal, "cannot encode private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

}  // namespace authguard::dkim
