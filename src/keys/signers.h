// signers.h: signing with the key store's active keys.
//
// A key signs only while its slot is active, and a slot becomes active only
// after its record was seen live (machine.h), so a signer made here never
// uses a key verifiers can't find. Before building each signer the key file
// is checked against the public key the store published: a file swapped on
// disk is refused, not used.
//
//   auto signers = active_signers("/var/lib/authguard", *DomainName::parse("example.com"));
//   if (!signers) log::warn("keys.unsigned", {{"why", signers.error().message}});
//   auto fields = dkim::sign_all(*signers, message, clock.now());
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/error.h"
#include "dkim/sign.h"
#include "keys/store.h"
#include "keys/vault.h"

namespace authguard::keys {

// Adjusts each builder before build() (canonicalization, h= list, ...).
using CustomizeSigner = std::function<void(dkim::Signer::Builder&)>;

// The signers of the domain's active keys: RSA first, then Ed25519 when that
// pair is active too. kNotFound when the domain has no active key (mail goes
// out unsigned); kConfig for wrong permissions on keys/, the domain's folder
// or a key file.
[[nodiscard]] Result<std::vector<dkim::Signer>> active_signers(
    const std::string& state_dir, const DomainName& domain, const CustomizeSigner& customize = {});

// The same over an open store and vault (a long-running process keeps them).
[[nodiscard]] Result<std::vector<dkim::Signer>> active_signers(
    KeyStore& store, const KeyVault& vault, const DomainName& domain,
    const CustomizeSigner& customize = {});

}  // namespace authguard::keys
