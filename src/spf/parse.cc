// parse.cc: SPF record parsing. Every term is checked against the ABNF of
// RFC 7208 §12 before evaluation starts; nothing here touches DNS.
#include "spf/parse.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "core/strings.h"
#include "spf/macro.h"

namespace authguard::spf {

namespace {

constexpr std::string_view kVersion = "v=spf1";

std::unexpected<Error> syntax(std::string what, std::string_view term) {
  return fail(ErrorKind::kInvalidInput, what + ": '" + std::string(term) + "'");
}

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
bool is_modifier_name(std::string_view name) noexcept {
  if (name.empty() || !is_alpha(name.front())) return false;
  for (char c : name) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool mechanism_kind(std::string_view name, MechanismKind& out) noexcept {
  struct Entry {
    std::string_view name;
    MechanismKind kind;
  };
  static constexpr Entry kNames[] = {
      {"all", MechanismKind::kAll},     {"include", MechanismKind::kInclude},
      {"a", MechanismKind::kA},         {"mx", MechanismKind::kMx},
      {"ptr", MechanismKind::kPtr},     {"ip4", MechanismKind::kIp4},
      {"ip6", MechanismKind::kIp6},     {"exists", MechanismKind::kExists},
  };
  for (const Entry& e : kNames) {
    if (iequals(name, e.name)) {
      out = e.kind;
      return true;
    }
  }
  return false;
}

// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT); the same shape, up to 128,
// for ip6. Leading zeros are refused, as the suite's cidr4-032 case asks.
bool parse_cidr(std::string_view digits, unsigned max, unsigned& out) noexcept {
  if (digits.empty() || digits.size() > 3) return false;
  if (digits.size() > 1 && digits.front() == '0') return false;
  unsigned v = 0;
  for (char c : digits) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

// Removes a trailing run of "/" 1*DIGIT (slashes slashes deep) from s.
bool take_cidr_suffix(std::string_view& s, std::size_t slashes, std::string_view& digits) {
  std::size_t j = s.size();
  while (j > 0 && is_digit(s[j - 1])) --j;
  if (j == s.size() || j < slashes) return false;
  for (std::size_t k = 1; k <= slashes; ++k) {
    if (s[j - k] != '/') return false;
  }
  digits = s.substr(j);
  s = s.substr(0, j - slashes);
  return true;
}

// ip4-network = qnum "." qnum "." qnum "." qnum, qnum = 0..255 without
// leading zeros (§5.6: omitted octets are not shorthand).
bool parse_ip4_network(std::string_view text, IpAddress& out) noexcept {
  std::array<std::uint8_t, 4> bytes{};
  std::size_t part = 0;
  std::size_t i = 0;
  while (part < 4) {
    std::size_t start = i;
    unsigned v = 0;
    while (i < text.size() && is_digit(text[i]) && i - start < 3) {
      v = v * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    std::size_t len = i - start;
    if (len == 0 || v > 255 || (len > 1 && text[start] == '0')) return false;
    bytes[part++] = static_cast<std::uint8_t>(v);
    if (part < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      ++i;
    }
  }
  if (i != text.size()) return false;
  out = IpAddress::v4(bytes);
  return true;
}

bool parse_ip6_network(std::string_view text, IpAddress& out, bool& mapped) noexcept {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(AF_INET6, buf, bytes.data()) != 1) return false;
  out = IpAddress::v6(bytes);  // normalises ::ffff:a.b.c.d to IPv4
  mapped = out.is_v4();
  return true;
}

Result<void> parse_mechanism(std::string_view term, Qualifier qualifier, SpfRecord& record) {
  std::size_t name_end = term.find_first_of(":/");
  if (name_end == std::string_view::npos) name_end = term.size();
  std::string_view name = term.substr(0, name_end);
  std::string_view rest = term.substr(name_end);
  Directive d;
  d.qualifier = qualifier;
  d.text = std::string(term);
  if (!mechanism_kind(name, d.kind)) return syntax("unknown mechanism", term);

  auto domain_spec = [&](std::string_view after_colon) -> Result<void> {
    auto spec = parse_domain_spec(after_colon);
    if (!spec) return syntax("bad domain-spec (" + spec.error().message + ")", term);
    d.domain = std::move(*spec);
    return {};
  };

  switch (d.kind) {
    case MechanismKind::kAll:
      if (!rest.empty()) return syntax("'all' takes no argument", term);
      record.has_all = true;
      break;
    case MechanismKind::kInclude:
    case MechanismKind::kExists:
      if (rest.empty() || rest.front() != ':') return syntax("domain-spec required", term);
      if (auto r = domain_spec(rest.substr(1)); !r) return r;
      break;
    case MechanismKind::kPtr:
      if (!rest.empty()) {
        if (rest.front() != ':') return syntax("'ptr' takes no CIDR length", term);
        if (auto r = domain_spec(rest.substr(1)); !r) return r;
      }
      break;
    case MechanismKind::kA:
    case MechanismKind::kMx: {
      // dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ], at the end.
      std::string_view digits;
      if (take_cidr_suffix(rest, 2, digits) && !parse_cidr(digits, 128, d.cidr6)) {
        return syntax("bad IPv6 CIDR length", term);
      }
      if (take_cidr_suffix(rest, 1, digits) && !parse_cidr(digits, 32, d.cidr4)) {
        return syntax("bad IPv4 CIDR length", term);
      }
      if (!rest.empty()) {
        if (rest.front() != ':') return syntax("bad argument", term);
        if (auto r = domain_spec(rest.substr(1)); !r) return r;
      }
      break;
    }
    case MechanismKind::kIp4:
    case MechanismKind::kIp6: {
      if (rest.empty() || rest.front() != ':') return syntax("network required", term);
      rest.remove_prefix(1);
      std::string_view network = rest;
      std::string_view cidr;
      bool has_cidr = false;
      if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        network = rest.substr(0, slash);
        cidr = rest.substr(slash + 1);
        has_cidr = true;
      }
      if (d.kind == MechanismKind::kIp4) {
        if (!parse_ip4_network(network, d.network)) return syntax("bad IPv4 network", term);
        if (has_cidr && !parse_cidr(cidr, 32, d.cidr4)) return syntax("bad CIDR length", term);
      } else {
        if (!parse_ip6_network(network, d.network, d.never_matches)) {
          return syntax("bad IPv6 network", term);
        }
        if (has_cidr && !parse_cidr(cidr, 128, d.cidr6)) return syntax("bad CIDR length", term);
      }
      break;
    }
  }
  record.directives.push_back(std::move(d));
  return {};
}

Result<void> parse_modifier(std::string_view term, std::string_view name,
                            std::string_view value, SpfRecord& record) {
  bool redirect = iequals(name, "redirect");
  if (redirect || iequals(name, "exp")) {
    // §6: "These two modifiers MUST NOT appear in a record more than once each."
    auto& slot = redirect ? record.redirect : record.exp;
    if (slot) return syntax("modifier given twice", term);
    auto spec = parse_domain_spec(value);
    if (!spec) return syntax("bad domain-spec (" + spec.error().message + ")", term);
    slot = std::move(*spec);
    if (redirect) record.redirect_text = std::string(term);
    return {};
  }
  // §6: unknown modifiers are ignored, but must still be valid syntax (A/3).
  auto value_syntax = parse_macro_string(value, MacroUse::kModifier);
  if (!value_syntax) {
    return syntax("bad modifier value (" + value_syntax.error().message + ")", term);
  }
  return {};
}

}  // namespace

const char* result_name(SpfResult result) noexcept {
  switch (result) {
    case SpfResult::kNone: return "none";
    case SpfResult::kNeutral: return "neutral";
    case SpfResult::kPass: return "pass";
    case SpfResult::kFail: return "fail";
    case SpfResult::kSoftfail: return "softfail";
    case SpfResult::kTempError: return "temperror";
    case SpfResult::kPermError: return "permerror";
  }
  return "?";
}

const char* scope_name(SpfScope scope) noexcept {
  return scope == SpfScope::kHelo ? "helo" : "mfrom";
}

bool is_spf_record(std::string_view text) noexcept {
  return istarts_with(text, kVersion) &&
         (text.size() == kVersion.size() || text[kVersion.size()] == ' ');
}

Result<SpfRecord> parse_record(std::string_view text, const SpfLimits& limits) {
  if (text.size() > limits.max_record_bytes) {
    return fail(ErrorKind::kLimitExceeded, "SPF record of " + std::to_string(text.size()) +
                                               " bytes is over the limit of " +
                                               std::to_string(limits.max_record_bytes));
  }
  if (!is_spf_record(text)) return fail(ErrorKind::kInvalidInput, "not a v=spf1 record");
  std::string_view rest = text.substr(kVersion.size());
  // §4.6.1: terms are separated by spaces only; §3.1: records are 7-bit
  // ASCII. Any other byte is a syntax error wherever it sits.
  for (char c : rest) {
    auto u = static_cast<unsigned char>(c);
    if (c != ' ' && (u < 0x21 || u > 0x7e)) {
      return fail(ErrorKind::kInvalidInput,
                  u >= 0x80 ? "non-ASCII byte in SPF record" : "control character in SPF record");
    }
  }
  SpfRecord record;
  std::size_t terms = 0;
  std::size_t i = 0;
  while (i < rest.size()) {
    if (rest[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = rest.find(' ', i);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view term = rest.substr(i, end - i);
    const std::string_view written = term;
    i = end;
    if (++terms > limits.max_terms) {
      return fail(ErrorKind::kLimitExceeded,
                  "SPF record has more than " + std::to_string(limits.max_terms) + " terms");
    }
    Qualifier qualifier = Qualifier::kPass;
    bool qualified = false;
    switch (term.front()) {
      case '+': qualifier = Qualifier::kPass; qualified = true; break;
      case '-': qualifier = Qualifier::kFail; qualified = true; break;
      case '~': qualifier = Qualifier::kSoftfail; qualified = true; break;
      case '?': qualifier = Qualifier::kNeutral; qualified = true; break;
      default: break;
    }
    if (qualified) {
      term.remove_prefix(1);
      if (term.empty()) return syntax("qualifier without mechanism", written);
    } else {
      // A modifier is name "=" ...; the "=" must come before any ":" or "/",
      // otherwise the term is a (possibly unknown) mechanism.
      std::size_t sep = term.find_first_of("=:/");
      if (sep != std::string_view::npos && term[sep] == '=' &&
          is_modifier_name(term.substr(0, sep))) {
        if (auto r = parse_modifier(term, term.substr(0, sep), term.substr(sep + 1), record); !r) {
          return std::unexpected(r.error());
        }
        continue;
      }
    }
    if (auto r = parse_mechanism(term, qualifier, record); !r) return std::unexpected(r.error());
  }
  return record;
}

}  // namespace authguard::spf
