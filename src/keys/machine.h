// machine.h: the rotation state machine, pure: stored state, the time and
// what DNS shows in; the next step out. It reads no clock, file or network,
// so a simulated year runs in milliseconds and every decision can be tested.
//
// Rules (per key set, two slots A and B):
//   - A key signs only once its record was seen live; the first one included.
//   - Rotation is due when the active key is rotation_seconds old (age counts
//     from activation) or a rotation was asked for. It makes a new key on the
//     idle slot, publishes it, waits until DNS shows it, then for
//     max(record TTL, propagation delay) from that first live check, and
//     switches. The old slot stays published until its own renewal.
//   - With no active key (a new domain, or the active key revoked) any key
//     whose record is live signs at once: waiting would only keep mail unsigned.
//
// The driver (rotator.h) loops: step = next_step(...); perform its side effect
// (generate a key, publish); state = apply_*(...); persist; until kWait.
//
//   auto step = next_step(state, policy, now, observe);
//   if (step.kind == StepKind::kActivate) state = apply_activate(state, step, now);
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "keys/types.h"

namespace authguard::keys {

// What DNS shows for one key record.
enum class LiveState {
  kLive,      // the record is there and carries exactly this key (or, revoked, p= empty)
  kMissing,   // NXDOMAIN, NODATA, or no DKIM key record at the name
  kMismatch,  // a DKIM key record, but not this key (old key, other key, several records)
  kError,     // the check could not finish (timeout, SERVFAIL): try again later
};

[[nodiscard]] const char* live_state_name(LiveState s) noexcept;

struct Observation {
  LiveState state = LiveState::kMissing;
  std::uint32_t ttl = 0;  // the record's TTL where live
  std::string detail;     // what was seen, for status and logs
};

// Observes the record of d.sets[set].slots[slot]. The machine calls it only
// when a decision depends on DNS.
using ObserveFn = std::function<Observation(const DomainState& d, int set, int slot)>;

enum class StepKind {
  kGenerate,  // make a new key for (set, slot); target: the rotation moves to it
  kPublish,   // push the domain's records to the publisher
  kMarkLive,  // (set, slot)'s record was seen live for the first time
  kLostLive,  // (set, slot)'s record was live but is not any more
  kActivate,  // (set, slot) starts signing
  kWait,      // nothing to do before `wake` (0: not before DNS changes)
};

[[nodiscard]] const char* step_kind_name(StepKind k) noexcept;

struct Step {
  StepKind kind = StepKind::kWait;
  int set = -1;
  int slot = -1;
  unsigned bits = 0;        // kGenerate: RSA key size
  bool target = false;      // kGenerate: the rotation moves to this slot
  std::uint32_t ttl = 0;    // kMarkLive: the record's TTL
  UnixTime wake = 0;        // kWait: the earliest time something can move
  std::string why;          // for progress lines and the event log
};

[[nodiscard]] Step next_step(const DomainState& d, const Policy& policy, UnixTime now,
                             const ObserveFn& observe);

// The key a kGenerate step made (the driver wrote its file first).
struct NewKey {
  std::string public_key;  // base64
  std::string key_file;
  unsigned bits = 0;
};

[[nodiscard]] DomainState apply_generate(const DomainState& d, const Step& step, const NewKey& key,
                                         UnixTime now);
// Marks every key generated since the last publication as published.
[[nodiscard]] DomainState apply_publish(const DomainState& d, UnixTime now);
[[nodiscard]] DomainState apply_mark_live(const DomainState& d, const Step& step, UnixTime now);
[[nodiscard]] DomainState apply_lost_live(const DomainState& d, const Step& step);
[[nodiscard]] DomainState apply_activate(const DomainState& d, const Step& step, UnixTime now);
// `keys rotate DOMAIN`: asks every set (or only RSA when bits is given) to
// rotate at the next step; nothing changes while a rotation is under way.
[[nodiscard]] DomainState apply_request_rotation(const DomainState& d, unsigned bits);
// Publishes p= empty for the slot; an active slot stops signing at once, a
// target slot is abandoned (and a new key asked for).
[[nodiscard]] DomainState apply_revoke(const DomainState& d, int set, int slot, UnixTime now);
// A set of this family with empty slots named `selectors` (a domain's first
// keys, or an algorithm added later).
[[nodiscard]] DomainState apply_add_set(const DomainState& d, Family family,
                                        const std::array<std::string, 2>& selectors);

// The set's rotation state, as `keys status` names it: stable, publishing,
// awaiting-publication, verifying, propagating, unsigned (generating only
// after a crash between creating a set and its keys).
[[nodiscard]] std::string rotation_state(const KeySet& set, const Policy& policy);
// When the active key's rotation is due (0 without an active key).
[[nodiscard]] UnixTime next_rotation(const KeySet& set, const Policy& policy);
// When a live target may switch (0 while not live).
[[nodiscard]] UnixTime switch_time(const KeySet& set, const Policy& policy);

}  // namespace authguard::keys
