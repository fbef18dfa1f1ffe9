// user_release.cc: release tokens, release requests and digests.
#include "quarantine/user_release.h"

#include <openssl/rand.h>

#include <array>
#include <charconv>

#include "core/secure.h"
#include "core/strings.h"
#include "dkim/tags.h"
#include "quarantine/release.h"
#include "quarantine/report.h"

namespace authguard::quarantine {

namespace {

constexpr std::size_t kMacChars = 43;  // base64url of 32 bytes, unpadded
constexpr std::size_t kIdChars = 16;

// RFC 4648 §5 base64url without padding: safe in a URI and in a subject.
std::string base64url(std::string_view bytes) {
  std::string out = dkim::encode_base64(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

bool is_base64url(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }

bool is_id(std::string_view w) {
  if (w.size() != kIdChars) return false;
  for (char c : w) {
    if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F')) return false;
  }
  return true;
}

// "<index>.<mac>": the index and the mac, or nullopt when malformed.
std::optional<std::pair<std::size_t, std::string_view>> split_token(std::string_view token) {
  std::size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > kMaxTokenIndexDigits) return std::nullopt;
  std::string_view mac = token.substr(dot + 1);
  if (mac.size() != kMacChars) return std::nullopt;
  for (char c : mac) {
    if (!is_base64url(c)) return std::nullopt;
  }
  std::size_t index = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + dot, index);
  if (ec != std::errc() || p != token.data() + dot) return std::nullopt;
  return std::make_pair(index, mac);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string random_hex(std::size_t bytes) {
  std::array<unsigned char, 16> raw{};
  bytes = std::min(bytes, raw.size());
  if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) return "0";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += kHex[raw[i] >> 4];
    out += kHex[raw[i] & 15];
  }
  return out;
}

}  // namespace

std::string release_token(std::string_view key, std::string_view id, std::size_t index,
                          std::string_view recipient) {
  std::string mac = hmac_sha256(key, "user-release|" + to_lower(id) + "|" + to_lower(recipient));
  // A library failure yields a token that can't verify (it is malformed).
  return std::to_string(index) + "." + (mac.empty() ? std::string("-") : base64url(mac));
}

std::optional<ReleaseRequest> find_release_request(std::string_view text) {
  text = text.substr(0, kMaxRequestScanBytes);
  // The last three words, as the text is walked once.
  std::array<std::string_view, 3> words{};
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i == start) break;
    std::string_view w = text.substr(start, i - start);
    // Quote marks of a reply (">", ">>") are not words: a quoted request
    // that wrapped still reads as one.
    if (w.find_first_not_of('>') == std::string_view::npos) continue;
    if (w.size() > kMaxRequestWordBytes) w = {};  // no part of a request
    words = {words[1], words[2], w};
    if ((iequals(words[0], "release") || iequals(words[0], "release:")) && is_id(words[1]) &&
        split_token(words[2])) {
      return ReleaseRequest{.id = to_lower(words[1]), .token = std::string(words[2])};
    }
  }
  return std::nullopt;
}

Result<std::string> authorize_user_release(std::string_view key, const QuarantineEntry& entry,
                                           std::string_view token, UnixTime now) {
  // The token first: without it, nothing about the message is told.
  auto parts = split_token(token);
  const Error refused{ErrorKind::kInvalidInput, "the release token is not valid for message " + entry.id};
  if (key.empty() || !parts || parts->first >= entry.recipients.size()) return std::unexpected(refused);
  const std::string& recipient = entry.recipients[parts->first];
  if (!constant_time_equal(release_token(key, entry.id, parts->first, recipient), token)) {
    return std::unexpected(refused);
  }
  if (now >= entry.expires) {
    return fail(ErrorKind::kNotFound, "message " + entry.id + " has expired and is no longer held");
  }
  if (entry.policy != kPolicyUserRelease) {
    return fail(ErrorKind::kInvalidInput, "message " + entry.id + " is held as " + plain_ascii(entry.policy, 40) +
                                              ": only an administrator can release it");
  }
  return recipient;
}

std::string digest_message(const std::vector<DigestItem>& items, const DigestAddresses& addresses,
                           std::size_t more, UnixTime now) {
  const std::string domain = addresses.from.substr(addresses.from.find('@') + 1);
  const std::size_t held = items.size() + more;
  std::string m;
  m += "From: authguard quarantine <" + addresses.from + ">\r\n";
  m += "To: <" + plain_ascii(addresses.to, 320) + ">\r\n";
  m += "Date: " + format_utc(now, "%a, %d %b %Y %H:%M:%S +0000") + "\r\n";
  m += "Subject: " + std::to_string(held) + " message" + (held == 1 ? "" : "s") +
       " held in quarantine for you\r\n";
  m += "Message-ID: <digest." + std::to_string(now) + "." + random_hex(8) + "@" + domain + ">\r\n";
  // RFC 3834 §5: no auto-responder answers this, and `quarantine request`
  // ignores it if it comes back.
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=us-ascii\r\n";
  m += "Content-Transfer-Encoding: 7bit\r\n";
  m += "\r\n";
  m += "These messages to " + plain_ascii(addresses.to, 320) +
       " were held back because they failed\r\n"
       "sender authentication checks. Each is kept until the date shown, then\r\n"
       "deleted. Release only mail you expected and trust: a release delivers the\r\n"
       "message to your mailbox as it is.\r\n\r\n";
  std::size_t n = 0;
  for (const auto& item : items) {
    const QuarantineEntry& e = *item.entry;
    const std::string request = "release " + e.id + " " + item.token;
    m += std::to_string(++n) + ". From:     " + plain_ascii(e.from_addr.empty() ? e.mail_from : e.from_addr) +
         "\r\n";
    m += "   Subject:  " + plain_ascii(e.subject) + "\r\n";
    m += "   Received: " + iso8601(e.received) + ", kept until " + iso8601(e.expires) + "\r\n";
    m += "   To release it, send a message to " + addresses.release_address + "\r\n";
    m += "   with this subject:\r\n";
    m += "     " + request + "\r\n";
    m += "   or open mailto:" + addresses.release_address + "?subject=release%20" + e.id + "%20" + item.token +
         "\r\n\r\n";
  }
  if (more > 0) {
    m += std::to_string(more) + " more message" + (more == 1 ? " is" : "s are") +
         " held for you; the next notice lists " + (more == 1 ? "it" : "them") + ".\r\n\r\n";
  }
  m += "Messages held for an administrator's review are not listed here.\r\n";
  return m;
}

}  // namespace authguard::quarantine
