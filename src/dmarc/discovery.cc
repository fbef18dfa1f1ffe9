// discovery.cc: the DNS tree walk (RFC 9989 §4.10) and PSL lookups (RFC 7489).
#include "dmarc/discovery.h"

#include <libpsl.h>

#include <deque>

#include "core/strings.h"

namespace authguard::dmarc {

struct PolicyFinder::Psl {
  const psl_ctx_t* ctx = psl_latest(nullptr);
  ~Psl() { psl_free(const_cast<psl_ctx_t*>(ctx)); }
};

// What one _dmarc query found.
struct PolicyFinder::Level {
  enum class Kind { kNoRecord, kRecord, kSeveral, kInvalid, kTemporary };
  Kind kind = Kind::kNoRecord;
  Record record;
  std::string reason;
};

// The lookups of one message (remember_lookups). A walk makes at most
// kMaxWalkQueries; a message asks for its author's walk and one per aligned
// identity, so this bound is never reached in practice and only stops growth.
struct PolicyFinder::Memo {
  static constexpr std::size_t kMaxRemembered = 32;
  // A deque: what lookup() returned stays where it is as entries are added.
  std::deque<std::pair<DomainName, Level>> entries;
};

PolicyFinder::PolicyFinder(dns::Resolver& resolver, Mode mode)
    : resolver_(resolver), mode_(mode), psl_(mode == Mode::kRfc7489 ? std::make_unique<Psl>() : nullptr) {}

PolicyFinder::~PolicyFinder() = default;

std::vector<DomainName> walk_targets(const DomainName& start) {
  std::vector<DomainName> out;
  if (start.empty()) return out;
  out.push_back(start);
  std::size_t labels = start.label_count();
  // §4.10 step 5: from more than 8 labels, jump to the last 7.
  std::size_t next = labels > 8 ? 7 : labels - 1;
  for (std::size_t n = next; n >= 1 && out.size() < PolicyFinder::kMaxWalkQueries; --n) {
    out.push_back(start.suffix(n));
  }
  return out;
}

void PolicyFinder::remember_lookups() {
  if (!memo_) memo_ = std::make_unique<Memo>();
  memo_->entries.clear();
}

const PolicyFinder::Level& PolicyFinder::lookup(const DomainName& name) {
  if (memo_) {
    for (const auto& [known, level] : memo_->entries) {
      if (known == name) return level;
    }
    if (memo_->entries.size() < Memo::kMaxRemembered) {
      return memo_->entries.emplace_back(name, lookup_uncached(name)).second;
    }
  }
  last_ = std::make_unique<Level>(lookup_uncached(name));
  return *last_;
}

PolicyFinder::Level PolicyFinder::lookup_uncached(const DomainName& name) {
  Level level;
  auto txt = dns::lookup_txt(resolver_, "_dmarc." + name.str());
  if (!txt) {
    if (txt.error().temporary()) {
      level.kind = Level::Kind::kTemporary;
      level.reason = "DNS error at _dmarc." + name.str() + ": " + txt.error().reason;
    } else if (txt.error().status == dns::DnsStatus::kMalformed) {
      level.kind = Level::Kind::kInvalid;
      level.reason = "malformed answer at _dmarc." + name.str();
    }
    return level;
  }
  std::vector<std::string> candidates;
  for (const auto& r : txt->records) {
    std::string joined = r.joined();
    if (is_dmarc_record(joined)) candidates.push_back(std::move(joined));
  }
  if (candidates.empty()) return level;
  if (candidates.size() > 1) {
    level.kind = Level::Kind::kSeveral;
    level.reason = "several DMARC records at _dmarc." + name.str();
    return level;
  }
  auto rec = parse_record(candidates.front());
  if (!rec) {
    level.kind = Level::Kind::kInvalid;
    level.reason = "invalid DMARC record at _dmarc." + name.str() + ": " + rec.error().message;
    return level;
  }
  level.kind = Level::Kind::kRecord;
  level.record = std::move(*rec);
  return level;
}

Discovery PolicyFinder::find_policy(const DomainName& author) {
  Discovery d;
  std::vector<DomainName> targets;
  if (mode_ == Mode::kRfc9989) {
    targets = walk_targets(author);
  } else {
    // RFC 7489 §6.6.3: the author domain, then its organizational domain.
    targets.push_back(author);
    OrgDomain org = organizational_domain(author);
    if (!(org.domain == author)) targets.push_back(org.domain);
  }
  std::string skipped;
  for (const auto& target : targets) {
    const Level& level = lookup(target);
    ++d.queries;
    switch (level.kind) {
      case Level::Kind::kTemporary:
        d.status = Discovery::Status::kTempError;
        d.reason = level.reason;
        return d;
      case Level::Kind::kRecord:
        d.status = Discovery::Status::kFound;
        d.record = level.record;
        d.policy_domain = target;
        d.reason = skipped;
        return d;
      case Level::Kind::kSeveral:
      case Level::Kind::kInvalid:
        if (mode_ == Mode::kRfc7489) {
          // §6.6.3: several records, or an unusable one: no DMARC processing.
          d.status = Discovery::Status::kNone;
          d.reason = level.reason;
          return d;
        }
        // RFC 9989 §4.10: such records are discarded; the walk goes on.
        if (!skipped.empty()) skipped += "; ";
        skipped += level.reason;
        break;
      case Level::Kind::kNoRecord:
        break;
    }
  }
  d.status = Discovery::Status::kNone;
  d.reason = skipped.empty() ? "no DMARC record for " + author.str() : skipped;
  return d;
}

std::optional<DomainName> PolicyFinder::psl_registrable_domain(const DomainName& domain) const {
  if (!psl_) return std::nullopt;
  std::string lower = domain.lower();
  const char* reg = ::psl_registrable_domain(psl_->ctx, lower.c_str());
  if (reg == nullptr) return std::nullopt;
  auto parsed = DomainName::parse(reg);
  if (!parsed) return std::nullopt;
  return *parsed;
}

OrgDomain PolicyFinder::organizational_domain(const DomainName& domain) {
  OrgDomain out;
  out.domain = domain;
  if (mode_ == Mode::kRfc7489) {
    // A public suffix is its own organizational domain (RFC 7489 §3.2).
    if (auto reg = psl_registrable_domain(domain)) out.domain = *reg;
    return out;
  }
  // RFC 9989 §4.10.2: walk up; psd=n marks the organizational domain, psd=y
  // a public suffix domain whose child on the way is it; otherwise the
  // domain with the fewest labels that has a record; with none, the domain
  // itself.
  std::optional<DomainName> shortest;
  for (const auto& target : walk_targets(domain)) {
    const Level& level = lookup(target);
    if (level.kind == Level::Kind::kTemporary) {
      out.temporary = true;
      out.reason = level.reason;
      return out;
    }
    if (level.kind != Level::Kind::kRecord) continue;
    if (level.record.psd == Psd::kNo) {
      out.domain = target;
      return out;
    }
    if (level.record.psd == Psd::kYes) {
      std::size_t n = target.label_count();
      out.domain = n < domain.label_count() ? domain.suffix(n + 1) : domain;
      return out;
    }
    shortest = target;
  }
  if (shortest) out.domain = *shortest;
  return out;
}

std::optional<bool> PolicyFinder::exists(const DomainName& domain) {
  auto a = dns::lookup_a(resolver_, domain.str());
  if (a) return true;
  if (a.error().temporary()) return std::nullopt;
  if (a.error().status == dns::DnsStatus::kNxDomain) return false;
  auto aaaa = dns::lookup_aaaa(resolver_, domain.str());
  if (aaaa) return true;
  if (aaaa.error().temporary()) return std::nullopt;
  auto mx = dns::lookup_mx(resolver_, domain.str());
  if (mx) return true;
  if (mx.error().temporary()) return std::nullopt;
  return false;
}

}  // namespace authguard::dmarc
