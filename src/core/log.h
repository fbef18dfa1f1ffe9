// log.h: structured logging, key=value fields, through spdlog.
//
// Lines look like `event=dns.query name=example.com type=TXT result=nxdomain`.
// Values with spaces or quotes are quoted. Never pass a secret or a whole
// message as a field: log what happened, not what was carried.
//
//   log::init("stderr", "info");
//   log::info("dns.query", {{"name", name}, {"result", "nxdomain"}});
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

namespace authguard::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

using Field = std::pair<std::string_view, std::string_view>;

// target: "stderr" or "syslog"; level: trace, debug, info, warn, error, off.
[[nodiscard]] Result<void> init(std::string_view target, std::string_view level);

// Formats `event=E k=v ...`; exposed for tests.
[[nodiscard]] std::string format(std::string_view event, std::initializer_list<Field> fields);

void write(Level level, std::string_view event, std::initializer_list<Field> fields);

// Whether a line at `level` would be written: for callers that must build a
// field's value first, on a path every message takes.
[[nodiscard]] bool enabled(Level level);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kDebug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kInfo, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kWarn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::kError, event, fields);
}

}  // namespace authguard::log
