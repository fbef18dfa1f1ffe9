// knot_server.cc: Knot DNS started on loopback for integration tests.
#include "support/knot_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/nsd_server.h"

namespace authguard::testing {

bool knot_available() {
  return std::filesystem::exists("/usr/sbin/knotd");
}

KnotServer::KnotServer(std::vector<Zone> zones, std::string tsig_name, std::string tsig_secret)
    : zones_(std::move(zones)), tsig_name_(std::move(tsig_name)),
      tsig_secret_(std::move(tsig_secret)) {}

KnotServer::~KnotServer() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

bool KnotServer::start() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "authguard-knot-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  port_ = free_loopback_port();
  std::ofstream conf(config_path());
  conf << "server:\n"
       << "  rundir: \"" << dir_ << "\"\n"
       << "  listen: 127.0.0.1@" << port_ << "\n"
       << "  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
       << "control:\n  listen: \"" << dir_ << "/knot.sock\"\n"
       << "log:\n  - target: \"" << dir_ << "/knot.log\"\n    any: info\n"
       << "database:\n  storage: \"" << dir_ << "\"\n";
  if (!tsig_name_.empty()) {
    conf << "key:\n  - id: " << tsig_name_ << "\n    algorithm: hmac-sha256\n    secret: "
         << tsig_secret_ << "\n"
         << "acl:\n  - id: update\n    address: 127.0.0.1\n    key: " << tsig_name_
         << "\n    action: update\n";
  }
  conf << "zone:\n";
  for (const auto& z : zones_) {
    std::ofstream(dir_ + "/" + z.name + ".zone") << z.text;
    conf << "  - domain: " << z.name << "\n"
         << "    storage: \"" << dir_ << "\"\n"
         << "    file: \"" << z.name << ".zone\"\n"
         << "    zonefile-sync: -1\n"
         << "    journal-content: none\n";
    if (z.dynamic && !tsig_name_.empty()) conf << "    acl: update\n";
  }
  conf.close();
  pid_ = ::fork();
  if (pid_ == 0) {
    std::string cfg = config_path();
    ::execl("/usr/sbin/knotd", "knotd", "-c", cfg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream log(dir_ + "/knot.log");
      std::stringstream all;
      all << log.rdbuf();
      error_ = "knotd exited at start: " + all.str();
      return false;
    }
    bool ready = true;
    for (const auto& z : zones_) ready = ready && answers_soa(port_, z.name);
    if (ready) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::ifstream log(dir_ + "/knot.log");
  std::stringstream all;
  all << log.rdbuf();
  error_ = "knotd did not answer within 5 s: " + all.str();
  return false;
}

void KnotServer::stop() { stop_child(pid_); }

}  // namespace authguard::testing
