// resolver.h: the DNS seam. Every module that needs DNS gets a Resolver.
//
// A query returns the records of one RRset (with TTL and a DNSSEC-secure
// flag) or a typed error, as Postfix's DNS layer does: NXDOMAIN, NODATA,
// temporary (timeout, SERVFAIL, network) or malformed. CNAMEs are followed by
// the backend, as a resolver does.
//
// Backends: UnboundResolver (production), ZoneResolver (RFC 1035 master
// files: tests, the demo, `--zone FILE`), the strict test double in
// tests/support, and CachingResolver, which wraps any of them.
//
//   auto txt = lookup_txt(resolver, "_dmarc.example.com");
//   if (!txt && txt.error().status == DnsStatus::kNxDomain) ...
//   for (const auto& r : txt->records) use(r.joined());
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"

namespace authguard::dns {

enum class RecordType : std::uint16_t {
  kA = 1,
  kCname = 5,
  kPtr = 12,
  kMx = 15,
  kTxt = 16,
  kAaaa = 28,
};

[[nodiscard]] const char* record_type_name(RecordType type) noexcept;
// Parses "TXT", "a", "AAAA", ...; false for anything else.
[[nodiscard]] bool parse_record_type(std::string_view text, RecordType& out) noexcept;

enum class DnsStatus {
  kNxDomain,   // the name does not exist
  kNoData,     // the name exists, but has no records of this type
  kTemporary,  // timeout, SERVFAIL, network failure: try again later
  kMalformed,  // the answer could not be decoded, or the name is invalid
};

[[nodiscard]] const char* dns_status_name(DnsStatus status) noexcept;

struct DnsError {
  DnsStatus status = DnsStatus::kTemporary;
  std::string reason;
  // How long a negative answer may be cached (0: not at all).
  std::uint32_t ttl = 0;

  [[nodiscard]] bool temporary() const noexcept { return status == DnsStatus::kTemporary; }
  // NXDOMAIN or NODATA: a definite "nothing there".
  [[nodiscard]] bool not_found() const noexcept {
    return status == DnsStatus::kNxDomain || status == DnsStatus::kNoData;
  }
};

// The undecoded answer: rdata in DNS wire format, one string per record,
// domain names inside it uncompressed.
struct RRset {
  std::string name;  // the canonical owner after CNAMEs, without trailing dot
  RecordType type = RecordType::kTxt;
  std::uint32_t ttl = 0;
  bool secure = false;  // validated by DNSSEC
  std::vector<std::string> rdata;
};

template <class T>
using DnsResult = std::expected<T, DnsError>;

class Resolver {
 public:
  using Callback = std::function<void(DnsResult<RRset>)>;

  virtual ~Resolver() = default;

  // Looks up one RRset. Never throws; every failure is a DnsError.
  [[nodiscard]] virtual DnsResult<RRset> query(std::string_view name, RecordType type) = 0;

  // Starts a query whose callback runs from a later poll() or wait_all() on
  // the calling thread. The default implementation answers at once.
  virtual void query_async(std::string_view name, RecordType type, Callback callback) {
    callback(query(name, type));
  }
  // Runs callbacks of finished asynchronous queries; returns how many ran.
  virtual std::size_t poll() { return 0; }
  // Waits until every started asynchronous query has called back.
  virtual void wait_all() {}
};

// Typed records, decoded from RRset rdata.

// A TXT record keeps its character-strings apart (RFC 7208 §3.3 and RFC 6376
// §3.6.2.2 join them without separators).
struct TxtRecord {
  std::vector<std::string> strings;
  [[nodiscard]] std::string joined() const;
};

struct MxRecord {
  std::uint16_t preference = 0;
  std::string exchange;  // "." for a null MX (RFC 7505)
};

template <class T>
struct Answer {
  std::vector<T> records;
  std::uint32_t ttl = 0;
  bool secure = false;
  std::string name;  // canonical owner name
};

[[nodiscard]] DnsResult<Answer<TxtRecord>> lookup_txt(Resolver& resolver, std::string_view name);
[[nodiscard]] DnsResult<Answer<IpAddress>> lookup_a(Resolver& resolver, std::string_view name);
[[nodiscard]] DnsResult<Answer<IpAddress>> lookup_aaaa(Resolver& resolver, std::string_view name);
[[nodiscard]] DnsResult<Answer<MxRecord>> lookup_mx(Resolver& resolver, std::string_view name);
// PTR lookup of an address: the names its reverse zone points to.
[[nodiscard]] DnsResult<Answer<std::string>> lookup_ptr(Resolver& resolver, const IpAddress& ip);

// Decoders shared by every backend and the typed lookups.
[[nodiscard]] DnsResult<Answer<TxtRecord>> decode_txt(const RRset& rrset);
[[nodiscard]] DnsResult<Answer<IpAddress>> decode_address(const RRset& rrset);
[[nodiscard]] DnsResult<Answer<MxRecord>> decode_mx(const RRset& rrset);
[[nodiscard]] DnsResult<Answer<std::string>> decode_names(const RRset& rrset);

// TXT character-strings as master-file text (RFC 1035 §5.1): "part1" "part2",
// with quotes and backslashes escaped and other non-printable bytes as \DDD.
[[nodiscard]] std::string master_file_strings(const std::vector<std::string>& strings);
// One TXT value as master-file text, split into 255-byte character-strings.
[[nodiscard]] std::string master_file_txt(std::string_view value);

// Reads an uncompressed wire-format domain name at `pos` into dotted text
// (no trailing dot, "." for the root); advances pos. False when malformed.
[[nodiscard]] bool read_wire_name(std::string_view wire, std::size_t& pos, std::string& out);

}  // namespace authguard::dns
