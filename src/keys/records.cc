// records.cc: key record names and text, and master-file lines.
#include "keys/records.h"

#include <cstdio>

#include "core/strings.h"
#include "dns/resolver.h"

namespace authguard::keys {

namespace {

std::string dashed(std::string_view domain) {
  std::string out(domain);
  for (char& c : out) {
    if (c == '.') c = '-';
  }
  return out;
}

std::string cname_label(std::string_view domain, std::string_view selector) {
  return std::string(selector) + "-" + dashed(domain);
}

}  // namespace

std::string lookup_name(std::string_view domain, std::string_view selector) {
  return std::string(selector) + "._domainkey." + std::string(domain);
}

std::string publish_name(const DomainState& d, std::string_view selector) {
  if (d.cname_zone.empty()) return lookup_name(d.domain, selector);
  return cname_label(d.domain, selector) + "._domainkey." + d.cname_zone;
}

Result<void> check_cname_names(std::string_view domain, std::string_view cname_zone,
                               const std::vector<std::string>& selectors) {
  for (const auto& s : selectors) {
    std::string label = cname_label(domain, s);
    if (label.size() > 63) {
      return fail(ErrorKind::kConfig, "CNAME delegation: the key record label '" + label +
                                          "' is longer than 63 characters; use shorter selectors");
    }
    std::string name = label + "._domainkey." + std::string(cname_zone);
    if (name.size() > 253) {
      return fail(ErrorKind::kConfig, "CNAME delegation: the key record name '" + name +
                                          "' is longer than 253 characters");
    }
  }
  return {};
}

std::string key_record_text(Family family, std::string_view public_key_base64) {
  return std::string("v=DKIM1; k=") + family_name(family) + "; p=" +
         std::string(public_key_base64);
}

DomainRecords desired_records(const DomainState& d, std::uint32_t ttl) {
  DomainRecords out;
  out.domain = d.domain;
  out.zone = d.cname_zone.empty() ? d.domain : d.cname_zone;
  for (const auto& set : d.sets) {
    for (const auto& slot : set.slots) {
      if (slot.selector.empty()) continue;
      std::string name = publish_name(d, slot.selector);
      out.names.push_back(name);
      if (slot.state == SlotState::kEmpty) continue;
      std::string_view p = slot.state == SlotState::kRevoked ? std::string_view()
                                                             : std::string_view(slot.public_key);
      out.records.push_back(DnsRecord{name, "TXT", key_record_text(set.family, p), ttl,
                                      slot.selector});
    }
  }
  return out;
}

std::vector<DnsRecord> delegation_records(const DomainState& d, std::uint32_t ttl) {
  std::vector<DnsRecord> out;
  if (d.cname_zone.empty()) return out;
  for (const auto& set : d.sets) {
    for (const auto& slot : set.slots) {
      if (slot.selector.empty()) continue;
      out.push_back(DnsRecord{lookup_name(d.domain, slot.selector), "CNAME",
                              publish_name(d, slot.selector), ttl, slot.selector});
    }
  }
  return out;
}

std::string quoted_txt(std::string_view text) { return dns::master_file_txt(text); }

std::string zone_line(const DnsRecord& r) {
  std::string line = r.name + ". " + std::to_string(r.ttl) + " IN " + r.type + " ";
  if (r.type == "TXT") {
    line += quoted_txt(r.value);
  } else {
    line += r.value + ".";
  }
  return line;
}

}  // namespace authguard::keys
