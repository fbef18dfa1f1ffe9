// relay.h: hands a message to the MTA over SMTP, for the quarantine's release
// (the original envelope, with the release marker) and for submissions of
// reported messages to a configured address.
//
// The SMTP client is libcurl's (smtp:// and smtps://, STARTTLS, dot-stuffing,
// the end-of-data line), not a hand-written one. A relay that answers 4xx, or
// can't be reached, is ErrorKind::kTemporary: the message stays in quarantine
// and the release can be retried. A 5xx answer is kInvalidInput and names the
// reply, so the administrator sees why the relay refused it.
//
//   SmtpRelay relay({.url = "smtp://127.0.0.1:10025", .helo = "mx.example.net"});
//   auto sent = relay.send({.mail_from = "a@example.com", .recipients = {"b@ours.example"},
//                           .data = with_release_marker(raw, marker)});
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace authguard::quarantine {

inline constexpr std::string_view kDefaultRelayUrl = "smtp://127.0.0.1:25";
inline constexpr int kDefaultRelayTimeoutSeconds = 60;
// More recipients than this in one release is refused: a stored envelope
// never had more (Postfix's smtpd_recipient_limit defaults to 1000).
inline constexpr std::size_t kMaxRelayRecipients = 1000;

struct RelayOptions {
  // smtp://HOST[:PORT] (plain, or STARTTLS when tls = "starttls") or
  // smtps://HOST[:PORT] (TLS from the start).
  std::string url = std::string(kDefaultRelayUrl);
  std::string tls = "none";  // "none" or "starttls" (required, certificate verified)
  std::string helo;          // EHLO name; empty: the authserv-id
  int timeout_seconds = kDefaultRelayTimeoutSeconds;
};

struct OutboundMessage {
  // Addresses with or without angle brackets; "" or "<>" is the null
  // reverse-path.
  std::string mail_from;
  std::vector<std::string> recipients;
  std::string data;       // the whole message, CRLF line ends (see smtp_data)
};

class Relay {
 public:
  virtual ~Relay() = default;
  // Returns once the relay has accepted the message (250 after DATA).
  [[nodiscard]] virtual Result<void> send(const OutboundMessage& message) = 0;
};

class SmtpRelay final : public Relay {
 public:
  explicit SmtpRelay(RelayOptions options);
  [[nodiscard]] Result<void> send(const OutboundMessage& message) override;

 private:
  RelayOptions options_;
};

// The message as it goes to the relay: every line ending CRLF (a bare LF
// becomes CRLF; a bare CR is line content, as the message model reads it),
// and every existing `header_name` field removed from the
// header block as the message model reads it (a stale or forged marker is
// not carried along; the body is not touched), with "header_name: value"
// prepended when value is not empty. A header block that ended without an
// empty line (at a non-field line) gets one; an mbox "From " line on top (a
// storage artifact the message model skips) is dropped.
[[nodiscard]] std::string smtp_data(std::string_view raw, std::string_view header_name,
                                    std::string_view value);

// Checks the relay settings: a known scheme, a host, a tls choice that fits.
[[nodiscard]] Result<void> validate_relay(const RelayOptions& options);

}  // namespace authguard::quarantine
