// types.h: the values of an Authentication-Results header field (RFC 8601):
// who wrote it (authserv-id), and one ResInfo per method result.
//
//   Result<AuthResults> ar = authres::parse(field->value);
//   for (const ResInfo& r : ar->results)
//     if (r.method == "dmarc") use(r.result, r.find("header", "from"));
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authguard::authres {

// RFC 8601 §2.2:
//   propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
//   ptype    = Keyword
//   property = special-smtp-verb / Keyword
//   pvalue   = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]
// ptype is empty for the bare "name=value" properties real providers add
// (Microsoft's "action=oreject", Fastmail's "x-bits=1024"), which §2.2 does
// not define; they are kept rather than the field rejected (§7.8).
// value is unquoted and unescaped.
struct Property {
  std::string ptype;     // "smtp", "header", "body", "policy", or "" for bare ones
  std::string property;  // "mailfrom", "d", "from", "action", ...
  std::string value;

  friend bool operator==(const Property&, const Property&) = default;
};

// RFC 8601 §2.2:
//   resinfo    = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
//   methodspec = [CFWS] method [CFWS] "=" [CFWS] result
//   method     = Keyword [ [CFWS] "/" [CFWS] method-version ]
//   result     = Keyword
//   reasonspec = "reason" [CFWS] "=" [CFWS] value
// Names are kept as written; compare them case-insensitively (ABNF literals
// such as "reason" are, RFC 5234 §2.3).
struct ResInfo {
  std::string method;               // "spf", "dkim", "dmarc", "compauth", ...
  std::optional<int> method_version;
  std::string result;               // "pass", "fail", "none", ... (§2.7)
  std::string reason;               // the reasonspec's value; "" when absent
  std::vector<Property> properties;

  // The first property with this ptype and property name (case-insensitive),
  // or nullptr: r.find("header", "d"), r.find("", "action").
  [[nodiscard]] const Property* find(std::string_view ptype, std::string_view property) const;
};

// RFC 8601 §2.2:
//   authres-header  = "Authentication-Results:" [CFWS] authserv-id
//                     [ CFWS authres-version ] ( no-result / 1*resinfo ) [CFWS] CRLF
//   authserv-id     = value
//   authres-version = 1*DIGIT [CFWS]
//   no-result       = [CFWS] ";" [CFWS] "none"
// authserv_id is empty for Microsoft 365's fields, which start directly with
// a resinfo ("spf=pass (sender IP is ...) smtp.mailfrom=..."). "none" gives
// an empty results list.
struct AuthResults {
  std::string authserv_id;
  std::optional<int> version;  // §2.6; absent means 1
  std::vector<ResInfo> results;
};

}  // namespace authguard::authres
