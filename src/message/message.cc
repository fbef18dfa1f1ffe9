// message.cc: the single-pass RFC 5322 header scanner behind Message.
//
// One memchr per line finds its end; a line is then classified by its first
// bytes only (empty, continuation, field, other). Field views are cut from the
// buffer when the next line shows the field is complete, so the only
// allocations are the growth of the header vector.
#include "message/message.h"

#include <cstring>
#include <string>

#include "core/strings.h"

namespace authguard {

namespace {

enum class Ending { kNone, kCrlf, kLf };

// One line of the header section, as offsets into the buffer.
struct Line {
  std::size_t begin = 0;        // first byte
  std::size_t content_end = 0;  // just before the CRLF / LF
  std::size_t next = 0;         // first byte of the next line
  Ending ending = Ending::kNone;
};

std::unexpected<Error> limit_error(std::string_view what, std::string_view limit_name,
                                   std::size_t limit) {
  std::string text(what);
  text += " exceeds limit ";
  text += limit_name;
  text += '=';
  text += std::to_string(limit);
  return fail(ErrorKind::kLimitExceeded, std::move(text));
}

// Reads the line starting at pos. memchr looks no further than the line-length
// limit allows, so a huge line without LF costs at most max_line + 2 bytes.
Result<Line> read_line(std::string_view bytes, std::size_t pos, std::size_t max_line) {
  const std::size_t remaining = bytes.size() - pos;
  std::size_t window = remaining;
  // A line of max_line bytes may still be followed by CR LF; written so that
  // max_line + 2 cannot overflow.
  if (max_line < remaining && remaining - max_line > 2) window = max_line + 2;
  const char* start = bytes.data() + pos;
  const void* found = std::memchr(start, '\n', window);

  Line line;
  line.begin = pos;
  if (found != nullptr) {
    const std::size_t lf = pos + static_cast<std::size_t>(static_cast<const char*>(found) - start);
    line.next = lf + 1;
    if (lf > pos && bytes[lf - 1] == '\r') {
      line.content_end = lf - 1;
      line.ending = Ending::kCrlf;
    } else {
      line.content_end = lf;
      line.ending = Ending::kLf;
    }
  } else if (window == remaining) {
    // The last line of the input has no line ending.
    line.content_end = bytes.size();
    line.next = bytes.size();
  } else {
    line.content_end = pos + window;  // at least this long: over the limit
  }
  if (line.content_end - line.begin > max_line) {
    return limit_error("header line at offset " + std::to_string(pos), "max_line_length",
                       max_line);
  }
  return line;
}

// Postfix's is_header() and RFC 5322 §3.6.8 / §4.5: a field name of printable
// ASCII except ':', then optional WSP, then ':'. Returns the name length (0
// when the line is not a field line) and sets colon to the colon's index.
std::size_t field_name_length(std::string_view line, std::size_t& colon) noexcept {
  std::size_t i = 0;
  while (i < line.size()) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == ':' || c < 33 || c > 126) break;
    ++i;
  }
  const std::size_t name_len = i;
  if (name_len == 0) return 0;
  while (i < line.size() && is_wsp(line[i])) ++i;
  if (i >= line.size() || line[i] != ':') return 0;
  colon = i;
  return name_len;
}

}  // namespace

std::string HeaderField::unfolded() const {
  // Every line break inside a value is a folding break: continuation lines
  // start with WSP by construction, and the final line ending is not in value.
  std::string out;
  out.reserve(value.size());
  std::size_t i = 0;
  for (;;) {
    const std::size_t lf = value.find('\n', i);
    if (lf == std::string_view::npos) {
      out.append(value.substr(i));
      return out;
    }
    std::size_t stop = lf;
    if (stop > i && value[stop - 1] == '\r') --stop;
    out.append(value.substr(i, stop - i));
    i = lf + 1;
  }
}

bool HeaderField::has_name(std::string_view other) const noexcept { return iequals(name, other); }

Result<Message> Message::parse(std::string_view bytes, const MessageLimits& limits) {
  if (bytes.size() > limits.max_message_bytes) {
    return limit_error("message size", "max_message_bytes", limits.max_message_bytes);
  }

  Message m;
  m.bytes_ = bytes;
  m.header_end_ = bytes.size();
  m.body_offset_ = bytes.size();
  m.end_reason_ = HeaderEnd::kEndOfInput;

  std::size_t crlf_lines = 0;
  std::size_t lf_lines = 0;

  // The field being read; it is complete when a line that is not a
  // continuation arrives.
  bool open = false;
  std::size_t field_begin = 0;
  std::size_t field_name_len = 0;
  std::size_t field_colon = 0;
  std::size_t field_content_end = 0;  // content end of its last line
  std::size_t field_end = 0;

  auto close_field = [&] {
    HeaderField f;
    f.offset = field_begin;
    f.end = field_end;
    f.name = bytes.substr(field_begin, field_name_len);
    f.raw = bytes.substr(field_begin, field_end - field_begin);
    f.value = bytes.substr(field_colon + 1, field_content_end - field_colon - 1);
    m.headers_.push_back(f);
    open = false;
  };

  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto line = read_line(bytes, pos, limits.max_line_length);
    if (!line) return std::unexpected(std::move(line.error()));
    const std::string_view content = bytes.substr(line->begin, line->content_end - line->begin);

    // Non-field line (or a continuation with nothing to continue): the body
    // starts here, as in Postfix. The line is not part of the header section.
    std::size_t colon = 0;
    const bool continuation = !content.empty() && is_wsp(content.front());
    const std::size_t name_len =
        (content.empty() || continuation) ? 0 : field_name_length(content, colon);
    const bool mbox_line = pos == 0 && name_len == 0 && content.starts_with("From ");
    const bool non_field = !content.empty() && name_len == 0 && !mbox_line &&
                           !(continuation && open);
    if (non_field) {
      m.header_end_ = pos;
      m.body_offset_ = pos;
      m.end_reason_ = HeaderEnd::kNonFieldLine;
      break;
    }

    // Everything else belongs to the header section and counts against it.
    if (line->next > limits.max_header_bytes) {
      return limit_error("header section", "max_header_bytes", limits.max_header_bytes);
    }
    if (line->ending == Ending::kCrlf) ++crlf_lines;
    if (line->ending == Ending::kLf) ++lf_lines;

    if (content.empty()) {  // the empty line (RFC 5322 §3.5)
      m.header_end_ = pos;
      m.body_offset_ = line->next;
      m.end_reason_ = HeaderEnd::kBlankLine;
      break;
    }
    if (mbox_line) {
      m.mbox_from_ = content;
    } else if (continuation) {  // folding, RFC 5322 §2.2.3 and §4.2
      field_content_end = line->content_end;
      field_end = line->next;
    } else {
      if (open) close_field();
      if (m.headers_.size() >= limits.max_header_count) {
        return limit_error("header count", "max_header_count", limits.max_header_count);
      }
      open = true;
      field_begin = pos;
      field_name_len = name_len;
      field_colon = pos + colon;
      field_content_end = line->content_end;
      field_end = line->next;
    }
    pos = line->next;
  }
  if (open) close_field();

  if (crlf_lines > 0 && lf_lines > 0) {
    m.line_ending_ = LineEnding::kMixed;
  } else if (crlf_lines > 0) {
    m.line_ending_ = LineEnding::kCrlf;
  } else if (lf_lines > 0) {
    m.line_ending_ = LineEnding::kLf;
  }
  return m;
}

const HeaderField* Message::find_first(std::string_view name) const noexcept {
  for (const HeaderField& f : headers_) {
    if (f.has_name(name)) return &f;
  }
  return nullptr;
}

const HeaderField* Message::find_last(std::string_view name) const noexcept {
  for (auto it = headers_.rbegin(); it != headers_.rend(); ++it) {
    if (it->has_name(name)) return &*it;
  }
  return nullptr;
}

std::vector<const HeaderField*> Message::find_all(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const HeaderField& f : headers_) {
    if (f.has_name(name)) out.push_back(&f);
  }
  return out;
}

std::size_t Message::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (const HeaderField& f : headers_) n += f.has_name(name) ? 1 : 0;
  return n;
}

Result<OwnedMessage> OwnedMessage::parse(std::string bytes, const MessageLimits& limits) {
  // The string object lives on the heap, so its data pointer survives moves
  // of the OwnedMessage (a std::string member would not: small strings live
  // inside the object).
  auto owned = std::make_unique<const std::string>(std::move(bytes));
  auto message = Message::parse(*owned, limits);
  if (!message) return std::unexpected(std::move(message.error()));
  return OwnedMessage(std::move(owned), std::move(*message));
}

}  // namespace authguard
