// record.h: the DMARC policy record (RFC 9989 §4.7, RFC 7489 §6.3).
//
//   dmarc-record = dmarc-version *( dmarc-sep dmarc-tag ) [ dmarc-sep ]
//   dmarc-version = "v" *WSP "=" *WSP %s"DMARC1"
//   tags: p, sp, np, psd, t, adkim, aspf, rua, ruf, fo; legacy pct, rf, ri.
//   Unknown tags are ignored. Tag names and keyword values are
//   case-insensitive; "DMARC1" is not.
//
//   auto rec = parse_record("v=DMARC1; p=reject; rua=mailto:d@example.com");
//   rec->policy;   // Policy::kReject
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace authguard::dmarc {

enum class Policy { kNone, kQuarantine, kReject };
enum class Alignment { kRelaxed, kStrict };
enum class Psd { kUnknown, kYes, kNo };

[[nodiscard]] const char* policy_name(Policy p) noexcept;

struct Record {
  Policy policy = Policy::kNone;                 // p=
  std::optional<Policy> subdomain_policy;        // sp=
  std::optional<Policy> nonexistent_policy;      // np= (RFC 9989, RFC 9091)
  Psd psd = Psd::kUnknown;                       // psd=
  bool testing = false;                          // t=y (RFC 9989)
  Alignment adkim = Alignment::kRelaxed;
  Alignment aspf = Alignment::kRelaxed;
  std::vector<std::string> rua;                  // valid URIs only
  std::vector<std::string> ruf;
  std::string fo = "0";
  unsigned pct = 100;                            // legacy (RFC 7489)
  std::string rf = "afrf";
  unsigned ri = 86400;
  // Tags that were invalid but tolerated, for the verdict's explanation
  // (e.g. "p missing: treated as none because rua is valid").
  std::vector<std::string> notes;
  std::string text;                              // the record as published
};

// True when a TXT string is meant as a DMARC record: its first tag is
// v=DMARC1 (others are not DMARC records and are discarded, §4.10).
[[nodiscard]] bool is_dmarc_record(std::string_view text) noexcept;

// Parses a record. A missing or invalid p (or invalid sp/np) makes the
// record act as p=none when rua holds a valid URI (RFC 9989 §4.7), and is an
// error otherwise.
[[nodiscard]] Result<Record> parse_record(std::string_view text);

// A syntactically valid reporting URI: mailto:addr-spec[!size[kmgt]].
[[nodiscard]] bool valid_report_uri(std::string_view uri) noexcept;

}  // namespace authguard::dmarc
