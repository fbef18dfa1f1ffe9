// clock.cc: the system clock.
#include "core/clock.h"

#include <ctime>

namespace authguard {

UnixTime SystemClock::now() const { return static_cast<UnixTime>(std::time(nullptr)); }

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace authguard
