// address_test.cc: unit tests for RFC 5322 address lists and author domains.
#include "message/address.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "message/message.h"

namespace authguard {
namespace {

using namespace std::string_literals;

struct Expected {
  std::string display_name;
  std::string local_part;
  std::string domain;
  bool literal = false;
};

struct ValidCase {
  const char* label;
  std::string input;
  std::vector<Expected> mailboxes;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.label; }

class AddressValid : public testing::TestWithParam<ValidCase> {};

TEST_P(AddressValid, ParsesEveryMailbox) {
  const ValidCase& c = GetParam();
  auto list = parse_address_list(c.input);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), c.mailboxes.size());
  for (std::size_t i = 0; i < c.mailboxes.size(); ++i) {
    const Mailbox& got = (*list)[i];
    const Expected& want = c.mailboxes[i];
    EXPECT_EQ(got.display_name, want.display_name) << i;
    EXPECT_EQ(got.local_part, want.local_part) << i;
    EXPECT_EQ(got.domain, want.domain) << i;
    EXPECT_EQ(got.domain_literal, want.literal) << i;
    if (want.literal) {
      EXPECT_TRUE(got.domain_name.empty());
    } else {
      auto reparsed = DomainName::parse(want.domain);
      ASSERT_TRUE(reparsed);
      EXPECT_EQ(got.domain_name, *reparsed);
      EXPECT_EQ(got.domain_name.str(), want.domain);
    }
  }
}

// RFC 5322 Appendix A examples are cited by section.
INSTANTIATE_TEST_SUITE_P(
    address, AddressValid,
    testing::Values(
        ValidCase{"BareAddrSpec", "a@example.com", {{"", "a", "example.com"}}},
        ValidCase{"AngleOnly", "<a@example.com>", {{"", "a", "example.com"}}},
        ValidCase{"DisplayName", "John Doe <jdoe@machine.example>",
                  {{"John Doe", "jdoe", "machine.example"}}},
        ValidCase{"QuotedDisplayWithComma", "\"Joe Q. Public\" <john.q.public@example.com>",
                  {{"Joe Q. Public", "john.q.public", "example.com"}}},
        ValidCase{"QuotedPairsInDisplay", R"("a \"b\" \\ c" <x@example.com>)",
                  {{R"(a "b" \ c)", "x", "example.com"}}},
        ValidCase{"EmptyQuotedDisplay", "\"\" <x@example.com>", {{"", "x", "example.com"}}},
        ValidCase{"UnquotedDotsInDisplayA61", "Joe Q. Public <john.q.public@example.com>",
                  {{"Joe Q. Public", "john.q.public", "example.com"}}},
        ValidCase{"DisplayWordsJoinedOverComments", "John(middle)Doe <j@example.com>",
                  {{"John Doe", "j", "example.com"}}},
        ValidCase{"MixedQuotedAndAtoms", "Dr. \"J. R.\"  Smith <j@example.com>",
                  {{"Dr. J. R. Smith", "j", "example.com"}}},
        ValidCase{"CommentsEverywhereA5",
                  R"(Pete(A nice \) chap) <pete(his account)@silly.test(his host)>)",
                  {{"Pete", "pete", "silly.test"}}},
        ValidCase{"TwoMailboxes", "a@example.com, Bob <b@example.org>",
                  {{"", "a", "example.com"}, {"Bob", "b", "example.org"}}},
        ValidCase{"GroupA13", "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
                  {{"Ed Jones", "c", "a.test"}, {"", "joe", "where.test"},
                   {"John", "jdoe", "one.test"}}},
        ValidCase{"EmptyGroupA13", "Undisclosed recipients:;", {}},
        ValidCase{"GroupWithCommentsA5",
                  "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,"
                  "\r\n         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); "
                  "(the end of the group)",
                  {{"Chris Jones", "c", "public.example"}, {"", "joe", "example.org"},
                   {"John", "jdoe", "one.test"}}},
        ValidCase{"EmptyGroupWithCommentsA5",
                  "(Empty list)(start)Hidden recipients  :(nobody(here))\r\n;", {}},
        ValidCase{"GroupThenMailbox", "g: a@x.example;, b@y.example",
                  {{"", "a", "x.example"}, {"", "b", "y.example"}}},
        ValidCase{"GroupWithoutFinalSemicolon", "grp: a@x.example, b@y.example",
                  {{"", "a", "x.example"}, {"", "b", "y.example"}}},
        ValidCase{"UndisclosedWithoutSemicolon", "undisclosed-recipients:", {}},
        ValidCase{"ObsRouteAndEmptyElementsA62",
                  "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
                  {{"Mary Smith", "mary", "example.net"}, {"", "jdoe", "test.example"}}},
        ValidCase{"ObsRouteTwoHops", "<@route1.example,@route2.example:user@domain.example>",
                  {{"", "user", "domain.example"}}},
        ValidCase{"ObsRouteLeadingCommas", "<,@r.example,,@s.example:u@d.example>",
                  {{"", "u", "d.example"}}},
        ValidCase{"ObsDomainWithCommentA63", "John Doe <jdoe@machine(comment).  example>",
                  {{"John Doe", "jdoe", "machine.example"}}},
        ValidCase{"ObsLocalPartWithCfws", "john (c) . smith @ example . com",
                  {{"", "john.smith", "example.com"}}},
        ValidCase{"QuotedLocalPart", "\"john smith\"@example.com",
                  {{"", "\"john smith\"", "example.com"}}},
        ValidCase{"QuotedLocalPartWithPairs", R"("a\"b"@example.com)",
                  {{"", R"("a\"b")", "example.com"}}},
        ValidCase{"MixedObsLocalPart", "\"a\".b@example.com", {{"", "\"a\".b", "example.com"}}},
        ValidCase{"TrailingDotInLocalPart", "john.@docomo.ne.jp", {{"", "john.", "docomo.ne.jp"}}},
        ValidCase{"DoubleDotInLocalPart", "a..b@example.com", {{"", "a..b", "example.com"}}},
        ValidCase{"DomainLiteralV4", "user@[192.0.2.1]", {{"", "user", "192.0.2.1", true}}},
        ValidCase{"DomainLiteralV6", "Name <user@[IPv6:2001:db8::1]>",
                  {{"Name", "user", "IPv6:2001:db8::1", true}}},
        ValidCase{"DomainLiteralWithSpaces", "user@[ 192.0.2.1 ]", {{"", "user", "192.0.2.1", true}}},
        ValidCase{"DomainLiteralEscapedSpaceKept", R"(user@[ a\  ])",
                  {{"", "user", R"(a\ )", true}}},
        ValidCase{"TrailingDotInDomain", "a@Example.COM.", {{"", "a", "Example.COM"}}},
        ValidCase{"CaseKept", "A@Mail.Example.COM", {{"", "A", "Mail.Example.COM"}}},
        ValidCase{"EncodedWordKept", "=?utf-8?q?J=C3=B6rg?= <j@example.com>",
                  {{"=?utf-8?q?J=C3=B6rg?=", "j", "example.com"}}},
        ValidCase{"Utf8Everywhere", "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>",
                  {{"J\xc3\xb6rg", "j\xc3\xb6rg", "b\xc3\xbc" "cher.example"}}},
        ValidCase{"EmptyElements", ",a@x.example,,b@y.example,",
                  {{"", "a", "x.example"}, {"", "b", "y.example"}}},
        ValidCase{"FoldedInput", "Mary Smith\r\n  \r\n <mary@example.net>",
                  {{"Mary Smith", "mary", "example.net"}}},
        ValidCase{"TrailingComment", "a@example.com (Alice)", {{"", "a", "example.com"}}},
        ValidCase{"AtInQuotedDisplay", "\"victim@bank.example\" <x@evil.example>",
                  {{"victim@bank.example", "x", "evil.example"}}},
        ValidCase{"UnderscoreDomain", "a@_dmarc.example.com", {{"", "a", "_dmarc.example.com"}}},
        ValidCase{"EmptyInput", "", {}},
        ValidCase{"OnlyCfws", "  (nothing) \t", {}}),
    [](const testing::TestParamInfo<ValidCase>& info) { return std::string(info.param.label); });

struct RejectCase {
  const char* label;
  std::string input;
  std::string message_part;
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.label; }

class AddressRejected : public testing::TestWithParam<RejectCase> {};

TEST_P(AddressRejected, IsInvalidInput) {
  const RejectCase& c = GetParam();
  auto list = parse_address_list(c.input);
  ASSERT_FALSE(list) << "parsed " << list->size() << " mailboxes";
  EXPECT_EQ(list.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(list.error().message.find(c.message_part), std::string::npos) << list.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    address, AddressRejected,
    testing::Values(
        // Anything that could be read as a second, hidden author.
        RejectCase{"UnquotedCommaInDisplay", "Smith, John <j@x.example>", "word without '@'"},
        RejectCase{"BareWord", "victim.example", "word without '@'"},
        RejectCase{"AddrSpecBeforeAngle", "a@evil.example <b@victim.example>",
                   "unexpected text after address at offset 15"},
        RejectCase{"TwoAngles", "<a@evil.example> <b@victim.example>", "unexpected text"},
        RejectCase{"TwoAtSigns", "a@victim.example@evil.example", "unexpected text"},
        RejectCase{"TwoBareSpecs", "a@x.example b@y.example", "unexpected text"},
        RejectCase{"TextAfterAngle", "John <a@b.example> trailing", "unexpected text"},
        RejectCase{"StrayCloseAngle", "a@b.example>", "unexpected text"},
        RejectCase{"SemicolonOutsideGroup", "a@x.example; b@y.example", "';' outside a group"},
        RejectCase{"NestedGroup", "g1: g2: a@b.example;;", "nested group"},
        RejectCase{"GroupWithoutName", ":a@b.example;", "group without a name"},
        RejectCase{"AngleInsideAngle", "<<a@b.example>>", "missing '@'"},
        RejectCase{"DomainAfterWordsWithoutDot", "john smith@example.com", "words without '.'"},
        RejectCase{"WordsInsideAngle", "<john smith@example.com>", "words without '.'"},
        // Unbalanced delimiters.
        RejectCase{"MissingCloseAngle", "John <a@b.example", "missing '>'"},
        RejectCase{"MissingCloseAngleBeforeComma", "John <a@b.example, c@d.example",
                   "missing '>'"},
        RejectCase{"UnterminatedQuote", "\"John <a@b.example>", "unterminated quoted string"},
        RejectCase{"QuoteEndsInBackslash", "\"John\\", "unterminated quoted string"},
        RejectCase{"UnterminatedComment", "John (comment <a@b.example>", "unterminated comment"},
        RejectCase{"UnterminatedNestedComment", "a@b.example ((x)", "unterminated comment"},
        RejectCase{"StrayCloseParen", "John) <a@b.example>", "unbalanced ')'"},
        RejectCase{"UnterminatedLiteral", "a@[192.0.2.1", "unterminated domain literal"},
        RejectCase{"StrayCloseBracket", "a@192.0.2.1]", "unbalanced ']'"},
        RejectCase{"NestedLiteral", "a@[1.[2]]", "unexpected '['"},
        // Malformed addresses.
        RejectCase{"EmptyAngle", "<>", "empty address '<>'"},
        RejectCase{"EmptyLocalPart", "@example.com", "empty local part"},
        RejectCase{"OnlyDotsLocalPart", "..@example.com", "empty local part"},
        RejectCase{"MissingDomain", "a@", "missing domain"},
        RejectCase{"QuotedDomain", "a@\"example.com\"", "missing domain"},
        RejectCase{"EmptyLiteral", "a@[ ]", "empty domain literal"},
        RejectCase{"LeadingDotDomain", "a@.example.com", "missing domain"},
        RejectCase{"DoubleDotDomain", "a@example..com", "unexpected text"},
        RejectCase{"BadDomainCharacter", "a@ex!ample.com", "invalid domain"},
        RejectCase{"LongLabel", "a@" + std::string(64, 'x') + ".example", "invalid domain"},
        RejectCase{"LongDomain", "a@" + [] {
          std::string d;
          for (int i = 0; i < 60; ++i) d += "abcd.";
          return d + "example";
        }(), "invalid domain"},
        RejectCase{"AngleWithoutAt", "<user>", "missing '@'"},
        RejectCase{"BadRoute", "<@r.example u@d.example>", "invalid route"},
        RejectCase{"RouteWithoutDomain", "<,:u@d.example>", "invalid route"},
        RejectCase{"LiteralBeforeAt", "[192.0.2.1]@x.example", "unexpected '['"},
        RejectCase{"BackslashOutsideQuotes", "John \\ <a@b.example>", "backslash"},
        // NUL and control bytes.
        RejectCase{"NulInAtom", "a\0b@example.com"s, "control character at offset 1"},
        RejectCase{"NulInQuoted", "\"a\0\"@example.com"s, "NUL byte in quoted string"},
        RejectCase{"NulInComment", "a@example.com (x\0)"s, "NUL byte in comment"},
        RejectCase{"NulAfterBackslash", "\"a\\\0\"@example.com"s, "NUL byte in quoted string"},
        RejectCase{"NulInLiteral", "a@[1.2\0]"s, "NUL byte in domain literal"},
        RejectCase{"ControlByte", "a\x01@example.com", "control character"},
        RejectCase{"DelByte", "a\x7f@example.com", "control character"}),
    [](const testing::TestParamInfo<RejectCase>& info) { return std::string(info.param.label); });

// --- CVE-2019-16378: several authors in one From ------------------------------

TEST(address, MultipleAuthorsAreAllReturned) {
  auto list = parse_address_list("a@evil.example, b@victim.example");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].domain, "evil.example");
  EXPECT_EQ((*list)[1].domain, "victim.example");

  const AuthorDomains authors = summarize_authors(std::move(*list), 1);
  EXPECT_EQ(authors.shape, AuthorShape::kSeveralDomains);
  ASSERT_EQ(authors.distinct_domains.size(), 2u);
  EXPECT_EQ(authors.distinct_domains[0].str(), "evil.example");
  EXPECT_EQ(authors.distinct_domains[1].str(), "victim.example");
}

TEST(address, AuthorsHiddenInAGroupAreReturned) {
  auto list = parse_address_list("friends: a@evil.example, Bank <b@victim.example>;");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].domain, "victim.example");
}

// --- mailbox-list and single mailbox ------------------------------------------

TEST(address, MailboxListRejectsGroups) {
  auto list = parse_mailbox_list("a@x.example, g: b@y.example;");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(list.error().message.find("group syntax in a mailbox-list"), std::string::npos);

  auto ok = parse_mailbox_list("Mary <m@x.example>, b@y.example");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 2u);
}

TEST(address, ParseMailboxWantsExactlyOne) {
  auto one = parse_mailbox(" Sender Name <s@example.com>");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->display_name, "Sender Name");
  EXPECT_EQ(one->addr_spec(), "s@example.com");

  auto two = parse_mailbox("a@x.example, b@y.example");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().message, "expected exactly one mailbox, found 2");

  auto none = parse_mailbox("  ");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "expected exactly one mailbox, found 0");

  EXPECT_FALSE(parse_mailbox("g: a@x.example;"));
}

TEST(address, AddrSpecRoundTrips) {
  for (const char* input : {"a@example.com", "\"x y\".z@example.com", "u@[IPv6:2001:db8::1]",
                            "john.@docomo.ne.jp"}) {
    auto first = parse_address_list(input);
    ASSERT_TRUE(first) << input;
    ASSERT_EQ(first->size(), 1u);
    const std::string spec = first->front().addr_spec();
    EXPECT_EQ(spec, input);
    auto again = parse_address_list(spec);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->front().local_part, first->front().local_part);
    EXPECT_EQ(again->front().domain, first->front().domain);
  }
}

// --- hostile input -------------------------------------------------------------

TEST(address, DeeplyNestedCommentsDoNotRecurse) {
  const std::string deep = std::string(10000, '(') + std::string(10000, ')');
  auto ok = parse_address_list(deep + "a@example.com" + deep);
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ(ok->front().domain, "example.com");

  auto open = parse_address_list("a@example.com " + std::string(100000, '('));
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().message, "unterminated comment at offset 14");

  auto close = parse_address_list(std::string(100000, ')'));
  ASSERT_FALSE(close);
  EXPECT_EQ(close.error().message, "unbalanced ')' at offset 0");
}

TEST(address, ManyUnbalancedQuotesAndBrackets) {
  EXPECT_FALSE(parse_address_list(std::string(99999, '"')));
  EXPECT_FALSE(parse_address_list(std::string(50000, '<')));
  EXPECT_FALSE(parse_address_list(std::string(50000, '>')));
  EXPECT_FALSE(parse_address_list(std::string(50000, '[')));
  EXPECT_FALSE(parse_address_list("a@" + std::string(50000, '.')));
  auto commas = parse_address_list(std::string(100000, ','));
  ASSERT_TRUE(commas);
  EXPECT_TRUE(commas->empty());
}

TEST(address, MaxInputBytes) {
  AddressLimits limits;
  EXPECT_EQ(limits.max_input_bytes, 128u * 1024);
  std::string padded = "a@example.com";
  padded.resize(limits.max_input_bytes, ' ');
  EXPECT_TRUE(parse_address_list(padded));
  padded.push_back(' ');
  auto over = parse_address_list(padded);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_EQ(over.error().message, "address list input exceeds limit max_input_bytes=131072");

  limits.max_input_bytes = 5;
  auto small = parse_mailbox("a@example.com", limits);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().message, "address list input exceeds limit max_input_bytes=5");
}

TEST(address, MaxAddresses) {
  std::string list;
  for (int i = 0; i < 1000; ++i) list += "u" + std::to_string(i) + "@example.com,";
  auto ok = parse_address_list(list);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 1000u);
  auto over = parse_address_list(list + "x@example.com");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_EQ(over.error().message, "address count exceeds limit max_addresses=1000");

  AddressLimits limits;
  limits.max_addresses = 2;
  EXPECT_TRUE(parse_address_list("g: a@x.example, b@x.example;", limits));
  auto group = parse_address_list("g: a@x.example, b@x.example, c@x.example;", limits);
  ASSERT_FALSE(group);
  EXPECT_EQ(group.error().message, "address count exceeds limit max_addresses=2");
}

// --- authors of a message ------------------------------------------------------

Result<AuthorDomains> authors_of(const std::string& headers) {
  auto m = Message::parse(headers);
  if (!m) return std::unexpected(m.error());
  return parse_authors(*m);
}

TEST(address, AuthorsWithoutFromField) {
  auto a = authors_of("Subject: x\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->from_fields, 0u);
  EXPECT_EQ(a->shape, AuthorShape::kNone);
  EXPECT_TRUE(a->mailboxes.empty());
}

TEST(address, AuthorsFromEmptyGroup) {
  auto a = authors_of("From: undisclosed-recipients:;\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->from_fields, 1u);
  EXPECT_EQ(a->shape, AuthorShape::kNone);
  EXPECT_TRUE(a->distinct_domains.empty());
}

TEST(address, SingleAuthorFromFoldedField) {
  auto a = authors_of("From: \"Alice\r\n Example\" <alice@Example.COM>\r\nTo: b@x.example\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->from_fields, 1u);
  EXPECT_EQ(a->shape, AuthorShape::kSingle);
  ASSERT_EQ(a->mailboxes.size(), 1u);
  EXPECT_EQ(a->mailboxes[0].display_name, "Alice Example");
  ASSERT_EQ(a->distinct_domains.size(), 1u);
  EXPECT_EQ(a->distinct_domains[0], *DomainName::parse("example.com"));
  EXPECT_FALSE(a->has_domain_literal);
}

TEST(address, SeveralAuthorsInOneDomainCompareCaseInsensitively) {
  auto a = authors_of("From: a@example.com, B <b@EXAMPLE.com.>\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->shape, AuthorShape::kSeveralOneDomain);
  EXPECT_EQ(a->mailboxes.size(), 2u);
  ASSERT_EQ(a->distinct_domains.size(), 1u);
  EXPECT_EQ(a->distinct_domains[0].str(), "example.com");
}

TEST(address, SubdomainIsADifferentDomain) {
  // Organizational-domain alignment is DMARC's business; here they differ.
  auto a = authors_of("From: a@mail.example.com, b@example.com\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->shape, AuthorShape::kSeveralDomains);
  EXPECT_EQ(a->distinct_domains.size(), 2u);
}

TEST(address, SeveralFromFieldsAreAllRead) {
  auto a = authors_of("From: a@evil.example\r\nSubject: x\r\nFrom: b@victim.example\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->from_fields, 2u);
  EXPECT_EQ(a->shape, AuthorShape::kSeveralDomains);
  ASSERT_EQ(a->mailboxes.size(), 2u);
  EXPECT_EQ(a->mailboxes[0].domain, "evil.example");
  EXPECT_EQ(a->mailboxes[1].domain, "victim.example");
}

TEST(address, SameDomainInTwoFromFieldsIsStillTwoFields) {
  auto a = authors_of("From: a@example.com\r\nFrom: a@example.com\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->from_fields, 2u);
  EXPECT_EQ(a->shape, AuthorShape::kSeveralOneDomain);
}

TEST(address, DomainLiteralAuthors) {
  auto a = authors_of("From: a@[192.0.2.1]\r\n\r\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->shape, AuthorShape::kSingle);
  EXPECT_TRUE(a->has_domain_literal);
  EXPECT_TRUE(a->distinct_domains.empty());

  auto mixed = authors_of("From: a@[192.0.2.1], b@example.com\r\n\r\n");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->shape, AuthorShape::kSeveralDomains);
  EXPECT_EQ(mixed->distinct_domains.size(), 1u);

  auto same = authors_of("From: a@[192.0.2.1], b@[192.0.2.1]\r\n\r\n");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->shape, AuthorShape::kSeveralOneDomain);
}

TEST(address, AuthorParseErrorIsAnError) {
  auto a = authors_of("From: a@example.com\r\nFrom: Smith, John <j@example.com>\r\n\r\n");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, ErrorKind::kInvalidInput);
}

TEST(address, AuthorLimitCountsAllFromFields) {
  std::string value;
  for (int i = 0; i < 600; ++i) value += "u" + std::to_string(i) + "@example.com,";
  const std::string bytes = "From: " + value + "\r\nFrom: " + value + "\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  auto a = parse_authors(*m);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_EQ(a.error().message, "address count exceeds limit max_addresses=1000");
}

}  // namespace
}  // namespace authguard
