// live.cc: live checks of key records through a Resolver and, with ldns,
// directly at the authoritative servers.
#include "keys/live.h"

#include <algorithm>
#include <memory>

#include "core/strings.h"
#include "dkim/signature.h"
#include "dkim/tags.h"
#include "keys/records.h"

// ldns last: without HAVE_STDBOOL_H its common.h #defines bool, true and
// false, which breaks C++ headers parsed after it.
#include <ldns/ldns.h>

namespace authguard::keys {

namespace {

bool looks_like_key_record(std::string_view text) {
  std::string_view t = trim(text);
  return istarts_with(t, "v=DKIM1") || t.find("p=") != std::string_view::npos;
}

struct LdnsResolverFree {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct LdnsPktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct LdnsRdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct LdnsRrListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using ResolverPtr = std::unique_ptr<ldns_resolver, LdnsResolverFree>;
using PktPtr = std::unique_ptr<ldns_pkt, LdnsPktFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsRdfFree>;
using RrListPtr = std::unique_ptr<ldns_rr_list, LdnsRrListFree>;

struct Server {
  std::string ip;
  std::uint16_t port = 53;
};

bool parse_server(const std::string& text, Server& out) {
  std::string ip = text;
  std::uint16_t port = 53;
  auto at = text.rfind('@');
  if (at != std::string::npos) {
    unsigned long long p = 0;
    if (!parse_uint64(std::string_view(text).substr(at + 1), p) || p == 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
    ip = text.substr(0, at);
  }
  out = Server{ip, port};
  return !ip.empty();
}

RdfPtr address_rdf(const std::string& ip) {
  ldns_rdf* r = ldns_rdf_new_frm_str(
      ip.find(':') != std::string::npos ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, ip.c_str());
  return RdfPtr(r);
}

// A resolver that asks exactly these servers (one port for all: ldns keeps one).
ResolverPtr make_resolver(const std::vector<Server>& servers, bool recursive, unsigned timeout_ms) {
  ResolverPtr res(ldns_resolver_new());
  if (!res) return res;
  for (const auto& s : servers) {
    RdfPtr addr = address_rdf(s.ip);
    if (!addr) continue;
    ldns_resolver_push_nameserver(res.get(), addr.get());
    ldns_resolver_set_port(res.get(), s.port);
  }
  ldns_resolver_set_recursive(res.get(), recursive);
  ldns_resolver_set_retry(res.get(), 2);
  timeval tv{static_cast<time_t>(timeout_ms / 1000),
             static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  ldns_resolver_set_timeout(res.get(), tv);
  ldns_resolver_set_fallback(res.get(), true);  // TCP when truncated
  return res;
}

// TXT texts of `name` in the answer section (character-strings joined).
std::vector<std::string> answer_txt(ldns_pkt* pkt, ldns_rdf* name, std::uint32_t& ttl) {
  std::vector<std::string> out;
  ldns_rr_list* answer = ldns_pkt_answer(pkt);
  for (std::size_t i = 0; answer != nullptr && i < ldns_rr_list_rr_count(answer); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT) continue;
    if (ldns_dname_compare(ldns_rr_owner(rr), name) != 0) continue;
    std::string text;
    for (std::size_t k = 0; k < ldns_rr_rd_count(rr); ++k) {
      ldns_rdf* rdf = ldns_rr_rdf(rr, k);
      const std::uint8_t* data = ldns_rdf_data(rdf);
      std::size_t size = ldns_rdf_size(rdf);
      if (size == 0) continue;
      std::size_t len = std::min<std::size_t>(data[0], size - 1);  // length byte first
      text.append(reinterpret_cast<const char*>(data + 1), len);
    }
    ttl = ttl == 0 ? ldns_rr_ttl(rr) : std::max(ttl, ldns_rr_ttl(rr));
    out.push_back(std::move(text));
  }
  return out;
}

Observation ask_server(const Server& server, const ExpectedRecord& expected, unsigned timeout_ms) {
  std::string where = server.ip + "@" + std::to_string(server.port);
  ResolverPtr res = make_resolver({server}, /*recursive=*/false, timeout_ms);
  RdfPtr name(ldns_dname_new_frm_str(expected.publish_name.c_str()));
  if (!res || ldns_resolver_nameserver_count(res.get()) == 0 || !name) {
    return Observation{LiveState::kError, 0, "cannot ask " + where};
  }
  ldns_pkt* raw = nullptr;
  ldns_status st = ldns_resolver_query_status(&raw, res.get(), name.get(), LDNS_RR_TYPE_TXT,
                                              LDNS_RR_CLASS_IN, 0);
  PktPtr pkt(raw);
  if (st != LDNS_STATUS_OK || !pkt) {
    return Observation{LiveState::kError, 0,
                       where + ": " + ldns_get_errorstr_by_id(st)};
  }
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt.get());
  if (rcode == LDNS_RCODE_NXDOMAIN) return Observation{LiveState::kMissing, 0, where + ": NXDOMAIN"};
  if (rcode != LDNS_RCODE_NOERROR) {
    return Observation{LiveState::kError, 0, where + ": rcode " + std::to_string(rcode)};
  }
  std::uint32_t ttl = 0;
  auto texts = answer_txt(pkt.get(), name.get(), ttl);
  Observation o = compare_records(texts, ttl, expected);
  o.detail = where + ": " + o.detail;
  return o;
}

// The zone's NS addresses, found through the discovery resolver.
std::vector<Server> discover(const std::string& owner, const std::vector<std::string>& discovery,
                             unsigned timeout_ms, std::string& error) {
  ResolverPtr base;
  if (discovery.empty()) {
    ldns_resolver* r = nullptr;
    if (ldns_resolver_new_frm_file(&r, nullptr) != LDNS_STATUS_OK) {
      error = "cannot read /etc/resolv.conf";
      return {};
    }
    base.reset(r);
    ldns_resolver_set_retry(base.get(), 2);
  } else {
    std::vector<Server> servers;
    for (const auto& s : discovery) {
      Server sv;
      if (parse_server(s, sv)) servers.push_back(sv);
    }
    base = make_resolver(servers, /*recursive=*/true, timeout_ms);
  }
  if (!base) {
    error = "cannot set up a resolver";
    return {};
  }
  std::vector<Server> out;
  // Walk up from the owner's parent until a name has NS records: the zone cut.
  std::string candidate = owner;
  for (;;) {
    auto dot = candidate.find('.');
    if (dot == std::string::npos) break;
    candidate = candidate.substr(dot + 1);
    RdfPtr zone(ldns_dname_new_frm_str(candidate.c_str()));
    if (!zone) break;
    ldns_pkt* raw = nullptr;
    ldns_status st = ldns_resolver_query_status(&raw, base.get(), zone.get(), LDNS_RR_TYPE_NS,
                                                LDNS_RR_CLASS_IN, LDNS_RD);
    PktPtr pkt(raw);
    if (st != LDNS_STATUS_OK || !pkt) {
      error = "NS lookup of " + candidate + ": " + ldns_get_errorstr_by_id(st);
      return {};
    }
    RrListPtr ns(ldns_pkt_rr_list_by_name_and_type(pkt.get(), zone.get(), LDNS_RR_TYPE_NS,
                                                   LDNS_SECTION_ANSWER));
    if (!ns || ldns_rr_list_rr_count(ns.get()) == 0) continue;
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(ns.get()); ++i) {
      ldns_rdf* host = ldns_rr_rdf(ldns_rr_list_rr(ns.get(), i), 0);
      RrListPtr addrs(ldns_get_rr_list_addr_by_name(base.get(), host, LDNS_RR_CLASS_IN, LDNS_RD));
      for (std::size_t k = 0; addrs && k < ldns_rr_list_rr_count(addrs.get()); ++k) {
        char* text = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(addrs.get(), k), 0));
        if (text != nullptr) {
          out.push_back(Server{text, 53});
          LDNS_FREE(text);
        }
      }
    }
    if (out.empty()) error = "no address for the name servers of " + candidate;
    return out;
  }
  error = "no zone cut found above " + owner;
  return out;
}

}  // namespace

Observation compare_records(const std::vector<std::string>& txt_texts, std::uint32_t ttl,
                            const ExpectedRecord& expected) {
  std::vector<const std::string*> candidates;
  for (const auto& t : txt_texts) {
    if (looks_like_key_record(t)) candidates.push_back(&t);
  }
  if (candidates.empty()) return Observation{LiveState::kMissing, 0, "no DKIM key record"};
  if (candidates.size() > 1) {
    return Observation{LiveState::kMismatch, ttl,
                       std::to_string(candidates.size()) + " DKIM key records at one name"};
  }
  auto rec = dkim::parse_key_record(*candidates.front());
  if (!rec) return Observation{LiveState::kMismatch, ttl, "unreadable key record: " + rec.error().message};
  if (expected.public_key.empty()) {
    if (rec->revoked) return Observation{LiveState::kLive, ttl, "revoked (p= empty) as expected"};
    return Observation{LiveState::kMismatch, ttl, "a key is published where p= empty is expected"};
  }
  if (rec->revoked) return Observation{LiveState::kMismatch, ttl, "revoked (p= empty)"};
  if (rec->type != key_type_of(expected.family)) {
    return Observation{LiveState::kMismatch, ttl, "a key of another type"};
  }
  auto want = dkim::decode_base64(expected.public_key);
  if (!want || *want != rec->public_key) {
    return Observation{LiveState::kMismatch, ttl, "another key is published"};
  }
  return Observation{LiveState::kLive, ttl, "live"};
}

Observation ResolverChecker::check(const ExpectedRecord& expected) {
  auto txt = dns::lookup_txt(resolver_, expected.lookup_name);
  if (!txt) {
    const auto& e = txt.error();
    if (e.not_found()) {
      return Observation{LiveState::kMissing, 0, std::string(dns::dns_status_name(e.status))};
    }
    return Observation{LiveState::kError, 0, std::string(dns::dns_status_name(e.status)) + ": " + e.reason};
  }
  std::vector<std::string> texts;
  for (const auto& r : txt->records) texts.push_back(r.joined());
  return compare_records(texts, txt->ttl, expected);
}

AuthoritativeChecker::AuthoritativeChecker(std::vector<std::string> servers,
                                           std::vector<std::string> discovery_servers,
                                           unsigned timeout_ms)
    : servers_(std::move(servers)), discovery_(std::move(discovery_servers)),
      timeout_ms_(timeout_ms) {}

Observation AuthoritativeChecker::check(const ExpectedRecord& expected) {
  std::vector<Server> servers;
  if (!servers_.empty()) {
    for (const auto& s : servers_) {
      Server sv;
      if (!parse_server(s, sv)) return Observation{LiveState::kError, 0, "bad server " + s};
      servers.push_back(sv);
    }
  } else {
    std::string error;
    servers = discover(expected.publish_name, discovery_, timeout_ms_, error);
    if (servers.empty()) return Observation{LiveState::kError, 0, "authoritative servers: " + error};
  }
  Observation worst{LiveState::kLive, 0, "live at " + std::to_string(servers.size()) + " server(s)"};
  for (const auto& s : servers) {
    Observation o = ask_server(s, expected, timeout_ms_);
    if (o.state != LiveState::kLive) return o;
    worst.ttl = std::max(worst.ttl, o.ttl);
  }
  return worst;
}

Observation AllCheckers::check(const ExpectedRecord& expected) {
  Observation live{LiveState::kLive, 0, "live"};
  std::optional<Observation> other;
  for (LiveChecker* c : checkers_) {
    Observation o = c->check(expected);
    if (o.state == LiveState::kError) return o;
    if (o.state != LiveState::kLive) {
      if (!other) other = o;
      continue;
    }
    live.ttl = std::max(live.ttl, o.ttl);
  }
  return other ? *other : live;
}

ExpectedRecord expected_record(const DomainState& d, int set, int slot) {
  const KeySet& s = d.sets.at(static_cast<std::size_t>(set));
  const Slot& x = s.slots.at(static_cast<std::size_t>(slot));
  ExpectedRecord e;
  e.lookup_name = lookup_name(d.domain, x.selector);
  e.publish_name = publish_name(d, x.selector);
  e.family = s.family;
  e.public_key = x.state == SlotState::kRevoked ? "" : x.public_key;
  return e;
}

}  // namespace authguard::keys
