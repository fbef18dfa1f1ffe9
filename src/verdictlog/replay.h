// replay.h: recorded verdicts replayed through mail-flow rules, for
// `authguard rules simulate`: how many messages each rule would have hit,
// with samples, before it moves from audit to enforce.
//
// A LoggedVerdict is what rules saw of one message (policy::RuleInput), so a
// replay runs policy::run_rules exactly as the live check did, without DNS
// or the message body. Audit-mode rules count as hits too: "would have hit"
// is the point. A rule after an enforced "stop" is not reached, as live.
//
//   Simulator sim(config.rules);
//   log.scan(now - 30 * 86400, kMaxSimulateEntries, [&](const LoggedVerdict& e) { sim.add(e); });
//   for (const auto& r : sim.report().rules) r.hits;   // of sim.report().messages
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "policy/rules.h"
#include "verdictlog/store.h"

namespace authguard::verdictlog {

// Samples kept per rule when the caller names no other number.
inline constexpr std::size_t kDefaultSimulateSamples = 3;

// The entry for one message from what rules saw of it
// (policy::rule_input(..., with_headers = true)), with its Subject (trimmed,
// unfolded) and MAIL FROM for display. The limits of store.h apply when it
// is appended.
[[nodiscard]] LoggedVerdict logged_verdict(const policy::RuleInput& input, UnixTime time,
                                           std::string_view subject, std::string_view mail_from);

// What rules see of a logged message. The header views point into `entry`,
// which must outlive the result; a client_ip that does not parse is absent.
[[nodiscard]] policy::RuleInput to_rule_input(const LoggedVerdict& entry);

struct Sample {
  UnixTime time = 0;
  std::string from;       // the header From address
  std::string mail_from;  // the envelope sender
  std::string subject;
  std::vector<std::string> recipients;
};

struct RuleSimulation {
  std::string name;
  std::int64_t priority = 0;
  bool enforce = true;
  std::vector<std::string> actions;  // described (Action::describe)
  // The most severe disposition its actions set when enforced (deliver:
  // none of them changes the disposition).
  policy::Disposition disposition = policy::Disposition::kDeliver;
  std::uint64_t hits = 0;
  std::vector<Sample> samples;  // the first hits, up to the sample count
};

struct SimulationReport {
  std::uint64_t messages = 0;          // entries replayed
  std::vector<RuleSimulation> rules;   // every rule, in the order run_rules runs them
  // Final dispositions under these rules, indexed by policy::Disposition.
  std::array<std::uint64_t, 4> dispositions{};
};

// Replays entries one at a time, so a long log need not be held in memory.
class Simulator {
 public:
  // `rules` must outlive the Simulator.
  explicit Simulator(const std::vector<policy::Rule>& rules,
                     std::size_t max_samples = kDefaultSimulateSamples);
  void add(const LoggedVerdict& entry);
  [[nodiscard]] const SimulationReport& report() const noexcept { return report_; }

 private:
  const std::vector<policy::Rule>& rules_;
  std::size_t max_samples_;
  SimulationReport report_;
  std::unordered_map<std::string, std::size_t> index_;  // rule name -> report_.rules
};

// Every entry through a Simulator.
[[nodiscard]] SimulationReport simulate(const std::vector<policy::Rule>& rules,
                                        const std::vector<LoggedVerdict>& entries,
                                        std::size_t max_samples = kDefaultSimulateSamples);

}  // namespace authguard::verdictlog
