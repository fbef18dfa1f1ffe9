// dkim_fuzz.cc: DKIM-Signature and key record parsing, and body
// canonicalization, on arbitrary bytes. Invariants: no crash; canonicalizing
// in one piece and in odd-sized chunks gives the same bytes; a parsed
// signature's identity lies within its domain.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dkim/canon.h"
#include "dkim/signature.h"
#include "dkim/tags.h"

namespace {

class Collect final : public authguard::dkim::BodySink {
 public:
  void write(std::string_view s) override { out.append(s); }
  std::string out;
};

std::string canon(authguard::dkim::Canon c, std::string_view in, std::size_t chunk) {
  Collect sink;
  authguard::dkim::BodyCanonicalizer bc(c, sink);
  if (chunk == 0) {
    bc.update(in);
  } else {
    for (std::size_t i = 0; i < in.size(); i += chunk) bc.update(in.substr(i, chunk));
  }
  bc.finish();
  return sink.out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace authguard::dkim;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)parse_tag_list(in);
  (void)parse_key_record(in);
  if (auto sig = parse_signature(in)) {
    if (!sig->identity_domain.is_subdomain_of(sig->domain)) std::abort();
  }
  for (Canon c : {Canon::kSimple, Canon::kRelaxed}) {
    std::string whole = canon(c, in, 0);
    if (canon(c, in, 7) != whole || canon(c, in, 1) != whole) std::abort();
  }
  return 0;
}
