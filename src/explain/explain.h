// explain.h: plain-words explanations of the Authentication-Results header
// fields a delivered message carries (issue 6), ours and the ones providers
// add, Microsoft 365's included (no authserv-id, bare action= / reason=).
//
// An administrator who reads "dmarc=fail action=oreject ... compauth=none
// reason=451" wants to know what happened and why, not the RFC 8601 grammar;
// explain() turns each field into sentences and one summary.
//
//   auto m = Message::parse(bytes);
//   Explanation e = explain::explain(*m);
//   if (e.headers.empty()) ...;            // no Authentication-Results at all
//   puts(e.summary.c_str());
//   // "DMARC failed; contoso.com asks for reject; the receiver overrode it
//   //  (oreject): composite authentication was bypassed (reason 451) ..."
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "authres/types.h"
#include "message/message.h"

namespace authguard::explain {

// What the explanation may know beyond the message.
struct ExplainOptions {
  // authguard's own authserv-id ([milter] authserv_id). Fields written under
  // it get authguard's own compauth reason codes (docs/COMPAUTH.md) described
  // exactly; other fields only get the code's family, since the codes inside
  // a family are each writer's own.
  std::string own_authserv_id;
};

// One Authentication-Results field.
struct HeaderExplanation {
  // The authserv-id as written, or kNoAuthservId for Microsoft 365's fields.
  std::string authserv_id;
  // False when the field could not be parsed; error then says why and
  // results is empty. A broken field is reported, not fatal (RFC 8601 §7.8).
  bool parsed = true;
  std::string error;
  // The unfolded field value, for showing a broken field as it was.
  std::string value;
  std::vector<authres::ResInfo> results;
  // One sentence per method result, in field order, then notes.
  std::vector<std::string> sentences;
  // One sentence about the whole field.
  std::string summary;
};

inline constexpr std::string_view kNoAuthservId = "(none: Microsoft 365 style)";

struct Explanation {
  // Topmost field first: the newest, written by the last receiver.
  std::vector<HeaderExplanation> headers;
  // One sentence about the message, from the topmost field that parsed.
  std::string summary;
};

// Explains every Authentication-Results field of a message. Never fails:
// fields that do not parse are reported in their HeaderExplanation.
[[nodiscard]] Explanation explain(const Message& message, const ExplainOptions& options = {});

// Explains one field value (the text after "Authentication-Results:").
[[nodiscard]] HeaderExplanation explain_field(std::string_view value,
                                              const ExplainOptions& options = {});

// A compauth reason code in words ("451" -> "composite authentication was
// bypassed ..."); own selects authguard's specific codes.
[[nodiscard]] std::string describe_compauth_reason(std::string_view code, bool own);

}  // namespace authguard::explain
