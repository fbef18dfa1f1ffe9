// snapshot.cc: what counts as a DMARC or SPF record in a TXT answer, and the
// names SPF terms query.
#include "audit/snapshot.h"

#include "core/strings.h"
#include "dmarc/record.h"
#include "spf/macro.h"

namespace authguard::audit {

namespace {

// "v = DMARC1" with the spaces RFC 9989's ABNF allows removed, for the
// near-miss test only.
std::string squeeze(std::string_view text) {
  std::string out;
  for (char c : trim(text)) {
    if (!is_wsp(c)) out += c;
    if (out.size() >= 16) break;
  }
  return out;
}

std::optional<std::string> literal_name(const spf::MacroString& spec) {
  if (!spec.literal_only()) return std::nullopt;
  std::string name = spec.text();
  spf::truncate_domain(name);
  return to_lower(name);
}

}  // namespace

std::vector<std::string> dmarc_candidates(const dns::Answer<dns::TxtRecord>& txt) {
  std::vector<std::string> out;
  for (const auto& r : txt.records) {
    std::string joined = r.joined();
    if (dmarc::is_dmarc_record(joined) || istarts_with(squeeze(joined), "v=dmarc")) {
      out.push_back(std::move(joined));
    }
  }
  return out;
}

std::vector<std::string> spf_candidates(const dns::Answer<dns::TxtRecord>& txt) {
  std::vector<std::string> out;
  for (const auto& r : txt.records) {
    std::string joined = r.joined();
    if (istarts_with(trim(joined), "v=spf1")) out.push_back(std::move(joined));
  }
  return out;
}

std::optional<std::string> spf_target(const spf::Directive& directive, std::string_view current) {
  switch (directive.kind) {
    case spf::MechanismKind::kInclude:
    case spf::MechanismKind::kExists:
    case spf::MechanismKind::kA:
    case spf::MechanismKind::kMx:
      if (!directive.domain) return to_lower(current);
      return literal_name(*directive.domain);
    case spf::MechanismKind::kAll:
    case spf::MechanismKind::kPtr:
    case spf::MechanismKind::kIp4:
    case spf::MechanismKind::kIp6:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> spf_redirect_target(const spf::SpfRecord& record) {
  if (!record.redirect) return std::nullopt;
  return literal_name(*record.redirect);
}

std::string describe(const dns::DnsError& error) {
  switch (error.status) {
    case dns::DnsStatus::kNxDomain: return "NXDOMAIN";
    case dns::DnsStatus::kNoData: return "NODATA";
    case dns::DnsStatus::kTemporary: return "temporary failure (" + error.reason + ")";
    case dns::DnsStatus::kMalformed: return "malformed answer (" + error.reason + ")";
  }
  return "error";
}

}  // namespace authguard::audit
