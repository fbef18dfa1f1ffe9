// authres_fuzz.cc: fuzz target for Authentication-Results (src/authres/):
// parsing, the builder fed with whatever was parsed, and forged-field
// removal over a message carrying the input as a field.
//
// Invariants: nothing crashes or hangs; errors are only kInvalidInput or
// kLimitExceeded; what the builder writes is one field (no line break but its
// own CRLF TAB folds, no control bytes) that parses back to the same
// authserv-id, methods, results, reasons and properties; removal leaves
// exactly the bytes outside the removed fields.
//
//   authres_fuzz_replay fuzz/corpus/authres_fuzz
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "authres/forged.h"
#include "authres/header.h"
#include "authres/parse.h"
#include "message/message.h"

namespace {

using namespace authguard;
using namespace authguard::authres;

// The replay build has no sanitizer: abort() is what fails the ctest case.
void check(bool ok) {
  if (!ok) std::abort();
}

void check_emitted(const std::string& value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto u = static_cast<unsigned char>(value[i]);
    if (value[i] == '\r') {
      check(i + 2 < value.size() && value[i + 1] == '\n' && value[i + 2] == '\t');
    } else if (value[i] == '\n') {
      check(i > 0 && value[i - 1] == '\r');
    } else {
      check(u >= 0x20 || value[i] == '\t');
      check(u != 0x7f);
    }
  }
}

void check_round_trip(const AuthResults& ar) {
  HeaderBuilder builder(ar.authserv_id);
  for (const ResInfo& r : ar.results) builder.add(r.method, r.result, r.properties, r.reason, r.reason);
  const std::string value = builder.value();
  check_emitted(value);
  (void)builder.field("\n");
  ParseLimits roomy;
  roomy.max_input_bytes = 1024 * 1024;
  auto back = parse(value, roomy);
  check(back.has_value());
  check(back->authserv_id == ar.authserv_id);
  check(back->results.size() == ar.results.size());
  for (std::size_t i = 0; i < ar.results.size(); ++i) {
    const ResInfo& a = ar.results[i];
    const ResInfo& b = back->results[i];
    // An empty result ("foo=;") is written as "none" (RFC 8601 §2.7).
    check(a.method == b.method && (a.result.empty() ? "none" : a.result) == b.result);
    check(a.reason == b.reason && a.properties == b.properties);
  }
}

void check_forged(std::string_view input) {
  const std::string bytes = "From: a@example.com\r\nAuthentication-Results: " + std::string(input) +
                            "\r\nAuthentication-Results: mx.example.net; none\r\n\r\nbody\r\n";
  auto m = Message::parse(bytes);
  if (!m) return;
  auto ids = find_claiming(*m, "mx.example.net");
  std::size_t removed = 0;
  for (std::size_t i : ids) {
    check(i < m->headers().size());
    removed += m->headers()[i].end - m->headers()[i].offset;
  }
  const std::string out = remove_fields(bytes, *m, ids);
  check(out.size() + removed == bytes.size());
  check(out.size() >= 6 && out.compare(out.size() - 6, 6, "body\r\n") == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(data, data + size);
  for (const std::string& text : {input, "Authentication-Results: " + input, "mx.example.net; " + input}) {
    auto ar = parse(text);
    if (!ar) {
      check(ar.error().kind == ErrorKind::kInvalidInput ||
            ar.error().kind == ErrorKind::kLimitExceeded);
      continue;
    }
    check_round_trip(*ar);
  }
  (void)leading_value(input);
  check_forged(input);
  return 0;
}
