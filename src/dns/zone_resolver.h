// zone_resolver.h: a Resolver that answers from RFC 1035 master files.
//
// It backs `--zone FILE` on every subcommand that resolves, the offline demo
// and the tests. One file may hold records of many unrelated domains with
// absolute names, with or without an SOA; TXT values may be split into several
// strings. CNAMEs and wildcards (RFC 4592) are answered as an authoritative
// server would. Chosen names can be told to fail with a timeout or SERVFAIL,
// whatever the type asked, so a DNS fault can be reproduced from the command
// line (`--zone-fault NAME=timeout`).
//
//   auto zone = ZoneResolver::load_file("examples/demo.zone");
//   (*zone)->add_fault("_dmarc.example.org", ZoneFault::kTimeout);
//   auto txt = lookup_txt(**zone, "example.com");
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "dns/resolver.h"

namespace authguard::dns {

enum class ZoneFault { kTimeout, kServfail };

// Parses "timeout" or "servfail".
[[nodiscard]] Result<ZoneFault> parse_zone_fault(std::string_view text);

class ZoneResolver final : public Resolver {
 public:
  // Parses with ldns; errors name the file and line.
  [[nodiscard]] static Result<std::unique_ptr<ZoneResolver>> load_file(const std::string& path);
  [[nodiscard]] static Result<std::unique_ptr<ZoneResolver>> load_text(
      std::string_view text, std::string_view source_name = "<zone>");
  // An empty zone; records are added with add_record().
  [[nodiscard]] static std::unique_ptr<ZoneResolver> empty();

  // Adds more master-file text to this zone.
  [[nodiscard]] Result<void> add_text(std::string_view text, std::string_view source_name);
  // Adds one record with wire-format rdata.
  void add_record(std::string_view owner, RecordType type, std::string rdata,
                  std::uint32_t ttl = 300);
  // Adds a TXT record whose character-strings are given as they are (no
  // master-file escaping), split into 255-byte strings where longer.
  void add_txt(std::string_view owner, std::string_view value, std::uint32_t ttl = 300);

  // Makes every query for `name` (any type) fail temporarily.
  void add_fault(std::string_view name, ZoneFault fault);

  [[nodiscard]] DnsResult<RRset> query(std::string_view name, RecordType type) override;

  [[nodiscard]] std::size_t record_count() const noexcept { return record_count_; }

 private:
  ZoneResolver() = default;
  struct RecordSet {
    std::uint32_t ttl = 0;
    std::vector<std::string> rdata;
  };
  using Key = std::pair<std::string, std::uint16_t>;  // lower-case owner, type

  [[nodiscard]] bool name_exists(const std::string& lower_name) const;
  void note_owner(const std::string& lower_name);

  std::map<Key, RecordSet> records_;
  std::set<std::string> names_;  // owners and their ancestors (empty non-terminals)
  std::map<std::string, ZoneFault> faults_;
  std::uint32_t negative_ttl_ = 60;
  std::size_t record_count_ = 0;
};

}  // namespace authguard::dns
