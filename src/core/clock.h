// clock.h: the injected clock. Protocol modules never read the system time
// themselves; they get a Clock, so tests and `--now UNIX` can fix the time.
//
//   FixedClock clock(1700000000);
//   verifier.verify(message, resolver, clock);
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace authguard {

// Seconds since the Unix epoch.
using UnixTime = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual UnixTime now() const = 0;
};

// UTC time text: "2026-11-30T06:00:00Z" (ISO 8601, for JSON and logs) and
// "2026-11-30" (a day).
[[nodiscard]] std::string iso8601(UnixTime t);
// Any strftime(3) format, in UTC (the result is cut at 63 bytes).
[[nodiscard]] std::string format_utc(UnixTime t, const char* format);
[[nodiscard]] std::string iso_date(UnixTime t);

// The longest duration parse_duration accepts: 100 years of 365 days, so
// `now - duration` cannot overflow.
inline constexpr std::int64_t kMaxDurationSeconds = std::int64_t{100} * 365 * 86400;

// A length of time as an administrator writes it, in seconds:
//   duration = 1*DIGIT [ "s" / "m" / "h" / "d" / "w" ]   ; no unit: seconds
// "30m" is 1800, "24h" 86400, "7d" 604800, "2w" 1209600, "90" 90. Anything
// else (a sign, a space, a fraction, two units, an unknown unit, over
// kMaxDurationSeconds) is kInvalidInput naming the text.
//
//   auto since = parse_duration("7d");   // 604800
[[nodiscard]] Result<std::int64_t> parse_duration(std::string_view text);

// The real wall clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] UnixTime now() const override;
  // A process-wide instance, for callers that were given no clock.
  static const SystemClock& instance();
};

// A clock that starts at a given time and advances with the system clock:
// `--now UNIX` fixes what time it is, while elapsed-time budgets (SPF's
// §4.6.4 limit) still run.
class StartingAtClock final : public Clock {
 public:
  explicit StartingAtClock(UnixTime start);
  [[nodiscard]] UnixTime now() const override;

 private:
  UnixTime start_;
  UnixTime real_start_;
};

// A clock that says what it is told; safe to read from many threads.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(UnixTime t) : t_(t) {}
  [[nodiscard]] UnixTime now() const override { return t_.load(); }
  void set(UnixTime t) { t_.store(t); }
  void advance(std::int64_t seconds) { t_.fetch_add(seconds); }

 private:
  std::atomic<UnixTime> t_;
};

}  // namespace authguard
