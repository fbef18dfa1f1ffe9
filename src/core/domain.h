// domain.h: DomainName, a value type for DNS domain names in mail identities.
//
// Comparison is case-insensitive, a trailing dot is ignored, and the RFC 1035
// length limits (253 octets in all, 63 per label) are checked on parse.
// IDNA A-labels ("xn--...") are kept exactly as they are; 8-bit bytes (from
// internationalized addresses) are accepted and kept opaque.
//
//   auto d = DomainName::parse("Mail.Example.COM.");
//   d->str();                       // "Mail.Example.COM"
//   *d == *DomainName::parse("mail.example.com");   // true
//   d->is_subdomain_of(*DomainName::parse("example.com"));  // true
#pragma once

#include <compare>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace authguard {

class DomainName {
 public:
  static constexpr std::size_t kMaxLength = 253;
  static constexpr std::size_t kMaxLabelLength = 63;

  // Accepts letters, digits, '-', '_' and bytes >= 0x80 in labels; rejects
  // empty labels, other characters and names over the limits.
  [[nodiscard]] static Result<DomainName> parse(std::string_view text);

  DomainName() = default;

  // The name as given, without a trailing dot.
  [[nodiscard]] const std::string& str() const noexcept { return name_; }
  // The name in lower case (ASCII only), for keys and output.
  [[nodiscard]] std::string lower() const;
  [[nodiscard]] bool empty() const noexcept { return name_.empty(); }

  [[nodiscard]] std::vector<std::string_view> labels() const;
  [[nodiscard]] std::size_t label_count() const noexcept;

  // The name with its first label removed; empty for a one-label name.
  [[nodiscard]] DomainName parent() const;
  // The last n labels ("a.b.example.com", 2 -> "example.com").
  [[nodiscard]] DomainName suffix(std::size_t n) const;

  // True when *this equals other or lies below it.
  [[nodiscard]] bool is_subdomain_of(const DomainName& other) const noexcept;

  friend bool operator==(const DomainName& a, const DomainName& b) noexcept;
  friend std::strong_ordering operator<=>(const DomainName& a, const DomainName& b) noexcept;

 private:
  explicit DomainName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// A mail address as an administrator configures one: "local@domain", the
// local part not empty and without white space, the domain one DomainName
// accepts.
[[nodiscard]] bool is_mail_address(std::string_view text);

}  // namespace authguard
