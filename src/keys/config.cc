// config.cc: the rotation policy a [keys] section gives.
#include "keys/config.h"

namespace authguard::keys {

Policy policy_from(const KeysConfig& c) {
  Policy p;
  if (c.selectors.size() == 2) p.selectors = {c.selectors[0], c.selectors[1]};
  if (c.ed25519_selectors.size() == 2) {
    p.ed25519_selectors = {c.ed25519_selectors[0], c.ed25519_selectors[1]};
  }
  p.rotation_seconds = static_cast<std::int64_t>(c.rotation_days) * 86400;
  p.propagation_delay_seconds = static_cast<std::int64_t>(c.propagation_delay_hours) * 3600;
  p.bits = c.bits;
  p.ed25519 = c.ed25519;
  p.record_ttl = c.record_ttl;
  p.has_publisher = c.publisher.type != PublisherConfig::Type::kNone;
  return p;
}

}  // namespace authguard::keys
