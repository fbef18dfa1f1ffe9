// format.h: small output helpers shared by subcommands.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "dns/resolver.h"
#include "message/message.h"

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
// Reads at most max_bytes: input over a limit is never held whole in memory.
// A caller that gets exactly max_bytes knows more may have followed (a
// message reader asks for one byte over its limit, and the parser then
// names the limit).
[[nodiscard]] Result<std::string> read_input(const std::string& path, std::size_t max_bytes);

// Reads and parses one message (a file, or standard input for "-"). Errors
// name the path; a message over max_message_bytes is refused after reading
// one byte past the limit.
[[nodiscard]] Result<OwnedMessage> read_message(const std::string& path, const MessageLimits& limits);

// The byte budget that lets Message::parse see a message over its limit.
[[nodiscard]] std::size_t message_read_budget(const MessageLimits& limits) noexcept;

}  // namespace authguard::cli
