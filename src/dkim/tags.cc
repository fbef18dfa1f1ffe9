// tags.cc: tag-list parsing (RFC 6376 §3.2) and base64 through OpenSSL.
#include "dkim/tags.h"

#include <openssl/evp.h>

#include <string>

#include "core/strings.h"

namespace authguard::dkim {

namespace {

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alnumpunc(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }
bool is_valchar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7e && c != ';';
}

}  // namespace

const Tag* TagList::find(std::string_view name) const noexcept {
  for (const auto& t : tags_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<TagList> parse_tag_list(std::string_view text, const TagLimits& limits) {
  TagList list;
  std::size_t pos = 0;
  const std::size_t n = text.size();
  while (pos < n) {
    // [FWS] tag-name
    while (pos < n && is_fws(text[pos])) ++pos;
    if (pos == n) break;  // trailing whitespace after a final ';'
    std::size_t name_begin = pos;
    if (!is_alpha(text[pos])) {
      return fail(ErrorKind::kInvalidInput, "tag-list: invalid tag name at offset " +
                                                std::to_string(pos));
    }
    while (pos < n && is_alnumpunc(text[pos])) ++pos;
    std::string_view name = text.substr(name_begin, pos - name_begin);
    while (pos < n && is_fws(text[pos])) ++pos;
    if (pos == n || text[pos] != '=') {
      return fail(ErrorKind::kInvalidInput, "tag-list: tag '" + std::string(name) + "' has no '='");
    }
    ++pos;
    std::size_t value_begin = pos;
    std::size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = n;
    if (end - value_begin > limits.max_value_bytes) {
      return fail(ErrorKind::kLimitExceeded, "tag-list: value of '" + std::string(name) +
                                                 "' exceeds limit max_value_bytes=" +
                                                 std::to_string(limits.max_value_bytes));
    }
    std::string_view value = trim(text.substr(value_begin, end - value_begin));
    for (char c : value) {
      if (!is_valchar(c) && !is_fws(c)) {
        return fail(ErrorKind::kInvalidInput,
                    "tag-list: invalid character in value of '" + std::string(name) + "'");
      }
    }
    if (list.find(name) != nullptr) {
      return fail(ErrorKind::kInvalidInput, "tag-list: duplicate tag '" + std::string(name) + "'");
    }
    if (list.tags_.size() == limits.max_tags) {
      return fail(ErrorKind::kLimitExceeded,
                  "tag-list: more than max_tags=" + std::to_string(limits.max_tags) + " tags");
    }
    list.tags_.push_back(Tag{name, value, value_begin, end});
    pos = end == n ? n : end + 1;
  }
  return list;
}

Result<std::string> decode_base64(std::string_view text) {
  std::string clean = strip_whitespace(text);
  if (clean.size() % 4 != 0) return fail(ErrorKind::kInvalidInput, "base64: bad length");
  std::size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  for (std::size_t i = 0; i + pad < clean.size(); ++i) {
    if (clean[i] == '=') return fail(ErrorKind::kInvalidInput, "base64: '=' inside data");
  }
  std::string out(clean.size() / 4 * 3, '\0');
  int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
  if (len < 0) return fail(ErrorKind::kInvalidInput, "base64: invalid character");
  out.resize(static_cast<std::size_t>(len) - pad);
  return out;
}

std::string encode_base64(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

}  // namespace authguard::dkim
