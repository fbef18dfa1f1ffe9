// machine.cc: the rotation state machine (see machine.h for the rules).
#include "keys/machine.h"

#include <algorithm>

namespace authguard::keys {

namespace {

unsigned bits_for(const KeySet& s, const Policy& p) {
  if (s.family == Family::kEd25519) return 256;
  return s.requested_bits != 0 ? s.requested_bits : p.bits;
}

Step make(StepKind kind, int set, int slot, std::string why) {
  Step s;
  s.kind = kind;
  s.set = set;
  s.slot = slot;
  s.why = std::move(why);
  return s;
}

bool holds_usable_key(const Slot& s) {
  return s.state == SlotState::kPending || s.state == SlotState::kPublished ||
         s.state == SlotState::kRetired;
}

}  // namespace

const char* live_state_name(LiveState s) noexcept {
  switch (s) {
    case LiveState::kLive: return "live";
    case LiveState::kMissing: return "missing";
    case LiveState::kMismatch: return "mismatch";
    case LiveState::kError: return "error";
  }
  return "error";
}

const char* step_kind_name(StepKind k) noexcept {
  switch (k) {
    case StepKind::kGenerate: return "generate";
    case StepKind::kPublish: return "publish";
    case StepKind::kMarkLive: return "live";
    case StepKind::kLostLive: return "lost";
    case StepKind::kActivate: return "activate";
    case StepKind::kWait: return "wait";
  }
  return "wait";
}

UnixTime next_rotation(const KeySet& set, const Policy& policy) {
  if (set.active < 0) return 0;
  return set.slots[static_cast<std::size_t>(set.active)].activated + policy.rotation_seconds;
}

UnixTime switch_time(const KeySet& set, const Policy& policy) {
  if (set.target < 0) return 0;
  const Slot& t = set.slots[static_cast<std::size_t>(set.target)];
  if (t.live_since == 0) return 0;
  // The wait counts from the first live check and lasts max(TTL, delay): a
  // resolver that cached the old answer (or none) has let it expire by then.
  return t.live_since + std::max<std::int64_t>(t.live_ttl, policy.propagation_delay_seconds);
}

Step next_step(const DomainState& d, const Policy& p, UnixTime now, const ObserveFn& observe) {
  // 1. Every slot holds a key (a new domain, a new algorithm, or a crash
  //    between creating the set and its keys).
  for (std::size_t si = 0; si < d.sets.size(); ++si) {
    const KeySet& s = d.sets[si];
    for (std::size_t i = 0; i < 2; ++i) {
      if (s.slots[i].state != SlotState::kEmpty) continue;
      Step g = make(StepKind::kGenerate, static_cast<int>(si), static_cast<int>(i),
                    "new " + std::string(family_name(s.family)) + " key");
      g.bits = bits_for(s, p);
      // The first key of a set is where signing starts, once live.
      g.target = s.active < 0 && s.target < 0;
      return g;
    }
  }
  // 2. Records changed: publish before anything waits on DNS.
  if (d.dirty && p.has_publisher) return make(StepKind::kPublish, -1, -1, "records changed");

  // 3. Per set: follow the record into DNS, switch, or start a rotation.
  UnixTime wake = 0;
  auto wake_at = [&](UnixTime t) {
    if (t > now && (wake == 0 || t < wake)) wake = t;
  };
  for (std::size_t si = 0; si < d.sets.size(); ++si) {
    const KeySet& s = d.sets[si];
    const int set = static_cast<int>(si);
    if (s.target >= 0) {
      const Slot& t = s.slots[static_cast<std::size_t>(s.target)];
      Observation o = observe(d, set, s.target);
      if (o.state == LiveState::kLive) {
        if (t.live_since == 0) {
          Step m = make(StepKind::kMarkLive, set, s.target, t.selector + " live in DNS");
          m.ttl = o.ttl;
          return m;
        }
        if (s.active < 0) {
          return make(StepKind::kActivate, set, s.target,
                      "first key live: signing with " + t.selector);
        }
        UnixTime ready = switch_time(s, p);
        if (now >= ready) {
          return make(StepKind::kActivate, set, s.target,
                      "propagation wait over: signing with " + t.selector);
        }
        wake_at(ready);
      } else if (t.live_since != 0) {
        return make(StepKind::kLostLive, set, s.target,
                    t.selector + " no longer live (" + o.detail + "): waiting again");
      }
    }
    // A key made beside the target (a new domain's second selector) becomes
    // "published" once seen.
    for (std::size_t i = 0; i < 2; ++i) {
      const Slot& x = s.slots[i];
      if (static_cast<int>(i) == s.target || x.state != SlotState::kPending) continue;
      Observation o = observe(d, set, static_cast<int>(i));
      if (o.state == LiveState::kLive && x.live_since == 0) {
        Step m = make(StepKind::kMarkLive, set, static_cast<int>(i), x.selector + " live in DNS");
        m.ttl = o.ttl;
        return m;
      }
    }
    if (s.target >= 0) continue;
    if (s.active < 0) {
      // No key signs (the active one was revoked): any live key signs at once.
      bool usable = false;
      for (std::size_t i = 0; i < 2; ++i) {
        const Slot& x = s.slots[i];
        if (!holds_usable_key(x)) continue;
        usable = true;
        if (x.state == SlotState::kPending) continue;  // marked live above first
        if (observe(d, set, static_cast<int>(i)).state == LiveState::kLive) {
          return make(StepKind::kActivate, set, static_cast<int>(i),
                      "no active key: signing with live " + x.selector);
        }
      }
      if (usable) continue;
      // Every slot revoked: a new key on the one revoked first.
      int pick = 0;
      if (s.slots[1].revoked != 0 && s.slots[1].revoked < s.slots[0].revoked) pick = 1;
      Step g = make(StepKind::kGenerate, set, pick, "no usable key left: new key");
      g.bits = bits_for(s, p);
      g.target = true;
      return g;
    }
    const Slot& a = s.slots[static_cast<std::size_t>(s.active)];
    UnixTime due = a.activated + p.rotation_seconds;
    if (s.rotate_requested || now >= due) {
      int other = 1 - s.active;
      Step g = make(StepKind::kGenerate, set, other,
                    s.rotate_requested ? "rotation requested" : a.selector + " key due for rotation");
      g.bits = bits_for(s, p);
      g.target = true;
      return g;
    }
    wake_at(due);
  }
  Step w = make(StepKind::kWait, -1, -1, "");
  w.wake = wake;
  return w;
}

DomainState apply_generate(const DomainState& d, const Step& step, const NewKey& key, UnixTime now) {
  DomainState n = d;
  KeySet& s = n.sets.at(static_cast<std::size_t>(step.set));
  Slot& x = s.slots.at(static_cast<std::size_t>(step.slot));
  x.state = SlotState::kPending;
  x.bits = key.bits;
  x.public_key = key.public_key;
  x.key_file = key.key_file;
  x.generation += 1;
  x.created = now;
  x.published = x.live_since = x.activated = x.retired = x.revoked = 0;
  x.live_ttl = 0;
  if (step.target) s.target = step.slot;
  n.dirty = true;
  return n;
}

DomainState apply_publish(const DomainState& d, UnixTime now) {
  DomainState n = d;
  n.dirty = false;
  for (auto& s : n.sets) {
    for (auto& x : s.slots) {
      if (x.state != SlotState::kEmpty && x.published == 0) x.published = now;
    }
  }
  return n;
}

DomainState apply_mark_live(const DomainState& d, const Step& step, UnixTime now) {
  DomainState n = d;
  KeySet& s = n.sets.at(static_cast<std::size_t>(step.set));
  Slot& x = s.slots.at(static_cast<std::size_t>(step.slot));
  x.live_since = now;
  x.live_ttl = step.ttl;
  if (x.published == 0) x.published = now;  // evidently published (by hand)
  if (x.state == SlotState::kPending && step.slot != s.target) x.state = SlotState::kPublished;
  return n;
}

DomainState apply_lost_live(const DomainState& d, const Step& step) {
  DomainState n = d;
  Slot& x = n.sets.at(static_cast<std::size_t>(step.set)).slots.at(static_cast<std::size_t>(step.slot));
  x.live_since = 0;
  x.live_ttl = 0;
  return n;
}

DomainState apply_activate(const DomainState& d, const Step& step, UnixTime now) {
  DomainState n = d;
  KeySet& s = n.sets.at(static_cast<std::size_t>(step.set));
  if (s.active >= 0 && s.active != step.slot) {
    Slot& old = s.slots[static_cast<std::size_t>(s.active)];
    old.state = SlotState::kRetired;
    old.retired = now;
  }
  Slot& x = s.slots.at(static_cast<std::size_t>(step.slot));
  x.state = SlotState::kActive;
  x.activated = now;
  x.retired = 0;
  s.active = step.slot;
  if (s.target == step.slot) {
    s.target = -1;
    s.rotate_requested = false;
    s.requested_bits = 0;
  }
  return n;
}

DomainState apply_request_rotation(const DomainState& d, unsigned bits) {
  DomainState n = d;
  for (auto& s : n.sets) {
    if (bits != 0 && s.family != Family::kRsa) continue;
    if (s.target >= 0) continue;
    s.rotate_requested = true;
    s.requested_bits = s.family == Family::kRsa ? bits : 0;
  }
  return n;
}

DomainState apply_revoke(const DomainState& d, int set, int slot, UnixTime now) {
  DomainState n = d;
  KeySet& s = n.sets.at(static_cast<std::size_t>(set));
  Slot& x = s.slots.at(static_cast<std::size_t>(slot));
  x.state = SlotState::kRevoked;
  x.revoked = now;
  x.key_file.clear();
  x.live_since = 0;
  x.live_ttl = 0;
  if (s.active == slot) s.active = -1;
  if (s.target == slot) {
    s.target = -1;
    s.rotate_requested = true;
  }
  n.dirty = true;
  return n;
}

DomainState apply_add_set(const DomainState& d, Family family,
                          const std::array<std::string, 2>& selectors) {
  DomainState n = d;
  KeySet s;
  s.family = family;
  s.slots[0].selector = selectors[0];
  s.slots[1].selector = selectors[1];
  n.sets.push_back(std::move(s));
  return n;
}

std::string rotation_state(const KeySet& set, const Policy& policy) {
  auto phase_of = [&](const Slot& t) -> std::string {
    if (t.live_since != 0) return set.active < 0 ? "verifying" : "propagating";
    if (t.published == 0) return policy.has_publisher ? "publishing" : "awaiting-publication";
    return "verifying";
  };
  for (const auto& x : set.slots) {
    if (x.state == SlotState::kEmpty) return "generating";
  }
  if (set.target >= 0) return phase_of(set.slots[static_cast<std::size_t>(set.target)]);
  if (set.active < 0) {
    for (const auto& x : set.slots) {
      if (x.state == SlotState::kPending) return phase_of(x);
    }
    return "unsigned";
  }
  return "stable";
}

}  // namespace authguard::keys
