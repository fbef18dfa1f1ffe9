// domain.cc: DomainName parsing and comparison.
#include "core/domain.h"

#include "core/strings.h"

namespace authguard {

namespace {

bool label_char_ok(char c) {
  auto u = static_cast<unsigned char>(c);
  return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || u >= 0x80;
}

}  // namespace

Result<DomainName> DomainName::parse(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return fail(ErrorKind::kInvalidInput, "empty domain name");
  if (text.size() > kMaxLength) {
    return fail(ErrorKind::kInvalidInput, "domain name longer than 253 octets");
  }
  std::size_t label_len = 0;
  for (char c : text) {
    if (c == '.') {
      if (label_len == 0) return fail(ErrorKind::kInvalidInput, "empty label in domain name");
      label_len = 0;
      continue;
    }
    if (!label_char_ok(c)) {
      return fail(ErrorKind::kInvalidInput, "invalid character in domain name");
    }
    if (++label_len > kMaxLabelLength) {
      return fail(ErrorKind::kInvalidInput, "domain label longer than 63 octets");
    }
  }
  return DomainName(std::string(text));
}

std::string DomainName::lower() const { return to_lower(name_); }

std::vector<std::string_view> DomainName::labels() const {
  if (name_.empty()) return {};
  return split(name_, '.');
}

std::size_t DomainName::label_count() const noexcept {
  if (name_.empty()) return 0;
  std::size_t n = 1;
  for (char c : name_) n += (c == '.');
  return n;
}

DomainName DomainName::parent() const {
  auto pos = name_.find('.');
  if (pos == std::string::npos) return DomainName();
  return DomainName(name_.substr(pos + 1));
}

DomainName DomainName::suffix(std::size_t n) const {
  std::size_t count = label_count();
  if (n >= count) return *this;
  if (n == 0) return DomainName();
  std::size_t skip = count - n;
  std::size_t pos = 0;
  while (skip-- > 0) pos = name_.find('.', pos) + 1;
  return DomainName(name_.substr(pos));
}

bool DomainName::is_subdomain_of(const DomainName& other) const noexcept {
  if (other.name_.empty()) return true;
  if (name_.size() < other.name_.size()) return false;
  if (!iends_with(name_, other.name_)) return false;
  return name_.size() == other.name_.size() ||
         name_[name_.size() - other.name_.size() - 1] == '.';
}

bool operator==(const DomainName& a, const DomainName& b) noexcept {
  return iequals(a.name_, b.name_);
}

std::strong_ordering operator<=>(const DomainName& a, const DomainName& b) noexcept {
  std::size_t n = std::min(a.name_.size(), b.name_.size());
  for (std::size_t i = 0; i < n; ++i) {
    char x = ascii_lower(a.name_[i]);
    char y = ascii_lower(b.name_[i]);
    if (x != y) return static_cast<unsigned char>(x) <=> static_cast<unsigned char>(y);
  }
  return a.name_.size() <=> b.name_.size();
}

bool is_mail_address(std::string_view text) {
  std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  for (char c : text.substr(0, at)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' || c == '>') return false;
  }
  return DomainName::parse(text.substr(at + 1)).has_value();
}

}  // namespace authguard
