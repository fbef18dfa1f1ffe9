// nsd_server.cc: NSD started on loopback for integration tests.
#include "support/nsd_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace authguard::testing {

namespace {

// True when `port` on 127.0.0.1 can be bound now for `type` (SOCK_STREAM or
// SOCK_DGRAM).
bool bindable(int port, int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The first port of the kernel's ephemeral range (ports it hands out for
// outgoing connections and bind-to-0), 32768 when it can't be read.
int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0, high = 0;
  if (in >> low >> high && low > 1024) return low;
  return 32768;
}

}  // namespace

int free_loopback_port() {
  // Below the ephemeral range: the many outgoing connections of tests that
  // run at the same time (Postfix relaying, milter sessions) never take
  // these, so a port found free stays free until its server binds it.
  // Random, so parallel test processes rarely try the same one.
  static thread_local std::mt19937 pick(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  const int high = ephemeral_low() - 1;
  const int low = std::min(10000, high - 1000);
  std::uniform_int_distribution<int> in_range(low, high);
  for (int attempt = 0; attempt < 500; ++attempt) {
    int port = in_range(pick);
    if (bindable(port, SOCK_STREAM) && bindable(port, SOCK_DGRAM)) return port;
  }
  // A crowded machine: let the kernel choose (in the ephemeral range).
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "authguard-test-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  path_ = made != nullptr ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

NsdServer::NsdServer(std::vector<std::pair<std::string, std::string>> zones)
    : zones_(std::move(zones)) {}

NsdServer::~NsdServer() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

bool accepts_tcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool answers_soa(int port, const std::string& zone) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string q = {0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  std::size_t start = 0;
  while (start <= zone.size()) {
    std::size_t dot = zone.find('.', start);
    if (dot == std::string::npos) dot = zone.size();
    q += static_cast<char>(dot - start);
    q += zone.substr(start, dot - start);
    start = dot + 1;
  }
  q += std::string("\0\0\x06\0\x01", 5);  // root, type SOA, class IN
  ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  char buf[512];
  auto n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  return n > 0;
}

void stop_child(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  pid = -1;
}

bool NsdServer::start() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "authguard-nsd-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  port_ = free_loopback_port();
  std::ofstream conf(dir_ + "/nsd.conf");
  conf << "server:\n"
       << "  ip-address: 127.0.0.1\n"
       << "  port: " << port_ << "\n"
       << "  zonesdir: \"" << dir_ << "\"\n"
       << "  pidfile: \"" << dir_ << "/nsd.pid\"\n"
       << "  database: \"\"\n"
       << "  xfrdfile: \"" << dir_ << "/xfrd.state\"\n"
       << "  zonelistfile: \"" << dir_ << "/zone.list\"\n"
       << "  logfile: \"" << dir_ << "/nsd.log\"\n"
       << "  username: \"\"\n"
       << "  chroot: \"\"\n"
       << "  server-count: 1\n"
       << "  verbosity: 1\n"
       << "remote-control:\n"
       << "  control-enable: no\n";
  for (const auto& [name, text] : zones_) {
    std::ofstream(dir_ + "/" + name + ".zone") << text;
    conf << "zone:\n  name: \"" << name << "\"\n  zonefile: \"" << name << ".zone\"\n";
  }
  conf.close();
  const char* nsd = std::filesystem::exists("/usr/sbin/nsd") ? "/usr/sbin/nsd" : "nsd";
  pid_ = ::fork();
  if (pid_ == 0) {
    std::string cfg = dir_ + "/nsd.conf";
    ::execlp(nsd, nsd, "-d", "-c", cfg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream log(dir_ + "/nsd.log");
      std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      error_ = "nsd exited at start: " + all;
      return false;
    }
    if (answers_soa(port_, zones_.empty() ? "." : zones_.front().first)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "nsd did not answer within 5 s";
  return false;
}

void NsdServer::stop() { stop_child(pid_); }

SilentUdpServer::SilentUdpServer() {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

SilentUdpServer::~SilentUdpServer() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace authguard::testing
