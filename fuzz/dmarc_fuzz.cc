// dmarc_fuzz.cc: DMARC record parsing and the whole evaluation of a message
// whose bytes are the input, against a small zone. Invariants: no crash; a
// From naming several domains never passes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dmarc/evaluate.h"
#include "dns/zone_resolver.h"
#include "message/address.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace authguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)dmarc::parse_record(in);
  (void)dmarc::valid_report_uri(in);
  static auto zone = [] {
    auto z = dns::ZoneResolver::load_text(
        "_dmarc.example.com. 60 IN TXT \"v=DMARC1; p=reject; sp=quarantine; np=reject\"\n"
        "_dmarc.example.net. 60 IN TXT \"v=DMARC1; p=none; t=y\"\n"
        "example.com. 60 IN A 192.0.2.1\n",
        "fuzz.zone");
    return std::move(*z);
  }();
  auto m = Message::parse(in);
  if (!m) return 0;
  dmarc::Evaluator eval(*zone);
  spf::SpfOutput spf;
  spf.result = spf::SpfResult::kPass;
  spf.domain = "example.com";
  dkim::SignatureVerdict sig;
  sig.result = dkim::DkimResult::kPass;
  sig.domain = "example.net";
  auto v = eval.evaluate(*m, spf, {sig});
  auto authors = parse_authors(*m);
  if (authors && (authors->from_fields > 1 || authors->distinct_domains.size() > 1) &&
      v.result == dmarc::DmarcResult::kPass) {
    std::abort();
  }
  return 0;
}
