// address_fuzz.cc: fuzz target for the RFC 5322 address parser
// (src/message/address.h).
//
// Every returned domain must re-parse as a DomainName equal to the one
// returned; every mailbox must round-trip through addr_spec() and a quoted
// display name; mailbox-list and address-list must agree.
//
//   address_fuzz_replay fuzz/corpus/address_fuzz
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "message/address.h"

namespace {

using namespace authguard;

// The replay build has no sanitizer: abort() is what fails the ctest case.
void check(bool ok) {
  if (!ok) std::abort();
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void check_mailbox(const Mailbox& mb) {
  check(!mb.local_part.empty() && !mb.domain.empty());
  if (mb.domain_literal) {
    check(mb.domain_name.empty());
  } else {
    auto again = DomainName::parse(mb.domain);
    check(again.has_value() && *again == mb.domain_name && again->str() == mb.domain);
  }

  // addr-spec round trip.
  auto spec = parse_address_list(mb.addr_spec());
  check(spec.has_value() && spec->size() == 1);
  const Mailbox& s = spec->front();
  check(s.local_part == mb.local_part && s.domain == mb.domain &&
        s.domain_literal == mb.domain_literal && s.display_name.empty());

  // name-addr round trip with the display name quoted.
  auto named = parse_address_list(quote(mb.display_name) + " <" + mb.addr_spec() + ">");
  check(named.has_value() && named->size() == 1);
  check(named->front().display_name == mb.display_name);
  check(named->front().local_part == mb.local_part);
}

void check_list(std::string_view input, const AddressLimits& limits) {
  auto list = parse_address_list(input, limits);
  if (!list) {
    const ErrorKind kind = list.error().kind;
    check(kind == ErrorKind::kInvalidInput || kind == ErrorKind::kLimitExceeded);
    check(!parse_mailbox_list(input, limits).has_value());
    return;
  }
  check(list->size() <= limits.max_addresses);
  for (const Mailbox& mb : *list) check_mailbox(mb);

  // A mailbox-list is an address-list without groups: same result or an error.
  auto mailboxes = parse_mailbox_list(input, limits);
  if (mailboxes) {
    check(mailboxes->size() == list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      check((*mailboxes)[i].addr_spec() == (*list)[i].addr_spec());
    }
  }

  const AuthorDomains authors = summarize_authors(*list, 1);
  check(authors.mailboxes.size() == list->size());
  check(authors.distinct_domains.size() <= list->size());
  switch (authors.shape) {
    case AuthorShape::kNone: check(list->empty()); break;
    case AuthorShape::kSingle: check(list->size() == 1); break;
    case AuthorShape::kSeveralOneDomain:
      check(list->size() > 1 && authors.distinct_domains.size() <= 1);
      break;
    case AuthorShape::kSeveralDomains: check(list->size() > 1); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(data, data + size);
  check_list(input, AddressLimits{});

  AddressLimits tight;
  tight.max_input_bytes = 64;
  tight.max_addresses = 2;
  check_list(input, tight);

  auto one = parse_mailbox(input);
  if (one) check_mailbox(*one);
  return 0;
}
