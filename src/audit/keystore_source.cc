// keystore_source.cc: ManagedKeySource over the key store (keystore_source.h).
#include "audit/keystore_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/strings.h"

namespace authguard::audit {

namespace {

std::string key_of(std::string_view domain, std::string_view selector) {
  std::string k = to_lower(domain);
  k += ' ';
  k += to_lower(selector);
  return k;
}

// Only slots whose record is meant to be in DNS now: a pending key is still on
// its way there (the old key legitimately answers until it is published, and
// `keys status` follows that), and a revoked slot signs nothing.
bool published(keys::SlotState s) noexcept {
  return s == keys::SlotState::kPublished || s == keys::SlotState::kActive ||
         s == keys::SlotState::kRetired;
}

}  // namespace

KeyStoreSource::KeyStoreSource(const std::vector<keys::DomainState>& states) {
  for (const auto& d : states) {
    for (const auto& set : d.sets) {
      for (std::size_t i = 0; i < set.slots.size(); ++i) {
        const keys::Slot& slot = set.slots[i];
        if (!published(slot.state) || slot.public_key.empty()) continue;
        ManagedKey k;
        const bool active = set.active == static_cast<int>(i) && slot.state == keys::SlotState::kActive;
        // The rotation counts a key's age from its activation (keys/machine.h),
        // so the audit does too; a key that never signed keeps its creation time.
        k.created = active && slot.activated != 0 ? slot.activated : slot.created;
        k.signing = active;
        k.public_key_base64 = slot.public_key;
        k.key_type = set.family == keys::Family::kEd25519 ? "ed25519" : "rsa";
        keys_.insert_or_assign(key_of(d.domain, slot.selector), std::move(k));
      }
    }
  }
}

Result<std::unique_ptr<KeyStoreSource>> KeyStoreSource::open(const std::string& state_dir) {
  const std::string path = state_dir + "/authguard.db";
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    // Not there: this installation manages no keys, which is no error. Any
    // other reason (permissions on the state directory) is one: the audit
    // would otherwise stay silent about keys it should check.
    if (errno == ENOENT || errno == ENOTDIR) return std::unique_ptr<KeyStoreSource>();
    return fail(ErrorKind::kIo, "cannot read the key store " + path + ": " + std::strerror(errno));
  }
  // create=false: the audit never makes a store. The store has no read-only
  // mode; its schema statements are no-ops on an existing database.
  auto store = keys::SqliteKeyStore::open(state_dir, /*create=*/false);
  if (!store) {
    return fail(ErrorKind::kIo, "cannot open the key store " + path +
                                    " (read for the DKIM key checks; --state-dir names "
                                    "another): " + store.error().message);
  }
  auto source = load(**store);
  if (!source) {
    return fail(ErrorKind::kIo, "cannot read the key store " + path + ": " + source.error().message);
  }
  return source;
}

Result<std::unique_ptr<KeyStoreSource>> KeyStoreSource::load(keys::KeyStore& store) {
  auto states = store.load_all();
  if (!states) return std::unexpected(states.error());
  return std::make_unique<KeyStoreSource>(*states);
}

std::optional<ManagedKey> KeyStoreSource::find(const DomainName& domain,
                                               std::string_view selector) const {
  auto it = keys_.find(key_of(domain.str(), selector));
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

}  // namespace authguard::audit
