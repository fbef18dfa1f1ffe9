// demo.cc: a simulated year of key rotation for two demo domains.
#include "keys/demo.h"

#include <unistd.h>

#include <filesystem>
#include <map>

#include "dkim/sign.h"
#include "dkim/verify.h"
#include "dns/zone_resolver.h"
#include "keys/rotator.h"
#include "keys/signers.h"
#include "message/message.h"

namespace authguard::keys {

dns::DnsResult<dns::RRset> ZoneFilesResolver::query(std::string_view name, dns::RecordType type) {
  auto zone = dns::ZoneResolver::empty();
  for (const auto& path : paths_) {
    // Read as text into one zone, so that several files answer together.
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) continue;
    std::string text;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    if (auto r = zone->add_text(text, path); !r) {
      return std::unexpected(dns::DnsError{dns::DnsStatus::kTemporary, r.error().message, 0});
    }
  }
  return zone->query(name, type);
}

namespace {

constexpr UnixTime kStart = 1735689600;  // 2025-01-01T00:00:00Z

// Removes the demo's temporary directory however the demo ends.
struct TempTree {
  std::string path;
  ~TempTree() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

std::string message_text(const std::string& domain, int day) {
  return "From: news@" + domain + "\r\nTo: reader@example.net\r\nSubject: day " +
         std::to_string(day) + "\r\nMessage-ID: <" + std::to_string(day) + "@" + domain +
         ">\r\n\r\nHello from day " + std::to_string(day) + ".\r\n";
}

// One timeline line from the events of one domain on one day.
std::string render(const std::vector<const Event*>& events) {
  std::vector<std::string> parts;
  for (const Event* e : events) {
    if (e->kind == "init") {
      parts.push_back("added");
    } else if (e->kind == "generate") {
      std::string why;
      auto open = e->detail.find(" (");
      if (open != std::string::npos) why = e->detail.substr(open);
      if (why == " (new rsa key)" || why == " (new ed25519 key)") why.clear();
      parts.push_back("new key on " + e->selector + why);
    } else if (e->kind == "publish") {
      parts.push_back("published");
    } else if (e->kind == "live") {
      parts.push_back(e->selector + " live");
    } else if (e->kind == "activate") {
      parts.push_back("SIGNING WITH " + e->selector);
    } else if (e->kind == "revoke") {
      parts.push_back(e->selector + " REVOKED (compromise drill: p= empty published)");
    } else if (e->kind == "lost") {
      parts.push_back(e->selector + " no longer live");
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

Result<void> run_keys_demo(std::FILE* out, unsigned bits) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "authguard-keys-demo-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return fail(ErrorKind::kIo, "cannot make a temporary directory");
  TempTree tree{tmpl};
  std::string state_dir = tmpl + "/state";
  std::string zone_file = tmpl + "/dkim-keys.zone";

  auto vault = KeyVault::open(state_dir, /*create=*/true);
  if (!vault) return std::unexpected(vault.error());
  auto store = SqliteKeyStore::open(state_dir, /*create=*/true);
  if (!store) return std::unexpected(store.error());
  ZoneFilePublisher publisher(zone_file, {}, 10);
  ZoneFilesResolver dns({zone_file});
  ResolverChecker checker(dns);
  FixedClock clock(kStart);
  Policy policy;
  policy.bits = bits;
  Rotator rotator(**store, *vault, &publisher, checker, clock, policy);

  // contoso.example from the first day; fabrikam.example two weeks later, and
  // a compromise drill on its active key in July.
  const std::vector<std::string> domains = {"contoso.example", "fabrikam.example"};
  const std::map<std::string, int> start_day = {{"contoso.example", 0}, {"fabrikam.example", 14}};
  constexpr int kRevokeDay = 200;
  std::fprintf(out,
               "== Outbound: DKIM keys on two selectors, rotated every 90 days, published before use ==\n\n"
               "  A simulated year of `authguard keys rotate --due` once a day (clock: --now), %u-bit\n"
               "  RSA. Records go to a zone include file that the demo's DNS re-reads; a key signs\n"
               "  only once its record is live, and switches wait out max(TTL, 96 h) after that.\n"
               "  Every day each domain signs a message with its active key, verified against DNS\n"
               "  as it is that day; the first message is verified again every day after.\n\n",
               bits);

  struct Tally {
    int signed_count = 0, verified = 0;
    std::string first_text;
    int first_day = -1, last_good_day = -1;
  };
  std::map<std::string, Tally> tally;
  for (int day = 0; day <= 365; ++day) {
    clock.set(kStart + static_cast<UnixTime>(day) * 86400);
    for (const auto& o : rotator.advance({}, {})) {
      if (!o.result) return std::unexpected(o.result.error());
    }
    for (const auto& domain : domains) {
      if (start_day.at(domain) != day) continue;
      for (const auto& o : rotator.init({domain}, {})) {
        if (!o.result) return std::unexpected(o.result.error());
      }
    }
    if (day == kRevokeDay) {
      auto state = (*store)->load("fabrikam.example");
      if (state && *state && (*state)->sets.front().active >= 0) {
        const KeySet& rsa = (*state)->sets.front();
        Outcome o = rotator.revoke("fabrikam.example",
                                   rsa.slots[static_cast<std::size_t>(rsa.active)].selector);
        if (!o.result) return std::unexpected(o.result.error());
      }
    }
    dkim::Verifier verifier(dns, clock);
    auto passes = [&](const std::string& text) {
      auto msg = Message::parse(text, MessageLimits{});
      if (!msg) return false;
      auto verdicts = verifier.verify(*msg);
      for (const auto& v : verdicts) {
        if (v.result != dkim::DkimResult::kPass) return false;
      }
      return !verdicts.empty();
    };
    for (const auto& domain : domains) {
      Tally& t = tally[domain];
      auto name = DomainName::parse(domain);
      auto signers = active_signers(**store, *vault, *name);
      if (!signers) continue;  // not in the store yet, or nothing live: unsigned
      std::string text = message_text(domain, day);
      auto msg = Message::parse(text, MessageLimits{});
      if (!msg) return std::unexpected(msg.error());
      auto fields = dkim::sign_all(*signers, *msg, clock.now());
      if (!fields) return std::unexpected(fields.error());
      std::string signed_text;
      for (const auto& f : *fields) signed_text += f;
      signed_text += text;
      ++t.signed_count;
      if (passes(signed_text)) ++t.verified;
      if (t.first_day < 0) {
        t.first_day = t.last_good_day = day;
        t.first_text = signed_text;
      } else if (t.last_good_day == day - 1 && passes(t.first_text)) {
        t.last_good_day = day;
      }
    }
  }

  auto events = (*store)->events("");
  if (!events) return std::unexpected(events.error());
  // Group by (day, domain), in time order.
  std::map<std::pair<UnixTime, std::string>, std::vector<const Event*>> days;
  for (const auto& e : *events) days[{e.at / 86400, e.domain}].push_back(&e);
  for (const auto& [key, list] : days) {
    std::fprintf(out, "  %s  %-17s %s\n", iso_date(key.first * 86400).c_str(), key.second.c_str(),
                 render(list).c_str());
  }
  std::fprintf(out, "\n");
  auto states = (*store)->load_all();
  if (!states) return std::unexpected(states.error());
  for (const auto& d : *states) {
    const KeySet* rsa = d.find(Family::kRsa);
    if (rsa == nullptr || rsa->active < 0) continue;
    const Slot& a = rsa->slots[static_cast<std::size_t>(rsa->active)];
    const Tally& t = tally[d.domain];
    unsigned keys_made = rsa->slots[0].generation + rsa->slots[1].generation;
    std::fprintf(out, "  %s: signing with %s (key %lld days old), %u keys made, %d messages signed, "
                      "%d verified the same day\n",
                 d.domain.c_str(), a.selector.c_str(),
                 static_cast<long long>((clock.now() - a.activated) / 86400), keys_made,
                 t.signed_count, t.verified);
    if (t.first_day >= 0) {
      std::fprintf(out, "    its first message (%s) verified every day until %s%s\n",
                   iso_date(kStart + t.first_day * 86400LL).c_str(),
                   iso_date(kStart + t.last_good_day * 86400LL).c_str(),
                   t.last_good_day >= 365 ? " and still does"
                                          : ", the day before its selector got a new key");
    }
  }
  std::fprintf(out,
               "\n  Try it: authguard keys init DOMAIN --state-dir DIR, then authguard keys status\n"
               "  and authguard keys export-dns; `authguard serve` (the milter) then runs the\n"
               "  rotation tick itself, hourly, and signs outbound mail with the active key;\n"
               "  without it, `authguard keys rotate --due` daily does the rest (packaging/ ships\n"
               "  a systemd timer and a cron file).\n\n");
  return {};
}

}  // namespace authguard::keys
