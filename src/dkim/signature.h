// signature.h: the DKIM-Signature header field (RFC 6376 §3.5) and DKIM
// public key records (§3.6.1), as typed values.
//
//   sig-v-tag, sig-a-tag, sig-b-tag, sig-bh-tag, sig-c-tag, sig-d-tag,
//   sig-h-tag, sig-i-tag, sig-l-tag, sig-q-tag, sig-s-tag, sig-t-tag,
//   sig-x-tag, sig-z-tag; unknown tags are ignored (§3.2).
//
//   auto sig = parse_signature(field.value);
//   if (!sig) result = permerror(sig.error().message);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/error.h"
#include "dkim/tags.h"

namespace authguard::dkim {

enum class Algorithm { kRsaSha256, kEd25519Sha256, kRsaSha1 };
enum class Canon { kSimple, kRelaxed };
enum class KeyType { kRsa, kEd25519 };

[[nodiscard]] const char* algorithm_name(Algorithm a) noexcept;
[[nodiscard]] const char* canon_name(Canon c) noexcept;
[[nodiscard]] bool parse_algorithm(std::string_view text, Algorithm& out) noexcept;
[[nodiscard]] KeyType key_type_of(Algorithm a) noexcept;

struct Signature {
  Algorithm algorithm = Algorithm::kRsaSha256;      // a=
  std::string b;                                    // b=, decoded
  std::string bh;                                   // bh=, decoded
  Canon header_canon = Canon::kSimple;              // c= (default simple/simple)
  Canon body_canon = Canon::kSimple;
  DomainName domain;                                // d=
  std::vector<std::string> signed_headers;          // h=, as written
  std::string identity;                             // i= (default "@" + d)
  DomainName identity_domain;                       // domain part of i=
  std::optional<std::uint64_t> body_length;         // l=
  std::string selector;                             // s=
  std::optional<std::int64_t> timestamp;            // t=
  std::optional<std::int64_t> expiration;           // x=
  std::string b_text;                               // b= as written (for header.b)
  // Where b='s value lies in the parsed field value: verification empties
  // exactly this span (RFC 6376 §3.7).
  std::size_t b_value_begin = 0;
  std::size_t b_value_end = 0;
};

// Parses and checks a DKIM-Signature value (the field body after the colon):
// every required tag present, v=1, a known algorithm and canonicalization,
// q=dns/txt, h= including From, i= within d=, x= not before t=. Errors say
// which rule failed and are permerrors for the caller.
[[nodiscard]] Result<Signature> parse_signature(std::string_view value,
                                                const TagLimits& limits = {});

// A key record: v, h, k, n, p, s, t (RFC 6376 §3.6.1, RFC 8463 k=ed25519).
struct KeyRecord {
  KeyType type = KeyType::kRsa;              // k= (default rsa)
  std::string public_key;                    // p=, decoded; empty = revoked
  bool revoked = false;                      // p= present but empty
  bool testing = false;                      // t=y
  bool strict_identity = false;              // t=s: i= domain must equal d=
  bool allows_sha1 = true;                   // h= lists sha1 (or no h=)
  bool allows_sha256 = true;                 // h= lists sha256 (or no h=)
  std::string notes;                         // n=
};

// Unknown tags and unknown t= flags are ignored; an unknown k=, a v= other
// than DKIM1, an s= without "email" or "*", or an h= without a known hash is
// an error.
[[nodiscard]] Result<KeyRecord> parse_key_record(std::string_view text);

}  // namespace authguard::dkim
