// tags.h: the tag=value list syntax shared by DKIM-Signature, DKIM key
// records (RFC 6376 §3.2) and, later, ARC and DMARC records.
//
//   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//   tag-name  =  ALPHA *ALNUMPUNC
//   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//   tval      =  1*VALCHAR
//   VALCHAR   =  %x21-3A / %x3C-7E
//
//   auto tags = parse_tag_list("v=1; a=rsa-sha256; d=example.com");
//   tags->find("d")->value;   // "example.com"
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace authguard::dkim {

struct TagLimits {
  std::size_t max_tags = 64;              // a signature has 14 defined tags
  std::size_t max_value_bytes = 16384;    // b= of a 16384-bit key is 2731 bytes
};

struct Tag {
  std::string_view name;
  std::string_view value;    // trimmed of surrounding whitespace, folding kept inside
  std::size_t value_begin = 0;  // offset just after '=' in the input
  std::size_t value_end = 0;    // offset of the ';' that ends it, or the input's end
};

class TagList {
 public:
  [[nodiscard]] const Tag* find(std::string_view name) const noexcept;
  [[nodiscard]] const std::vector<Tag>& tags() const noexcept { return tags_; }

 private:
  friend Result<TagList> parse_tag_list(std::string_view, const TagLimits&);
  std::vector<Tag> tags_;
};

// Errors: a tag without '=', an invalid tag name or value character, a
// duplicate tag (RFC 6376 §3.2: "Tags with duplicate names MUST NOT occur"),
// or a limit exceeded. Tag names are case-sensitive.
[[nodiscard]] Result<TagList> parse_tag_list(std::string_view text, const TagLimits& limits = {});

// base64 with folding whitespace allowed anywhere (RFC 6376 §3.5 b=, bh=).
[[nodiscard]] Result<std::string> decode_base64(std::string_view text);
[[nodiscard]] std::string encode_base64(std::string_view bytes);

}  // namespace authguard::dkim
