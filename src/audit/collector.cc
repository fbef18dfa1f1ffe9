// collector.cc: the bounded query window and the per-domain DNS questions of
// the audit.
#include "audit/collector.h"

#include <algorithm>
#include <thread>

#include "core/strings.h"
#include "dmarc/discovery.h"
#include "dmarc/record.h"
#include "spf/macro.h"
#include "spf/parse.h"

namespace authguard::audit {

// ---- QueryWindow ----------------------------------------------------------

QueryWindow::QueryWindow(dns::Resolver& resolver, std::size_t max_in_flight)
    : resolver_(resolver), max_in_flight_(std::max<std::size_t>(1, max_in_flight)) {}

void QueryWindow::ask(std::string name, dns::RecordType type, Handler handler) {
  queue_.push_back({std::move(name), type, std::move(handler)});
}

void QueryWindow::fill() {
  // A synchronous answer runs its handler inside query_async; what that
  // handler asks is queued and started by this same loop, never by a nested
  // fill(), so the stack stays flat however long an include chain is.
  if (filling_) return;
  filling_ = true;
  while (in_flight_ < max_in_flight_ && !queue_.empty()) {
    Query q = std::move(queue_.front());
    queue_.pop_front();
    ++in_flight_;
    ++started_;
    peak_ = std::max(peak_, in_flight_);
    resolver_.query_async(q.name, q.type,
                          [this, handler = std::move(q.handler)](dns::DnsResult<dns::RRset> r) {
                            --in_flight_;
                            handler(std::move(r));
                          });
  }
  filling_ = false;
}

void QueryWindow::pump() {
  if (resolver_.poll() == 0) std::this_thread::sleep_for(kIdleWait);
}

// ---- Collector ------------------------------------------------------------

struct Collector::Pending {
  std::size_t index = 0;
  DomainSnapshot snap;
  std::size_t outstanding = 0;  // queries asked and not yet answered, plus the start token
  std::size_t spf_queries = 0;
};

namespace {

template <class Decode>
auto decoded(const dns::DnsResult<dns::RRset>& r, Decode decode) -> decltype(decode(*r)) {
  if (!r) return std::unexpected(r.error());
  return decode(*r);
}

std::string lower_name(const DomainName& d) { return d.lower(); }

// The host of a mailto: report URI ("mailto:d@example.com!10m" -> example.com).
std::optional<DomainName> report_host(std::string_view uri) {
  if (!istarts_with(uri, "mailto:")) return std::nullopt;
  std::string_view addr = uri.substr(7);
  addr = addr.substr(0, addr.find('!'));
  auto at = addr.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  auto host = DomainName::parse(addr.substr(at + 1));
  if (!host) return std::nullopt;
  return *host;
}

}  // namespace

Collector::Collector(dns::Resolver& resolver, OrgDomainFn org_domain, CollectorOptions options)
    : resolver_(resolver),
      org_domain_(std::move(org_domain)),
      options_(std::move(options)),
      window_(resolver, std::min(options_.max_in_flight, kMaxMaxInFlight)) {}

Collector::~Collector() = default;

void Collector::run(const std::vector<AuditTarget>& targets, const DoneFn& done,
                    const ProgressFn& progress) {
  done_ = &done;
  completed_ = 0;
  pending_.clear();
  pending_.resize(targets.size());
  std::size_t next = 0;
  std::size_t reported = static_cast<std::size_t>(-1);
  for (;;) {
    // Admit a new domain only when nothing is waiting for the window: the
    // follow-ups of domains already started go first, so domains finish (and
    // free their snapshot) in roughly the order they began.
    while (next < targets.size() && window_.queued() == 0 &&
           window_.in_flight() < options_.max_in_flight) {
      auto p = std::make_unique<Pending>();
      p->index = next;
      p->snap.target = targets[next];
      p->snap.organizational_domain = org_domain_(targets[next].domain);
      pending_[next] = std::move(p);
      start(*pending_[next]);
      ++next;
      window_.fill();
    }
    window_.fill();
    if (progress && completed_ != reported) {
      reported = completed_;
      progress(completed_, targets.size());
    }
    if (next == targets.size() && window_.idle()) break;
    if (window_.in_flight() > 0) window_.pump();
  }
  done_ = nullptr;
}

void Collector::ask(Pending& p, std::string name, dns::RecordType type,
                    QueryWindow::Handler handler) {
  ++p.outstanding;
  Pending* pp = &p;
  window_.ask(std::move(name), type, [this, pp, h = std::move(handler)](dns::DnsResult<dns::RRset> r) {
    h(std::move(r));
    finish_one(*pp);
  });
}

void Collector::finish_one(Pending& p) {
  if (--p.outstanding != 0) return;
  std::size_t index = p.index;
  DomainSnapshot snap = std::move(p.snap);
  pending_[index].reset();  // p is gone from here on
  ++completed_;
  (*done_)(index, std::move(snap));
}

void Collector::start(Pending& p) {
  ++p.outstanding;  // the start token: the domain can't finish while its questions are asked
  const DomainName& domain = p.snap.target.domain;
  const std::string name = domain.str();
  Pending* pp = &p;

  ask(p, "_dmarc." + name, dns::RecordType::kTxt, [this, pp](dns::DnsResult<dns::RRset> r) {
    pp->snap.dmarc = decoded(r, dns::decode_txt);
    after_dmarc(*pp);
  });

  const std::string key = lower_name(domain);
  p.snap.spf_txt[key] = std::nullopt;
  ask(p, name, dns::RecordType::kTxt, [this, pp, key](dns::DnsResult<dns::RRset> r) {
    pp->snap.spf_txt[key] = decoded(r, dns::decode_txt);
    after_spf(*pp, key, 0);
  });

  ask(p, name, dns::RecordType::kMx, [pp](dns::DnsResult<dns::RRset> r) {
    pp->snap.mx = decoded(r, dns::decode_mx);
  });

  // Non-sending domains sign nothing: no DKIM questions, no DKIM findings.
  if (p.snap.target.kind == DomainKind::kSending) {
    p.snap.dkim.reserve(options_.selectors.size());
    for (const auto& selector : options_.selectors) {
      p.snap.dkim.push_back({selector, selector + "._domainkey." + name, std::nullopt, std::nullopt});
    }
    for (std::size_t i = 0; i < p.snap.dkim.size(); ++i) {
      const std::string& key_name = p.snap.dkim[i].name;
      // The CNAME itself tells where the key is delegated (Microsoft 365);
      // the TXT query follows it to the key.
      ask(p, key_name, dns::RecordType::kCname, [pp, i](dns::DnsResult<dns::RRset> r) {
        pp->snap.dkim[i].cname = decoded(r, dns::decode_names);
      });
      ask(p, key_name, dns::RecordType::kTxt, [pp, i](dns::DnsResult<dns::RRset> r) {
        pp->snap.dkim[i].txt = decoded(r, dns::decode_txt);
      });
    }
  }
  finish_one(p);
}

void Collector::after_dmarc(Pending& p) {
  const TxtAnswer& answer = *p.snap.dmarc;
  const DomainName& domain = p.snap.target.domain;
  Pending* pp = &p;
  std::vector<std::string> candidates;
  if (answer) {
    candidates = dmarc_candidates(*answer);
  } else if (!answer.error().not_found()) {
    return;  // a temporary or malformed answer: nothing to build on
  }
  if (candidates.empty()) {
    // No record of its own: receivers walk up the tree (RFC 9989 §4.10).
    // The audit looks as far as the organizational domain; a policy from
    // above it (a public suffix's) is not the owner's to rely on.
    const DomainName& org = p.snap.organizational_domain;
    auto targets = dmarc::walk_targets(domain);
    for (std::size_t i = 1; i < targets.size(); ++i) {
      if (!targets[i].is_subdomain_of(org)) break;
      p.snap.dmarc_ancestors.push_back({targets[i], std::nullopt});
    }
    for (std::size_t i = 0; i < p.snap.dmarc_ancestors.size(); ++i) {
      ask(p, "_dmarc." + p.snap.dmarc_ancestors[i].domain.str(), dns::RecordType::kTxt,
          [pp, i](dns::DnsResult<dns::RRset> r) {
            pp->snap.dmarc_ancestors[i].txt = decoded(r, dns::decode_txt);
          });
    }
    return;
  }
  if (candidates.size() != 1) return;
  auto record = dmarc::parse_record(candidates.front());
  if (!record) return;
  // External report destinations must agree to receive the reports
  // (RFC 7489 §7.1): <domain>._report._dmarc.<destination> TXT "v=DMARC1".
  const DomainName org = p.snap.organizational_domain;
  std::vector<std::string> seen;
  for (const auto& uri : record->rua) {
    auto host = report_host(uri);
    if (!host || org_domain_(*host) == org) continue;
    std::string dest = host->lower();
    if (std::find(seen.begin(), seen.end(), dest) != seen.end()) continue;
    seen.push_back(dest);
    p.snap.report_authorizations.push_back(
        {uri, dest, domain.lower() + "._report._dmarc." + dest, std::nullopt});
  }
  for (std::size_t i = 0; i < p.snap.report_authorizations.size(); ++i) {
    ask(p, p.snap.report_authorizations[i].name, dns::RecordType::kTxt,
        [pp, i](dns::DnsResult<dns::RRset> r) {
          pp->snap.report_authorizations[i].txt = decoded(r, dns::decode_txt);
        });
  }
}

void Collector::after_spf(Pending& p, const std::string& name, unsigned depth) {
  const auto& entry = p.snap.spf_txt[name];
  if (!entry || !*entry) return;
  // A non-sending domain's record must be exactly "v=spf1 -all": compared as
  // text, nothing to expand.
  if (depth == 0 && p.snap.target.kind != DomainKind::kSending) return;
  auto candidates = spf_candidates(**entry);
  if (candidates.size() != 1) return;
  auto record = spf::parse_record(candidates.front());
  if (!record) return;
  expand_spf(p, *record, name, depth);
}

void Collector::expand_spf(Pending& p, const spf::SpfRecord& record, const std::string& current,
                           unsigned depth) {
  for (const auto& d : record.directives) {
    auto target = spf_target(d, current);
    if (!target) continue;
    switch (d.kind) {
      case spf::MechanismKind::kInclude: fetch_spf(p, *target, depth + 1); break;
      case spf::MechanismKind::kA:
      case spf::MechanismKind::kExists: fetch_a(p, *target); break;
      case spf::MechanismKind::kMx: fetch_mx(p, *target); break;
      default: break;
    }
  }
  // §6.1: redirect= is ignored when the record has an "all".
  if (!record.has_all) {
    if (auto target = spf_redirect_target(record)) fetch_spf(p, *target, depth + 1);
  }
}

namespace {

// A name SPF can't query is treated as one that does not exist (RFC 7208
// §4.3 by analogy), without asking DNS.
template <class T>
dns::DnsResult<T> unqueryable(const std::string& name) {
  return std::unexpected(
      dns::DnsError{dns::DnsStatus::kNxDomain, "'" + name + "' is not a valid domain name", 0});
}

}  // namespace

// Whether to ask for `name` into `map`: not when already asked, when SPF
// can't query it (recorded as not existing), or past the query budget
// (recorded as truncated). Marks it asked and counts the query otherwise.
template <class T>
bool Collector::admit(Pending& p, std::map<std::string, std::optional<dns::DnsResult<T>>>& map,
                      const std::string& name, bool over_budget) {
  if (map.contains(name)) return false;
  if (!spf::is_queryable_name(name)) {
    map[name] = unqueryable<T>(name);
    return false;
  }
  if (over_budget || p.spf_queries >= options_.max_spf_queries) {
    p.snap.spf_truncated = true;
    return false;
  }
  map[name] = std::nullopt;
  ++p.spf_queries;
  return true;
}

void Collector::fetch_spf(Pending& p, const std::string& name, unsigned depth) {
  if (!admit(p, p.snap.spf_txt, name, depth > options_.max_spf_include_depth)) return;
  Pending* pp = &p;
  ask(p, name, dns::RecordType::kTxt, [this, pp, name, depth](dns::DnsResult<dns::RRset> r) {
    pp->snap.spf_txt[name] = decoded(r, dns::decode_txt);
    after_spf(*pp, name, depth);
  });
}

void Collector::fetch_a(Pending& p, const std::string& name) {
  if (!admit(p, p.snap.spf_a, name, false)) return;
  Pending* pp = &p;
  ask(p, name, dns::RecordType::kA, [pp, name](dns::DnsResult<dns::RRset> r) {
    pp->snap.spf_a[name] = decoded(r, dns::decode_address);
  });
}

void Collector::fetch_mx(Pending& p, const std::string& name) {
  if (!admit(p, p.snap.spf_mx, name, false)) return;
  Pending* pp = &p;
  ask(p, name, dns::RecordType::kMx, [pp, name](dns::DnsResult<dns::RRset> r) {
    pp->snap.spf_mx[name] = decoded(r, dns::decode_mx);
  });
}

}  // namespace authguard::audit
