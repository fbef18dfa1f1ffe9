// signature.cc: DKIM-Signature and key record parsing (RFC 6376 §3.5, §3.6.1).
#include "dkim/signature.h"

#include "core/strings.h"

namespace authguard::dkim {

const char* algorithm_name(Algorithm a) noexcept {
  switch (a) {
    case Algorithm::kRsaSha256: return "rsa-sha256";
    case Algorithm::kEd25519Sha256: return "ed25519-sha256";
    case Algorithm::kRsaSha1: return "rsa-sha1";
  }
  return "?";
}

const char* canon_name(Canon c) noexcept { return c == Canon::kSimple ? "simple" : "relaxed"; }

bool parse_algorithm(std::string_view text, Algorithm& out) noexcept {
  for (Algorithm a : {Algorithm::kRsaSha256, Algorithm::kEd25519Sha256, Algorithm::kRsaSha1}) {
    if (iequals(text, algorithm_name(a))) {
      out = a;
      return true;
    }
  }
  return false;
}

KeyType key_type_of(Algorithm a) noexcept {
  return a == Algorithm::kEd25519Sha256 ? KeyType::kEd25519 : KeyType::kRsa;
}

namespace {

std::unexpected<Error> invalid(std::string why) {
  return fail(ErrorKind::kInvalidInput, std::move(why));
}

bool parse_canon(std::string_view text, Canon& out) {
  if (iequals(text, "simple")) {
    out = Canon::kSimple;
    return true;
  }
  if (iequals(text, "relaxed")) {
    out = Canon::kRelaxed;
    return true;
  }
  return false;
}

bool parse_int(std::string_view text, std::int64_t& out) {
  // RFC 6376: t= and x= are at most 12 digits; l= at most 76.
  unsigned long long v = 0;
  if (text.size() > 12 || !parse_uint64(text, v)) return false;
  out = static_cast<std::int64_t>(v);
  return true;
}

// Decodes dkim-quoted-printable (RFC 6376 §2.11) as used in i= and z=.
Result<std::string> decode_dqp(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c != '=') {
      out += c;
      continue;
    }
    auto hex = [](char h) -> int {
      if (h >= '0' && h <= '9') return h - '0';
      if (h >= 'A' && h <= 'F') return h - 'A' + 10;
      if (h >= 'a' && h <= 'f') return h - 'a' + 10;
      return -1;
    };
    if (i + 2 >= text.size()) return invalid("bad quoted-printable");
    int hi = hex(text[i + 1]);
    int lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return invalid("bad quoted-printable");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

Result<Signature> parse_signature(std::string_view value, const TagLimits& limits) {
  auto parsed = parse_tag_list(value, limits);
  if (!parsed) return std::unexpected(parsed.error());
  const TagList& tags = *parsed;
  Signature sig;
  auto required = [&](std::string_view name) -> const Tag* { return tags.find(name); };

  const Tag* v = required("v");
  if (v == nullptr) return invalid("missing required tag v=");
  if (v->value != "1") return invalid("unsupported version v=" + std::string(v->value));

  const Tag* a = required("a");
  if (a == nullptr) return invalid("missing required tag a=");
  if (!parse_algorithm(a->value, sig.algorithm)) {
    return invalid("unsupported algorithm a=" + std::string(a->value));
  }

  const Tag* b = required("b");
  if (b == nullptr) return invalid("missing required tag b=");
  auto b_bytes = decode_base64(b->value);
  if (!b_bytes) return invalid("b= is not valid base64");
  if (b_bytes->empty()) return invalid("b= is empty");
  sig.b = std::move(*b_bytes);
  sig.b_text = strip_whitespace(b->value);
  sig.b_value_begin = b->value_begin;
  sig.b_value_end = b->value_end;

  const Tag* bh = required("bh");
  if (bh == nullptr) return invalid("missing required tag bh=");
  auto bh_bytes = decode_base64(bh->value);
  if (!bh_bytes) return invalid("bh= is not valid base64");
  sig.bh = std::move(*bh_bytes);

  if (const Tag* c = tags.find("c")) {
    std::string_view text = c->value;
    auto slash = text.find('/');
    std::string_view hc = slash == std::string_view::npos ? text : text.substr(0, slash);
    if (!parse_canon(hc, sig.header_canon)) return invalid("unsupported canonicalization c=" + std::string(text));
    if (slash != std::string_view::npos &&
        !parse_canon(text.substr(slash + 1), sig.body_canon)) {
      return invalid("unsupported canonicalization c=" + std::string(text));
    }
  }

  const Tag* d = required("d");
  if (d == nullptr) return invalid("missing required tag d=");
  auto domain = DomainName::parse(d->value);
  if (!domain) return invalid("invalid domain d=" + std::string(d->value));
  sig.domain = *domain;

  const Tag* h = required("h");
  if (h == nullptr) return invalid("missing required tag h=");
  bool has_from = false;
  for (std::string_view name : split(h->value, ':')) {
    name = trim(name);
    if (name.empty()) return invalid("empty header name in h=");
    has_from |= iequals(name, "from");
    sig.signed_headers.emplace_back(name);
  }
  if (!has_from) return invalid("h= does not include From (RFC 6376 §5.4)");

  if (const Tag* i = tags.find("i")) {
    auto decoded = decode_dqp(i->value);
    if (!decoded) return invalid("i= is not valid quoted-printable");
    sig.identity = std::move(*decoded);
    auto at = sig.identity.rfind('@');
    if (at == std::string::npos) return invalid("i= has no '@'");
    auto idom = DomainName::parse(std::string_view(sig.identity).substr(at + 1));
    if (!idom) return invalid("i= has an invalid domain");
    if (!idom->is_subdomain_of(sig.domain)) {
      return invalid("i= domain is not d= or a subdomain of it (RFC 6376 §3.5)");
    }
    sig.identity_domain = *idom;
  } else {
    sig.identity = "@" + sig.domain.str();
    sig.identity_domain = sig.domain;
  }

  if (const Tag* l = tags.find("l")) {
    unsigned long long len = 0;
    if (!parse_uint64(l->value, len)) return invalid("invalid body length l=");
    sig.body_length = len;
  }

  if (const Tag* q = tags.find("q")) {
    bool dns_txt = false;
    for (std::string_view method : split(q->value, ':')) {
      dns_txt |= iequals(trim(method), "dns/txt");
    }
    if (!dns_txt) return invalid("unsupported query method q=" + std::string(q->value));
  }

  const Tag* s = required("s");
  if (s == nullptr) return invalid("missing required tag s=");
  if (s->value.empty() || !DomainName::parse(s->value)) {
    return invalid("invalid selector s=" + std::string(s->value));
  }
  sig.selector = std::string(s->value);

  if (const Tag* t = tags.find("t")) {
    std::int64_t ts = 0;
    if (!parse_int(t->value, ts)) return invalid("invalid timestamp t=");
    sig.timestamp = ts;
  }
  if (const Tag* x = tags.find("x")) {
    std::int64_t xs = 0;
    if (!parse_int(x->value, xs)) return invalid("invalid expiration x=");
    sig.expiration = xs;
    if (sig.timestamp && xs < *sig.timestamp) return invalid("x= is before t= (RFC 6376 §3.5)");
  }
  return sig;
}

Result<KeyRecord> parse_key_record(std::string_view text) {
  auto parsed = parse_tag_list(text);
  if (!parsed) return std::unexpected(parsed.error());
  KeyRecord key;
  const auto& all = parsed->tags();
  if (const Tag* v = parsed->find("v")) {
    // §3.6.1: if present, v= must be the first tag and equal "DKIM1".
    if (&all.front() != v) return invalid("key record: v= is not the first tag");
    if (v->value != "DKIM1") return invalid("key record: unsupported version v=" + std::string(v->value));
  }
  if (const Tag* h = parsed->find("h")) {
    key.allows_sha1 = key.allows_sha256 = false;
    for (std::string_view alg : split(h->value, ':')) {
      alg = trim(alg);
      key.allows_sha1 |= iequals(alg, "sha1");
      key.allows_sha256 |= iequals(alg, "sha256");
    }
    if (!key.allows_sha1 && !key.allows_sha256) {
      return invalid("key record: h= lists no supported hash algorithm");
    }
  }
  if (const Tag* k = parsed->find("k")) {
    if (iequals(k->value, "rsa")) {
      key.type = KeyType::kRsa;
    } else if (iequals(k->value, "ed25519")) {
      key.type = KeyType::kEd25519;
    } else {
      return invalid("key record: unsupported key type k=" + std::string(k->value));
    }
  }
  if (const Tag* n = parsed->find("n")) key.notes = std::string(n->value);
  if (const Tag* s = parsed->find("s")) {
    bool email = false;
    for (std::string_view st : split(s->value, ':')) {
      st = trim(st);
      email |= (st == "*" || iequals(st, "email"));
    }
    if (!email) return invalid("key record: service type s= excludes email");
  }
  if (const Tag* t = parsed->find("t")) {
    for (std::string_view flag : split(t->value, ':')) {
      flag = trim(flag);
      key.testing |= (flag == "y");
      key.strict_identity |= (flag == "s");
    }
  }
  const Tag* p = parsed->find("p");
  if (p == nullptr) return invalid("key record: missing required tag p=");
  if (p->value.empty()) {
    key.revoked = true;
    return key;
  }
  auto bytes = decode_base64(p->value);
  if (!bytes) return invalid("key record: p= is not valid base64");
  key.public_key = std::move(*bytes);
  return key;
}

}  // namespace authguard::dkim
