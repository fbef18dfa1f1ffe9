// delivery.h: what happens to a live message once its verdict is in: the
// SMTP answer, the header edits and the recipient changes the milter makes
// (`authguard serve`). Computed here, without libmilter, so every edit can
// be tested on its own.
//
//   DeliveryPlan plan = plan_delivery(message, verdict, envelope, config.junk_header);
//   switch (plan.answer) { case Answer::kReject: smfi_setreply(...); ... }
//   for (const HeaderEdit& e : plan.headers) apply(e);
//
// The edits, in the order they are to be applied:
//   1. removals, each field by its 1-based place among the fields of its
//      name in the message as received, the last place first (so earlier
//      places do not shift): forged Authentication-Results claiming our
//      authserv-id (RFC 8601 §5), every Authguard-Release marker (honoured
//      already, never delivered), and remove_header actions;
//   2. our Authentication-Results, inserted on top;
//   3. for junk, the configured junk header; then add_header actions;
//   4. prepend_subject: the first Subject changed (or added when there is none).
// Redirect replaces every envelope recipient with the redirect addresses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "message/message.h"
#include "policy/inbound.h"

namespace authguard::policy {

// The longest field name an edit may carry: with its colon it fits a
// 78-character line (RFC 5322 §2.1.1). A rule naming a longer one is skipped.
inline constexpr std::size_t kMaxFieldNameBytes = 76;

struct HeaderEdit {
  enum class Kind {
    kRemove,  // occurrence-th field named `name`
    kInsert,  // `name: value` at the top of the header
    kAdd,     // `name: value` at the end of the header
    kChange,  // the occurrence-th field named `name` gets `value`
  };
  Kind kind = Kind::kAdd;
  std::string name;
  // What follows the colon, leading white space included (" value"), with
  // "\n" plus white space between folded lines (the milter protocol's form).
  std::string value;
  std::size_t occurrence = 0;  // kRemove, kChange: 1-based
  bool operator==(const HeaderEdit&) const = default;
};

struct DeliveryPlan {
  enum class Answer {
    kAccept,    // deliver, with the edits
    kReject,    // 5xx: code, xcode, text
    kTempFail,  // 4xx: try again later
    kDiscard,   // accepted and dropped: the message is in our quarantine
  };
  Answer answer = Answer::kAccept;
  std::string code;   // "550", "451"
  std::string xcode;  // "5.7.1" (RFC 3463)
  std::string text;
  std::vector<HeaderEdit> headers;
  std::vector<std::string> remove_recipients;  // as the envelope had them
  std::vector<std::string> add_recipients;
  // Actions that could not be applied (a header or address that would not
  // be well-formed), in words, for the log.
  std::vector<std::string> skipped;
};

// The plan for `message`, checked as `verdict` with `envelope`. A verdict
// with a temporary error is kTempFail; reject is kReject with the rule's
// code and text (DMARC's own reject: 550 5.7.1 naming the domain);
// quarantine is kDiscard (the caller has committed it to the store first,
// or answers kTempFail itself); deliver and junk are kAccept with edits.
[[nodiscard]] DeliveryPlan plan_delivery(const Message& message, const InboundVerdict& verdict,
                                         const Envelope& envelope, std::string_view junk_header);

// A header field value as the milter protocol carries it: line breaks at
// the end are dropped; each CRLF (or bare CR or LF) line break inside
// becomes "\n", followed by a space when the next line does not start with
// white space (so it stays a fold and never starts a field); NUL bytes are
// dropped (the protocol's strings end at one); and a leading space is added
// when the value has no leading white space.
[[nodiscard]] std::string milter_value(std::string_view value);

}  // namespace authguard::policy
