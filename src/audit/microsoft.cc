// microsoft.cc: Microsoft 365 tenant names and DKIM CNAME targets.
#include "audit/microsoft.h"

#include "core/strings.h"

namespace authguard::audit {

namespace {

constexpr std::string_view kRoutingSuffix = ".onmicrosoft.com";
constexpr std::string_view kRegionalSuffix = ".dkim.mail.microsoft";

std::string normalise(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return to_lower(name);
}

}  // namespace

Result<Tenant> Tenant::parse(std::string_view text) {
  std::string name = normalise(trim(text));
  if (iends_with(name, kRoutingSuffix)) name.resize(name.size() - kRoutingSuffix.size());
  if (name.empty() || name.size() > DomainName::kMaxLabelLength) {
    return fail(ErrorKind::kInvalidInput, "tenant name must be one DNS label, got '" +
                                              std::string(text) + "'");
  }
  for (char c : name) {
    if (!is_alpha(c) && !is_digit(c) && c != '-') {
      return fail(ErrorKind::kInvalidInput,
                  "tenant name may hold only letters, digits and '-', got '" + std::string(text) +
                      "'");
    }
  }
  Tenant t;
  t.name_ = std::move(name);
  return t;
}

DomainName Tenant::routing_domain() const {
  // The name was checked to be one label, so this always parses.
  auto d = DomainName::parse(name_ + std::string(kRoutingSuffix));
  return d ? *d : DomainName{};
}

std::string Tenant::dashed(const DomainName& domain) {
  std::string out = domain.lower();
  for (char& c : out) {
    if (c == '.') c = '-';
  }
  return out;
}

std::string Tenant::legacy_dkim_target(const DomainName& domain, std::string_view selector) const {
  return to_lower(selector) + "-" + dashed(domain) + "._domainkey." + name_ +
         std::string(kRoutingSuffix);
}

std::string Tenant::regional_dkim_target(const DomainName& domain, std::string_view selector,
                                         std::string_view region) const {
  return to_lower(selector) + "-" + dashed(domain) + "._domainkey." + name_ + "." +
         to_lower(region) + std::string(kRegionalSuffix);
}

std::optional<std::string> Tenant::region_of(const DomainName& domain, std::string_view selector,
                                             std::string_view target) const {
  std::string t = normalise(target);
  std::string prefix = to_lower(selector) + "-" + dashed(domain) + "._domainkey." + name_ + ".";
  if (!t.starts_with(prefix) || !t.ends_with(kRegionalSuffix)) return std::nullopt;
  if (t.size() <= prefix.size() + kRegionalSuffix.size()) return std::nullopt;
  std::string region = t.substr(prefix.size(), t.size() - prefix.size() - kRegionalSuffix.size());
  // The region is exactly one label.
  if (region.empty() || region.find('.') != std::string::npos) return std::nullopt;
  return region;
}

bool Tenant::matches_dkim_target(const DomainName& domain, std::string_view selector,
                                 std::string_view target) const {
  return normalise(target) == legacy_dkim_target(domain, selector) ||
         region_of(domain, selector, target).has_value();
}

}  // namespace authguard::audit
