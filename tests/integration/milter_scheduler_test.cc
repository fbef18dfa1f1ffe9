// milter_scheduler_test.cc: the key-rotation tick inside `authguard serve`
// ([keys] tick_seconds). A domain's first key waits for publication; once
// its record is in DNS (a zone file here), the daemon's own tick activates
// it, as `keys rotate --due` from a timer would, with no command run.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/nsd_server.h"
#include "support/postfix_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

TEST(MilterScheduler, TheDaemonsTickActivatesAPublishedKey) {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  const std::string zone = dir.path() + "/keys.zone";
  const std::string cfg = dir.path() + "/authguard.toml";
  std::filesystem::create_directory(state);
  std::ofstream(zone) << "; nothing published yet\n";
  std::ofstream(cfg) << "[keys]\ntick_seconds = 1\n";
  auto keys = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "keys");
    args.insert(args.end(), {"--state-dir", state, "--zone", zone, "--config", cfg});
    return run_authguard(args);
  };
  auto active = [&]() -> std::string {
    auto r = keys({"status", "--json"});
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.contains("domains") || j["domains"].empty()) return "?";
    const auto& a = j["domains"][0]["active_selector"];
    return a.is_string() ? a.get<std::string>() : "";
  };
  ASSERT_EQ(keys({"init", "ours.example", "--bits", "1024"}).exit_code, 0);
  EXPECT_EQ(active(), "") << "not live yet, so not active";
  auto exported = keys({"export-dns"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::ofstream(zone, std::ios::trunc) << exported.out;

  AuthguardMilter milter({"--config", cfg, "--state-dir", state, "--zone", zone});
  ASSERT_TRUE(milter.start()) << milter.error();
  std::string now_active;
  for (int i = 0; i < 100 && now_active != "selector1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    now_active = active();
  }
  EXPECT_EQ(now_active, "selector1") << milter.log();
  milter.stop();
  EXPECT_NE(milter.log().find("event=keys.activate domain=ours.example selector=selector1"), std::string::npos)
      << milter.log();
  EXPECT_NE(milter.log().find("event=milter.stop"), std::string::npos) << "SIGTERM stops it cleanly:\n"
                                                                       << milter.log();
}

}  // namespace
}  // namespace authguard::testing
