// error.h: the error and result types every authguard module returns.
//
// Results are values: a function that can fail returns Result<T>, which holds
// either a T or an Error. A temporary failure (DNS timeout, locked database) is
// a different kind from invalid input, so callers can answer "try again later"
// instead of "no".
//
//   Result<Message> m = Message::parse(bytes, limits);
//   if (!m) log(m.error().message);
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace authguard {

enum class ErrorKind {
  kInvalidInput,   // malformed or hostile input: a definite "no"
  kLimitExceeded,  // input went over a named limit (the message names it)
  kNotFound,       // the thing asked for does not exist
  kTemporary,      // try again later: DNS timeout, SERVFAIL, busy storage
  kConfig,         // bad configuration or usage
  kIo,             // file system or socket failure
  kInternal,       // a bug or an unexpected library failure
};

// Short lower-case name of a kind, for logs and JSON ("temporary", ...).
[[nodiscard]] const char* error_kind_name(ErrorKind kind) noexcept;

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;

  [[nodiscard]] bool temporary() const noexcept {
    return kind == ErrorKind::kTemporary;
  }
};

template <class T>
using Result = std::expected<T, Error>;

// Builds the unexpected side of a Result in one expression:
//   return fail(ErrorKind::kInvalidInput, "header line too long");
[[nodiscard]] inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return std::unexpected<Error>(Error{kind, std::move(message)});
}

}  // namespace authguard
