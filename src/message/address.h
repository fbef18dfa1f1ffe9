// address.h: RFC 5322 §3.4 address lists (From, Sender, Reply-To, To, Cc)
// and the author domains DMARC evaluates.
//
// The parser returns every mailbox an address list names, so DMARC sees
// every author: "From: a@evil.example, b@victim.example" yields both (the
// class of OpenDMARC's CVE-2019-16378, where only one was checked). It is
// tolerant where real mail is sloppy and harmless, and strict wherever a
// second reading of the text could name a different or an extra address:
//
//   accepted  display names with unquoted dots ("John Q. Public <j@x>",
//             obs-phrase, §4.1); bare addr-specs; CFWS anywhere (§3.2.2);
//             nested comments with quoted-pairs; groups, also in From
//             (RFC 6854) and also without the final ';' at end of input;
//             obsolete routes "<@a,@b:user@domain>" (§4.4); obs-local-part
//             "john . smith" and odd dots ("john.@x", seen from some mobile
//             carriers); empty list elements "a@x,,b@x" (§4.4); a trailing
//             dot on the domain; 8-bit bytes (RFC 6532); domain literals.
//   rejected  a missing '>' or '"' or ')' or ']'; a word without '@'
//             ("Smith, John <j@x>" names "Smith"); an unquoted '@' or a
//             second address in one element ("a@x <b@y>", "<a@x> <b@y>");
//             text after an address other than ',' or comments; "<>";
//             nested groups; NUL and other control bytes; a domain that is
//             not a valid DomainName.
//
// Comments are nested without recursion (a depth counter), so deep nesting
// cannot exhaust the stack. RFC 2047 encoded words in display names are
// left encoded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/error.h"

namespace authguard {

class Message;

// Named limits on untrusted address text. Going over one gives
// ErrorKind::kLimitExceeded naming it ("address count exceeds limit
// max_addresses=1000").
//
//   AddressLimits limits;
//   limits.max_addresses = 50;
//   auto list = parse_address_list(value, limits);
struct AddressLimits {
  // Bytes of one unfolded field value; far above any real From or To.
  std::size_t max_input_bytes = 128 * 1024;
  // Mailboxes returned (for parse_authors: over all From fields together).
  std::size_t max_addresses = 1000;
};

// One mailbox: addr-spec = local-part "@" domain, with its display name.
//
//   parse_address_list("\"Smith, J.\" <john (x) . smith@Example.COM.>")
//   display_name  "Smith, J."        quoted-pairs decoded, words joined by one space
//   local_part    "john.smith"       as written, CFWS removed; quoted strings keep
//                                    their quotes and backslashes
//   domain        "Example.COM"      as written, CFWS and a trailing dot removed;
//                                    for a literal, the text inside the brackets
//   domain_name   Example.COM        the parsed domain; empty for a literal
struct Mailbox {
  std::string display_name;
  std::string local_part;
  std::string domain;
  bool domain_literal = false;  // "[192.0.2.1]": domain holds "192.0.2.1"
  DomainName domain_name;

  // "local@domain", or "local@[literal]".
  [[nodiscard]] std::string addr_spec() const;
};

// address-list (§3.4): mailboxes and groups. Group members are returned in
// place; an empty group ("undisclosed-recipients:;") adds nothing.
//
//   auto list = parse_address_list(from->unfolded());
//   if (!list) return permerror(list.error().message);
//   for (const Mailbox& mb : *list) check(mb.domain_name);
[[nodiscard]] Result<std::vector<Mailbox>> parse_address_list(std::string_view unfolded_value,
                                                              const AddressLimits& limits = {});

// mailbox-list (§3.4): like parse_address_list, but group syntax is an error.
//
//   auto list = parse_mailbox_list(reply_to->unfolded());
[[nodiscard]] Result<std::vector<Mailbox>> parse_mailbox_list(std::string_view unfolded_value,
                                                              const AddressLimits& limits = {});

// Exactly one mailbox (Sender, §3.6.2); anything else is an error.
//
//   auto sender = parse_mailbox(field->unfolded());
[[nodiscard]] Result<Mailbox> parse_mailbox(std::string_view unfolded_value,
                                            const AddressLimits& limits = {});

// How the authors of a message are spread over domains, for DMARC (RFC 7489
// §6.6.1 leaves several authors to local policy; authguard must see them).
enum class AuthorShape {
  kNone,            // no From field, or From names no mailbox ("undisclosed:;")
  kSingle,          // exactly one mailbox
  kSeveralOneDomain,  // several mailboxes, all in one domain
  kSeveralDomains,  // mailboxes in two or more domains
};

// The authors of a message: every mailbox of every From field.
//
//   auto authors = parse_authors(*message);
//   if (!authors) return permerror(authors.error().message);
//   if (authors->from_fields != 1 || authors->shape == AuthorShape::kSeveralDomains)
//     return reject("ambiguous author");
//   evaluate(authors->distinct_domains.front());
struct AuthorDomains {
  std::size_t from_fields = 0;    // RFC 5322 §3.6 allows exactly one
  std::vector<Mailbox> mailboxes;  // in order, over all From fields
  // Distinct domains, case-insensitive and first-seen order. Literal domains
  // are not DNS names, so they are left out here and flagged below.
  std::vector<DomainName> distinct_domains;
  bool has_domain_literal = false;
  // Counts literal domains as domains (each distinct literal is one).
  AuthorShape shape = AuthorShape::kNone;
};

// Summarizes mailboxes that were parsed elsewhere.
//
//   auto authors = summarize_authors(*parse_address_list(value), 1);
[[nodiscard]] AuthorDomains summarize_authors(std::vector<Mailbox> mailboxes,
                                              std::size_t from_fields);

// Parses every From field of the message as an address list (RFC 6854); an
// error in any of them is an error for all.
//
//   auto authors = parse_authors(message);
[[nodiscard]] Result<AuthorDomains> parse_authors(const Message& message,
                                                  const AddressLimits& limits = {});

}  // namespace authguard
