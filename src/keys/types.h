// types.h: the key store's values: per domain, key sets (RSA, and optionally
// Ed25519), each of two slots (selectors), and the rotation policy.
//
// A slot holds at most one key at a time. Its life: pending (generated, record
// not yet seen live) -> published (live, idle) or active (signing) -> retired
// (was active, still published so that mail signed before the switch keeps
// verifying) -> replaced by a new key at the slot's next renewal. A revoked
// slot publishes an empty p= until it gets a new key.
//
//   DomainState d = ...;                    // from KeyStore::load
//   const KeySet& rsa = d.sets[0];
//   if (rsa.active >= 0) use(rsa.slots[rsa.active].selector);
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "dkim/signature.h"

namespace authguard::keys {

// Which kind of key a set holds. Ed25519 keys (RFC 8463) are signed with in
// addition to RSA, never instead: many verifiers still ignore them.
enum class Family { kRsa, kEd25519 };

enum class SlotState {
  kEmpty,      // no key yet (only between creating a domain and its first key)
  kPending,    // key generated; its record not yet seen live (or, as a target, waiting)
  kPublished,  // record live; never signed
  kActive,     // signing
  kRetired,    // signed before, still published
  kRevoked,    // p= empty published; the key is gone
};

[[nodiscard]] const char* family_name(Family f) noexcept;
[[nodiscard]] bool parse_family(std::string_view text, Family& out) noexcept;
[[nodiscard]] const char* slot_state_name(SlotState s) noexcept;
[[nodiscard]] bool parse_slot_state(std::string_view text, SlotState& out) noexcept;
[[nodiscard]] dkim::KeyType key_type_of(Family f) noexcept;
// "rsa-sha256" or "ed25519-sha256": the a= a key of this family signs with.
[[nodiscard]] const char* algorithm_name(Family f) noexcept;

struct Slot {
  std::string selector;
  SlotState state = SlotState::kEmpty;
  unsigned bits = 0;           // RSA modulus bits; 256 for Ed25519
  std::string public_key;      // the p= value (base64); kept after revocation, for the record
  std::string key_file;        // file name in keys/<domain>/; empty once the key is gone
  unsigned generation = 0;     // counts the keys this slot has had
  UnixTime created = 0;        // 0 means "not yet" for every time here
  UnixTime published = 0;      // first successful publication (or first seen live)
  UnixTime live_since = 0;     // first live check that matched; reset if it stops matching
  std::uint32_t live_ttl = 0;  // the record's TTL seen at that check
  UnixTime activated = 0;
  UnixTime retired = 0;
  UnixTime revoked = 0;

  [[nodiscard]] bool has_key() const noexcept {
    return state != SlotState::kEmpty && state != SlotState::kRevoked;
  }
};

struct KeySet {
  Family family = Family::kRsa;
  std::array<Slot, 2> slots;
  int active = -1;                // index of the signing slot, or -1: mail goes out unsigned
  int target = -1;                // slot a rotation is moving to, or -1
  bool rotate_requested = false;  // `keys rotate DOMAIN`, or a revocation of the target
  unsigned requested_bits = 0;    // --bits of that request (0: the configured size)
};

struct DomainState {
  std::string domain;         // lower case, no trailing dot
  std::string cname_zone;     // CNAME delegation: key records live in this zone
  std::int64_t version = 0;   // bumped by every save; 0 for a domain not yet stored
  bool dirty = false;         // records changed since the last successful publication
  UnixTime created = 0;
  std::vector<KeySet> sets;   // the RSA set first

  [[nodiscard]] KeySet* find(Family f) noexcept;
  [[nodiscard]] const KeySet* find(Family f) const noexcept;
};

// What the configuration decides about rotation (built from [keys]).
struct Policy {
  std::array<std::string, 2> selectors = {"selector1", "selector2"};
  std::array<std::string, 2> ed25519_selectors = {"selector1-ed25519", "selector2-ed25519"};
  std::int64_t rotation_seconds = 90LL * 86400;
  std::int64_t propagation_delay_seconds = 96LL * 3600;
  unsigned bits = 2048;
  bool ed25519 = false;             // every domain gets an Ed25519 pair
  std::uint32_t record_ttl = 3600;  // TTL of the records we publish
  bool has_publisher = false;       // false: records are published by hand
};

// One entry of a domain's history (the `keys_events` table): what happened, when.
struct Event {
  std::string domain;
  UnixTime at = 0;
  std::string kind;      // generate, publish, live, lost, activate, revoke, request, add-set
  std::string selector;  // empty for domain-wide events
  std::string detail;
};

// (UTC time text: authguard::iso8601 / iso_date in core/clock.h.)
using authguard::iso8601;
using authguard::iso_date;

// A selector must be one DNS label of letters, digits and '-' (RFC 6376 §3.1
// allows dots; we keep them out so that CNAME names stay one label).
[[nodiscard]] Result<void> check_selector(std::string_view selector);

}  // namespace authguard::keys
