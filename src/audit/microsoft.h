// microsoft.h: what Microsoft 365 expects in a customer's DNS.
//
// Every tenant has a routing domain, NAME.onmicrosoft.com (Microsoft calls it
// the MOERA domain). Mail is never meant to come from it, so it must publish
// "v=DMARC1; p=reject;"; its zone is Microsoft's, and records are added in
// the Microsoft 365 admin center (Settings > Domains), not at a registrar.
//
// Microsoft signs a custom domain with DKIM once selector1 and selector2
// under it are CNAMEs to keys Microsoft publishes and rotates. Two target
// patterns exist: the older one under the routing domain and the newer one
// (since 2024) under dkim.mail.microsoft with a region label:
//
//   selector1._domainkey.contoso.com CNAME selector1-contoso-com._domainkey.contoso.onmicrosoft.com
//   selector1._domainkey.contoso.com CNAME selector1-contoso-com._domainkey.contoso.n-v1.dkim.mail.microsoft
//
//   auto tenant = Tenant::parse("contoso");
//   tenant->routing_domain();                                   // contoso.onmicrosoft.com
//   tenant->legacy_dkim_target(domain, "selector1");            // the older target
//   tenant->matches_dkim_target(domain, "selector1", target);   // either pattern
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/domain.h"
#include "core/error.h"

namespace authguard::audit {

// The selectors Microsoft 365 signs with.
inline constexpr std::string_view kMicrosoftSelectors[] = {"selector1", "selector2"};
// The include a Microsoft 365 sending domain's SPF record needs.
inline constexpr std::string_view kMicrosoftSpfInclude = "spf.protection.outlook.com";

class Tenant {
 public:
  // Accepts "contoso" or "contoso.onmicrosoft.com"; the name is one DNS label.
  [[nodiscard]] static Result<Tenant> parse(std::string_view text);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  // NAME.onmicrosoft.com
  [[nodiscard]] DomainName routing_domain() const;

  // "contoso.com" -> "contoso-com": how Microsoft names a domain in targets.
  [[nodiscard]] static std::string dashed(const DomainName& domain);

  // selector1-contoso-com._domainkey.NAME.onmicrosoft.com
  [[nodiscard]] std::string legacy_dkim_target(const DomainName& domain,
                                               std::string_view selector) const;
  // selector1-contoso-com._domainkey.NAME.<region>.dkim.mail.microsoft
  [[nodiscard]] std::string regional_dkim_target(const DomainName& domain,
                                                 std::string_view selector,
                                                 std::string_view region) const;
  // True when target (without a trailing dot, any case) is either pattern.
  [[nodiscard]] bool matches_dkim_target(const DomainName& domain, std::string_view selector,
                                         std::string_view target) const;
  // The region label of a target in the newer pattern, if it is one.
  [[nodiscard]] std::optional<std::string> region_of(const DomainName& domain,
                                                     std::string_view selector,
                                                     std::string_view target) const;

 private:
  std::string name_;  // lower case
};

}  // namespace authguard::audit
