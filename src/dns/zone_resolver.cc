// zone_resolver.cc: master-file parsing (ldns) and authoritative-style answers.
#include "dns/zone_resolver.h"

#include <ldns/ldns.h>

#include <cstdio>

#include "core/strings.h"

namespace authguard::dns {

namespace {

constexpr int kMaxCnameChain = 8;

// Lower-cases and drops one trailing dot, the form every key uses.
std::string canonical(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return to_lower(name);
}

std::string rdf_name(const ldns_rdf* rdf) {
  std::string_view wire(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
  std::string out;
  std::size_t pos = 0;
  if (!read_wire_name(wire, pos, out)) return {};
  return out;
}

std::unique_ptr<FILE, int (*)(FILE*)> open_memory(std::string_view text) {
  // fmemopen needs a mutable buffer that outlives the FILE; callers keep it.
  return {fmemopen(const_cast<char*>(text.data()), text.size(), "r"), &fclose};
}

}  // namespace

Result<ZoneFault> parse_zone_fault(std::string_view text) {
  if (iequals(text, "timeout")) return ZoneFault::kTimeout;
  if (iequals(text, "servfail")) return ZoneFault::kServfail;
  return fail(ErrorKind::kConfig, "unknown DNS fault '" + std::string(text) +
                                      "' (expected timeout or servfail)");
}

std::unique_ptr<ZoneResolver> ZoneResolver::empty() {
  return std::unique_ptr<ZoneResolver>(new ZoneResolver());
}

Result<std::unique_ptr<ZoneResolver>> ZoneResolver::load_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return fail(ErrorKind::kIo, "cannot open zone file " + path);
  std::string text;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return load_text(text, path);
}

Result<std::unique_ptr<ZoneResolver>> ZoneResolver::load_text(std::string_view text,
                                                              std::string_view source_name) {
  auto zone = empty();
  if (auto r = zone->add_text(text, source_name); !r) return std::unexpected(r.error());
  return zone;
}

Result<void> ZoneResolver::add_text(std::string_view text, std::string_view source_name) {
  if (text.empty()) return {};
  std::string buffer(text);
  if (buffer.back() != '\n') buffer += '\n';
  auto file = open_memory(buffer);
  if (!file) return fail(ErrorKind::kIo, "cannot read zone text");

  ldns_rdf* origin = ldns_dname_new_frm_str(".");
  ldns_zone* zone = nullptr;
  int line = 0;
  ldns_status status = ldns_zone_new_frm_fp_l(&zone, file.get(), origin, 3600, LDNS_RR_CLASS_IN,
                                              &line);
  ldns_rdf_deep_free(origin);
  if (status != LDNS_STATUS_OK) {
    return fail(ErrorKind::kConfig, std::string(source_name) + ":" + std::to_string(line) +
                                        ": " + ldns_get_errorstr_by_id(status));
  }
  auto take = [this](const ldns_rr* rr) {
    auto type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
    std::string owner = canonical(rdf_name(ldns_rr_owner(rr)));
    std::string rdata;
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
      const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
      rdata.append(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
    }
    if (type == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7) {
      negative_ttl_ = std::min(ldns_rr_ttl(rr), ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)));
    }
    add_record(owner, static_cast<RecordType>(type), std::move(rdata), ldns_rr_ttl(rr));
  };
  if (ldns_zone_soa(zone) != nullptr) take(ldns_zone_soa(zone));
  ldns_rr_list* rrs = ldns_zone_rrs(zone);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) take(ldns_rr_list_rr(rrs, i));
  ldns_zone_deep_free(zone);
  return {};
}

void ZoneResolver::note_owner(const std::string& lower_name) {
  std::string_view n = lower_name;
  for (;;) {
    if (!names_.emplace(n).second) return;  // ancestors already noted
    auto dot = n.find('.');
    if (dot == std::string_view::npos) return;
    n.remove_prefix(dot + 1);
  }
}

void ZoneResolver::add_record(std::string_view owner, RecordType type, std::string rdata,
                              std::uint32_t ttl) {
  std::string key = canonical(owner);
  note_owner(key);
  auto& set = records_[{key, static_cast<std::uint16_t>(type)}];
  set.ttl = set.rdata.empty() ? ttl : std::min(set.ttl, ttl);
  set.rdata.push_back(std::move(rdata));
  ++record_count_;
}

void ZoneResolver::add_txt(std::string_view owner, std::string_view value, std::uint32_t ttl) {
  std::string rdata;
  do {
    std::string_view chunk = value.substr(0, 255);
    rdata += static_cast<char>(chunk.size());
    rdata.append(chunk);
    value.remove_prefix(chunk.size());
  } while (!value.empty());
  add_record(owner, RecordType::kTxt, std::move(rdata), ttl);
}

void ZoneResolver::add_fault(std::string_view name, ZoneFault fault) {
  faults_[canonical(name)] = fault;
}

bool ZoneResolver::name_exists(const std::string& lower_name) const {
  return names_.contains(lower_name);
}

DnsResult<RRset> ZoneResolver::query(std::string_view name, RecordType type) {
  std::string current = canonical(name);
  const auto wanted = static_cast<std::uint16_t>(type);
  const auto cname = static_cast<std::uint16_t>(RecordType::kCname);
  for (int hop = 0; hop <= kMaxCnameChain; ++hop) {
    if (auto f = faults_.find(current); f != faults_.end()) {
      return std::unexpected(DnsError{
          DnsStatus::kTemporary,
          std::string(f->second == ZoneFault::kTimeout ? "timeout" : "SERVFAIL") + " for " +
              current + " (simulated)",
          0});
    }
    // The owner to read records from: the name itself, or the wildcard at its
    // closest encloser (RFC 4592 §3.3.1) when the name does not exist.
    std::string owner = current;
    if (!name_exists(current)) {
      std::string_view encloser = current;
      bool found = false;
      while (!found) {
        auto dot = encloser.find('.');
        if (dot == std::string_view::npos) break;
        encloser.remove_prefix(dot + 1);
        if (name_exists(std::string(encloser))) {
          std::string wildcard = "*." + std::string(encloser);
          if (!name_exists(wildcard)) break;
          owner = wildcard;
          found = true;
        }
      }
      if (!found) {
        return std::unexpected(
            DnsError{DnsStatus::kNxDomain, current + " does not exist", negative_ttl_});
      }
    }
    if (auto it = records_.find({owner, wanted}); it != records_.end()) {
      return RRset{current, type, it->second.ttl, false, it->second.rdata};
    }
    auto c = records_.find({owner, cname});
    if (c == records_.end() || c->second.rdata.empty()) {
      return std::unexpected(DnsError{DnsStatus::kNoData,
                                      current + " has no " + record_type_name(type) + " record",
                                      negative_ttl_});
    }
    std::size_t pos = 0;
    std::string target;
    if (!read_wire_name(c->second.rdata.front(), pos, target)) {
      return std::unexpected(DnsError{DnsStatus::kMalformed, "bad CNAME at " + current, 0});
    }
    current = canonical(target);
  }
  return std::unexpected(
      DnsError{DnsStatus::kTemporary, "CNAME chain too long at " + std::string(name), 0});
}

}  // namespace authguard::dns
