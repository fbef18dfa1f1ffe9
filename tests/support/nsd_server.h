// nsd_server.h: starts a real authoritative DNS server (NSD, from Debian's
// nsd package) on a free loopback port with the given zones, for tests that
// must prove the production resolver path. Stopped when destroyed.
//
//   NsdServer nsd({{"test.example", zone_text}});
//   ASSERT_TRUE(nsd.start()) << nsd.error();
//   options.forwarders = {nsd.address()};   // "127.0.0.1@PORT"
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace authguard::testing {

// A port on 127.0.0.1 free for both TCP and UDP, chosen at random below the
// kernel's ephemeral range, which outgoing connections use (bound and
// released: a small race with other tests remains).
int free_loopback_port();

// True when something accepts a TCP connection on 127.0.0.1:port.
bool accepts_tcp(int port);

// True once a DNS server on 127.0.0.1:port answers an SOA query for `zone`
// over UDP (any answer counts), within 200 ms.
bool answers_soa(int port, const std::string& zone);

// Stops a child process: SIGTERM, up to 2 s, then SIGKILL; reaps it and
// sets pid to -1. Does nothing for pid <= 0.
void stop_child(pid_t& pid);

class NsdServer {
 public:
  // (zone name, master-file text with SOA and NS)
  explicit NsdServer(std::vector<std::pair<std::string, std::string>> zones);
  ~NsdServer();
  NsdServer(const NsdServer&) = delete;
  NsdServer& operator=(const NsdServer&) = delete;

  // Writes the config, starts nsd in the foreground, waits until it answers.
  [[nodiscard]] bool start();
  void stop();

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1@" + std::to_string(port_); }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::vector<std::pair<std::string, std::string>> zones_;
  std::string dir_;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A UDP socket on loopback that receives queries and never answers: a DNS
// server that times out.
class SilentUdpServer {
 public:
  SilentUdpServer();
  ~SilentUdpServer();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1@" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A fresh temporary directory, removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace authguard::testing
