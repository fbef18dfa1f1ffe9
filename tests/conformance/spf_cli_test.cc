// spf_cli_test.cc: the contract of `authguard spf check` (docs/cli/spf.md):
// the JSON line, its keys, the scope, and exit code 0 on pass, 1 otherwise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run.h"

namespace authguard::testing {
namespace {

std::string write_zone() {
  std::string path = ::testing::TempDir() + "spf_cli_" + std::to_string(getpid()) + ".zone";
  std::ofstream(path) << R"(
example.com.       300 IN TXT "v=spf1 mx include:_spf.example.net -all exp=why.example.com"
example.com.       300 IN MX  10 mx.example.com.
mx.example.com.    300 IN A   192.0.2.10
why.example.com.   300 IN TXT "%{i} may not send for %{d}"
_spf.example.net.  300 IN TXT "v=spf1 ip4:198.51.100.0/24 ~all"
)";
  return path;
}

RunResult spf(const std::vector<std::string>& extra) {
  static const std::string zone = write_zone();
  std::vector<std::string> args = {"spf", "check", "--zone", zone, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_authguard(args);
}

nlohmann::ordered_json parse_line(const RunResult& r) {
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  return nlohmann::ordered_json::parse(r.out, nullptr, false);
}

TEST(SpfCli, PassIsExitZeroWithEveryKey) {
  auto r = spf({"--ip", "198.51.100.7", "--mail-from", "a@example.com", "--helo", "h.example"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_line(r);
  ASSERT_TRUE(j.is_object()) << r.out;
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"result", "domain", "scope", "mechanism",
                                            "explanation", "dns_lookups"}));
  EXPECT_EQ(j["result"], "pass");
  EXPECT_EQ(j["domain"], "example.com");
  EXPECT_EQ(j["scope"], "mfrom");
  EXPECT_EQ(j["mechanism"], "include:_spf.example.net");
  EXPECT_EQ(j["dns_lookups"], 4);
}

TEST(SpfCli, FailCarriesTheExpandedExplanation) {
  auto r = spf({"--ip", "203.0.113.9", "--mail-from", "bob@example.com", "--helo", "h.example"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = parse_line(r);
  EXPECT_EQ(j["result"], "fail");
  EXPECT_EQ(j["mechanism"], "all");
  EXPECT_EQ(j["explanation"], "203.0.113.9 may not send for example.com");
}

TEST(SpfCli, NullMailFromChecksHeloAndTemperrorIsExitOne) {
  for (const char* null_path : {"", "<>"}) {
    auto r = spf({"--ip", "192.0.2.10", "--mail-from", null_path, "--helo", "example.com"});
    EXPECT_EQ(r.exit_code, 0) << null_path << r.err;
    auto j = parse_line(r);
    EXPECT_EQ(j["scope"], "helo");
    EXPECT_EQ(j["mechanism"], "mx");
  }
  auto t = spf({"--ip", "203.0.113.1", "--mail-from", "a@example.com", "--helo", "h.example",
                "--zone-fault", "_spf.example.net=timeout"});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_EQ(parse_line(t)["result"], "temperror");
  auto none = spf({"--ip", "192.0.2.1", "--mail-from", "a@nothing.example", "--helo", "h.example"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(parse_line(none)["result"], "none");
}

TEST(SpfCli, TextOutputEndsWithReceivedSpf) {
  auto r = run_authguard({"spf", "check", "--ip", "198.51.100.7", "--mail-from", "a@example.com",
                          "--helo", "h.example", "--receiver", "mx.test", "--zone", write_zone()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("pass: MAIL FROM a@example.com (example.com)", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nReceived-SPF: pass (mx.test: domain of a@example.com designates "
                       "198.51.100.7 as permitted sender) client-ip=198.51.100.7;"),
            std::string::npos)
      << r.out;
  auto usage = run_authguard({"spf", "check", "--ip", "not-an-ip", "--helo", "h.example"});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace authguard::testing
