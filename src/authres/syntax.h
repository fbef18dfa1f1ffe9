// syntax.h: character classes of Authentication-Results text (RFC 8601
// §2.2, RFC 2045 §5.1), shared by the parser and the builder. Internal to
// src/authres/.
#pragma once

namespace authguard::authres::syntax {

// RFC 5234 CTL: the bytes that must never reach a header we write.
[[nodiscard]] constexpr bool is_ctl(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// RFC 2045 §5.1: tspecials = "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" /
//                            "\" / <"> / "/" / "[" / "]" / "?" / "="
[[nodiscard]] constexpr bool is_tspecial(char c) noexcept {
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
      return true;
    default:
      return false;
  }
}

// RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
// '.' is a token character, so "mx.example.net" is one token.
[[nodiscard]] constexpr bool is_token_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

// RFC 8601 §2.2 Keyword = ldh-str (RFC 5321), plus '_', which real providers
// put in bare property names ("smtp_is_org_domain=yes").
[[nodiscard]] constexpr bool is_keyword_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

}  // namespace authguard::authres::syntax
