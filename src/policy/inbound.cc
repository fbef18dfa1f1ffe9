// inbound.cc: SPF, DKIM and DMARC composed into one verdict and header.
#include "policy/inbound.h"

#include "authres/forged.h"
#include "authres/header.h"
#include <algorithm>
#include <cstdio>

#include "core/strings.h"
#include "core/log.h"
#include "core/secure.h"
#include "quarantine/release.h"
#include "spf/header.h"

namespace authguard::policy {

namespace {

// The address inside angle brackets of a Return-Path value, "" for <>.
std::string path_address(std::string_view value) {
  value = trim(value);
  auto open = value.find('<');
  auto close = value.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(trim(value.substr(open + 1, close - open - 1)));
  }
  return std::string(value);
}

}  // namespace

Result<Envelope> envelope_from_headers(const Message& message) {
  Envelope env;
  if (const HeaderField* rp = message.find_first("Return-Path")) {
    env.mail_from = path_address(rp->unfolded());
  }
  const HeaderField* received = message.find_first("Received");
  if (received == nullptr) return env;
  std::string text = received->unfolded();
  // "from HELO (NAME [IP])" or "from HELO ([IP])"; the IP may carry an
  // "IPv6:" prefix (RFC 5321 address literal).
  auto from = text.find("from ");
  if (from == std::string::npos) return env;
  std::string_view rest = std::string_view(text).substr(from + 5);
  rest = trim(rest);
  auto helo_end = rest.find_first_of(" \t(");
  env.helo = std::string(rest.substr(0, helo_end));
  auto open = rest.find('[');
  auto close = rest.find(']', open == std::string_view::npos ? 0 : open);
  auto paren_close = rest.find(')');
  if (open != std::string_view::npos && close != std::string_view::npos &&
      (paren_close == std::string_view::npos || open < paren_close)) {
    std::string_view ip = rest.substr(open + 1, close - open - 1);
    if (istarts_with(ip, "IPv6:")) ip.remove_prefix(5);
    auto parsed = IpAddress::parse(ip);
    if (!parsed) return fail(ErrorKind::kInvalidInput, "first Received field has a bad client IP");
    env.client_ip = *parsed;
  }
  return env;
}

RuleInput rule_input(const Message& message, const InboundVerdict& v, const Envelope& envelope,
                     bool with_headers) {
  // Our field's value, as a view: after "Authentication-Results: ", before
  // the CRLF.
  constexpr std::size_t kNameAndColon = sizeof("Authentication-Results: ") - 1;
  const std::string& field = v.authentication_results;
  std::string_view ours;
  if (field.size() >= kNameAndColon + 2) {
    ours = std::string_view(field).substr(kNameAndColon, field.size() - kNameAndColon - 2);
  }

  // Rules see the message as it will be delivered: forged fields claiming
  // our authserv-id gone, ours added, so a sender can neither dodge a rule
  // nor trip one by writing headers. Views, not copies; skipped unless
  // with_headers.
  RuleInput in;
  if (with_headers) {
    const auto& fields = message.headers();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      bool forged = std::find(v.forged_authres.begin(), v.forged_authres.end(), i) !=
                    v.forged_authres.end();
      if (!forged) in.headers.emplace_back(fields[i].name, fields[i].value);
    }
    in.headers.emplace_back("Authentication-Results", ours);
  }
  in.from_address = v.dmarc.author_address;
  in.from_domain = v.dmarc.header_from;
  in.client_ip = envelope.client_ip;
  in.spf = v.spf ? spf::result_name(v.spf->result) : "none";
  for (const auto& sig : v.dkim) in.dkim.emplace_back(dkim::result_name(sig.result));
  in.dmarc = dmarc::result_name(v.dmarc.result);
  in.compauth = compauth_status_name(v.compauth.result);
  in.dmarc_action = v.dmarc.action;
  in.recipients = envelope.recipients;
  in.size = message.bytes().size();
  in.accepted_spoof = v.compauth.intra_org_spoof;
  return in;
}

InboundChecker::InboundChecker(dns::Resolver& resolver, const Clock& clock, const Config& config,
                               history::HistoryStore* history)
    : resolver_(resolver),
      clock_(clock),
      config_(config),
      history_(history),
      rules_read_headers_(reads_headers(config.rules)),
      spf_(resolver, clock, config.spf),
      dkim_(resolver, clock, config.dkim),
      dmarc_(resolver, dmarc::DmarcOptions{config.dmarc_mode, {}}) {}

InboundChecker::~InboundChecker() { wipe(release_key_); }

InboundVerdict InboundChecker::check(const Message& message, const Envelope& envelope) {
  InboundVerdict v;
  authres::HeaderBuilder ar(config_.authserv_id);

  if (envelope.client_ip) {
    spf::SpfRequest request;
    request.client_ip = *envelope.client_ip;
    request.helo = envelope.helo;
    request.mail_from = envelope.mail_from;
    request.receiver = config_.authserv_id;
    v.spf = spf_.evaluate(request);
    const char* ptype_prop = v.spf->scope == spf::SpfScope::kHelo ? "helo" : "mailfrom";
    ar.add("spf", spf::result_name(v.spf->result), {{"smtp", ptype_prop, v.spf->domain}});
  } else {
    ar.add("spf", "none", {}, "", "not checked: no client IP");
  }

  v.dkim = dkim_.verify(message);
  if (v.dkim.empty()) ar.add("dkim", "none", {}, "", "message not signed");
  for (const auto& sig : v.dkim) {
    std::vector<authres::Property> props;
    if (!sig.domain.empty()) props.push_back({"header", "d", sig.domain});
    if (!sig.selector.empty()) props.push_back({"header", "s", sig.selector});
    if (!sig.algorithm.empty()) props.push_back({"header", "a", sig.algorithm});
    if (!sig.b_prefix.empty()) props.push_back({"header", "b", sig.b_prefix});
    ar.add("dkim", dkim::result_name(sig.result), props, "", sig.reason);
  }

  spf::SpfOutput no_spf;  // result none: nothing to align
  v.dmarc = dmarc_.evaluate(message, v.spf ? *v.spf : no_spf, v.dkim);

  // Composite authentication may override a DMARC reject (oreject), as
  // Microsoft 365 does; the header shows the action it settled on.
  v.compauth = compauth(v.dmarc, gather_signals(v, envelope, v.temporary_error),
                        config_.compauth.options);
  v.dmarc.action = v.compauth.action;
  std::vector<authres::Property> dmarc_props;
  dmarc_props.push_back({"", "action", v.dmarc.action});
  if (!v.dmarc.header_from.empty()) dmarc_props.push_back({"header", "from", v.dmarc.header_from});
  ar.add("dmarc", dmarc::result_name(v.dmarc.result), dmarc_props);
  ar.add("compauth", compauth_status_name(v.compauth.result), {}, v.compauth.reason_text());

  v.forged_authres = authres::find_claiming(message, config_.authserv_id);
  v.authentication_results = ar.field("\r\n");
  RuleInput in = rule_input(message, v, envelope, rules_read_headers_);
  v.rules = run_rules(config_.rules, in);
  // Audit mode: the log says what the rule would have done (the verdict
  // lists it too); enforced matches show in the disposition.
  for (const auto& m : v.rules.matched) {
    const log::Level level = m.enforce ? log::Level::kDebug : log::Level::kInfo;
    if (!log::enabled(level)) continue;
    std::string acts;
    for (const auto& a : m.actions) acts += (acts.empty() ? "" : ",") + a;
    log::write(level, m.enforce ? "rule.match" : "rule.audit",
               {{"rule", m.name}, {"would", acts}, {"from_domain", v.dmarc.header_from},
                {"dmarc", in.dmarc}, {"action", in.dmarc_action}});
  }

  // A message an administrator released carries our marker: it is not
  // quarantined again. A forged or stale marker changes nothing.
  quarantine::MarkedBody body(message.body());  // hashed once, if a marker gets that far
  for (const auto& field : message.headers()) {
    if (!iequals(field.name, quarantine::kReleaseHeader)) continue;
    std::string value = field.unfolded();
    if (quarantine::valid_release_marker(release_key_, value, body, clock_.now(), release_max_age_)) {
      v.release = "valid";
      v.released_id = quarantine::release_marker_id(value);
      break;
    }
    v.release = "invalid";
  }
  // It comes back from the relay, not from its original client, so SPF and
  // history say little now: the administrator's review stands in for them,
  // and neither a quarantine nor a DMARC reject holds it again.
  if (v.release == "valid") {
    v.rules.disposition = Disposition::kDeliver;
    v.rules.quarantine_policy.clear();
  }
  return v;
}

void InboundChecker::honour_release_markers(std::string key, std::int64_t max_age_seconds) {
  release_key_ = std::move(key);
  release_max_age_ = max_age_seconds;
}

namespace {

bool listed(const std::vector<DomainName>& list, const DomainName& d) {
  for (const auto& entry : list) {
    if (d.is_subdomain_of(entry)) return true;
  }
  return false;
}

// Names a PTR answer may hold that are looked at (RFC 7208 §4.6.4's bound).
constexpr std::size_t kMaxPtrNames = 10;

}  // namespace

CompAuthSignals InboundChecker::gather_signals(const InboundVerdict& v, const Envelope& envelope,
                                               std::string& temporary) {
  CompAuthSignals s;
  auto from = DomainName::parse(v.dmarc.header_from);
  if (!from) return s;
  s.from_accepted_domain = listed(config_.accepted_domains, *from);
  s.allow_listed = listed(config_.compauth.allow, *from);
  s.block_listed = listed(config_.compauth.block, *from);
  // Most mail passes DMARC: the DNS and history lookups below are made only
  // when the decision will read what they find.
  if (!implicit_signals_matter(v.dmarc, s)) return s;
  auto org_of = [&](const DomainName& d) -> std::optional<DomainName> {
    auto org = dmarc_.finder().organizational_domain(d);
    if (org.temporary) return std::nullopt;
    return org.domain;
  };
  std::optional<DomainName> from_org;
  if (auto known = DomainName::parse(v.dmarc.org_domain)) {
    from_org = *known;  // DMARC found it already
  } else {
    from_org = org_of(*from);
  }
  if (!from_org) return s;

  // Forward-confirmed reverse DNS whose organizational domain is the From's.
  std::optional<DomainName> rdns_org;
  if (envelope.client_ip) {
    if (auto ptr = dns::lookup_ptr(resolver_, *envelope.client_ip)) {
      std::size_t seen = 0;
      for (const auto& name : ptr->records) {
        if (++seen > kMaxPtrNames) break;
        auto forward = envelope.client_ip->is_v4() ? dns::lookup_a(resolver_, name)
                                                   : dns::lookup_aaaa(resolver_, name);
        if (!forward) continue;
        bool confirmed = false;
        for (const auto& ip : forward->records) confirmed |= ip == *envelope.client_ip;
        auto parsed = DomainName::parse(name);
        if (!confirmed || !parsed) continue;
        rdns_org = org_of(*parsed);
        if (rdns_org && *rdns_org == *from_org) s.fcrdns_org_match = true;
        break;
      }
    }
  }

  if (history_ == nullptr) return s;
  const auto& opt = config_.compauth.options;
  const UnixTime now = clock_.now();
  auto stats = [&](const DomainName& org, std::string_view network) -> history::SenderStats {
    auto r = history_->sender(org.lower(), network, now, opt.window_days);
    if (!r) {
      // Our own store failing is not "no history": the decision would be
      // made on missing data, so the verdict is marked temporary.
      if (temporary.empty()) temporary = r.error().message;
      return history::SenderStats{};
    }
    return *r;
  };
  auto good = [&](const history::SenderStats& st) {
    return !st.distrusted(now) && st.messages >= opt.min_messages && st.days >= opt.min_days;
  };
  std::vector<std::string> networks;
  if (envelope.client_ip) networks.push_back(history::network_key(*envelope.client_ip));
  if (rdns_org) networks.push_back(history::rdns_network_key(*rdns_org));
  for (const auto& net : networks) {
    auto st = stats(*from_org, net);
    s.history_distrusted |= st.distrusted(now);
    if (static_cast<unsigned>(st.messages) > s.history_messages) {
      s.history_messages = static_cast<unsigned>(st.messages);
      s.history_days = static_cast<unsigned>(st.days);
    }
  }
  // An SPF or DKIM pass for a domain that is not aligned, but has its own
  // good history from this network.
  std::vector<DomainName> other;
  if (v.spf && v.spf->result == spf::SpfResult::kPass && !v.dmarc.spf_aligned) {
    if (auto d = DomainName::parse(v.spf->domain)) other.push_back(*d);
  }
  for (const auto& sig : v.dkim) {
    if (sig.result != dkim::DkimResult::kPass) continue;
    if (auto d = DomainName::parse(sig.domain)) other.push_back(*d);
  }
  for (const auto& d : other) {
    auto org = org_of(d);
    if (!org || *org == *from_org) continue;
    for (const auto& net : networks) s.nonaligned_pass_with_history |= good(stats(*org, net));
  }
  if (auto known = history_->known_recipient_domain(from->lower())) {
    s.known_correspondent = *known;
  } else if (temporary.empty()) {
    temporary = known.error().message;
  }
  return s;
}

}  // namespace authguard::policy
