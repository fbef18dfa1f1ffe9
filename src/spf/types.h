// types.h: the values of SPF (RFC 7208): parsed records, limits, requests and
// results. Parsing lives in parse.h, evaluation in verify.h, header text in
// header.h.
//
// A record is parsed once (and cached by domain); macro-strings inside it are
// kept as pieces and expanded per evaluation, because they depend on the
// client IP, the sender and the current domain (RFC 7208 §7).
//
//   auto record = spf::parse_record("v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all");
//   record->directives[0].text;   // "ip4:192.0.2.0/24"
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ip.h"

namespace authguard::spf {

// Every untrusted dimension has a named limit. The first five are RFC 7208
// §4.6.4; the rest bound what a hostile record or identity can make us do.
struct SpfLimits {
  // Terms that query DNS (include, a, mx, ptr, exists, redirect) per check.
  unsigned max_dns_terms = 10;
  // MX names one "mx" may look up; more is a permerror (§4.6.4).
  unsigned max_mx_names = 10;
  // PTR names one "ptr" or %{p} may validate; the rest are ignored (§4.6.4).
  unsigned max_ptr_names = 10;
  // Terms whose query answered NXDOMAIN or NODATA; more is a permerror.
  unsigned max_void_lookups = 2;
  // Wall-clock budget of one evaluation; over it gives temperror (§4.6.4
  // says such a limit SHOULD allow at least 20 seconds).
  std::int64_t max_elapsed_seconds = 20;

  // Longest record accepted (joined TXT strings); longer is a permerror.
  std::size_t max_record_bytes = 4096;
  // Most terms in one record; more is a permerror.
  std::size_t max_terms = 256;
  // Longest result of one macro expansion, before §7.3 domain truncation.
  std::size_t max_expansion_bytes = 4096;
  // Nested include depth. The DNS-term limit already bounds it; this makes
  // the bound explicit for the recursion in verify.cc.
  unsigned max_include_depth = 10;
};

// RFC 7208 §7.1:
//   macro-string = *( macro-expand / macro-literal )
//   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
//                  / "%%" / "%_" / "%-"
//   macro-literal = %x21-24 / %x26-7E
//   macro-letter = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
//   transformers = *DIGIT [ "r" ]
//   delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
struct MacroPiece {
  char letter = 0;            // lower-case macro letter; 0 for literal text
  std::string literal;        // the text, with %% %_ %- already replaced
  bool url_escape = false;    // the letter was upper case (§7.3)
  bool reverse = false;       // "r" transformer
  std::uint8_t keep = 0;      // DIGIT transformer: right-hand parts kept; 0 = all
  std::string delimiters;     // empty means "."
};

struct MacroString {
  std::vector<MacroPiece> pieces;
  bool uses_p = false;  // %{p} needs PTR lookups (§5.5), done only when present
  // True when there is no macro letter: `text` is then the whole expansion.
  [[nodiscard]] bool literal_only() const noexcept {
    return pieces.empty() || (pieces.size() == 1 && pieces[0].letter == 0);
  }
  // The expansion of a literal-only string.
  [[nodiscard]] const std::string& text() const noexcept {
    static const std::string kEmpty;
    return pieces.empty() ? kEmpty : pieces[0].literal;
  }
};

// RFC 7208 §4.6.2: qualifier = "+" / "-" / "?" / "~"
enum class Qualifier : char { kPass = '+', kFail = '-', kSoftfail = '~', kNeutral = '?' };

enum class MechanismKind { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };

// RFC 7208 §5 and §12:
//   directive = [ qualifier ] mechanism
//   all      = "all"
//   include  = "include" ":" domain-spec
//   a        = "a"   [ ":" domain-spec ] [ dual-cidr-length ]
//   mx       = "mx"  [ ":" domain-spec ] [ dual-cidr-length ]
//   ptr      = "ptr" [ ":" domain-spec ]
//   ip4      = "ip4" ":" ip4-network [ ip4-cidr-length ]
//   ip6      = "ip6" ":" ip6-network [ ip6-cidr-length ]
//   exists   = "exists" ":" domain-spec
//   dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
//   domain-spec = macro-string domain-end
//   domain-end  = ( "." toplabel [ "." ] ) / macro-expand
struct Directive {
  Qualifier qualifier = Qualifier::kPass;
  MechanismKind kind = MechanismKind::kAll;
  // The target domain-spec; absent means the current <domain>.
  std::optional<MacroString> domain;
  // ip4 / ip6 network. An ip6 network written as IPv4-mapped never matches:
  // such clients are IPv4 (§5, the IpAddress normalisation).
  IpAddress network;
  bool never_matches = false;
  unsigned cidr4 = 32;
  unsigned cidr6 = 128;
  // The mechanism as written, without its qualifier ("ip4:192.0.2.0/24").
  std::string text;
};

// RFC 7208 §4.5 and §6:
//   record   = version terms *SP
//   version  = "v=spf1"
//   terms    = *( 1*SP ( directive / modifier ) )
//   modifier = redirect / explanation / unknown-modifier
//   redirect = "redirect" "=" domain-spec
//   explanation = "exp" "=" domain-spec
//   unknown-modifier = name "=" macro-string
//   name     = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
struct SpfRecord {
  std::vector<Directive> directives;  // in record order
  std::optional<MacroString> redirect;
  std::optional<MacroString> exp;
  std::string redirect_text;  // "redirect=..." as written, for results
  bool has_all = false;       // §6.1: redirect is then never used
};

// RFC 7208 §2.6 results, named as RFC 8601 names them.
enum class SpfResult { kNone, kNeutral, kPass, kFail, kSoftfail, kTempError, kPermError };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror".
[[nodiscard]] const char* result_name(SpfResult result) noexcept;

// Which identity was checked (RFC 7208 §2.3, §2.4).
enum class SpfScope { kMailFrom, kHelo };

// "mfrom" or "helo" (JSON); Received-SPF spells them "mailfrom" / "helo".
[[nodiscard]] const char* scope_name(SpfScope scope) noexcept;

// What the SMTP session told us.
struct SpfRequest {
  IpAddress client_ip;
  std::string mail_from;  // "" or "<>" for the null reverse-path
  std::string helo;
  std::string receiver = "unknown";  // our host name: %{r} and Received-SPF
};

struct SpfOutput {
  SpfResult result = SpfResult::kNone;
  SpfScope scope = SpfScope::kMailFrom;
  std::string domain;  // the identity's domain, where evaluation started
  std::string sender;  // <sender> as checked ("postmaster@helo" for a null MAIL FROM)
  // The mechanism that decided, as written ("include:_spf.example.net"), or
  // "default" when none matched; for errors, the term being evaluated.
  std::string mechanism;
  // For fail: the expanded exp= text, or the default explanation (§6.2).
  std::string explanation;
  // For permerror and temperror: what went wrong, for logs and Received-SPF;
  // for none: why there is no policy. Empty otherwise.
  std::string problem;
  unsigned dns_lookups = 0;   // DNS queries asked for (answered from a cache or not)
  unsigned void_lookups = 0;  // §4.6.4 void lookups counted
  unsigned dns_terms = 0;     // §4.6.4 DNS-querying terms counted
};

}  // namespace authguard::spf
