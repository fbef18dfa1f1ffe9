// release.h: the release marker, a header a released message carries so the
// milter lets it through on its second pass instead of quarantining it again.
//
//   Authguard-Release: v=1; id=3f9a0c1d2e4b5a69; t=1700000000; bh=<base64>; mac=<base64>
//
// bh is the SHA-256 of the message body in DKIM's relaxed canonical form
// (RFC 6376 §3.4.4: line ends and runs of white space do not matter), and
// mac is HMAC-SHA256 under a key only this host knows, over "id|t|bh". A
// sender cannot forge one to slip past the quarantine; a marker copied onto
// another message does not match its body; and an old one (a released
// message replayed later) goes stale after max_age.
//
// The key lives in <state-dir>/release.key (32 random bytes, mode 0600),
// made on first use. It is a secret: never logged, never printed.
//
//   auto key = load_release_key(state_dir);
//   std::string v = release_marker(*key, id, message.body(), clock.now());
//   valid_release_marker(*key, v, message.body(), clock.now());  // true
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace authguard::quarantine {

inline constexpr std::string_view kReleaseHeader = "Authguard-Release";
inline constexpr std::size_t kReleaseKeyBytes = 32;
// A released message is re-injected at once; an hour covers a queue that is
// slow to deliver it, and not much more.
inline constexpr std::int64_t kDefaultMarkerMaxAge = 3600;
// A marker this far in the future still counts (clocks of a cluster drift).
inline constexpr std::int64_t kMarkerClockSkew = 300;

// HMAC-SHA256 of data under key: the 32 raw bytes, or "" on a library
// failure (which then matches nothing: a check refuses rather than trusts).
[[nodiscard]] std::string hmac_sha256(std::string_view key, std::string_view data);

// The header value for message `id`, whose body is `body`, released at `t`.
[[nodiscard]] std::string release_marker(std::string_view key, std::string_view id,
                                         std::string_view body, UnixTime t);

// A message body whose bh is computed at most once, however many markers
// the message carries: a sender can write a thousand well-formed, fresh
// ones, and each would otherwise hash the whole body again.
class MarkedBody {
 public:
  explicit MarkedBody(std::string_view body) : body_(body) {}
  [[nodiscard]] const std::string& hash();

 private:
  std::string_view body_;
  std::optional<std::string> hash_;
};

// True only for a well-formed marker whose bh is that of `body`, whose mac
// is right under `key`, and whose time lies within [now - max_age, now +
// kMarkerClockSkew]. The mac is compared in constant time. The body is
// hashed only for a marker that passes the cheaper checks.
[[nodiscard]] bool valid_release_marker(std::string_view key, std::string_view value,
                                        MarkedBody& body, UnixTime now,
                                        std::int64_t max_age = kDefaultMarkerMaxAge);
[[nodiscard]] bool valid_release_marker(std::string_view key, std::string_view value,
                                        std::string_view body, UnixTime now,
                                        std::int64_t max_age = kDefaultMarkerMaxAge);

// bh of a body: base64 of the SHA-256 of its relaxed canonical form.
[[nodiscard]] std::string release_body_hash(std::string_view body);

// The id a marker names, or empty when it is not well-formed (the mac is not
// checked: call valid_release_marker first).
[[nodiscard]] std::string release_marker_id(std::string_view value);

// Reads <state_dir>/release.key, creating it (0600, 32 bytes from RAND_bytes)
// when missing. A key of the wrong size or readable by group or others is
// kConfig: it can't be trusted to be secret.
[[nodiscard]] Result<std::string> load_release_key(const std::string& state_dir);
// Reads the key without creating it: kNotFound when there is none yet (no
// message was ever released, so no marker can be valid).
[[nodiscard]] Result<std::string> read_release_key(const std::string& state_dir);

}  // namespace authguard::quarantine
