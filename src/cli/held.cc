// held.cc: verdict JSON, quarantine entries, release and history lessons.
#include "cli/held.h"

#include "cli/format.h"
#include "core/ip.h"
#include "core/log.h"
#include "core/secure.h"
#include "core/strings.h"
#include "history/store.h"
#include "quarantine/relay.h"
#include "quarantine/release.h"
#include "quarantine/report.h"
#include "verdictlog/replay.h"

namespace authguard::cli {

nlohmann::json verdict_json(const std::string& path, const policy::InboundVerdict& v) {
  nlohmann::json j;
  j["message"] = path;
  if (v.spf) {
    j["spf"] = {{"result", spf::result_name(v.spf->result)},
                {"domain", v.spf->domain},
                {"scope", spf::scope_name(v.spf->scope)}};
  } else {
    j["spf"] = {{"result", "none"}, {"domain", ""}, {"scope", "mfrom"}};
  }
  j["dkim"] = nlohmann::json::array();
  for (const auto& s : v.dkim) {
    bool aligned = v.dmarc.dkim_aligned && s.result == dkim::DkimResult::kPass &&
                   iequals(s.domain, v.dmarc.aligned_dkim);
    j["dkim"].push_back({{"result", dkim::result_name(s.result)},
                         {"domain", s.domain},
                         {"selector", s.selector},
                         {"algorithm", s.algorithm},
                         {"key_bits", s.key_bits},
                         {"aligned", aligned}});
  }
  j["compauth"] = {{"result", policy::compauth_status_name(v.compauth.result)},
                   {"reason", v.compauth.reason_text()},
                   {"signals", v.compauth.signals}};
  const auto& d = v.dmarc;
  j["dmarc"] = {{"result", dmarc::result_name(d.result)},
                {"header_from", d.header_from},
                {"org_domain", d.org_domain},
                {"policy_domain", d.policy_domain},
                {"policy", dmarc::policy_name(d.policy)},
                {"action", d.action},
                {"spf_aligned", d.spf_aligned},
                {"dkim_aligned", d.dkim_aligned},
                {"testing", d.testing},
                {"reason", d.reason}};
  j["rules"] = nlohmann::json::array();
  for (const auto& m : v.rules.matched) {
    j["rules"].push_back({{"name", m.name}, {"mode", m.enforce ? "enforce" : "audit"}, {"actions", m.actions}});
  }
  j["disposition"] = policy::disposition_name(v.rules.disposition);
  if (!v.release.empty()) j["release"] = {{"marker", v.release}, {"id", v.released_id}};
  if (!v.temporary_error.empty()) j["temporary_error"] = v.temporary_error;
  std::string ar = v.authentication_results;
  while (!ar.empty() && (ar.back() == '\n' || ar.back() == '\r')) ar.pop_back();
  j["authentication_results"] = ar;
  return j;
}

quarantine::QuarantineEntry held_entry(const policy::InboundVerdict& v, const std::string& path,
                                       const policy::Envelope& env, const Message& message,
                                       std::string subject, UnixTime now) {
  quarantine::QuarantineEntry e;
  e.received = now;
  e.mail_from = env.mail_from;
  e.recipients = env.recipients;
  e.client_ip = env.client_ip ? env.client_ip->str() : "";
  e.helo = env.helo;
  e.subject = std::move(subject);
  e.from_addr = v.dmarc.author_address;
  // The rule that chose the quarantine and its policy, or "policy" when
  // the verdict itself held it.
  e.rule = v.rules.quarantine_rule.empty() ? "policy" : v.rules.quarantine_rule;
  e.policy = v.rules.quarantine_policy.empty() ? std::string(quarantine::kPolicyAdminOnly)
                                               : v.rules.quarantine_policy;
  e.verdict_json = verdict_json(path, v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  e.raw = std::string(message.bytes());
  return e;
}

// The (organizational domain, network) pair a held message came from, as
// its stored verdict and envelope say; nullopt when either is unknown.
namespace {

std::optional<std::pair<std::string, std::string>> sender_pair(const quarantine::QuarantineEntry& e) {
  auto ip = IpAddress::parse(e.client_ip);
  if (!ip) return std::nullopt;
  auto verdict = nlohmann::json::parse(e.verdict_json, nullptr, false);
  if (verdict.is_discarded() || !verdict.contains("dmarc") || !verdict["dmarc"].is_object()) {
    return std::nullopt;
  }
  const auto& d = verdict["dmarc"];
  std::string org = json_string(d, "org_domain");
  if (org.empty()) org = json_string(d, "header_from");
  if (org.empty()) return std::nullopt;
  return std::make_pair(to_lower(org), history::network_key(*ip));
}

}  // namespace

Result<std::string> teach_history(const std::string& state_dir, const quarantine::QuarantineEntry& e,
                                  bool good, UnixTime now) {
  auto pair = sender_pair(e);
  if (!pair) return std::string("no sender pair known (no client IP or From domain); history unchanged");
  auto history = history::SqliteHistoryStore::open(state_dir);
  if (!history) return std::unexpected(history.error());
  auto r = good ? (*history)->reward(pair->first, pair->second, now)
                : (*history)->penalize(pair->first, pair->second, now);
  if (!r) return std::unexpected(r.error());
  return std::string(good ? "history: " + pair->first + " from " + pair->second + " gains a passing message"
                          : "history: " + pair->first + " from " + pair->second +
                                " no longer counts as a known sender for 90 days");
}

std::string json_string(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Result<void> honour_release_markers(const std::string& state_dir, const Config& config,
                                    policy::InboundChecker& checker) {
  auto key = quarantine::read_release_key(state_dir);
  if (!key) return key.error().kind == ErrorKind::kNotFound ? Result<void>() : std::unexpected(key.error());
  checker.honour_release_markers(*key, config.quarantine.marker_max_age_seconds);
  wipe(*key);
  return {};
}

quarantine::RelayOptions relay_options(const Config& config) {
  quarantine::RelayOptions relay = config.quarantine.relay;
  if (relay.helo.empty()) relay.helo = config.authserv_id;
  return relay;
}

Result<std::string> release_held(const Config& config, const std::string& state_dir,
                                 quarantine::QuarantineStore& store, std::string_view id, UnixTime now,
                                 const std::vector<std::string>& to, ReleasedBy by) {
  auto e = store.get(id);
  if (!e) return std::unexpected(e.error());
  const quarantine::RelayOptions relay = relay_options(config);
  quarantine::OutboundMessage out;
  out.mail_from = e->mail_from;
  out.recipients = to.empty() ? e->recipients : to;
  // The message as it will travel (line ends made CRLF, old markers gone);
  // the marker binds its body, which the relay carries unchanged.
  std::string data = quarantine::smtp_data(e->raw, quarantine::kReleaseHeader, "");
  auto parsed = Message::parse(data);
  if (!parsed) return std::unexpected(Error{ErrorKind::kInvalidInput, "held message " + e->id +
                                                                          " does not parse: " +
                                                                          parsed.error().message});
  auto key = quarantine::load_release_key(state_dir);
  if (!key) return std::unexpected(key.error());
  std::string marker = quarantine::release_marker(*key, e->id, parsed->body(), now);
  wipe(*key);
  out.data = std::string(quarantine::kReleaseHeader) + ": " + marker + "\r\n" + data;
  if (auto sent = quarantine::SmtpRelay(relay).send(out); !sent) return std::unexpected(sent.error());
  if (auto r = store.mark_released(e->id, now); !r) return std::unexpected(r.error());
  log::info("quarantine.release", {{"id", e->id},
                                   {"by", by == ReleasedBy::kRecipient ? "recipient" : "administrator"},
                                   {"recipients", std::to_string(out.recipients.size())},
                                   {"relay", relay.url}});
  std::string said =
      "released " + e->id + " to " + printable(joined(out.recipients)) + " via " + relay.url + "\n";
  // The first release of mail nobody reported good already teaches history.
  if (by == ReleasedBy::kAdministrator && e->released == 0 &&
      e->report != quarantine::report_kind_name(quarantine::ReportKind::kFalsePositive)) {
    auto taught = teach_history(state_dir, *e, true, now);
    if (!taught) return std::unexpected(taught.error());
    said += *taught + "\n";
  }
  return said;
}

// record_verdict: the quarantine put comes last (held.h).
Result<std::string> record_verdict(const policy::InboundVerdict& v, const std::string& path,
                           const policy::Envelope& env, const Message& message,
                           history::HistoryStore& history, quarantine::QuarantineStore& held,
                           verdictlog::VerdictLog& log, UnixTime now) {
  if (v.dmarc.result == dmarc::DmarcResult::kPass && env.client_ip) {
    std::string org = !v.dmarc.org_domain.empty() ? v.dmarc.org_domain : v.dmarc.header_from;
    if (auto r = history.record_pass(to_lower(org), history::network_key(*env.client_ip), now); !r) {
      return std::unexpected(r.error());
    }
  }
  std::string subject;
  if (const HeaderField* field = message.find_first("Subject")) subject = std::string(trim(field->unfolded()));
  // Always with headers: a rule added later may read them.
  if (auto r = log.append(verdictlog::logged_verdict(policy::rule_input(message, v, env, true), now,
                                                     subject, env.mail_from));
      !r) {
    return std::unexpected(r.error());
  }
  if (v.rules.disposition != policy::Disposition::kQuarantine) return std::string();
  quarantine::QuarantineEntry e = held_entry(v, path, env, message, subject, now);
  auto id = held.put(e);
  if (!id) return id;
  log::info("quarantine.held", {{"id", *id}, {"rule", e.rule}, {"policy", e.policy},
                                {"from_domain", v.dmarc.header_from}});
  return id;
}

}  // namespace authguard::cli
