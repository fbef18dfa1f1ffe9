// audit_fuzz.cc: the audit's parsers of administrator and DNS input: the
// domains file, target domain names, and the DMARC tag rewriter that builds
// fixes from a published record. Invariants: no crash; every parsed target
// re-parses to the same domain; a rewritten record reads back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/records.h"
#include "audit/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace authguard;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto targets = audit::parse_domains_file(in, "fuzz")) {
    for (const auto& t : *targets) {
      auto again = audit::parse_target_domain(t.domain.str());
      if (!again || !(*again == t.domain)) std::abort();
    }
  }
  (void)audit::parse_target_domain(in);
  auto tags = audit::DmarcTags::parse(in);
  tags.set("p", "reject");
  std::string text = tags.str();
  if (audit::DmarcTags::parse(text).str() != text) std::abort();
  return 0;
}
