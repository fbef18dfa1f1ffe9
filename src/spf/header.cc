// header.cc: Received-SPF (RFC 7208 §9.1) and Authentication-Results method
// text (RFC 8601, RFC 7208 §9.2), with every session value made safe.
#include "spf/header.h"

#include <string_view>

#include "core/strings.h"

namespace authguard::spf {

namespace {

// Caps what one session value may add to a header: a hostile HELO or MAIL
// FROM must not make a header of any size.
constexpr std::size_t kMaxValueBytes = 256;

// RFC 5322 atext.
bool is_atext(char c) noexcept {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_dot_atom(std::string_view s) noexcept {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.' ? prev == '.' : !is_atext(c)) return false;
    prev = c;
  }
  return true;
}

// Control characters (CR and LF above all) become '?'; bytes >= 0x80 stay
// (RFC 6532); the value is capped.
std::string sanitize(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxValueBytes)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  return out;
}

std::string quoted(std::string_view s) { return quoted_string(sanitize(s)); }

std::string dot_atom_or_quoted(std::string_view s) {
  std::string clean = sanitize(s);
  return is_dot_atom(clean) ? clean : quoted(clean);
}

// RFC 5322 comment text: parentheses and backslashes become quoted-pairs.
std::string comment_text(std::string_view s) { return escaped_comment(sanitize(s)); }

std::string comment(const SpfOutput& out, const SpfRequest& request) {
  const std::string ip = request.client_ip.str();
  const std::string& sender = out.sender;
  std::string text;
  switch (out.result) {
    case SpfResult::kPass:
      text = "domain of " + sender + " designates " + ip + " as permitted sender";
      break;
    case SpfResult::kFail:
      text = "domain of " + sender + " does not designate " + ip + " as permitted sender";
      break;
    case SpfResult::kSoftfail:
      text = "domain of transitioning " + sender + " does not designate " + ip +
             " as permitted sender";
      break;
    case SpfResult::kNeutral:
      text = ip + " is neither permitted nor denied by domain of " + sender;
      break;
    case SpfResult::kNone:
      text = "domain of " + sender + " does not designate permitted sender hosts";
      break;
    case SpfResult::kPermError:
      text = "permanent error in processing domain of " + out.domain;
      break;
    case SpfResult::kTempError:
      text = "temporary error in processing domain of " + out.domain;
      break;
  }
  std::string receiver = request.receiver.empty() ? "unknown" : request.receiver;
  return "(" + comment_text(receiver + ": " + text) + ")";
}

}  // namespace

std::string received_spf_value(const SpfOutput& out, const SpfRequest& request) {
  std::string v = result_name(out.result);
  v += ' ';
  v += comment(out, request);
  v += " client-ip=" + dot_atom_or_quoted(request.client_ip.str());
  // The envelope-from as the client sent it: "" for the null reverse-path.
  v += "; envelope-from=" + quoted(request.mail_from == "<>" ? "" : request.mail_from);
  v += "; helo=" + dot_atom_or_quoted(request.helo);
  v += "; receiver=" + dot_atom_or_quoted(request.receiver.empty() ? "unknown" : request.receiver);
  v += "; identity=";
  v += out.scope == SpfScope::kHelo ? "helo" : "mailfrom";
  if (!out.mechanism.empty()) v += "; mechanism=" + dot_atom_or_quoted(out.mechanism);
  if (!out.problem.empty() &&
      (out.result == SpfResult::kPermError || out.result == SpfResult::kTempError)) {
    v += "; problem=" + quoted(out.problem);
  }
  return v;
}

std::string received_spf_field(const SpfOutput& out, const SpfRequest& request) {
  return "Received-SPF: " + received_spf_value(out, request);
}


}  // namespace authguard::spf
