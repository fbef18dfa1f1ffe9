// records.cc: decoding of wire-format rdata into typed records, and the typed
// lookups every caller uses. All reads are bounds-checked: rdata comes from
// the network.
#include <cstdio>
#include <cstring>

#include "core/strings.h"
#include "dns/resolver.h"

namespace authguard::dns {

const char* record_type_name(RecordType type) noexcept {
  switch (type) {
    case RecordType::kA: return "A";
    case RecordType::kCname: return "CNAME";
    case RecordType::kPtr: return "PTR";
    case RecordType::kMx: return "MX";
    case RecordType::kTxt: return "TXT";
    case RecordType::kAaaa: return "AAAA";
  }
  return "?";
}

bool parse_record_type(std::string_view text, RecordType& out) noexcept {
  static constexpr RecordType kAll[] = {RecordType::kA,  RecordType::kCname, RecordType::kPtr,
                                        RecordType::kMx, RecordType::kTxt,   RecordType::kAaaa};
  for (RecordType t : kAll) {
    if (iequals(text, record_type_name(t))) {
      out = t;
      return true;
    }
  }
  return false;
}

const char* dns_status_name(DnsStatus status) noexcept {
  switch (status) {
    case DnsStatus::kNxDomain: return "nxdomain";
    case DnsStatus::kNoData: return "nodata";
    case DnsStatus::kTemporary: return "temporary";
    case DnsStatus::kMalformed: return "malformed";
  }
  return "?";
}

std::string master_file_strings(const std::vector<std::string>& strings) {
  std::string out;
  for (const auto& s : strings) {
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20 || u >= 0x7f) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", u);
        out += buf;
      } else {
        out += c;
      }
    }
    out += '"';
  }
  return out;
}

std::string master_file_txt(std::string_view value) {
  std::vector<std::string> parts;
  do {
    parts.emplace_back(value.substr(0, 255));
    value.remove_prefix(std::min<std::size_t>(255, value.size()));
  } while (!value.empty());
  return master_file_strings(parts);
}

std::string TxtRecord::joined() const {
  std::string out;
  for (const auto& s : strings) out += s;
  return out;
}

namespace {

std::unexpected<DnsError> malformed(const RRset& rrset, const char* what) {
  return std::unexpected(DnsError{DnsStatus::kMalformed,
                                  std::string("malformed ") + record_type_name(rrset.type) +
                                      " record for " + rrset.name + ": " + what,
                                  0});
}

template <class T>
Answer<T> answer_shell(const RRset& rrset) {
  Answer<T> a;
  a.ttl = rrset.ttl;
  a.secure = rrset.secure;
  a.name = rrset.name;
  a.records.reserve(rrset.rdata.size());
  return a;
}

}  // namespace

bool read_wire_name(std::string_view wire, std::size_t& pos, std::string& out) {
  out.clear();
  std::size_t total = 0;
  for (;;) {
    if (pos >= wire.size()) return false;
    auto len = static_cast<unsigned char>(wire[pos++]);
    if (len == 0) break;
    if (len > 63) return false;  // compression pointers are not expected here
    if (wire.size() - pos < len) return false;
    total += len + 1;
    if (total > 255) return false;
    if (!out.empty()) out += '.';
    out.append(wire.substr(pos, len));
    pos += len;
  }
  if (out.empty()) out.push_back('.');
  return true;
}

DnsResult<Answer<TxtRecord>> decode_txt(const RRset& rrset) {
  auto answer = answer_shell<TxtRecord>(rrset);
  for (const auto& rd : rrset.rdata) {
    TxtRecord rec;
    std::size_t pos = 0;
    while (pos < rd.size()) {
      auto len = static_cast<unsigned char>(rd[pos++]);
      if (rd.size() - pos < len) return malformed(rrset, "character-string overruns rdata");
      rec.strings.emplace_back(rd.substr(pos, len));
      pos += len;
    }
    answer.records.push_back(std::move(rec));
  }
  return answer;
}

DnsResult<Answer<IpAddress>> decode_address(const RRset& rrset) {
  auto answer = answer_shell<IpAddress>(rrset);
  for (const auto& rd : rrset.rdata) {
    if (rrset.type == RecordType::kA && rd.size() == 4) {
      std::array<std::uint8_t, 4> b{};
      std::memcpy(b.data(), rd.data(), 4);
      answer.records.push_back(IpAddress::v4(b));
    } else if (rrset.type == RecordType::kAaaa && rd.size() == 16) {
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), rd.data(), 16);
      answer.records.push_back(IpAddress::v6(b));
    } else {
      return malformed(rrset, "wrong address length");
    }
  }
  return answer;
}

DnsResult<Answer<MxRecord>> decode_mx(const RRset& rrset) {
  auto answer = answer_shell<MxRecord>(rrset);
  for (const auto& rd : rrset.rdata) {
    if (rd.size() < 3) return malformed(rrset, "too short");
    MxRecord mx;
    mx.preference = static_cast<std::uint16_t>((static_cast<unsigned char>(rd[0]) << 8) |
                                               static_cast<unsigned char>(rd[1]));
    std::size_t pos = 2;
    if (!read_wire_name(rd, pos, mx.exchange) || pos != rd.size()) {
      return malformed(rrset, "bad exchange name");
    }
    answer.records.push_back(std::move(mx));
  }
  return answer;
}

DnsResult<Answer<std::string>> decode_names(const RRset& rrset) {
  auto answer = answer_shell<std::string>(rrset);
  for (const auto& rd : rrset.rdata) {
    std::string name;
    std::size_t pos = 0;
    if (!read_wire_name(rd, pos, name) || pos != rd.size()) return malformed(rrset, "bad name");
    answer.records.push_back(std::move(name));
  }
  return answer;
}

namespace {
// GCC 12's std::expected has no and_then (C++23 monadic operations came in 13).
template <class F>
auto then(DnsResult<RRset> r, F&& decode) -> decltype(decode(*r)) {
  if (!r) return std::unexpected(std::move(r.error()));
  return decode(*r);
}
}  // namespace

DnsResult<Answer<TxtRecord>> lookup_txt(Resolver& resolver, std::string_view name) {
  return then(resolver.query(name, RecordType::kTxt), decode_txt);
}

DnsResult<Answer<IpAddress>> lookup_a(Resolver& resolver, std::string_view name) {
  return then(resolver.query(name, RecordType::kA), decode_address);
}

DnsResult<Answer<IpAddress>> lookup_aaaa(Resolver& resolver, std::string_view name) {
  return then(resolver.query(name, RecordType::kAaaa), decode_address);
}

DnsResult<Answer<MxRecord>> lookup_mx(Resolver& resolver, std::string_view name) {
  return then(resolver.query(name, RecordType::kMx), decode_mx);
}

DnsResult<Answer<std::string>> lookup_ptr(Resolver& resolver, const IpAddress& ip) {
  return then(resolver.query(ip.reverse_name(), RecordType::kPtr), decode_names);
}

}  // namespace authguard::dns
