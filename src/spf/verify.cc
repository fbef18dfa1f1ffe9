// verify.cc: check_host() (RFC 7208 §4-§6) with the processing limits of
// §4.6.4 and a wall-clock budget.
//
// One Evaluation object lives for one evaluate() call and holds its counters.
// include recurses (bounded by max_include_depth and the DNS-term limit);
// redirect is a loop, since it replaces the current record (§6.1).
#include "spf/verify.h"

#include <array>
#include <cstring>
#include <optional>
#include <vector>

#include "core/domain.h"
#include "core/strings.h"
#include "dns/cache.h"
#include "spf/macro.h"
#include "spf/parse.h"

namespace authguard::spf {

namespace {

// The outcome of looking up and selecting the record of one domain (§4.4,
// §4.5), kept by domain in the ParsedCache.
struct FetchedRecord {
  enum class Kind { kRecord, kNone, kPermError, kTempError };
  Kind kind = Kind::kNone;
  SpfRecord record;
  std::string problem;
};

FetchedRecord select_record(const dns::DnsResult<dns::RRset>& answer, std::string_view domain,
                            const SpfLimits& limits) {
  FetchedRecord out;
  if (!answer) {
    if (answer.error().not_found()) {
      out.kind = FetchedRecord::Kind::kNone;
      out.problem = "no SPF record at " + std::string(domain);
    } else {
      // §4.4: a DNS error other than NXDOMAIN is temperror.
      out.kind = FetchedRecord::Kind::kTempError;
      out.problem = "DNS failure looking up TXT " + std::string(domain) + ": " +
                    answer.error().reason;
    }
    return out;
  }
  auto txt = dns::decode_txt(*answer);
  if (!txt) {
    out.kind = FetchedRecord::Kind::kTempError;
    out.problem = txt.error().reason;
    return out;
  }
  const dns::TxtRecord* chosen = nullptr;
  std::string text;
  for (const auto& rec : txt->records) {
    std::string joined = rec.joined();  // §4.5: strings joined without spaces
    if (!is_spf_record(joined)) continue;
    if (chosen != nullptr) {
      out.kind = FetchedRecord::Kind::kPermError;
      out.problem = "more than one SPF record at " + std::string(domain);  // §4.5
      return out;
    }
    chosen = &rec;
    text = std::move(joined);
  }
  if (chosen == nullptr) {
    out.kind = FetchedRecord::Kind::kNone;
    out.problem = "no SPF record at " + std::string(domain);
    return out;
  }
  auto parsed = parse_record(text, limits);
  if (!parsed) {
    out.kind = FetchedRecord::Kind::kPermError;
    out.problem = "SPF record of " + std::string(domain) + ": " + parsed.error().message;
    return out;
  }
  out.kind = FetchedRecord::Kind::kRecord;
  out.record = std::move(*parsed);
  return out;
}

SpfResult qualifier_result(Qualifier q) noexcept {
  switch (q) {
    case Qualifier::kPass: return SpfResult::kPass;
    case Qualifier::kFail: return SpfResult::kFail;
    case Qualifier::kSoftfail: return SpfResult::kSoftfail;
    case Qualifier::kNeutral: return SpfResult::kNeutral;
  }
  return SpfResult::kNeutral;
}

// Whether any A/AAAA rdata lies in the client's network of this length.
// AAAA records holding IPv4-mapped addresses never match: such a client is
// IPv4 (§5, and IpAddress's normalisation).
bool any_address_matches(const dns::RRset& set, const IpAddress& ip, unsigned prefix) {
  for (const std::string& rd : set.rdata) {
    if (rd.size() != ip.size()) continue;
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), rd.data(), rd.size());
    IpAddress candidate;
    if (ip.is_v4()) {
      candidate = IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
    } else {
      candidate = IpAddress::v6(bytes);
      if (candidate.is_v4()) continue;
    }
    if (ip.in_network(candidate, prefix)) return true;
  }
  return false;
}

bool is_name_or_below(std::string_view name, std::string_view target) noexcept {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (iequals(name, target)) return true;
  return name.size() > target.size() && name[name.size() - target.size() - 1] == '.' &&
         iends_with(name, target);
}

}  // namespace

struct Evaluator::State {
  State(dns::Resolver& r, const Clock& c, SpfOptions o)
      : resolver(r),
        clock(c),
        options(std::move(o)),
        records(c, options.record_cache_entries) {
    auto parsed = parse_macro_string(options.default_explanation, MacroUse::kExplanation);
    if (parsed) {
      default_explanation = std::move(*parsed);
    } else {
      // A default that is not valid macro syntax is used as plain text.
      MacroPiece literal;
      literal.literal = options.default_explanation;
      default_explanation.pieces.push_back(std::move(literal));
    }
  }

  dns::Resolver& resolver;
  const Clock& clock;
  SpfOptions options;
  MacroString default_explanation;
  dns::ParsedCache<FetchedRecord> records;
};

namespace {

class Evaluation {
 public:
  Evaluation(dns::Resolver& resolver, const Clock& clock, const SpfOptions& options,
             const MacroString& default_explanation, dns::ParsedCache<FetchedRecord>& records,
             const SpfRequest& request)
      : resolver_(resolver),
        clock_(clock),
        options_(options),
        limits_(options.limits),
        default_explanation_(default_explanation),
        records_(records),
        request_(request) {}

  SpfOutput run(SpfScope scope);

 private:
  enum class Match { kNo, kYes, kAbort };

  // The result of check_host() for one domain.
  struct HostResult {
    SpfResult result = SpfResult::kNeutral;
    std::string mechanism;
    std::shared_ptr<const FetchedRecord> record;  // whose exp= applies to a fail
    std::string domain;                           // <domain> when it was decided
  };

  HostResult check_host(std::string domain, unsigned depth);
  Match evaluate(const Directive& d, const std::string& domain, unsigned depth);
  Match include(const Directive& d, const std::string& domain, unsigned depth);
  Match address(const Directive& d, const std::string& domain);
  Match mx(const Directive& d, const std::string& domain);
  Match ptr(const Directive& d, const std::string& domain);
  Match exists(const Directive& d, const std::string& domain);

  std::string explain(const HostResult& decided);
  std::string_view validated_name(std::string_view domain);
  bool validates(const std::string& name);

  // DNS through the budget: every query is counted, and the clock is read
  // before and after it.
  dns::DnsResult<dns::RRset> query(std::string_view name, dns::RecordType type);
  std::shared_ptr<const FetchedRecord> fetch(const std::string& domain);
  bool over_budget();

  // Stops the evaluation with permerror or temperror; the first reason wins.
  Match abort(SpfResult result, std::string problem);
  Match dns_failure(const dns::DnsError& error, std::string_view name, dns::RecordType type);
  bool count_dns_term();   // false (and aborted) past max_dns_terms
  bool count_void();       // false (and aborted) past max_void_lookups
  Match void_answer() { return count_void() ? Match::kNo : Match::kAbort; }

  // Expands a target domain-spec into a query name (§7.3 truncation
  // included); false when expansion went over its limit (aborted).
  bool expand_target(const std::optional<MacroString>& spec, const std::string& domain,
                     std::string& out);
  bool expand(const MacroString& macro, std::string_view domain, std::string& out);
  void prepare_values();

  dns::Resolver& resolver_;
  const Clock& clock_;
  const SpfOptions& options_;
  const SpfLimits& limits_;
  const MacroString& default_explanation_;
  dns::ParsedCache<FetchedRecord>& records_;
  const SpfRequest& request_;

  SpfOutput out_;
  UnixTime start_ = 0;
  bool budget_exceeded_ = false;
  bool aborted_ = false;
  SpfResult abort_result_ = SpfResult::kPermError;

  std::string sender_;
  std::string_view local_part_;
  std::string_view sender_domain_;
  std::string helo_;

  bool values_ready_ = false;
  std::string ip_dotted_;
  std::string ip_text_;
  MacroValues values_;

  bool ptr_names_ready_ = false;
  std::vector<std::string> ptr_validated_;  // §5.5 validated names, for %{p}
};

bool Evaluation::over_budget() {
  if (!budget_exceeded_ && clock_.now() - start_ > limits_.max_elapsed_seconds) {
    budget_exceeded_ = true;
  }
  return budget_exceeded_;
}

dns::DnsResult<dns::RRset> Evaluation::query(std::string_view name, dns::RecordType type) {
  auto budget_error = [this] {
    return std::unexpected(dns::DnsError{
        dns::DnsStatus::kTemporary,
        "evaluation took longer than " + std::to_string(limits_.max_elapsed_seconds) + " s", 0});
  };
  if (over_budget()) return budget_error();
  ++out_.dns_lookups;
  auto answer = resolver_.query(name, type);
  if (over_budget()) return budget_error();
  return answer;
}

std::shared_ptr<const FetchedRecord> Evaluation::fetch(const std::string& domain) {
  if (over_budget()) return nullptr;
  ++out_.dns_lookups;
  auto fetched = records_.get_or_parse(
      resolver_, domain, dns::RecordType::kTxt,
      [&](const dns::DnsResult<dns::RRset>& answer) {
        return select_record(answer, domain, limits_);
      });
  if (over_budget()) return nullptr;
  return fetched;
}

Evaluation::Match Evaluation::abort(SpfResult result, std::string problem) {
  if (!aborted_) {
    aborted_ = true;
    abort_result_ = result;
    out_.problem = std::move(problem);
  }
  return Match::kAbort;
}

Evaluation::Match Evaluation::dns_failure(const dns::DnsError& error, std::string_view name,
                                          dns::RecordType type) {
  // §5: any DNS error other than NXDOMAIN ends the check with temperror.
  if (budget_exceeded_) return abort(SpfResult::kTempError, error.reason);
  return abort(SpfResult::kTempError, std::string("DNS failure looking up ") +
                                          dns::record_type_name(type) + " " + std::string(name) +
                                          ": " + error.reason);
}

bool Evaluation::count_dns_term() {
  if (++out_.dns_terms > limits_.max_dns_terms) {
    abort(SpfResult::kPermError, "more than " + std::to_string(limits_.max_dns_terms) +
                                     " DNS-querying terms (RFC 7208 §4.6.4)");
    return false;
  }
  return true;
}

bool Evaluation::count_void() {
  if (++out_.void_lookups > limits_.max_void_lookups) {
    abort(SpfResult::kPermError, "more than " + std::to_string(limits_.max_void_lookups) +
                                     " void DNS lookups (RFC 7208 §4.6.4)");
    return false;
  }
  return true;
}

void Evaluation::prepare_values() {
  if (values_ready_) return;
  values_ready_ = true;
  ip_dotted_ = request_.client_ip.dotted();
  ip_text_ = request_.client_ip.str();
  values_.sender = sender_;
  values_.local_part = local_part_;
  values_.sender_domain = sender_domain_;
  values_.ip_dotted = ip_dotted_;
  values_.ip_text = ip_text_;
  values_.ipv6 = request_.client_ip.is_v6();
  values_.helo = helo_;
  values_.receiver = request_.receiver.empty() ? std::string_view("unknown")
                                               : std::string_view(request_.receiver);
  values_.now = clock_.now();
}

bool Evaluation::expand(const MacroString& macro, std::string_view domain, std::string& out) {
  out.clear();
  if (macro.literal_only()) {
    out = macro.text();
    return true;
  }
  prepare_values();
  MacroValues v = values_;
  v.domain = domain;
  if (macro.uses_p) v.validated_name = validated_name(domain);
  return expand_macro(macro, v, limits_.max_expansion_bytes, out);
}

bool Evaluation::expand_target(const std::optional<MacroString>& spec, const std::string& domain,
                               std::string& out) {
  if (!spec) {
    out = domain;
    return true;
  }
  if (!expand(*spec, domain, out)) {
    abort(SpfResult::kPermError, "macro expansion longer than " +
                                     std::to_string(limits_.max_expansion_bytes) + " bytes");
    return false;
  }
  truncate_domain(out);
  return true;
}

bool Evaluation::validates(const std::string& name) {
  // §5.5: a name is validated when one of its addresses is the client's.
  if (!is_queryable_name(name)) return false;
  const bool v4 = request_.client_ip.is_v4();
  auto answer = query(name, v4 ? dns::RecordType::kA : dns::RecordType::kAaaa);
  // "If a DNS error occurs while doing an A RR lookup, then that domain name
  // is skipped and the search continues." (§5.5)
  if (!answer) return false;
  return any_address_matches(*answer, request_.client_ip, v4 ? 32 : 128);
}

std::string_view Evaluation::validated_name(std::string_view domain) {
  // §7.3 "p": computed once per evaluation, chosen per <domain>.
  if (!ptr_names_ready_) {
    ptr_names_ready_ = true;
    auto answer = query(request_.client_ip.reverse_name(), dns::RecordType::kPtr);
    if (answer) {
      if (auto names = dns::decode_names(*answer)) {
        std::size_t n = 0;
        for (const std::string& name : names->records) {
          if (n++ >= limits_.max_ptr_names) break;  // §4.6.4: the rest are ignored
          if (validates(name)) ptr_validated_.push_back(name);
        }
      }
    }
  }
  // "If the <domain> is present in the list of validated domains, it SHOULD
  // be used. Otherwise, if a subdomain of the <domain> is present, it SHOULD
  // be used. Otherwise, any name from the list MAY be used."
  for (const auto& name : ptr_validated_) {
    if (iequals(name, domain)) return name;
  }
  for (const auto& name : ptr_validated_) {
    if (is_name_or_below(name, domain)) return name;
  }
  if (!ptr_validated_.empty()) return ptr_validated_.front();
  return "unknown";
}

Evaluation::Match Evaluation::include(const Directive& d, const std::string& domain,
                                      unsigned depth) {
  if (!count_dns_term()) return Match::kAbort;
  if (depth + 1 > limits_.max_include_depth) {
    return abort(SpfResult::kPermError, "include nesting deeper than " +
                                            std::to_string(limits_.max_include_depth));
  }
  std::string target;
  if (!expand_target(d.domain, domain, target)) return Match::kAbort;
  if (!is_queryable_name(target)) {
    return abort(SpfResult::kPermError, "include target '" + target + "' is not a domain name");
  }
  HostResult inner = check_host(std::move(target), depth + 1);
  // §5.2: what each result of the recursive check means for include.
  switch (inner.result) {
    case SpfResult::kPass: return Match::kYes;
    case SpfResult::kFail:
    case SpfResult::kSoftfail:
    case SpfResult::kNeutral: return Match::kNo;
    case SpfResult::kTempError: return abort(SpfResult::kTempError, out_.problem);
    case SpfResult::kPermError: return abort(SpfResult::kPermError, out_.problem);
    case SpfResult::kNone:
      return abort(SpfResult::kPermError, "include target " + inner.domain + " has no SPF record");
  }
  return Match::kNo;
}

Evaluation::Match Evaluation::address(const Directive& d, const std::string& domain) {
  // §5.3: the address family of <ip> decides whether A or AAAA is asked.
  if (!count_dns_term()) return Match::kAbort;
  std::string target;
  if (!expand_target(d.domain, domain, target)) return Match::kAbort;
  if (!is_queryable_name(target)) return Match::kNo;
  const bool v4 = request_.client_ip.is_v4();
  const auto type = v4 ? dns::RecordType::kA : dns::RecordType::kAaaa;
  auto answer = query(target, type);
  if (!answer) {
    if (!budget_exceeded_ && answer.error().not_found()) return void_answer();
    return dns_failure(answer.error(), target, type);
  }
  return any_address_matches(*answer, request_.client_ip, v4 ? d.cidr4 : d.cidr6) ? Match::kYes
                                                                                  : Match::kNo;
}

Evaluation::Match Evaluation::mx(const Directive& d, const std::string& domain) {
  if (!count_dns_term()) return Match::kAbort;
  std::string target;
  if (!expand_target(d.domain, domain, target)) return Match::kAbort;
  if (!is_queryable_name(target)) return Match::kNo;
  auto answer = query(target, dns::RecordType::kMx);
  if (!answer) {
    if (!budget_exceeded_ && answer.error().not_found()) return void_answer();
    return dns_failure(answer.error(), target, dns::RecordType::kMx);
  }
  auto mxs = dns::decode_mx(*answer);
  if (!mxs) return dns_failure(mxs.error(), target, dns::RecordType::kMx);
  // §4.6.4: more than 10 MX names makes "mx" a permerror; the publisher
  // controls them.
  if (mxs->records.size() > limits_.max_mx_names) {
    return abort(SpfResult::kPermError, target + " has more than " +
                                            std::to_string(limits_.max_mx_names) +
                                            " MX records (RFC 7208 §4.6.4)");
  }
  const bool v4 = request_.client_ip.is_v4();
  const auto type = v4 ? dns::RecordType::kA : dns::RecordType::kAaaa;
  for (const dns::MxRecord& mx : mxs->records) {
    // A null MX (RFC 7505) names no host; an unusable name matches nothing.
    if (mx.exchange == "." || !is_queryable_name(mx.exchange)) continue;
    auto addresses = query(mx.exchange, type);
    if (!addresses) {
      if (!budget_exceeded_ && addresses.error().not_found()) continue;
      return dns_failure(addresses.error(), mx.exchange, type);
    }
    if (any_address_matches(*addresses, request_.client_ip, v4 ? d.cidr4 : d.cidr6)) {
      return Match::kYes;
    }
  }
  return Match::kNo;
}

Evaluation::Match Evaluation::ptr(const Directive& d, const std::string& domain) {
  if (!count_dns_term()) return Match::kAbort;
  std::string target;
  if (!expand_target(d.domain, domain, target)) return Match::kAbort;
  if (!is_queryable_name(target)) return Match::kNo;
  auto answer = query(request_.client_ip.reverse_name(), dns::RecordType::kPtr);
  if (!answer) {
    if (budget_exceeded_) return dns_failure(answer.error(), "", dns::RecordType::kPtr);
    if (answer.error().not_found()) return void_answer();
    // §5.5: "If a DNS error occurs while doing the PTR RR lookup, then this
    // mechanism fails to match."
    return Match::kNo;
  }
  auto names = dns::decode_names(*answer);
  if (!names) return Match::kNo;
  std::size_t n = 0;
  for (const std::string& name : names->records) {
    // §4.6.4: names past the tenth are ignored; the client controls them.
    if (n++ >= limits_.max_ptr_names) break;
    if (!is_name_or_below(name, target)) continue;
    if (validates(name)) return Match::kYes;
    if (budget_exceeded_) return dns_failure({dns::DnsStatus::kTemporary, "time budget", 0}, name,
                                             dns::RecordType::kA);
  }
  return Match::kNo;
}

Evaluation::Match Evaluation::exists(const Directive& d, const std::string& domain) {
  // §5.7: an A query whatever the client's address family.
  if (!count_dns_term()) return Match::kAbort;
  std::string target;
  if (!expand_target(d.domain, domain, target)) return Match::kAbort;
  if (!is_queryable_name(target)) return Match::kNo;
  auto answer = query(target, dns::RecordType::kA);
  if (!answer) {
    if (!budget_exceeded_ && answer.error().not_found()) return void_answer();
    return dns_failure(answer.error(), target, dns::RecordType::kA);
  }
  return answer->rdata.empty() ? Match::kNo : Match::kYes;
}

Evaluation::Match Evaluation::evaluate(const Directive& d, const std::string& domain,
                                       unsigned depth) {
  const IpAddress& ip = request_.client_ip;
  switch (d.kind) {
    case MechanismKind::kAll: return Match::kYes;
    case MechanismKind::kIp4:
      return ip.is_v4() && ip.in_network(d.network, d.cidr4) ? Match::kYes : Match::kNo;
    case MechanismKind::kIp6:
      return !d.never_matches && ip.is_v6() && ip.in_network(d.network, d.cidr6) ? Match::kYes
                                                                                 : Match::kNo;
    case MechanismKind::kInclude: return include(d, domain, depth);
    case MechanismKind::kA: return address(d, domain);
    case MechanismKind::kMx: return mx(d, domain);
    case MechanismKind::kPtr: return ptr(d, domain);
    case MechanismKind::kExists: return exists(d, domain);
  }
  return Match::kNo;
}

Evaluation::HostResult Evaluation::check_host(std::string domain, unsigned depth) {
  HostResult hr;
  bool via_redirect = false;
  // Each pass evaluates one record; redirect= replaces the record and loops.
  // The loop is bounded: every redirect counts against max_dns_terms.
  for (;;) {
    hr.domain = domain;
    auto fetched = fetch(domain);
    if (!fetched) {
      abort(SpfResult::kTempError, "evaluation took longer than " +
                                       std::to_string(limits_.max_elapsed_seconds) + " s");
      hr.result = SpfResult::kTempError;
      return hr;
    }
    switch (fetched->kind) {
      case FetchedRecord::Kind::kTempError:
        abort(SpfResult::kTempError, fetched->problem);
        hr.result = SpfResult::kTempError;
        return hr;
      case FetchedRecord::Kind::kPermError:
        abort(SpfResult::kPermError, fetched->problem);
        hr.result = SpfResult::kPermError;
        return hr;
      case FetchedRecord::Kind::kNone:
        if (via_redirect) {
          // §6.1: a redirect to a domain without a record is permerror.
          abort(SpfResult::kPermError, "redirect target " + domain + " has no SPF record");
          hr.result = SpfResult::kPermError;
          return hr;
        }
        hr.result = SpfResult::kNone;
        hr.mechanism.clear();
        if (!aborted_) out_.problem = fetched->problem;  // why there is no policy
        return hr;
      case FetchedRecord::Kind::kRecord:
        break;
    }
    const SpfRecord& record = fetched->record;
    for (const Directive& d : record.directives) {
      Match m = evaluate(d, domain, depth);
      if (m == Match::kNo && budget_exceeded_) {
        m = abort(SpfResult::kTempError, "evaluation took longer than " +
                                             std::to_string(limits_.max_elapsed_seconds) + " s");
      }
      if (m == Match::kAbort) {
        hr.result = abort_result_;
        hr.mechanism = d.text;
        return hr;
      }
      if (m == Match::kYes) {
        hr.result = qualifier_result(d.qualifier);
        hr.mechanism = d.text;
        hr.record = std::move(fetched);
        return hr;
      }
    }
    // §6.1: redirect applies only when no mechanism matched, and never in a
    // record with "all" (which always matches first).
    if (record.redirect && !record.has_all) {
      std::string target;
      if (!count_dns_term() || !expand_target(record.redirect, domain, target)) {
        hr.result = abort_result_;
        hr.mechanism = record.redirect_text;
        return hr;
      }
      if (!is_queryable_name(target)) {
        abort(SpfResult::kPermError, "redirect target '" + target + "' is not a domain name");
        hr.result = SpfResult::kPermError;
        hr.mechanism = record.redirect_text;
        return hr;
      }
      domain = std::move(target);
      via_redirect = true;
      continue;
    }
    hr.result = SpfResult::kNeutral;  // §4.7
    hr.mechanism = "default";
    return hr;
  }
}

std::string Evaluation::explain(const HostResult& decided) {
  // §6.2: exp= is looked up after the result is known, does not count
  // against the limits, and any problem with it means "no exp=".
  std::string text;
  const SpfRecord& record = decided.record->record;
  if (record.exp) {
    std::string target;
    bool ok = true;
    if (record.exp->literal_only()) {
      target = record.exp->text();
    } else {
      ok = expand(*record.exp, decided.domain, target);
    }
    if (ok) truncate_domain(target);
    if (ok && is_queryable_name(target)) {
      auto answer = query(target, dns::RecordType::kTxt);
      if (answer) {
        auto txt = dns::decode_txt(*answer);
        if (txt && txt->records.size() == 1) {
          auto explain_string =
              parse_macro_string(txt->records.front().joined(), MacroUse::kExplanation);
          if (explain_string && expand(*explain_string, decided.domain, text)) return text;
        }
      }
    }
  }
  if (expand(default_explanation_, decided.domain, text)) return text;
  return {};
}

SpfOutput Evaluation::run(SpfScope scope) {
  std::string_view mail_from = trim(request_.mail_from);
  if (mail_from.size() >= 2 && mail_from.front() == '<' && mail_from.back() == '>') {
    mail_from = mail_from.substr(1, mail_from.size() - 2);
  }
  helo_ = request_.helo;
  std::string domain;
  if (scope == SpfScope::kMailFrom && !mail_from.empty()) {
    // §4.3: "If the <sender> has no local-part, substitute the string
    // "postmaster" for the local-part."
    auto at = mail_from.rfind('@');
    std::string_view local =
        at == std::string_view::npos ? std::string_view() : mail_from.substr(0, at);
    domain = std::string(at == std::string_view::npos ? mail_from : mail_from.substr(at + 1));
    sender_ = (local.empty() ? std::string("postmaster") : std::string(local)) + "@" + domain;
  } else {
    // §2.4: a null reverse-path is checked as "postmaster@<helo>", scope HELO.
    scope = SpfScope::kHelo;
    domain = helo_;
    sender_ = "postmaster@" + domain;
  }
  auto at = sender_.rfind('@');
  local_part_ = std::string_view(sender_).substr(0, at);
  sender_domain_ = std::string_view(sender_).substr(at + 1);

  out_.scope = scope;
  out_.domain = domain;
  out_.sender = sender_;
  start_ = clock_.now();

  // §4.3: a malformed or single-label domain, or a domain literal, is none.
  auto name = DomainName::parse(domain);
  if (!name || name->label_count() < 2) {
    out_.result = SpfResult::kNone;
    out_.problem = "'" + domain.substr(0, 300) + "' is not a multi-label domain name";
    return std::move(out_);
  }
  HostResult decided = check_host(name->str(), 0);
  out_.result = decided.result;
  out_.mechanism = decided.mechanism;
  if (decided.result == SpfResult::kFail && decided.record) {
    out_.explanation = explain(decided);
    // The text may end up in an SMTP reply: macros can bring in whatever the
    // client sent, so no control character survives.
    for (char& c : out_.explanation) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
  }
  return std::move(out_);
}

}  // namespace

Evaluator::Evaluator(dns::Resolver& resolver, const Clock& clock, SpfOptions options)
    : state_(std::make_unique<State>(resolver, clock, std::move(options))) {}

Evaluator::~Evaluator() = default;

const SpfOptions& Evaluator::options() const noexcept { return state_->options; }

SpfOutput Evaluator::evaluate(const SpfRequest& request, SpfScope scope) {
  Evaluation evaluation(state_->resolver, state_->clock, state_->options,
                        state_->default_explanation, state_->records, request);
  return evaluation.run(scope);
}

}  // namespace authguard::spf
