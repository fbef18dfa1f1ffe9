// preview.h: a safe text preview of a held message, for `quarantine show`.
//
// An administrator deciding whether to release a message wants to read a
// little of it, without a mail client and without the message being able to
// drive the terminal. text_preview() finds the first text part (text/plain
// preferred, else text/html with its tags dropped) through up to
// kMaxPreviewDepth levels of multipart, undoes base64 or quoted-printable,
// and returns at most kMaxPreviewBytes / kMaxPreviewLines of text in which
// every control character, C1 control and bidirectional override is
// replaced by '?' and invalid UTF-8 bytes too. Nothing is rendered or run.
//
//   auto m = Message::parse(entry.raw);
//   Preview p = text_preview(*m);
//   p.content_type;   // "text/plain"
//   puts(p.text.c_str());
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "message/message.h"

namespace authguard::quarantine {

inline constexpr std::size_t kMaxPreviewBytes = 2000;
inline constexpr std::size_t kMaxPreviewLines = 40;
// multipart/mixed > multipart/alternative > text/plain is depth 2.
inline constexpr int kMaxPreviewDepth = 4;
// Parts looked at per multipart before giving up.
inline constexpr std::size_t kMaxPreviewParts = 100;
// RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
inline constexpr std::size_t kMaxBoundaryLength = 70;

struct Preview {
  std::string content_type;  // of the part shown, lower case ("" when none was found)
  std::string text;          // safe to print
  bool truncated = false;    // more text followed
};

[[nodiscard]] Preview text_preview(const Message& message);

// Text made safe to print: see above. Keeps \n and \t.
[[nodiscard]] std::string safe_text(std::string_view text);

}  // namespace authguard::quarantine
