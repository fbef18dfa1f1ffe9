// delivery_fuzz.cc: fuzz target for the milter's plan (src/policy/
// delivery.*): any message, with rule actions whose names and values come
// from the input, and any fields marked forged. The plan must only ever ask
// the MTA for well-formed edits.
//
// Invariants (abort on violation):
//   - every edited field name is RFC 5322 ftext (33..126, no colon);
//   - no value holds CR, NUL, or an LF not followed by a space or tab (a
//     value can't start a new field);
//   - a removal names a place that exists (1 .. fields of that name), and
//     removals of one name come last place first;
//   - milter_value(x) never holds CR;
//   - every field of the name a remove_header action names is removed (when
//     the name is one an edit may carry).
//
//   make fuzz && build-fuzz/fuzz/delivery_fuzz fuzz/corpus/delivery_fuzz
//   delivery_fuzz_replay fuzz/corpus/delivery_fuzz
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "core/strings.h"
#include "message/message.h"
#include "policy/delivery.h"

namespace {

using namespace authguard;
using namespace authguard::policy;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_value(const std::string& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    check(v[i] != '\r' && v[i] != '\0');
    if (v[i] == '\n') check(i + 1 < v.size() && (v[i + 1] == ' ' || v[i + 1] == '\t'));
  }
}

Action action(Action::Kind kind, std::string name, std::string value) {
  Action a;
  a.kind = kind;
  a.name = std::move(name);
  a.value = std::move(value);
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(data, data + size);
  check(milter_value(input).find('\r') == std::string::npos);
  auto m = Message::parse(input);
  if (!m) return 0;
  // Values for the actions: the first two lines of the input, without
  // their line ends (each at most 80 bytes). The field a rule removes is
  // one the message has, picked by the input's size, so that removal by
  // name is reached (a first line that is a field name holds no colon, and
  // would end the header block).
  auto line = [&](std::size_t from) {
    std::size_t end = std::min(input.find('\n', from), input.size());
    std::string l = input.substr(from, std::min<std::size_t>(end - from, 80));
    if (!l.empty() && l.back() == '\r') l.pop_back();
    return l;
  };
  std::string first = line(0);
  std::size_t nl = input.find('\n');
  std::string second = nl == std::string::npos ? "" : line(nl + 1);
  const auto& fields = m->headers();
  std::string removed = fields.empty() ? first : std::string(fields[size % fields.size()].name);
  InboundVerdict v;
  v.rules.disposition = size % 2 == 0 ? Disposition::kDeliver : Disposition::kJunk;
  v.rules.actions = {action(Action::Kind::kRemoveHeader, removed, ""),
                     action(Action::Kind::kAddHeader, first, second),
                     action(Action::Kind::kPrependSubject, "", second),
                     action(Action::Kind::kRedirect, "", first)};
  v.authentication_results = "Authentication-Results: mx.example.net;\r\n\tdmarc=pass\r\n";
  for (std::size_t i = 0; i < m->headers().size(); i += 2) v.forged_authres.push_back(i);
  Envelope env;
  env.recipients = {"a@ours.example"};
  auto plan = plan_delivery(*m, v, env, second.empty() ? "X-Spam-Flag: YES" : second);
  check(plan.answer == DeliveryPlan::Answer::kAccept);
  std::map<std::string, std::size_t> count;
  for (const auto& f : m->headers()) ++count[to_lower(f.name)];
  std::map<std::string, std::size_t> last_removed;
  for (const auto& e : plan.headers) {
    check(!e.name.empty());
    for (char c : e.name) check(c >= 33 && c <= 126 && c != ':');
    check_value(e.value);
    if (e.kind == HeaderEdit::Kind::kRemove) {
      const std::string key = to_lower(e.name);
      check(e.occurrence >= 1 && e.occurrence <= count[key]);
      auto it = last_removed.find(key);
      check(it == last_removed.end() || it->second > e.occurrence);
      last_removed[key] = e.occurrence;
    }
  }
  // Every field of the removed name goes (when it is a well-formed name).
  bool ftext = !removed.empty() && removed.size() <= kMaxFieldNameBytes;
  for (char c : removed) ftext &= c >= 33 && c <= 126 && c != ':';
  if (ftext && !fields.empty()) {
    std::size_t gone = 0;
    for (const auto& e : plan.headers) gone += e.kind == HeaderEdit::Kind::kRemove && to_lower(e.name) == to_lower(removed);
    check(gone == count[to_lower(removed)]);
  }
  for (const auto& r : plan.add_recipients) check(r.find_first_of("\r\n<> ") == std::string::npos);
  return 0;
}
