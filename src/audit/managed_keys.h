// managed_keys.h: the hook through which the audit learns about DKIM keys
// this installation manages (generated and rotated by authguard's key store).
//
// `authguard audit` connects it to the key store of --state-dir through
// KeyStoreSource (keystore_source.h); without a store the key-age and
// key-mismatch checks stay silent. Tests implement it directly.
//
//   KeyStoreSource keys(store_states);
//   options.managed_keys = &keys;
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
  // Only the key that signs has its age checked: a retired key stays
  // published (mail signed before the switch must keep verifying) and grows
  // old until its selector's next renewal, which is the rotation working.
  bool signing = true;
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
