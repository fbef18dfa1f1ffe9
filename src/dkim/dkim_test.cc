// dkim_test.cc: tag lists, signature and key records, sign-then-verify for
// both algorithms and every canonicalization, RFC 8301 rules, l=, x=/t=, the
// signature cap, and hostile input. DNS comes from the strict test double.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "core/clock.h"
#include "dkim/canon.h"
#include "dkim/sign.h"
#include "dkim/tags.h"
#include "dkim/verify.h"
#include "support/strict_resolver.h"

namespace authguard::dkim {
namespace {

using testing::StrictResolver;
constexpr UnixTime kNow = 1764482400;  // 2025-11-30

const std::string kMessage =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.net\r\n"
    "Subject: Hello  there\r\n"
    "Date: Sun, 30 Nov 2025 06:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n"
    "\r\n"
    "Hi Bob,\r\n"
    "  how are you?  \r\n"
    "\r\n"
    "\r\n";

const PrivateKey& rsa_key() {
  static PrivateKey k = *PrivateKey::generate(KeyType::kRsa, 2048);
  return k;
}
const PrivateKey& ed_key() {
  static PrivateKey k = *PrivateKey::generate(KeyType::kEd25519);
  return k;
}

std::string key_record(const PrivateKey& k, std::string extra = "") {
  return std::string("v=DKIM1; k=") + (k.type() == KeyType::kRsa ? "rsa" : "ed25519") + "; " +
         extra + "p=" + k.public_key_base64();
}

void publish(StrictResolver& dns, const std::string& name, const std::string& value) {
  // Master-file TXT strings are at most 255 bytes: split.
  std::string quoted;
  for (std::size_t i = 0; i < value.size(); i += 200) {
    quoted += " \"" + value.substr(i, 200) + "\"";
  }
  dns.expect_zone(name + ". 300 IN TXT" + quoted);
}

std::string sign(const std::string& message, const PrivateKey& key, Canon hc = Canon::kRelaxed,
                 Canon bc = Canon::kRelaxed, std::vector<std::string> headers = {}) {
  auto m = Message::parse(message);
  EXPECT_TRUE(m.has_value());
  Signer::Builder b(*DomainName::parse("example.com"), "sel", key);
  b.canonicalization(hc, bc);
  if (!headers.empty()) b.headers(std::move(headers));
  auto signer = b.build();
  EXPECT_TRUE(signer.has_value()) << signer.error().message;
  auto field = signer->sign(*m, kNow);
  EXPECT_TRUE(field.has_value());
  return *field + message;
}

std::vector<SignatureVerdict> verify(const std::string& message, StrictResolver& dns,
                                     DkimPolicy policy = {}, UnixTime now = kNow + 60) {
  MessageLimits roomy;  // let hostile headers reach the DKIM layer's own limits
  roomy.max_line_length = roomy.max_header_bytes = 4 << 20;
  auto m = Message::parse(message, roomy);
  EXPECT_TRUE(m.has_value());
  FixedClock clock(now);
  Verifier v(dns, clock, policy);
  return v.verify(*m);
}

TEST(TagList, ParsesAndRejects) {
  auto t = parse_tag_list(" v=1;\r\n\ta = rsa-sha256 ; d=example.com;");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->tags().size(), 3u);
  EXPECT_EQ(t->find("a")->value, "rsa-sha256");
  EXPECT_EQ(t->find("d")->value, "example.com");
  struct Bad {
    const char* text;
  };
  for (const char* bad : {"v", "=1", "v=1; v=1", "1v=2", "v=1;;", "a=b c\x01", "a=\xff"}) {
    EXPECT_FALSE(parse_tag_list(bad).has_value()) << bad;
  }
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "t" + std::to_string(i) + "=x;";
  auto tooMany = parse_tag_list(many);
  ASSERT_FALSE(tooMany.has_value());
  EXPECT_EQ(tooMany.error().kind, ErrorKind::kLimitExceeded);
  auto huge = parse_tag_list("b=" + std::string(1 << 20, 'A'));
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().kind, ErrorKind::kLimitExceeded);
}

TEST(Base64, FoldedAndInvalid) {
  EXPECT_EQ(*decode_base64("aGVs\r\n bG8="), "hello");
  EXPECT_EQ(*decode_base64(""), "");
  EXPECT_FALSE(decode_base64("aGVsbG8").has_value());
  EXPECT_FALSE(decode_base64("aG=sbG8=").has_value());
  EXPECT_FALSE(decode_base64("aGV*bG8=").has_value());
  EXPECT_EQ(encode_base64("hello"), "aGVsbG8=");
}

TEST(SignatureRecord, RequiredTagsAndRules) {
  const std::string ok = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; bh=YQ==; b=YQ==";
  auto sig = parse_signature(ok);
  ASSERT_TRUE(sig.has_value()) << sig.error().message;
  EXPECT_EQ(sig->header_canon, Canon::kSimple);
  EXPECT_EQ(sig->body_canon, Canon::kSimple);
  EXPECT_EQ(sig->identity, "@example.com");
  struct Case {
    std::string text;
    const char* why;
  };
  const Case cases[] = {
      {"a=rsa-sha256; d=example.com; s=sel; h=from; bh=YQ==; b=YQ==", "v="},
      {"v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=YQ==; b=YQ==", "version"},
      {"v=1; a=rsa-md5; d=example.com; s=sel; h=from; bh=YQ==; b=YQ==", "algorithm"},
      {"v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; bh=YQ==; b=YQ==", "From"},
      {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=YQ==", "b="},
      {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=YQ==", "bh="},
      {"v=1; a=rsa-sha256; s=sel; h=from; bh=YQ==; b=YQ==", "d="},
      {"v=1; a=rsa-sha256; d=example.com; h=from; bh=YQ==; b=YQ==", "s="},
      {ok + "; c=future", "canonicalization"},
      {ok + "; q=http", "query method"},
      {ok + "; i=user@other.example", "i= domain"},
      {ok + "; t=200; x=100", "x= is before t="},
      {ok + "; l=abc", "l="},
      {ok + "; d=again.example", "duplicate"},
  };
  for (const auto& c : cases) {
    auto r = parse_signature(c.text);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
  }
  auto withI = parse_signature(ok + "; i=j=40x@mail.example.com; c=relaxed; l=10");
  ASSERT_TRUE(withI.has_value()) << withI.error().message;
  EXPECT_EQ(withI->identity, "j@x@mail.example.com");
  EXPECT_EQ(withI->header_canon, Canon::kRelaxed);
  EXPECT_EQ(withI->body_canon, Canon::kSimple);
  EXPECT_EQ(withI->body_length, 10u);
}

TEST(KeyRecord, Tags) {
  auto k = parse_key_record("v=DKIM1; k=rsa; t=y:s; h=sha256; s=email; n=hi; p=YQ==");
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_TRUE(k->testing);
  EXPECT_TRUE(k->strict_identity);
  EXPECT_FALSE(k->allows_sha1);
  EXPECT_TRUE(k->allows_sha256);
  EXPECT_TRUE(parse_key_record("p=")->revoked);
  EXPECT_TRUE(parse_key_record("k=rsa; x=unknown; p=YQ==").has_value());
  for (const char* bad : {"k=dsa; p=YQ==", "v=DKIM2; p=YQ==", "p=YQ==; v=DKIM1", "s=chat; p=YQ==",
                          "h=md5; p=YQ==", "k=rsa", "p=!!!!"}) {
    EXPECT_FALSE(parse_key_record(bad).has_value()) << bad;
  }
}

class SignVerify : public ::testing::TestWithParam<std::tuple<KeyType, Canon, Canon>> {};

TEST_P(SignVerify, RoundTripAndTampering) {
  auto [type, hc, bc] = GetParam();
  const PrivateKey& key = type == KeyType::kRsa ? rsa_key() : ed_key();
  std::string signed_msg = sign(kMessage, key, hc, bc);
  auto check = [&](const std::string& msg) {
    StrictResolver dns;
    publish(dns, "sel._domainkey.example.com", key_record(key));
    auto v = verify(msg, dns);
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? SignatureVerdict{} : v[0];
  };
  auto good = check(signed_msg);
  EXPECT_EQ(good.result, DkimResult::kPass) << good.reason;
  EXPECT_EQ(good.domain, "example.com");
  EXPECT_EQ(good.selector, "sel");
  EXPECT_EQ(good.key_bits, type == KeyType::kRsa ? 2048u : 256u);
  EXPECT_FALSE(good.body_length_limited);

  auto replace = [&](std::string from, std::string to) {
    std::string m = signed_msg;
    auto pos = m.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return m.replace(pos, from.size(), to);
  };
  // A changed body byte.
  auto body = check(replace("Hi Bob", "Hi Bib"));
  EXPECT_EQ(body.result, DkimResult::kFail);
  EXPECT_EQ(body.reason, "body hash did not verify");
  // A changed signed header.
  EXPECT_EQ(check(replace("Subject: Hello", "Subject: Jello")).result, DkimResult::kFail);
  // An added From (over-signed, so the null entry is now a real field).
  EXPECT_EQ(check(replace("To: bob", "From: mallory@evil.example\r\nTo: bob")).result,
            DkimResult::kFail);
  // A removed signed header.
  EXPECT_EQ(check(replace("Date: Sun, 30 Nov 2025 06:00:00 +0000\r\n", "")).result,
            DkimResult::kFail);
  // Whitespace changes survive relaxed canonicalization only.
  auto ws = check(replace("Hi Bob,", "Hi   Bob,"));
  EXPECT_EQ(ws.result, bc == Canon::kRelaxed ? DkimResult::kPass : DkimResult::kFail);
}

INSTANTIATE_TEST_SUITE_P(AllCanonicalizations, SignVerify,
                         ::testing::Combine(::testing::Values(KeyType::kRsa, KeyType::kEd25519),
                                            ::testing::Values(Canon::kSimple, Canon::kRelaxed),
                                            ::testing::Values(Canon::kSimple, Canon::kRelaxed)));

TEST(Verify, LfMessageSignsAndVerifiesLikeCrlf) {
  std::string lf = kMessage;
  for (std::size_t p; (p = lf.find("\r\n")) != std::string::npos;) lf.erase(p, 1);
  std::string signed_lf = sign(lf, rsa_key(), Canon::kSimple, Canon::kSimple);
  EXPECT_EQ(signed_lf.find('\r'), std::string::npos);
  std::string crlf;
  for (char c : signed_lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  for (const auto& m : {signed_lf, crlf}) {
    StrictResolver dns;
    publish(dns, "sel._domainkey.example.com", key_record(rsa_key()));
    EXPECT_EQ(verify(m, dns)[0].result, DkimResult::kPass);
  }
}

TEST(Verify, DualSigningSharesBodyHash) {
  auto m = Message::parse(kMessage);
  std::vector<Signer> signers;
  signers.push_back(*Signer::Builder(*DomainName::parse("example.com"), "rsa", rsa_key()).build());
  signers.push_back(*Signer::Builder(*DomainName::parse("example.com"), "ed", ed_key()).build());
  auto fields = sign_all(signers, *m, kNow);
  ASSERT_TRUE(fields.has_value());
  std::string msg = (*fields)[0] + (*fields)[1] + kMessage;
  StrictResolver dns;
  publish(dns, "rsa._domainkey.example.com", key_record(rsa_key()));
  publish(dns, "ed._domainkey.example.com", key_record(ed_key()));
  auto v = verify(msg, dns);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].result, DkimResult::kPass);
  EXPECT_EQ(v[0].algorithm, "rsa-sha256");
  EXPECT_EQ(v[1].result, DkimResult::kPass);
  EXPECT_EQ(v[1].algorithm, "ed25519-sha256");
}

TEST(Verify, KeyProblems) {
  std::string msg = sign(kMessage, rsa_key());
  struct Case {
    std::string record;
    DkimResult want;
    const char* why;
  };
  const Case cases[] = {
      {"v=DKIM1; p=", DkimResult::kPermError, "revoked"},
      {"v=DKIM1; k=ed25519; p=" + ed_key().public_key_base64(), DkimResult::kPermError, "does not match"},
      {"v=DKIM1; h=sha1; p=" + rsa_key().public_key_base64(), DkimResult::kPermError, "h="},
      {"v=DKIM1; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", DkimResult::kPermError, "invalid public key"},
      {"v=DKIM1; p=bm90IGEga2V5", DkimResult::kPermError, "invalid public key"},
      {"garbage", DkimResult::kPermError, "invalid key record"},
      {key_record(rsa_key(), "t=y; "), DkimResult::kPass, "valid"},
  };
  for (const auto& c : cases) {
    StrictResolver dns;
    publish(dns, "sel._domainkey.example.com", c.record);
    auto v = verify(msg, dns);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].result, c.want) << c.record << ": " << v[0].reason;
    EXPECT_NE(v[0].reason.find(c.why), std::string::npos) << v[0].reason;
  }
  StrictResolver nx;
  nx.expect_error("sel._domainkey.example.com", dns::RecordType::kTxt, dns::DnsStatus::kNxDomain);
  EXPECT_EQ(verify(msg, nx)[0].result, DkimResult::kPermError);
  StrictResolver temp;
  temp.expect_error("sel._domainkey.example.com", dns::RecordType::kTxt, dns::DnsStatus::kTemporary);
  EXPECT_EQ(verify(msg, temp)[0].result, DkimResult::kTempError);
}

TEST(Verify, Rfc8301KeySizesAndSha1) {
  PrivateKey k1024 = *PrivateKey::generate(KeyType::kRsa, 1024);
  PrivateKey k512 = *PrivateKey::generate(KeyType::kRsa, 512);
  {
    StrictResolver dns;
    publish(dns, "sel._domainkey.example.com", key_record(k1024));
    auto v = verify(sign(kMessage, k1024), dns);
    EXPECT_EQ(v[0].result, DkimResult::kPass);
    EXPECT_EQ(v[0].key_bits, 1024u);
  }
  // A 512-bit key can't sign through the builder; sign with 1024 and publish
  // a 512-bit key: the size check comes before the signature check.
  {
    StrictResolver dns;
    publish(dns, "sel._domainkey.example.com", key_record(k512));
    auto v = verify(sign(kMessage, k1024), dns);
    EXPECT_EQ(v[0].result, DkimResult::kPermError);
    EXPECT_NE(v[0].reason.find("RFC 8301"), std::string::npos);
  }
  EXPECT_FALSE(Signer::Builder(*DomainName::parse("example.com"), "s", k512).build().has_value());
  EXPECT_FALSE(Signer::Builder(*DomainName::parse("example.com"), "s", rsa_key())
                   .algorithm(Algorithm::kRsaSha1)
                   .build()
                   .has_value());
  // rsa-sha1 fails, without a DNS query.
  std::string sha1 = "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=YQ==; b=YQ==\r\n" + kMessage;
  StrictResolver none;
  auto v = verify(sha1, none);
  EXPECT_EQ(v[0].result, DkimResult::kFail);
  EXPECT_NE(v[0].reason.find("RFC 8301"), std::string::npos);
}

// A 16384-bit RSA public key, built without generating a private key.
std::string huge_rsa_spki() {
  BIGNUM* n = BN_new();
  BN_rand(n, 16384, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
  BIGNUM* e = BN_new();
  BN_set_word(e, 65537);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  std::string out = encode_base64(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return out;
}

TEST(Hostile, HugeKeyIsBoundedByMaxRsaBits) {
  StrictResolver dns;
  publish(dns, "sel._domainkey.example.com", "v=DKIM1; p=" + huge_rsa_spki());
  auto v = verify(sign(kMessage, rsa_key()), dns);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].result, DkimResult::kPermError);
  EXPECT_NE(v[0].reason.find("max_rsa_bits"), std::string::npos) << v[0].reason;
  EXPECT_EQ(v[0].key_bits, 16384u);
}

TEST(Hostile, BodyLengthZeroWithAppendedContent) {
  // A signature with l=0 signs no body at all; an attacker appends one. It
  // passes (policy default), flagged as partly signed; a strict policy says
  // "policy". The signature is made by hand: the Signer never emits l=.
  std::string headers_only = kMessage.substr(0, kMessage.find("\r\n\r\n") + 4);
  auto m = Message::parse(headers_only);
  ASSERT_TRUE(m.has_value());
  std::string value =
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; l=0; h=from:subject;"
      " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=";  // SHA-256 of ""
  std::string data;
  canonicalize_header(Canon::kRelaxed, *m->find_first("From"), data);
  canonicalize_header(Canon::kRelaxed, *m->find_first("Subject"), data);
  canonicalize_header_value(Canon::kRelaxed, "DKIM-Signature", value, data);
  Hasher h(HashAlg::kSha256);
  h.update(data);
  std::string b = encode_base64(*rsa_key().sign(HashAlg::kSha256, h.finish()));
  std::string appended =
      "DKIM-Signature:" + value + b + "\r\n" + headers_only + "Click evil.example now\r\n";
  StrictResolver dns;
  publish(dns, "sel._domainkey.example.com", key_record(rsa_key()));
  auto v = verify(appended, dns);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].result, DkimResult::kPass) << v[0].reason;
  EXPECT_TRUE(v[0].body_length_limited);
  DkimPolicy strict;
  strict.allow_body_length = false;
  StrictResolver dns2;
  publish(dns2, "sel._domainkey.example.com", key_record(rsa_key()));
  EXPECT_EQ(verify(appended, dns2, strict)[0].result, DkimResult::kPolicy);
}

TEST(Hostile, ExpiryAndFutureTimestamps) {
  auto m = Message::parse(kMessage);
  auto signer = Signer::Builder(*DomainName::parse("example.com"), "sel", rsa_key())
                    .expire_after(3600)
                    .build();
  std::string msg = *signer->sign(*m, kNow) + kMessage;
  for (auto [now, want] : {std::pair{kNow + 10, DkimResult::kPass},
                           std::pair{kNow + 7200, DkimResult::kPermError},
                           std::pair{kNow - 3600, DkimResult::kPermError}}) {
    StrictResolver dns;
    if (want == DkimResult::kPass) publish(dns, "sel._domainkey.example.com", key_record(rsa_key()));
    auto v = verify(msg, dns, {}, now);
    EXPECT_EQ(v[0].result, want) << now << " " << v[0].reason;
  }
}

TEST(Hostile, HundredSignaturesAreCapped) {
  std::string one = sign(kMessage, rsa_key());
  std::string field = one.substr(0, one.size() - kMessage.size());
  std::string msg;
  for (int i = 0; i < 100; ++i) msg += field;
  msg += kMessage;
  StrictResolver dns;
  publish(dns, "sel._domainkey.example.com", key_record(rsa_key()));
  auto v = verify(msg, dns);
  ASSERT_EQ(v.size(), 100u);
  int pass = 0, neutral = 0;
  for (const auto& s : v) {
    pass += s.result == DkimResult::kPass;
    neutral += s.result == DkimResult::kNeutral;
  }
  EXPECT_EQ(pass, 5);
  EXPECT_EQ(neutral, 95);
  EXPECT_EQ(dns.count("sel._domainkey.example.com", dns::RecordType::kTxt), 1);  // key cached
}

TEST(Hostile, MalformedSignaturesGiveDefinedResults) {
  const std::string cases[] = {
      "DKIM-Signature: synerr\r\n",
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=YQ==; b=" +
          std::string(1 << 20, 'A') + "\r\n",
      "DKIM-Signature: v=1; a=rsa-sha256; d=exa\0mple.com; s=sel; h=from; bh=YQ==; b=YQ==\r\n",
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=YQ; b=YQ==\r\n",
      "DKIM-Signature: \r\n",
      "DKIM-Signature: ;;;;;;\r\n",
  };
  for (const auto& c : cases) {
    StrictResolver dns;  // no query may be made
    auto v = verify(c + kMessage, dns);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].result, DkimResult::kPermError) << c.substr(0, 80);
  }
  StrictResolver dns;
  EXPECT_TRUE(verify(kMessage, dns).empty());
}

}  // namespace
}  // namespace authguard::dkim
