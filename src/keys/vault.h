// vault.h: private keys on disk: <state-dir>/keys/<domain>/<selector>-<n>.pem.
//
// The keys directory and each domain's folder are 0700, key files 0600, all
// owned by the user running authguard (root may use a store owned by another
// user; files it writes there are given to that user). Anything looser, a
// symbolic link, or another owner is refused with a message that says how to
// fix it, by every command that reads keys. Files are written atomically: a
// temporary file, fsync, rename, fsync of the directory, so a crash leaves
// either the old file or the new one, never a torn key.
//
//   auto vault = KeyVault::open("/var/lib/authguard", /*create=*/false);
//   auto key = vault->read_key("example.com", "selector1-3.pem");
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <string_view>

#include "core/error.h"
#include "dkim/crypto.h"

namespace authguard::keys {

// Checks a directory that holds keys: a real directory (not a symlink), owned
// by the effective user (or root running), no access for group or others.
[[nodiscard]] Result<void> check_private_dir(const std::string& path);
// Checks a key file: a regular file (not a symlink), same owner rule, 0600 or
// stricter.
[[nodiscard]] Result<void> check_private_file(const std::string& path);

// Writes `data` to dir/name atomically with `mode`; owner `uid`/`gid` when
// not -1 (root writing into another user's store).
[[nodiscard]] Result<void> write_file_atomic(const std::string& dir, const std::string& name,
                                             std::string_view data, mode_t mode,
                                             uid_t uid = static_cast<uid_t>(-1),
                                             gid_t gid = static_cast<gid_t>(-1));

class KeyVault {
 public:
  // <state_dir>/keys; with create, makes the state directory and keys/ (0700)
  // when missing. Always checks keys/.
  [[nodiscard]] static Result<KeyVault> open(const std::string& state_dir, bool create);

  [[nodiscard]] const std::string& root() const noexcept { return root_; }
  [[nodiscard]] std::string domain_dir(std::string_view domain) const;

  // The domain's folder and every file in it pass the checks above. A
  // missing folder passes (a domain whose keys are not yet written).
  [[nodiscard]] Result<void> check_domain(std::string_view domain) const;
  // Stores a PEM key (and wipes `pem`).
  [[nodiscard]] Result<void> write_key(std::string_view domain, const std::string& file,
                                       std::string& pem) const;
  // Loads a key after checking its folder and file.
  [[nodiscard]] Result<dkim::PrivateKey> read_key(std::string_view domain,
                                                  const std::string& file) const;
  // Deletes the domain's key files not named in `keep` (replaced or revoked
  // keys, or a file written just before a crash and never recorded).
  void remove_unreferenced(std::string_view domain, const std::set<std::string>& keep) const;

 private:
  KeyVault(std::string root, uid_t uid, gid_t gid) : root_(std::move(root)), uid_(uid), gid_(gid) {}
  std::string root_;
  uid_t uid_;  // owner of keys/: new folders and files get it
  gid_t gid_;
};

}  // namespace authguard::keys
