// header.h: the Authentication-Results field authguard adds (RFC 8601 §2.2,
// §4), written the way Microsoft 365 writes its own, so that rules written
// against Exchange Online's headers ("dmarc=fail action=oreject") match ours.
//
// One resinfo per line, each folded with CRLF+TAB; the properties come right
// after the result (and reason), and a comment, if any, after them all:
//
//   Authentication-Results: mx.example.net;
//   	spf=pass smtp.mailfrom=contoso.com;
//   	dkim=pass header.d=contoso.com header.s=selector1 header.a=rsa-sha256 header.b=AbCdEfGh;
//   	dmarc=fail action=oreject header.from=contoso.com;
//   	compauth=none reason=451
//
// Every string is treated as hostile: control characters (CR and LF above
// all) become spaces, names keep only Keyword characters, and values that are
// not RFC 2045 tokens are quoted, so no input can end the field or add one.
//
//   HeaderBuilder ar("mx.example.net");
//   ar.add("spf", "pass", {{"smtp", "mailfrom", "contoso.com"}});
//   ar.add("dmarc", "fail", {{"", "action", "oreject"}, {"header", "from", "contoso.com"}});
//   std::string field = ar.field();   // prepend to the message header
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "authres/types.h"

namespace authguard::authres {

class HeaderBuilder {
 public:
  // The authserv-id (§2.5): our host or ADMD name, as find_claiming() will
  // look for it.
  explicit HeaderBuilder(std::string authserv_id);

  // Adds "method=result [reason=...] [ptype.]property=value ... [(comment)]".
  //   method, ptype, property: only Keyword characters (letters, digits, '-',
  //     '_') are kept; a result whose method is left empty is not written, a
  //     property whose name is left empty is skipped, an empty ptype writes a
  //     bare "property=value" (Microsoft's "action=oreject").
  //   result: token characters are kept; empty becomes "none" (§2.7).
  //   values and reason: written as they are when they are tokens (a value
  //     may also hold one '@', §2.2 pvalue), quoted otherwise.
  //   comment: written last, in parentheses, with '(', ')' and '\' escaped.
  HeaderBuilder& add(std::string method, std::string result, std::vector<Property> props = {},
                     std::string reason = "", std::string comment = "");

  // The field value, without the field name: the authserv-id, ';', then each
  // result on its own folded line (CRLF TAB), separated by ';'. With no
  // results: "mx.example.net; none" (§2.2 no-result).
  [[nodiscard]] std::string value() const;

  // "Authentication-Results: " + value() + eol. The folds use the same line
  // ending: bare LF when eol is "\n", CRLF otherwise.
  [[nodiscard]] std::string field(std::string_view eol = "\r\n") const;

 private:
  struct Entry {
    std::string method;
    std::string result;
    std::vector<Property> props;
    std::string reason;
    std::string comment;
  };

  [[nodiscard]] std::string value_with(std::string_view fold) const;

  std::string authserv_id_;
  std::vector<Entry> entries_;
};

}  // namespace authguard::authres
