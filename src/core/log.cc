// log.cc: spdlog sinks (stderr or syslog) and key=value formatting.
#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

namespace authguard::log {

namespace {

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

void append_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) quote |= (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20);
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';  // no control bytes (log injection) in a line
    } else {
      out += c;
    }
  }
  out += '"';
}

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = std::make_shared<spdlog::logger>("authguard",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%Y-%m-%dT%H:%M:%S%z authguard[%P] %l %v");
    l->set_level(spdlog::level::warn);
    return l;
  }();
  return instance;
}

}  // namespace

Result<void> init(std::string_view target, std::string_view level_name) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"error", Level::kError}, {"off", Level::kOff}};
  Level level = Level::kInfo;
  bool found = false;
  for (const auto& [name, l] : kLevels) {
    if (name == level_name) {
      level = l;
      found = true;
    }
  }
  if (!found) return fail(ErrorKind::kConfig, "unknown log level " + std::string(level_name));
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (target == "stderr") {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else if (target == "syslog") {
    sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("authguard", LOG_PID, LOG_MAIL, false);
  } else {
    return fail(ErrorKind::kConfig, "unknown log target " + std::string(target));
  }
  auto l = std::make_shared<spdlog::logger>("authguard", sink);
  l->set_pattern(target == "syslog" ? "%v" : "%Y-%m-%dT%H:%M:%S%z authguard[%P] %l %v");
  l->set_level(to_spdlog(level));
  logger() = l;
  return {};
}

std::string format(std::string_view event, std::initializer_list<Field> fields) {
  std::string out = "event=";
  append_value(out, event);
  for (const auto& [k, v] : fields) {
    out += ' ';
    out += k;
    out += '=';
    append_value(out, v);
  }
  return out;
}

bool enabled(Level level) { return logger()->should_log(to_spdlog(level)); }

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  auto& l = logger();
  auto lv = to_spdlog(level);
  if (!l->should_log(lv)) return;
  l->log(lv, format(event, fields));
}

}  // namespace authguard::log
