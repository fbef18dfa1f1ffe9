// compauth.h: composite authentication, the verdict Microsoft 365 writes as
// `compauth=<result> reason=<code>` in its Authentication-Results header.
//
// DMARC (RFC 9989 / RFC 7489) is the explicit check. Composite
// authentication adds implicit signals the caller gathers (sender history,
// forward-confirmed reverse DNS, a non-aligned pass with good history,
// replies to our own correspondents, admin allow and block lists) and may
// override a DMARC reject or quarantine: the DMARC action then reads
// "oreject" / "oquarantine" and the message is delivered, so that a rule can
// still send exactly those messages to quarantine for review. The reason
// codes keep Microsoft's families so administrators can read them; the
// table is docs/COMPAUTH.md.
//
// This function is pure: no DNS, no database, no clock. The caller looks
// history up (history/store.h, over CompAuthOptions::window_days) and fills
// CompAuthSignals.
//
//   CompAuthSignals s;
//   s.history_messages = 5; s.history_days = 3;
//   CompAuthResult r = compauth(verdict.dmarc, s, CompAuthOptions{});
//   r.result;         // CompAuthStatus::kPass
//   r.reason_text();  // "111"
//   r.action;         // "oreject" when DMARC failed under p=reject
#pragma once

#include <string>
#include <vector>

#include "dmarc/evaluate.h"

namespace authguard::policy {

enum class CompAuthStatus { kNone, kPass, kFail, kSoftPass };
// "none", "pass", "fail", "softpass": Microsoft's words.
[[nodiscard]] const char* compauth_status_name(CompAuthStatus s) noexcept;

// The reason codes (docs/COMPAUTH.md explains when each is given).
namespace compauth_reason {
inline constexpr unsigned kExplicitFail = 0;         // 000 DMARC fail, no implicit rescue
inline constexpr unsigned kImplicitFail = 1;         // 001 no DMARC record, no implicit rescue
inline constexpr unsigned kAdminBlock = 2;           // 002 block-listed by an admin
inline constexpr unsigned kAcceptedExplicitFail = 10;  // 010 our domain, DMARC fail
inline constexpr unsigned kDmarcPass = 100;          // 100 DMARC pass
inline constexpr unsigned kPassHistory = 111;        // 111 sender history
inline constexpr unsigned kPassNonAligned = 112;     // 112 non-aligned auth with good history
inline constexpr unsigned kPassCombined = 113;       // 113 two or more weaker signals
inline constexpr unsigned kReservedArc = 130;        // 130 trusted ARC (later)
inline constexpr unsigned kSoftPassRdns = 201;       // 201 forward-confirmed rDNS alone
inline constexpr unsigned kSoftPassRecipient = 202;  // 202 a correspondent of ours alone
inline constexpr unsigned kNotCheckedTemp = 301;     // 301 DMARC temperror
inline constexpr unsigned kAdminAllow = 401;         // 401 allow-listed by an admin
inline constexpr unsigned kAcceptedImplicitFail = 601;  // 601 our domain, no DMARC record
inline constexpr unsigned kAcceptedPermError = 602;  // 602 our domain, DMARC permerror
}  // namespace compauth_reason

// What the caller knows about the message beyond DMARC.
struct CompAuthSignals {
  // Sender history of (header-From org domain, sending network) within
  // CompAuthOptions::window_days: DMARC-passing messages and distinct days.
  unsigned history_messages = 0;
  unsigned history_days = 0;
  // The pair was reported bad and is still penalized: history does not count.
  bool history_distrusted = false;
  // The client's forward-confirmed reverse DNS name lies in the header-From
  // organizational domain.
  bool fcrdns_org_match = false;
  // SPF or DKIM passed for a domain not aligned with header From, and that
  // domain's own history (as above) is good, e.g. a mailing-list host.
  bool nonaligned_pass_with_history = false;
  // Our users have sent mail to the header-From address (or its domain):
  // this looks like a reply in an existing conversation.
  bool known_correspondent = false;
  // Admin lists from the config.
  bool allow_listed = false;
  bool block_listed = false;
  // The header-From domain is one of our accepted_domains (including the
  // provider routing domain).
  bool from_accepted_domain = false;
};

struct CompAuthOptions {
  // Allow oreject / oquarantine. Off: the DMARC action is never changed
  // (strict enforcement); the compauth result is still computed.
  bool override = true;
  // Sender history counts from this many DMARC-passing messages ...
  unsigned min_messages = 3;
  // ... seen on at least this many different days ...
  unsigned min_days = 2;
  // ... within this many days (used by the caller when it reads history).
  unsigned window_days = 90;
};

struct CompAuthResult {
  CompAuthStatus result = CompAuthStatus::kNone;
  unsigned reason = compauth_reason::kImplicitFail;
  // The signals that counted, in a fixed order: "dmarc-pass",
  // "sender-history", "nonaligned-pass-history", "fcrdns",
  // "known-correspondent", "allow-list", "block-list", "accepted-domain-spoof".
  std::vector<std::string> signals;
  // The DMARC action after composite authentication: the verdict's own, or
  // "oreject" / "oquarantine" when overridden.
  std::string action = "none";
  bool overridden = false;
  // The header From claims one of our domains and did not authenticate.
  bool intra_org_spoof = false;

  // The reason as Microsoft prints it: three digits ("001").
  [[nodiscard]] std::string reason_text() const;
};

// False when compauth() decides before it reaches the implicit signals
// (history, FCrDNS, non-aligned passes, correspondents): an admin block, a
// DMARC pass or temperror, an ambiguous author, a spoof of an accepted domain
// or an allow entry. Callers skip the DNS and history lookups those signals
// cost, which is most mail. `cheap` needs only block_listed, allow_listed and
// from_accepted_domain.
[[nodiscard]] bool implicit_signals_matter(const dmarc::Verdict& dmarc,
                                           const CompAuthSignals& cheap) noexcept;

[[nodiscard]] CompAuthResult compauth(const dmarc::Verdict& dmarc, const CompAuthSignals& signals,
                                      const CompAuthOptions& options);

}  // namespace authguard::policy
