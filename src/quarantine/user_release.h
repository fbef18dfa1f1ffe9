// user_release.h: recipients releasing their own mail, for messages held
// under the "user-release" policy (issue 6). admin-only messages never leave
// the quarantine this way.
//
// The loop, with nothing but the MTA (no web portal):
//   1. `authguard quarantine notify` mails each recipient a digest of their
//      held user-release messages. Each line carries a release token and a
//      mailto: link to [quarantine] release_address whose subject reads
//        release 3f9a0c1d2e4b5a69 1.Xq0...43 base64url characters...
//   2. The recipient sends that mail. Postfix pipes the alias to
//      `authguard quarantine request`, which finds the request, checks the
//      token and releases the message to that one recipient.
//
// The token is a capability, as the links in Microsoft 365's quarantine
// notifications are: "<n>.<mac>", n the recipient's place in the envelope
// and mac the base64url HMAC-SHA256, under the state directory's release
// key, of "user-release|<id>|<recipient, lower case>". Only the digest that
// went to that recipient holds it; it releases that message to that
// recipient and to nobody else; a token for one message or recipient says
// nothing about another.
//
//   std::string token = release_token(key, e.id, 1, e.recipients[1]);
//   auto req = find_release_request(subject_then_body);   // {id, token}
//   auto who = authorize_user_release(key, entry, req->token, now);  // "b@ours.example"
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "quarantine/store.h"

namespace authguard::quarantine {

// Named limits of the request parser: how much of a request message is
// searched (its subject, then the start of its body), and the longest word
// it looks at. A request is one short line; anything longer is not one.
inline constexpr std::size_t kMaxRequestScanBytes = 16 * 1024;
inline constexpr std::size_t kMaxRequestWordBytes = 128;
// A recipient index in a token: an envelope never had more recipients
// (kMaxRelayRecipients).
inline constexpr std::size_t kMaxTokenIndexDigits = 4;

// "<index>.<mac>" for recipient `index` (whose address is `recipient`) of
// message `id`.
[[nodiscard]] std::string release_token(std::string_view key, std::string_view id, std::size_t index,
                                        std::string_view recipient);

struct ReleaseRequest {
  std::string id;     // 16 lower-case hex digits
  std::string token;  // "<index>.<mac>", well-formed (the mac is not checked here)
};

// The first "release <id> <token>" in `text` (words separated by white
// space, reply quote marks such as ">" skipped; "release" in any case,
// optionally followed by ':'), looking at no
// more than kMaxRequestScanBytes. nullopt when there is none.
[[nodiscard]] std::optional<ReleaseRequest> find_release_request(std::string_view text);

// Who may receive `entry` on this token: the recipient address the token
// was made for. kInvalidInput (a refusal, saying why) when the entry's
// policy is not user-release or the token does not verify under `key`
// (compared in constant time); kNotFound when the entry has expired (now >=
// expires).
[[nodiscard]] Result<std::string> authorize_user_release(std::string_view key,
                                                         const QuarantineEntry& entry,
                                                         std::string_view token, UnixTime now);

// The text of one recipient's digest (CRLF line ends, US-ASCII): header and
// body, ready for the relay. Sender-controlled text (subjects, addresses) is
// shown as printable ASCII, shortened.
struct DigestItem {
  const QuarantineEntry* entry = nullptr;
  std::string token;
};
struct DigestAddresses {
  std::string from;             // e.g. quarantine@mx.example.net
  std::string to;               // the recipient
  std::string release_address;  // where requests go
};
[[nodiscard]] std::string digest_message(const std::vector<DigestItem>& items,
                                         const DigestAddresses& addresses, std::size_t more,
                                         UnixTime now);

}  // namespace authguard::quarantine
