// ip.cc: IP address parsing, formatting and CIDR matching.
#include "core/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace authguard {

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() > INET6_ADDRSTRLEN) return fail(ErrorKind::kInvalidInput, "IP address too long");
  if (text.find('\0') != std::string_view::npos) {
    return fail(ErrorKind::kInvalidInput, "NUL byte in IP address");
  }
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<std::uint8_t, 4> a4{};
  if (inet_pton(AF_INET, buf, a4.data()) == 1) return v4(a4);
  std::array<std::uint8_t, 16> a6{};
  if (inet_pton(AF_INET6, buf, a6.data()) == 1) return v6(a6);
  return fail(ErrorKind::kInvalidInput, "not an IP address: " + std::string(text));
}

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
  IpAddress ip;
  ip.v4_ = true;
  std::memcpy(ip.bytes_.data(), bytes.data(), 4);
  return ip;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes.data(), kMapped, 12) == 0) {
    return v4({bytes[12], bytes[13], bytes[14], bytes[15]});
  }
  IpAddress ip;
  ip.v4_ = false;
  ip.bytes_ = bytes;
  return ip;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v4_ ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::string IpAddress::reverse_name() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  if (v4_) {
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(bytes_[static_cast<std::size_t>(i)]);
      out += '.';
    }
    return out + "in-addr.arpa";
  }
  for (int i = 15; i >= 0; --i) {
    auto b = bytes_[static_cast<std::size_t>(i)];
    out += kHex[b & 0xf];
    out += '.';
    out += kHex[b >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::string IpAddress::dotted() const {
  if (v4_) return str();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += kHex[bytes_[i] >> 4];
    out += '.';
    out += kHex[bytes_[i] & 0xf];
  }
  return out;
}

bool IpAddress::in_network(const IpAddress& network, unsigned prefix_len) const noexcept {
  if (v4_ != network.v4_) return false;
  if (prefix_len > max_prefix()) return false;
  std::size_t full = prefix_len / 8;
  if (std::memcmp(bytes_.data(), network.bytes_.data(), full) != 0) return false;
  unsigned rest = prefix_len % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (bytes_[full] & mask) == (network.bytes_[full] & mask);
}

}  // namespace authguard
