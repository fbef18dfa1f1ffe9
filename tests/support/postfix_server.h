// postfix_server.h: a private Postfix instance (Debian's postfix package)
// on free loopback ports, for the milter's end-to-end tests: its smtpd
// listens on port(), hands every message to the milter at `milter`
// (inet:PORT@127.0.0.1, milter_default_action = tempfail) and relays what it
// accepts to 127.0.0.1:relay_port (an SmtpSink). Its own config directory,
// queue and log live in a temporary directory; `postfix -c DIR start` needs
// root, as Postfix's master does. Stopped when destroyed.
//
//   SmtpSink sink; ASSERT_TRUE(sink.start());
//   AuthguardMilter milter({"--config", cfg, "--state-dir", state, "--zone", zone});
//   ASSERT_TRUE(milter.start()) << milter.error();
//   PostfixServer postfix(sink.port(), milter.spec());
//   ASSERT_TRUE(postfix.start()) << postfix.error();
//   ... swaks --server 127.0.0.1:<postfix.port()> ...
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/nsd_server.h"

namespace authguard::testing {

class PostfixServer {
 public:
  PostfixServer(int relay_port, std::string milter);
  ~PostfixServer();
  PostfixServer(const PostfixServer&) = delete;
  PostfixServer& operator=(const PostfixServer&) = delete;

  [[nodiscard]] bool start();
  void stop();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  // Postfix's log (maillog_file), for failure messages.
  [[nodiscard]] std::string log() const;

 private:
  // One try on a fresh port: config written, `postfix start`, listening.
  [[nodiscard]] bool start_once();

  TempDir dir_;
  int relay_port_;
  std::string milter_;
  std::string error_;
  int port_ = 0;
};

// `authguard serve` on a free loopback port, in the background.
class AuthguardMilter {
 public:
  explicit AuthguardMilter(std::vector<std::string> args);
  ~AuthguardMilter();
  AuthguardMilter(const AuthguardMilter&) = delete;
  AuthguardMilter& operator=(const AuthguardMilter&) = delete;

  [[nodiscard]] bool start();
  void stop();
  // "inet:PORT@127.0.0.1", as Postfix's smtpd_milters names it.
  [[nodiscard]] std::string spec() const { return "inet:127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const std::string& error() const { return error_; }
  // What it wrote to standard error (its log).
  [[nodiscard]] std::string log() const;

 private:
  TempDir dir_;
  std::vector<std::string> args_;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Sends `message` through swaks (Debian's swaks package) to 127.0.0.1:port
// from `from` to `to`, connecting from `local_address` when given (another
// loopback address, 127.0.0.2); returns swaks's transcript (the server's
// replies are its lines starting "<-" or "<**").
[[nodiscard]] std::string swaks_send(int port, const std::string& from, const std::vector<std::string>& to,
                                     const std::string& message_file, const std::string& local_address = "");

}  // namespace authguard::testing
