// config.cc: reads authguard.toml with toml++ and checks every key.
//
// Each table is read through a TableReader that records which keys it
// consumed; whatever is left is an unknown key and an error. Type and range
// errors carry the line of the offending value.
#include "config/config.h"

#include <unistd.h>

#include <set>
#include <toml++/toml.h>

#include "core/strings.h"

namespace authguard {

namespace {

std::string where(std::string_view source, const toml::node& node) {
  return std::string(source) + ":" + std::to_string(node.source().begin.line);
}

class TableReader {
 public:
  TableReader(std::string_view source, const toml::table& table, std::string prefix)
      : source_(source), table_(table), prefix_(std::move(prefix)) {}

  template <class T>
  Result<void> read(std::string_view key, T& out) {
    used_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr) return {};
    if constexpr (std::is_same_v<T, bool>) {
      if (auto v = node->value_exact<bool>()) {
        out = *v;
        return {};
      }
      return bad(*node, key, "a boolean");
    } else if constexpr (std::is_integral_v<T>) {
      if (auto v = node->value_exact<std::int64_t>()) {
        if (*v < 0 || static_cast<unsigned long long>(*v) > std::numeric_limits<T>::max()) {
          return bad(*node, key, "a non-negative integer in range");
        }
        out = static_cast<T>(*v);
        return {};
      }
      return bad(*node, key, "an integer");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = node->value_exact<std::string>()) {
        out = *v;
        return {};
      }
      return bad(*node, key, "a string");
    } else {
      static_assert(std::is_same_v<T, std::vector<std::string>>);
      const toml::array* arr = node->as_array();
      if (arr == nullptr) return bad(*node, key, "an array of strings");
      out.clear();
      for (const auto& item : *arr) {
        auto v = item.value_exact<std::string>();
        if (!v) return bad(item, key, "an array of strings");
        out.push_back(*v);
      }
      return {};
    }
  }

  // A string that must be one of `allowed`.
  Result<void> read_choice(std::string_view key, std::string& out,
                           std::initializer_list<std::string_view> allowed) {
    if (auto r = read(key, out); !r) return r;
    for (auto a : allowed) {
      if (out == a) return {};
    }
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return bad(*table_.get(key), key, "one of: " + list);
  }

  // A nested table; missing is fine (defaults apply).
  Result<const toml::table*> table(std::string_view key) {
    used_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr) return nullptr;
    if (const toml::table* t = node->as_table()) return t;
    return std::unexpected(bad(*node, key, "a table").error());
  }

  // A nested array (of tables); missing is fine.
  Result<const toml::array*> array(std::string_view key) {
    used_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr) return nullptr;
    if (const toml::array* a = node->as_array()) return a;
    return std::unexpected(bad(*node, key, "an array").error());
  }

  void mark_used(std::string_view key) { used_.insert(std::string(key)); }

  // Errors on the first key nobody read.
  Result<void> finish() const {
    for (const auto& [key, node] : table_) {
      if (!used_.contains(std::string(key.str()))) {
        return fail(ErrorKind::kConfig, where(source_, node) + ": unknown key '" + prefix_ +
                                            std::string(key.str()) + "'");
      }
    }
    return {};
  }

  [[nodiscard]] std::string key_name(std::string_view key) const { return prefix_ + std::string(key); }
  [[nodiscard]] const toml::table& raw() const { return table_; }
  [[nodiscard]] std::string_view source() const { return source_; }

  Result<void> bad(const toml::node& node, std::string_view key, const std::string& expected) const {
    return fail(ErrorKind::kConfig, where(source_, node) + ": key '" + prefix_ + std::string(key) +
                                        "' must be " + expected);
  }

 private:
  std::string_view source_;
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> used_;
};

#define AG_TRY(expr)                                          \
  do {                                                        \
    if (auto _r = (expr); !_r) return std::unexpected(_r.error()); \
  } while (0)

Result<void> read_log(std::string_view source, const toml::table& t, LogConfig& log) {
  TableReader r(source, t, "log.");
  AG_TRY(r.read_choice("level", log.level, {"trace", "debug", "info", "warn", "error", "off"}));
  AG_TRY(r.read_choice("target", log.target, {"stderr", "syslog"}));
  return r.finish();
}

Result<void> read_dns(std::string_view source, const toml::table& t, DnsConfig& dns) {
  TableReader r(source, t, "dns.");
  std::string mode = "system";
  AG_TRY(r.read_choice("mode", mode, {"system", "forward", "recursive"}));
  dns.resolver.mode = mode == "forward"     ? dns::UnboundOptions::Mode::kForward
                      : mode == "recursive" ? dns::UnboundOptions::Mode::kRecursive
                                            : dns::UnboundOptions::Mode::kSystem;
  AG_TRY(r.read("forwarders", dns.resolver.forwarders));
  AG_TRY(r.read("dnssec", dns.resolver.dnssec));
  AG_TRY(r.read("trust_anchor", dns.resolver.trust_anchor_file));
  AG_TRY(r.read("timeout_ms", dns.resolver.timeout_ms));
  AG_TRY(r.read("cache_entries", dns.cache_entries));
  if (dns.resolver.mode == dns::UnboundOptions::Mode::kForward && dns.resolver.forwarders.empty()) {
    return fail(ErrorKind::kConfig, std::string(source) + ": key 'dns.forwarders' must list at "
                                                           "least one server when dns.mode = \"forward\"");
  }
  if (dns.resolver.timeout_ms == 0) {
    return r.bad(*t.get("timeout_ms"), "timeout_ms", "greater than 0");
  }
  return r.finish();
}

Result<void> read_limits(std::string_view source, const toml::table& t, MessageLimits& limits) {
  TableReader r(source, t, "limits.");
  AG_TRY(r.read("max_message_bytes", limits.max_message_bytes));
  AG_TRY(r.read("max_header_bytes", limits.max_header_bytes));
  AG_TRY(r.read("max_header_count", limits.max_header_count));
  AG_TRY(r.read("max_line_length", limits.max_line_length));
  return r.finish();
}

Result<void> read_dkim(std::string_view source, const toml::table& t, dkim::DkimPolicy& dkim) {
  TableReader r(source, t, "dkim.");
  AG_TRY(r.read("allow_body_length", dkim.allow_body_length));
  AG_TRY(r.read("accept_rsa_sha1", dkim.accept_rsa_sha1));
  AG_TRY(r.read("min_rsa_bits", dkim.min_rsa_bits));
  AG_TRY(r.read("max_rsa_bits", dkim.max_rsa_bits));
  AG_TRY(r.read("max_signatures", dkim.max_signatures));
  AG_TRY(r.read("clock_skew", dkim.clock_skew));
  AG_TRY(r.read("key_cache_entries", dkim.key_cache_entries));
  if (dkim.min_rsa_bits > dkim.max_rsa_bits) {
    const toml::node* node = t.get("min_rsa_bits");
    if (node == nullptr) node = t.get("max_rsa_bits");  // one of them was set
    return r.bad(*node, "min_rsa_bits", "at most max_rsa_bits");
  }
  return r.finish();
}

Result<void> read_dmarc(std::string_view source, const toml::table& t, dmarc::Mode& mode) {
  TableReader r(source, t, "dmarc.");
  std::string text = mode == dmarc::Mode::kRfc7489 ? "rfc7489" : "rfc9989";
  AG_TRY(r.read_choice("mode", text, {"rfc9989", "rfc7489"}));
  mode = text == "rfc7489" ? dmarc::Mode::kRfc7489 : dmarc::Mode::kRfc9989;
  return r.finish();
}

Result<void> read_spf(std::string_view source, const toml::table& t, spf::SpfOptions& spf) {
  TableReader r(source, t, "spf.");
  AG_TRY(r.read("max_dns_terms", spf.limits.max_dns_terms));
  AG_TRY(r.read("max_void_lookups", spf.limits.max_void_lookups));
  AG_TRY(r.read("max_mx_names", spf.limits.max_mx_names));
  AG_TRY(r.read("max_ptr_names", spf.limits.max_ptr_names));
  AG_TRY(r.read("max_elapsed_seconds", spf.limits.max_elapsed_seconds));
  AG_TRY(r.read("record_cache_entries", spf.record_cache_entries));
  return r.finish();
}

// [keys.publisher]: each key belongs to one publisher type; a key of another
// type is a mistake worth an error, not a silent no-op.
Result<void> read_keys_publisher(std::string_view source, const toml::table& t,
                                 keys::PublisherConfig& p) {
  TableReader r(source, t, "keys.publisher.");
  std::string type = "none";
  AG_TRY(r.read_choice("type", type, {"none", "zone-file", "rfc2136", "hook"}));
  AG_TRY(r.read("path", p.path));
  AG_TRY(r.read("reload_command", p.reload_command));
  AG_TRY(r.read("server", p.server));
  AG_TRY(r.read("zone", p.zone));
  AG_TRY(r.read("tsig_name", p.tsig_name));
  AG_TRY(r.read_choice("tsig_algorithm", p.tsig_algorithm,
                       {"hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1",
                        "hmac-md5"}));
  AG_TRY(r.read("tsig_secret_file", p.tsig_secret_file));
  AG_TRY(r.read("command", p.command));
  AG_TRY(r.read("timeout_seconds", p.timeout_seconds));
  AG_TRY(r.finish());
  using Type = keys::PublisherConfig::Type;
  p.type = type == "zone-file" ? Type::kZoneFile
           : type == "rfc2136" ? Type::kRfc2136
           : type == "hook"    ? Type::kHook
                               : Type::kNone;
  struct Owner {
    const char* key;
    const char* type;
  };
  static constexpr Owner kOwners[] = {
      {"path", "zone-file"},           {"reload_command", "zone-file"}, {"server", "rfc2136"},
      {"zone", "rfc2136"},             {"tsig_name", "rfc2136"},        {"tsig_algorithm", "rfc2136"},
      {"tsig_secret_file", "rfc2136"}, {"command", "hook"}};
  for (const auto& o : kOwners) {
    if (const toml::node* n = t.get(o.key); n != nullptr && type != o.type) {
      return r.bad(*n, o.key, std::string("used only with type = \"") + o.type + "\"");
    }
  }
  auto missing = [&](const char* key) {
    const toml::node* n = t.get("type");
    return r.bad(*n, "type", std::string("given keys.publisher.") + key + " too");
  };
  if (p.type == Type::kZoneFile && p.path.empty()) return missing("path");
  if (p.type == Type::kRfc2136 && p.server.empty()) return missing("server");
  if (p.type == Type::kRfc2136 && p.tsig_name.empty() != p.tsig_secret_file.empty()) {
    const toml::node* n = t.get("tsig_name");
    if (n == nullptr) n = t.get("tsig_secret_file");
    return r.bad(*n, n == t.get("tsig_name") ? "tsig_name" : "tsig_secret_file",
                 "given together with keys.publisher.tsig_name / tsig_secret_file");
  }
  if (p.type == Type::kHook && p.command.empty()) return missing("command");
  if (p.timeout_seconds == 0) return r.bad(*t.get("timeout_seconds"), "timeout_seconds", "at least 1");
  return {};
}

Result<void> read_keys(std::string_view source, const toml::table& t, keys::KeysConfig& k) {
  TableReader r(source, t, "keys.");
  AG_TRY(r.read("selectors", k.selectors));
  AG_TRY(r.read("ed25519_selectors", k.ed25519_selectors));
  AG_TRY(r.read("rotation_days", k.rotation_days));
  AG_TRY(r.read("propagation_delay_hours", k.propagation_delay_hours));
  AG_TRY(r.read("bits", k.bits));
  AG_TRY(r.read("ed25519", k.ed25519));
  AG_TRY(r.read("record_ttl", k.record_ttl));
  AG_TRY(r.read("cname_zone", k.cname_zone));
  AG_TRY(r.read("check_authoritative", k.check_authoritative));
  AG_TRY(r.read("authoritative_servers", k.authoritative_servers));
  AG_TRY(r.read("tick_seconds", k.tick_seconds));
  for (const char* key : {"selectors", "ed25519_selectors"}) {
    const auto& list = std::string_view(key) == "selectors" ? k.selectors : k.ed25519_selectors;
    const toml::node* n = t.get(key);
    if (n == nullptr) continue;
    if (list.size() != 2) return r.bad(*n, key, "two selector names");
    for (const auto& s : list) {
      if (auto c = keys::check_selector(s); !c) return r.bad(*n, key, "valid: " + c.error().message);
    }
  }
  std::set<std::string> names(k.selectors.begin(), k.selectors.end());
  names.insert(k.ed25519_selectors.begin(), k.ed25519_selectors.end());
  if (names.size() != 4) {
    const toml::node* n = t.get("selectors");
    if (n == nullptr) n = t.get("ed25519_selectors");
    return r.bad(*n, n == t.get("selectors") ? "selectors" : "ed25519_selectors",
                 "four different names across keys.selectors and keys.ed25519_selectors");
  }
  if (const toml::node* n = t.get("bits");
      n != nullptr && k.bits != 1024 && k.bits != 2048 && k.bits != 3072 && k.bits != 4096) {
    return r.bad(*n, "bits", "1024, 2048, 3072 or 4096");
  }
  if (const toml::node* n = t.get("rotation_days");
      n != nullptr && (k.rotation_days < 1 || k.rotation_days > 3650)) {
    return r.bad(*n, "rotation_days", "between 1 and 3650");
  }
  if (const toml::node* n = t.get("propagation_delay_hours");
      n != nullptr && k.propagation_delay_hours > 8760) {
    return r.bad(*n, "propagation_delay_hours", "at most 8760 (a year)");
  }
  if (const toml::node* n = t.get("record_ttl");
      n != nullptr && (k.record_ttl < 1 || k.record_ttl > 604800)) {
    return r.bad(*n, "record_ttl", "between 1 and 604800");
  }
  if (const toml::node* n = t.get("cname_zone"); n != nullptr && !k.cname_zone.empty() &&
                                                  !DomainName::parse(k.cname_zone)) {
    return r.bad(*n, "cname_zone", "a domain name");
  }
  auto publisher = r.table("publisher");
  if (!publisher) return std::unexpected(publisher.error());
  if (*publisher) AG_TRY(read_keys_publisher(source, **publisher, k.publisher));
  return r.finish();
}

// A list of domain names; a bad one names its line.
Result<void> read_domains(TableReader& r, std::string_view key, std::vector<DomainName>& out) {
  std::vector<std::string> texts;
  AG_TRY(r.read(key, texts));
  out.clear();
  for (const auto& t : texts) {
    auto d = DomainName::parse(t);
    if (!d) return r.bad(*r.raw().get(key), key, "a list of domain names ('" + t + "' is not one)");
    out.push_back(*d);
  }
  return {};
}

Result<void> read_compauth(std::string_view source, const toml::table& t, CompAuthConfig& c) {
  TableReader r(source, t, "compauth.");
  AG_TRY(r.read("override", c.options.override));
  AG_TRY(r.read("min_messages", c.options.min_messages));
  AG_TRY(r.read("min_days", c.options.min_days));
  AG_TRY(r.read("window_days", c.options.window_days));
  AG_TRY(read_domains(r, "allow", c.allow));
  AG_TRY(read_domains(r, "block", c.block));
  return r.finish();
}

Result<void> read_quarantine(std::string_view source, const toml::table& t, QuarantineConfig& q) {
  TableReader r(source, t, "quarantine.");
  AG_TRY(r.read("retention_days", q.retention_days));
  if (q.retention_days <= 0) {
    return std::unexpected(r.bad(*t.get("retention_days"), "retention_days", "at least 1").error());
  }
  AG_TRY(r.read("max_database_mb", q.max_database_mb));
  AG_TRY(r.read("relay", q.relay.url));
  AG_TRY(r.read_choice("relay_tls", q.relay.tls, {"none", "starttls"}));
  AG_TRY(r.read("relay_timeout_seconds", q.relay.timeout_seconds));
  AG_TRY(r.read("relay_helo", q.relay.helo));
  if (auto v = quarantine::validate_relay(q.relay); !v) {
    const toml::node* at = t.get("relay") != nullptr ? t.get("relay") : t.get("relay_timeout_seconds");
    std::string line = at != nullptr ? where(source, *at) : std::string(source);
    return fail(ErrorKind::kConfig, line + ": [quarantine] " + v.error().message);
  }
  AG_TRY(r.read("marker_max_age_seconds", q.marker_max_age_seconds));
  AG_TRY(r.read("report_to", q.report_to));
  AG_TRY(r.read("report_dir", q.report_dir));
  AG_TRY(r.read("notify_from", q.notify_from));
  AG_TRY(r.read("release_address", q.release_address));
  for (auto [key, value] : {std::pair{"report_to", &q.report_to}, std::pair{"notify_from", &q.notify_from},
                            std::pair{"release_address", &q.release_address}}) {
    if (!value->empty() && !is_mail_address(*value)) {
      return fail(ErrorKind::kConfig, where(source, *t.get(key)) + ": [quarantine] " + key +
                                          " is not a mail address: " + *value);
    }
  }
  return r.finish();
}

// A string or an array of strings.
Result<void> read_strings(TableReader& r, std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = r.raw().get(key);
  if (node != nullptr && node->is_string()) {
    std::string one;
    AG_TRY(r.read(key, one));
    out = {one};
    return {};
  }
  return r.read(key, out);
}

// CIDR ranges ("192.0.2.0/24", "2001:db8::/32", or one address) read from
// `list`, the value of `key`.
Result<void> read_networks(TableReader& r, std::string_view key, const std::vector<std::string>& list,
                           std::vector<std::pair<IpAddress, unsigned>>& out) {
  for (const auto& cidr : list) {
    auto slash = cidr.find('/');
    auto ip = IpAddress::parse(std::string_view(cidr).substr(0, slash));
    unsigned long long prefix = ip ? ip->max_prefix() : 0;
    if (!ip || (slash != std::string::npos &&
                (!parse_uint64(std::string_view(cidr).substr(slash + 1), prefix) || prefix > ip->max_prefix()))) {
      return std::unexpected(r.bad(*r.raw().get(key), key, "CIDR ranges ('" + cidr + "' is not one)").error());
    }
    out.emplace_back(*ip, static_cast<unsigned>(prefix));
  }
  return {};
}


Result<policy::Condition> read_condition(std::string_view source, const toml::node& node,
                                         const std::string& where_key) {
  using K = policy::Condition::Kind;
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    return fail(ErrorKind::kConfig, where(source, node) + ": key '" + where_key + "' must hold tables");
  }
  TableReader r(source, *t, where_key + ".");
  policy::Condition c;
  policy::RuleLimits limits;
  std::vector<std::string> list;
  auto kinds = 0;
  auto pattern = [&](std::string_view key) -> Result<void> {
    std::string text;
    AG_TRY(r.read(key, text));
    std::string error;
    c.pattern = policy::compile_pattern(text, limits, error);
    if (!c.pattern) return std::unexpected(r.bad(*t->get(key), key, "an RE2 pattern (" + error + ")").error());
    return {};
  };
  if (t->contains("header")) {
    AG_TRY(r.read("header", c.header));
    if (t->contains("matches")) {
      ++kinds;
      c.kind = K::kHeaderMatches;
      AG_TRY(pattern("matches"));
      c.text = c.header + " matches " + t->get("matches")->value_or(std::string());
    }
    if (t->contains("contains")) {
      ++kinds;
      c.kind = K::kHeaderContains;
      AG_TRY(read_strings(r, "contains", c.words));
      for (auto& w : c.words) w = to_lower(w);
      c.text = c.header + " contains a listed word";
    }
    if (kinds != 1) {
      return fail(ErrorKind::kConfig, where(source, node) + ": '" + where_key +
                                          "' with header needs exactly one of matches, contains");
    }
  }
  auto results = [&](std::string_view key, K kind) -> Result<void> {
    if (!t->contains(key)) return {};
    ++kinds;
    c.kind = kind;
    AG_TRY(read_strings(r, key, c.words));
    for (auto& w : c.words) w = to_lower(w);
    c.text = std::string(key) + " " + (c.words.empty() ? "" : c.words.front());
    return {};
  };
  AG_TRY(results("spf_is", K::kSpfIs));
  AG_TRY(results("dkim_is", K::kDkimIs));
  AG_TRY(results("dmarc_is", K::kDmarcIs));
  AG_TRY(results("compauth_is", K::kCompauthIs));
  AG_TRY(results("dmarc_action_is", K::kDmarcActionIs));
  for (auto [key, kind] : {std::pair{std::string_view("from_domain_is"), K::kFromDomainIs},
                           std::pair{std::string_view("recipient_domain_is"), K::kRecipientDomainIs}}) {
    if (!t->contains(key)) continue;
    ++kinds;
    c.kind = kind;
    AG_TRY(read_strings(r, key, list));
    for (const auto& d : list) {
      auto parsed = DomainName::parse(d);
      if (!parsed) return std::unexpected(r.bad(*t->get(key), key, "domain names ('" + d + "' is not one)").error());
      c.domains.push_back(*parsed);
    }
    c.text = std::string(key) + " " + (list.empty() ? "" : list.front());
  }
  if (t->contains("from_address_matches")) {
    ++kinds;
    c.kind = K::kFromAddressMatches;
    AG_TRY(pattern("from_address_matches"));
    c.text = "from address matches " + t->get("from_address_matches")->value_or(std::string());
  }
  if (t->contains("sender_ip_in")) {
    ++kinds;
    c.kind = K::kSenderIpIn;
    AG_TRY(read_strings(r, "sender_ip_in", list));
    AG_TRY(read_networks(r, "sender_ip_in", list, c.networks));
    c.text = "sender IP in " + (list.empty() ? std::string() : list.front());
  }
  if (t->contains("size_over")) {
    ++kinds;
    c.kind = K::kSizeOver;
    AG_TRY(r.read("size_over", c.size));
    c.text = "size over " + std::to_string(c.size);
  }
  if (t->contains("is_accepted_spoof")) {
    ++kinds;
    c.kind = K::kIsAcceptedSpoof;
    AG_TRY(r.read("is_accepted_spoof", c.flag));
    c.text = c.flag ? "spoof of an accepted domain" : "not a spoof of an accepted domain";
  }
  if (kinds != 1) {
    return fail(ErrorKind::kConfig, where(source, node) + ": each '" + where_key +
                                        "' entry needs exactly one condition");
  }
  AG_TRY(r.finish());
  return c;
}

Result<policy::Action> read_action(std::string_view source, const toml::node& node) {
  using K = policy::Action::Kind;
  const toml::table* t = node.as_table();
  if (t == nullptr || t->size() != 1) {
    return fail(ErrorKind::kConfig, where(source, node) + ": each action is a table with one key");
  }
  TableReader r(source, *t, "rules.actions.");
  policy::Action a;
  auto entry = *t->begin();  // a proxy holding references into *t
  std::string key(entry.first.str());
  const toml::node& value = entry.second;
  if (key == "quarantine") {
    a.kind = K::kQuarantine;
    AG_TRY(r.read_choice("quarantine", a.name, {"admin-only", "user-release"}));
  } else if (key == "reject") {
    a.kind = K::kReject;
    a.value = "Message rejected by policy";
    if (value.is_string()) {
      AG_TRY(r.read("reject", a.value));
    } else if (const toml::table* rt = value.as_table()) {
      TableReader rr(source, *rt, "rules.actions.reject.");
      AG_TRY(rr.read("code", a.code));
      AG_TRY(rr.read("text", a.value));
      AG_TRY(rr.finish());
      if (a.code < 500 || a.code > 599) return std::unexpected(rr.bad(*rt->get("code"), "code", "a 5xx SMTP code").error());
    } else {
      return std::unexpected(r.bad(value, "reject", "a text or { code, text }").error());
    }
  } else if (key == "junk") {
    a.kind = K::kJunk;
    bool on = true;
    AG_TRY(r.read("junk", on));
    if (!on) return std::unexpected(r.bad(value, "junk", "true").error());
  } else if (key == "add_header") {
    a.kind = K::kAddHeader;
    const toml::table* ht = value.as_table();
    if (ht == nullptr) return std::unexpected(r.bad(value, "add_header", "{ name, value }").error());
    TableReader hr(source, *ht, "rules.actions.add_header.");
    AG_TRY(hr.read("name", a.name));
    AG_TRY(hr.read("value", a.value));
    AG_TRY(hr.finish());
  } else if (key == "remove_header") {
    a.kind = K::kRemoveHeader;
    AG_TRY(r.read("remove_header", a.name));
  } else if (key == "prepend_subject") {
    a.kind = K::kPrependSubject;
    AG_TRY(r.read("prepend_subject", a.value));
  } else if (key == "redirect") {
    a.kind = K::kRedirect;
    AG_TRY(r.read("redirect", a.value));
  } else if (key == "stop") {
    a.kind = K::kStop;
    bool on = true;
    AG_TRY(r.read("stop", on));
  } else {
    return fail(ErrorKind::kConfig, where(source, value) + ": unknown action '" + key + "'");
  }
  return a;
}

Result<void> read_rules(std::string_view source, const toml::node& node, std::vector<policy::Rule>& out) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr) return fail(ErrorKind::kConfig, where(source, node) + ": 'rules' must be [[rules]] tables");
  policy::RuleLimits limits;
  if (arr->size() > limits.max_rules) {
    return fail(ErrorKind::kConfig, where(source, node) + ": more than max_rules=" +
                                        std::to_string(limits.max_rules) + " rules");
  }
  for (const auto& item : *arr) {
    const toml::table* t = item.as_table();
    if (t == nullptr) return fail(ErrorKind::kConfig, where(source, item) + ": each rule is a table");
    TableReader r(source, *t, "rules.");
    policy::Rule rule;
    AG_TRY(r.read("name", rule.name));
    if (rule.name.empty()) return fail(ErrorKind::kConfig, where(source, item) + ": a rule needs a name");
    AG_TRY(r.read("priority", rule.priority));
    std::string mode = "enforce";
    AG_TRY(r.read_choice("mode", mode, {"enforce", "audit"}));
    rule.enforce = mode == "enforce";
    for (auto [key, target] : {std::pair{std::string_view("conditions"), &rule.conditions},
                               std::pair{std::string_view("exceptions"), &rule.exceptions}}) {
      auto list = r.array(key);
      if (!list) return std::unexpected(list.error());
      if (*list == nullptr) continue;
      for (const auto& c : **list) {
        auto cond = read_condition(source, c, "rules." + std::string(key));
        if (!cond) return std::unexpected(cond.error());
        target->push_back(std::move(*cond));
      }
    }
    if (rule.conditions.empty()) {
      return fail(ErrorKind::kConfig, where(source, item) + ": rule '" + rule.name + "' has no conditions");
    }
    auto actions = r.array("actions");
    if (!actions) return std::unexpected(actions.error());
    if (*actions != nullptr) {
      for (const auto& a : **actions) {
        auto act = read_action(source, a);
        if (!act) return std::unexpected(act.error());
        rule.actions.push_back(std::move(*act));
      }
    }
    AG_TRY(r.finish());
    for (const auto& other : out) {
      if (other.name == rule.name) {
        return fail(ErrorKind::kConfig, where(source, item) + ": two rules are named '" + rule.name + "'");
      }
    }
    out.push_back(std::move(rule));
  }
  return {};
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

// The hardened profile's rules (examples/authguard.toml, whose [[rules]] a
// test keeps equal to these): what applies when a configuration names none.
constexpr std::string_view kDefaultRules = R"toml(
[[rules]]
name = "quarantine-dmarc-oreject"
priority = 1
mode = "enforce"
conditions = [{ header = "Authentication-Results", matches = "dmarc=fail action=oreject" }]
exceptions = []
actions = [{ quarantine = "admin-only" }]

[[rules]]
name = "junk-accepted-domain-spoof"
priority = 2
mode = "enforce"
conditions = [{ is_accepted_spoof = true }]
actions = [{ junk = true }]
)toml";

std::vector<policy::Rule> default_rules() {
  std::vector<policy::Rule> rules;
  try {
    toml::table t = toml::parse(kDefaultRules, std::string_view("<default rules>"));
    if (const toml::node* node = t.get("rules")) {
      if (!read_rules("<default rules>", *node, rules)) rules.clear();
    }
  } catch (const toml::parse_error&) {
    rules.clear();  // not reached: the text is ours, and a test parses it
  }
  return rules;
}

}  // namespace

Config default_config() {
  Config c;
  c.authserv_id = host_name();
  c.rules = default_rules();
  return c;
}

Result<Config> parse_config(std::string_view text, std::string_view source_name) {
  Config cfg = default_config();
  cfg.source = std::string(source_name);
  // Debian's toml++ is a shared library built with exceptions: parse errors
  // are thrown, and caught here so that none leaves this function.
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& err) {
    return fail(ErrorKind::kConfig, std::string(source_name) + ":" +
                                        std::to_string(err.source().begin.line) + ": " +
                                        std::string(err.description()));
  }
  TableReader r(source_name, root, "");
  AG_TRY(r.read("authserv_id", cfg.authserv_id));
  if (cfg.authserv_id.empty()) {
    return std::unexpected(r.bad(*root.get("authserv_id"), "authserv_id", "non-empty").error());
  }
  AG_TRY(read_domains(r, "accepted_domains", cfg.accepted_domains));
  auto log = r.table("log");
  if (!log) return std::unexpected(log.error());
  if (*log) AG_TRY(read_log(source_name, **log, cfg.log));
  auto dns = r.table("dns");
  if (!dns) return std::unexpected(dns.error());
  if (*dns) AG_TRY(read_dns(source_name, **dns, cfg.dns));
  auto limits = r.table("limits");
  if (!limits) return std::unexpected(limits.error());
  if (*limits) AG_TRY(read_limits(source_name, **limits, cfg.message_limits));
  auto dkim = r.table("dkim");
  if (!dkim) return std::unexpected(dkim.error());
  if (*dkim) AG_TRY(read_dkim(source_name, **dkim, cfg.dkim));
  r.mark_used("rules");
  // Rules named in the file replace the default ones; `rules = []` means none.
  if (const toml::node* rules = root.get("rules")) {
    cfg.rules.clear();
    AG_TRY(read_rules(source_name, *rules, cfg.rules));
  }
  auto compauth = r.table("compauth");
  if (!compauth) return std::unexpected(compauth.error());
  if (*compauth) AG_TRY(read_compauth(source_name, **compauth, cfg.compauth));
  auto dmarc = r.table("dmarc");
  if (!dmarc) return std::unexpected(dmarc.error());
  if (*dmarc) AG_TRY(read_dmarc(source_name, **dmarc, cfg.dmarc_mode));
  auto spf = r.table("spf");
  if (!spf) return std::unexpected(spf.error());
  if (*spf) AG_TRY(read_spf(source_name, **spf, cfg.spf));
  auto keys = r.table("keys");
  if (!keys) return std::unexpected(keys.error());
  if (*keys) AG_TRY(read_keys(source_name, **keys, cfg.keys));
  auto held = r.table("quarantine");
  if (!held) return std::unexpected(held.error());
  if (*held) AG_TRY(read_quarantine(source_name, **held, cfg.quarantine));
  auto milter = r.table("milter");
  if (!milter) return std::unexpected(milter.error());
  if (*milter) {
    TableReader mr(source_name, **milter, "milter.");
    AG_TRY(mr.read("socket", cfg.milter.socket));
    AG_TRY(mr.read("timeout_seconds", cfg.milter.timeout_seconds));
    AG_TRY(mr.read("max_sessions", cfg.milter.max_sessions));
    if (cfg.milter.max_sessions < 1) {
      return std::unexpected(mr.bad(*(*milter)->get("max_sessions"), "max_sessions", "at least 1").error());
    }
    std::vector<std::string> internal;
    AG_TRY(mr.read("internal_networks", internal));
    AG_TRY(read_networks(mr, "internal_networks", internal, cfg.milter.internal_networks));
    const std::string& sock = cfg.milter.socket;
    if (!(sock.starts_with("unix:/") || sock.starts_with("local:/") || sock.starts_with("inet:") ||
          sock.starts_with("inet6:"))) {
      return std::unexpected(mr.bad(*(*milter)->get("socket"), "socket",
                                    "unix:/PATH, inet:PORT@HOST or inet6:PORT@HOST").error());
    }
    if (cfg.milter.timeout_seconds < 1) {
      return std::unexpected(mr.bad(*(*milter)->get("timeout_seconds"), "timeout_seconds", "at least 1").error());
    }
    AG_TRY(mr.finish());
  }
  AG_TRY(r.read("junk_header", cfg.junk_header));
  if (auto colon = cfg.junk_header.find(':'); colon == std::string::npos || colon == 0 ||
                                               cfg.junk_header.find_first_of("\r\n") != std::string::npos) {
    return std::unexpected(
        r.bad(*root.get("junk_header"), "junk_header", "one header field, \"Name: value\"").error());
  }
  AG_TRY(r.finish());
  return cfg;
}

Result<Config> load_config(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return fail(ErrorKind::kConfig, "cannot open config file " + path);
  std::string text;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return parse_config(text, path);
}

}  // namespace authguard
