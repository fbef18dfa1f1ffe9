// explain_cli_test.cc: `authguard explain` as users run it: text and --json
// output for a Microsoft 365 field, standard input, and exit 1 when the
// message has no Authentication-Results (docs/cli/explain.md).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

constexpr const char* kMessage =
    "Authentication-Results: spf=pass (sender IP is 192.0.2.1)\r\n"
    " smtp.mailfrom=contoso.com; dkim=none (message not signed)\r\n"
    " header.d=none;dmarc=fail action=oreject header.from=contoso.com;compauth=none reason=451\r\n"
    "Authentication-Results: mx.example.net; spf=fail smtp.mailfrom=contoso.example;\r\n"
    " dkim=none; dmarc=fail action=oreject header.from=contoso.example;\r\n"
    " compauth=pass reason=111\r\n"
    "From: a@contoso.com\r\n"
    "Subject: hello\r\n"
    "\r\n"
    "body\r\n";

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(ExplainCli, TextOutput) {
  TempDir dir;
  const std::string path = write_file(dir, "m.eml", kMessage);
  auto r = run_authguard({"explain", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("overrode it (oreject)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(none: Microsoft 365 style)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("authserv-id mx.example.net"), std::string::npos) << r.out;
}

TEST(ExplainCli, JsonOutput) {
  TempDir dir;
  const std::string path = write_file(dir, "m.eml", kMessage);
  auto r = run_authguard({"explain", path, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["message"], path);
  ASSERT_EQ(j["headers"].size(), 2u);
  EXPECT_EQ(j["headers"][0]["authserv_id"], "(none: Microsoft 365 style)");
  EXPECT_EQ(j["headers"][1]["authserv_id"], "mx.example.net");
  const auto& dmarc = j["headers"][0]["results"][2];
  EXPECT_EQ(dmarc["method"], "dmarc");
  EXPECT_EQ(dmarc["result"], "fail");
  EXPECT_EQ(dmarc["properties"]["action"], "oreject");
  EXPECT_EQ(dmarc["properties"]["header.from"], "contoso.com");
  EXPECT_EQ(j["headers"][0]["results"][3]["properties"]["reason"], "451");
  EXPECT_FALSE(j["headers"][0]["sentences"].empty());
  const std::string summary = j["summary"];
  EXPECT_NE(summary.find("oreject"), std::string::npos) << summary;
  EXPECT_NE(summary.find("451"), std::string::npos) << summary;
}

TEST(ExplainCli, StandardInputAndNoHeader) {
  auto in = run_authguard({"explain", "-", "--json"}, kMessage);
  EXPECT_EQ(in.exit_code, 0) << in.err;
  auto none = run_authguard({"explain", "--json"}, "From: a@example.com\r\n\r\nbody\r\n");
  EXPECT_EQ(none.exit_code, 1) << none.err;
  auto j = nlohmann::json::parse(none.out);
  EXPECT_TRUE(j["headers"].empty());
  EXPECT_EQ(run_authguard({"explain", "/nonexistent/message.eml"}).exit_code, 3);  // kIo
}

}  // namespace
}  // namespace authguard::testing
