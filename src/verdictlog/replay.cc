// replay.cc: logged verdicts to and from RuleInput, and the rules simulator.
#include "verdictlog/replay.h"

#include <algorithm>

#include "core/ip.h"

namespace authguard::verdictlog {

namespace {

policy::Disposition severity(const policy::Action& a) {
  using K = policy::Action::Kind;
  switch (a.kind) {
    case K::kReject: return policy::Disposition::kReject;
    case K::kQuarantine: return policy::Disposition::kQuarantine;
    case K::kJunk: return policy::Disposition::kJunk;
    default: return policy::Disposition::kDeliver;
  }
}

}  // namespace

LoggedVerdict logged_verdict(const policy::RuleInput& in, UnixTime time, std::string_view subject,
                             std::string_view mail_from) {
  LoggedVerdict e;
  e.time = time;
  e.headers.reserve(in.headers.size());
  for (const auto& [name, value] : in.headers) e.headers.emplace_back(name, value);
  e.from_address = in.from_address;
  e.from_domain = in.from_domain;
  e.client_ip = in.client_ip ? in.client_ip->str() : "";
  e.spf = in.spf;
  e.dkim = in.dkim;
  e.dmarc = in.dmarc;
  e.compauth = in.compauth;
  e.dmarc_action = in.dmarc_action;
  e.recipients = in.recipients;
  e.size = in.size;
  e.accepted_spoof = in.accepted_spoof;
  e.subject = std::string(subject);
  e.mail_from = std::string(mail_from);
  return e;
}

policy::RuleInput to_rule_input(const LoggedVerdict& e) {
  policy::RuleInput in;
  in.headers.reserve(e.headers.size());
  for (const auto& [name, value] : e.headers) in.headers.emplace_back(name, value);
  in.from_address = e.from_address;
  in.from_domain = e.from_domain;
  if (!e.client_ip.empty()) {
    if (auto ip = IpAddress::parse(e.client_ip)) in.client_ip = *ip;
  }
  in.spf = e.spf;
  in.dkim = e.dkim;
  in.dmarc = e.dmarc;
  in.compauth = e.compauth;
  in.dmarc_action = e.dmarc_action;
  in.recipients = e.recipients;
  in.size = e.size;
  in.accepted_spoof = e.accepted_spoof;
  return in;
}

Simulator::Simulator(const std::vector<policy::Rule>& rules, std::size_t max_samples)
    : rules_(rules), max_samples_(max_samples) {
  // run_rules' order: priority, then name.
  std::vector<const policy::Rule*> ordered;
  for (const auto& r : rules) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const policy::Rule* a, const policy::Rule* b) {
    return a->priority != b->priority ? a->priority < b->priority : a->name < b->name;
  });
  for (const policy::Rule* r : ordered) {
    RuleSimulation s;
    s.name = r->name;
    s.priority = r->priority;
    s.enforce = r->enforce;
    for (const auto& a : r->actions) {
      s.actions.push_back(a.describe());
      s.disposition = std::max(s.disposition, severity(a));
    }
    index_.emplace(s.name, report_.rules.size());
    report_.rules.push_back(std::move(s));
  }
}

void Simulator::add(const LoggedVerdict& entry) {
  policy::RuleInput in = to_rule_input(entry);
  policy::RulesOutcome out = policy::run_rules(rules_, in);
  ++report_.messages;
  ++report_.dispositions[static_cast<std::size_t>(out.disposition)];
  for (const auto& m : out.matched) {
    auto it = index_.find(m.name);
    if (it == index_.end()) continue;  // rule names are unique; this can't happen
    RuleSimulation& s = report_.rules[it->second];
    ++s.hits;
    if (s.samples.size() < max_samples_) {
      s.samples.push_back(
          Sample{entry.time, entry.from_address, entry.mail_from, entry.subject, entry.recipients});
    }
  }
}

SimulationReport simulate(const std::vector<policy::Rule>& rules,
                          const std::vector<LoggedVerdict>& entries, std::size_t max_samples) {
  Simulator sim(rules, max_samples);
  for (const auto& e : entries) sim.add(e);
  return sim.report();
}

}  // namespace authguard::verdictlog
