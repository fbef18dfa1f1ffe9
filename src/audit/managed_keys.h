// managed_keys.h: the hook through which the audit learns about DKIM keys
// this installation manages (generated and rotated by authguard's key store).
//
// The key store (keys/, a separate piece of work) does not exist yet, so
// nothing implements this interface outside tests and `authguard audit`
// passes no source: the key-age and key-mismatch checks then stay silent.
// When keys/ lands, its KeyStore gets an adapter implementing
// ManagedKeySource, and the CLI sets AuditOptions::managed_keys.
//
//   class StoreKeys final : public ManagedKeySource {
//     std::optional<ManagedKey> find(const DomainName& d, std::string_view s) const override {
//       return store_.active_key(d, s) ...;
//     }
//   };
//   options.managed_keys = &store_keys;
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/domain.h"

namespace authguard::audit {

// DESIGN.md: each selector is renewed every 6 months.
inline constexpr std::int64_t kMaxManagedKeyAgeSeconds = 183LL * 24 * 3600;

struct ManagedKey {
  UnixTime created = 0;
  // The p= value this installation publishes for the key (base64, as in the
  // key record), compared with what DNS serves.
  std::string public_key_base64;
  // "rsa" or "ed25519", for the record a fix proposes.
  std::string key_type = "rsa";
};

class ManagedKeySource {
 public:
  virtual ~ManagedKeySource() = default;
  // The key this installation signs `domain` with at `selector`, if it
  // manages one there.
  [[nodiscard]] virtual std::optional<ManagedKey> find(const DomainName& domain,
                                                       std::string_view selector) const = 0;
};

}  // namespace authguard::audit
