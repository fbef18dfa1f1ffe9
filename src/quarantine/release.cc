// release.cc: the HMAC-SHA256 release marker and its key file.
#include "quarantine/release.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>

#include "core/secure.h"
#include "dkim/canon.h"
#include "dkim/tags.h"

namespace authguard::quarantine {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  struct MacFree {
    void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
  };
  struct CtxFree {
    void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
  };
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return {};
  std::unique_ptr<EVP_MAC_CTX, CtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return {};
  char digest_name[] = "SHA256";
  std::array<OSSL_PARAM, 2> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t len = 0;
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params.data()) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

namespace {

// HMAC-SHA256(key, id "|" t "|" bh), base64; empty on a library failure,
// which then never matches (a marker is refused rather than trusted).
std::string mac_of(std::string_view key, std::string_view id, UnixTime t, std::string_view bh) {
  std::string raw = hmac_sha256(key, std::string(id) + "|" + std::to_string(t) + "|" + std::string(bh));
  return raw.empty() ? std::string() : dkim::encode_base64(raw);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Marker {
  std::string_view id;
  UnixTime t = 0;
  std::string_view bh;
  std::string_view mac;
};

// Exactly the five tags release_marker writes, in its order: anything else
// is not ours.
std::optional<Marker> parse(std::string_view value) {
  std::array<std::string_view, 5> names = {"v", "id", "t", "bh", "mac"};
  std::array<std::string_view, 5> values{};
  std::size_t i = 0;
  while (true) {
    std::size_t semi = value.find(';');
    std::string_view part = trim(value.substr(0, semi));
    if (i >= names.size()) return std::nullopt;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos || trim(part.substr(0, eq)) != names[i]) return std::nullopt;
    values[i++] = trim(part.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    value.remove_prefix(semi + 1);
  }
  if (i != names.size() || values[0] != "1" || values[1].empty() || values[3].empty() ||
      values[4].empty()) {
    return std::nullopt;
  }
  for (char c : values[1]) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!ok) return std::nullopt;
  }
  Marker m;
  m.id = values[1];
  auto [p, ec] = std::from_chars(values[2].data(), values[2].data() + values[2].size(), m.t);
  if (ec != std::errc() || p != values[2].data() + values[2].size() || values[2].empty()) {
    return std::nullopt;
  }
  m.bh = values[3];
  m.mac = values[4];
  return m;
}

Result<std::string> read_key(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return fail(ErrorKind::kNotFound, "no release key at " + path);
    return fail(ErrorKind::kIo, "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail(ErrorKind::kIo, "cannot stat " + path + ": " + std::strerror(e));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return fail(ErrorKind::kConfig,
                path + " lets group or others read it; it must be 0600 (chmod 600 " + path + ")");
  }
  std::string key(kReleaseKeyBytes + 1, '\0');
  std::size_t got = 0;
  while (got < key.size()) {
    ssize_t n = ::read(fd, key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      wipe(key);
      return fail(ErrorKind::kIo, "cannot read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != kReleaseKeyBytes) {
    wipe(key);
    return fail(ErrorKind::kConfig, path + " is not a " + std::to_string(kReleaseKeyBytes) +
                                        "-byte release key");
  }
  key.resize(kReleaseKeyBytes);
  return key;
}

// Writes a new key to a private temporary file, then link()s it into place:
// link fails when the name exists, so of two processes making the key at
// once, one wins and both then read the same whole file.
Result<void> create_key(const std::string& state_dir, const std::string& path) {
  std::string key(kReleaseKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return fail(ErrorKind::kInternal, "RAND_bytes failed making the release key");
  }
  std::string tmpl = state_dir + "/.release.key.XXXXXX";
  int fd = ::mkstemp(tmpl.data());  // created 0600
  if (fd < 0) {
    wipe(key);
    return fail(ErrorKind::kIo, "cannot create a file in " + state_dir + ": " +
                                    std::strerror(errno));
  }
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
            ::fsync(fd) == 0;
  int e = errno;
  ::close(fd);
  wipe(key);
  if (!ok) {
    ::unlink(tmpl.c_str());
    return fail(ErrorKind::kIo, "cannot write the release key: " + std::string(std::strerror(e)));
  }
  int linked = ::link(tmpl.c_str(), path.c_str());
  e = errno;
  ::unlink(tmpl.c_str());
  if (linked != 0 && e != EEXIST) {
    return fail(ErrorKind::kIo, "cannot create " + path + ": " + std::strerror(e));
  }
  return {};
}

}  // namespace

std::string release_body_hash(std::string_view body) {
  dkim::BodyHash hash(dkim::HashAlg::kSha256, std::nullopt);
  dkim::BodyCanonicalizer canon(dkim::Canon::kRelaxed, hash);
  canon.update(body);
  canon.finish();
  return dkim::encode_base64(hash.digest());
}

std::string release_marker(std::string_view key, std::string_view id, std::string_view body,
                           UnixTime t) {
  std::string bh = release_body_hash(body);
  return "v=1; id=" + std::string(id) + "; t=" + std::to_string(t) + "; bh=" + bh +
         "; mac=" + mac_of(key, id, t, bh);
}

const std::string& MarkedBody::hash() {
  if (!hash_) hash_ = release_body_hash(body_);
  return *hash_;
}

bool valid_release_marker(std::string_view key, std::string_view value, std::string_view body,
                          UnixTime now, std::int64_t max_age) {
  MarkedBody marked(body);
  return valid_release_marker(key, value, marked, now, max_age);
}

bool valid_release_marker(std::string_view key, std::string_view value, MarkedBody& body,
                          UnixTime now, std::int64_t max_age) {
  auto m = parse(value);
  if (!m || key.empty()) return false;
  if (m->t > now + kMarkerClockSkew || now - m->t > max_age) return false;
  // The body hash is no secret: a plain comparison.
  if (m->bh != body.hash()) return false;
  std::string expected = mac_of(key, m->id, m->t, m->bh);
  if (expected.empty()) return false;
  return constant_time_equal(expected, m->mac);
}

std::string release_marker_id(std::string_view value) {
  auto m = parse(value);
  return m ? std::string(m->id) : std::string();
}

Result<std::string> read_release_key(const std::string& state_dir) {
  return read_key(state_dir + "/release.key");
}

Result<std::string> load_release_key(const std::string& state_dir) {
  std::string path = state_dir + "/release.key";
  auto key = read_key(path);
  if (key || key.error().kind != ErrorKind::kNotFound) return key;
  if (auto r = create_key(state_dir, path); !r) return std::unexpected(r.error());
  return read_key(path);
}

}  // namespace authguard::quarantine
