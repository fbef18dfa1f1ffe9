// inbound.cc: SPF, DKIM and DMARC composed into one verdict and header.
#include "policy/inbound.h"

#include "authres/forged.h"
#include "authres/header.h"
#include "core/strings.h"
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

InboundChecker::InboundChecker(dns::Resolver& resolver, const Clock& clock, const Config& config)
    : config_(config),
      spf_(resolver, clock, config.spf),
      dkim_(resolver, clock, config.dkim),
      dmarc_(resolver, dmarc::DmarcOptions{config.dmarc_mode, {}}) {}

InboundChecker::~InboundChecker() = default;

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
  std::vector<authres::Property> dmarc_props;
  dmarc_props.push_back({"", "action", v.dmarc.action});
  if (!v.dmarc.header_from.empty()) dmarc_props.push_back({"header", "from", v.dmarc.header_from});
  ar.add("dmarc", dmarc::result_name(v.dmarc.result), dmarc_props);

  v.forged_authres = authres::find_claiming(message, config_.authserv_id);
  v.authentication_results = ar.field("\r\n");
  return v;
}

}  // namespace authguard::policy
