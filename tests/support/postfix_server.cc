// postfix_server.cc: a private Postfix instance and the milter under test.
#include "support/postfix_server.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/run.h"

namespace authguard::testing {

namespace {

bool wait_for(int port, bool listening) {
  for (int i = 0; i < 100; ++i) {
    if (accepts_tcp(port) == listening) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}


}  // namespace

PostfixServer::PostfixServer(int relay_port, std::string milter)
    : relay_port_(relay_port), milter_(std::move(milter)) {}

PostfixServer::~PostfixServer() { stop(); }

bool PostfixServer::start() {
  if (::geteuid() != 0) {
    error_ = "Postfix's master must start as root; run the tests as root (make test does, as CI does)";
    return false;
  }
  if (::access("/usr/sbin/postfix", X_OK) != 0) {
    error_ = "postfix not found (Debian package postfix; scripts/bootstrap installs it)";
    return false;
  }
  const passwd* pw = ::getpwnam("postfix");
  if (pw == nullptr) {
    error_ = "no postfix user (the postfix package makes it)";
    return false;
  }
  const std::string root = dir_.path();
  ::chmod(root.c_str(), 0755);  // Postfix's daemons run as the postfix user
  for (const char* sub : {"conf", "queue", "data"}) std::filesystem::create_directory(root + "/" + sub);
  if (::chown((root + "/data").c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    error_ = "cannot chown " + root + "/data";
    return false;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) stop();  // the port was taken before master bound it
    if (start_once()) return true;
  }
  return false;
}

bool PostfixServer::start_once() {
  const std::string root = dir_.path();
  port_ = free_loopback_port();
  std::ofstream(root + "/conf/main.cf")
      << "compatibility_level = 3.6\n"
      << "queue_directory = " << root << "/queue\n"
      << "data_directory = " << root << "/data\n"
      << "mail_owner = postfix\nsetgid_group = postdrop\n"
      << "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
      << "myhostname = mx.example.net\nmydomain = example.net\nmydestination =\n"
      << "relay_domains = ours.example\nmynetworks = 127.0.0.0/8\n"
      << "relayhost = [127.0.0.1]:" << relay_port_ << "\n"
      << "smtpd_milters = " << milter_ << "\n"
      << "milter_default_action = tempfail\nmilter_protocol = 6\n"
      << "maillog_file_prefixes = " << root << "\n"
      << "maillog_file = " << root << "/maillog\n"
      << "alias_maps =\nalias_database =\n"
      << "smtp_dns_support_level = disabled\nsmtpd_peername_lookup = no\n"
      << "smtpd_banner = $myhostname ESMTP\n";
  std::ofstream(root + "/conf/master.cf") << "127.0.0.1:" << port_ << " inet n - n - - smtpd\n"
                                          << read_file(source_path("tests/support/postfix-master.cf"));
  auto r = run_program("/usr/sbin/postfix", {"-c", root + "/conf", "start"});
  if (r.exit_code != 0 || !wait_for(port_, true)) {
    error_ = "postfix did not start (exit " + std::to_string(r.exit_code) + "): " + r.err + log();
    return false;
  }
  return true;
}

void PostfixServer::stop() {
  if (port_ == 0) return;
  const std::string pid_text = read_file(dir_.path() + "/queue/pid/master.pid");
  (void)run_program("/usr/sbin/postfix", {"-c", dir_.path() + "/conf", "stop"});
  // Let the master and its children go before the directory does.
  const pid_t master = static_cast<pid_t>(std::atol(pid_text.c_str()));
  for (int i = 0; i < 100 && master > 0 && ::kill(master, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  port_ = 0;
}

std::string PostfixServer::log() const { return read_file(dir_.path() + "/maillog"); }

AuthguardMilter::AuthguardMilter(std::vector<std::string> args) : args_(std::move(args)) {}

AuthguardMilter::~AuthguardMilter() { stop(); }

bool AuthguardMilter::start() {
  std::string log_path = dir_.path() + "/milter.log";
  // A port taken by another test between the check and the bind makes
  // `serve` exit (exit 3): a new port is tried.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    std::vector<std::string> argv_s = {authguard_binary(), "serve", "--socket",
                                       "inet:" + std::to_string(port_) + "@127.0.0.1"};
    argv_s.insert(argv_s.end(), args_.begin(), args_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::freopen(log_path.c_str(), "w", stderr);
      (void)f;
      std::vector<char*> argv;
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      if (accepts_tcp(port_)) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) break;  // running but not listening: give up
  }
  error_ = "authguard serve did not listen: " + log();
  stop();
  return false;
}

void AuthguardMilter::stop() {
  if (pid_ <= 0) return;
  // libmilter notices SIGTERM at its listener's next poll (a second or
  // two); give it the time a clean stop takes before stop_child's SIGKILL.
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop_child(pid_);
}

std::string AuthguardMilter::log() const { return read_file(dir_.path() + "/milter.log"); }

std::string swaks_send(int port, const std::string& from, const std::vector<std::string>& to,
                       const std::string& message_file, const std::string& local_address) {
  std::vector<std::string> args = {"--server", "127.0.0.1:" + std::to_string(port), "--from", from,
                                   "--helo", "client.example", "--data", message_file};
  if (!local_address.empty()) args.insert(args.end(), {"--local-interface", local_address});
  std::string rcpts;
  for (const auto& r : to) rcpts += (rcpts.empty() ? "" : ",") + r;
  args.insert(args.end(), {"--to", rcpts});
  auto r = run_program("/usr/bin/swaks", args);
  return r.out + r.err;
}

}  // namespace authguard::testing
