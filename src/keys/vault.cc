// vault.cc: key files: permission checks, atomic writes, reading with wiping.
#include "keys/vault.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/secure.h"

namespace authguard::keys {

namespace {

std::string mode_text(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string errno_text(int e) { return std::strerror(e); }

Result<void> check_owner(const std::string& what, const std::string& path, const struct stat& st) {
  uid_t me = ::geteuid();
  if (st.st_uid == me || me == 0) return {};
  return fail(ErrorKind::kConfig, "refusing to use " + what + " " + path + ": owned by uid " +
                                      std::to_string(st.st_uid) + ", not by uid " +
                                      std::to_string(me) + " running authguard");
}

bool write_all(int fd, std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

Result<void> fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorKind::kIo, "cannot open " + dir + ": " + errno_text(errno));
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) return fail(ErrorKind::kIo, "cannot sync " + dir + ": " + errno_text(e));
  return {};
}

Result<void> make_private_dir(const std::string& path, uid_t uid, gid_t gid) {
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno == EEXIST) return check_private_dir(path);
    return fail(ErrorKind::kIo, "cannot create " + path + ": " + errno_text(errno));
  }
  if (::geteuid() == 0 && uid != 0 && uid != static_cast<uid_t>(-1)) {
    if (::chown(path.c_str(), uid, gid) != 0) {
      return fail(ErrorKind::kIo, "cannot give " + path + " to uid " + std::to_string(uid) +
                                      ": " + errno_text(errno));
    }
  }
  auto slash = path.rfind('/');
  if (slash != std::string::npos) {
    if (auto r = fsync_dir(slash == 0 ? "/" : path.substr(0, slash)); !r) return r;
  }
  return {};
}

}  // namespace

Result<void> check_private_dir(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    return fail(errno == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                "cannot use key directory " + path + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode)) {
    return fail(ErrorKind::kConfig,
                "refusing to use key directory " + path + ": it is a symbolic link");
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(ErrorKind::kConfig, "refusing to use key directory " + path + ": not a directory");
  }
  if (auto r = check_owner("key directory", path, st); !r) return r;
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorKind::kConfig, "refusing to use key directory " + path + ": mode " +
                                        mode_text(st.st_mode) +
                                        " lets group or others in; it must be 0700 (chmod 700 " +
                                        path + ")");
  }
  return {};
}

Result<void> check_private_file(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    return fail(errno == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                "cannot use key file " + path + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode)) {
    return fail(ErrorKind::kConfig, "refusing to use key file " + path + ": it is a symbolic link");
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorKind::kConfig, "refusing to use key file " + path + ": not a regular file");
  }
  if (auto r = check_owner("key file", path, st); !r) return r;
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorKind::kConfig, "refusing to use key file " + path + ": mode " +
                                        mode_text(st.st_mode) +
                                        " lets group or others read it; it must be 0600 (chmod 600 " +
                                        path + ")");
  }
  return {};
}

Result<void> write_file_atomic(const std::string& dir, const std::string& name,
                               std::string_view data, mode_t mode, uid_t uid, gid_t gid) {
  std::string tmpl = dir + "/." + name + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmpl.data());  // created 0600: never readable by others, even briefly
  if (fd < 0) return fail(ErrorKind::kIo, "cannot create a file in " + dir + ": " + errno_text(errno));
  auto cleanup = [&](const std::string& what) {
    int e = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    return fail(ErrorKind::kIo, what + " " + dir + "/" + name + ": " + errno_text(e));
  };
  if (::fchmod(fd, mode) != 0) return cleanup("cannot set the mode of");
  if (::geteuid() == 0 && uid != static_cast<uid_t>(-1) && uid != 0 &&
      ::fchown(fd, uid, gid) != 0) {
    return cleanup("cannot set the owner of");
  }
  if (!write_all(fd, data)) return cleanup("cannot write");
  if (::fsync(fd) != 0) return cleanup("cannot sync");
  if (::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    return fail(ErrorKind::kIo, "cannot write " + dir + "/" + name + ": " + errno_text(errno));
  }
  std::string final_path = dir + "/" + name;
  if (::rename(tmpl.c_str(), final_path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmpl.c_str());
    return fail(ErrorKind::kIo, "cannot rename into " + final_path + ": " + errno_text(e));
  }
  return fsync_dir(dir);
}

Result<KeyVault> KeyVault::open(const std::string& state_dir, bool create) {
  std::string root = state_dir + "/keys";
  struct stat st{};
  if (create) {
    if (::stat(state_dir.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return fail(ErrorKind::kIo, "cannot use state directory " + state_dir + ": " +
                                        errno_text(errno));
      }
      if (::mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return fail(ErrorKind::kIo, "cannot create state directory " + state_dir + ": " +
                                        errno_text(errno));
      }
    }
    struct stat sd{};
    if (::stat(state_dir.c_str(), &sd) != 0 || !S_ISDIR(sd.st_mode)) {
      return fail(ErrorKind::kIo, "state directory " + state_dir + " is not a directory");
    }
    if (auto r = make_private_dir(root, sd.st_uid, sd.st_gid); !r) return std::unexpected(r.error());
  }
  if (auto r = check_private_dir(root); !r) {
    if (r.error().kind == ErrorKind::kNotFound) {
      return fail(ErrorKind::kNotFound, "no key store in " + state_dir +
                                            " (run `authguard keys init DOMAIN` first)");
    }
    return std::unexpected(r.error());
  }
  if (::lstat(root.c_str(), &st) != 0) {
    return fail(ErrorKind::kIo, "cannot use key directory " + root + ": " + errno_text(errno));
  }
  return KeyVault(root, st.st_uid, st.st_gid);
}

std::string KeyVault::domain_dir(std::string_view domain) const {
  return root_ + "/" + std::string(domain);
}

Result<void> KeyVault::check_domain(std::string_view domain) const {
  std::string dir = domain_dir(domain);
  auto r = check_private_dir(dir);
  if (!r) {
    if (r.error().kind == ErrorKind::kNotFound) return {};
    return r;
  }
  DIR* dp = ::opendir(dir.c_str());
  if (dp == nullptr) return fail(ErrorKind::kIo, "cannot read " + dir + ": " + errno_text(errno));
  Result<void> out;
  while (dirent* e = ::readdir(dp)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".pem") != 0) continue;
    if (auto f = check_private_file(dir + "/" + name); !f) {
      out = f;
      break;
    }
  }
  ::closedir(dp);
  return out;
}

Result<void> KeyVault::write_key(std::string_view domain, const std::string& file,
                                 std::string& pem) const {
  std::string dir = domain_dir(domain);
  auto made = make_private_dir(dir, uid_, gid_);
  if (!made) {
    wipe(pem);
    return made;
  }
  auto r = write_file_atomic(dir, file, pem, 0600, uid_, gid_);
  wipe(pem);
  return r;
}

Result<dkim::PrivateKey> KeyVault::read_key(std::string_view domain, const std::string& file) const {
  std::string dir = domain_dir(domain);
  if (auto r = check_private_dir(dir); !r) return std::unexpected(r.error());
  std::string path = dir + "/" + file;
  if (auto r = check_private_file(path); !r) return std::unexpected(r.error());
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(ErrorKind::kIo, "cannot open key file " + path + ": " + errno_text(errno));
  std::string pem;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      std::string tmp(buf, sizeof buf);
      wipe(tmp);
      wipe(pem);
      return fail(ErrorKind::kIo, "cannot read key file " + path + ": " + errno_text(e));
    }
    if (n == 0) break;
    pem.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  {
    std::string tmp(buf, sizeof buf);  // the stack copy held key bytes too
    wipe(tmp);
  }
  auto key = dkim::PrivateKey::from_pem(pem);
  wipe(pem);
  if (!key) return fail(ErrorKind::kInvalidInput, "key file " + path + ": " + key.error().message);
  return key;
}

void KeyVault::remove_unreferenced(std::string_view domain, const std::set<std::string>& keep) const {
  std::string dir = domain_dir(domain);
  DIR* dp = ::opendir(dir.c_str());
  if (dp == nullptr) return;
  std::vector<std::string> doomed;
  while (dirent* e = ::readdir(dp)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    bool pem = name.size() > 4 && name.compare(name.size() - 4, 4, ".pem") == 0;
    bool tmp = name.rfind('.', 0) == 0 && name.find(".tmp-") != std::string::npos;
    if ((pem && !keep.contains(name)) || tmp) doomed.push_back(name);
  }
  ::closedir(dp);
  for (const auto& name : doomed) ::unlink((dir + "/" + name).c_str());
  if (!doomed.empty()) (void)fsync_dir(dir);
}

}  // namespace authguard::keys
