// report.h: an administrator's report on a quarantined message, the
// submission loop through which the verdict learns (issue 6).
//
//   false-positive  good mail that was held back: the sender pair's history
//                   gains a passing message and any penalty ends;
//   false-negative  bad mail the verdict let through (composite
//                   authentication overrode DMARC; only a rule held it):
//                   the pair's history stops counting (history::kPenaltySeconds).
//
// The report itself is a submission message: a text part saying what was
// reported and why the message was held, and the message as received,
// attached whole as message/rfc822 (RFC 2046 §5.2.1), the form abuse desks
// and Microsoft's submission address take. It is mailed to a configured
// address or written to a file for an outside tool to pick up.
//
//   auto kind = parse_report_kind("false-positive");
//   std::string eml = submission_message(entry, *kind, {.from = "postmaster@mx.example.net",
//                                        .to = "abuse@example.net"}, clock.now());
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "quarantine/store.h"

namespace authguard::quarantine {

enum class ReportKind { kFalsePositive, kFalseNegative };

[[nodiscard]] const char* report_kind_name(ReportKind kind) noexcept;
// "false-positive" or "false-negative"; nullopt for anything else.
[[nodiscard]] std::optional<ReportKind> parse_report_kind(std::string_view text) noexcept;

// Printable ASCII only (every other byte becomes '?'), cut after `max`
// bytes with "...": sender-controlled text as reports and digests show it.
[[nodiscard]] std::string plain_ascii(std::string_view s, std::size_t max = 200);

struct SubmissionAddresses {
  std::string from;  // the reporting host, e.g. postmaster@<authserv-id>
  std::string to;    // where the report goes
};

// The whole submission, CRLF line ends. Sender-controlled text (the held
// message's subject, addresses) is kept out of the report's own header
// fields except as an RFC 2047-free, control-free copy in the body.
[[nodiscard]] std::string submission_message(const QuarantineEntry& entry, ReportKind kind,
                                             const SubmissionAddresses& addresses, UnixTime now);

}  // namespace authguard::quarantine
