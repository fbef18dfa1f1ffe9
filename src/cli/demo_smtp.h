// demo_smtp.h: the demo's stand-in for an MTA's re-injection port. `make
// demo` runs offline on a fresh machine, with no MTA installed, yet shows a
// quarantined message released over SMTP: this listener, on a loopback port
// of its own, accepts exactly one mail transaction from the release and
// hands the message back to the tour. It is not a mail server (no queue, no
// relaying, one client); the tests release through Postfix's smtp-sink.
//
//   DemoSmtpListener sink;
//   auto port = sink.start();                 // 127.0.0.1:<port>
//   ... SmtpRelay({.url = "smtp://127.0.0.1:" + std::to_string(*port)}).send(m) ...
//   DemoSmtpListener::Received got = sink.wait();   // envelope and message
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

namespace authguard::cli {

class DemoSmtpListener {
 public:
  struct Received {
    std::string helo;
    std::string mail_from;
    std::vector<std::string> recipients;
    std::string data;  // dot-unstuffed, CRLF line ends
    std::string error;  // set when the session went wrong
  };

  DemoSmtpListener() = default;
  ~DemoSmtpListener();
  DemoSmtpListener(const DemoSmtpListener&) = delete;
  DemoSmtpListener& operator=(const DemoSmtpListener&) = delete;

  // Listens on 127.0.0.1 (a free port) and serves one session in a thread.
  [[nodiscard]] Result<int> start();
  // Waits for that session to end (10 s per read at most).
  [[nodiscard]] Received wait();

 private:
  void serve();
  int listen_fd_ = -1;
  std::thread thread_;
  Received received_;
};

}  // namespace authguard::cli
