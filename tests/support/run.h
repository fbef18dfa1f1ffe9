// run.h: runs the built authguard program in tests and captures its output.
//
//   auto r = run_authguard({"dns", "lookup", "example.com", "--zone", zone});
//   EXPECT_EQ(r.exit_code, 0);
#pragma once

#include <string>
#include <vector>

namespace authguard::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs `program args...` without a shell; stdin gets `input`.
RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::string& input = "");
// The authguard binary built with the tests ($AUTHGUARD_BIN overrides).
std::string authguard_binary();
// Runs it.
RunResult run_authguard(const std::vector<std::string>& args, const std::string& input = "");
// A path in the source tree ($AUTHGUARD_SOURCE_DIR overrides the built-in one).
std::string source_path(const std::string& relative);
// A file's bytes, "" when it can't be read (the test's own assertions say
// what was expected).
std::string read_file(const std::string& path);

}  // namespace authguard::testing
