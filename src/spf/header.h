// header.h: the text an SPF result becomes in a message: the Received-SPF
// header field (RFC 7208 §9.1). The spf= entry of Authentication-Results
// (RFC 7208 §9.2) is written by authres::HeaderBuilder, with every other.
//
// Every value from the session (HELO, MAIL FROM) is hostile: quoted where it
// is not a dot-atom / token, control characters replaced, so a header can
// never be split or extended by what a client sent.
//
//   out = evaluator.evaluate(req);
//   msg.add_header("Received-SPF", spf::received_spf_value(out, req));
#pragma once

#include <string>

#include "spf/types.h"

namespace authguard::spf {

// RFC 7208 §9.1:
//   header-field = "Received-SPF:" [CFWS] result FWS [comment FWS] [ key-value-list ] CRLF
//   key-value-pair = key [CFWS] "=" ( dot-atom / quoted-string )
//   key = "client-ip" / "envelope-from" / "helo" / "problem" / "receiver"
//         / "identity" / mechanism / name
// The value after "Received-SPF:", on one line:
//   pass (mx.example.org: domain of bob@example.com designates 192.0.2.1 as
//   permitted sender) client-ip=192.0.2.1; envelope-from="bob@example.com";
//   helo=mail.example.com; receiver=mx.example.org; identity=mailfrom;
//   mechanism="ip4:192.0.2.0/24"
[[nodiscard]] std::string received_spf_value(const SpfOutput& out, const SpfRequest& request);

// "Received-SPF: " + received_spf_value(...), without CRLF.
[[nodiscard]] std::string received_spf_field(const SpfOutput& out, const SpfRequest& request);


}  // namespace authguard::spf
