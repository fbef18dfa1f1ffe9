// clock.cc: the system clock, UTC time text and durations.
#include "core/clock.h"

#include <ctime>

#include "core/strings.h"

namespace authguard {

std::string format_utc(UnixTime t, const char* format) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string iso8601(UnixTime t) { return format_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string iso_date(UnixTime t) { return iso8601(t).substr(0, 10); }

Result<std::int64_t> parse_duration(std::string_view text) {
  auto bad = [&](const char* why) {
    return fail(ErrorKind::kInvalidInput,
                "bad duration '" + std::string(text) + "': " + why +
                    " (expected a number with an optional unit s, m, h, d or w: 30m, 24h, 7d, 2w)");
  };
  std::string_view digits = text;
  std::int64_t unit = 1;
  if (!digits.empty() && !is_digit(digits.back())) {
    switch (digits.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: return bad("unknown unit");
    }
    digits.remove_suffix(1);
  }
  unsigned long long n = 0;
  if (digits.empty() || !parse_uint64(digits, n)) return bad("not a whole number");
  if (n > static_cast<unsigned long long>(kMaxDurationSeconds / unit)) {
    return bad("longer than kMaxDurationSeconds (100 years)");
  }
  return static_cast<std::int64_t>(n) * unit;
}

UnixTime SystemClock::now() const { return static_cast<UnixTime>(std::time(nullptr)); }

StartingAtClock::StartingAtClock(UnixTime start)
    : start_(start), real_start_(SystemClock::instance().now()) {}

UnixTime StartingAtClock::now() const {
  return start_ + (SystemClock::instance().now() - real_start_);
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace authguard
