// rfc8463_test.cc: the worked example of RFC 8463 Appendix A, a message
// signed with Ed25519 and with RSA (relaxed/relaxed, From, Subject and Date
// over-signed), verified with the published keys. The message and the key
// records are in tests/data/rfc8463/, byte for byte as in the RFC. The
// vector pins canonicalization, the signed data, Ed25519 over the SHA-256
// digest (RFC 8463 §3) and a 1024-bit RSA key independently of our signer.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/clock.h"
#include "core/domain.h"
#include "dkim/crypto.h"
#include "dkim/sign.h"
#include "dkim/tags.h"
#include "dkim/verify.h"
#include "dns/zone_resolver.h"
#include "message/message.h"
#include "support/run.h"

namespace authguard::dkim {
namespace {

using authguard::testing::read_file;

constexpr UnixTime kSigned = 1528637909;  // t= of both signatures

// RFC 8463 A.1's Ed25519 secret key (the RFC 8032 §7.1 test 1 seed) as the
// PKCS#8 PEM openssl writes; A.2 publishes its public half.
constexpr const char* kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
constexpr const char* kEd25519Public = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
constexpr const char* kBodyHash = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";

class Rfc8463Example : public ::testing::Test {
 protected:
  void SetUp() override {
    signed_ = read_file(testing::source_path("tests/data/rfc8463/signed.eml"));
    ASSERT_TRUE(signed_.starts_with("DKIM-Signature: v=1; a=ed25519-sha256;")) << "missing test data";
    auto zone = dns::ZoneResolver::load_file(testing::source_path("tests/data/rfc8463/rfc8463.zone"));
    ASSERT_TRUE(zone) << zone.error().message;
    zone_ = std::move(*zone);
  }

  std::vector<SignatureVerdict> verify(const std::string& bytes, UnixTime now = kSigned + 60) {
    auto message = Message::parse(bytes);
    EXPECT_TRUE(message) << message.error().message;
    if (!message) return {};
    FixedClock clock(now);
    Verifier verifier(*zone_, clock);
    return verifier.verify(*message);
  }

  // The message as it was before signing: everything from the From field on.
  std::string unsigned_message() const { return signed_.substr(signed_.find("From: Joe")); }

  std::string replaced(const std::string& from, const std::string& to) const {
    std::string s = signed_;
    s.replace(s.find(from), from.size(), to);
    return s;
  }

  std::string signed_;
  std::unique_ptr<dns::ZoneResolver> zone_;
};

// ctest's -R is case-sensitive: a lower-case suite name lets `ctest -R dkim`
// select these with the corpus and interop tests.
using dkim_rfc8463 = Rfc8463Example;

TEST_F(dkim_rfc8463, BothSignaturesOfAppendixAPass) {
  auto v = verify(signed_);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].result, DkimResult::kPass) << v[0].reason;
  EXPECT_EQ(v[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(v[0].selector, "brisbane");
  EXPECT_EQ(v[0].domain, "football.example.com");
  EXPECT_EQ(v[0].identity, "@football.example.com");
  EXPECT_EQ(v[0].key_bits, 256u);
  EXPECT_EQ(v[1].result, DkimResult::kPass) << v[1].reason;
  EXPECT_EQ(v[1].algorithm, "rsa-sha256");
  EXPECT_EQ(v[1].selector, "test");
  EXPECT_EQ(v[1].key_bits, 1024u);  // RFC 8301 §3.2: 1024 bits still MUST verify
}

TEST_F(dkim_rfc8463, BareLfCopyStillPasses) {
  // The message model reads bare LF as CRLF (message.h), so a copy stored
  // with Unix line endings verifies the same.
  std::string lf;
  for (char c : signed_) {
    if (c != '\r') lf += c;
  }
  auto v = verify(lf);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].result, DkimResult::kPass) << v[0].reason;
  EXPECT_EQ(v[1].result, DkimResult::kPass) << v[1].reason;
}

TEST_F(dkim_rfc8463, ChangesAfterSigningFailBothSignatures) {
  struct Case {
    const char* what;
    std::string message;
    const char* reason;
  };
  const Case cases[] = {
      {"body changed", replaced("hungry", "angry"), "body hash did not verify"},
      {"signed Subject changed", replaced("dinner", "lunch"), "signature did not verify"},
      // h= names From twice: a second From fills the over-signed slot.
      {"From added", replaced("From: Joe", "From: Mallory <m@evil.example>\r\nFrom: Joe"),
       "signature did not verify"},
      // A CR alone is no line break: relaxed unfolding must keep it.
      {"bare CR added to signed Subject", replaced("dinner ready", "dinner\r ready"),
       "signature did not verify"},
      {"signed Message-ID removed",
       replaced("Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n", ""),
       "signature did not verify"},
  };
  for (const auto& c : cases) {
    auto v = verify(c.message);
    ASSERT_EQ(v.size(), 2u) << c.what;
    for (const auto& s : v) {
      EXPECT_EQ(s.result, DkimResult::kFail) << c.what << ": " << s.algorithm;
      EXPECT_EQ(s.reason, c.reason) << c.what << ": " << s.algorithm;
    }
  }
  // A field that neither signature covers may be added (RFC 6376 §5.4).
  auto v = verify(replaced("Message-ID:", "X-Mailer: any\r\nMessage-ID:"));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].result, DkimResult::kPass) << v[0].reason;
  EXPECT_EQ(v[1].result, DkimResult::kPass) << v[1].reason;
}

TEST_F(dkim_rfc8463, SecretKeyOfA1MatchesRecordOfA2) {
  auto key = PrivateKey::from_pem(kEd25519Pem);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->type(), KeyType::kEd25519);
  EXPECT_EQ(key->public_key_base64(), kEd25519Public);
}

TEST_F(dkim_rfc8463, OurSignerWithTheRfcKeyReproducesBodyHashAndVerifies) {
  auto key = PrivateKey::from_pem(kEd25519Pem);
  ASSERT_TRUE(key);
  auto signer = Signer::Builder(*DomainName::parse("football.example.com"), "brisbane", *key)
                    .canonicalization(Canon::kRelaxed, Canon::kRelaxed)
                    .headers({"from", "to", "subject", "date", "message-id", "from", "subject",
                              "date"})
                    .identity("@football.example.com")
                    .build();
  ASSERT_TRUE(signer) << signer.error().message;
  const std::string original = unsigned_message();
  auto message = Message::parse(original);
  ASSERT_TRUE(message);
  auto field = signer->sign(*message, kSigned);
  ASSERT_TRUE(field) << field.error().message;
  EXPECT_NE(field->find("bh=" + std::string(kBodyHash) + ";"), std::string::npos) << *field;
  auto v = verify(*field + original);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].result, DkimResult::kPass) << v[0].reason;
}

}  // namespace
}  // namespace authguard::dkim
