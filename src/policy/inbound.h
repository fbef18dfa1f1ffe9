// inbound.h: the inbound verdict for one message: SPF on the envelope, every
// DKIM signature, DMARC over both, and our Authentication-Results header.
// `authguard check` prints it; the milter daemon will act on it. Composite
// authentication, rules and the disposition are added on top of it.
//
//   InboundChecker checker(resolver, clock, config);
//   InboundVerdict v = checker.check(message, envelope);
//   v.authentication_results;   // "Authentication-Results: mx.example.net; ..."
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/ip.h"
#include "dkim/verify.h"
#include "dmarc/evaluate.h"
#include "history/store.h"
#include "policy/compauth.h"
#include "policy/rules.h"
#include "message/message.h"
#include "spf/types.h"
#include "spf/verify.h"

namespace authguard::policy {

// What the SMTP session said.
struct Envelope {
  std::optional<IpAddress> client_ip;  // without it, SPF is not checked
  std::string helo;
  std::string mail_from;               // "" or "<>": the null reverse-path
  std::vector<std::string> recipients;
};

// Reads the envelope a message records about itself: MAIL FROM from the
// Return-Path field, HELO and client IP from the first (topmost) Received
// field as Postfix and Sendmail write it: "from HELO (NAME [IP])". For
// re-checking stored mail; a live session knows its envelope.
[[nodiscard]] Result<Envelope> envelope_from_headers(const Message& message);

struct InboundVerdict {
  std::optional<spf::SpfOutput> spf;  // nullopt: not checked (no client IP)
  std::vector<dkim::SignatureVerdict> dkim;
  dmarc::Verdict dmarc;
  // Composite authentication; dmarc.action carries its oreject/oquarantine.
  CompAuthResult compauth;
  // The mail-flow rules that matched (audit ones too), and what happens.
  RulesOutcome rules;
  // Indices of Authentication-Results fields that claim our authserv-id:
  // forged upstream (RFC 8601 §5), to be removed before delivery.
  std::vector<std::size_t> forged_authres;
  // Set when the verdict rests on state authguard could not read (its
  // history store failed): the caller answers "try again later" (4xx).
  std::string temporary_error;
  // Our header field, folded, with CRLF.
  std::string authentication_results;
  // The quarantine's release marker (Authguard-Release): "" when the message
  // has none, "valid" when one verifies under our key (the message was
  // released by an administrator: it is not quarantined again), "invalid"
  // for a forged, stale or unverifiable one (ignored).
  std::string release;
  std::string released_id;  // the quarantine id a valid marker names
};

// What mail-flow rules see of a checked message: the header fields as they
// will be delivered (forged Authentication-Results claiming our authserv-id
// removed, ours appended last) when with_headers, and the verdict's results.
// The header views point into `message` and `v.authentication_results`, so
// both must outlive the RuleInput. check() uses it; so does `check --record`,
// which logs it for `rules simulate` (always with headers: a rule added
// later may read them).
//
//   InboundVerdict v = checker.check(message, envelope);
//   RuleInput in = rule_input(message, v, envelope, true);
[[nodiscard]] RuleInput rule_input(const Message& message, const InboundVerdict& v,
                                   const Envelope& envelope, bool with_headers);

class InboundChecker {
 public:
  // history may be null (no state database): history signals are then absent.
  InboundChecker(dns::Resolver& resolver, const Clock& clock, const Config& config,
                 history::HistoryStore* history = nullptr);
  ~InboundChecker();

  [[nodiscard]] InboundVerdict check(const Message& message, const Envelope& envelope);

  // Verifies release markers under `key` (quarantine/release.h), honoured
  // for max_age_seconds after the release. Without a key every marker is
  // "invalid".
  void honour_release_markers(std::string key, std::int64_t max_age_seconds);

 private:
  // Failures of our own history store go to `temporary`.
  CompAuthSignals gather_signals(const InboundVerdict& v, const Envelope& envelope,
                                 std::string& temporary);

  dns::Resolver& resolver_;
  const Clock& clock_;
  const Config& config_;
  history::HistoryStore* history_;
  bool rules_read_headers_;  // some rule has a header condition
  std::string release_key_;  // secret: never logged
  std::int64_t release_max_age_ = 0;
  spf::Evaluator spf_;
  dkim::Verifier dkim_;
  dmarc::Evaluator dmarc_;
};

}  // namespace authguard::policy
