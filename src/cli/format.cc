// format.cc: output helpers shared by subcommands.
#include "cli/format.h"

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

Result<std::string> read_input(const std::string& path) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fail(ErrorKind::kIo, "cannot open " + path);
  std::string data;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  bool error = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (error) return fail(ErrorKind::kIo, "error reading " + path);
  return data;
}

}  // namespace authguard::cli
