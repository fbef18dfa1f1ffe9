// knot_server.h: starts a real Knot DNS server (Debian's knot package) on a
// free loopback port, for tests of DNS UPDATE (RFC 2136 with TSIG) and of zone
// files reloaded with knotc. Stopped when destroyed.
//
//   KnotServer knot({{"d.test", zone_text, /*dynamic=*/true}}, "authguard", secret_b64);
//   ASSERT_TRUE(knot.start()) << knot.error();
//   config << "server = \"" << knot.address() << "\"\n";
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace authguard::testing {

class KnotServer {
 public:
  struct Zone {
    std::string name;
    std::string text;      // master file with SOA and NS
    bool dynamic = false;  // accepts UPDATE signed with the TSIG key
  };
  // tsig_secret: base64 (hmac-sha256); empty tsig_name: no key, no updates.
  KnotServer(std::vector<Zone> zones, std::string tsig_name, std::string tsig_secret);
  ~KnotServer();
  KnotServer(const KnotServer&) = delete;
  KnotServer& operator=(const KnotServer&) = delete;

  [[nodiscard]] bool start();
  void stop();

  [[nodiscard]] std::string address() const { return "127.0.0.1@" + std::to_string(port_); }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string config_path() const { return dir_ + "/knot.conf"; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::vector<Zone> zones_;
  std::string tsig_name_;
  std::string tsig_secret_;
  std::string dir_;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// True when the Knot DNS server program is installed.
bool knot_available();

}  // namespace authguard::testing
