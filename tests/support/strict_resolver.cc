// strict_resolver.cc: the strict DNS test double.
#include "support/strict_resolver.h"

#include <gtest/gtest.h>

#include "core/strings.h"

namespace authguard::testing {

namespace {
std::string norm(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return to_lower(name);
}
}  // namespace

StrictResolver::StrictResolver() : zone_(dns::ZoneResolver::empty()) {}

void StrictResolver::expect_zone(std::string_view zone_text) {
  auto added = zone_->add_text(zone_text, "<expect_zone>");
  ASSERT_TRUE(added.has_value()) << added.error().message;
  // Register every owner/type line as an expectation.
  for (std::string_view line : split(zone_text, '\n')) {
    line = trim(line);
    if (line.empty() || line.front() == ';') continue;
    std::string spaced(line);
    for (char& c : spaced) c = (c == '\t') ? ' ' : c;
    auto fields = split(spaced, ' ');
    std::string owner;
    dns::RecordType type{};
    bool have_type = false;
    for (std::string_view f : fields) {
      if (f.empty()) continue;
      if (owner.empty()) {
        owner = norm(f);
        continue;
      }
      if (dns::parse_record_type(f, type)) {
        have_type = true;
        break;
      }
    }
    if (have_type) expected_.emplace(Key{owner, type}, 0);
  }
}

void StrictResolver::expect_error(std::string_view name, dns::RecordType type,
                                  dns::DnsStatus status) {
  Key key{norm(name), type};
  errors_[key] = status;
  expected_.emplace(key, 0);
}

dns::DnsResult<dns::RRset> StrictResolver::query(std::string_view name, dns::RecordType type) {
  Key key{norm(name), type};
  auto it = expected_.find(key);
  if (it == expected_.end()) {
    ADD_FAILURE() << "unexpected DNS query: " << name << " " << dns::record_type_name(type);
    return std::unexpected(dns::DnsError{dns::DnsStatus::kTemporary, "unexpected query", 0});
  }
  ++it->second;
  if (auto e = errors_.find(key); e != errors_.end()) {
    return std::unexpected(dns::DnsError{e->second, "scripted error", 60});
  }
  return zone_->query(name, type);
}

int StrictResolver::count(std::string_view name, dns::RecordType type) const {
  auto it = expected_.find(Key{norm(name), type});
  return it == expected_.end() ? 0 : it->second;
}

void StrictResolver::verify_all_used() const {
  for (const auto& [key, times] : expected_) {
    EXPECT_GT(times, 0) << "expected DNS query never made: " << key.first << " "
                        << dns::record_type_name(key.second);
  }
}

}  // namespace authguard::testing
