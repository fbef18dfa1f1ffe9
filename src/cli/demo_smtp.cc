// demo_smtp.cc: one SMTP session on loopback, for the demo's release step.
#include "cli/demo_smtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/strings.h"

namespace authguard::cli {

namespace {

// Bounds for a session that is only ever our own release.
constexpr std::size_t kMaxLine = 4096;
constexpr std::size_t kMaxData = 64 * 1024 * 1024;
constexpr int kReadTimeoutSeconds = 10;

class Session {
 public:
  explicit Session(int fd) : fd_(fd) {}
  bool send(std::string_view reply) {
    std::string line = std::string(reply) + "\r\n";
    return ::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
  }
  // One line without its CRLF; false at end of stream, on a timeout, or
  // when over the limit.
  bool read_line(std::string& line, std::size_t limit = kMaxLine) {
    line.clear();
    while (true) {
      auto eol = buffer_.find("\r\n");
      if (eol != std::string::npos) {
        line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 2);
        return true;
      }
      if (buffer_.size() > limit) return false;
      char chunk[8192];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

// The address between the angle brackets of "MAIL FROM:<a>" / "RCPT TO:<a>".
std::string path_of(std::string_view arg) {
  auto open = arg.find('<');
  auto close = arg.find('>', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) return std::string(trim(arg));
  return std::string(arg.substr(open + 1, close - open - 1));
}

}  // namespace

DemoSmtpListener::~DemoSmtpListener() {
  if (thread_.joinable()) {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

Result<int> DemoSmtpListener::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return fail(ErrorKind::kIo, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 1) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return fail(ErrorKind::kIo, std::string("cannot listen on loopback: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { serve(); });
  return static_cast<int>(ntohs(addr.sin_port));
}

DemoSmtpListener::Received DemoSmtpListener::wait() {
  if (thread_.joinable()) thread_.join();
  return received_;
}

void DemoSmtpListener::serve() {
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) {
    received_.error = "no connection";
    return;
  }
  timeval tv{.tv_sec = kReadTimeoutSeconds, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Session s(fd);
  s.send("220 demo-relay ESMTP (authguard demo)");
  std::string line;
  while (s.read_line(line)) {
    std::string verb = to_lower(line.substr(0, line.find(' ')));
    std::string_view arg = std::string_view(line).substr(std::min(line.size(), verb.size() + 1));
    if (verb == "ehlo" || verb == "helo") {
      received_.helo = std::string(trim(arg));
      s.send("250 demo-relay");
    } else if (verb == "mail") {
      received_.mail_from = path_of(arg);
      s.send("250 2.1.0 Ok");
    } else if (verb == "rcpt") {
      received_.recipients.push_back(path_of(arg));
      s.send("250 2.1.5 Ok");
    } else if (verb == "data") {
      s.send("354 End data with <CR><LF>.<CR><LF>");
      while (true) {
        if (!s.read_line(line, kMaxLine * 256) || received_.data.size() > kMaxData) {
          received_.error = "data ended early";
          break;
        }
        if (line == ".") break;
        // RFC 5321 §4.5.2: a leading dot was doubled by the sender.
        received_.data.append(line.starts_with('.') ? line.substr(1) : line).append("\r\n");
      }
      s.send(received_.error.empty() ? "250 2.0.0 Ok: queued" : "451 4.3.0 Error");
    } else if (verb == "quit") {
      s.send("221 2.0.0 Bye");
      break;
    } else if (verb == "rset" || verb == "noop") {
      s.send("250 2.0.0 Ok");
    } else {
      s.send("502 5.5.2 Not implemented in the demo relay");
    }
  }
  ::close(fd);
}

}  // namespace authguard::cli
