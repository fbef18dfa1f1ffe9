// signers.cc: DKIM signers for a domain's active keys.
#include "keys/signers.h"

namespace authguard::keys {

Result<std::vector<dkim::Signer>> active_signers(KeyStore& store, const KeyVault& vault,
                                                 const DomainName& domain,
                                                 const CustomizeSigner& customize) {
  std::string name = domain.lower();
  auto loaded = store.load(name);
  if (!loaded) return std::unexpected(loaded.error());
  if (!*loaded) {
    return fail(ErrorKind::kNotFound, name + " has no keys in the key store (authguard keys init " +
                                          name + ")");
  }
  if (auto r = vault.check_domain(name); !r) return std::unexpected(r.error());
  const DomainState& d = **loaded;
  std::vector<dkim::Signer> out;
  for (const auto& set : d.sets) {
    if (set.active < 0) continue;
    const Slot& slot = set.slots[static_cast<std::size_t>(set.active)];
    auto key = vault.read_key(name, slot.key_file);
    if (!key) return std::unexpected(key.error());
    if (key->public_key_base64() != slot.public_key) {
      return fail(ErrorKind::kInternal, "key file " + vault.domain_dir(name) + "/" + slot.key_file +
                                            " does not hold the key published for " +
                                            slot.selector + "; refusing to sign with it");
    }
    dkim::Signer::Builder builder(domain, slot.selector, std::move(*key));
    if (customize) customize(builder);
    auto signer = builder.build();
    if (!signer) return std::unexpected(signer.error());
    out.push_back(std::move(*signer));
  }
  if (out.empty()) {
    return fail(ErrorKind::kNotFound, "no active DKIM key for " + name +
                                          ": mail goes out unsigned (see authguard keys status)");
  }
  return out;
}

Result<std::vector<dkim::Signer>> active_signers(const std::string& state_dir,
                                                 const DomainName& domain,
                                                 const CustomizeSigner& customize) {
  auto vault = KeyVault::open(state_dir, /*create=*/false);
  if (!vault) return std::unexpected(vault.error());
  auto store = SqliteKeyStore::open(state_dir, /*create=*/false);
  if (!store) return std::unexpected(store.error());
  return active_signers(**store, *vault, domain, customize);
}

}  // namespace authguard::keys
