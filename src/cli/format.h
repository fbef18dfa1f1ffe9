// format.h: small output helpers shared by subcommands.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "dns/resolver.h"

namespace authguard::cli {

// A TXT record as master-file text: "part1" "part2", with quotes and
// backslashes escaped and non-printable bytes as \DDD.
[[nodiscard]] std::string quote_txt(const dns::TxtRecord& record);

// Prints one JSON object on one line. Bytes that are not UTF-8 (a Latin-1
// Subject, a hostile header) are replaced with U+FFFD instead of failing.
void print_json_line(const nlohmann::json& j);

// Text for a terminal: control characters (ESC and friends) shown as '?',
// so a message can't drive the terminal.
[[nodiscard]] std::string printable(std::string_view text);

// Reads a whole file, or standard input for "-".
[[nodiscard]] Result<std::string> read_input(const std::string& path);

}  // namespace authguard::cli
