// store.h: QuarantineStore, where messages held back by policy wait for an
// administrator (or, with policy "user-release", the recipient) to release
// or delete them (issue 6).
//
// SqliteQuarantineStore keeps them in the state database shared with the key
// and history stores (<state-dir>/authguard.db, WAL), table
// quarantine_messages: one row per message with its envelope, a few header
// fields for searching, the verdict that held it back and the raw bytes.
//
// Durability: put() is one transaction, and a message counts as quarantined
// only once it has committed. A busy, locked, read-only or full database is
// ErrorKind::kTemporary, so the milter answers 4xx and the sender retries:
// a message is never accepted and then lost.
//
//   auto store = SqliteQuarantineStore::open("/var/lib/authguard");
//   QuarantineEntry e{.received = clock.now(), .mail_from = "a@example.com", ...};
//   auto id = (*store)->put(e);           // "3f9a0c1d2e4b5a69"
//   auto held = (*store)->list({.rule = "block-invoices"});
//   (*store)->sweep(clock.now());          // drops expired entries
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace authguard::db {
class Statement;
}

namespace authguard::quarantine {

// How long a message is kept when the caller names no retention.
inline constexpr std::int64_t kDefaultRetentionSeconds = 30 * 86400;
// The largest message quarantined: a bigger one is kLimitExceeded, and the
// caller decides (reject, rather than fill the disk).
inline constexpr std::size_t kDefaultMaxMessageBytes = 32 * 1024 * 1024;

inline constexpr std::string_view kPolicyAdminOnly = "admin-only";
inline constexpr std::string_view kPolicyUserRelease = "user-release";

struct QuarantineEntry {
  std::string id;          // set by put(): 16 lower-case hex digits
  UnixTime received = 0;
  UnixTime expires = 0;    // put(): 0 means received + retention
  std::string mail_from;   // envelope sender (may be empty: the null path)
  std::vector<std::string> recipients;  // envelope recipients
  std::string client_ip;
  std::string helo;
  std::string subject;
  std::string from_addr;   // header From address
  std::string rule;        // the mail-flow rule (or "dmarc", "compauth") that held it
  std::string policy = std::string(kPolicyAdminOnly);  // who may release it
  std::string verdict_json;  // the verdict, as `authguard check --json` prints it
  std::string raw;           // the message as received
  UnixTime released = 0;     // when last released (0: never)
  std::string report;        // "false-negative", "false-positive" or "" (not reported)
  UnixTime notified = 0;     // when its recipients were sent a digest (0: never)
};

// Every field that is set must match; an empty filter lists everything.
struct QuarantineFilter {
  std::string sender;            // envelope sender or header From, case-insensitive
  std::string recipient;         // one of the envelope recipients, case-insensitive
  std::string rule;              // exact
  std::optional<UnixTime> since;  // received >= since
  std::optional<UnixTime> until;  // received < until
  std::string subject_contains;  // case-insensitive (ASCII) substring
};

class QuarantineStore {
 public:
  virtual ~QuarantineStore() = default;

  // Stores the message; returns its new id once committed.
  [[nodiscard]] virtual Result<std::string> put(const QuarantineEntry& entry) = 0;
  // Matching entries, oldest first, without their raw bytes (see get()).
  [[nodiscard]] virtual Result<std::vector<QuarantineEntry>> list(
      const QuarantineFilter& filter) = 0;
  // One entry with its raw bytes; kNotFound when there is none.
  [[nodiscard]] virtual Result<QuarantineEntry> get(std::string_view id) = 0;
  // Deletes one entry; kNotFound when there is none.
  [[nodiscard]] virtual Result<void> remove(std::string_view id) = 0;
  // Records that the entry was released (re-injected) at `when`; it stays
  // listed, marked, until it expires or is deleted. kNotFound when absent.
  [[nodiscard]] virtual Result<void> mark_released(std::string_view id, UnixTime when) = 0;
  // Records an administrator's report ("false-negative" or "false-positive").
  [[nodiscard]] virtual Result<void> mark_reported(std::string_view id, std::string_view report) = 0;
  // Records that the recipients of a user-release entry were sent a digest
  // listing it at `when` (`quarantine notify` lists each entry once).
  [[nodiscard]] virtual Result<void> mark_notified(std::string_view id, UnixTime when) = 0;
  // Deletes every entry whose expiry is at or before `now`; returns how many.
  [[nodiscard]] virtual Result<std::int64_t> sweep(UnixTime now) = 0;
};

struct SqliteQuarantineOptions {
  int busy_timeout_ms = 5000;
  std::int64_t retention_seconds = kDefaultRetentionSeconds;
  std::size_t max_message_bytes = kDefaultMaxMessageBytes;
  // The held messages' bytes together may reach this size (0: no cap).
  // Beyond it put() is kTemporary, as for a full disk: the MTA retries
  // later instead of the quarantine filling the disk the mail queue is on.
  // Only the quarantine counts: the verdict log and history grow on their
  // own and must not keep every held message waiting for room.
  std::uint64_t max_database_bytes = 0;
};

class SqliteQuarantineStore final : public QuarantineStore {
 public:
  // Opens (creating when missing) <state_dir>/authguard.db and the quarantine
  // table. The state directory must exist.
  [[nodiscard]] static Result<std::unique_ptr<SqliteQuarantineStore>> open(
      const std::string& state_dir, SqliteQuarantineOptions options = {});
  ~SqliteQuarantineStore() override;

  [[nodiscard]] Result<std::string> put(const QuarantineEntry& entry) override;
  [[nodiscard]] Result<std::vector<QuarantineEntry>> list(const QuarantineFilter& filter) override;
  [[nodiscard]] Result<QuarantineEntry> get(std::string_view id) override;
  [[nodiscard]] Result<void> remove(std::string_view id) override;
  [[nodiscard]] Result<void> mark_released(std::string_view id, UnixTime when) override;
  [[nodiscard]] Result<void> mark_reported(std::string_view id, std::string_view report) override;
  [[nodiscard]] Result<void> mark_notified(std::string_view id, UnixTime when) override;
  [[nodiscard]] Result<std::int64_t> sweep(UnixTime now) override;

  struct Impl;

 private:
  // Runs one UPDATE (?1 is the id) in its own transaction.
  Result<void> update(std::string_view id, const char* sql,
                      const std::function<void(db::Statement&)>& bind, std::string_view what);
  explicit SqliteQuarantineStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authguard::quarantine
