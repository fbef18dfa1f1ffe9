// embedded.h: files from examples/ compiled into the program (by
// cmake/embed.cmake), so `authguard demo` runs on embedded defaults anywhere.
#pragma once

#include <string_view>
#include <vector>

namespace authguard::cli {

struct EmbeddedFile {
  std::string_view path;  // relative to the project root: "examples/demo.zone"
  std::string_view data;
};

const std::vector<EmbeddedFile>& embedded_files();

}  // namespace authguard::cli
