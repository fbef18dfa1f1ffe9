// ip.h: IpAddress, an IPv4 or IPv6 address value, and CIDR matching.
//
// IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) are normalised to IPv4 on
// parse, as RFC 7208 §5 asks for SPF and as every other check expects.
//
//   auto ip = IpAddress::parse("2001:db8::1");
//   ip->in_network(*IpAddress::parse("2001:db8::"), 32);  // true
//   ip->reverse_name();  // "1.0.0.0....8.b.d.0.1.0.0.2.ip6.arpa"
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace authguard {

class IpAddress {
 public:
  [[nodiscard]] static Result<IpAddress> parse(std::string_view text);
  [[nodiscard]] static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
  [[nodiscard]] static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

  IpAddress() = default;

  [[nodiscard]] bool is_v4() const noexcept { return v4_; }
  [[nodiscard]] bool is_v6() const noexcept { return !v4_; }
  // 4 or 16 meaningful bytes, network order.
  [[nodiscard]] const std::uint8_t* bytes() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::size_t size() const noexcept { return v4_ ? 4 : 16; }
  [[nodiscard]] unsigned max_prefix() const noexcept { return v4_ ? 32 : 128; }

  // Canonical text (inet_ntop): "192.0.2.1", "2001:db8::1".
  [[nodiscard]] std::string str() const;
  // Reverse-lookup name without trailing dot (in-addr.arpa / ip6.arpa).
  [[nodiscard]] std::string reverse_name() const;
  // SPF's dotted forms (RFC 7208 §7.3): IPv4 as is, IPv6 as 32 dot-separated nibbles.
  [[nodiscard]] std::string dotted() const;

  // True when the first prefix_len bits equal those of network (same family).
  [[nodiscard]] bool in_network(const IpAddress& network, unsigned prefix_len) const noexcept;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  bool v4_ = true;
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace authguard
