// parse.cc: a one-pass, bounded reader of Authentication-Results values
// (RFC 8601 §2.2) with the tolerances listed in parse.h.
#include "authres/parse.h"

#include <string>

#include "authres/syntax.h"
#include "core/strings.h"

namespace authguard::authres {

const Property* ResInfo::find(std::string_view ptype, std::string_view property) const {
  for (const Property& p : properties) {
    if (iequals(p.ptype, ptype) && iequals(p.property, property)) return &p;
  }
  return nullptr;
}

namespace {

using syntax::is_ctl;
using syntax::is_keyword_char;
using syntax::is_token_char;

constexpr std::string_view kFieldName = "Authentication-Results";

// Method and protocol versions are small numbers; nine digits fit an int.
constexpr std::size_t kMaxVersionDigits = 9;

// Drops a leading "Authentication-Results:" (any case, optional WSP before
// the colon as RFC 5322 §4.5 obsolete syntax allows).
std::string_view strip_field_name(std::string_view text) noexcept {
  if (!istarts_with(text, kFieldName)) return text;
  std::string_view rest = text.substr(kFieldName.size());
  while (!rest.empty() && is_wsp(rest.front())) rest.remove_prefix(1);
  if (rest.empty() || rest.front() != ':') return text;
  return rest.substr(1);
}

// Unquoted property values: anything visible but the characters that end a
// value or start a comment or quoted string. Wider than §2.2's pvalue so that
// "2001:db8::1", "bits=128/128" and "a=b@example.com" read as written; bytes
// >= 0x80 are kept (RFC 6532).
constexpr bool is_loose_value_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7f) return false;
  return c != ';' && c != '(' && c != ')' && c != '"' && c != '\\';
}

std::string quote_for_error(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  for (char c : s.substr(0, kShown)) out.push_back(is_ctl(c) ? '?' : c);
  if (s.size() > kShown) out += "...";
  out += "'";
  return out;
}

class Parser {
 public:
  // base: where text starts in the caller's input, so offsets in errors are
  // the caller's.
  Parser(std::string_view text, std::size_t base, const ParseLimits& limits)
      : text_(text), base_(base), limits_(limits) {}

  Result<AuthResults> run() {
    AuthResults out;
    if (!read_header(out)) return std::unexpected(error_);
    return out;
  }

 private:
  // All readers return false after recording the error in error_.
  bool read_header(AuthResults& out) {
    if (!skip_cfws()) return false;
    if (at_end()) return syntax_error("missing authserv-id");
    if (!starts_with_methodspec()) {
      if (!read_value(out.authserv_id, "authserv-id")) return false;
      if (!read_version(out.version)) return false;
    }
    // Pieces separated by ';'. The first may come without its ';' (no
    // authserv-id, or Yahoo's missing one); read_piece stops only at ';' or
    // the end, so every later piece has one.
    for (;;) {
      if (!skip_cfws()) return false;
      if (at_end()) return true;
      if (peek() == ';') {
        ++pos_;
        continue;
      }
      if (!read_piece(out)) return false;
    }
  }

  // [ CFWS authres-version ] (§2.2, §2.6): digits standing alone.
  bool read_version(std::optional<int>& version) {
    const std::size_t start = pos_;
    if (!skip_cfws()) return false;
    if (pos_ == start || at_end() || !is_digit(peek())) return true;
    std::size_t end = pos_;
    while (end < text_.size() && is_digit(text_[end])) ++end;
    if (end < text_.size() && is_token_char(text_[end])) return true;  // "1abc": a piece
    int v = 0;
    if (!read_number(v)) return false;
    version = v;
    return true;
  }

  // One resinfo, or a piece without a methodspec, which is skipped.
  bool read_piece(AuthResults& out) {
    const std::size_t start = pos_;
    std::string_view method = take_while(is_keyword_char);
    if (method.empty() || (!at_end() && is_token_char(peek()))) {
      // Outlook repeats its authserv-id between resinfos ("; outlook.com;"),
      // others write "none" or a lone word: no method, no result (§2.2
      // no-result), so nothing to keep.
      pos_ = start;
      std::string_view word = take_while(is_token_char);
      if (word.empty()) return syntax_error("unexpected character");
      return expect_piece_end(word);
    }
    ResInfo info;
    info.method = std::string(method);
    if (!skip_cfws()) return false;
    if (!at_end() && peek() == '/') {
      ++pos_;
      if (!skip_cfws()) return false;
      int v = 0;
      if (!read_number(v)) return false;
      info.method_version = v;
      if (!skip_cfws()) return false;
      if (at_end() || peek() != '=') return syntax_error("expected '=' after method version");
    }
    if (at_end() || peek() == ';') return true;  // a lone word ("two;")
    if (peek() != '=') return syntax_error("expected '=' after method " + quote_for_error(method));
    ++pos_;
    if (!skip_cfws()) return false;
    if (!at_end() && peek() != ';') {
      std::string_view result = take_while(is_token_char);
      if (result.empty()) return syntax_error("expected result after " + quote_for_error(method));
      info.result = std::string(result);
      if (!read_properties(info)) return false;
    }
    // else "foo=;": an empty result, kept as such.
    if (out.results.size() >= limits_.max_results) {
      return limit_error("result count exceeds limit max_results=" +
                         std::to_string(limits_.max_results));
    }
    out.results.push_back(std::move(info));
    return true;
  }

  // [ CFWS reasonspec ] [ CFWS 1*propspec ], up to ';' or the end.
  bool read_properties(ResInfo& info) {
    for (bool first = true;; first = false) {
      if (!skip_cfws()) return false;
      if (at_end() || peek() == ';') return true;
      std::string_view name = take_while(is_keyword_char);
      if (name.empty()) return syntax_error("expected property of " + quote_for_error(info.method));
      if (!skip_cfws()) return false;
      Property prop;
      if (!at_end() && peek() == '.') {
        ++pos_;
        if (!skip_cfws()) return false;
        std::string_view property = take_while(is_keyword_char);
        if (property.empty()) return syntax_error("expected property after " + quote_for_error(name) + ".");
        if (!skip_cfws()) return false;
        prop.ptype = std::string(name);
        prop.property = std::string(property);
      } else {
        prop.property = std::string(name);
      }
      if (at_end() || peek() != '=') return syntax_error("expected '=' after property " + quote_for_error(name));
      ++pos_;
      if (!read_property_value(prop.value)) return false;
      // §2.2: a reasonspec comes right after the methodspec; a later
      // "reason=" is an ordinary bare property.
      if (first && prop.ptype.empty() && iequals(prop.property, "reason")) {
        info.reason = std::move(prop.value);
        continue;
      }
      if (info.properties.size() >= limits_.max_properties) {
        return limit_error("property count exceeds limit max_properties=" +
                           std::to_string(limits_.max_properties));
      }
      info.properties.push_back(std::move(prop));
    }
  }

  // pvalue, loosely: a quoted-string, a run of loose value characters, or
  // nothing at all ("smtp.mailfrom=;").
  bool read_property_value(std::string& out) {
    if (!skip_cfws()) return false;
    if (at_end() || peek() == ';') return true;
    if (peek() == '"') return read_quoted_string(out);
    std::string_view v = take_while(is_loose_value_char);
    if (v.empty()) return syntax_error("expected property value");
    out = std::string(v);
    return true;
  }

  // value = token / quoted-string (RFC 2045 §5.1).
  bool read_value(std::string& out, std::string_view what) {
    if (!at_end() && peek() == '"') return read_quoted_string(out);
    std::string_view v = take_while(is_token_char);
    if (v.empty()) return syntax_error("expected " + std::string(what));
    out = std::string(v);
    return true;
  }

  // RFC 5322 §3.2.4 quoted-string: quoted-pairs unescaped, folding dropped.
  bool read_quoted_string(std::string& out) {
    ++pos_;  // the opening quote
    for (;;) {
      if (at_end()) return syntax_error("unterminated quoted string");
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return syntax_error("unterminated quoted string");
        c = text_[pos_++];
      }
      if (c != '\r' && c != '\n') out.push_back(c);
    }
  }

  bool read_number(int& out) {
    std::string_view digits = take_while(is_digit);
    if (digits.empty() || digits.size() > kMaxVersionDigits) return syntax_error("expected version number");
    out = 0;
    for (char d : digits) out = out * 10 + (d - '0');
    return true;
  }

  // After a word without a methodspec only CFWS may come before ';' or the end.
  bool expect_piece_end(std::string_view word) {
    if (!skip_cfws()) return false;
    if (at_end() || peek() == ';') return true;
    return syntax_error("expected ';' after " + quote_for_error(word));
  }

  // Microsoft 365 writes no authserv-id: the value starts "spf=pass ...". A
  // Keyword followed by '=' (or by '/' and a method version) can only be a
  // methodspec, since an authserv-id is followed by CFWS, ';' or the end.
  [[nodiscard]] bool starts_with_methodspec() const noexcept {
    std::size_t p = pos_;
    while (p < text_.size() && is_keyword_char(text_[p])) ++p;
    if (p == pos_ || (p < text_.size() && is_token_char(text_[p]))) return false;
    while (p < text_.size() && (is_wsp(text_[p]) || text_[p] == '\r' || text_[p] == '\n')) ++p;
    return p < text_.size() && (text_[p] == '=' || text_[p] == '/');
  }

  // CFWS (RFC 5322 §3.2.2): spaces, tabs, folding (CRLF or bare LF), and
  // nested comments, counted not recursed, to max_comment_depth.
  bool skip_cfws() {
    while (!at_end()) {
      char c = peek();
      if (is_wsp(c) || c == '\r' || c == '\n') {
        ++pos_;
        continue;
      }
      if (c != '(') return true;
      std::size_t depth = 0;
      const std::size_t open = pos_;
      do {
        if (at_end()) {
          pos_ = open;
          return syntax_error("unterminated comment");
        }
        c = text_[pos_++];
        if (c == '\\') {
          if (!at_end()) ++pos_;
        } else if (c == '(') {
          if (++depth > limits_.max_comment_depth) {
            return limit_error("comment nesting exceeds limit max_comment_depth=" +
                               std::to_string(limits_.max_comment_depth));
          }
        } else if (c == ')') {
          --depth;
        }
      } while (depth > 0);
    }
    return true;
  }

  template <class Pred>
  std::string_view take_while(Pred pred) noexcept {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && pred(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  [[nodiscard]] bool at_end() const noexcept { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const noexcept { return text_[pos_]; }

  bool syntax_error(std::string what) {
    error_ = Error{ErrorKind::kInvalidInput,
                   "authres: " + what + " at offset " + std::to_string(base_ + pos_) +
                       (at_end() ? " (end of input)" : " near " + quote_for_error(text_.substr(pos_)))};
    return false;
  }
  bool limit_error(std::string what) {
    error_ = Error{ErrorKind::kLimitExceeded, "authres: " + what};
    return false;
  }

  std::string_view text_;
  std::size_t base_;
  const ParseLimits& limits_;
  std::size_t pos_ = 0;
  Error error_;
};

}  // namespace

Result<AuthResults> parse(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_input_bytes) {
    return fail(ErrorKind::kLimitExceeded, "authres: input of " + std::to_string(text.size()) +
                                               " bytes exceeds limit max_input_bytes=" +
                                               std::to_string(limits.max_input_bytes));
  }
  // Folding is whitespace; any other control character (NUL above all) has
  // no business in a header field and may be an attempt to make readers
  // disagree (§7.8).
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_ctl(c) && c != '\t' && c != '\r' && c != '\n') {
      return fail(ErrorKind::kInvalidInput,
                  "authres: control character " + std::to_string(static_cast<unsigned char>(c)) +
                      " at offset " + std::to_string(i));
    }
  }
  std::string_view value = strip_field_name(text);
  return Parser(value, text.size() - value.size(), limits).run();
}

std::string leading_value(std::string_view text) {
  text = strip_field_name(text);
  std::size_t pos = 0;
  // CFWS as in Parser::skip_cfws, but without a depth limit: a counter is
  // enough here, and a field too deep to parse must still be recognised.
  std::size_t depth = 0;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (depth > 0) {
      if (c == '\\') ++pos;
      else if (c == '(') ++depth;
      else if (c == ')') --depth;
      continue;
    }
    if (c == '(') {
      depth = 1;
      continue;
    }
    if (!is_wsp(c) && c != '\r' && c != '\n') break;
  }
  if (pos >= text.size()) return "";
  std::string out;
  if (text[pos] == '"') {
    for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
      if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
      if (text[pos] != '\r' && text[pos] != '\n') out.push_back(text[pos]);
    }
    return out;
  }
  while (pos < text.size() && is_token_char(text[pos])) out.push_back(text[pos++]);
  return out;
}

}  // namespace authguard::authres
