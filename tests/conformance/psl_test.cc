// psl_test.cc: the Public Suffix List's own test vectors
// (../shared/corpora/psl/tests.txt, read in place) against the organizational
// domain DMARC uses in RFC 7489 mode (libpsl with Debian's publicsuffix
// list). Each line "INPUT EXPECTED" is one case; "null" means no registrable
// domain. An input authguard can't hold as a DomainName (a leading dot, the
// literal null) must expect null.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dmarc/discovery.h"
#include "core/strings.h"
#include "dns/zone_resolver.h"
#include "support/run.h"

namespace authguard::dmarc {
namespace {

struct Vector {
  std::size_t line = 0;
  std::string input;
  std::string expected;  // "null" for none
};

std::vector<Vector> load() {
  std::vector<Vector> out;
  std::ifstream in(testing::source_path("../shared/corpora/psl/tests.txt"));
  std::string text;
  std::size_t n = 0;
  while (std::getline(in, text)) {
    ++n;
    if (text.empty() || text.rfind("//", 0) == 0) continue;
    std::istringstream fields(text);
    Vector v;
    v.line = n;
    fields >> v.input >> v.expected;
    if (!v.input.empty() && !v.expected.empty()) out.push_back(v);
  }
  return out;
}

class PslVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(PslVectors, RegistrableDomain) {
  const Vector& v = GetParam();
  auto zone = dns::ZoneResolver::empty();
  PolicyFinder finder(*zone, Mode::kRfc7489);
  std::string got = "null";
  if (v.input != "null") {
    if (auto domain = DomainName::parse(v.input); domain && v.input.front() != '.') {
      if (auto reg = finder.psl_registrable_domain(*domain)) got = reg->lower();
    }
  }
  std::string want = v.expected == "null" ? "null" : to_lower(v.expected);
  EXPECT_EQ(got, want) << "tests.txt:" << v.line << " " << v.input;
}

INSTANTIATE_TEST_SUITE_P(PublicSuffix, PslVectors, ::testing::ValuesIn(load()),
                         [](const auto& info) { return "line" + std::to_string(info.param.line); });

TEST(PslCorpus, IsPresent) { EXPECT_GT(load().size(), 50u); }

}  // namespace
}  // namespace authguard::dmarc
