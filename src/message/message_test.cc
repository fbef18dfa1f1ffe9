// message_test.cc: unit tests for Message, the RFC 5322 header scanner.
#include "message/message.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authguard {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

// Every field's views must be cut from the buffer at its own offsets, and
// fields must follow each other without gaps.
void expect_consistent(const Message& m) {
  const std::string_view bytes = m.bytes();
  const std::vector<HeaderField>& fields = m.headers();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const HeaderField& f = fields[i];
    ASSERT_LE(f.offset, f.end);
    ASSERT_LE(f.end, bytes.size());
    EXPECT_EQ(f.raw, bytes.substr(f.offset, f.end - f.offset));
    EXPECT_EQ(f.raw.data(), bytes.data() + f.offset);
    EXPECT_EQ(f.name.data(), f.raw.data());
    EXPECT_GE(f.value.data(), f.raw.data());
    EXPECT_LE(f.value.data() + f.value.size(), f.raw.data() + f.raw.size());
    if (i > 0) {
      EXPECT_EQ(f.offset, fields[i - 1].end) << "fields must be contiguous";
    }
  }
  if (!fields.empty()) {
    EXPECT_EQ(m.header_end(), fields.back().end);
  }
  EXPECT_LE(m.header_end(), m.body_offset());
  EXPECT_EQ(m.body(), bytes.substr(m.body_offset()));
}

TEST(message, ParsesCrlfMessage) {
  const std::string bytes =
      "From: Alice <alice@example.com>\r\n"
      "To: bob@example.org\r\n"
      "Subject: hello\r\n"
      "\r\n"
      "Hi Bob.\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->headers().size(), 3u);
  EXPECT_EQ(m->headers()[0].name, "From");
  EXPECT_EQ(m->headers()[0].value, " Alice <alice@example.com>");
  EXPECT_EQ(m->headers()[0].raw, "From: Alice <alice@example.com>\r\n");
  EXPECT_EQ(m->headers()[1].name, "To");
  EXPECT_EQ(m->headers()[2].value, " hello");
  EXPECT_EQ(m->line_ending(), LineEnding::kCrlf);
  EXPECT_TRUE(m->crlf());
  EXPECT_TRUE(m->has_body());
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kBlankLine);
  EXPECT_EQ(m->header_end(), bytes.find("\r\n\r\n") + 2);
  EXPECT_EQ(m->body_offset(), bytes.find("Hi Bob."));
  EXPECT_EQ(m->body(), "Hi Bob.\r\n");
  EXPECT_TRUE(m->mbox_from_line().empty());
  expect_consistent(*m);
}

TEST(message, ParsesBareLfMessage) {
  const std::string bytes = "From: a@example.com\nSubject: x\n\nbody\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 2u);
  EXPECT_EQ(m->headers()[0].raw, "From: a@example.com\n");
  EXPECT_EQ(m->headers()[0].value, " a@example.com");
  EXPECT_EQ(m->line_ending(), LineEnding::kLf);
  EXPECT_FALSE(m->crlf());
  EXPECT_EQ(m->body(), "body\n");
  expect_consistent(*m);
}

TEST(message, ReportsMixedLineEndings) {
  const std::string bytes = "From: a@example.com\r\nSubject: x\n\r\nbody\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 2u);
  EXPECT_EQ(m->headers()[1].raw, "Subject: x\n");
  EXPECT_EQ(m->line_ending(), LineEnding::kMixed);
  EXPECT_EQ(m->body(), "body\n");
}

TEST(message, MixedWhenOnlyTheSeparatorDiffers) {
  const std::string bytes = "A: 1\r\nB: 2\r\n\nbody";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->line_ending(), LineEnding::kMixed);
  EXPECT_EQ(m->body(), "body");
}

TEST(message, BodyLineEndingsDoNotCount) {
  const std::string bytes = "A: 1\r\n\r\nbare\nlf\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->line_ending(), LineEnding::kCrlf);
}

TEST(message, HeadersEndingAtEndOfInputHaveNoBody) {
  const std::string bytes = "From: a@example.com\r\nSubject: x\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 2u);
  EXPECT_FALSE(m->has_body());
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kEndOfInput);
  EXPECT_EQ(m->header_end(), bytes.size());
  EXPECT_EQ(m->body_offset(), bytes.size());
  EXPECT_TRUE(m->body().empty());
  expect_consistent(*m);
}

TEST(message, LastFieldWithoutLineEnding) {
  const std::string bytes = "From: a@example.com\r\nSubject: no newline";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 2u);
  EXPECT_EQ(m->headers()[1].raw, "Subject: no newline");
  EXPECT_EQ(m->headers()[1].value, " no newline");
  EXPECT_EQ(m->headers()[1].end, bytes.size());
  EXPECT_FALSE(m->has_body());
  EXPECT_EQ(m->line_ending(), LineEnding::kCrlf);
  expect_consistent(*m);
}

TEST(message, SingleLineWithoutEndingReportsNoLineEnding) {
  auto m = Message::parse("Subject: x");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->line_ending(), LineEnding::kNone);
}

TEST(message, EmptyBodyIsABody) {
  const std::string bytes = "Subject: x\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->has_body());
  EXPECT_TRUE(m->body().empty());
  EXPECT_EQ(m->body_offset(), bytes.size());
  EXPECT_EQ(m->header_end(), bytes.size() - 2);
}

TEST(message, EmptyInput) {
  auto m = Message::parse("");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->headers().empty());
  EXPECT_FALSE(m->has_body());
  EXPECT_EQ(m->line_ending(), LineEnding::kNone);
  EXPECT_EQ(m->header_end(), 0u);
  EXPECT_EQ(m->body_offset(), 0u);
}

TEST(message, OnlyTheSeparatorLine) {
  const std::string bytes = "\r\nbody";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->headers().empty());
  EXPECT_TRUE(m->has_body());
  EXPECT_EQ(m->header_end(), 0u);
  EXPECT_EQ(m->body_offset(), 2u);
  EXPECT_EQ(m->body(), "body");
}

TEST(message, FoldedFieldKeepsFoldingInValueAndRaw) {
  const std::string bytes =
      "Subject: a long\r\n"
      "\tsubject line\r\n"
      "  continued\r\n"
      "To: b@example.org\r\n"
      "\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 2u);
  const HeaderField& s = m->headers()[0];
  EXPECT_EQ(s.raw, "Subject: a long\r\n\tsubject line\r\n  continued\r\n");
  EXPECT_EQ(s.value, " a long\r\n\tsubject line\r\n  continued");
  EXPECT_EQ(s.unfolded(), " a long\tsubject line  continued");
  EXPECT_EQ(m->headers()[1].name, "To");
  expect_consistent(*m);
}

TEST(message, UnfoldsBareLfFolding) {
  const std::string bytes = "Subject: one\n two\n\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->headers()[0].value, " one\n two");
  EXPECT_EQ(m->headers()[0].unfolded(), " one two");
}

TEST(message, ObsoleteFoldingWithWhitespaceOnlyLines) {
  // RFC 5322 §4.2: obs-FWS lets a continuation line hold only whitespace.
  const std::string bytes =
      "Subject: first\r\n"
      " \r\n"
      "\t\t\r\n"
      " last\r\n"
      "\r\n"
      "body";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->headers()[0].raw, "Subject: first\r\n \r\n\t\t\r\n last\r\n");
  EXPECT_EQ(m->headers()[0].unfolded(), " first \t\t last");
  EXPECT_EQ(m->body(), "body");
  expect_consistent(*m);
}

TEST(message, UnfoldedKeepsBareCr) {
  const std::string bytes = "Subject: a\rb\r\n c\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->headers()[0].unfolded(), " a\rb c");
}

TEST(message, BareCrDoesNotEndALine) {
  // A bare CR must not split a field: "From:" here is inside Subject's value.
  const std::string bytes = "Subject: a\rFrom: b@victim.example\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->headers()[0].value, " a\rFrom: b@victim.example");
  EXPECT_EQ(m->find_first("From"), nullptr);
}

TEST(message, ObsoleteWhitespaceBeforeColon) {
  // RFC 5322 §4.5 (obs-optional): field-name *WSP ":".
  const std::string bytes = "Subject \t: hi\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->headers()[0].name, "Subject");
  EXPECT_EQ(m->headers()[0].value, " hi");
  EXPECT_EQ(m->find_first("subject"), &m->headers()[0]);
}

TEST(message, EmptyValue) {
  const std::string bytes = "X-Empty:\r\nY:\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 2u);
  EXPECT_EQ(m->headers()[0].value, "");
  EXPECT_EQ(m->headers()[0].unfolded(), "");
  EXPECT_EQ(m->headers()[1].name, "Y");
}

TEST(message, EightBitValuesAreOpaque) {
  const std::string bytes = "Subject: Gr\xc3\xbc\xc3\x9f\x65 \xff\xfe\r\n\r\nK\xc3\xb6rper\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->headers()[0].value, " Gr\xc3\xbc\xc3\x9f\x65 \xff\xfe");
  EXPECT_EQ(m->body(), "K\xc3\xb6rper\r\n");
}

TEST(message, NulInValueIsAnOrdinaryByte) {
  const std::string bytes = "Subject: a\0b\r\nTo: c@example.org\r\n\r\nbody"s;
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 2u);
  EXPECT_EQ(m->headers()[0].value, " a\0b"sv);
  EXPECT_EQ(m->headers()[0].unfolded(), " a\0b"s);
  EXPECT_EQ(m->headers()[1].name, "To");
  expect_consistent(*m);
}

TEST(message, NulInNameEndsTheHeaderSection) {
  const std::string bytes = "Subject: a\r\nX-\0Bad: v\r\nFrom: b@example.org\r\n\r\nbody"s;
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kNonFieldLine);
  EXPECT_EQ(m->body_offset(), bytes.find("X-"));
  EXPECT_EQ(m->find_first("From"), nullptr);
}

TEST(message, NonFieldLineStartsTheBody) {
  // Postfix's rule: the garbage line is the first body line, and so is every
  // line after it, including one that looks like a header field.
  const std::string bytes =
      "From: a@evil.example\r\n"
      "this line is no header field\r\n"
      "From: b@victim.example\r\n"
      "\r\n"
      "body\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->count("From"), 1u);
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kNonFieldLine);
  EXPECT_TRUE(m->has_body());
  EXPECT_EQ(m->header_end(), bytes.find("this line"));
  EXPECT_EQ(m->body_offset(), m->header_end());
  EXPECT_TRUE(m->body().starts_with("this line is no header field\r\nFrom: b@victim"));
  expect_consistent(*m);
}

TEST(message, LeadingWhitespaceLineIsNotAContinuation) {
  const std::string bytes = " folded\r\nSubject: x\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->headers().empty());
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kNonFieldLine);
  EXPECT_EQ(m->body(), bytes);
}

TEST(message, SkipsMboxFromLineAtStart) {
  const std::string bytes =
      "From alice@example.com Mon Jan  1 00:00:00 2024\n"
      "From: alice@example.com\n"
      "\n"
      "body\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->mbox_from_line(), "From alice@example.com Mon Jan  1 00:00:00 2024");
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->headers()[0].offset, bytes.find("From:"));
  EXPECT_EQ(m->headers()[0].value, " alice@example.com");
  EXPECT_EQ(m->body(), "body\n");
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kBlankLine);
}

TEST(message, MboxFromLineLaterIsANonFieldLine) {
  const std::string bytes = "Subject: x\nFrom alice@example.com Mon Jan  1\nTo: b@x\n\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->mbox_from_line().empty());
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kNonFieldLine);
}

TEST(message, ObsoleteFromFieldIsNotTakenForAnMboxLine) {
  // "From : x" is a field (obsolete WSP before colon), never a skippable line.
  const std::string bytes = "From : a@example.com\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->mbox_from_line().empty());
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->headers()[0].name, "From");
}

TEST(message, ContinuationAfterMboxLineIsANonFieldLine) {
  const std::string bytes = "From x\n continued\nSubject: y\n\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->mbox_from_line(), "From x");
  EXPECT_TRUE(m->headers().empty());
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kNonFieldLine);
  EXPECT_EQ(m->body_offset(), 7u);
}

TEST(message, LoneCrLineIsANonFieldLine) {
  const std::string bytes = "A: 1\r\n\r\r\nB: 2\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->header_end_reason(), HeaderEnd::kNonFieldLine);
  EXPECT_EQ(m->body_offset(), 6u);
}

TEST(message, BodyIsNotScannedForFields) {
  const std::string bytes = "A: 1\r\n\r\nFrom: b@example.org\r\n\r\nSubject: no\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->headers().size(), 1u);
  EXPECT_EQ(m->find_first("From"), nullptr);
}

// Which first lines are header fields (RFC 5322 §3.6.8, §4.5; Postfix is_header).
struct FieldLineCase {
  const char* label;
  std::string line;
  bool is_field;
  std::string name;
};

void PrintTo(const FieldLineCase& c, std::ostream* os) { *os << c.label; }

class FieldLineTable : public testing::TestWithParam<FieldLineCase> {};

TEST_P(FieldLineTable, ClassifiesFirstLine) {
  const FieldLineCase& c = GetParam();
  const std::string bytes = c.line + "\r\n\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  if (c.is_field) {
    ASSERT_EQ(m->headers().size(), 1u);
    EXPECT_EQ(m->headers()[0].name, c.name);
    EXPECT_EQ(m->header_end_reason(), HeaderEnd::kBlankLine);
  } else {
    EXPECT_TRUE(m->headers().empty());
    EXPECT_EQ(m->header_end_reason(), HeaderEnd::kNonFieldLine);
    EXPECT_EQ(m->body_offset(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    message, FieldLineTable,
    testing::Values(
        FieldLineCase{"Plain", "Subject: x", true, "Subject"},
        FieldLineCase{"NoSpaceAfterColon", "Subject:x", true, "Subject"},
        FieldLineCase{"AllPrintable", "X!#$%&'*+-.^_`|~0: v", true, "X!#$%&'*+-.^_`|~0"},
        FieldLineCase{"BracketsAndQuotes", "X-\"[]<>@(),;: v", true, "X-\"[]<>@(),;"},
        FieldLineCase{"TabBeforeColon", "Subject\t: x", true, "Subject"},
        FieldLineCase{"ColonInValue", "Date: 12:34:56", true, "Date"},
        FieldLineCase{"SpaceInName", "Bad Name: x", false, ""},
        FieldLineCase{"EmptyName", ": x", false, ""},
        FieldLineCase{"NoColon", "Subject x", false, ""},
        FieldLineCase{"EightBitName", "Subj\xc3\xa9t: x", false, ""},
        FieldLineCase{"DelInName", "Sub\x7fject: x", false, ""},
        FieldLineCase{"ControlInName", "Sub\x01ject: x", false, ""},
        FieldLineCase{"NulInName", "Sub\0ject: x"s, false, ""}),
    [](const testing::TestParamInfo<FieldLineCase>& info) { return std::string(info.param.label); });

TEST(message, OffsetsMatchTheBuffer) {
  const std::string bytes =
      "From x y\r\n"
      "Received: from a\r\n\tby b\r\n"
      "DKIM-Signature: v=1; a=rsa-sha256;\r\n b=abc\r\n   def\r\n"
      "Subject : obsolete\n"
      "X-Empty:\r\n"
      "To: c@example.org\r\n"
      "\r\n"
      "body\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->headers().size(), 5u);
  std::size_t expected_offset = bytes.find("Received");
  for (const HeaderField& f : m->headers()) {
    EXPECT_EQ(f.offset, expected_offset);
    EXPECT_EQ(f.raw, bytes.substr(f.offset, f.end - f.offset));
    EXPECT_TRUE(f.raw.starts_with(f.name));
    EXPECT_TRUE(f.raw.ends_with("\n"));
    // value is the raw text after the colon without the final line ending.
    const std::size_t colon = f.raw.find(':');
    std::string_view after = f.raw.substr(colon + 1);
    after.remove_suffix(after.ends_with("\r\n") ? 2 : 1);
    EXPECT_EQ(f.value, after);
    expected_offset = f.end;
  }
  EXPECT_EQ(m->header_end(), expected_offset);
  EXPECT_EQ(m->headers()[1].value, " v=1; a=rsa-sha256;\r\n b=abc\r\n   def");
  EXPECT_EQ(m->headers()[2].raw, "Subject : obsolete\n");
  expect_consistent(*m);
}

TEST(message, FindFirstLastAllAreCaseInsensitiveAndOrdered) {
  const std::string bytes =
      "Received: one\r\n"
      "From: a@example.com\r\n"
      "RECEIVED: two\r\n"
      "Subject: s\r\n"
      "received: three\r\n"
      "\r\n";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  auto all = m->find_all("Received");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->value, " one");
  EXPECT_EQ(all[1]->value, " two");
  EXPECT_EQ(all[2]->value, " three");
  EXPECT_EQ(all[0], &m->headers()[0]);
  EXPECT_EQ(all[1], &m->headers()[2]);
  EXPECT_EQ(all[2], &m->headers()[4]);
  EXPECT_EQ(m->find_first("rEcEiVeD"), all[0]);
  EXPECT_EQ(m->find_last("received"), all[2]);
  EXPECT_EQ(m->count("RECEIVED"), 3u);
  EXPECT_EQ(m->find_first("Cc"), nullptr);
  EXPECT_EQ(m->find_last("Cc"), nullptr);
  EXPECT_TRUE(m->find_all("Cc").empty());
  EXPECT_EQ(m->count("Cc"), 0u);
  // A prefix of a name is not the name.
  EXPECT_EQ(m->find_first("Receive"), nullptr);
  EXPECT_TRUE(m->headers()[1].has_name("FROM"));
}

TEST(message, CopiesShareTheBuffer) {
  const std::string bytes = "A: 1\r\n\r\nbody";
  auto m = Message::parse(bytes);
  ASSERT_TRUE(m);
  Message copy = *m;
  EXPECT_EQ(copy.headers()[0].raw.data(), bytes.data());
  EXPECT_EQ(copy.body(), "body");
}

// --- limits -----------------------------------------------------------------

MessageLimits tiny_limits() {
  MessageLimits l;
  l.max_message_bytes = 100;
  l.max_header_bytes = 40;
  l.max_header_count = 3;
  l.max_line_length = 20;
  return l;
}

void expect_limit(const Result<Message>& m, const std::string& text) {
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_EQ(m.error().message, text);
}

TEST(message, DefaultLimits) {
  const MessageLimits l;
  EXPECT_EQ(l.max_message_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(l.max_header_bytes, 1024u * 1024);
  EXPECT_EQ(l.max_header_count, 1000u);
  EXPECT_EQ(l.max_line_length, 64u * 1024);
}

TEST(message, MaxMessageBytes) {
  MessageLimits l = tiny_limits();
  std::string bytes = "A: 1\r\n\r\n";
  bytes.resize(100, 'x');
  EXPECT_TRUE(Message::parse(bytes, l));
  bytes.push_back('x');
  expect_limit(Message::parse(bytes, l), "message size exceeds limit max_message_bytes=100");
}

TEST(message, MaxHeaderBytesCountsTheSeparator) {
  MessageLimits l = tiny_limits();
  l.max_header_count = 100;
  // 4 fields of 9 bytes + CRLF separator = 38 bytes.
  const std::string fields = "A: 12345\nB: 12345\nC: 12345\nD: 12345\n";
  ASSERT_EQ(fields.size(), 36u);
  EXPECT_TRUE(Message::parse(fields + "\r\n", l));        // 38
  EXPECT_TRUE(Message::parse(fields + "E\tx\n\n", l));    // non-field line: not counted
  EXPECT_TRUE(Message::parse(fields + "E:\n", l));        // 39 with no body
  expect_limit(Message::parse(fields + "E: 1\n\n", l),
               "header section exceeds limit max_header_bytes=40");
  expect_limit(Message::parse(fields + " 12\n\r\n", l),  // continuation: 40 + 2
               "header section exceeds limit max_header_bytes=40");
}

TEST(message, MaxHeaderBytesDoesNotCountTheBody) {
  MessageLimits l;
  l.max_header_bytes = 16;
  const std::string bytes = "A: 1\r\n\r\n" + std::string(1000, 'b');
  EXPECT_TRUE(Message::parse(bytes, l));
}

TEST(message, MaxHeaderCount) {
  MessageLimits l;
  l.max_header_count = 3;
  EXPECT_TRUE(Message::parse("A: 1\nB: 2\nC: 3\n\nbody", l));
  EXPECT_TRUE(Message::parse("A: 1\nB: 2\nC: 3\n folded\n\n", l));
  expect_limit(Message::parse("A: 1\nB: 2\nC: 3\nD: 4\n\n", l),
               "header count exceeds limit max_header_count=3");
}

TEST(message, DefaultMaxHeaderCount) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += "X-N: " + std::to_string(i) + "\r\n";
  auto ok = Message::parse(bytes + "\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->headers().size(), 1000u);
  expect_limit(Message::parse(bytes + "X-N: 1000\r\n\r\n"),
               "header count exceeds limit max_header_count=1000");
}

TEST(message, MaxLineLength) {
  MessageLimits l;
  l.max_line_length = 20;
  const std::string line20 = "Subject: " + std::string(11, 'x');
  ASSERT_EQ(line20.size(), 20u);
  // The line ending does not count, CRLF or LF, nor at end of input.
  EXPECT_TRUE(Message::parse(line20 + "\r\n\r\n", l));
  EXPECT_TRUE(Message::parse(line20 + "\n\n", l));
  EXPECT_TRUE(Message::parse(line20, l));
  expect_limit(Message::parse(line20 + "x\r\n\r\n", l),
               "header line at offset 0 exceeds limit max_line_length=20");
  expect_limit(Message::parse(line20 + "x", l),
               "header line at offset 0 exceeds limit max_line_length=20");
  expect_limit(Message::parse("A: 1\r\n" + line20 + "xyz", l),
               "header line at offset 6 exceeds limit max_line_length=20");
  // Continuation lines are lines too.
  expect_limit(Message::parse("A: 1\r\n " + line20 + "\r\n\r\n", l),
               "header line at offset 6 exceeds limit max_line_length=20");
}

TEST(message, MaxLineLengthDoesNotApplyToTheBody) {
  MessageLimits l;
  l.max_line_length = 20;
  EXPECT_TRUE(Message::parse("A: 1\r\n\r\n" + std::string(10000, 'b') + "\r\n", l));
}

TEST(message, HugeLineWithoutNewlineFailsFast) {
  // 8 MiB of header text and no LF: the line limit stops the scan.
  const std::string bytes = "Subject: " + std::string(8 * 1024 * 1024, 'x');
  expect_limit(Message::parse(bytes), "header line at offset 0 exceeds limit max_line_length=65536");
}

TEST(message, ManyShortFieldsUpToTheHeaderByteLimit) {
  MessageLimits l;
  l.max_header_count = 1000000;
  std::string bytes;
  while (bytes.size() < 1024 * 1024 - 10) bytes += "A: b\r\n";
  bytes += "\r\n";
  ASSERT_LE(bytes.size(), l.max_header_bytes);
  auto m = Message::parse(bytes, l);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->headers().size(), (bytes.size() - 2) / 6);
}

// --- OwnedMessage -------------------------------------------------------------

TEST(message, OwnedMessageViewsSurviveMoves) {
  // A short message: a std::string member would hold it inline (SSO) and a
  // move would leave the views dangling.
  auto owned = OwnedMessage::parse("A: 1\n\nb");
  ASSERT_TRUE(owned);
  const char* data = owned->bytes().data();
  OwnedMessage moved = std::move(*owned);
  EXPECT_EQ(moved.bytes().data(), data);
  EXPECT_EQ(moved->headers()[0].raw.data(), data);
  EXPECT_EQ(moved->headers()[0].value, " 1");
  EXPECT_EQ(moved->body(), "b");

  std::vector<OwnedMessage> many;
  for (int i = 0; i < 50; ++i) {
    auto m = OwnedMessage::parse("N: " + std::to_string(i) + "\r\n\r\n");
    ASSERT_TRUE(m);
    many.push_back(std::move(*m));
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ((*many[static_cast<std::size_t>(i)]).headers()[0].value, " " + std::to_string(i));
  }
}

TEST(message, OwnedMessagePassesErrorsThrough) {
  MessageLimits l;
  l.max_message_bytes = 3;
  auto owned = OwnedMessage::parse("A: 1\r\n", l);
  ASSERT_FALSE(owned);
  EXPECT_EQ(owned.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_EQ(owned.error().message, "message size exceeds limit max_message_bytes=3");
}

}  // namespace
}  // namespace authguard
