// clock.cc: the system clock.
#include "core/clock.h"

#include <ctime>

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
