// records.h: the DNS records a domain's keys need, and their master-file text.
//
// Direct mode: the key record of selector S of domain D is TXT at
// S._domainkey.D (RFC 6376 §3.6.2.1). CNAME delegation mode, as Microsoft 365
// does it: the domain owner publishes once
//   S._domainkey.D  CNAME  S-D-with-dashes._domainkey.KEYZONE
// and every rotation only changes TXT records in KEYZONE.
//
//   auto all = desired_records(domain_state, 3600);
//   for (const auto& r : all.records) std::puts(zone_line(r).c_str());
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "keys/types.h"

namespace authguard::keys {

struct DnsRecord {
  std::string name;      // absolute, no trailing dot
  std::string type;      // "TXT" or "CNAME"
  std::string value;     // TXT: the whole text, unsplit; CNAME: the target
  std::uint32_t ttl = 0;
  std::string selector;
};

// Every record one domain's keys need in the zone that holds them.
struct DomainRecords {
  std::string domain;
  std::string zone;                  // the domain itself, or its CNAME key zone
  std::vector<DnsRecord> records;    // TXT key records (a revoked key: empty p=)
  std::vector<std::string> names;    // every key record name of the domain (those we own)
};

// Where selector's key record is published.
[[nodiscard]] std::string publish_name(const DomainState& d, std::string_view selector);
// Where verifiers look it up: selector._domainkey.domain (through the CNAME in
// delegation mode).
[[nodiscard]] std::string lookup_name(std::string_view domain, std::string_view selector);
// Checks that a CNAME label "selector-domain-with-dashes" fits one DNS label.
[[nodiscard]] Result<void> check_cname_names(std::string_view domain, std::string_view cname_zone,
                                             const std::vector<std::string>& selectors);

// "v=DKIM1; k=rsa; p=..." (RFC 6376 §3.6.1); p= empty for a revoked key.
[[nodiscard]] std::string key_record_text(Family family, std::string_view public_key_base64);

// The TXT records that must be in DNS now: every slot with a key (pending,
// published, active, retired) and every revoked slot (empty p=).
[[nodiscard]] DomainRecords desired_records(const DomainState& d, std::uint32_t ttl);
// The CNAMEs the domain owner publishes once (CNAME delegation mode only).
[[nodiscard]] std::vector<DnsRecord> delegation_records(const DomainState& d, std::uint32_t ttl);

// One master-file line, absolute names: `name. 3600 IN TXT "..." "..."`. Long
// TXT text is split into 255-byte character-strings (RFC 1035 §3.3.14).
[[nodiscard]] std::string zone_line(const DnsRecord& r);
// TXT text as quoted master-file character-strings.
[[nodiscard]] std::string quoted_txt(std::string_view text);

}  // namespace authguard::keys
