// record.cc: DMARC record parsing.
#include "dmarc/record.h"

#include "core/strings.h"

namespace authguard::dmarc {

const char* policy_name(Policy p) noexcept {
  switch (p) {
    case Policy::kNone: return "none";
    case Policy::kQuarantine: return "quarantine";
    case Policy::kReject: return "reject";
  }
  return "none";
}

namespace {

constexpr std::size_t kMaxRecordBytes = 4096;
constexpr std::size_t kMaxTags = 64;

struct RawTag {
  std::string name;  // lower case
  std::string_view value;
};

// Splits "a=b; c = d;" into tags. DMARC uses the DKIM tag-list shape, but
// names are case-insensitive and values may hold any printable byte.
Result<std::vector<RawTag>> split_tags(std::string_view text) {
  std::vector<RawTag> tags;
  for (std::string_view part : split(text, ';')) {
    part = trim(part);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      return fail(ErrorKind::kInvalidInput, "tag without '=': " + std::string(part.substr(0, 40)));
    }
    std::string name = to_lower(trim(part.substr(0, eq)));
    if (name.empty()) return fail(ErrorKind::kInvalidInput, "empty tag name");
    for (char c : name) {
      if (!is_alpha(c) && !is_digit(c) && c != '_') {
        return fail(ErrorKind::kInvalidInput, "invalid tag name '" + name + "'");
      }
    }
    for (const auto& t : tags) {
      if (t.name == name) return fail(ErrorKind::kInvalidInput, "duplicate tag '" + name + "'");
    }
    if (tags.size() == kMaxTags) return fail(ErrorKind::kLimitExceeded, "more than 64 tags");
    tags.push_back({name, trim(part.substr(eq + 1))});
  }
  return tags;
}

bool parse_policy(std::string_view v, Policy& out) {
  if (iequals(v, "none")) out = Policy::kNone;
  else if (iequals(v, "quarantine")) out = Policy::kQuarantine;
  else if (iequals(v, "reject")) out = Policy::kReject;
  else return false;
  return true;
}

bool parse_alignment(std::string_view v, Alignment& out) {
  if (iequals(v, "r")) out = Alignment::kRelaxed;
  else if (iequals(v, "s")) out = Alignment::kStrict;
  else return false;
  return true;
}

std::vector<std::string> parse_uris(std::string_view v) {
  std::vector<std::string> out;
  for (std::string_view uri : split(v, ',')) {
    uri = trim(uri);
    if (valid_report_uri(uri)) out.emplace_back(uri);
  }
  return out;
}

}  // namespace

bool valid_report_uri(std::string_view uri) noexcept {
  if (!istarts_with(uri, "mailto:")) return false;
  std::string_view rest = uri.substr(7);
  auto bang = rest.find('!');
  std::string_view addr = rest.substr(0, bang);
  if (bang != std::string_view::npos) {
    std::string_view size = rest.substr(bang + 1);
    if (size.empty()) return false;
    std::size_t digits = 0;
    while (digits < size.size() && is_digit(size[digits])) ++digits;
    if (digits == 0 || digits + 1 < size.size()) return false;
    if (digits < size.size() && std::string_view("kmgtKMGT").find(size.back()) == std::string_view::npos) {
      return false;
    }
  }
  auto at = addr.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == addr.size()) return false;
  for (char c : addr) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == ',' || c == ';') return false;
  }
  return true;
}

bool is_dmarc_record(std::string_view text) noexcept {
  text = trim(text);
  if (text.empty() || (text[0] != 'v' && text[0] != 'V')) return false;
  text.remove_prefix(1);
  while (!text.empty() && is_wsp(text.front())) text.remove_prefix(1);
  if (text.empty() || text.front() != '=') return false;
  text.remove_prefix(1);
  while (!text.empty() && is_wsp(text.front())) text.remove_prefix(1);
  if (text.substr(0, 6) != "DMARC1") return false;
  text.remove_prefix(6);
  while (!text.empty() && is_wsp(text.front())) text.remove_prefix(1);
  return text.empty() || text.front() == ';';
}

Result<Record> parse_record(std::string_view text) {
  if (text.size() > kMaxRecordBytes) {
    return fail(ErrorKind::kLimitExceeded, "DMARC record longer than 4096 bytes");
  }
  if (!is_dmarc_record(text)) return fail(ErrorKind::kInvalidInput, "not a DMARC record (v=DMARC1 first)");
  auto tags = split_tags(text);
  if (!tags) return std::unexpected(tags.error());
  Record rec;
  rec.text = std::string(text);
  const std::string_view* p = nullptr;
  const std::string_view* sp = nullptr;
  const std::string_view* np = nullptr;
  for (const auto& t : *tags) {
    const std::string& n = t.name;
    if (n == "p") p = &t.value;
    else if (n == "sp") sp = &t.value;
    else if (n == "np") np = &t.value;
    else if (n == "psd") {
      if (iequals(t.value, "y")) rec.psd = Psd::kYes;
      else if (iequals(t.value, "n")) rec.psd = Psd::kNo;
      else if (iequals(t.value, "u")) rec.psd = Psd::kUnknown;
      else rec.notes.push_back("invalid psd=" + std::string(t.value) + " ignored");
    } else if (n == "t") {
      if (iequals(t.value, "y")) rec.testing = true;
      else if (!iequals(t.value, "n")) rec.notes.push_back("invalid t=" + std::string(t.value) + " ignored");
    } else if (n == "adkim") {
      if (!parse_alignment(t.value, rec.adkim)) {
        return fail(ErrorKind::kInvalidInput, "invalid adkim=" + std::string(t.value));
      }
    } else if (n == "aspf") {
      if (!parse_alignment(t.value, rec.aspf)) {
        return fail(ErrorKind::kInvalidInput, "invalid aspf=" + std::string(t.value));
      }
    } else if (n == "rua") {
      rec.rua = parse_uris(t.value);
    } else if (n == "ruf") {
      rec.ruf = parse_uris(t.value);
    } else if (n == "fo") {
      rec.fo = std::string(t.value);
    } else if (n == "pct") {
      unsigned long long v = 0;
      if (parse_uint64(t.value, v) && v <= 100) rec.pct = static_cast<unsigned>(v);
      else rec.notes.push_back("invalid pct=" + std::string(t.value) + " ignored");
    } else if (n == "rf") {
      rec.rf = std::string(t.value);
    } else if (n == "ri") {
      unsigned long long v = 0;
      if (parse_uint64(t.value, v) && v <= 0xffffffffULL) rec.ri = static_cast<unsigned>(v);
    }
  }
  const bool rua_valid = !rec.rua.empty();
  auto tolerate = [&](std::string why) -> Result<void> {
    if (!rua_valid) return fail(ErrorKind::kInvalidInput, why + " and no valid rua");
    rec.notes.push_back(why + ": treated as none because rua is valid");
    return {};
  };
  if (p == nullptr) {
    if (auto r = tolerate("p missing"); !r) return std::unexpected(r.error());
    rec.policy = Policy::kNone;
  } else if (!parse_policy(*p, rec.policy)) {
    if (auto r = tolerate("invalid p=" + std::string(*p)); !r) return std::unexpected(r.error());
    rec.policy = Policy::kNone;
  }
  if (sp != nullptr) {
    Policy v{};
    if (parse_policy(*sp, v)) {
      rec.subdomain_policy = v;
    } else {
      if (auto r = tolerate("invalid sp=" + std::string(*sp)); !r) return std::unexpected(r.error());
      rec.policy = Policy::kNone;
      rec.subdomain_policy = Policy::kNone;
    }
  }
  if (np != nullptr) {
    Policy v{};
    if (parse_policy(*np, v)) {
      rec.nonexistent_policy = v;
    } else {
      if (auto r = tolerate("invalid np=" + std::string(*np)); !r) return std::unexpected(r.error());
      rec.policy = Policy::kNone;
      rec.nonexistent_policy = Policy::kNone;
    }
  }
  return rec;
}

}  // namespace authguard::dmarc
