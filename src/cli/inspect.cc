// inspect.cc: message summaries for `message parse` and the demo.
#include "cli/inspect.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/format.h"
#include "core/strings.h"
#include "message/address.h"

namespace authguard::cli {

namespace {

const char* line_ending_name(LineEnding e) {
  switch (e) {
    case LineEnding::kNone: return "none";
    case LineEnding::kCrlf: return "crlf";
    case LineEnding::kLf: return "lf";
    case LineEnding::kMixed: return "mixed";
  }
  return "none";
}

const char* header_end_name(HeaderEnd e) {
  switch (e) {
    case HeaderEnd::kBlankLine: return "blank-line";
    case HeaderEnd::kNonFieldLine: return "non-field-line";
    case HeaderEnd::kEndOfInput: return "end-of-input";
  }
  return "end-of-input";
}

const char* shape_name(AuthorShape s) {
  switch (s) {
    case AuthorShape::kNone: return "none";
    case AuthorShape::kSingle: return "single";
    case AuthorShape::kSeveralOneDomain: return "several-one-domain";
    case AuthorShape::kSeveralDomains: return "several-domains";
  }
  return "none";
}

}  // namespace

nlohmann::json summarize_message(std::string_view path, std::string_view bytes,
                                 const MessageLimits& limits) {
  nlohmann::json j;
  j["message"] = path;
  auto m = Message::parse(bytes, limits);
  if (!m) {
    j["error"] = m.error().message;
    return j;
  }
  j["bytes"] = bytes.size();
  j["line_ending"] = line_ending_name(m->line_ending());
  j["header_end"] = header_end_name(m->header_end_reason());
  j["has_body"] = m->has_body();
  j["body_bytes"] = m->body().size();
  auto names = nlohmann::json::array();
  for (const auto& h : m->headers()) names.push_back(std::string(h.name));
  j["header_fields"] = names;
  if (const HeaderField* subject = m->find_first("Subject")) {
    std::string value = subject->unfolded();
    j["subject"] = std::string(trim(value));
  }
  auto authors = parse_authors(*m);
  nlohmann::json from;
  if (!authors) {
    from["error"] = authors.error().message;
  } else {
    from["fields"] = authors->from_fields;
    from["shape"] = shape_name(authors->shape);
    auto list = nlohmann::json::array();
    for (const auto& mb : authors->mailboxes) {
      list.push_back({{"display_name", mb.display_name},
                      {"address", mb.addr_spec()},
                      {"domain", mb.domain}});
    }
    from["mailboxes"] = list;
    auto domains = nlohmann::json::array();
    for (const auto& d : authors->distinct_domains) domains.push_back(d.str());
    from["domains"] = domains;
  }
  j["from"] = from;
  return j;
}

std::string render_summary(const nlohmann::json& s) {
  std::string out = fmt::format("{}\n", s["message"].get<std::string>());
  if (s.contains("error")) return out + fmt::format("  error: {}\n", s["error"].get<std::string>());
  out += fmt::format("  {} bytes, {} line endings, {} header fields, body {} bytes ({})\n",
                     s["bytes"].get<std::size_t>(), s["line_ending"].get<std::string>(),
                     s["header_fields"].size(), s["body_bytes"].get<std::size_t>(),
                     s["header_end"].get<std::string>());
  if (s.contains("subject")) {
    out += fmt::format("  subject: {}\n", printable(s["subject"].get<std::string>()));
  }
  const auto& from = s["from"];
  if (from.contains("error")) {
    out += fmt::format("  from: unparsable ({})\n", from["error"].get<std::string>());
    return out;
  }
  out += fmt::format("  from: {} field(s), {}", from["fields"].get<std::size_t>(),
                     from["shape"].get<std::string>());
  std::string sep = " (";
  for (const auto& mb : from["mailboxes"]) {
    out += sep + printable(mb["address"].get<std::string>());
    sep = ", ";
  }
  out += sep == " (" ? "\n" : ")\n";
  return out;
}

}  // namespace authguard::cli
