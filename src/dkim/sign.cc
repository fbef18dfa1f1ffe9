// sign.cc: building and folding DKIM-Signature fields (RFC 6376 §5).
#include "dkim/sign.h"

#include <map>

#include "core/strings.h"
#include "dkim/canon.h"
#include "dkim/tags.h"

namespace authguard::dkim {

const std::vector<std::string>& recommended_headers() {
  static const std::vector<std::string> names = {
      "from",         "sender",      "reply-to",     "subject",
      "date",         "message-id",  "to",           "cc",
      "mime-version", "content-type", "content-transfer-encoding",
      "in-reply-to",  "references",  "list-id",      "list-unsubscribe",
      "list-unsubscribe-post"};
  return names;
}

Signer::Builder::Builder(DomainName domain, std::string selector, PrivateKey key)
    : domain_(std::move(domain)), selector_(std::move(selector)), key_(std::move(key)) {}

Signer::Builder& Signer::Builder::algorithm(Algorithm a) {
  algorithm_ = a;
  return *this;
}
Signer::Builder& Signer::Builder::canonicalization(Canon header, Canon body) {
  header_canon_ = header;
  body_canon_ = body;
  return *this;
}
Signer::Builder& Signer::Builder::headers(std::vector<std::string> names) {
  headers_ = std::move(names);
  return *this;
}
Signer::Builder& Signer::Builder::identity(std::string i) {
  identity_ = std::move(i);
  return *this;
}
Signer::Builder& Signer::Builder::expire_after(std::int64_t seconds) {
  expire_after_ = seconds;
  return *this;
}

Result<Signer> Signer::Builder::build() const {
  Signer s;
  s.domain_ = domain_;
  if (domain_.empty()) return fail(ErrorKind::kConfig, "signing domain is empty");
  if (selector_.empty() || !DomainName::parse(selector_)) {
    return fail(ErrorKind::kConfig, "invalid selector '" + selector_ + "'");
  }
  s.selector_ = selector_;
  s.algorithm_ = algorithm_.value_or(key_.type() == KeyType::kEd25519 ? Algorithm::kEd25519Sha256
                                                                      : Algorithm::kRsaSha256);
  if (s.algorithm_ == Algorithm::kRsaSha1) {
    return fail(ErrorKind::kConfig, "rsa-sha1 must not be used for signing (RFC 8301 §3.1)");
  }
  if (key_type_of(s.algorithm_) != key_.type()) {
    return fail(ErrorKind::kConfig, std::string("algorithm ") + algorithm_name(s.algorithm_) +
                                        " does not match the key type");
  }
  if (key_.type() == KeyType::kRsa && key_.bits() < 1024) {
    return fail(ErrorKind::kConfig, "RSA signing keys must have at least 1024 bits (RFC 8301 §3.2)");
  }
  if (!headers_.empty()) {
    bool from = false;
    for (const auto& h : headers_) {
      if (h.empty() || h.find_first_of(":; \t\r\n") != std::string::npos) {
        return fail(ErrorKind::kConfig, "invalid header name '" + h + "' in the signed header list");
      }
      from |= iequals(h, "from");
    }
    if (!from) return fail(ErrorKind::kConfig, "the signed header list must include From");
  }
  if (!identity_.empty()) {
    auto at = identity_.rfind('@');
    auto dom = at == std::string::npos ? Result<DomainName>(fail(ErrorKind::kConfig, ""))
                                       : DomainName::parse(std::string_view(identity_).substr(at + 1));
    if (!dom || !dom->is_subdomain_of(domain_)) {
      return fail(ErrorKind::kConfig, "identity i= must be in the signing domain or below it");
    }
  }
  s.key_ = key_;
  s.header_canon_ = header_canon_;
  s.body_canon_ = body_canon_;
  s.headers_ = headers_;
  s.identity_ = identity_;
  s.expire_after_ = expire_after_;
  return s;
}

struct Signer::BodyCache {
  std::map<std::pair<Canon, HashAlg>, std::string> digests;
};

namespace {

// Folds "tag=value" pieces into lines of at most ~76 characters.
class Folder {
 public:
  explicit Folder(std::string_view eol) : eol_(eol) {}
  void add(std::string_view piece) {
    if (column_ + piece.size() + 1 > 76 && column_ > 1) {
      out_ += eol_;
      out_ += '\t';
      column_ = 1;
    } else if (!out_.empty()) {
      out_ += ' ';
      ++column_;
    }
    out_ += piece;
    column_ += piece.size();
  }
  std::string& text() { return out_; }
  std::size_t column() const { return column_; }

 private:
  std::string eol_;
  std::string out_;
  std::size_t column_ = 16;  // "DKIM-Signature: "
};

}  // namespace

Result<std::string> Signer::sign_with(const Message& message, UnixTime now, BodyCache& bodies) const {
  const std::string eol = message.line_ending() == LineEnding::kLf ? "\n" : "\r\n";
  HashAlg hash = hash_of(algorithm_);
  auto& bh = bodies.digests[{body_canon_, hash}];
  if (bh.empty()) {
    BodyHash sink(hash, std::nullopt);
    BodyCanonicalizer canon(body_canon_, sink);
    canon.update(message.body());
    canon.finish();
    bh = sink.digest();
  }

  // h=: the explicit list, or every recommended header present, each as
  // often as it occurs, and From once more (over-signing).
  std::vector<std::string> names = headers_;
  if (names.empty()) {
    for (const auto& name : recommended_headers()) {
      std::size_t n = message.count(name);
      if (name == "from") ++n;
      for (std::size_t i = 0; i < n; ++i) names.push_back(name);
    }
  }
  std::string h;
  for (const auto& n : names) h += (h.empty() ? "" : ":") + n;

  Folder f(eol);
  f.add("v=1;");
  f.add(std::string("a=") + algorithm_name(algorithm_) + ";");
  f.add(std::string("c=") + canon_name(header_canon_) + "/" + canon_name(body_canon_) + ";");
  f.add("d=" + domain_.str() + ";");
  f.add("s=" + selector_ + ";");
  if (!identity_.empty()) f.add("i=" + identity_ + ";");
  f.add("t=" + std::to_string(now) + ";");
  if (expire_after_ > 0) f.add("x=" + std::to_string(now + expire_after_) + ";");
  // h= may be long: break it after a colon.
  std::string piece = "h=";
  for (std::size_t i = 0; i < h.size(); ++i) {
    piece += h[i];
    if (h[i] == ':' && piece.size() > 60) {
      f.add(piece);
      piece.clear();
    }
  }
  f.add(piece + ";");
  f.add("bh=" + encode_base64(bh) + ";");
  f.add("b=");
  std::string value = " " + f.text().substr(0);  // value after "DKIM-Signature:"

  // What is signed: the chosen fields, bottom-up, then this field without b=.
  std::string data;
  std::map<std::string, std::size_t> used;
  const auto& headers = message.headers();
  for (const auto& name : names) {
    std::size_t skip = used[to_lower(name)]++;
    for (std::size_t k = headers.size(); k-- > 0;) {
      if (headers[k].has_name(name)) {
        if (skip == 0) {
          canonicalize_header(header_canon_, headers[k], data);
          break;
        }
        --skip;
      }
    }
  }
  canonicalize_header_value(header_canon_, "DKIM-Signature", value, data);
  Hasher hasher(hash);
  hasher.update(data);
  auto signature = key_->sign(hash, hasher.finish());
  if (!signature) return std::unexpected(signature.error());

  // b= folded at 72 columns; whitespace inside b= is ignored by verifiers.
  std::string b64 = encode_base64(*signature);
  std::string field = "DKIM-Signature:" + value;
  std::size_t column = f.column();
  for (char c : b64) {
    if (column >= 76) {
      field += eol;
      field += '\t';
      column = 1;
    }
    field += c;
    ++column;
  }
  field += eol;
  return field;
}

Result<std::string> Signer::sign(const Message& message, UnixTime now) const {
  BodyCache bodies;
  return sign_with(message, now, bodies);
}

Result<std::vector<std::string>> sign_all(std::span<const Signer> signers, const Message& message,
                                          UnixTime now) {
  Signer::BodyCache bodies;
  std::vector<std::string> out;
  for (const auto& s : signers) {
    auto field = s.sign_with(message, now, bodies);
    if (!field) return std::unexpected(field.error());
    out.push_back(std::move(*field));
  }
  return out;
}

}  // namespace authguard::dkim
