// format.cc: output helpers shared by subcommands.
#include "cli/format.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace authguard::cli {

std::string quote_txt(const dns::TxtRecord& record) {
  return dns::master_file_strings(record.strings);
}

void print_json_line(const nlohmann::json& j) {
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::printf("%s\n", line.c_str());
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

Result<std::string> read_input(const std::string& path, std::size_t max_bytes) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fail(ErrorKind::kIo, "cannot open " + path);
  std::string data;
  char buf[65536];
  std::size_t n;
  while (data.size() < max_bytes &&
         (n = std::fread(buf, 1, std::min(sizeof buf, max_bytes - data.size()), f)) > 0) {
    data.append(buf, n);
  }
  bool error = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (error) return fail(ErrorKind::kIo, "error reading " + path);
  return data;
}

std::size_t message_read_budget(const MessageLimits& limits) noexcept {
  return limits.max_message_bytes == SIZE_MAX ? SIZE_MAX : limits.max_message_bytes + 1;
}

Result<OwnedMessage> read_message(const std::string& path, const MessageLimits& limits) {
  auto bytes = read_input(path, message_read_budget(limits));
  if (!bytes) return std::unexpected(bytes.error());
  auto message = OwnedMessage::parse(std::move(*bytes), limits);
  if (!message) return fail(message.error().kind, path + ": " + message.error().message);
  return message;
}

}  // namespace authguard::cli
