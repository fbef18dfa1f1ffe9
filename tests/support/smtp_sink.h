// smtp_sink.h: Postfix's smtp-sink (from Debian's postfix package), started
// on a free loopback port as the SMTP relay a test sends to. Each mail
// transaction it accepts is dumped to its own file: smtp-sink's envelope
// lines (X-Mail-Args, X-Rcpt-Args, ...) and its Received field, then the
// message as sent.
//
//   SmtpSink sink;
//   ASSERT_TRUE(sink.start()) << sink.error();
//   ... send to "smtp://127.0.0.1:" + std::to_string(sink.port()) ...
//   auto mail = sink.messages();   // one string per transaction
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/nsd_server.h"

namespace authguard::testing {

class SmtpSink {
 public:
  // reject: smtp-sink's -f list, commands answered 5xx (e.g. "RCPT").
  explicit SmtpSink(std::string reject = "");
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // Starts smtp-sink and waits until it accepts connections.
  [[nodiscard]] bool start();
  void stop();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const std::string& error() const { return error_; }
  // The dumped transactions, in file-name order (not time order), each one
  // whole: waits up to 20 s for `at_least` of them, and for files in flight.
  [[nodiscard]] std::vector<std::string> messages(std::size_t at_least = 0) const;

 private:
  TempDir dir_;
  std::string reject_;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The message of a dumped transaction, without smtp-sink's own lines (its
// X-* envelope lines and the Received field it prepends).
[[nodiscard]] std::string sink_message(const std::string& dump);

}  // namespace authguard::testing
