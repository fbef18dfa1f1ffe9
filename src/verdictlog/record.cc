// record.cc: a LoggedVerdict's limits and its stored JSON form. Records are
// read back from a database file that may have been damaged or edited, so
// decoding checks every type and never throws.
#include <nlohmann/json.hpp>

#include "verdictlog/store.h"

namespace authguard::verdictlog {

namespace {

// The largest record decode_record reads. Within the limits of store.h an
// encoded entry stays far below it, even with every byte escaped.
constexpr std::size_t kMaxRecordBytes = 4 * 1024 * 1024;
constexpr int kRecordVersion = 1;

using Json = nlohmann::json;

// Well-formed UTF-8 (RFC 3629 §4): no overlong forms, no surrogates, nothing
// above U+10FFFF. What nlohmann/json accepts in a string, and nothing more.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t more = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      more = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (s.size() - i - 1 < more) return false;
    for (std::size_t k = 1; k <= more; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return false;
    }
    i += more + 1;
  }
  return true;
}

Json text(std::string_view s) {
  if (valid_utf8(s)) return std::string(s);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    hex += kHex[u >> 4];
    hex += kHex[u & 0x0f];
  }
  Json j = Json::object();
  j["hex"] = std::move(hex);
  return j;
}

Json texts(const std::vector<std::string>& list) {
  Json j = Json::array();
  for (const auto& s : list) j.push_back(text(s));
  return j;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The reverse of text(): a string, or {"hex": EVEN-LENGTH-HEX}.
bool text_of(const Json& v, std::string& out) {
  if (v.is_string()) {
    out = v.get_ref<const std::string&>();
    return true;
  }
  if (!v.is_object() || v.size() != 1) return false;
  auto h = v.find("hex");
  if (h == v.end() || !h->is_string()) return false;
  const auto& hex = h->get_ref<const std::string&>();
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int a = hex_value(hex[i]);
    int b = hex_value(hex[i + 1]);
    if (a < 0 || b < 0) return false;
    out.push_back(static_cast<char>((a << 4) | b));
  }
  return true;
}

bool field_text(const Json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  return it != j.end() && text_of(*it, out);
}

bool field_texts(const Json& j, const char* key, std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return false;
  out.clear();
  for (const auto& v : *it) {
    std::string s;
    if (!text_of(v, s)) return false;
    out.push_back(std::move(s));
  }
  return true;
}

// A flag written only when true.
bool optional_flag(const Json& j, const char* key, bool& out) {
  auto it = j.find(key);
  if (it == j.end()) {
    out = false;
    return true;
  }
  if (!it->is_boolean()) return false;
  out = it->get<bool>();
  return true;
}

bool decode_into(const Json& j, LoggedVerdict& e) {
  if (!j.is_object()) return false;
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_unsigned() || v->get<std::uint64_t>() != kRecordVersion) {
    return false;
  }
  auto headers = j.find("headers");
  if (headers == j.end() || !headers->is_array()) return false;
  for (const auto& field : *headers) {
    if (!field.is_array() || field.size() != 2) return false;
    std::string name, value;
    if (!text_of(field[0], name) || !text_of(field[1], value)) return false;
    e.headers.emplace_back(std::move(name), std::move(value));
  }
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_unsigned()) return false;
  e.size = size->get<std::uint64_t>();
  auto spoof = j.find("accepted_spoof");
  if (spoof == j.end() || !spoof->is_boolean()) return false;
  e.accepted_spoof = spoof->get<bool>();
  return optional_flag(j, "headers_truncated", e.headers_truncated) &&
         optional_flag(j, "recipients_truncated", e.recipients_truncated) &&
         field_text(j, "from_address", e.from_address) &&
         field_text(j, "from_domain", e.from_domain) && field_text(j, "client_ip", e.client_ip) &&
         field_text(j, "spf", e.spf) && field_texts(j, "dkim", e.dkim) &&
         field_text(j, "dmarc", e.dmarc) && field_text(j, "compauth", e.compauth) &&
         field_text(j, "dmarc_action", e.dmarc_action) &&
         field_texts(j, "recipients", e.recipients) && field_text(j, "subject", e.subject) &&
         field_text(j, "mail_from", e.mail_from);
}

}  // namespace

void apply_limits(LoggedVerdict& entry) {
  auto& fields = entry.headers;
  std::size_t total = 0;
  for (const auto& [name, value] : fields) total += name.size() + value.size();
  if (total > kMaxLoggedHeaderBytes && !fields.empty()) {
    // Our Authentication-Results, the last field, stays; the others are kept
    // in order while they fit.
    auto ours = std::move(fields.back());
    fields.pop_back();
    std::size_t ours_bytes = ours.first.size() + ours.second.size();
    std::size_t budget = ours_bytes < kMaxLoggedHeaderBytes ? kMaxLoggedHeaderBytes - ours_bytes : 0;
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& field : fields) {
      std::size_t bytes = field.first.size() + field.second.size();
      if (bytes <= budget) {
        budget -= bytes;
        kept.push_back(std::move(field));
      }
    }
    kept.push_back(std::move(ours));
    fields = std::move(kept);
    entry.headers_truncated = true;
  }
  if (entry.subject.size() > kMaxLoggedSubjectBytes) {
    // Cut before a UTF-8 continuation byte's sequence, not inside it.
    std::size_t cut = kMaxLoggedSubjectBytes;
    for (int back = 0; back < 3 && cut > 0 &&
                       (static_cast<unsigned char>(entry.subject[cut]) & 0xc0) == 0x80;
         ++back) {
      --cut;
    }
    entry.subject.resize(cut);
  }
  if (entry.recipients.size() > kMaxLoggedRecipients) {
    entry.recipients.resize(kMaxLoggedRecipients);
    entry.recipients_truncated = true;
  }
}

std::string encode_record(const LoggedVerdict& e) {
  Json j = Json::object();
  j["v"] = kRecordVersion;
  Json headers = Json::array();
  for (const auto& [name, value] : e.headers) headers.push_back(Json::array({text(name), text(value)}));
  j["headers"] = std::move(headers);
  if (e.headers_truncated) j["headers_truncated"] = true;
  j["from_address"] = text(e.from_address);
  j["from_domain"] = text(e.from_domain);
  j["client_ip"] = text(e.client_ip);
  j["spf"] = text(e.spf);
  j["dkim"] = texts(e.dkim);
  j["dmarc"] = text(e.dmarc);
  j["compauth"] = text(e.compauth);
  j["dmarc_action"] = text(e.dmarc_action);
  j["recipients"] = texts(e.recipients);
  if (e.recipients_truncated) j["recipients_truncated"] = true;
  j["size"] = e.size;
  j["accepted_spoof"] = e.accepted_spoof;
  j["subject"] = text(e.subject);
  j["mail_from"] = text(e.mail_from);
  // Every string is valid UTF-8 by now; `replace` only makes sure dump()
  // cannot throw.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<LoggedVerdict> decode_record(std::string_view json) {
  if (json.size() > kMaxRecordBytes) {
    return fail(ErrorKind::kLimitExceeded, "verdict log: record of " + std::to_string(json.size()) +
                                               " bytes is over kMaxRecordBytes");
  }
  LoggedVerdict e;
  bool ok = false;
  try {
    // allow_exceptions = false: a syntax error gives a discarded value.
    Json j = Json::parse(json.begin(), json.end(), nullptr, false);
    ok = !j.is_discarded() && decode_into(j, e);
  } catch (const Json::exception&) {
    ok = false;  // every access above is type-checked; this is a last guard
  }
  if (!ok) return fail(ErrorKind::kInvalidInput, "verdict log: record does not decode");
  return e;
}

Result<LogPage> VerdictLog::since(UnixTime from, std::size_t max_entries) {
  LogPage page;
  auto stats = scan(from, max_entries, [&](const LoggedVerdict& e) { page.entries.push_back(e); });
  if (!stats) return std::unexpected(stats.error());
  page.stats = *stats;
  return page;
}

}  // namespace authguard::verdictlog
