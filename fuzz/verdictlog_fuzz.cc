// verdictlog_fuzz.cc: fuzz target for the verdict log's stored record
// (src/verdictlog/record.cc), which `rules simulate` reads back from a
// database file that may have been damaged: decoding, the round trip, the
// per-entry limits and the RuleInput views.
//
// Invariants: nothing crashes or hangs; a failure is only kInvalidInput or
// kLimitExceeded; whatever decodes encodes to text that decodes to the same
// entry and encodes to the same text again; after apply_limits the header
// bytes are within kMaxLoggedHeaderBytes (or the last field's, when it alone
// is larger), and to_rule_input's header views hold the entry's bytes.
//
//   verdictlog_fuzz_replay fuzz/corpus/verdictlog_fuzz
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "verdictlog/replay.h"
#include "verdictlog/store.h"

namespace {

using namespace authguard;
using namespace authguard::verdictlog;

// The replay build has no sanitizer: abort() is what fails the ctest case.
void check(bool ok) {
  if (!ok) std::abort();
}

void check_limits(LoggedVerdict e) {
  std::size_t last = e.headers.empty() ? 0 : e.headers.back().first.size() + e.headers.back().second.size();
  apply_limits(e);
  std::size_t total = 0;
  for (const auto& [name, value] : e.headers) total += name.size() + value.size();
  check(total <= std::max(kMaxLoggedHeaderBytes, last));
  check(e.subject.size() <= kMaxLoggedSubjectBytes);
  check(e.recipients.size() <= kMaxLoggedRecipients);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(data, data + size);
  auto e = decode_record(input);
  if (!e) {
    check(e.error().kind == ErrorKind::kInvalidInput || e.error().kind == ErrorKind::kLimitExceeded);
    return 0;
  }
  std::string encoded = encode_record(*e);
  auto again = decode_record(encoded);
  check(again.has_value() && *again == *e);
  check(encode_record(*again) == encoded);
  policy::RuleInput in = to_rule_input(*e);
  check(in.headers.size() == e->headers.size());
  for (std::size_t i = 0; i < in.headers.size(); ++i) {
    check(in.headers[i].first == e->headers[i].first && in.headers[i].second == e->headers[i].second);
  }
  check_limits(*e);
  return 0;
}
