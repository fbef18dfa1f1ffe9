// types.cc: names of the key store's enums, times as text, selector checks.
#include "keys/types.h"

#include <ctime>

#include "core/strings.h"

namespace authguard::keys {

const char* family_name(Family f) noexcept {
  return f == Family::kEd25519 ? "ed25519" : "rsa";
}

bool parse_family(std::string_view text, Family& out) noexcept {
  if (text == "rsa") out = Family::kRsa;
  else if (text == "ed25519") out = Family::kEd25519;
  else return false;
  return true;
}

const char* slot_state_name(SlotState s) noexcept {
  switch (s) {
    case SlotState::kEmpty: return "empty";
    case SlotState::kPending: return "pending";
    case SlotState::kPublished: return "published";
    case SlotState::kActive: return "active";
    case SlotState::kRetired: return "retired";
    case SlotState::kRevoked: return "revoked";
  }
  return "empty";
}

bool parse_slot_state(std::string_view text, SlotState& out) noexcept {
  for (SlotState s : {SlotState::kEmpty, SlotState::kPending, SlotState::kPublished,
                      SlotState::kActive, SlotState::kRetired, SlotState::kRevoked}) {
    if (text == slot_state_name(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

dkim::KeyType key_type_of(Family f) noexcept {
  return f == Family::kEd25519 ? dkim::KeyType::kEd25519 : dkim::KeyType::kRsa;
}

const char* algorithm_name(Family f) noexcept {
  return f == Family::kEd25519 ? "ed25519-sha256" : "rsa-sha256";
}

KeySet* DomainState::find(Family f) noexcept {
  for (auto& s : sets) {
    if (s.family == f) return &s;
  }
  return nullptr;
}

const KeySet* DomainState::find(Family f) const noexcept {
  for (const auto& s : sets) {
    if (s.family == f) return &s;
  }
  return nullptr;
}


Result<void> check_selector(std::string_view selector) {
  if (selector.empty() || selector.size() > 63) {
    return fail(ErrorKind::kConfig, "selector '" + std::string(selector) +
                                        "' must be 1 to 63 characters");
  }
  for (char c : selector) {
    if (!is_alpha(c) && !is_digit(c) && c != '-') {
      return fail(ErrorKind::kConfig, "selector '" + std::string(selector) +
                                          "' may hold only letters, digits and '-'");
    }
  }
  if (selector.front() == '-' || selector.back() == '-') {
    return fail(ErrorKind::kConfig, "selector '" + std::string(selector) +
                                        "' must not start or end with '-'");
  }
  return {};
}

}  // namespace authguard::keys
