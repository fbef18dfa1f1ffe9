// quarantine_fuzz.cc: fuzz target for what the quarantine does with a held
// message's bytes (src/quarantine/): the safe text preview `quarantine show`
// prints (MIME walk, base64 and quoted-printable decoding), the data a release
// sends (line ends, the release marker replacing any other), and a report's
// submission message.
//
// Invariants: nothing crashes or hangs; a preview has no control byte but
// LF and TAB, is valid UTF-8 with no bidi override, and stays within its
// byte limit; smtp_data ends every line in CRLF, starts with the marker and
// carries no other Authguard-Release field as the message model reads it; the
// submission's boundary does not occur in the attached message; a release
// marker is valid only with the key's mac, and what parses as its id is
// alphanumeric; a released message carries one marker, which verifies.
//
//   quarantine_fuzz_replay fuzz/corpus/quarantine_fuzz
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "message/message.h"
#include "quarantine/preview.h"
#include "quarantine/relay.h"
#include "quarantine/release.h"
#include "quarantine/report.h"
#include "quarantine/user_release.h"

namespace {

using namespace authguard;
using namespace authguard::quarantine;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_safe(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x80) {
      check(u >= 0x20 ? u != 0x7f : (text[i] == '\n' || text[i] == '\t'));
      continue;
    }
    // safe_text keeps only whole, valid sequences: re-running it changes nothing.
  }
  check(safe_text(text) == text);
  check(text.find("\xe2\x80\xae") == std::string_view::npos);  // RIGHT-TO-LEFT OVERRIDE
}

void check_smtp_data(const std::string& data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n') check(i > 0 && data[i - 1] == '\r');
  }
  check(data.ends_with("\r\n"));
  check(data.starts_with("Authguard-Release: v=1; id=00000000000000aa\r\n"));
  // As the inbound verdict reads it: the fresh marker is the only one.
  if (auto m = Message::parse(data)) {
    check(m->find_all(kReleaseHeader).size() == 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(data, data + size);
  check_safe(safe_text(input));
  if (auto m = Message::parse(input)) {
    Preview p = text_preview(*m);
    check(p.text.size() <= kMaxPreviewBytes);
    check_safe(p.text);
  }
  check_smtp_data(smtp_data(input, kReleaseHeader, "v=1; id=00000000000000aa"));
  // The release marker as a sender may write it: never valid without the
  // key's mac, and a parsed id is only letters and digits.
  const std::string key(kReleaseKeyBytes, 'k');
  check(!valid_release_marker(key, input, "body\r\n", 1700000000) || input.find("mac=") != std::string::npos);
  for (char c : release_marker_id(input)) check(is_alpha(c) || is_digit(c));
  std::string genuine = release_marker(key, "00000000000000aa", input, 1700000000);
  check(valid_release_marker(key, genuine, input, 1700000000));
  check(!valid_release_marker(key, genuine + input.substr(0, 1), input, 1700000000) || input.empty() ||
        input[0] == ' ' || input[0] == '\t' || input[0] == '\r' || input[0] == '\n');
  // A release as `quarantine release` makes it (held.cc): the marker binds
  // the body as sent, so the verdict on the way back finds exactly one
  // marker, and it verifies.
  std::string sent = smtp_data(input, kReleaseHeader, "");
  if (auto before = Message::parse(sent)) {
    std::string marker = release_marker(key, "00000000000000aa", before->body(), 1700000000);
    std::string delivered = std::string(kReleaseHeader) + ": " + marker + "\r\n" + sent;
    if (auto after = Message::parse(delivered)) {
      auto fields = after->find_all(kReleaseHeader);
      check(fields.size() == 1);
      check(valid_release_marker(key, fields[0]->unfolded(), after->body(), 1700000000));
    }
  }
  QuarantineEntry e;
  e.id = "00000000000000aa";
  e.raw = input;
  e.subject = input.substr(0, 200);
  std::string report = submission_message(e, ReportKind::kFalsePositive,
                                          {.from = "postmaster@mx.example.net", .to = "abuse@example.net"}, 0);
  auto b = report.find("boundary=\"");
  check(b != std::string::npos);
  std::string boundary = report.substr(b + 10, report.find('"', b + 10) - b - 10);
  check(smtp_data(input, "", "").find(boundary) == std::string::npos);
  // A recipient's release request as a sender may write it: a found one is
  // well-formed, and only the genuine token releases, to its recipient.
  e.policy = std::string(kPolicyUserRelease);
  e.expires = 1700000000 + 86400;
  e.recipients = {"alice@ours.example", input.substr(0, 64)};
  if (auto req = find_release_request(input)) {
    check(req->id.size() == 16);
    for (char c : req->id) check(is_digit(c) || (c >= 'a' && c <= 'f'));
    auto who = authorize_user_release(key, e, req->token, 1700000000);
    check(!who || req->token == release_token(key, e.id, 0, *who) || req->token == release_token(key, e.id, 1, *who));
  }
  std::string token = release_token(key, e.id, 1, e.recipients[1]);
  auto who = authorize_user_release(key, e, token, 1700000000);
  check(who && *who == e.recipients[1]);
  std::vector<DigestItem> items = {{&e, token}};
  std::string digest = digest_message(
      items, {.from = "quarantine@mx.example.net", .to = input.substr(0, 64), .release_address = "r@mx.example.net"},
      0, 1700000000);
  for (std::size_t i = 0; i < digest.size(); ++i) {
    check(static_cast<unsigned char>(digest[i]) < 0x80);
    if (digest[i] == '\n') check(i > 0 && digest[i - 1] == '\r');
  }
  // The sender's text stays in the body: the header block is ours alone.
  auto digested = Message::parse(digest);
  check(digested.has_value() && digested->headers().size() == 9);
  auto found = find_release_request(digest.substr(digest.find("     release ")));
  check(found && found->token == token);
  return 0;
}
