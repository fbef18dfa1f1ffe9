// verify.cc: DKIM verification, one signature at a time (RFC 6376 §6.1).
#include "dkim/verify.h"

#include <map>
#include <optional>
#include <tuple>

#include "core/secure.h"
#include "core/strings.h"
#include "dkim/canon.h"
#include "dkim/crypto.h"
#include "dns/cache.h"

namespace authguard::dkim {

const char* result_name(DkimResult r) noexcept {
  switch (r) {
    case DkimResult::kNone: return "none";
    case DkimResult::kPass: return "pass";
    case DkimResult::kFail: return "fail";
    case DkimResult::kPolicy: return "policy";
    case DkimResult::kNeutral: return "neutral";
    case DkimResult::kTempError: return "temperror";
    case DkimResult::kPermError: return "permerror";
  }
  return "none";
}

namespace {

// A key record fetched and decoded, or why not.
struct KeyLookup {
  DkimResult error = DkimResult::kNone;  // kNone: key is usable
  std::string reason;
  KeyRecord record;
  std::optional<PublicKey> key;
};

KeyLookup parse_key_answer(const dns::DnsResult<dns::RRset>& answer) {
  KeyLookup out;
  if (!answer) {
    if (answer.error().temporary()) {
      out.error = DkimResult::kTempError;
      out.reason = "key lookup failed temporarily: " + answer.error().reason;
    } else {
      out.error = DkimResult::kPermError;
      out.reason = "no key record (" + std::string(dns::dns_status_name(answer.error().status)) + ")";
    }
    return out;
  }
  auto txt = dns::decode_txt(*answer);
  if (!txt || txt->records.empty()) {
    out.error = DkimResult::kPermError;
    out.reason = "malformed key record";
    return out;
  }
  // RFC 6376 §3.6.2.2: the strings of a record are joined. With several
  // records, the first that parses is used.
  std::string first_error;
  for (const auto& rec : txt->records) {
    auto parsed = parse_key_record(rec.joined());
    if (!parsed) {
      if (first_error.empty()) first_error = parsed.error().message;
      continue;
    }
    out.record = std::move(*parsed);
    if (out.record.revoked) {
      out.error = DkimResult::kPermError;
      out.reason = "key revoked (empty p=)";
      return out;
    }
    auto key = PublicKey::decode(out.record.type, out.record.public_key);
    if (!key) {
      out.error = DkimResult::kPermError;
      out.reason = "invalid public key: " + key.error().message;
      return out;
    }
    out.key = std::move(*key);
    return out;
  }
  out.error = DkimResult::kPermError;
  out.reason = "invalid key record: " + first_error;
  return out;
}

// Reads d=, s= and a= from a signature that did not parse, for the report.
void describe_unparsable(std::string_view value, SignatureVerdict& v) {
  TagLimits lenient;
  auto tags = parse_tag_list(value, lenient);
  if (!tags) return;
  if (const Tag* d = tags->find("d")) v.domain = std::string(d->value);
  if (const Tag* s = tags->find("s")) v.selector = std::string(s->value);
  if (const Tag* a = tags->find("a")) v.algorithm = std::string(a->value);
}

struct BodyKey {
  Canon canon;
  HashAlg hash;
  std::optional<std::uint64_t> length;
  auto operator<=>(const BodyKey&) const = default;
};

struct BodyResult {
  std::string digest;
  std::uint64_t total = 0;
};

}  // namespace

struct Verifier::KeyCache {
  KeyCache(const Clock& clock, std::size_t capacity) : cache(clock, capacity) {}
  dns::ParsedCache<KeyLookup> cache;
};

Verifier::Verifier(dns::Resolver& resolver, const Clock& clock, DkimPolicy policy)
    : resolver_(resolver),
      clock_(clock),
      policy_(std::move(policy)),
      keys_(std::make_unique<KeyCache>(clock, policy_.key_cache_entries)) {}

Verifier::~Verifier() = default;

std::vector<SignatureVerdict> Verifier::verify(const Message& message) const {
  std::vector<SignatureVerdict> out;
  std::map<BodyKey, BodyResult> bodies;
  auto body_hash = [&](const BodyKey& key) -> const BodyResult& {
    auto it = bodies.find(key);
    if (it != bodies.end()) return it->second;
    BodyHash sink(key.hash, key.length);
    BodyCanonicalizer canon(key.canon, sink);
    canon.update(message.body());
    canon.finish();
    return bodies.emplace(key, BodyResult{sink.digest(), sink.total_length()}).first->second;
  };
  const auto& headers = message.headers();
  const UnixTime now = clock_.now();

  for (std::size_t index = 0; index < headers.size(); ++index) {
    const HeaderField& field = headers[index];
    if (!field.has_name("DKIM-Signature")) continue;
    SignatureVerdict v;
    v.field_index = index;
    auto done = [&](DkimResult r, std::string reason) {
      v.result = r;
      v.reason = std::move(reason);
      out.push_back(std::move(v));
    };
    if (out.size() >= policy_.max_signatures) {
      describe_unparsable(field.value, v);
      done(DkimResult::kNeutral,
           "not checked: more than max_signatures=" + std::to_string(policy_.max_signatures));
      continue;
    }
    auto parsed = parse_signature(field.value, policy_.tag_limits);
    if (!parsed) {
      describe_unparsable(field.value, v);
      done(DkimResult::kPermError, parsed.error().message);
      continue;
    }
    const Signature& sig = *parsed;
    v.domain = sig.domain.str();
    v.selector = sig.selector;
    v.algorithm = algorithm_name(sig.algorithm);
    v.identity = sig.identity;
    v.b_prefix = sig.b_text.substr(0, 8);

    if (sig.algorithm == Algorithm::kRsaSha1 && !policy_.accept_rsa_sha1) {
      done(DkimResult::kFail, "rsa-sha1 signatures are not valid (RFC 8301 §3.1)");
      continue;
    }
    if (sig.expiration && now > *sig.expiration) {
      done(DkimResult::kPermError, "signature expired (x=)");
      continue;
    }
    if (sig.timestamp && *sig.timestamp > now + policy_.clock_skew) {
      done(DkimResult::kPermError, "signature timestamp t= is in the future");
      continue;
    }

    // The key: DNS answers and decoded keys are shared through the cache.
    std::string key_name = sig.selector + "._domainkey." + sig.domain.str();
    auto lookup = keys_->cache.get_or_parse(resolver_, key_name, dns::RecordType::kTxt,
                                            parse_key_answer);
    if (lookup->error != DkimResult::kNone) {
      done(lookup->error, lookup->reason);
      continue;
    }
    const KeyRecord& rec = lookup->record;
    const PublicKey& key = *lookup->key;
    v.key_testing = rec.testing;
    v.key_bits = key.bits();
    if (key.type() != key_type_of(sig.algorithm)) {
      done(DkimResult::kPermError, "key type k= does not match a=");
      continue;
    }
    HashAlg hash = hash_of(sig.algorithm);
    if ((hash == HashAlg::kSha1 && !rec.allows_sha1) ||
        (hash == HashAlg::kSha256 && !rec.allows_sha256)) {
      done(DkimResult::kPermError, "key record h= does not allow the signature's hash");
      continue;
    }
    if (rec.strict_identity && !(sig.identity_domain == sig.domain)) {
      done(DkimResult::kPermError, "key has t=s but i= is a subdomain of d=");
      continue;
    }
    if (key.type() == KeyType::kRsa && key.bits() < policy_.min_rsa_bits) {
      done(DkimResult::kPermError, "RSA key of " + std::to_string(key.bits()) +
                                       " bits is under " + std::to_string(policy_.min_rsa_bits) +
                                       " (RFC 8301 §3.2)");
      continue;
    }
    if (key.type() == KeyType::kRsa && key.bits() > policy_.max_rsa_bits) {
      done(DkimResult::kPermError, "RSA key of " + std::to_string(key.bits()) +
                                       " bits is over max_rsa_bits=" +
                                       std::to_string(policy_.max_rsa_bits));
      continue;
    }

    // Body hash (§6.1.3 step 1-3).
    const BodyResult& body = body_hash(BodyKey{sig.body_canon, hash, sig.body_length});
    if (sig.body_length && *sig.body_length > body.total) {
      done(DkimResult::kPermError, "l= is longer than the canonicalized body");
      continue;
    }
    v.body_length_limited = sig.body_length && *sig.body_length < body.total;
    if (!constant_time_equal(body.digest, sig.bh)) {
      done(DkimResult::kFail, "body hash did not verify");
      continue;
    }

    // Header hash (§5.4.2: fields taken from the bottom up; a name listed
    // more often than present contributes nothing).
    std::string data;
    data.reserve(1024);
    std::map<std::string, std::size_t> used;  // lower-case name -> taken so far
    for (const auto& name : sig.signed_headers) {
      std::string lower = to_lower(name);
      std::size_t skip = used[lower]++;
      const HeaderField* pick = nullptr;
      for (std::size_t k = headers.size(); k-- > 0;) {
        if (headers[k].has_name(name)) {
          if (skip == 0) {
            pick = &headers[k];
            break;
          }
          --skip;
        }
      }
      if (pick != nullptr) canonicalize_header(sig.header_canon, *pick, data);
    }
    // The signature field itself, b= emptied, without the final CRLF.
    std::string stripped_value(field.value.substr(0, sig.b_value_begin));
    stripped_value += field.value.substr(sig.b_value_end);
    if (sig.header_canon == Canon::kSimple) {
      std::size_t value_offset = static_cast<std::size_t>(field.value.data() - field.raw.data());
      append_simple(field.raw.substr(0, value_offset), data);
      append_simple(stripped_value, data);
    } else {
      canonicalize_header_value(Canon::kRelaxed, field.name, stripped_value, data);
    }
    Hasher hasher(hash);
    hasher.update(data);
    std::string digest = hasher.finish();
    if (!key.verify(hash, digest, sig.b)) {
      done(DkimResult::kFail, "signature did not verify");
      continue;
    }
    if (sig.body_length && !policy_.allow_body_length) {
      done(DkimResult::kPolicy, "valid, but l= signatures are not accepted by local policy");
      continue;
    }
    done(DkimResult::kPass, v.body_length_limited ? "valid; l= leaves part of the body unsigned"
                                                  : "valid signature");
  }
  return out;
}

}  // namespace authguard::dkim
