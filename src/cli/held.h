// held.h: what `check`, `quarantine` and the demo share about verdicts and
// held messages: the verdict's JSON form (docs/CLI.md), the quarantine entry
// a verdict makes, the release of a held message, and the history lesson an
// administrator's judgement teaches.
//
//   nlohmann::json vj = verdict_json(path, verdict);
//   auto id = store.put(held_entry(verdict, path, envelope, message, subject, now));
//   auto said = release_held(config, state_dir, store, *id, now, {});
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/error.h"
#include "message/message.h"
#include "history/store.h"
#include "policy/inbound.h"
#include "quarantine/relay.h"
#include "quarantine/store.h"
#include "verdictlog/store.h"

namespace authguard::cli {

// The verdict as `check --json` prints it.
[[nodiscard]] nlohmann::json verdict_json(const std::string& path, const policy::InboundVerdict& v);

// What `check --record` and the milter keep of a checked message: a DMARC
// pass adds to the sender history of its (organizational domain, network)
// pair; what rules saw of the message goes to the verdict log; a
// quarantined message is stored, committed before it counts. The
// quarantine comes last: a failure anywhere is "try again later", and a
// retry may count a pass or a log entry twice but never holds a message
// twice. Returns the quarantine id ("" when not quarantined).
[[nodiscard]] Result<std::string> record_verdict(const policy::InboundVerdict& v, const std::string& path,
                                                 const policy::Envelope& env, const Message& message,
                                                 history::HistoryStore& history,
                                                 quarantine::QuarantineStore& held, verdictlog::VerdictLog& log,
                                                 UnixTime now);

// The quarantine entry for a message whose disposition is quarantine: its
// envelope, the enforce-mode rule that held it, the verdict JSON (as
// verdict_json(path, v): built only here, for held messages), the raw bytes.
[[nodiscard]] quarantine::QuarantineEntry held_entry(const policy::InboundVerdict& v,
                                                     const std::string& path,
                                                     const policy::Envelope& env,
                                                     const Message& message, std::string subject,
                                                     UnixTime now);

// object[key] when it is a string, else "": for JSON read back from the
// store, which may be damaged (value() would throw on a wrong type).
[[nodiscard]] std::string json_string(const nlohmann::json& object, const char* key);

// "a, b, c".
[[nodiscard]] std::string joined(const std::vector<std::string>& items);

// Feeds an administrator's judgement of a held message into the sender
// history in state_dir: good mail (released, or reported false-positive)
// rewards its (organizational domain, network) pair, bad mail (reported
// false-negative) penalizes it. Returns what it did, in words.
[[nodiscard]] Result<std::string> teach_history(const std::string& state_dir,
                                                const quarantine::QuarantineEntry& e, bool good,
                                                UnixTime now);

// Makes `checker` verify release markers under state_dir's release key, for
// config's marker_max_age_seconds. With no key yet nothing was ever
// released, and every marker stays invalid: not an error.
[[nodiscard]] Result<void> honour_release_markers(const std::string& state_dir, const Config& config,
                                                  policy::InboundChecker& checker);

// The relay of [quarantine], its EHLO name defaulting to the authserv-id.
[[nodiscard]] quarantine::RelayOptions relay_options(const Config& config);

// Who releases a held message. An administrator's first release teaches
// history (the sender pair gains a passing message); a recipient's does not:
// one user trusting one message is not a judgement of the sender.
enum class ReleasedBy { kAdministrator, kRecipient };

// Releases held message `id`: re-injects it through config.quarantine.relay
// to its original recipients (or `to`), with a fresh release marker under
// state_dir's release key; marks it released; on an administrator's first
// release rewards its sender pair. A relay failure leaves it held and
// unmarked. Returns what was done, one line per step.
[[nodiscard]] Result<std::string> release_held(const Config& config, const std::string& state_dir,
                                               quarantine::QuarantineStore& store, std::string_view id,
                                               UnixTime now, const std::vector<std::string>& to,
                                               ReleasedBy by = ReleasedBy::kAdministrator);

}  // namespace authguard::cli
