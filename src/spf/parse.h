// parse.h: SPF record selection and parsing (RFC 7208 §4.5, §4.6, §5, §6).
//
// The whole record is checked before any of it is evaluated, so a syntax
// error anywhere is a permerror (§4.6), whatever the client address.
// parse_record depends on nothing but its text, so callers can cache its
// result by domain (Evaluator keeps a dns::ParsedCache of them).
//
//   if (spf::is_spf_record(txt.joined())) {
//     auto record = spf::parse_record(txt.joined());
//     if (!record) return permerror(record.error().message);
//   }
#pragma once

#include <string_view>

#include "core/error.h"
#include "spf/types.h"

namespace authguard::spf {

// §4.5: a record starts with "v=spf1" (any case) followed by a space or the
// end. Other TXT records at the name are none of SPF's business.
[[nodiscard]] bool is_spf_record(std::string_view text) noexcept;

// Parses a whole record ("v=spf1 ..."). Errors: kInvalidInput for syntax
// (including non-ASCII bytes, §3.1, and repeated redirect= or exp=, §6),
// kLimitExceeded when the record is over max_record_bytes or max_terms.
[[nodiscard]] Result<SpfRecord> parse_record(std::string_view text, const SpfLimits& limits = {});

}  // namespace authguard::spf
