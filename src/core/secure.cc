// secure.cc: constant-time comparison and wiping through OpenSSL.
#include "core/secure.h"

#include <openssl/crypto.h>

namespace authguard {

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(std::string& secret) noexcept {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace authguard
