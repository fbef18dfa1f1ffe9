// header.cc: writing Authentication-Results values (RFC 8601 §2.2) that no
// input can break out of.
#include "authres/header.h"

#include <algorithm>
#include <utility>

#include "authres/syntax.h"
#include "core/strings.h"

namespace authguard::authres {

namespace {

using syntax::is_ctl;
using syntax::is_keyword_char;
using syntax::is_token_char;

// Control characters become spaces: CR or LF would end the field and let the
// rest be read as a header of the sender's choosing. HTAB is kept inside
// quoted strings and comments (it is FWS there, RFC 5322 §3.2.4).
std::string without_controls(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (is_ctl(c) && c != '\t') c = ' ';
  }
  return out;
}

std::string keep_only(std::string_view s, bool (*keep)(char) noexcept) {
  std::string out;
  for (char c : s) {
    if (keep(c)) out.push_back(c);
  }
  return out;
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_token_char(c); });
}

// §2.2 pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]:
// a token with one '@' before a non-empty domain part may stay unquoted.
bool is_plain_pvalue(std::string_view s) noexcept {
  const std::size_t at = s.find('@');
  if (at == std::string_view::npos) return is_token(s);
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view local = s.substr(0, at);
  return (local.empty() || is_token(local)) && is_token(s.substr(at + 1));
}

// RFC 5322 §3.2.4 quoted-string.
std::string quoted(std::string_view s) { return quoted_string(s); }

// value = token / quoted-string (RFC 2045 §5.1), for authserv-id and reason.
std::string value_text(std::string_view s) {
  std::string clean = without_controls(s);
  return is_token(clean) ? clean : quoted(clean);
}

std::string pvalue_text(std::string_view s) {
  std::string clean = without_controls(s);
  return is_plain_pvalue(clean) ? clean : quoted(clean);
}

// RFC 5322 §3.2.2 comment: ctext and quoted-pairs.
std::string comment_text(std::string_view s) {
  return "(" + escaped_comment(without_controls(s)) + ")";
}

bool keyword_char(char c) noexcept { return is_keyword_char(c); }
bool token_char(char c) noexcept { return is_token_char(c); }

}  // namespace

HeaderBuilder::HeaderBuilder(std::string authserv_id) : authserv_id_(std::move(authserv_id)) {}

HeaderBuilder& HeaderBuilder::add(std::string method, std::string result,
                                  std::vector<Property> props, std::string reason,
                                  std::string comment) {
  entries_.push_back(Entry{std::move(method), std::move(result), std::move(props),
                           std::move(reason), std::move(comment)});
  return *this;
}

std::string HeaderBuilder::value() const { return value_with("\r\n\t"); }

std::string HeaderBuilder::field(std::string_view eol) const {
  return "Authentication-Results: " + value_with(eol == "\n" ? "\n\t" : "\r\n\t") +
         std::string(eol);
}

std::string HeaderBuilder::value_with(std::string_view fold) const {
  std::string out = value_text(authserv_id_);
  out += ';';
  bool any = false;
  for (const Entry& e : entries_) {
    std::string method = keep_only(e.method, keyword_char);
    if (method.empty()) continue;
    std::string result = keep_only(e.result, token_char);
    if (result.empty()) result = "none";

    std::string line = method + '=' + result;
    std::vector<std::pair<std::string, std::string>> props;  // (name, value text)
    for (const Property& p : e.props) {
      std::string property = keep_only(p.property, keyword_char);
      if (property.empty()) continue;
      std::string ptype = keep_only(p.ptype, keyword_char);
      props.emplace_back(ptype.empty() ? property : ptype + '.' + property, pvalue_text(p.value));
    }
    // §2.2: a "reason=" right after the result is the reasonspec. When the
    // first property is a bare "reason", an empty reasonspec keeps it a
    // property for whoever parses this.
    if (!e.reason.empty() || (!props.empty() && iequals(props.front().first, "reason"))) {
      line += " reason=" + value_text(e.reason);
    }
    for (const auto& [name, text] : props) line += ' ' + name + '=' + text;
    if (!e.comment.empty()) line += ' ' + comment_text(e.comment);

    if (any) out += ';';
    out += fold;
    out += line;
    any = true;
  }
  if (!any) out += " none";
  return out;
}

}  // namespace authguard::authres
