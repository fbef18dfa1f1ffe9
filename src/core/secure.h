// secure.h: handling secrets: comparison in constant time, and wiping.
#pragma once

#include <string>
#include <string_view>

namespace authguard {

// True when a and b are equal; the time taken does not depend on where they
// differ (only on their lengths).
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// Overwrites a secret's bytes (not optimised away), then clears it.
void wipe(std::string& secret) noexcept;

}  // namespace authguard
