// targets.cc: domains files and the de-duplicated target list.
#include "audit/targets.h"

#include "core/strings.h"

namespace authguard::audit {

namespace {

// routing > non-sending > sending: the stricter kind wins on duplicates.
int strictness(DomainKind kind) noexcept {
  switch (kind) {
    case DomainKind::kSending: return 0;
    case DomainKind::kNonSending: return 1;
    case DomainKind::kRouting: return 2;
  }
  return 0;
}

// Splits on runs of spaces and tabs.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_wsp(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !is_wsp(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

Result<DomainName> parse_target_domain(std::string_view text) {
  auto domain = DomainName::parse(text);
  if (!domain) return std::unexpected(domain.error());
  const std::string quoted = "'" + std::string(text) + "'";
  if (domain->label_count() < 2) {
    return fail(ErrorKind::kInvalidInput, quoted + " is not a domain of its own (one label)");
  }
  for (std::string_view label : domain->labels()) {
    bool ok = !label.empty() && label.front() != '-' && label.back() != '-';
    for (char c : label) ok = ok && (is_alpha(c) || is_digit(c) || c == '-');
    if (!ok) {
      return fail(ErrorKind::kInvalidInput,
                  quoted + " has a label that is not a host name label (letters, digits, inner '-')");
    }
  }
  return domain;
}

Result<std::vector<AuditTarget>> parse_domains_file(std::string_view text,
                                                    std::string_view source) {
  std::vector<AuditTarget> out;
  std::size_t line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    auto where = [&] { return std::string(source) + ":" + std::to_string(line_no) + ": "; };
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    auto w = words(line);
    if (w.size() > 2) {
      return fail(ErrorKind::kInvalidInput,
                  where() + "expected 'DOMAIN [sending|non-sending|routing]'");
    }
    auto domain = parse_target_domain(w[0]);
    if (!domain) return fail(ErrorKind::kInvalidInput, where() + domain.error().message);
    AuditTarget t{*domain, DomainKind::kSending};
    if (w.size() == 2) {
      auto kind = parse_kind(w[1]);
      if (!kind) return fail(ErrorKind::kInvalidInput, where() + kind.error().message);
      t.kind = *kind;
    }
    if (out.size() == kMaxDomainsFileEntries) {
      return fail(ErrorKind::kLimitExceeded,
                  where() + "more than " + std::to_string(kMaxDomainsFileEntries) +
                      " domains (kMaxDomainsFileEntries)");
    }
    out.push_back(std::move(t));
  }
  return out;
}

void TargetList::add(const DomainName& domain, DomainKind kind) {
  std::string key = domain.lower();
  if (auto it = index_.find(key); it != index_.end()) {
    AuditTarget& existing = targets_[it->second];
    if (strictness(kind) > strictness(existing.kind)) existing.kind = kind;
    return;
  }
  index_.emplace(std::move(key), targets_.size());
  targets_.push_back({domain, kind});
}

}  // namespace authguard::audit
