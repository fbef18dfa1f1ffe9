// dkim_bench.cc: DKIM speed, with OpenSSL's own figures in the same run so
// that docs/PERFORMANCE.md can state ratios, not absolute claims.
//
//   make bench && build-release/bench/dkim_bench
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstring>
#include <random>

#include "core/clock.h"
#include "dkim/canon.h"
#include "dkim/sign.h"
#include "dkim/verify.h"
#include "dns/cache.h"
#include "dns/zone_resolver.h"

namespace {

using namespace authguard;
using namespace authguard::dkim;

// A plain-text body of realistic shape: ~70-character CRLF lines of words
// with single spaces, a blank line between paragraphs, the odd double space.
std::string make_body(std::size_t bytes) {
  std::mt19937 rng(42);
  static const char* words[] = {"the", "quarterly", "report", "is", "attached,", "please",
                                "review", "and", "send", "comments", "by", "Friday.",
                                "Thanks", "to", "everyone", "who", "contributed"};
  std::string body;
  std::size_t line = 0;
  while (body.size() < bytes) {
    const char* w = words[rng() % (sizeof words / sizeof *words)];
    body += w;
    line += std::strlen(w);
    if (line > 68) {
      body += "\r\n";
      if (rng() % 8 == 0) body += "\r\n";
      line = 0;
    } else {
      body += (rng() % 40 == 0) ? "  " : " ";
      ++line;
    }
  }
  return body + "\r\n";
}

const std::string kHeaders =
    "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Quarterly report\r\n"
    "Date: Sun, 30 Nov 2025 06:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";

void BM_Sha256Only(benchmark::State& state) {
  std::string body = make_body(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Hasher h(HashAlg::kSha256);
    h.update(body);
    benchmark::DoNotOptimize(h.finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_Sha256Only)->Arg(10 << 10)->Arg(1 << 20);

void BM_RelaxedBodyHash(benchmark::State& state) {
  std::string body = make_body(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    BodyHash sink(HashAlg::kSha256, std::nullopt);
    BodyCanonicalizer c(Canon::kRelaxed, sink);
    c.update(body);
    c.finish();
    benchmark::DoNotOptimize(sink.digest());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_RelaxedBodyHash)->Arg(10 << 10)->Arg(1 << 20);

const PrivateKey& rsa() {
  static PrivateKey k = *PrivateKey::generate(KeyType::kRsa, 2048);
  return k;
}
const PrivateKey& ed() {
  static PrivateKey k = *PrivateKey::generate(KeyType::kEd25519);
  return k;
}

std::string digest_of(std::string_view s) {
  Hasher h(HashAlg::kSha256);
  h.update(s);
  return h.finish();
}

// OpenSSL alone: what `openssl speed rsa2048` measures (sign/verify of a
// digest with a ready key), for the ratios.
void BM_OpensslRsa2048Verify(benchmark::State& state) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  std::string digest = digest_of("x");
  unsigned char sig[256];
  std::size_t siglen = sizeof sig;
  EVP_PKEY_CTX* sctx = EVP_PKEY_CTX_new(key, nullptr);
  EVP_PKEY_sign_init(sctx);
  EVP_PKEY_CTX_set_rsa_padding(sctx, RSA_PKCS1_PADDING);
  EVP_PKEY_CTX_set_signature_md(sctx, EVP_sha256());
  EVP_PKEY_sign(sctx, sig, &siglen, reinterpret_cast<const unsigned char*>(digest.data()), 32);
  EVP_PKEY_CTX* vctx = EVP_PKEY_CTX_new(key, nullptr);
  EVP_PKEY_verify_init(vctx);
  EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING);
  EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha256());
  for (auto _ : state) {
    benchmark::DoNotOptimize(EVP_PKEY_verify(vctx, sig, siglen,
                                             reinterpret_cast<const unsigned char*>(digest.data()), 32));
  }
  EVP_PKEY_CTX_free(sctx);
  EVP_PKEY_CTX_free(vctx);
  EVP_PKEY_free(key);
}
BENCHMARK(BM_OpensslRsa2048Verify);

void BM_OpensslSign(benchmark::State& state) {
  bool is_ed = state.range(0) == 1;
  EVP_PKEY* key = is_ed ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  std::string digest = digest_of("x");
  unsigned char sig[256];
  for (auto _ : state) {
    std::size_t siglen = sizeof sig;
    if (is_ed) {
      EVP_MD_CTX* m = EVP_MD_CTX_new();
      EVP_DigestSignInit(m, nullptr, nullptr, nullptr, key);
      EVP_DigestSign(m, sig, &siglen, reinterpret_cast<const unsigned char*>(digest.data()), 32);
      EVP_MD_CTX_free(m);
    } else {
      EVP_PKEY_CTX* c = EVP_PKEY_CTX_new(key, nullptr);
      EVP_PKEY_sign_init(c);
      EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
      EVP_PKEY_CTX_set_signature_md(c, EVP_sha256());
      EVP_PKEY_sign(c, sig, &siglen, reinterpret_cast<const unsigned char*>(digest.data()), 32);
      EVP_PKEY_CTX_free(c);
    }
    benchmark::DoNotOptimize(sig);
  }
  EVP_PKEY_free(key);
  state.SetLabel(is_ed ? "ed25519" : "rsa2048");
}
BENCHMARK(BM_OpensslSign)->Arg(0)->Arg(1);

// Our signing call alone (what `openssl speed` measures), for the ratio.
void BM_PrivateKeySign(benchmark::State& state) {
  bool is_ed = state.range(0) == 1;
  std::string digest = digest_of("x");
  const PrivateKey& key = is_ed ? ed() : rsa();
  for (auto _ : state) benchmark::DoNotOptimize(key.sign(HashAlg::kSha256, digest));
  state.SetLabel(is_ed ? "ed25519" : "rsa2048");
}
BENCHMARK(BM_PrivateKeySign)->Arg(0)->Arg(1);

void BM_PublicKeyVerifyRsa2048(benchmark::State& state) {
  std::string digest = digest_of("x");
  std::string sig = *rsa().sign(HashAlg::kSha256, digest);
  auto der = decode_base64(rsa().public_key_base64());
  auto key = PublicKey::decode(KeyType::kRsa, *der);
  for (auto _ : state) benchmark::DoNotOptimize(key->verify(HashAlg::kSha256, digest, sig));
}
BENCHMARK(BM_PublicKeyVerifyRsa2048);

void BM_PublicKeyDecodeRsa2048(benchmark::State& state) {
  auto der = decode_base64(rsa().public_key_base64());
  for (auto _ : state) benchmark::DoNotOptimize(PublicKey::decode(KeyType::kRsa, *der));
}
BENCHMARK(BM_PublicKeyDecodeRsa2048);

// Signing a 10 KB message: body hash, header hash, private-key operation.
void BM_SignMessage10KB(benchmark::State& state) {
  bool is_ed = state.range(0) == 1;
  std::string msg = kHeaders + make_body(10 << 10);
  auto m = Message::parse(msg);
  auto signer = Signer::Builder(*DomainName::parse("example.com"), "sel", is_ed ? ed() : rsa()).build();
  for (auto _ : state) benchmark::DoNotOptimize(signer->sign(*m, 1764482400));
  state.SetLabel(is_ed ? "ed25519" : "rsa2048");
}
BENCHMARK(BM_SignMessage10KB)->Arg(0)->Arg(1);

// A whole verification of a 10 KB message with one RSA-2048 signature and a
// warm cache: parse, canonicalize, hash, verify.
void BM_VerifyMessage10KB(benchmark::State& state) {
  std::string body = kHeaders + make_body(10 << 10);
  auto m0 = Message::parse(body);
  auto signer = Signer::Builder(*DomainName::parse("example.com"), "sel", rsa()).build();
  std::string msg = *signer->sign(*m0, 1764482400) + body;
  auto zone = dns::ZoneResolver::empty();
  zone->add_txt("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=" + rsa().public_key_base64(), 3600);
  FixedClock clock(1764482460);
  dns::CachingResolver cache(*zone, clock, 100);
  Verifier verifier(cache, clock);
  for (auto _ : state) {
    auto m = Message::parse(msg);
    auto v = verifier.verify(*m);
    if (v.empty() || v[0].result != DkimResult::kPass) state.SkipWithError("did not pass");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyMessage10KB);

}  // namespace

BENCHMARK_MAIN();
