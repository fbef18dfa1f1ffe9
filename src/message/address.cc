// address.cc: RFC 5322 §3.4 address-list parsing: a tokenizer, then a flat
// parser over its tokens. Nothing recurses, whatever the input.
//
// The tokenizer removes CFWS (§3.2.2) and records only whether any came
// before a token, which is all a display name needs. The parser then reads:
//
//   address-list  = address *("," address)              ; §3.4, with obs-addr-list
//   address       = mailbox / group
//   group         = display-name ":" [mailbox-list] ";"
//   mailbox       = name-addr / addr-spec
//   name-addr     = [display-name] "<" [obs-route] addr-spec ">"
//   obs-route     = *("," / "@" domain) ":"              ; §4.4
//   addr-spec     = local-part "@" domain
//   local-part    = word *("." word)                     ; dot-atom, obs-local-part
//   domain        = atom *("." atom) / domain-literal    ; dot-atom, obs-domain
//   display-name  = word *(word / ".")                   ; phrase, obs-phrase
#include "message/address.h"

#include <string>
#include <unordered_set>
#include <utility>

#include "core/strings.h"
#include "message/message.h"

namespace authguard {

namespace {

enum class TokenType { kAtom, kQuoted, kLiteral, kSpecial };

struct Token {
  TokenType type = TokenType::kAtom;
  char special = 0;       // for kSpecial: one of < > @ , : ; .
  std::string_view text;  // as written; quoted strings and literals keep their delimiters
  bool space_before = false;  // whitespace or a comment came right before
  std::size_t offset = 0;
};

std::unexpected<Error> invalid(std::string what, std::size_t offset) {
  what += " at offset ";
  what += std::to_string(offset);
  return fail(ErrorKind::kInvalidInput, std::move(what));
}

std::unexpected<Error> limit_error(std::string_view what, std::string_view limit_name,
                                   std::size_t limit) {
  std::string text(what);
  text += " exceeds limit ";
  text += limit_name;
  text += '=';
  text += std::to_string(limit);
  return fail(ErrorKind::kLimitExceeded, std::move(text));
}

// atext (§3.2.3) plus 8-bit bytes (RFC 6532): anything printable that is
// not a special, a quote or a space.
bool is_atext(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;
  if (u <= 0x20 || u == 0x7f) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '[': case ']': case ':': case ';':
    case '@': case '\\': case ',': case '.': case '"':
      return false;
    default:
      return true;
  }
}

bool is_cfws_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Skips a delimited run starting at s[i] (the opening byte) and returns the
// index past its closing byte. Quoted-pairs are skipped whole (§3.2.1). With
// nests, an opening byte inside raises the depth: comments nest (§3.2.2),
// and a counter, not recursion, keeps 10k levels off the stack. NUL is
// refused everywhere: C-string consumers downstream would read less.
Result<std::size_t> skip_delimited(std::string_view s, std::size_t i, char open, char close,
                                   bool nests, const char* what) {
  const std::size_t start = i;
  std::size_t depth = 1;
  ++i;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\0') return invalid(std::string("NUL byte in ") + what, i);
    if (c == '\\') {
      if (i + 1 >= s.size()) break;
      if (s[i + 1] == '\0') return invalid(std::string("NUL byte in ") + what, i + 1);
      i += 2;
      continue;
    }
    if (c == close) {
      ++i;
      if (--depth == 0) return i;
      continue;
    }
    if (c == open) {
      if (!nests) return invalid(std::string("unexpected '") + open + "' in " + what, i);
      ++depth;
    }
    ++i;
  }
  return invalid(std::string("unterminated ") + what, start);
}

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  bool space = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_cfws_space(c)) {
      space = true;
      ++i;
      continue;
    }
    if (c == '(') {
      auto end = skip_delimited(s, i, '(', ')', true, "comment");
      if (!end) return std::unexpected(std::move(end.error()));
      i = *end;
      space = true;
      continue;
    }
    Token t;
    t.space_before = space;
    t.offset = i;
    space = false;
    switch (c) {
      case '"': {
        auto end = skip_delimited(s, i, '"', '"', false, "quoted string");
        if (!end) return std::unexpected(std::move(end.error()));
        t.type = TokenType::kQuoted;
        t.text = s.substr(i, *end - i);
        i = *end;
        break;
      }
      case '[': {
        auto end = skip_delimited(s, i, '[', ']', false, "domain literal");
        if (!end) return std::unexpected(std::move(end.error()));
        t.type = TokenType::kLiteral;
        t.text = s.substr(i, *end - i);
        i = *end;
        break;
      }
      case '<': case '>': case '@': case ',': case ':': case ';': case '.':
        t.type = TokenType::kSpecial;
        t.special = c;
        t.text = s.substr(i, 1);
        ++i;
        break;
      case ')':
        return invalid("unbalanced ')'", i);
      case ']':
        return invalid("unbalanced ']'", i);
      case '\\':
        return invalid("backslash outside a quoted string", i);
      default: {
        if (!is_atext(c)) return invalid("control character", i);
        const std::size_t start = i;
        while (i < s.size() && is_atext(s[i])) ++i;
        t.type = TokenType::kAtom;
        t.text = s.substr(start, i - start);
        break;
      }
    }
    out.push_back(t);
  }
  return out;
}

// The content of a quoted string with its quoted-pairs decoded (§3.2.4).
void append_unquoted(std::string& out, std::string_view quoted) {
  const std::string_view inner = quoted.substr(1, quoted.size() - 2);
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '\\' && i + 1 < inner.size()) ++i;
    out.push_back(inner[i]);
  }
}

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const AddressLimits& limits, bool allow_groups)
      : t_(tokens), limits_(limits), allow_groups_(allow_groups) {}

  Result<std::vector<Mailbox>> run() {
    bool in_group = false;
    for (;;) {
      while (at_special(',')) ++i_;  // empty list elements (obs-addr-list, §4.4)
      if (at_end()) break;
      if (at_special(';')) {
        if (!in_group) return invalid("';' outside a group", t_[i_].offset);
        in_group = false;
        ++i_;
        if (auto r = expect_separator(false); !r) return std::unexpected(std::move(r.error()));
        continue;
      }

      const std::size_t phrase_begin = i_;
      while (at_word() || at_special('.')) ++i_;
      const std::size_t phrase_end = i_;

      if (at_special('<')) {  // name-addr
        Mailbox mb;
        mb.display_name = join_phrase(phrase_begin, phrase_end);
        ++i_;
        if (auto r = angle_addr(mb); !r) return std::unexpected(std::move(r.error()));
        if (auto r = add(std::move(mb)); !r) return std::unexpected(std::move(r.error()));
        if (auto r = expect_separator(in_group); !r) return std::unexpected(std::move(r.error()));
      } else if (at_special(':')) {  // group start
        const std::size_t offset = t_[i_].offset;
        if (phrase_begin == phrase_end) return invalid("group without a name", offset);
        if (!allow_groups_) return invalid("group syntax in a mailbox-list", offset);
        if (in_group) return invalid("nested group", offset);
        in_group = true;
        ++i_;
      } else if (at_special('@')) {  // bare addr-spec
        Mailbox mb;
        auto local = local_part(phrase_begin, phrase_end);
        if (!local) return std::unexpected(std::move(local.error()));
        mb.local_part = std::move(*local);
        ++i_;
        if (auto r = domain(mb); !r) return std::unexpected(std::move(r.error()));
        if (auto r = add(std::move(mb)); !r) return std::unexpected(std::move(r.error()));
        if (auto r = expect_separator(in_group); !r) return std::unexpected(std::move(r.error()));
      } else if (phrase_begin == phrase_end) {
        return invalid(std::string("unexpected '") + std::string(t_[i_].text.substr(0, 1)) + "'",
                       t_[i_].offset);
      } else {
        // "Smith, John <j@x>": "Smith" is no address. Guessing one here is
        // how two parsers come to disagree about the author.
        return invalid("word without '@' or '<'", t_[phrase_begin].offset);
      }
    }
    // A group still open at the end ("undisclosed-recipients:") is tolerated:
    // its members were all returned, so nothing is hidden.
    return std::move(out_);
  }

 private:
  [[nodiscard]] bool at_end() const noexcept { return i_ >= t_.size(); }
  [[nodiscard]] bool at_special(char c) const noexcept {
    return i_ < t_.size() && t_[i_].type == TokenType::kSpecial && t_[i_].special == c;
  }
  [[nodiscard]] bool at_word() const noexcept {
    return i_ < t_.size() &&
           (t_[i_].type == TokenType::kAtom || t_[i_].type == TokenType::kQuoted);
  }
  [[nodiscard]] bool at_atom() const noexcept {
    return i_ < t_.size() && t_[i_].type == TokenType::kAtom;
  }
  [[nodiscard]] std::size_t offset_here() const noexcept {
    return at_end() ? (t_.empty() ? 0 : t_.back().offset + t_.back().text.size()) : t_[i_].offset;
  }

  // After an address only ',' (next element), ';' (closing the group) or
  // the end may follow: anything else could be read as another address.
  Result<void> expect_separator(bool in_group) {
    if (at_end()) return {};
    if (at_special(',')) {
      ++i_;
      return {};
    }
    if (at_special(';')) {
      if (in_group) return {};
      return invalid("';' outside a group", t_[i_].offset);
    }
    return invalid("unexpected text after address", t_[i_].offset);
  }

  Result<void> add(Mailbox mb) {
    if (out_.size() >= limits_.max_addresses) {
      return limit_error("address count", "max_addresses", limits_.max_addresses);
    }
    out_.push_back(std::move(mb));
    return {};
  }

  // display-name (phrase / obs-phrase): words and dots, joined by one space
  // where the text had whitespace or a comment.
  [[nodiscard]] std::string join_phrase(std::size_t begin, std::size_t end) const {
    std::string out;
    for (std::size_t k = begin; k < end; ++k) {
      const Token& t = t_[k];
      if (k != begin && t.space_before) out.push_back(' ');
      if (t.type == TokenType::kQuoted) {
        append_unquoted(out, t.text);
      } else {
        out.append(t.text);
      }
    }
    return out;
  }

  // local-part as written without CFWS. Two words with only space between
  // them ("john smith@x") are not a local part.
  Result<std::string> local_part(std::size_t begin, std::size_t end) const {
    std::string out;
    bool prev_word = false;
    bool any_word = false;
    for (std::size_t k = begin; k < end; ++k) {
      const Token& t = t_[k];
      const bool word = t.type != TokenType::kSpecial;
      if (word && prev_word) return invalid("words without '.' in local part", t.offset);
      out.append(t.text);
      prev_word = word;
      any_word = any_word || word;
    }
    if (!any_word) return invalid("empty local part", offset_here());
    return out;
  }

  // domain: dot-atom / obs-domain (atoms and dots, CFWS removed) or a
  // domain-literal. One trailing dot is tolerated, as DomainName does.
  Result<void> domain(Mailbox& mb) {
    if (i_ < t_.size() && t_[i_].type == TokenType::kLiteral) {
      std::string_view inner = t_[i_].text.substr(1, t_[i_].text.size() - 2);
      // FWS around dtext is not part of the literal; a quoted-pair is, even
      // an escaped space, or "[a\ ]" would come back as "[a\]".
      while (!inner.empty() && is_cfws_space(inner.front())) inner.remove_prefix(1);
      std::size_t end = 0;
      for (std::size_t k = 0; k < inner.size();) {
        if (inner[k] == '\\' && k + 1 < inner.size()) {
          k += 2;
          end = k;
        } else {
          if (!is_cfws_space(inner[k])) end = k + 1;
          ++k;
        }
      }
      inner = inner.substr(0, end);
      if (inner.empty()) return invalid("empty domain literal", t_[i_].offset);
      mb.domain = std::string(inner);
      mb.domain_literal = true;
      ++i_;
      return {};
    }
    if (!at_atom()) return invalid("missing domain", offset_here());
    const std::size_t offset = t_[i_].offset;
    std::string text(t_[i_].text);
    ++i_;
    while (at_special('.')) {
      if (i_ + 1 < t_.size() && t_[i_ + 1].type == TokenType::kAtom) {
        text.push_back('.');
        text.append(t_[i_ + 1].text);
        i_ += 2;
      } else {
        ++i_;  // the trailing dot
        break;
      }
    }
    auto name = DomainName::parse(text);
    if (!name) return invalid("invalid domain (" + name.error().message + ")", offset);
    mb.domain = name->str();
    mb.domain_name = std::move(*name);
    return {};
  }

  // After '<': [obs-route] addr-spec '>'.
  Result<void> angle_addr(Mailbox& mb) {
    if (at_special('>')) return invalid("empty address '<>'", t_[i_].offset);
    if (at_special('@') || at_special(',')) {  // obs-route (§4.4): dropped
      bool any = false;
      for (;;) {
        if (at_special(',')) {
          ++i_;
        } else if (at_special('@')) {
          ++i_;
          Mailbox route;
          if (auto r = domain(route); !r) return r;
          any = true;
        } else {
          break;
        }
      }
      if (!any || !at_special(':')) return invalid("invalid route in angle address", offset_here());
      ++i_;
    }
    const std::size_t local_begin = i_;
    while (at_word() || at_special('.')) ++i_;
    if (!at_special('@')) return invalid("missing '@' in angle address", offset_here());
    auto local = local_part(local_begin, i_);
    if (!local) return std::unexpected(std::move(local.error()));
    mb.local_part = std::move(*local);
    ++i_;
    if (auto r = domain(mb); !r) return r;
    if (!at_special('>')) return invalid("missing '>'", offset_here());
    ++i_;
    return {};
  }

  const std::vector<Token>& t_;
  const AddressLimits& limits_;
  const bool allow_groups_;
  std::size_t i_ = 0;
  std::vector<Mailbox> out_;
};

Result<std::vector<Mailbox>> parse_list(std::string_view value, const AddressLimits& limits,
                                        bool allow_groups) {
  if (value.size() > limits.max_input_bytes) {
    return limit_error("address list input", "max_input_bytes", limits.max_input_bytes);
  }
  auto tokens = tokenize(value);
  if (!tokens) return std::unexpected(std::move(tokens.error()));
  return Parser(*tokens, limits, allow_groups).run();
}

}  // namespace

std::string Mailbox::addr_spec() const {
  std::string out = local_part;
  out.push_back('@');
  if (domain_literal) {
    out.push_back('[');
    out.append(domain);
    out.push_back(']');
  } else {
    out.append(domain);
  }
  return out;
}

Result<std::vector<Mailbox>> parse_address_list(std::string_view unfolded_value,
                                                const AddressLimits& limits) {
  return parse_list(unfolded_value, limits, true);
}

Result<std::vector<Mailbox>> parse_mailbox_list(std::string_view unfolded_value,
                                                const AddressLimits& limits) {
  return parse_list(unfolded_value, limits, false);
}

Result<Mailbox> parse_mailbox(std::string_view unfolded_value, const AddressLimits& limits) {
  auto list = parse_list(unfolded_value, limits, false);
  if (!list) return std::unexpected(std::move(list.error()));
  if (list->size() != 1) {
    return fail(ErrorKind::kInvalidInput,
                "expected exactly one mailbox, found " + std::to_string(list->size()));
  }
  return std::move(list->front());
}

AuthorDomains summarize_authors(std::vector<Mailbox> mailboxes, std::size_t from_fields) {
  AuthorDomains a;
  a.from_fields = from_fields;
  std::unordered_set<std::string> keys;
  for (const Mailbox& mb : mailboxes) {
    if (mb.domain_literal) {
      a.has_domain_literal = true;
      // '[' cannot start a DNS name, so literal keys never meet name keys.
      keys.insert("[" + to_lower(mb.domain) + "]");
    } else if (keys.insert(mb.domain_name.lower()).second) {
      a.distinct_domains.push_back(mb.domain_name);
    }
  }
  if (mailboxes.empty()) {
    a.shape = AuthorShape::kNone;
  } else if (mailboxes.size() == 1) {
    a.shape = AuthorShape::kSingle;
  } else if (keys.size() == 1) {
    a.shape = AuthorShape::kSeveralOneDomain;
  } else {
    a.shape = AuthorShape::kSeveralDomains;
  }
  a.mailboxes = std::move(mailboxes);
  return a;
}

Result<AuthorDomains> parse_authors(const Message& message, const AddressLimits& limits) {
  std::vector<Mailbox> all;
  const auto fields = message.find_all("From");
  for (const HeaderField* field : fields) {
    auto list = parse_address_list(field->unfolded(), limits);
    if (!list) return std::unexpected(std::move(list.error()));
    if (list->size() > limits.max_addresses - all.size()) {
      return limit_error("address count", "max_addresses", limits.max_addresses);
    }
    for (Mailbox& mb : *list) all.push_back(std::move(mb));
  }
  return summarize_authors(std::move(all), fields.size());
}

}  // namespace authguard
