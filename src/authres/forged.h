// forged.h: finding and removing Authentication-Results fields that claim to
// come from us but arrived with the message (RFC 8601 §5, §7.1).
//
// Only our own MTA may write fields with our authserv-id; one that arrives
// from outside was forged (or leaked from an earlier hop and must not be
// trusted again), and §5 says it MUST be deleted before anything reads it.
// A field too broken to parse is still removed when its first token is our
// authserv-id: an attacker must not keep a forged field by breaking its
// syntax for us while a laxer reader downstream still believes it.
//
//   auto forged = authres::find_claiming(*message, "mx.example.net");
//   if (!forged.empty()) bytes = authres::remove_fields(bytes, *message, forged);
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "message/message.h"

namespace authguard::authres {

// True when two authserv-ids name the same service: ASCII case-insensitive
// (an authserv-id is normally a host or domain name, §2.5), a trailing dot
// and surrounding whitespace ignored. An empty id (Microsoft 365 writes none) equals nothing.
[[nodiscard]] bool same_authserv_id(std::string_view a, std::string_view b) noexcept;

// Indices into message.headers() of the Authentication-Results fields whose
// authserv-id, or first token when the field does not parse, is
// authserv_id; in header order. Empty when authserv_id is empty.
[[nodiscard]] std::vector<std::size_t> find_claiming(const Message& message,
                                                     std::string_view authserv_id);

// message_bytes (the buffer message was parsed from) without the fields at
// these indices, each from its first byte to the end of its line ending
// (HeaderField::offset, ::end); every other byte is kept as it was. Indices
// out of range, repeated, or whose field is not at its offset in
// message_bytes are ignored.
[[nodiscard]] std::string remove_fields(std::string_view message_bytes, const Message& message,
                                        const std::vector<std::size_t>& indices);

}  // namespace authguard::authres
