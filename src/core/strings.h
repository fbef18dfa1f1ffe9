// strings.h: small ASCII string helpers used by every parser.
//
// All of them treat bytes >= 0x80 as opaque: mail and DNS are ASCII protocols
// with 8-bit payloads, and locale-dependent functions have no place here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace authguard {

[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}
[[nodiscard]] constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }
[[nodiscard]] constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
[[nodiscard]] constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

[[nodiscard]] std::string to_lower(std::string_view s);
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;
[[nodiscard]] bool istarts_with(std::string_view s, std::string_view prefix) noexcept;
[[nodiscard]] bool iends_with(std::string_view s, std::string_view suffix) noexcept;

// Strips spaces, tabs, CR and LF from both ends.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

// Splits on one delimiter; empty pieces are kept.
[[nodiscard]] std::vector<std::string_view> split(std::string_view s, char delim);

// Removes every space, tab, CR and LF (used for base64 with folding).
[[nodiscard]] std::string strip_whitespace(std::string_view s);

// Parses a whole unsigned decimal number; false on anything else or overflow.
[[nodiscard]] bool parse_uint64(std::string_view s, unsigned long long& out) noexcept;

// Header text (RFC 5322 §3.2.4, §3.2.2) for values a sender may have chosen:
// a quoted-string with '"' and '\\' escaped, and comment text with '(',
// ')' and '\\' escaped. Callers remove control characters first.
[[nodiscard]] std::string quoted_string(std::string_view s);
[[nodiscard]] std::string escaped_comment(std::string_view s);

// An envelope address as SMTP writes it or bare: "<a@example.com>" and
// " a@example.com " are both "a@example.com"; "<>" is "" (the null path).
[[nodiscard]] std::string_view unbracketed(std::string_view address) noexcept;

// Case-insensitive hash and equality for unordered containers.
struct IHash {
  [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept;
};
struct IEqual {
  [[nodiscard]] bool operator()(std::string_view a, std::string_view b) const noexcept {
    return iequals(a, b);
  }
};

}  // namespace authguard
