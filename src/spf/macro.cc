// macro.cc: macro-string parsing and expansion (RFC 7208 §7).
#include "spf/macro.h"

#include <algorithm>
#include <vector>

#include "core/strings.h"

namespace authguard::spf {

namespace {

constexpr std::size_t kMaxDomainLength = 253;  // RFC 1035 in text form, §7.3
constexpr std::size_t kMaxLabelLength = 63;
// DIGIT transformers beyond this keep every part anyway; capping the parse
// keeps hostile digit runs from overflowing.
constexpr unsigned kMaxKeep = 128;

bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }

bool is_delimiter(char c) noexcept {
  switch (c) {
    case '.': case '-': case '+': case ',': case '/': case '_': case '=': return true;
    default: return false;
  }
}

// §7.1: macro-literal = %x21-24 / %x26-7E (visible ASCII but "%").
bool is_macro_literal(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7e && c != '%';
}

bool letter_allowed(char lower, MacroUse use) noexcept {
  switch (lower) {
    case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v': return true;
    case 'c': case 'r': case 't': return use == MacroUse::kExplanation;  // §7.2
    default: return false;
  }
}

// toplabel = ( *alphanum ALPHA *alphanum ) /
//            ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view label) noexcept {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
  bool alpha = false;
  bool dash = false;
  for (char c : label) {
    if (c == '-') {
      dash = true;
    } else if (is_alpha(c)) {
      alpha = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  return alpha || dash;
}

// domain-end = ( "." toplabel [ "." ] ) / macro-expand, checked on the
// literal text after the last macro-expand.
bool literal_tail_is_domain_end(std::string_view tail) noexcept {
  if (!tail.empty() && tail.back() == '.') tail.remove_suffix(1);
  auto dot = tail.rfind('.');
  if (dot == std::string_view::npos) return false;
  return is_toplabel(tail.substr(dot + 1));
}

std::unexpected<Error> bad(std::string what, std::string_view text) {
  return fail(ErrorKind::kInvalidInput, what + " in '" + std::string(text) + "'");
}

void append_literal(MacroString& out, std::string_view text) {
  if (out.pieces.empty() || out.pieces.back().letter != 0) out.pieces.emplace_back();
  out.pieces.back().literal.append(text);
}

constexpr char kHex[] = "0123456789ABCDEF";

// §7.3: upper-case macro letters are URL-escaped: everything outside
// unreserved (ALPHA / DIGIT / "-" / "." / "_" / "~") becomes %XX.
void url_escape_into(std::string_view value, std::string& out) {
  for (char c : value) {
    if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
}

std::string_view letter_value(char letter, const MacroValues& v, std::string& scratch) {
  switch (letter) {
    case 's': return v.sender;
    case 'l': return v.local_part;
    case 'o': return v.sender_domain;
    case 'd': return v.domain;
    case 'i': return v.ip_dotted;
    case 'p': return v.validated_name;
    case 'v': return v.ipv6 ? "ip6" : "in-addr";
    case 'h': return v.helo;
    case 'c': return v.ip_text;
    case 'r': return v.receiver;
    case 't': scratch = std::to_string(v.now); return scratch;
    default: return {};
  }
}

}  // namespace

Result<MacroString> parse_macro_string(std::string_view text, MacroUse use) {
  MacroString out;
  bool ends_with_expand = false;
  std::size_t tail_start = 0;  // where the literal text after the last macro-expand starts
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '%') {
      if (!is_macro_literal(c) && !(c == ' ' && use == MacroUse::kExplanation)) {
        return bad("character not allowed", text);
      }
      std::size_t start = i;
      while (i < text.size() && text[i] != '%' &&
             (is_macro_literal(text[i]) || (text[i] == ' ' && use == MacroUse::kExplanation))) {
        ++i;
      }
      append_literal(out, text.substr(start, i - start));
      ends_with_expand = false;
      continue;
    }
    // §7.1: a '%' not followed by '{', '%', '-' or '_' is a syntax error.
    if (i + 1 >= text.size()) return bad("'%' at the end", text);
    char next = text[i + 1];
    if (next == '%' || next == '_' || next == '-') {
      append_literal(out, next == '%' ? "%" : next == '_' ? " " : "%20");
      i += 2;
      ends_with_expand = true;
      tail_start = i;
      continue;
    }
    if (next != '{') return bad("'%' not followed by '{', '%', '_' or '-'", text);
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return bad("unterminated macro", text);
    std::string_view body = text.substr(i + 2, close - i - 2);
    if (body.empty()) return bad("empty macro", text);
    MacroPiece piece;
    char letter = ascii_lower(body[0]);
    if (!letter_allowed(letter, use)) {
      return bad(std::string("macro letter '") + body[0] + "' not allowed here", text);
    }
    piece.letter = letter;
    piece.url_escape = body[0] >= 'A' && body[0] <= 'Z';
    std::size_t j = 1;
    std::size_t digits_start = j;
    while (j < body.size() && is_digit(body[j])) ++j;
    if (j > digits_start) {
      // §7.3: "If a DIGIT is specified, the value MUST be nonzero."
      unsigned keep = 0;
      for (std::size_t k = digits_start; k < j; ++k) {
        keep = keep * 10 + static_cast<unsigned>(body[k] - '0');
        if (keep > kMaxKeep) keep = kMaxKeep;
      }
      if (keep == 0) return bad("zero DIGIT transformer", text);
      piece.keep = static_cast<std::uint8_t>(keep);
    }
    if (j < body.size() && (body[j] == 'r' || body[j] == 'R')) {
      piece.reverse = true;
      ++j;
    }
    for (; j < body.size(); ++j) {
      if (!is_delimiter(body[j])) return bad("bad macro transformer or delimiter", text);
      if (piece.delimiters.find(body[j]) == std::string::npos) piece.delimiters += body[j];
    }
    if (letter == 'p') out.uses_p = true;
    out.pieces.push_back(std::move(piece));
    i = close + 1;
    ends_with_expand = true;
    tail_start = i;
  }
  if (use == MacroUse::kDomainSpec) {
    if (text.empty()) return bad("empty domain-spec", text);
    if (!ends_with_expand && !literal_tail_is_domain_end(text.substr(tail_start))) {
      return bad("domain-spec does not end in a valid top-level label", text);
    }
  }
  return out;
}

Result<MacroString> parse_domain_spec(std::string_view text) {
  return parse_macro_string(text, MacroUse::kDomainSpec);
}

bool expand_macro(const MacroString& macro, const MacroValues& values, std::size_t max_bytes,
                  std::string& out) {
  std::string scratch;
  for (const MacroPiece& piece : macro.pieces) {
    if (piece.letter == 0) {
      if (out.size() + piece.literal.size() > max_bytes) return false;
      out += piece.literal;
      continue;
    }
    std::string_view value = letter_value(piece.letter, values, scratch);
    std::string transformed;
    if (piece.keep != 0 || piece.reverse || !piece.delimiters.empty()) {
      // §7.3: split on the delimiters, reverse if asked, keep the right-hand
      // parts, and join them with ".".
      const std::string_view delims = piece.delimiters.empty()
                                         ? std::string_view(".")
                                         : std::string_view(piece.delimiters);
      std::vector<std::string_view> parts;
      std::size_t start = 0;
      for (std::size_t k = 0; k <= value.size(); ++k) {
        if (k == value.size() || delims.find(value[k]) != std::string_view::npos) {
          parts.push_back(value.substr(start, k - start));
          start = k + 1;
        }
      }
      if (piece.reverse) std::reverse(parts.begin(), parts.end());
      std::size_t first = 0;
      if (piece.keep != 0 && piece.keep < parts.size()) first = parts.size() - piece.keep;
      for (std::size_t k = first; k < parts.size(); ++k) {
        if (k != first) transformed += '.';
        transformed.append(parts[k]);
      }
      value = transformed;
    }
    if (piece.url_escape) {
      std::string escaped;
      url_escape_into(value, escaped);
      if (out.size() + escaped.size() > max_bytes) return false;
      out += escaped;
    } else {
      if (out.size() + value.size() > max_bytes) return false;
      out.append(value);
    }
  }
  return true;
}

void truncate_domain(std::string& name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  std::size_t cut = 0;
  while (name.size() - cut > kMaxDomainLength) {
    std::size_t dot = name.find('.', cut);
    if (dot == std::string::npos) break;  // one label too long: left for is_queryable_name
    cut = dot + 1;
  }
  if (cut != 0) name.erase(0, cut);
}

bool is_queryable_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxDomainLength) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > kMaxLabelLength) {
      return false;
    }
  }
  return label != 0;
}

}  // namespace authguard::spf
