// error.cc: names of error kinds.
#include "core/error.h"

namespace authguard {

const char* error_kind_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInvalidInput: return "invalid-input";
    case ErrorKind::kLimitExceeded: return "limit-exceeded";
    case ErrorKind::kNotFound: return "not-found";
    case ErrorKind::kTemporary: return "temporary";
    case ErrorKind::kConfig: return "config";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace authguard
