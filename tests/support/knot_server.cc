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

namespace {

// True once the server answers an SOA query for `zone` over UDP.
bool answers_soa(int port, const std::string& zone) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string q = {0x43, 0x21, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  std::size_t start = 0;
  while (start < zone.size()) {
    std::size_t dot = zone.find('.', start);
    if (dot == std::string::npos) dot = zone.size();
    q += static_cast<char>(dot - start);
    q += zone.substr(start, dot - start);
    start = dot + 1;
  }
  q += std::string("\0\0\x06\0\x01", 5);
  ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  unsigned char buf[512];
  auto n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  // An answer with rcode NOERROR and at least one answer record: the zone is loaded.
  return n >= 12 && (buf[3] & 0x0f) == 0 && (buf[6] != 0 || buf[7] != 0);
}

}  // namespace

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

void KnotServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

}  // namespace authguard::testing
