// keystore_source.h: the audit's view of the DKIM keys this installation
// manages, read from the key store (keys/store.h) in the state directory.
//
// The store is read once, when the source is made: the audit then runs its
// checks on many domains at once, and a snapshot keeps every domain's answer
// consistent without locking the store for the whole run (a rotation by
// `serve` or a cron job may commit meanwhile; the audit reports the state as
// it was when it started).
//
//   auto keys = KeyStoreSource::open(ctx.options.state_dir);
//   if (!keys) return report(keys.error());       // the store exists but can't be read
//   if (*keys) options.managed_keys = keys->get();  // nullptr: no store here
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/managed_keys.h"
#include "core/error.h"
#include "keys/store.h"
#include "keys/types.h"

namespace authguard::audit {

class KeyStoreSource final : public ManagedKeySource {
 public:
  // Reads <state_dir>/authguard.db. No database there is no error (this
  // installation manages no keys): the result is then nullptr. A database
  // that exists but can't be opened or read is a kIo error.
  [[nodiscard]] static Result<std::unique_ptr<KeyStoreSource>> open(const std::string& state_dir);
  // Reads every domain of `store` (tests pass an in-memory store).
  [[nodiscard]] static Result<std::unique_ptr<KeyStoreSource>> load(keys::KeyStore& store);

  explicit KeyStoreSource(const std::vector<keys::DomainState>& states);

  [[nodiscard]] std::optional<ManagedKey> find(const DomainName& domain,
                                               std::string_view selector) const override;
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

 private:
  // "<domain> <selector>", both lower case.
  std::map<std::string, ManagedKey, std::less<>> keys_;
};

}  // namespace authguard::audit
