// authres_test.cc: Authentication-Results parsing (tolerances, limits, hostile
// input), the header we write (exact text, injection, round trip), and the
// removal of forged fields (RFC 8601 §5). The third-party corpus runs in
// tests/conformance/authres_corpus_test.cc.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "authres/forged.h"
#include "authres/header.h"
#include "authres/parse.h"
#include "message/message.h"

namespace authguard::authres {
namespace {

// "authserv-id[ vN]: method[/v]=result[ reason=R][ [ptype.]property=value]...; ..."
// Values are bracketed so that spaces and empty values show.
std::string summary(const AuthResults& ar) {
  std::string s = ar.authserv_id;
  if (ar.version) s += " v" + std::to_string(*ar.version);
  s += ":";
  for (const ResInfo& r : ar.results) {
    s += " " + r.method;
    if (r.method_version) s += "/" + std::to_string(*r.method_version);
    s += "=" + r.result;
    if (!r.reason.empty()) s += " reason=[" + r.reason + "]";
    for (const Property& p : r.properties) {
      s += " " + (p.ptype.empty() ? p.property : p.ptype + "." + p.property) + "=[" + p.value + "]";
    }
    s += ";";
  }
  return s;
}

std::string parsed_summary(std::string_view text) {
  auto ar = parse(text);
  return ar ? summary(*ar) : "error: " + ar.error().message;
}

// --- parsing -----------------------------------------------------------------

struct ParseCase {
  const char* name;
  std::string input;
  std::string summary;
};

TEST(AuthresParse, Table) {
  const std::vector<ParseCase> cases = {
      {"rfc example", "example.com; spf=pass smtp.mailfrom=example.net",
       "example.com: spf=pass smtp.mailfrom=[example.net];"},
      {"field name, any case", "aUTHENTICATION-results : example.com; dkim=pass header.d=a.example",
       "example.com: dkim=pass header.d=[a.example];"},
      {"comments everywhere",
       "(c0) example.com (c1) ; (c2) dkim (c3) = (c4) pass (c5) header (c6) . (c7) d (c8) = (c9) "
       "a.example (c10)",
       "example.com: dkim=pass header.d=[a.example];"},
      {"nested and escaped comments",
       "example.com; spf=pass (a (nested (comment)) with \\) and \\( inside) smtp.mailfrom=x.example",
       "example.com: spf=pass smtp.mailfrom=[x.example];"},
      {"quoted values with escapes",
       "example.com; dkim=pass reason=\"good \\\"sig\\\"\" header.b=\"a;b (c) d\\\\e\"",
       "example.com: dkim=pass reason=[good \"sig\"] header.b=[a;b (c) d\\e];"},
      {"quoted authserv-id", "\"mx example\"; none", "mx example:"},
      {"header version", "example.com 1; spf=pass smtp.helo=mx.example", "example.com v1: spf=pass smtp.helo=[mx.example];"},
      {"version with comment", "example.com 1 (version one); none", "example.com v1:"},
      {"method version", "example.com; dkim/1 = pass header.d=a.example",
       "example.com: dkim/1=pass header.d=[a.example];"},
      {"reason only right after the result",
       "example.com; dmarc=fail reason=\"p=reject\" header.from=a.example reason=later",
       "example.com: dmarc=fail reason=[p=reject] header.from=[a.example] reason=[later];"},
      {"no-result", "example.com; none", "example.com:"},
      {"authserv-id alone", "example.com", "example.com:"},
      {"CRLF folding", "example.com;\r\n\tspf=pass\r\n smtp.mailfrom=a.example;\r\n\tdkim=none",
       "example.com: spf=pass smtp.mailfrom=[a.example]; dkim=none;"},
      {"bare LF folding", "example.com;\n spf=pass\n\tsmtp.mailfrom=a.example",
       "example.com: spf=pass smtp.mailfrom=[a.example];"},
      {"Microsoft 365, no authserv-id",
       "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.com; dkim=pass (signature was "
       "verified) header.d=contoso.com;dmarc=fail action=oreject "
       "header.from=contoso.com;compauth=none reason=451",
       ": spf=pass smtp.mailfrom=[contoso.com]; dkim=pass header.d=[contoso.com]; dmarc=fail "
       "action=[oreject] header.from=[contoso.com]; compauth=none reason=[451];"},
      {"Microsoft 365 with field name and folding",
       "Authentication-Results: spf=none (sender IP is 2001:db8::1)\r\n smtp.mailfrom=contoso.com; "
       "dkim=none (message not signed)\r\n header.d=none;dmarc=none action=none\r\n "
       "header.from=contoso.com;compauth=fail reason=601",
       ": spf=none smtp.mailfrom=[contoso.com]; dkim=none header.d=[none]; dmarc=none "
       "action=[none] header.from=[contoso.com]; compauth=fail reason=[601];"},
      {"Outlook's repeated authserv-id",
       "outlook.com; spf=pass smtp.mailfrom=a.example; outlook.com; dkim=pass header.d=a.example;",
       "outlook.com: spf=pass smtp.mailfrom=[a.example]; dkim=pass header.d=[a.example];"},
      {"Yahoo's from= pieces without the first ';'",
       "mta1.mail.yahoo.com  from=a.example; domainkeys=neutral (no sig);  from=b.example; dkim=pass (ok)",
       "mta1.mail.yahoo.com: from=a.example; domainkeys=neutral; from=b.example; dkim=pass;"},
      {"empty pieces and trailing ';'", "example.com;; ;spf=pass;;", "example.com: spf=pass;"},
      {"empty result and lone words", "example.com; one=; two; dkim=fail", "example.com: one=; dkim=fail;"},
      {"empty property value", "example.com; spf=none smtp.mailfrom=; dkim=none",
       "example.com: spf=none smtp.mailfrom=[]; dkim=none;"},
      {"bare IPv6 and slashes kept as written",
       "example.com; iprev=pass policy.iprev=2001:db8::1 x-bits=128/128",
       "example.com: iprev=pass policy.iprev=[2001:db8::1] x-bits=[128/128];"},
      {"local-part@domain", "example.com; auth=pass smtp.auth=user@example.net",
       "example.com: auth=pass smtp.auth=[user@example.net];"},
      {"8-bit bytes are opaque", "example.com; spf=pass smtp.mailfrom=\xc3\xa9xample.com",
       "example.com: spf=pass smtp.mailfrom=[\xc3\xa9xample.com];"},
  };
  for (const ParseCase& c : cases) {
    EXPECT_EQ(parsed_summary(c.input), c.summary) << c.name;
  }
}

TEST(AuthresParse, FindIsCaseInsensitive) {
  auto ar = parse("example.com; DMARC=fail Header.From=a.example action=oreject");
  ASSERT_TRUE(ar.has_value());
  const ResInfo& r = ar->results.at(0);
  ASSERT_NE(r.find("header", "from"), nullptr);
  EXPECT_EQ(r.find("header", "from")->value, "a.example");
  ASSERT_NE(r.find("", "ACTION"), nullptr);
  EXPECT_EQ(r.find("", "action")->value, "oreject");
  EXPECT_EQ(r.find("smtp", "mailfrom"), nullptr);
}

struct ErrorCase {
  std::string input;
  ErrorKind kind;
  std::string message_part;
};

TEST(AuthresParse, Errors) {
  const std::vector<ErrorCase> cases = {
      {"", ErrorKind::kInvalidInput, "missing authserv-id"},
      {"  (only a comment) ", ErrorKind::kInvalidInput, "missing authserv-id"},
      {"Authentication-Results:", ErrorKind::kInvalidInput, "missing authserv-id"},
      {";none", ErrorKind::kInvalidInput, "expected authserv-id at offset 0"},
      {"example.com; foo = = bar", ErrorKind::kInvalidInput, "expected result"},
      {"example.com; foo / bar = x", ErrorKind::kInvalidInput, "expected version number"},
      {"example.com; foo bar = x", ErrorKind::kInvalidInput, "expected '=' after method 'foo'"},
      {"example.com; dkim=pass header.d", ErrorKind::kInvalidInput, "expected '='"},
      {"example.com; dkim=pass header. = x", ErrorKind::kInvalidInput, "expected property after"},
      {"example.com; dkim=pass lone", ErrorKind::kInvalidInput, "expected '=' after property"},
      {"example.com; dkim=pass ) x=y", ErrorKind::kInvalidInput, "expected property of 'dkim'"},
      {"example.com; dkim=pass (unterminated", ErrorKind::kInvalidInput, "unterminated comment at offset 23"},
      {"example.com; dkim=pass header.b=\"open", ErrorKind::kInvalidInput, "unterminated quoted string"},
      {"example.com; dkim=pass header.b=\"ends in \\", ErrorKind::kInvalidInput, "unterminated quoted string"},
      {"example.com; dkim/1234567890=pass", ErrorKind::kInvalidInput, "expected version number"},
      {std::string("example.com; spf=pass\0 x=y", 26), ErrorKind::kInvalidInput, "control character 0 at offset 21"},
      {"example.com; spf=pass\x1b", ErrorKind::kInvalidInput, "control character 27"},
      {"example.com; spf=pass\x7f", ErrorKind::kInvalidInput, "control character 127"},
  };
  for (const ErrorCase& c : cases) {
    auto ar = parse(c.input);
    ASSERT_FALSE(ar.has_value()) << c.input << " -> " << summary(*ar);
    EXPECT_EQ(ar.error().kind, c.kind) << c.input;
    EXPECT_NE(ar.error().message.find(c.message_part), std::string::npos)
        << c.input << " -> " << ar.error().message;
  }
}

TEST(AuthresParse, OffsetsCountTheFieldName) {
  auto ar = parse("Authentication-Results: ;none");
  ASSERT_FALSE(ar.has_value());
  EXPECT_NE(ar.error().message.find("at offset 24"), std::string::npos) << ar.error().message;
}

// --- limits and hostile input ---------------------------------------------------

void expect_limit(const Result<AuthResults>& ar, std::string_view limit_name) {
  ASSERT_FALSE(ar.has_value());
  EXPECT_EQ(ar.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_NE(ar.error().message.find(limit_name), std::string::npos) << ar.error().message;
}

TEST(AuthresLimits, InputBytes) {
  std::string big = "example.com; spf=pass smtp.mailfrom=" + std::string(1024 * 1024, 'a');
  expect_limit(parse(big), "max_input_bytes=65536");
  ParseLimits small;
  small.max_input_bytes = 20;
  expect_limit(parse("example.com; spf=pass smtp.mailfrom=a.example", small), "max_input_bytes=20");
  small.max_input_bytes = 2 * 1024 * 1024;
  EXPECT_TRUE(parse(big, small).has_value());
}

TEST(AuthresLimits, Results) {
  std::string text = "example.com";
  for (int i = 0; i < 257; ++i) text += "; spf=pass";
  expect_limit(parse(text), "max_results=256");
  ParseLimits limits;
  limits.max_results = 2;
  EXPECT_TRUE(parse("example.com; a=pass; b=pass; none; x.example", limits).has_value());
  expect_limit(parse("example.com; a=pass; b=pass; c=pass", limits), "max_results=2");
}

TEST(AuthresLimits, Properties) {
  std::string text = "example.com; dkim=pass";
  for (int i = 0; i < 65; ++i) text += " header.d=a.example";
  expect_limit(parse(text), "max_properties=64");
  ParseLimits limits;
  limits.max_properties = 1;
  // The reasonspec is not a property.
  EXPECT_TRUE(parse("example.com; dkim=pass reason=ok header.d=a", limits).has_value());
  expect_limit(parse("example.com; dkim=pass header.d=a header.s=b", limits), "max_properties=1");
}

TEST(AuthresLimits, CommentDepth) {
  ParseLimits limits;
  limits.max_comment_depth = 2;
  EXPECT_TRUE(parse("example.com (a (b)); none", limits).has_value());
  expect_limit(parse("example.com (a (b (c))); none", limits), "max_comment_depth=2");
}

TEST(AuthresHostile, TenThousandNestedComments) {
  std::string text = "example.com " + std::string(10000, '(') + std::string(10000, ')') + "; none";
  expect_limit(parse(text), "max_comment_depth=32");
  // Unbalanced the other way: still bounded, still an error.
  expect_limit(parse("example.com " + std::string(10000, '(')), "max_comment_depth=32");
  EXPECT_EQ(parse("example.com " + std::string(10000, ')')).error().kind, ErrorKind::kInvalidInput);
}

TEST(AuthresHostile, ManyFlatCommentsAndPiecesAreLinear) {
  ParseLimits limits;
  limits.max_input_bytes = 2 * 1024 * 1024;
  std::string comments = "example.com";
  while (comments.size() < 1024 * 1024) comments += " (x)";
  EXPECT_TRUE(parse(comments + "; none", limits).has_value());
  std::string semicolons = "example.com" + std::string(1024 * 1024, ';');
  EXPECT_TRUE(parse(semicolons, limits).has_value());
}

TEST(AuthresHostile, NulBytes) {
  EXPECT_FALSE(parse(std::string(100, '\0')).has_value());
  EXPECT_FALSE(parse(std::string("exam\0ple.com; none", 18)).has_value());
  EXPECT_FALSE(parse(std::string("example.com; spf=pass (a\0b)", 27)).has_value());
  EXPECT_FALSE(parse(std::string("example.com; spf=pass x=\"a\0b\"", 29)).has_value());
}

TEST(AuthresHostile, OneMegabyteOfNoise) {
  std::string noise;
  std::uint32_t state = 2463534242u;
  for (std::size_t i = 0; i < 1024 * 1024; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    noise.push_back(static_cast<char>(state));
  }
  expect_limit(parse(noise), "max_input_bytes");
  ParseLimits limits;
  limits.max_input_bytes = noise.size();
  EXPECT_FALSE(parse(noise, limits).has_value());  // control characters, at least
}

// --- the header we write ----------------------------------------------------------

HeaderBuilder contoso() {
  HeaderBuilder ar("mx.example.net");
  ar.add("spf", "pass", {{"smtp", "mailfrom", "contoso.com"}});
  ar.add("dkim", "pass",
         {{"header", "d", "contoso.com"},
          {"header", "s", "selector1"},
          {"header", "a", "rsa-sha256"},
          {"header", "b", "AbCdEfGh"}});
  ar.add("dmarc", "fail", {{"", "action", "oreject"}, {"header", "from", "contoso.com"}});
  ar.add("compauth", "none", {}, "451");
  return ar;
}

TEST(AuthresBuilder, MicrosoftStyleExactText) {
  EXPECT_EQ(contoso().field(),
            "Authentication-Results: mx.example.net;\r\n"
            "\tspf=pass smtp.mailfrom=contoso.com;\r\n"
            "\tdkim=pass header.d=contoso.com header.s=selector1 header.a=rsa-sha256 header.b=AbCdEfGh;\r\n"
            "\tdmarc=fail action=oreject header.from=contoso.com;\r\n"
            "\tcompauth=none reason=451\r\n");
  EXPECT_EQ(contoso().value(),
            "mx.example.net;\r\n\tspf=pass smtp.mailfrom=contoso.com;\r\n\tdkim=pass "
            "header.d=contoso.com header.s=selector1 header.a=rsa-sha256 header.b=AbCdEfGh;\r\n\t"
            "dmarc=fail action=oreject header.from=contoso.com;\r\n\tcompauth=none reason=451");
}

TEST(AuthresBuilder, LfLineEndings) {
  HeaderBuilder ar("mx.example.net");
  ar.add("spf", "pass", {{"smtp", "mailfrom", "a.example"}}).add("dkim", "none");
  EXPECT_EQ(ar.field("\n"),
            "Authentication-Results: mx.example.net;\n\tspf=pass smtp.mailfrom=a.example;\n\tdkim=none\n");
}

TEST(AuthresBuilder, RulesWrittenForMicrosoftMatchUnfoldedText) {
  // RFC 5322 §2.2.3 unfolding removes the line breaks, keeps the TAB.
  std::string unfolded = std::regex_replace(contoso().field(), std::regex("\r\n"), "");
  EXPECT_TRUE(std::regex_search(unfolded, std::regex("dmarc=fail action=oreject")));
  EXPECT_TRUE(std::regex_search(unfolded, std::regex("compauth=none reason=451")));
  EXPECT_TRUE(std::regex_search(unfolded, std::regex("spf=pass smtp\\.mailfrom=contoso\\.com")));
}

TEST(AuthresBuilder, NoResults) {
  EXPECT_EQ(HeaderBuilder("mx.example.net").value(), "mx.example.net; none");
  HeaderBuilder only_invalid("mx.example.net");
  only_invalid.add("", "pass").add("();", "pass");
  EXPECT_EQ(only_invalid.value(), "mx.example.net; none");
}

TEST(AuthresBuilder, QuotingAndComments) {
  HeaderBuilder ar("mx.example.net");
  ar.add("auth", "pass", {{"smtp", "auth", "user@example.net"}});
  ar.add("spf", "", {{"smtp", "mailfrom", ""}});
  ar.add("dkim", "fail",
         {{"header", "i", "@a.example"}, {"header", "b", "a b"}, {"x", "y", "a@b@c"},
          {"x", "z", "trailing@"}, {"x", "q", "say \"hi\" \\o/"}},
         "bad signature", "key (2048 bits) \\ ok");
  EXPECT_EQ(ar.value(),
            "mx.example.net;\r\n"
            "\tauth=pass smtp.auth=user@example.net;\r\n"
            "\tspf=none smtp.mailfrom=\"\";\r\n"
            "\tdkim=fail reason=\"bad signature\" header.i=@a.example header.b=\"a b\" "
            "x.y=\"a@b@c\" x.z=\"trailing@\" x.q=\"say \\\"hi\\\" \\\\o/\" "
            "(key \\(2048 bits\\) \\\\ ok)");
}

TEST(AuthresBuilder, NamesKeepOnlyKeywordCharacters) {
  HeaderBuilder ar("mx.example.net");
  ar.add("d kim;", "pa ss;", {{"hea der", "d;x", "a.example"}, {"x", ";", "dropped"}});
  EXPECT_EQ(ar.value(), "mx.example.net;\r\n\tdkim=pass header.dx=a.example");
}

// No input may produce a line break other than our own folds.
void expect_single_field(const std::string& field) {
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\r') {
      ASSERT_EQ(field.substr(i, 2), "\r\n") << field;
      ASSERT_TRUE(i + 2 == field.size() || field[i + 2] == '\t') << field;
    }
    if (field[i] == '\n') {
      ASSERT_TRUE(i > 0 && field[i - 1] == '\r') << field;
    }
    ASSERT_TRUE(static_cast<unsigned char>(field[i]) >= 0x20 || field[i] == '\r' ||
                field[i] == '\n' || field[i] == '\t')
        << "control byte " << int(field[i]);
  }
  std::string message = field + "\r\nbody\r\n";
  auto m = Message::parse(message);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->headers().size(), 1u) << field;
  EXPECT_TRUE(m->headers()[0].has_name("Authentication-Results"));
}

TEST(AuthresBuilder, InjectionIsImpossible) {
  const std::string evil = "contoso.com\r\nX-Evil: 1";
  HeaderBuilder ar("mx.example.net\r\nX-Evil: 0");
  ar.add("spf\r\nX-Evil: 2", "pass\r\nX-Evil: 3", {{"smtp", "mailfrom", evil}},
         "because\r\nX-Evil: 4", "comment\r\nX-Evil: 5\n\r\0");
  ar.add("dkim", "pass", {{"header\r\n", "d\n", "a.example; dmarc=pass"}, {"", "x", std::string("nul\0\x1b\x7f", 6)}});
  ar.add("dmarc", "fail", {{"header", "from", "a.example\nX-Evil: 6"}});
  const std::string field = ar.field();
  expect_single_field(field);
  EXPECT_EQ(field.find("\r\nX-Evil"), std::string::npos);
  EXPECT_EQ(field.find("\nX-Evil"), std::string::npos);
  // The values survive, their line breaks turned to spaces, and ';' cannot
  // start a resinfo of the attacker's choosing.
  auto back = parse(field);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->authserv_id, "mx.example.net  X-Evil: 0");
  ASSERT_EQ(back->results.size(), 3u);
  EXPECT_EQ(back->results[0].method, "spfX-Evil2");
  EXPECT_EQ(back->results[0].result, "passX-Evil3");
  EXPECT_EQ(back->results[0].reason, "because  X-Evil: 4");
  EXPECT_EQ(back->results[0].find("smtp", "mailfrom")->value, "contoso.com  X-Evil: 1");
  EXPECT_EQ(back->results[1].find("header", "d")->value, "a.example; dmarc=pass");
  EXPECT_EQ(back->results[1].find("", "x")->value, "nul   ");
  EXPECT_EQ(back->results[2].find("header", "from")->value, "a.example X-Evil: 6");
}

void expect_same_results(const AuthResults& a, const AuthResults& b) {
  EXPECT_EQ(a.authserv_id, b.authserv_id);
  ASSERT_EQ(a.results.size(), b.results.size());
  for (std::size_t i = 0; i < a.results.size(); ++i) {
    EXPECT_EQ(a.results[i].method, b.results[i].method) << i;
    EXPECT_EQ(a.results[i].result, b.results[i].result) << i;
    EXPECT_EQ(a.results[i].reason, b.results[i].reason) << i;
    EXPECT_EQ(a.results[i].properties, b.results[i].properties) << i;
  }
}

HeaderBuilder rebuild(const AuthResults& ar) {
  HeaderBuilder out(ar.authserv_id);
  for (const ResInfo& r : ar.results) out.add(r.method, r.result, r.properties, r.reason, "a comment");
  return out;
}

TEST(AuthresBuilder, RoundTrip) {
  auto back = parse(contoso().value());
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(summary(*back),
            "mx.example.net: spf=pass smtp.mailfrom=[contoso.com]; dkim=pass header.d=[contoso.com] "
            "header.s=[selector1] header.a=[rsa-sha256] header.b=[AbCdEfGh]; dmarc=fail "
            "action=[oreject] header.from=[contoso.com]; compauth=none reason=[451];");

  const std::vector<std::string> inputs = {
      "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.com; dkim=pass (signature was "
      "verified) header.d=contoso.com;dmarc=fail action=oreject header.from=contoso.com;"
      "compauth=none reason=451",
      "\"quoted id\" 1; iprev=pass policy.iprev=2001:db8::1; dkim=pass header.b=\"a\\\"b\\\\c\tд\"",
      "mta1.mail.yahoo.com from=a.example; dkim=pass (ok)",
      "example.com; x=pass reason=\"\" reason=second; y=pass reason=first reason=second",
      "example.com; a=pass address=thisisa=test@example.com path=/x/y empty=",
  };
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    auto first = parse(input);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    const std::string emitted = rebuild(*first).field();
    expect_single_field(emitted);
    auto second = parse(emitted);
    ASSERT_TRUE(second.has_value()) << second.error().message << "\n" << emitted;
    expect_same_results(*first, *second);
  }
}

// --- forged fields (RFC 8601 §5) -------------------------------------------------

constexpr const char* kForgedMessage =
    "Return-Path: <a@a.example>\r\n"                                                   // 0
    "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=a.example\r\n"      // 1 ours
    "Received: from x by y\r\n"                                                        // 2
    "authentication-results: MX.Example.NET.;\r\n\tdkim=pass header.d=a.example\r\n"   // 3 ours, case + dot
    "Authentication-Results: other.example; dmarc=pass header.from=a.example\r\n"      // 4
    "Authentication-Results: (sneaky) \"mx.example.net\"; dmarc=pass\r\n"              // 5 ours, quoted
    "Authentication-Results: mx.example.net; dkim = = broken (\r\n"                    // 6 ours, unparseable
    "Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example\r\n"  // 7 MS
    "ARC-Authentication-Results: i=1; mx.example.net; spf=pass\r\n"                   // 8 not A-R
    "Authentication-Results: mx.example.network; spf=pass\r\n"                         // 9 other
    "Authentication-Results: mx.example.net\r\n"                                       // 10 ours, bare
    "Subject: Authentication-Results: mx.example.net; spf=pass\r\n"                    // 11
    "\r\n"
    "Authentication-Results: mx.example.net; in the body\r\n";

TEST(AuthresForged, FindsOurIdInEveryDisguise) {
  auto m = Message::parse(kForgedMessage);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->headers().size(), 12u);
  EXPECT_EQ(find_claiming(*m, "mx.example.net"), (std::vector<std::size_t>{1, 3, 5, 6, 10}));
  EXPECT_EQ(find_claiming(*m, "MX.EXAMPLE.NET."), (std::vector<std::size_t>{1, 3, 5, 6, 10}));
  EXPECT_EQ(find_claiming(*m, "other.example"), (std::vector<std::size_t>{4}));
  EXPECT_TRUE(find_claiming(*m, "").empty());
  EXPECT_TRUE(find_claiming(*m, ".").empty());
  EXPECT_TRUE(find_claiming(*m, "example.net").empty());
}

TEST(AuthresForged, SameAuthservId) {
  EXPECT_TRUE(same_authserv_id("mx.example.net", "MX.EXAMPLE.NET."));
  EXPECT_TRUE(same_authserv_id(" mx.example.net. ", "mx.example.net"));
  EXPECT_FALSE(same_authserv_id("mx.example.net", "mx.example.net.."));
  EXPECT_FALSE(same_authserv_id("", ""));
  EXPECT_FALSE(same_authserv_id("mx.example.net", "mx.example.org"));
}

TEST(AuthresForged, RemovalKeepsEveryOtherByte) {
  const std::string bytes = kForgedMessage;
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m.has_value());
  std::string out = remove_fields(bytes, *m, find_claiming(*m, "mx.example.net"));
  EXPECT_EQ(out,
            "Return-Path: <a@a.example>\r\n"
            "Received: from x by y\r\n"
            "Authentication-Results: other.example; dmarc=pass header.from=a.example\r\n"
            "Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example\r\n"
            "ARC-Authentication-Results: i=1; mx.example.net; spf=pass\r\n"
            "Authentication-Results: mx.example.network; spf=pass\r\n"
            "Subject: Authentication-Results: mx.example.net; spf=pass\r\n"
            "\r\n"
            "Authentication-Results: mx.example.net; in the body\r\n");
  // Removing nothing changes nothing; bad, repeated and unsorted indices are ignored.
  EXPECT_EQ(remove_fields(bytes, *m, {}), bytes);
  EXPECT_EQ(remove_fields(bytes, *m, {99, 3, 3, 1}), remove_fields(bytes, *m, {1, 3}));
}

TEST(AuthresForged, RemovalWithBareLfAndLastFieldWithoutBody) {
  const std::string bytes =
      "From: a@a.example\n"
      "Authentication-Results: mx.example.net;\n spf=pass\n"
      "Authentication-Results: mx.example.net; none";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m.has_value());
  auto claimed = find_claiming(*m, "mx.example.net");
  EXPECT_EQ(claimed, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(remove_fields(bytes, *m, claimed), "From: a@a.example\n");
}

TEST(AuthresForged, OtherBufferIsNotCut) {
  const std::string bytes = "Authentication-Results: mx.example.net; none\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m.has_value());
  const std::string other = "X-Other: something else entirely\r\n\r\n";
  EXPECT_EQ(remove_fields(other, *m, {0}), other);
}

}  // namespace
}  // namespace authguard::authres
