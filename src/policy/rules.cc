// rules.cc: evaluating mail-flow rules.
#include "policy/rules.h"

#include <re2/re2.h>

#include <algorithm>

#include "core/strings.h"

namespace authguard::policy {

const char* disposition_name(Disposition d) noexcept {
  switch (d) {
    case Disposition::kDeliver: return "deliver";
    case Disposition::kJunk: return "junk";
    case Disposition::kQuarantine: return "quarantine";
    case Disposition::kReject: return "reject";
  }
  return "deliver";
}

std::string Action::describe() const {
  switch (kind) {
    case Kind::kQuarantine: return "quarantine:" + name;
    case Kind::kReject: return "reject:" + std::to_string(code) + " " + value;
    case Kind::kJunk: return "junk";
    case Kind::kAddHeader: return "add_header:" + name;
    case Kind::kRemoveHeader: return "remove_header:" + name;
    case Kind::kPrependSubject: return "prepend_subject:" + value;
    case Kind::kRedirect: return "redirect:" + value;
    case Kind::kStop: return "stop";
  }
  return "?";
}

std::shared_ptr<const re2::RE2> compile_pattern(const std::string& pattern, const RuleLimits& limits,
                                                std::string& error) {
  if (pattern.size() > limits.max_pattern_bytes) {
    error = "pattern longer than max_pattern_bytes=" + std::to_string(limits.max_pattern_bytes);
    return nullptr;
  }
  re2::RE2::Options opt;
  opt.set_case_sensitive(false);
  opt.set_log_errors(false);
  opt.set_max_mem(limits.max_regex_memory);
  auto re = std::make_shared<const re2::RE2>(pattern, opt);
  if (!re->ok()) {
    error = "invalid pattern: " + re->error();
    return nullptr;
  }
  return re;
}

namespace {

bool in_list(const std::vector<std::string>& list, std::string_view value) {
  for (const auto& v : list) {
    if (iequals(v, value)) return true;
  }
  return false;
}

bool domain_in(const std::vector<DomainName>& list, std::string_view text) {
  auto d = DomainName::parse(text);
  if (!d) return false;
  for (const auto& entry : list) {
    if (d->is_subdomain_of(entry)) return true;
  }
  return false;
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

// A field value with its folding line breaks removed (RFC 5322 §2.2.3).
std::string unfold(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

bool is_header_condition(const Condition& c) {
  return c.kind == Condition::Kind::kHeaderMatches || c.kind == Condition::Kind::kHeaderContains;
}

bool holds(const Condition& c, const RuleInput& in) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kHeaderMatches:
      for (const auto& [name, value] : in.headers) {
        if (iequals(name, c.header) && re2::RE2::PartialMatch(unfold(value), *c.pattern)) return true;
      }
      return false;
    case K::kHeaderContains:
      for (const auto& [name, value] : in.headers) {
        if (!iequals(name, c.header)) continue;
        std::string lower = to_lower(unfold(value));
        for (const auto& w : c.words) {
          if (lower.find(w) != std::string::npos) return true;
        }
      }
      return false;
    case K::kFromDomainIs: return domain_in(c.domains, in.from_domain);
    case K::kFromAddressMatches:
      return !in.from_address.empty() && re2::RE2::PartialMatch(in.from_address, *c.pattern);
    case K::kSenderIpIn:
      if (!in.client_ip) return false;
      for (const auto& [net, prefix] : c.networks) {
        if (in.client_ip->in_network(net, prefix)) return true;
      }
      return false;
    case K::kSpfIs: return in_list(c.words, in.spf);
    case K::kDkimIs:
      if (in.dkim.empty()) return in_list(c.words, "none");
      for (const auto& r : in.dkim) {
        if (in_list(c.words, r)) return true;
      }
      return false;
    case K::kDmarcIs: return in_list(c.words, in.dmarc);
    case K::kCompauthIs: return in_list(c.words, in.compauth);
    case K::kDmarcActionIs: return in_list(c.words, in.dmarc_action);
    case K::kRecipientDomainIs:
      for (const auto& r : in.recipients) {
        if (domain_in(c.domains, domain_of(r))) return true;
      }
      return false;
    case K::kSizeOver: return in.size > c.size;
    case K::kIsAcceptedSpoof: return in.accepted_spoof == c.flag;
  }
  return false;
}

Disposition severity(const Action& a) {
  switch (a.kind) {
    case Action::Kind::kReject: return Disposition::kReject;
    case Action::Kind::kQuarantine: return Disposition::kQuarantine;
    case Action::Kind::kJunk: return Disposition::kJunk;
    default: return Disposition::kDeliver;
  }
}

}  // namespace

bool reads_headers(const std::vector<Rule>& rules) noexcept {
  for (const auto& r : rules) {
    for (const auto& c : r.conditions) {
      if (is_header_condition(c)) return true;
    }
    for (const auto& c : r.exceptions) {
      if (is_header_condition(c)) return true;
    }
  }
  return false;
}

RulesOutcome run_rules(const std::vector<Rule>& rules, const RuleInput& in) {
  RulesOutcome out;
  // The verdict's own disposition, before any rule.
  if (in.dmarc_action == "reject") {
    out.disposition = Disposition::kReject;
  } else if (in.dmarc_action == "quarantine" || in.dmarc_action == "pct.reject" ||
             in.accepted_spoof) {
    out.disposition = Disposition::kJunk;
  }
  std::vector<const Rule*> ordered;
  for (const auto& r : rules) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Rule* a, const Rule* b) {
    return a->priority != b->priority ? a->priority < b->priority : a->name < b->name;
  });
  for (const Rule* rule : ordered) {
    bool all = !rule->conditions.empty();
    std::string why;
    for (const auto& c : rule->conditions) {
      if (!holds(c, in)) {
        all = false;
        break;
      }
      why += (why.empty() ? "" : "; ") + c.text;
    }
    if (!all) continue;
    bool excepted = false;
    for (const auto& e : rule->exceptions) excepted |= holds(e, in);
    if (excepted) continue;
    RuleMatch m{rule->name, rule->enforce, {}, why};
    bool stop = false;
    for (const auto& a : rule->actions) {
      m.actions.push_back(a.describe());
      if (!rule->enforce) continue;
      out.actions.push_back(a);
      stop |= a.kind == Action::Kind::kStop;
      Disposition d = severity(a);
      if (d > out.disposition) {
        out.disposition = d;
        if (d == Disposition::kQuarantine) {
          out.quarantine_policy = a.name;
          out.quarantine_rule = rule->name;
        }
      }
    }
    out.matched.push_back(std::move(m));
    if (stop) break;
  }
  return out;
}

}  // namespace authguard::policy
