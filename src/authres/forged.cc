// forged.cc: RFC 8601 §5 removal of Authentication-Results fields that use
// our authserv-id.
#include "authres/forged.h"

#include <algorithm>

#include "authres/parse.h"
#include "core/strings.h"

namespace authguard::authres {

namespace {

constexpr std::string_view kFieldName = "Authentication-Results";

std::string_view normalized(std::string_view id) noexcept {
  id = trim(id);
  if (!id.empty() && id.back() == '.') id.remove_suffix(1);
  return id;
}

}  // namespace

bool same_authserv_id(std::string_view a, std::string_view b) noexcept {
  a = normalized(a);
  b = normalized(b);
  return !a.empty() && iequals(a, b);
}

std::vector<std::size_t> find_claiming(const Message& message, std::string_view authserv_id) {
  std::vector<std::size_t> out;
  if (normalized(authserv_id).empty()) return out;
  const std::vector<HeaderField>& headers = message.headers();
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const HeaderField& field = headers[i];
    if (!field.has_name(kFieldName)) continue;
    // The first token is what any reader, strict or lax, takes for the
    // authserv-id; the parse catches a quoted or commented one the same way
    // and is checked too so the two rules can never drift apart.
    bool claims = same_authserv_id(leading_value(field.value), authserv_id);
    if (!claims) {
      auto parsed = parse(field.value);
      claims = parsed && same_authserv_id(parsed->authserv_id, authserv_id);
    }
    if (claims) out.push_back(i);
  }
  return out;
}

std::string remove_fields(std::string_view message_bytes, const Message& message,
                          const std::vector<std::size_t>& indices) {
  std::vector<std::size_t> sorted = indices;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

  const std::vector<HeaderField>& headers = message.headers();
  std::string out;
  out.reserve(message_bytes.size());
  std::size_t copied_to = 0;
  for (std::size_t i : sorted) {
    if (i >= headers.size()) continue;
    const HeaderField& f = headers[i];
    // The field must be where the Message says, in this very buffer.
    if (f.offset < copied_to || f.end < f.offset || f.end > message_bytes.size() ||
        message_bytes.substr(f.offset, f.end - f.offset) != f.raw) {
      continue;
    }
    out.append(message_bytes.substr(copied_to, f.offset - copied_to));
    copied_to = f.end;
  }
  out.append(message_bytes.substr(copied_to));
  return out;
}

}  // namespace authguard::authres
