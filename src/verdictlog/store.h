// store.h: VerdictLog, the recorded verdicts that `authguard rules simulate`
// replays through the current rules (issue 6): the false-positive estimate
// to read before moving a rule from audit to enforce.
//
// Each entry is what mail-flow rules saw of one message (policy::RuleInput:
// the header fields as delivered, our Authentication-Results last, and the
// verdict's results), plus its Subject and MAIL FROM for showing samples.
// `check --record` appends one per message; the milter will too.
//
// SqliteVerdictLog keeps it in the state database shared with the key,
// history and quarantine stores (<state-dir>/authguard.db, WAL), table
// verdict_log(id, time, record): record is the entry as one JSON object
// (encode_record). A busy, locked, read-only or full database is
// ErrorKind::kTemporary, so a recording caller answers "try again later".
// A row that does not decode (a corrupt record) is skipped and counted,
// never trusted.
//
//   auto log = SqliteVerdictLog::open("/var/lib/authguard");
//   (*log)->append(std::move(entry));                       // one commit
//   auto page = (*log)->since(now - 30 * 86400, 1000);      // oldest first
//   (*log)->sweep(now - kDefaultVerdictLogRetentionSeconds);  // drops older ones
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace authguard::verdictlog {

// How long entries are kept when a sweep names no other retention.
inline constexpr std::int64_t kDefaultVerdictLogRetentionSeconds = 30 * 86400;
// Header bytes (names plus values) kept per entry. Fields are kept in order
// while they fit; one that does not is left out (headers_truncated), and our
// own Authentication-Results, the last field, is always kept.
inline constexpr std::size_t kMaxLoggedHeaderBytes = 64 * 1024;
// Subject bytes kept for sample display (RFC 5322 §2.1.1's line length).
inline constexpr std::size_t kMaxLoggedSubjectBytes = 998;
// Envelope recipients kept per entry (Postfix's smtpd_recipient_limit
// default); more are dropped and the entry marked recipients_truncated.
inline constexpr std::size_t kMaxLoggedRecipients = 1000;
// The most entries one `rules simulate` reads (a read stops there and says so).
inline constexpr std::size_t kMaxSimulateEntries = 1'000'000;

// One recorded message, as rules saw it. Strings hold bytes as written
// (header values with their folding); none need be UTF-8.
struct LoggedVerdict {
  std::int64_t id = 0;  // set when read back
  UnixTime time = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // (name, value) as delivered
  bool headers_truncated = false;                            // over kMaxLoggedHeaderBytes
  std::string from_address;  // the first From address, "" when none
  std::string from_domain;   // DMARC's header_from
  std::string client_ip;     // "" when unknown
  std::string spf;
  std::vector<std::string> dkim;  // one result per signature
  std::string dmarc;
  std::string compauth;
  std::string dmarc_action;
  std::vector<std::string> recipients;
  bool recipients_truncated = false;
  std::uint64_t size = 0;
  bool accepted_spoof = false;
  std::string subject;    // unfolded, trimmed, at most kMaxLoggedSubjectBytes
  std::string mail_from;  // envelope sender, "" for the null path

  friend bool operator==(const LoggedVerdict&, const LoggedVerdict&) = default;
};

// Applies the per-entry limits above to `entry` in place (append() does).
void apply_limits(LoggedVerdict& entry);

// The stored form: one JSON object (without id and time, which have columns
// of their own). A string that is valid UTF-8 is a JSON string; any other is
// {"hex": "..."}, so every byte survives. decode_record takes any text and
// fails with kInvalidInput on anything encode_record would not have written.
[[nodiscard]] std::string encode_record(const LoggedVerdict& entry);
[[nodiscard]] Result<LoggedVerdict> decode_record(std::string_view json);

// What one read went through.
struct ReadStats {
  std::size_t entries = 0;    // rows decoded and visited
  std::size_t corrupt = 0;    // rows skipped: the record did not decode
  bool limit_reached = false;  // more rows were there than max_entries
};

// A read into memory (since()).
struct LogPage {
  std::vector<LoggedVerdict> entries;  // oldest first
  ReadStats stats;
};

class VerdictLog {
 public:
  virtual ~VerdictLog() = default;

  // Stores one entry (after apply_limits, on the entry itself: pass a
  // temporary, or std::move, to spare a copy); committed when it returns.
  [[nodiscard]] virtual Result<void> append(LoggedVerdict entry) = 0;
  // Visits the entries with time >= from, oldest first, at most max_entries
  // rows (corrupt ones included), without holding them all in memory.
  [[nodiscard]] virtual Result<ReadStats> scan(
      UnixTime from, std::size_t max_entries,
      const std::function<void(const LoggedVerdict&)>& visit) = 0;
  // Deletes every entry with time < before; returns how many.
  [[nodiscard]] virtual Result<std::int64_t> sweep(UnixTime before) = 0;

  // scan() into a vector, for small reads.
  [[nodiscard]] Result<LogPage> since(UnixTime from, std::size_t max_entries);
};

struct SqliteVerdictLogOptions {
  int busy_timeout_ms = 5000;
  bool create = true;  // false: no state database is kNotFound (readers)
};

class SqliteVerdictLog final : public VerdictLog {
 public:
  // Opens <state_dir>/authguard.db (creating it when missing and `create`)
  // and the verdict_log table. The state directory must exist.
  [[nodiscard]] static Result<std::unique_ptr<SqliteVerdictLog>> open(
      const std::string& state_dir, SqliteVerdictLogOptions options = {});
  ~SqliteVerdictLog() override;

  [[nodiscard]] Result<void> append(LoggedVerdict entry) override;
  [[nodiscard]] Result<ReadStats> scan(
      UnixTime from, std::size_t max_entries,
      const std::function<void(const LoggedVerdict&)>& visit) override;
  [[nodiscard]] Result<std::int64_t> sweep(UnixTime before) override;

  struct Impl;

 private:
  explicit SqliteVerdictLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authguard::verdictlog
