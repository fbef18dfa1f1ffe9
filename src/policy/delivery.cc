// delivery.cc: the milter's plan for a checked message.
#include "policy/delivery.h"

#include <algorithm>
#include <map>

#include "core/domain.h"
#include "core/strings.h"
#include "quarantine/release.h"

namespace authguard::policy {

namespace {

// RFC 5322 §3.6.8: field-name = 1*ftext, printable US-ASCII but the colon.
bool field_name_ok(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= 33 && c <= 126 && c != ':'; });
}

// A single-line value of our own making or an administrator's: no line
// breaks, no NUL, nothing that could start a new field.
bool value_ok(std::string_view value) {
  return value.size() <= 900 && value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Printable ASCII only, for an SMTP reply text.
std::string reply_text(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 400)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

std::string milter_value(std::string_view value) {
  while (value.ends_with('\r') || value.ends_with('\n')) value.remove_suffix(1);
  std::string out;
  out.reserve(value.size() + 1);
  if (value.empty() || (value.front() != ' ' && value.front() != '\t')) out += ' ';
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\0') continue;  // no C string carries it (a sender's Subject may)
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') ++i;
      out += '\n';
      // A line break goes on only as a fold: the next line starts with white space.
      if (i + 1 >= value.size() || (value[i + 1] != ' ' && value[i + 1] != '\t')) out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

DeliveryPlan plan_delivery(const Message& message, const InboundVerdict& verdict, const Envelope& envelope,
                           std::string_view junk_header) {
  DeliveryPlan plan;
  if (!verdict.temporary_error.empty()) {
    plan.answer = DeliveryPlan::Answer::kTempFail;
    plan.code = "451";
    plan.xcode = "4.3.0";
    plan.text = "temporary authentication failure, try again later";
    return plan;
  }
  const auto& actions = verdict.rules.actions;
  switch (verdict.rules.disposition) {
    case Disposition::kReject: {
      plan.answer = DeliveryPlan::Answer::kReject;
      plan.code = "550";
      plan.xcode = "5.7.1";
      plan.text = "rejected by DMARC policy for " + reply_text(verdict.dmarc.header_from);
      for (const auto& a : actions) {
        if (a.kind != Action::Kind::kReject) continue;
        plan.code = std::to_string(a.code);
        plan.text = reply_text(a.value);
      }
      return plan;
    }
    case Disposition::kQuarantine:
      plan.answer = DeliveryPlan::Answer::kDiscard;
      return plan;
    case Disposition::kJunk:
    case Disposition::kDeliver:
      break;
  }

  // 1. Removals, by place among the fields of each name as received.
  std::vector<std::string> remove_names;
  for (const auto& a : actions) {
    if (a.kind != Action::Kind::kRemoveHeader) continue;
    if (field_name_ok(a.name)) {
      remove_names.push_back(a.name);
    } else {
      plan.skipped.push_back("remove_header: bad field name");
    }
  }
  const auto& fields = message.headers();
  std::map<std::string, std::size_t> seen;  // lower-case name -> fields so far
  std::vector<HeaderEdit> removals;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const HeaderField& f = fields[i];
    std::size_t place = ++seen[to_lower(f.name)];
    bool forged = std::find(verdict.forged_authres.begin(), verdict.forged_authres.end(), i) !=
                  verdict.forged_authres.end();
    bool marker = f.has_name(quarantine::kReleaseHeader);
    bool asked = std::any_of(remove_names.begin(), remove_names.end(),
                             [&](const std::string& n) { return f.has_name(n); });
    if (forged || marker || asked) {
      removals.push_back({HeaderEdit::Kind::kRemove, std::string(f.name), "", place});
    }
  }
  // The last place of each name first: removing it does not renumber the others.
  std::reverse(removals.begin(), removals.end());
  plan.headers = std::move(removals);

  // 2. Our Authentication-Results on top.
  std::string_view ar = verdict.authentication_results;
  while (ar.ends_with('\n') || ar.ends_with('\r')) ar.remove_suffix(1);
  if (std::size_t colon = ar.find(':'); colon != std::string_view::npos) {
    plan.headers.push_back({HeaderEdit::Kind::kInsert, std::string(ar.substr(0, colon)),
                            milter_value(ar.substr(colon + 1)), 0});
  }

  // 3. Junk, then added fields.
  if (verdict.rules.disposition == Disposition::kJunk) {
    std::size_t colon = junk_header.find(':');
    std::string_view name = colon == std::string_view::npos ? junk_header : junk_header.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : junk_header.substr(colon + 1);
    name = trim(name);
    if (field_name_ok(name) && value_ok(value)) {
      plan.headers.push_back({HeaderEdit::Kind::kAdd, std::string(name), milter_value(trim(value)), 0});
    } else {
      plan.skipped.push_back("junk: junk_header is not a header field");
    }
  }
  for (const auto& a : actions) {
    if (a.kind != Action::Kind::kAddHeader) continue;
    if (field_name_ok(a.name) && value_ok(a.value)) {
      plan.headers.push_back({HeaderEdit::Kind::kAdd, a.name, milter_value(a.value), 0});
    } else {
      plan.skipped.push_back("add_header " + reply_text(a.name) + ": not a well-formed field");
    }
  }

  // 4. The subject prefixes, in rule order, the first rule's outermost.
  std::string prefix;
  for (auto it = actions.rbegin(); it != actions.rend(); ++it) {
    if (it->kind != Action::Kind::kPrependSubject) continue;
    if (value_ok(it->value)) {
      prefix = it->value + prefix;
    } else {
      plan.skipped.push_back("prepend_subject: the prefix holds a line break");
    }
  }
  if (!prefix.empty()) {
    const HeaderField* subject = message.find_first("Subject");
    std::string_view old = subject != nullptr ? subject->value : std::string_view();
    while (!old.empty() && (old.front() == ' ' || old.front() == '\t')) old.remove_prefix(1);
    if (subject != nullptr) {
      plan.headers.push_back({HeaderEdit::Kind::kChange, "Subject", milter_value(prefix + std::string(old)), 1});
    } else {
      plan.headers.push_back({HeaderEdit::Kind::kAdd, "Subject", milter_value(prefix), 0});
    }
  }

  // Redirect: every recipient replaced by the redirect addresses.
  for (const auto& a : actions) {
    if (a.kind != Action::Kind::kRedirect) continue;
    if (!is_mail_address(a.value) || !value_ok(a.value)) {
      plan.skipped.push_back("redirect: not an address");
      continue;
    }
    if (std::find(plan.add_recipients.begin(), plan.add_recipients.end(), a.value) == plan.add_recipients.end()) {
      plan.add_recipients.push_back(a.value);
    }
  }
  if (!plan.add_recipients.empty()) plan.remove_recipients = envelope.recipients;
  return plan;
}

}  // namespace authguard::policy
