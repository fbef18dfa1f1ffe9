// relay.cc: SmtpRelay over libcurl's SMTP client, and the message it sends.
#include "quarantine/relay.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "core/strings.h"
#include "message/message.h"

namespace authguard::quarantine {

namespace {

// curl_global_init is not thread-safe and must run once per process.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  std::string_view data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, up->data.size() - up->at);
  std::memcpy(buffer, up->data.data() + up->at, n);
  up->at += n;
  return n;
}

struct CurlFree {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct ListFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

std::string angle(std::string_view address) { return "<" + std::string(address) + ">"; }

// An address we put on an SMTP command line: no CR, LF or NUL (they would
// end the command early and start another).
bool safe_address(std::string_view a) {
  return a.find_first_of(std::string_view("\r\n\0<>", 5)) == std::string_view::npos;
}

}  // namespace

Result<void> validate_relay(const RelayOptions& options) {
  bool smtps = options.url.starts_with("smtps://");
  if (!smtps && !options.url.starts_with("smtp://")) {
    return fail(ErrorKind::kConfig, "relay " + options.url + ": must start smtp:// or smtps://");
  }
  std::string_view rest = std::string_view(options.url).substr(smtps ? 8 : 7);
  if (rest.empty() || rest.front() == ':' || rest.front() == '/') {
    return fail(ErrorKind::kConfig, "relay " + options.url + ": names no host");
  }
  if (options.tls != "none" && options.tls != "starttls") {
    return fail(ErrorKind::kConfig, "relay tls must be \"none\" or \"starttls\"");
  }
  if (smtps && options.tls == "starttls") {
    return fail(ErrorKind::kConfig, "relay " + options.url + ": smtps:// is TLS already; use tls = \"none\"");
  }
  if (options.timeout_seconds <= 0) return fail(ErrorKind::kConfig, "relay timeout must be positive");
  return {};
}

SmtpRelay::SmtpRelay(RelayOptions options) : options_(std::move(options)) {}

Result<void> SmtpRelay::send(const OutboundMessage& message) {
  if (auto r = validate_relay(options_); !r) return r;
  if (message.recipients.empty()) return fail(ErrorKind::kInvalidInput, "relay: no recipients");
  if (message.recipients.size() > kMaxRelayRecipients) {
    return fail(ErrorKind::kLimitExceeded, "relay: more than " + std::to_string(kMaxRelayRecipients) +
                                               " recipients");
  }
  // The null reverse-path, however the envelope recorded it.
  const std::string_view sender = unbracketed(message.mail_from);
  const bool null_sender = sender.empty();
  if (!null_sender && !safe_address(sender)) {
    return fail(ErrorKind::kInvalidInput, "relay: the sender address holds a line break or bracket");
  }
  global_init();
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return fail(ErrorKind::kInternal, "relay: curl_easy_init failed");
  std::unique_ptr<curl_slist, ListFree> rcpts;
  for (const auto& recipient : message.recipients) {
    std::string_view r = unbracketed(recipient);
    if (!safe_address(r) || r.empty()) {
      return fail(ErrorKind::kInvalidInput, "relay: a recipient address is empty or holds a line break");
    }
    curl_slist* next = curl_slist_append(rcpts.get(), angle(r).c_str());
    if (next == nullptr) return fail(ErrorKind::kInternal, "relay: out of memory");
    (void)rcpts.release();
    rcpts.reset(next);
  }
  // The URL's path is the EHLO name libcurl sends.
  std::string url = options_.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!options_.helo.empty()) url += "/" + options_.helo;
  std::string from = null_sender ? "<>" : angle(sender);
  Upload up{message.data};
  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.data.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout_seconds));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(options_.timeout_seconds, 30)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  if (options_.tls == "starttls") curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {};
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  std::string why = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
  std::string text = "relay " + options_.url + ": " + why;
  if (reply >= 500 && reply < 600) {
    return fail(ErrorKind::kInvalidInput, text + " (the relay refused it: " + std::to_string(reply) + ")");
  }
  return fail(ErrorKind::kTemporary, text);
}

std::string smtp_data(std::string_view raw, std::string_view header_name, std::string_view value) {
  std::string out;
  out.reserve(raw.size() + header_name.size() + value.size() + 64);
  if (!value.empty()) {
    out.append(header_name).append(": ").append(value).append("\r\n");
  }
  // The header block ends where the message model ends it (an empty line, or
  // the first line that is neither a field nor a continuation: Postfix's
  // rule), so a field is removed only where the inbound verdict would read
  // it, and the body is passed on untouched.
  // A message the model refuses (over a limit) ends at its first empty line.
  std::size_t header_end = raw.size();
  // A header ended by a non-field line gets the empty line it lacked, so the
  // field added on top can't run into the body (a body line starting with
  // white space would continue it; the lines after would read as fields).
  bool add_blank_line = false;
  // An mbox "From " line on top is a storage artifact the model skips (as
  // Postfix's sendmail does): it is not sent, or it would become body text.
  bool skip_mbox_line = false;
  if (auto m = Message::parse(raw)) {
    header_end = raw.size() - m->body().size();
    add_blank_line = m->header_end_reason() == HeaderEnd::kNonFieldLine;
    skip_mbox_line = !m->mbox_from_line().empty();
  } else {
    for (std::size_t pos = 0; pos < raw.size();) {
      std::size_t eol = raw.find('\n', pos);
      std::string_view line = raw.substr(pos, eol == std::string_view::npos ? raw.size() - pos : eol - pos);
      if (line.empty() || line == "\r") {
        header_end = pos;
        break;
      }
      if (eol == std::string_view::npos) break;
      pos = eol + 1;
    }
  }
  bool skipping = false;  // inside a field being removed (its continuation lines too)
  std::size_t at = 0;
  while (at < raw.size()) {
    const bool in_header = at < header_end;
    if (add_blank_line && !in_header) {
      out.append("\r\n");
      add_blank_line = false;
    }
    // Lines end in LF or CRLF, as the message model reads them; a bare CR
    // is line content there, and stays so here.
    std::size_t end = raw.find('\n', at);
    std::string_view line = raw.substr(at, end == std::string_view::npos ? raw.size() - at : end - at);
    at = end == std::string_view::npos ? raw.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (skip_mbox_line) {
      skip_mbox_line = false;
      continue;
    }
    if (in_header) {
      if (line.empty()) {
        skipping = false;
      } else if (line.front() == ' ' || line.front() == '\t') {
        if (skipping) continue;
      } else {
        std::size_t colon = line.find(':');
        std::string_view name = trim(line.substr(0, colon == std::string_view::npos ? 0 : colon));
        skipping = !header_name.empty() && colon != std::string_view::npos && iequals(name, header_name);
        if (skipping) continue;
      }
    }
    out.append(line).append("\r\n");
  }
  return out;
}

}  // namespace authguard::quarantine
