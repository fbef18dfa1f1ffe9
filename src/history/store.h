// store.h: HistoryStore, what authguard remembers about who mails whom.
//
// Composite authentication (policy/compauth.h) weighs implicit signals that
// need memory, as Microsoft 365 does for compauth:
//   - sender history: per pair of header-From organizational domain and
//     sending network, the DMARC-passing messages seen, on how many distinct
//     days, first and last seen. A pair that has passed DMARC before, often
//     and on several days, is a known sender even on a day it fails;
//   - recipient history: the addresses and domains our users sent mail to
//     (recorded by the outbound signing path), so a reply is recognised.
// An administrator's verdict feeds back: a reported-bad pair is penalized
// (its history stops counting for a while), a released one is rewarded.
//
// SqliteHistoryStore keeps it in the state database shared with the key
// store (<state-dir>/authguard.db, WAL): tables history_senders (one row per
// pair), history_sender_days (one row per pair and UTC day, so counts can be
// taken over a window) and history_recipients. Every write is one
// transaction. A busy, locked or failing database is ErrorKind::kTemporary:
// the caller answers "temporary failure", never a verdict made up without it.
//
//   auto store = SqliteHistoryStore::open("/var/lib/authguard");
//   (*store)->record_pass("example.com", network_key(client_ip), clock.now());
//   auto s = (*store)->sender("example.com", network_key(client_ip), clock.now(), 90);
//   s->messages;   // DMARC-passing messages within the last 90 days
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "core/error.h"
#include "core/ip.h"

namespace authguard::db {
class StatementCache;
}

namespace authguard::history {

// The sending network of a client address. Mail from one sender moves
// between hosts of one provider's block; /24 and /56 are the usual
// allocation units (an IPv6 customer site gets a /56 or /48, RFC 6177).
inline constexpr unsigned kIpv4NetworkPrefix = 24;
inline constexpr unsigned kIpv6NetworkPrefix = 56;
// How long a penalized pair's history does not count.
inline constexpr std::int64_t kPenaltySeconds = 90 * 86400;
// Longest key stored (an org domain is at most 253 octets; an address 254).
inline constexpr std::size_t kMaxKeyLength = 320;

// "192.0.2.0/24" or "2001:db8:0:ff00::/56": the address with the host bits
// cleared.
[[nodiscard]] std::string network_key(const IpAddress& ip);
// "rdns:example.com": a client whose forward-confirmed reverse name lies in
// this organizational domain (lower case), whatever its address.
[[nodiscard]] std::string rdns_network_key(const DomainName& org_domain);

// What is known of one (org domain, network) pair.
struct SenderStats {
  bool known = false;            // the pair has a row at all
  std::int64_t messages = 0;     // DMARC-passing messages within the window
  std::int64_t days = 0;         // distinct UTC days with one, within the window
  std::int64_t total_messages = 0;  // ever
  UnixTime first_seen = 0;
  UnixTime last_seen = 0;
  UnixTime distrusted_until = 0;  // 0: never penalized (or rewarded since)

  [[nodiscard]] bool distrusted(UnixTime now) const noexcept { return distrusted_until > now; }
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // One DMARC-passing message from the pair at `now`.
  [[nodiscard]] virtual Result<void> record_pass(std::string_view org_domain,
                                                 std::string_view network, UnixTime now) = 0;
  // Counts within the last window_days days up to `now` (an unknown pair is
  // a zero SenderStats, not an error).
  [[nodiscard]] virtual Result<SenderStats> sender(std::string_view org_domain,
                                                   std::string_view network, UnixTime now,
                                                   unsigned window_days) = 0;
  // An administrator reported mail from the pair as bad (false negative):
  // its history does not count until now + kPenaltySeconds.
  [[nodiscard]] virtual Result<void> penalize(std::string_view org_domain,
                                              std::string_view network, UnixTime now) = 0;
  // An administrator released the pair's mail from quarantine (false
  // positive): it counts as one more passing message, and any penalty ends.
  [[nodiscard]] virtual Result<void> reward(std::string_view org_domain, std::string_view network,
                                            UnixTime now) = 0;

  // One of our users sent mail to `address` (local@domain) at `now`.
  [[nodiscard]] virtual Result<void> record_recipient(std::string_view address, UnixTime now) = 0;
  // Many at once, in one transaction: all are recorded or none (an import).
  [[nodiscard]] virtual Result<void> record_recipients(const std::vector<std::string>& addresses,
                                                       UnixTime now) = 0;
  [[nodiscard]] virtual Result<bool> known_recipient(std::string_view address) = 0;
  [[nodiscard]] virtual Result<bool> known_recipient_domain(std::string_view domain) = 0;
};

struct SqliteHistoryOptions {
  // How long a write waits for another writer (the key store, another
  // `serve` process) before it is a temporary failure.
  int busy_timeout_ms = 5000;
  // false: commits without fsync (synchronous=NORMAL). For the milter, whose
  // writes are per-message statistics (passes, recipients): a power cut may
  // lose the last of them, which costs a little evidence, while an fsync
  // per message would cap throughput. An administrator's penalize and reward
  // go through the commands, which keep the default.
  bool durable = true;
};

class SqliteHistoryStore final : public HistoryStore {
 public:
  // Opens (creating when missing) <state_dir>/authguard.db and the history
  // tables. The state directory must exist.
  [[nodiscard]] static Result<std::unique_ptr<SqliteHistoryStore>> open(
      const std::string& state_dir, SqliteHistoryOptions options = {});
  ~SqliteHistoryStore() override;

  [[nodiscard]] Result<void> record_pass(std::string_view org_domain, std::string_view network,
                                         UnixTime now) override;
  [[nodiscard]] Result<SenderStats> sender(std::string_view org_domain, std::string_view network,
                                           UnixTime now, unsigned window_days) override;
  [[nodiscard]] Result<void> penalize(std::string_view org_domain, std::string_view network,
                                      UnixTime now) override;
  [[nodiscard]] Result<void> reward(std::string_view org_domain, std::string_view network,
                                    UnixTime now) override;
  [[nodiscard]] Result<void> record_recipient(std::string_view address, UnixTime now) override;
  [[nodiscard]] Result<void> record_recipients(const std::vector<std::string>& addresses,
                                               UnixTime now) override;
  [[nodiscard]] Result<bool> known_recipient(std::string_view address) override;
  [[nodiscard]] Result<bool> known_recipient_domain(std::string_view domain) override;

  struct Impl;

 private:
  explicit SqliteHistoryStore(std::unique_ptr<Impl> impl);
  Result<bool> any_recipient(const char* sql, std::string_view value, const char* what);
  Result<void> write_pair(
      std::string_view org_domain, std::string_view network,
      const std::function<Result<void>(db::StatementCache&, const std::string&, const std::string&)>&
          body);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authguard::history
