// rfc2136.cc: publishing key records by DNS UPDATE (RFC 2136) signed with
// TSIG (RFC 8945), through ldns.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/secure.h"
#include "core/strings.h"
#include "keys/publisher.h"

// ldns last: without HAVE_STDBOOL_H its common.h #defines bool, true and
// false, which breaks C++ headers parsed after it.
#include <ldns/ldns.h>

namespace authguard::keys {

namespace {

struct ResolverFree {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct RrListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};

// ldns names TSIG algorithms by their domain names (RFC 8945 §6).
bool tsig_algorithm_name(std::string_view short_name, std::string& out) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"hmac-md5", "hmac-md5.sig-alg.reg.int."}, {"hmac-sha1", "hmac-sha1."},
      {"hmac-sha224", "hmac-sha224."},           {"hmac-sha256", "hmac-sha256."},
      {"hmac-sha384", "hmac-sha384."},           {"hmac-sha512", "hmac-sha512."}};
  for (const auto& [k, v] : kNames) {
    if (iequals(short_name, k)) {
      out = v;
      return true;
    }
  }
  return false;
}

}  // namespace

Rfc2136Publisher::~Rfc2136Publisher() { wipe(tsig_secret_); }

Result<std::unique_ptr<Rfc2136Publisher>> Rfc2136Publisher::create(const PublisherConfig& c) {
  std::unique_ptr<Rfc2136Publisher> p(new Rfc2136Publisher());
  std::string server = c.server;
  auto at = server.rfind('@');
  if (at != std::string::npos) {
    unsigned long long port = 0;
    if (!parse_uint64(std::string_view(server).substr(at + 1), port) || port == 0 || port > 65535) {
      return fail(ErrorKind::kConfig, "keys.publisher.server: bad port in '" + server + "'");
    }
    p->port_ = static_cast<std::uint16_t>(port);
    server.resize(at);
  }
  p->ip_ = server;
  std::unique_ptr<ldns_rdf, RdfFree> probe(ldns_rdf_new_frm_str(
      server.find(':') != std::string::npos ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, server.c_str()));
  if (!probe) {
    return fail(ErrorKind::kConfig, "keys.publisher.server must be an IP address (\"IP\" or "
                                    "\"IP@PORT\"), got '" + c.server + "'");
  }
  p->zone_ = c.zone;
  p->timeout_seconds_ = c.timeout_seconds;
  if (!c.tsig_name.empty()) {
    p->tsig_name_ = c.tsig_name;
    if (p->tsig_name_.back() != '.') p->tsig_name_ += '.';
    if (!tsig_algorithm_name(c.tsig_algorithm, p->tsig_algorithm_)) {
      return fail(ErrorKind::kConfig, "keys.publisher.tsig_algorithm: unknown '" + c.tsig_algorithm + "'");
    }
    std::ifstream in(c.tsig_secret_file);
    if (!in) {
      return fail(ErrorKind::kConfig, "keys.publisher.tsig_secret_file: cannot read '" +
                                          c.tsig_secret_file + "'");
    }
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    p->tsig_secret_ = std::string(trim(text));
    wipe(text);
    if (p->tsig_secret_.empty()) {
      return fail(ErrorKind::kConfig, "keys.publisher.tsig_secret_file '" + c.tsig_secret_file +
                                          "' holds no secret");
    }
  }
  return p;
}

Result<void> Rfc2136Publisher::update(const DomainRecords& records) {
  std::string zone = zone_.empty() ? records.zone : zone_;
  std::unique_ptr<ldns_rdf, RdfFree> zone_rdf(ldns_dname_new_frm_str(zone.c_str()));
  if (!zone_rdf) return fail(ErrorKind::kConfig, "rfc2136: bad zone name '" + zone + "'");
  std::unique_ptr<ldns_rr_list, RrListFree> updates(ldns_rr_list_new());
  // Delete each key name's TXT RRset (class ANY, TTL 0, no rdata: RFC 2136
  // §2.5.2), then add what must be there. One message: applied whole.
  for (const auto& name : records.names) {
    ldns_rr* del = ldns_rr_new();
    ldns_rdf* owner = ldns_dname_new_frm_str(name.c_str());
    if (del == nullptr || owner == nullptr) {
      if (del) ldns_rr_free(del);
      if (owner) ldns_rdf_deep_free(owner);
      return fail(ErrorKind::kInvalidInput, "rfc2136: bad record name '" + name + "'");
    }
    ldns_rr_set_owner(del, owner);
    ldns_rr_set_ttl(del, 0);
    ldns_rr_set_class(del, LDNS_RR_CLASS_ANY);
    ldns_rr_set_type(del, LDNS_RR_TYPE_TXT);
    ldns_rr_list_push_rr(updates.get(), del);
  }
  for (const auto& r : records.records) {
    ldns_rr* add = nullptr;
    std::string line = zone_line(r);
    if (ldns_rr_new_frm_str(&add, line.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK) {
      return fail(ErrorKind::kInternal, "rfc2136: cannot encode the record for " + r.name);
    }
    ldns_rr_list_push_rr(updates.get(), add);
  }
  std::unique_ptr<ldns_pkt, PktFree> pkt(
      ldns_update_pkt_new(ldns_rdf_clone(zone_rdf.get()), LDNS_RR_CLASS_IN, nullptr,
                          updates.get(), nullptr));
  if (!pkt) return fail(ErrorKind::kInternal, "rfc2136: cannot build the update");
  // ldns_update_pkt_new took the zone name and cloned the update list,
  // which `updates` still frees.

  std::unique_ptr<ldns_resolver, ResolverFree> res(ldns_resolver_new());
  std::unique_ptr<ldns_rdf, RdfFree> addr(ldns_rdf_new_frm_str(
      ip_.find(':') != std::string::npos ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, ip_.c_str()));
  if (!res || !addr) return fail(ErrorKind::kInternal, "rfc2136: cannot set up a resolver");
  ldns_resolver_push_nameserver(res.get(), addr.get());
  ldns_resolver_set_port(res.get(), port_);
  ldns_resolver_set_usevc(res.get(), true);  // TCP: four RSA records overflow 512 bytes
  ldns_resolver_set_retry(res.get(), 1);
  timeval tv{static_cast<time_t>(timeout_seconds_), 0};
  ldns_resolver_set_timeout(res.get(), tv);
  if (!tsig_name_.empty()) {
    ldns_resolver_set_tsig_keyname(res.get(), tsig_name_.c_str());
    ldns_resolver_set_tsig_algorithm(res.get(), tsig_algorithm_.c_str());
    ldns_resolver_set_tsig_keydata(res.get(), tsig_secret_.c_str());
    if (ldns_update_pkt_tsig_add(pkt.get(), res.get()) != LDNS_STATUS_OK) {
      return fail(ErrorKind::kConfig, "rfc2136: cannot sign the update with TSIG key " + tsig_name_);
    }
  }
  ldns_pkt* raw = nullptr;
  ldns_status st = ldns_resolver_send_pkt(&raw, res.get(), pkt.get());
  std::unique_ptr<ldns_pkt, PktFree> answer(raw);
  std::string where = "rfc2136 update of zone " + zone + " at " + ip_ + "@" + std::to_string(port_);
  if (st != LDNS_STATUS_OK || !answer) {
    return fail(st == LDNS_STATUS_CRYPTO_TSIG_BOGUS ? ErrorKind::kConfig : ErrorKind::kTemporary,
                where + ": " + ldns_get_errorstr_by_id(st));
  }
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(answer.get());
  if (rcode != LDNS_RCODE_NOERROR) {
    char* text = ldns_pkt_rcode2str(rcode);
    std::string name = text != nullptr ? text : std::to_string(rcode);
    LDNS_FREE(text);
    // NOTAUTH and REFUSED are the server's "no": a wrong key, zone or ACL.
    bool refused = rcode == LDNS_RCODE_NOTAUTH || rcode == LDNS_RCODE_REFUSED ||
                   rcode == LDNS_RCODE_NOTZONE;
    return fail(refused ? ErrorKind::kConfig : ErrorKind::kTemporary, where + ": " + name);
  }
  return {};
}

std::vector<Result<void>> Rfc2136Publisher::publish(const std::vector<DomainRecords>& changed,
                                                    const std::vector<DomainRecords>&) {
  std::vector<Result<void>> out;
  for (const auto& d : changed) out.push_back(update(d));
  return out;
}

}  // namespace authguard::keys
