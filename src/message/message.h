// message.h: RFC 5322 message parsing into views over one byte buffer.
//
// A message is parsed once; DKIM, DMARC and ARC then read header fields and
// the body as string_views into the caller's buffer, so nothing is copied.
// The scan is linear (memchr per line) and stops at the end of the header
// section: the body is never scanned.
//
//   Result<Message> m = Message::parse(bytes);      // bytes must outlive *m
//   if (!m) return m.error();
//   for (const HeaderField* f : m->find_all("DKIM-Signature")) verify(*f, m->body());
//
// How the header section ends (RFC 5322 §2.1, §3.5, and what Postfix does):
//   * an empty line ends it; the body starts after that line;
//   * end of input ends it; the message then has no body (has_body() false);
//   * a line that is neither a header field nor a continuation ends it too,
//     and that line is the first line of the body. This is Postfix's rule
//     (mime_state.c: "garbage in primary header" inserts a blank line and
//     switches to the body), so authguard, the signer and the recipient's
//     mailbox all see the same header fields. header_end_reason() says
//     which case happened, so a policy can be stricter.
//   * an mbox "From " line at offset 0 that is not itself a header field is
//     skipped and kept in mbox_from_line(), as Postfix's sendmail(1) does.
//
// A header field line is what Postfix's is_header() accepts and RFC 5322
// §3.6.8 / §4.5 define: a name of printable ASCII (33-126) except ':', then
// optional space or tab (obsolete syntax), then ':'. A line starting with
// space or tab continues the field before it (§2.2.3); whitespace-only
// continuation lines are obsolete folding (§4.2) and are accepted.
//
// Line endings: CRLF and bare LF both end a line; line_ending() reports which
// the header section used. A CR not followed by LF is an ordinary byte.
// 8-bit bytes are opaque. A NUL byte is an ordinary byte in a field value; a
// NUL in the name position makes the line a non-field line (see above).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace authguard {

// Every untrusted dimension of a message has a named limit. Going over one
// gives ErrorKind::kLimitExceeded with a message naming it, for example
// "header count exceeds limit max_header_count=1000".
//
//   MessageLimits limits;
//   limits.max_header_count = 200;
//   auto m = Message::parse(bytes, limits);
struct MessageLimits {
  // The whole message. Postfix's message_size_limit defaults to 10 MB; this
  // leaves room for sites that raise it.
  std::size_t max_message_bytes = 64 * 1024 * 1024;
  // The header section, counted from offset 0 to the end of the empty line
  // that separates it from the body (or to end of input).
  std::size_t max_header_bytes = 1024 * 1024;
  // Header fields in the header section.
  std::size_t max_header_count = 1000;
  // One line of the header section, without its line ending. RFC 5322
  // §2.1.1 caps lines at 998 octets, but real mail goes over it (unfolded
  // Subject and References fields from broken clients), and rejecting that
  // mail helps nobody; 64 KiB still bounds the cost of one line. It applies
  // to every line read before the body is known to start, so also to a
  // non-field line that ends the header section; body lines are not read.
  std::size_t max_line_length = 64 * 1024;
};

// One header field, as views into the message buffer.
//
//   "Subject: hello\r\n world\r\n"
//   name      "Subject"
//   value     " hello\r\n world"
//   raw       the whole text above, with the final CRLF
//   unfolded  " hello world"
struct HeaderField {
  // The field name, without whitespace before the colon (obsolete syntax).
  std::string_view name;
  // The whole field as in the buffer: name, colon, value, folding and the
  // final line ending (if the input had one).
  std::string_view raw;
  // Everything after the colon, with folding, without the final line ending.
  std::string_view value;
  // Byte offset of the field's first byte; raw == bytes.substr(offset, end - offset).
  std::size_t offset = 0;
  // Byte offset just past the field's final line ending.
  std::size_t end = 0;

  // The value with folding line breaks (CRLF or bare LF) removed, RFC 5322
  // §2.2.3; nothing else is changed.
  [[nodiscard]] std::string unfolded() const;
  // Case-insensitive comparison of the field name (RFC 5322 §1.2.2).
  [[nodiscard]] bool has_name(std::string_view other) const noexcept;
};

// The line ending the header section used.
enum class LineEnding {
  kNone,   // no line ending at all: one line at end of input
  kCrlf,   // every line ended with CRLF
  kLf,     // every line ended with a bare LF
  kMixed,  // both were seen
};

// Why the header section ended (see the banner).
enum class HeaderEnd {
  kBlankLine,     // an empty line; the body follows it
  kNonFieldLine,  // a line that is neither a field nor a continuation; it starts the body
  kEndOfInput,    // the input ended; there is no body
};

// A parsed message: header fields in order, and the body, as views into the
// caller's buffer. The buffer must outlive the Message and every view taken
// from it; use OwnedMessage when that is awkward. Copying a Message copies
// views, not bytes.
//
//   auto m = Message::parse("From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n");
//   m->find_first("from")->unfolded();   // " a@example.com"
//   m->body();                           // "body\r\n"
class Message {
 public:
  [[nodiscard]] static Result<Message> parse(std::string_view bytes,
                                             const MessageLimits& limits = {});

  // The whole buffer the message was parsed from.
  [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }

  // Header fields in the order they appear.
  [[nodiscard]] const std::vector<HeaderField>& headers() const noexcept { return headers_; }

  // The first, last, or every field with this name (case-insensitive), in
  // order; nullptr / empty when there is none. DKIM (RFC 6376 §5.4.2) picks
  // repeated fields from the last one up, hence find_last.
  [[nodiscard]] const HeaderField* find_first(std::string_view name) const noexcept;
  [[nodiscard]] const HeaderField* find_last(std::string_view name) const noexcept;
  [[nodiscard]] std::vector<const HeaderField*> find_all(std::string_view name) const;
  [[nodiscard]] std::size_t count(std::string_view name) const noexcept;

  // The skipped mbox "From " line without its line ending; empty when none.
  [[nodiscard]] std::string_view mbox_from_line() const noexcept { return mbox_from_; }

  // Offset just past the last header field: where the separating empty
  // line, the non-field line, or the end of input is.
  [[nodiscard]] std::size_t header_end() const noexcept { return header_end_; }
  // Offset of the first body byte; bytes().size() when there is no body.
  [[nodiscard]] std::size_t body_offset() const noexcept { return body_offset_; }
  // The body: everything from body_offset() on. Empty for "no body" and for
  // an empty body; has_body() tells them apart.
  [[nodiscard]] std::string_view body() const noexcept { return bytes_.substr(body_offset_); }
  // False only when the input ended inside the header section.
  [[nodiscard]] bool has_body() const noexcept { return end_reason_ != HeaderEnd::kEndOfInput; }
  [[nodiscard]] HeaderEnd header_end_reason() const noexcept { return end_reason_; }

  // Line endings of the header section, including the separating empty line.
  [[nodiscard]] LineEnding line_ending() const noexcept { return line_ending_; }
  [[nodiscard]] bool crlf() const noexcept { return line_ending_ == LineEnding::kCrlf; }

 private:
  Message() = default;

  std::string_view bytes_;
  std::vector<HeaderField> headers_;
  std::string_view mbox_from_;
  std::size_t header_end_ = 0;
  std::size_t body_offset_ = 0;
  HeaderEnd end_reason_ = HeaderEnd::kEndOfInput;
  LineEnding line_ending_ = LineEnding::kNone;
};

// A Message that owns its bytes. They live in a heap buffer that never
// moves, so the views stay valid when the OwnedMessage itself is moved.
// Move-only; a moved-from OwnedMessage may only be destroyed or assigned to.
//
//   Result<OwnedMessage> m = OwnedMessage::parse(read_file(path));
//   queue.push_back(std::move(*m));
//   queue.back()->find_first("From");
class OwnedMessage {
 public:
  [[nodiscard]] static Result<OwnedMessage> parse(std::string bytes,
                                                  const MessageLimits& limits = {});

  [[nodiscard]] const Message& message() const noexcept { return message_; }
  [[nodiscard]] const Message* operator->() const noexcept { return &message_; }
  [[nodiscard]] const Message& operator*() const noexcept { return message_; }
  [[nodiscard]] std::string_view bytes() const noexcept { return message_.bytes(); }

 private:
  OwnedMessage(std::unique_ptr<const std::string> bytes, Message message)
      : bytes_(std::move(bytes)), message_(std::move(message)) {}

  std::unique_ptr<const std::string> bytes_;
  Message message_;
};

}  // namespace authguard
