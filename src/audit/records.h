// records.h: the DNS records an audit recommends, as zone-file text
// (RFC 1035 §5.1), ready to paste into a zone or a provider's form.
//
//   zone_txt("_dmarc.contoso.net", "v=DMARC1; p=reject;")
//     -> _dmarc.contoso.net. TXT "v=DMARC1; p=reject;"
//   zone_null_mx(domain)            -> contoso.net. MX 0 .
//   recommended_dmarc(domain, DomainKind::kNonSending, "") -> "v=DMARC1; p=reject;"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/types.h"
#include "core/domain.h"

namespace authguard::audit {

// A TXT character-string holds at most 255 octets (RFC 1035 §3.3); longer
// values are split into several strings, which SPF, DKIM and DMARC join.
inline constexpr std::size_t kMaxTxtString = 255;

// "name." (absolute), lower-cased as given otherwise.
[[nodiscard]] std::string zone_owner(std::string_view name);
// `owner. TXT "value"`, with quotes and backslashes escaped, bytes outside
// printable ASCII as \DDD, and values over 255 octets split into strings.
[[nodiscard]] std::string zone_txt(std::string_view owner, std::string_view value);
// `domain. MX 0 .`: the null MX of RFC 7505.
[[nodiscard]] std::string zone_null_mx(const DomainName& domain);
// `owner. CNAME target.`
[[nodiscard]] std::string zone_cname(std::string_view owner, std::string_view target);
// A TXT value as master-file strings: "part1" "part2".
[[nodiscard]] std::string quote_txt_strings(const std::vector<std::string>& strings);

// The aggregate-report address a fix proposes when a sending domain has none.
[[nodiscard]] std::string default_rua(const DomainName& domain);

// The record to aim for: p=reject everywhere (RFC 9989 §4.7). A sending
// domain also names where aggregate reports go (default_rua when `rua` is
// empty), so its owner can see who sends as it; a non-sending domain gets a
// rua only when one is given. `rua` is a mailto: URI or empty.
[[nodiscard]] std::string recommended_dmarc(const DomainName& domain, DomainKind kind,
                                            std::string_view rua);

// A DMARC tag list as published, in order, to rewrite one tag at a time and
// keep the rest of the owner's record as it was.
//
//   auto tags = DmarcTags::parse("v=DMARC1; p=none; rua=mailto:d@contoso.net");
//   tags.set("p", "quarantine");
//   tags.str();   // "v=DMARC1; p=quarantine; rua=mailto:d@contoso.net;"
class DmarcTags {
 public:
  // Lenient: pieces without '=' are dropped, names are lower-cased.
  [[nodiscard]] static DmarcTags parse(std::string_view text);
  // A fresh record: v=DMARC1 and nothing else.
  [[nodiscard]] static DmarcTags fresh();

  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  // Replaces the value in place, or adds the tag: p right after v (RFC 9989
  // §4.7 recommends it there), others at the end.
  void set(std::string_view name, std::string value);
  void erase(std::string_view name);
  // "v=DMARC1; p=reject;": tags joined with "; " and closed with ';'.
  [[nodiscard]] std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> tags_;
};

}  // namespace authguard::audit
