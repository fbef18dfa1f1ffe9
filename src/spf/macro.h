// macro.h: SPF macro-strings (RFC 7208 §7): parsing into pieces once, and
// expansion per evaluation.
//
// Where a macro-string appears decides which letters it may use: c, r and t
// only in explanation text, and only explanation text may hold spaces (§7.1).
//
//   auto spec = spf::parse_domain_spec("%{ir}.%{v}._spf.%{d2}");
//   MacroValues v;  v.domain = "example.com"; ...
//   std::string out;
//   if (spf::expand_macro(*spec, v, 4096, out)) use(spf::truncate_domain(out));
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "spf/types.h"

namespace authguard::spf {

enum class MacroUse {
  kDomainSpec,   // a mechanism or modifier target: letters slodiphv, then domain-end
  kModifier,     // an unknown modifier's value: letters slodiphv
  kExplanation,  // the TXT text an exp= points to: all letters, and SP (§6.2)
};

// Parses a macro-string for its use; kDomainSpec also checks domain-end
// ("." toplabel [ "." ] / macro-expand). Errors are kInvalidInput.
[[nodiscard]] Result<MacroString> parse_macro_string(std::string_view text, MacroUse use);

// Shorthand for parse_macro_string(text, MacroUse::kDomainSpec).
[[nodiscard]] Result<MacroString> parse_domain_spec(std::string_view text);

// The values macro letters expand to (§7.3). Views must outlive expansion.
struct MacroValues {
  std::string_view sender;         // s: <sender>
  std::string_view local_part;     // l
  std::string_view sender_domain;  // o
  std::string_view domain;         // d: the current <domain>
  std::string_view ip_dotted;      // i: dotted quad, or 32 dot-separated nibbles
  std::string_view ip_text;        // c: the readable address (explanations only)
  bool ipv6 = false;               // v: "ip6" or "in-addr"
  std::string_view validated_name = "unknown";  // p (§5.5, computed by the caller)
  std::string_view helo;           // h
  std::string_view receiver = "unknown";  // r (explanations only)
  UnixTime now = 0;                // t (explanations only)
};

// Appends the expansion of `macro` to `out`. False when it would grow past
// max_bytes (out is then unspecified).
[[nodiscard]] bool expand_macro(const MacroString& macro, const MacroValues& values,
                                std::size_t max_bytes, std::string& out);

// §7.3: a trailing dot is dropped, and a name over 253 octets loses labels
// from the left until it fits. Works in place.
void truncate_domain(std::string& name);

// Whether a (truncated) name can be asked of DNS: 1..253 octets, labels of
// 1..63 octets. Anything else is treated as a name that does not exist
// (RFC 7208 §4.3 by analogy; the suite's invalid-domain-* cases).
[[nodiscard]] bool is_queryable_name(std::string_view name) noexcept;

}  // namespace authguard::spf
