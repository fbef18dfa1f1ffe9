// rules.h: mail-flow rules, the administrator's part of the third measure.
//
// Rules run in priority order over the message as it will be delivered (our
// Authentication-Results added, forged ones claiming our authserv-id
// removed) and the inbound verdict. Each has conditions, exceptions and
// actions, and a mode: enforce, or audit (reported, changes nothing).
// Patterns are RE2 (linear time, case-insensitive), so an administrator's
// regex can't stall the MTA.
//
//   [[rules]]
//   name = "quarantine-dmarc-oreject"
//   priority = 1
//   mode = "enforce"
//   conditions = [{ header = "Authentication-Results", matches = "dmarc=fail action=oreject" }]
//   actions = [{ quarantine = "admin-only" }]
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "core/ip.h"

namespace re2 {
class RE2;
}

namespace authguard::policy {

struct RuleLimits {
  std::size_t max_rules = 1000;
  std::size_t max_pattern_bytes = 4096;
  std::int64_t max_regex_memory = 1 << 20;  // RE2 program memory per pattern
};

struct Condition {
  enum class Kind {
    kHeaderMatches,       // header = NAME, matches = RE2
    kHeaderContains,      // header = NAME, contains = [WORDS] (case-insensitive)
    kFromDomainIs,        // from_domain_is = [DOMAINS] (and below)
    kFromAddressMatches,  // from_address_matches = RE2
    kSenderIpIn,          // sender_ip_in = [CIDRS]
    kSpfIs,               // spf_is = [RESULTS]
    kDkimIs,              // dkim_is = [RESULTS] (any signature; "none" when unsigned)
    kDmarcIs,             // dmarc_is = [RESULTS]
    kCompauthIs,          // compauth_is = [RESULTS]
    kDmarcActionIs,       // dmarc_action_is = [ACTIONS]
    kRecipientDomainIs,   // recipient_domain_is = [DOMAINS] (any recipient)
    kSizeOver,            // size_over = BYTES
    kIsAcceptedSpoof,     // is_accepted_spoof = true|false
  };
  Kind kind = Kind::kHeaderMatches;
  std::string header;
  std::shared_ptr<const re2::RE2> pattern;
  std::vector<std::string> words;  // contains / result lists, lower case
  std::vector<DomainName> domains;
  std::vector<std::pair<IpAddress, unsigned>> networks;
  std::uint64_t size = 0;
  bool flag = true;
  std::string text;  // as configured, for explanations
};

struct Action {
  enum class Kind { kQuarantine, kReject, kJunk, kAddHeader, kRemoveHeader, kPrependSubject,
                    kRedirect, kStop };
  Kind kind = Kind::kJunk;
  std::string name;   // quarantine policy, header name
  std::string value;  // header value, subject prefix, redirect address, reject text
  int code = 550;     // reject
  [[nodiscard]] std::string describe() const;
};

struct Rule {
  std::string name;
  std::int64_t priority = 0;
  bool enforce = true;  // false: audit mode
  std::vector<Condition> conditions;
  std::vector<Condition> exceptions;
  std::vector<Action> actions;
};

// What rules see of a message and its verdict.
struct RuleInput {
  // The header fields as they will be delivered: (name, value as written,
  // folding included), views into the message and our own header. Header
  // conditions unfold a value only when its name matches.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string from_address;  // the first From address, "" when none
  std::string from_domain;   // DMARC's header_from
  std::optional<IpAddress> client_ip;
  std::string spf;
  std::vector<std::string> dkim;  // one result per signature
  std::string dmarc;
  std::string compauth;
  std::string dmarc_action;
  std::vector<std::string> recipients;
  std::uint64_t size = 0;
  bool accepted_spoof = false;
};

struct RuleMatch {
  std::string name;
  bool enforce = true;
  std::vector<std::string> actions;  // described
  std::string why;                   // the conditions that held
};

enum class Disposition { kDeliver, kJunk, kQuarantine, kReject };
[[nodiscard]] const char* disposition_name(Disposition d) noexcept;

struct RulesOutcome {
  std::vector<RuleMatch> matched;          // enforce and audit rules that matched
  std::vector<Action> actions;             // enforce-mode actions, in order
  Disposition disposition = Disposition::kDeliver;
  std::string quarantine_policy;           // when quarantined
  std::string quarantine_rule;             // the rule whose action set quarantine_policy
};

// Runs the rules (sorted by priority, then name) after the verdict's own
// disposition: DMARC reject -> reject, quarantine -> junk, an intra-org
// spoof -> junk. Rules raise it (reject > quarantine > junk > deliver);
// "stop" ends processing.
[[nodiscard]] RulesOutcome run_rules(const std::vector<Rule>& rules, const RuleInput& input);

// True when some rule (condition or exception) reads header fields, so the
// caller knows whether to fill RuleInput::headers.
[[nodiscard]] bool reads_headers(const std::vector<Rule>& rules) noexcept;

// Compiles an RE2 pattern, case-insensitive, within the limits; nullptr and a
// reason on error.
[[nodiscard]] std::shared_ptr<const re2::RE2> compile_pattern(const std::string& pattern,
                                                              const RuleLimits& limits,
                                                              std::string& error);

}  // namespace authguard::policy
