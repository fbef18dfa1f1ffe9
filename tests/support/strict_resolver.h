// strict_resolver.h: the strict DNS test double. Every query must have been
// expected; any other query fails the running test, so a unit test proves
// exactly which lookups a verifier makes.
//
//   StrictResolver dns;
//   dns.expect_zone("example.com. 300 IN TXT \"v=spf1 -all\"");
//   dns.expect_error("_dmarc.example.com", RecordType::kTxt, DnsStatus::kNxDomain);
//   run_check(dns);
//   dns.verify_all_used();
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "dns/resolver.h"
#include "dns/zone_resolver.h"

namespace authguard::testing {

class StrictResolver final : public dns::Resolver {
 public:
  StrictResolver();

  // Expects queries for every (owner, type) in this master-file text, and
  // answers them from it.
  void expect_zone(std::string_view zone_text);
  // Expects a query for (name, type) and answers with this error.
  void expect_error(std::string_view name, dns::RecordType type, dns::DnsStatus status);

  [[nodiscard]] dns::DnsResult<dns::RRset> query(std::string_view name,
                                                 dns::RecordType type) override;

  // How often (name, type) was asked.
  [[nodiscard]] int count(std::string_view name, dns::RecordType type) const;
  // Fails the test for every expectation that was never queried.
  void verify_all_used() const;

 private:
  using Key = std::pair<std::string, dns::RecordType>;
  std::unique_ptr<dns::ZoneResolver> zone_;
  std::map<Key, dns::DnsStatus> errors_;
  std::map<Key, int> expected_;  // value: times asked
};

}  // namespace authguard::testing
