// audit_html_test.cc: the HTML report of `authguard audit --html` rendered
// by a real browser. Headless Chromium (Debian's chromium package, installed
// by scripts/bootstrap) takes a screenshot of the fixture audit's report and
// dumps the DOM it built; the screenshot must be a full-size PNG with content
// (a blank page of this size compresses to about 9 KB), and the DOM must hold
// the summary, the chart and every domain.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
// A rendered report is well over 100 KB; a blank screenshot about 9 KB.
constexpr std::uintmax_t kMinScreenshotBytes = 60 * 1024;

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// Chromium's flags for a sandbox-less, offline, throw-away run as root.
std::vector<std::string> chromium_args(const std::string& profile) {
  return {"120",
          kChromium,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + profile};
}

TEST(AuditHtml, ChromiumRendersTheReport) {
  // make test installs chromium (scripts/bootstrap): missing is a failure,
  // not a skip that would count as passing.
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << "chromium is not installed (scripts/bootstrap test installs it)";
  TempDir dir;
  // The fixture zones in one file, through the zone backend.
  std::string zone = dir.path() + "/all.zone";
  {
    std::ofstream all(zone);
    for (const char* z : {"example", "onmicrosoft.com", "dkim.mail.microsoft", "protection.outlook.com"}) {
      all << read_file(source_path(std::string("tests/data/audit/") + z + ".zone")) << "\n";
    }
  }
  const std::string html = dir.path() + "/report.html";
  auto audit = run_authguard({"audit", "--domains-file", source_path("tests/data/audit/domains.txt"),
                              "--non-sending", "loose.example", "nomx-parked.example", "--selectors",
                              "mail2025", "--zone", zone, "--html", html});
  ASSERT_EQ(audit.exit_code, 1) << audit.err;
  const std::string page = read_file(html);
  ASSERT_FALSE(page.empty());
  // Self-contained: no scripts, no links, no external resources.
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);

  const std::string png = dir.path() + "/report.png";
  auto shot_args = chromium_args(dir.path() + "/profile-shot");
  shot_args.push_back("--screenshot=" + png);
  shot_args.push_back("--window-size=1200,2000");
  shot_args.push_back("file://" + html);
  auto shot = run_program("timeout", shot_args);
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  ASSERT_TRUE(std::filesystem::exists(png)) << shot.err;
  const std::string image = read_file(png);
  ASSERT_GT(image.size(), 24u);
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(image.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(image, 16), 1200u);  // width
  EXPECT_EQ(be32(image, 20), 2000u);  // height
  EXPECT_GT(std::filesystem::file_size(png), kMinScreenshotBytes) << "the screenshot looks blank";
  if (const char* keep = std::getenv("AUTHGUARD_KEEP_SCREENSHOT")) {
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
  }

  auto dom_args = chromium_args(dir.path() + "/profile-dom");
  dom_args.push_back("--dump-dom");
  dom_args.push_back("file://" + html);
  auto dom = run_program("timeout", dom_args);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_NE(dom.out.find("id=\"summary\""), std::string::npos);
  // The summary line the browser shows is the golden report's summary.
  auto golden = nlohmann::json::parse(read_file(source_path("tests/data/audit/fixture.json")));
  const auto& s = golden["summary"];
  const std::string summary = std::to_string(s["domains"].get<int>()) + " domains: " +
                              std::to_string(s["error"].get<int>()) + " errors, " +
                              std::to_string(s["warning"].get<int>()) + " warnings, " +
                              std::to_string(s["info"].get<int>()) + " info";
  EXPECT_NE(dom.out.find(summary), std::string::npos) << summary;
  EXPECT_NE(dom.out.find("<svg"), std::string::npos);
  EXPECT_NE(dom.out.find("Findings per domain"), std::string::npos);
  EXPECT_NE(dom.out.find("x.a.b.c.d.e.f.deep.example"), std::string::npos);
  EXPECT_NE(dom.out.find("Records to publish"), std::string::npos);
  EXPECT_NE(dom.out.find("loose.example. TXT \"v=spf1 -all\""), std::string::npos);
}

}  // namespace
}  // namespace authguard::testing
