// preview.cc: the first text part of a message, decoded and made safe.
#include "quarantine/preview.h"

#include <openssl/evp.h>

#include <optional>
#include <vector>

#include "core/strings.h"

namespace authguard::quarantine {

namespace {

struct Part {
  std::string_view headers;  // the part's header block (no final empty line)
  std::string_view body;
};

// A MIME part: header lines up to the first empty line, then the body.
Part split_part(std::string_view part) {
  for (std::size_t at = 0; at <= part.size();) {
    std::size_t eol = part.find('\n', at);
    std::string_view line = part.substr(at, eol == std::string_view::npos ? part.size() - at : eol - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      return {part.substr(0, at), eol == std::string_view::npos ? std::string_view() : part.substr(eol + 1)};
    }
    if (eol == std::string_view::npos) break;
    at = eol + 1;
  }
  return {part, {}};
}

// The unfolded value of header `name` in a header block, or nullopt.
std::optional<std::string> header_in(std::string_view block, std::string_view name) {
  std::optional<std::string> value;
  std::size_t at = 0;
  while (at < block.size()) {
    std::size_t eol = block.find('\n', at);
    std::string_view line = block.substr(at, eol == std::string_view::npos ? block.size() - at : eol - at);
    at = eol == std::string_view::npos ? block.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      if (value) value->append(" ").append(trim(line));
      continue;
    }
    if (value) return value;
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
      value = std::string(trim(line.substr(colon + 1)));
    }
  }
  return value;
}

// "text/plain" from "Text/Plain; charset=utf-8".
std::string media_type(std::string_view content_type) {
  return to_lower(trim(content_type.substr(0, content_type.find(';'))));
}

// The boundary parameter (quoted or a token), or "" when absent or too long.
std::string boundary_of(std::string_view content_type) {
  std::string lower = to_lower(content_type);
  std::size_t at = lower.find("boundary=");
  if (at == std::string::npos) return {};
  std::string_view v = content_type.substr(at + 9);
  std::string out;
  if (!v.empty() && v.front() == '"') {
    std::size_t close = v.find('"', 1);
    if (close == std::string_view::npos) return {};
    out = std::string(v.substr(1, close - 1));
  } else {
    out = std::string(v.substr(0, v.find_first_of("; \t")));
  }
  return out.size() > kMaxBoundaryLength ? std::string() : out;
}

// The parts between "--boundary" lines, up to the closing "--boundary--".
std::vector<std::string_view> parts_of(std::string_view body, const std::string& boundary) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + boundary;
  std::size_t start = std::string_view::npos;
  std::size_t at = 0;
  while (at < body.size() && parts.size() < kMaxPreviewParts) {
    std::size_t eol = body.find('\n', at);
    std::size_t next = eol == std::string_view::npos ? body.size() : eol + 1;
    std::string_view line = body.substr(at, next - at);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with(delimiter)) {
      if (start != std::string_view::npos) parts.push_back(body.substr(start, at - start));
      if (line.substr(delimiter.size()).starts_with("--")) break;
      start = next;
    }
    at = next;
  }
  return parts;
}

std::string decode_base64(std::string_view in) {
  std::string clean;
  for (char c : in) {
    if (is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '=') clean += c;
  }
  clean.resize(clean.size() - clean.size() % 4);
  std::string out(clean.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return {};
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  for (std::size_t i = clean.size(); i > 0 && clean[i - 1] == '=' && len > 0; --i) --len;
  out.resize(len);
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 2045 §6.7: =XX octets and soft line breaks ("=" at a line end).
std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out += in[i];
      continue;
    }
    if (i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
      i += (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') ? 2 : 1;
      continue;
    }
    int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
    int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      out += '=';
      continue;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// Tags dropped, so an HTML-only message still previews as words.
std::string strip_tags(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (char c : html) {
    if (c == '<') {
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out += c;
    }
  }
  return out;
}

// The first part of `type` ("text/plain") at or under this part.
std::optional<std::pair<std::string, Part>> find_text(Part part, std::string_view type, int depth) {
  std::string ct = header_in(part.headers, "Content-Type").value_or("text/plain");
  std::string media = media_type(ct);
  if (media == type) return std::make_pair(media, part);
  if (!media.starts_with("multipart/") || depth >= kMaxPreviewDepth) return std::nullopt;
  std::string boundary = boundary_of(ct);
  if (boundary.empty()) return std::nullopt;
  for (std::string_view sub : parts_of(part.body, boundary)) {
    if (auto found = find_text(split_part(sub), type, depth + 1)) return found;
  }
  return std::nullopt;
}

// The length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i, std::uint32_t& cp) {
  auto u = static_cast<unsigned char>(s[i]);
  std::size_t n = u >= 0xf0 && u <= 0xf4 ? 4 : u >= 0xe0 ? 3 : u >= 0xc2 && u < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = u & (0xff >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

std::string safe_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x80) {
      bool ok = u >= 0x20 ? u != 0x7f : (text[i] == '\n' || text[i] == '\t');
      if (text[i] != '\r') out += ok ? text[i] : '?';
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    std::size_t n = utf8_length(text, i, cp);
    bool bidi = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
                cp == 0x200f;
    if (n == 0 || cp < 0xa0 || bidi) {
      out += '?';
      i += n == 0 ? 1 : n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

Preview text_preview(const Message& message) {
  Preview p;
  // The top-level part: the message's own header block and body.
  std::string_view bytes = message.bytes();
  Part top{bytes.substr(0, bytes.size() - message.body().size()), message.body()};
  auto found = find_text(top, "text/plain", 0);
  if (!found) found = find_text(top, "text/html", 0);
  if (!found) return p;
  p.content_type = found->first;
  const Part& part = found->second;
  std::string cte = to_lower(header_in(part.headers, "Content-Transfer-Encoding").value_or(""));
  // Decode no more than the preview can show (base64 is 4/3 larger, QP up to 3x).
  std::string_view body = part.body.substr(0, 4 * kMaxPreviewBytes + 64);
  std::string text = cte == "base64"             ? decode_base64(body)
                     : cte == "quoted-printable" ? decode_quoted_printable(body)
                                                 : std::string(body);
  if (p.content_type == "text/html") text = strip_tags(text);
  std::string safe = safe_text(text);
  std::size_t lines = 0;
  std::size_t cut = safe.size();
  for (std::size_t i = 0; i < safe.size(); ++i) {
    if (safe[i] == '\n' && ++lines == kMaxPreviewLines) {
      cut = i + 1;
      break;
    }
  }
  cut = std::min(cut, kMaxPreviewBytes);
  // Never cut inside a UTF-8 sequence.
  while (cut < safe.size() && cut > 0 && (static_cast<unsigned char>(safe[cut]) & 0xc0) == 0x80) --cut;
  p.truncated = cut < safe.size() || part.body.size() > body.size();
  p.text = safe.substr(0, cut);
  return p;
}

}  // namespace authguard::quarantine
