// report.cc: the submission message of a report.
#include "quarantine/report.h"

#include <algorithm>

#include "quarantine/relay.h"

namespace authguard::quarantine {

std::string plain_ascii(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

const char* report_kind_name(ReportKind kind) noexcept {
  return kind == ReportKind::kFalsePositive ? "false-positive" : "false-negative";
}

std::optional<ReportKind> parse_report_kind(std::string_view text) noexcept {
  if (text == "false-positive") return ReportKind::kFalsePositive;
  if (text == "false-negative") return ReportKind::kFalseNegative;
  return std::nullopt;
}

std::string submission_message(const QuarantineEntry& entry, ReportKind kind,
                               const SubmissionAddresses& addresses, UnixTime now) {
  std::string data = smtp_data(entry.raw, "", "");
  // A boundary that does not occur in the attached message (RFC 2046 §5.1.1).
  std::string boundary = "authguard-report-" + entry.id + "-" + std::to_string(now);
  while (data.find(boundary) != std::string::npos) boundary += "x";
  const char* name = report_kind_name(kind);
  const bool positive = kind == ReportKind::kFalsePositive;
  std::string recipients;
  for (const auto& r : entry.recipients) recipients += (recipients.empty() ? "" : ", ") + plain_ascii(r);

  std::string m;
  m += "From: authguard <" + addresses.from + ">\r\n";
  m += "To: <" + addresses.to + ">\r\n";
  m += "Date: " + format_utc(now, "%a, %d %b %Y %H:%M:%S +0000") + "\r\n";
  m += "Subject: authguard report: " + std::string(name) + " " + entry.id + "\r\n";
  m += "Message-ID: <report." + entry.id + "." + std::to_string(now) + "@" +
       addresses.from.substr(addresses.from.find('@') + 1) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "X-Authguard-Report: " + std::string(name) + "; id=" + entry.id + "\r\n";
  m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "This is a multi-part message in MIME format.\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
  m += std::string("An administrator reported quarantined message ") + entry.id + " as a " + name +
       (positive ? ": good mail that was held back.\r\n" : ": bad mail the verdict let through.\r\n");
  m += "\r\n";
  m += "Received:   " + iso8601(entry.received) + "\r\n";
  m += "Client:     " + plain_ascii(entry.client_ip) + " (helo " + plain_ascii(entry.helo) + ")\r\n";
  m += "Mail from:  " + plain_ascii(entry.mail_from) + "\r\n";
  m += "Recipients: " + recipients + "\r\n";
  m += "From:       " + plain_ascii(entry.from_addr) + "\r\n";
  m += "Subject:    " + plain_ascii(entry.subject) + "\r\n";
  m += "Rule:       " + plain_ascii(entry.rule) + " (" + plain_ascii(entry.policy) + ")\r\n";
  m += "Verdict:    " + plain_ascii(entry.verdict_json, 4000) + "\r\n";
  m += "\r\nThe message as received is attached.\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: message/rfc822\r\n";
  m += "Content-Disposition: attachment; filename=\"" + entry.id + ".eml\"\r\n";
  bool eight_bit = std::any_of(data.begin(), data.end(), [](char c) { return (c & 0x80) != 0; });
  if (eight_bit) m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "\r\n";
  m += data;
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace authguard::quarantine
