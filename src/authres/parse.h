// parse.h: tolerant parsing of Authentication-Results header fields
// (RFC 8601 §2.2), our own and the ones providers add before us.
//
// Real fields stray from the ABNF, and §7.8 asks a reader to be robust
// against malformed fields rather than fall over, so the parser accepts:
//   * no authserv-id at all (Microsoft 365: "spf=pass ...; dkim=...");
//   * a missing ';' after the authserv-id (Yahoo: "mta.yahoo.com  from=x.com;");
//   * pieces without a methodspec, skipped: Outlook's repeated
//     "; outlook.com;", "none", empty pieces and a trailing ';';
//   * an empty result ("foo=;"), bare "name=value" properties, and unquoted
//     property values with characters a token may not hold ("2001:db8::1");
//   * folding with CRLF or bare LF, and comments anywhere CFWS may be.
// What it still rejects: control characters, unterminated comments or
// quoted strings, and pieces that cannot be read as
// method[/version]=result followed by name=value properties
// ("foo = = bar", "foo / bar = x", "foo bar = x").
// docs/conformance/authres.md lists where this differs from other parsers.
//
//   auto ar = authres::parse("mx.example.net; spf=pass smtp.mailfrom=example.com");
//   ar->authserv_id;                    // "mx.example.net"
//   ar->results[0].find("smtp", "mailfrom")->value;   // "example.com"
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "authres/types.h"
#include "core/error.h"

namespace authguard::authres {

// Every untrusted dimension has a named limit (RFC 8601 §7.8: fields may be
// made "extraordinarily large" on purpose). Going over one gives
// ErrorKind::kLimitExceeded naming it, e.g.
// "authres: comment nesting exceeds limit max_comment_depth=32".
struct ParseLimits {
  // The whole input. Real fields are under 2 KiB; Message caps a line at 64 KiB.
  std::size_t max_input_bytes = 64 * 1024;
  // Method results in one field.
  std::size_t max_results = 256;
  // Properties (ptype.property=value and bare name=value) of one result.
  std::size_t max_properties = 64;
  // Nested comments "(a (b (c)))": RFC 5322 sets no bound, we must.
  std::size_t max_comment_depth = 32;
};

// Parses a field value (the text after "Authentication-Results:"); input that
// still starts with the field name and colon, in any case, is accepted too.
// Errors: kInvalidInput for syntax, kLimitExceeded over a limit.
[[nodiscard]] Result<AuthResults> parse(std::string_view text, const ParseLimits& limits = {});

// The first token or quoted-string of a field value after leading CFWS, as an
// authserv-id would be written; "" when there is none. Used to recognise our
// own authserv-id in fields too broken to parse (see forged.h).
[[nodiscard]] std::string leading_value(std::string_view text);

}  // namespace authguard::authres
