// canon_test.cc: canonicalization against RFC 6376 §3.4.5 and against a
// plain reference implementation on many generated bodies, whole and in
// chunks (the fast path and the streaming state machine must agree).
#include <gtest/gtest.h>

#include <random>

#include "dkim/canon.h"

namespace authguard::dkim {
namespace {

class Collect final : public BodySink {
 public:
  void write(std::string_view s) override { out.append(s); }
  std::string out;
};

std::string canon_body(Canon c, std::string_view body, std::size_t chunk = 0) {
  Collect sink;
  BodyCanonicalizer canon(c, sink);
  if (chunk == 0) {
    canon.update(body);
  } else {
    for (std::size_t i = 0; i < body.size(); i += chunk) canon.update(body.substr(i, chunk));
  }
  canon.finish();
  return sink.out;
}

// The RFC's rules applied line by line, slowly and obviously.
std::string reference(Canon c, std::string_view in) {
  std::vector<std::string> lines;
  std::string cur;
  bool open = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') {
      lines.push_back(cur);
      cur.clear();
      open = false;
      ++i;
    } else if (in[i] == '\n') {
      lines.push_back(cur);
      cur.clear();
      open = false;
    } else {
      cur += in[i];
      open = true;
    }
  }
  if (open) lines.push_back(cur);
  if (c == Canon::kRelaxed) {
    for (auto& line : lines) {
      std::string r;
      bool ws = false;
      for (char ch : line) {
        if (ch == ' ' || ch == '\t') {
          ws = true;
          continue;
        }
        if (ws) r += ' ';
        ws = false;
        r += ch;
      }
      line = r;  // trailing whitespace dropped
    }
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& line : lines) out += line + "\r\n";
  if (c == Canon::kSimple && out.empty()) out = "\r\n";
  return out;
}

TEST(Canon, Rfc6376Example) {
  // RFC 6376 §3.4.5.
  std::string body = " C \r\nD \t E\r\n\r\n\r\n";
  EXPECT_EQ(canon_body(Canon::kRelaxed, body), " C\r\nD E\r\n");
  EXPECT_EQ(canon_body(Canon::kSimple, body), " C \r\nD \t E\r\n");
  const std::string text = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n" + body;
  auto m = Message::parse(text);
  ASSERT_TRUE(m.has_value());
  std::string relaxed, simple;
  for (const auto& h : m->headers()) {
    canonicalize_header(Canon::kRelaxed, h, relaxed);
    canonicalize_header(Canon::kSimple, h, simple);
  }
  EXPECT_EQ(relaxed, "a:X\r\nb:Y Z\r\n");
  EXPECT_EQ(simple, "A: X\r\nB : Y\t\r\n\tZ  \r\n");
}

TEST(Canon, EmptyAndEdgeBodies) {
  EXPECT_EQ(canon_body(Canon::kSimple, ""), "\r\n");
  EXPECT_EQ(canon_body(Canon::kRelaxed, ""), "");
  EXPECT_EQ(canon_body(Canon::kSimple, "\r\n\r\n"), "\r\n");
  EXPECT_EQ(canon_body(Canon::kRelaxed, " \t \r\n\r\n"), "");
  EXPECT_EQ(canon_body(Canon::kSimple, "no newline"), "no newline\r\n");
  EXPECT_EQ(canon_body(Canon::kRelaxed, "a  b\t\t"), "a b\r\n");
  EXPECT_EQ(canon_body(Canon::kSimple, "lf\nonly\n\n"), "lf\r\nonly\r\n");
  EXPECT_EQ(canon_body(Canon::kRelaxed, "bare\rcr\r\n"), "bare\rcr\r\n");
  EXPECT_EQ(canon_body(Canon::kRelaxed, "x\r\n\r\n\r\ny\r\n"), "x\r\n\r\n\r\ny\r\n");
}

TEST(Canon, BodyHashHonoursLength) {
  BodyHash limited(HashAlg::kSha256, 3);
  BodyHash whole(HashAlg::kSha256, std::nullopt);
  Collect c;
  {
    BodyCanonicalizer a(Canon::kSimple, limited);
    a.update("abcdef\r\n");
    a.finish();
    BodyCanonicalizer b(Canon::kSimple, whole);
    b.update("abc");
    b.finish();
  }
  EXPECT_EQ(limited.total_length(), 8u);
  Hasher h(HashAlg::kSha256);
  h.update("abc");
  EXPECT_EQ(limited.digest(), h.finish());
}

TEST(Canon, MatchesReferenceOnGeneratedBodiesWholeAndChunked) {
  std::mt19937 rng(20261130);
  const char alphabet[] = {' ', '\t', '\r', '\n', 'a', 'b', 'x', '.', ' ', '\n'};
  std::uniform_int_distribution<int> pick(0, sizeof alphabet - 1);
  std::uniform_int_distribution<int> len(0, 200);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string body;
    int n = len(rng);
    // Long plain runs too, so the 16-byte fast path is exercised.
    for (int i = 0; i < n; ++i) {
      body += alphabet[pick(rng)];
      if (i % 37 == 0) body += "plain text with single spaces only";
    }
    for (Canon c : {Canon::kSimple, Canon::kRelaxed}) {
      std::string want = reference(c, body);
      ASSERT_EQ(canon_body(c, body), want) << "canon " << canon_name(c) << " body: " << testing::PrintToString(body);
      for (std::size_t chunk : {1u, 2u, 3u, 7u, 16u, 17u, 64u}) {
        ASSERT_EQ(canon_body(c, body, chunk), want)
            << "chunk " << chunk << " canon " << canon_name(c) << " body: " << testing::PrintToString(body);
      }
    }
  }
}

}  // namespace
}  // namespace authguard::dkim
