// records.cc: zone-file text of recommended records, and DMARC tag rewriting.
#include "audit/records.h"

#include <cstdio>

#include "core/strings.h"
#include "dns/resolver.h"

namespace authguard::audit {

std::string zone_owner(std::string_view name) {
  std::string out(name);
  if (out.empty() || out.back() != '.') out += '.';
  return out;
}

std::string quote_txt_strings(const std::vector<std::string>& strings) {
  return dns::master_file_strings(strings);
}

std::string zone_txt(std::string_view owner, std::string_view value) {
  std::vector<std::string> strings;
  do {
    strings.emplace_back(value.substr(0, kMaxTxtString));
    value.remove_prefix(std::min(value.size(), kMaxTxtString));
  } while (!value.empty());
  return zone_owner(owner) + " TXT " + quote_txt_strings(strings);
}

std::string zone_null_mx(const DomainName& domain) {
  return zone_owner(domain.str()) + " MX 0 .";
}

std::string zone_cname(std::string_view owner, std::string_view target) {
  return zone_owner(owner) + " CNAME " + zone_owner(target);
}

std::string default_rua(const DomainName& domain) {
  return "mailto:dmarc-reports@" + domain.lower();
}

std::string recommended_dmarc(const DomainName& domain, DomainKind kind, std::string_view rua) {
  DmarcTags tags = DmarcTags::fresh();
  tags.set("p", "reject");
  if (!rua.empty()) {
    tags.set("rua", std::string(rua));
  } else if (kind == DomainKind::kSending) {
    tags.set("rua", default_rua(domain));
  }
  return tags.str();
}

DmarcTags DmarcTags::parse(std::string_view text) {
  DmarcTags t;
  for (std::string_view part : split(text, ';')) {
    part = trim(part);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = to_lower(trim(part.substr(0, eq)));
    if (name.empty()) continue;
    t.tags_.emplace_back(std::move(name), std::string(trim(part.substr(eq + 1))));
  }
  return t;
}

DmarcTags DmarcTags::fresh() {
  DmarcTags t;
  t.tags_.emplace_back("v", "DMARC1");
  return t;
}

std::optional<std::string> DmarcTags::get(std::string_view name) const {
  for (const auto& [n, v] : tags_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

void DmarcTags::set(std::string_view name, std::string value) {
  for (auto& [n, v] : tags_) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  if (name == "p") {
    auto pos = tags_.begin();
    if (pos != tags_.end() && pos->first == "v") ++pos;
    tags_.emplace(pos, std::string(name), std::move(value));
    return;
  }
  tags_.emplace_back(std::string(name), std::move(value));
}

void DmarcTags::erase(std::string_view name) {
  std::erase_if(tags_, [&](const auto& t) { return t.first == name; });
}

std::string DmarcTags::str() const {
  std::string out;
  for (const auto& [n, v] : tags_) {
    if (!out.empty()) out += ' ';
    out += n + "=" + v + ";";
  }
  return out;
}

}  // namespace authguard::audit
