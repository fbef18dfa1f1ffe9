// message_fuzz.cc: fuzz target for Message::parse (src/message/message.h).
//
// Checks that every view is cut from the buffer at its own offsets, that the
// header section re-parses to the same fields, that tight limits fail only as
// kLimitExceeded, and that the From fields reach the address parser.
//
//   message_fuzz_replay fuzz/corpus/message_fuzz
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "message/address.h"
#include "message/message.h"

namespace {

using namespace authguard;

// The replay build has no sanitizer: abort() is what fails the ctest case.
void check(bool ok) {
  if (!ok) std::abort();
}

bool is_name_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && c != ':';
}

void check_message(const Message& m, std::string_view bytes) {
  check(m.bytes().data() == bytes.data() && m.bytes().size() == bytes.size());
  check(m.header_end() <= m.body_offset() && m.body_offset() <= bytes.size());
  check(m.body() == bytes.substr(m.body_offset()));
  check(m.has_body() == (m.header_end_reason() != HeaderEnd::kEndOfInput));

  switch (m.header_end_reason()) {
    case HeaderEnd::kEndOfInput:
      check(m.header_end() == bytes.size() && m.body_offset() == bytes.size());
      break;
    case HeaderEnd::kNonFieldLine:
      check(m.body_offset() == m.header_end() && m.header_end() < bytes.size());
      break;
    case HeaderEnd::kBlankLine: {
      const std::string_view sep = bytes.substr(m.header_end(), m.body_offset() - m.header_end());
      check(sep == "\r\n" || sep == "\n");
      break;
    }
  }

  std::size_t expected_offset = 0;
  if (!m.mbox_from_line().empty()) {
    check(m.mbox_from_line().data() == bytes.data());
    check(m.mbox_from_line().starts_with("From "));
    expected_offset = bytes.find('\n');
    check(expected_offset != std::string_view::npos || m.headers().empty());
    expected_offset = expected_offset == std::string_view::npos ? bytes.size() : expected_offset + 1;
  }
  for (const HeaderField& f : m.headers()) {
    check(f.offset == expected_offset);
    check(f.offset < f.end && f.end <= m.header_end());
    check(f.raw.data() == bytes.data() + f.offset && f.raw == bytes.substr(f.offset, f.end - f.offset));
    check(!f.name.empty() && f.name.data() == f.raw.data());
    for (char c : f.name) check(is_name_byte(c));
    // value starts right after the colon and ends inside raw.
    const auto value_at = static_cast<std::size_t>(f.value.data() - f.raw.data());
    check(value_at >= 1 && value_at <= f.raw.size() && f.raw[value_at - 1] == ':');
    check(value_at + f.value.size() <= f.raw.size());
    const std::string unfolded = f.unfolded();
    check(unfolded.size() <= f.value.size());
    check(unfolded.find('\n') == std::string::npos);
    const HeaderField* first = m.find_first(f.name);
    check(first != nullptr && first <= &f && m.find_last(f.name) >= &f);
    check(m.count(f.name) >= 1);
    expected_offset = f.end;
  }
  if (!m.headers().empty()) check(m.header_end() == m.headers().back().end);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(data, data + size);

  auto m = Message::parse(bytes);
  if (!m) {
    check(m.error().kind == ErrorKind::kLimitExceeded);
  } else {
    check_message(*m, bytes);

    // The header section alone parses to the very same fields.
    const std::string_view head = std::string_view(bytes).substr(0, m->header_end());
    auto again = Message::parse(head);
    check(again.has_value() && again->headers().size() == m->headers().size());
    for (std::size_t i = 0; i < m->headers().size(); ++i) {
      check(again->headers()[i].raw.data() == m->headers()[i].raw.data());
      check(again->headers()[i].raw.size() == m->headers()[i].raw.size());
    }

    // An owned copy parses the same.
    auto owned = OwnedMessage::parse(bytes);
    check(owned.has_value() && owned->message().headers().size() == m->headers().size());

    // Authors: any result is fine, but never a crash, and counts agree.
    auto authors = parse_authors(*m);
    if (authors) check(authors->from_fields == m->count("From"));
  }

  // Tight limits reach every limit; the only failure is a limit.
  MessageLimits tight;
  tight.max_message_bytes = 4096;
  tight.max_header_bytes = 256;
  tight.max_header_count = 4;
  tight.max_line_length = 40;
  auto t = Message::parse(bytes, tight);
  if (!t) {
    check(t.error().kind == ErrorKind::kLimitExceeded);
  } else {
    check_message(*t, bytes);
    check(t->headers().size() <= tight.max_header_count);
    check(t->header_end() <= tight.max_header_bytes);
    // Within the limits, the default parse saw the same thing.
    check(m.has_value() && m->headers().size() == t->headers().size() &&
          m->body_offset() == t->body_offset());
  }
  return 0;
}
