// spf_fuzz.cc: fuzz target for SPF (src/spf/): record parsing, macro-string
// parsing and expansion, and a whole evaluation with the input published as
// the domain's record.
//
// Invariants: nothing crashes or hangs; a parsed record re-parses from its
// directives' texts to the same directives; an expansion never exceeds its
// limit; a truncated queryable name fits 253 octets; an evaluation stays
// within the DNS-term limit and ends in one of the seven results.
//
//   spf_fuzz_replay fuzz/corpus/spf_fuzz
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "dns/zone_resolver.h"
#include "spf/macro.h"
#include "spf/parse.h"
#include "spf/verify.h"

namespace {

using namespace authguard;
using namespace authguard::spf;

// The replay build has no sanitizer: abort() is what fails the ctest case.
void check(bool ok) {
  if (!ok) std::abort();
}

void check_record(std::string_view text) {
  auto record = parse_record(text);
  if (!record) {
    check(record.error().kind == ErrorKind::kInvalidInput ||
          record.error().kind == ErrorKind::kLimitExceeded);
    return;
  }
  check(is_spf_record(text));
  // Directives re-parse from their texts, with their qualifiers.
  std::string again = "v=spf1";
  for (const Directive& d : record->directives) {
    check(!d.text.empty());
    again += ' ';
    again += static_cast<char>(d.qualifier);
    again += d.text;
  }
  auto reparsed = parse_record(again);
  check(reparsed.has_value());
  check(reparsed->directives.size() == record->directives.size());
  for (std::size_t i = 0; i < record->directives.size(); ++i) {
    const Directive& a = record->directives[i];
    const Directive& b = reparsed->directives[i];
    check(a.kind == b.kind && a.qualifier == b.qualifier && a.text == b.text &&
          a.cidr4 == b.cidr4 && a.cidr6 == b.cidr6 && a.network == b.network);
  }
}

void check_macro(std::string_view text) {
  static const std::string kDotted = IpAddress::parse("2001:db8::1")->dotted();
  MacroValues values;
  values.sender = "strong-bad@email.example.com";
  values.local_part = "strong-bad";
  values.sender_domain = "email.example.com";
  values.domain = "email.example.com";
  values.ip_dotted = kDotted;
  values.ip_text = "2001:db8::1";
  values.ipv6 = true;
  values.helo = "mx.example.org";
  values.now = 1700000000;
  for (MacroUse use : {MacroUse::kDomainSpec, MacroUse::kModifier, MacroUse::kExplanation}) {
    auto macro = parse_macro_string(text, use);
    if (!macro) continue;
    constexpr std::size_t kLimit = 2048;
    std::string out;
    if (!expand_macro(*macro, values, kLimit, out)) continue;
    check(out.size() <= kLimit);
    if (use == MacroUse::kDomainSpec) {
      truncate_domain(out);
      if (is_queryable_name(out)) check(out.size() <= 253);
    }
  }
}

constexpr const char* kZone = R"(
_spf.example.net. 300 IN TXT "v=spf1 ip4:198.51.100.0/24 include:loop.example -all"
loop.example. 300 IN TXT "v=spf1 include:example.com ?all"
example.com. 300 IN MX 10 mx.example.com.
mx.example.com. 300 IN A 192.0.2.1
mx.example.com. 300 IN AAAA 2001:db8::1
1.2.0.192.in-addr.arpa. 300 IN PTR mx.example.com.
explain.example.com. 300 IN TXT "%{c} is not %{d} at %{t}, %{r} says"
)";

void check_evaluation(std::string_view text) {
  auto zone = dns::ZoneResolver::load_text(kZone, "spf_fuzz");
  check(zone.has_value());
  (*zone)->add_txt("example.com", text);
  FixedClock clock(1700000000);
  Evaluator evaluator(**zone, clock);
  for (const char* ip : {"192.0.2.1", "2001:db8::1"}) {
    SpfRequest request;
    request.client_ip = *IpAddress::parse(ip);
    request.mail_from = "strong-bad@example.com";
    request.helo = "mx.example.org";
    SpfOutput out = evaluator.evaluate(request);
    check(out.dns_terms <= evaluator.options().limits.max_dns_terms + 1);
    check(out.void_lookups <= evaluator.options().limits.max_void_lookups + 1);
    check(out.result >= SpfResult::kNone && out.result <= SpfResult::kPermError);
    check(out.explanation.empty() || out.result == SpfResult::kFail);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(data, data + size);
  check_record(input);
  check_record("v=spf1 " + input);
  check_macro(input);
  check_evaluation(input);
  return 0;
}
