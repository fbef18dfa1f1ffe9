// smtp_sink.cc: starting and reading Postfix's smtp-sink.
#include "support/smtp_sink.h"

#include "support/run.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace authguard::testing {


SmtpSink::SmtpSink(std::string reject) : reject_(std::move(reject)) {}
SmtpSink::~SmtpSink() { stop(); }

bool SmtpSink::start() {
  const char* program = "/usr/sbin/smtp-sink";
  if (::access(program, X_OK) != 0) {
    error_ = "smtp-sink not found (Debian package postfix; scripts/bootstrap installs it)";
    return false;
  }
  std::string dumps = dir_.path() + "/mail";
  ::chmod(dir_.path().c_str(), 0711);  // mkdtemp made it 0700
  ::mkdir(dumps.c_str(), 0777);
  ::chmod(dumps.c_str(), 0777);  // smtp-sink writes as the -u user when run as root
  std::string listen;
  // Another test may take the port between the check and smtp-sink's bind:
  // smtp-sink then exits, and a new port is tried.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    listen = "127.0.0.1:" + std::to_string(port_);
    std::string tmpl = dumps + "/%s.";
    std::vector<std::string> args = {program, "-d", tmpl};
    if (::geteuid() == 0) args.insert(args.end(), {"-u", "nobody"});
    if (!reject_.empty()) args.insert(args.end(), {"-f", reject_});
    args.insert(args.end(), {listen, "10"});
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(program, argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      if (accepts_tcp(port_)) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;  // it exited (the port was taken): try another
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) break;  // running but not listening: give up
  }
  error_ = "smtp-sink did not start listening on " + listen;
  stop();
  return false;
}

void SmtpSink::stop() { stop_child(pid_); }

std::vector<std::string> SmtpSink::messages(std::size_t at_least) const {
  // smtp-sink writes a dump as the transaction goes: one counts once it is
  // the same on two reads 50 ms apart. Up to 20 s for `at_least` of them
  // (Postfix relays from its queue when it gets to it).
  std::vector<std::string> out, before;
  for (int attempt = 0; attempt < 400; ++attempt) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/mail")) {
      files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    out.clear();
    for (const auto& f : files) out.push_back(read_file(f.string()));
    if (out.size() >= at_least && out == before) break;
    before = out;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return out;
}

std::string sink_message(const std::string& dump) {
  // Its envelope lines, then one Received field (with continuation lines).
  std::size_t at = 0;
  auto line_at = [&](std::size_t pos) {
    std::size_t end = dump.find('\n', pos);
    return std::string_view(dump).substr(pos, end == std::string::npos ? dump.size() - pos : end - pos + 1);
  };
  while (at < dump.size()) {
    auto line = line_at(at);
    if (!(line.starts_with("X-Client-") || line.starts_with("X-Helo-") || line.starts_with("X-Mail-") ||
          line.starts_with("X-Rcpt-"))) {
      break;
    }
    at += line.size();
  }
  if (at < dump.size() && line_at(at).starts_with("Received:")) {
    at += line_at(at).size();
    while (at < dump.size() && (dump[at] == ' ' || dump[at] == '\t')) at += line_at(at).size();
  }
  return dump.substr(at);
}

}  // namespace authguard::testing
