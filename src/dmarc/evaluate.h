// evaluate.h: the DMARC verdict for a message (RFC 9989 §4.8, with RFC 7489
// as a compatibility mode). It consumes the SPF and DKIM outputs as values
// and never re-verifies them.
//
// Header From is judged first. Exactly one From field with one address, or
// several addresses in one domain, is evaluated normally. No From, several
// From fields, or addresses in different domains can never pass: the
// result is fail (under the strictest policy those domains publish) or
// permerror, with the reason. This closes the CVE-2019-16378 class of
// bypass, where a verifier judged one of two From domains.
//
//   Evaluator dmarc(resolver);
//   DmarcResult r = dmarc.evaluate(message, spf_output, dkim_verdicts);
//   r.result;   // "fail";  r.action: "reject"
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dkim/verify.h"
#include "dmarc/discovery.h"
#include "message/message.h"
#include "spf/types.h"

namespace authguard::dmarc {

enum class DmarcResult { kNone, kPass, kFail, kTempError, kPermError };
[[nodiscard]] const char* result_name(DmarcResult r) noexcept;

struct DmarcOptions {
  Mode mode = Mode::kRfc9989;
  // RFC 7489 pct sampling: returns a number in [0, 100). Default: random.
  std::function<unsigned()> sample;
};

struct Verdict {
  DmarcResult result = DmarcResult::kNone;
  std::string reason;
  std::string header_from;    // the author domain ("" when there is none)
  std::string author_address; // the first From address, as parsed ("" when none)
  std::string policy_domain;  // where the record was found
  std::string org_domain;
  Policy requested = Policy::kNone;  // what the record asks for this message
  Policy policy = Policy::kNone;     // what applies after t=y / pct
  std::string applied_tag;           // "p", "sp" or "np"
  // none, quarantine, reject, pct.quarantine, pct.reject; composite
  // authentication may later turn a failure into oreject / oquarantine.
  std::string action = "none";
  bool spf_aligned = false;
  bool dkim_aligned = false;
  bool testing = false;      // t=y: the owner is testing the policy
  // Several From fields, or authors in several domains: the result can never
  // be pass, and nothing downstream may excuse it (composite authentication).
  bool ambiguous_author = false;
  std::string aligned_dkim;  // d= of the aligned passing signature
  std::vector<std::string> tags;  // the record's tags that applied, "p=reject"
  Record record;             // when one was found
  bool has_record = false;
};

class Evaluator {
 public:
  Evaluator(dns::Resolver& resolver, DmarcOptions options = {});
  ~Evaluator();

  // mail_from_domain/helo come from the SPF output (its domain and scope).
  [[nodiscard]] Verdict evaluate(const Message& message, const spf::SpfOutput& spf,
                                 const std::vector<dkim::SignatureVerdict>& dkim);

  [[nodiscard]] PolicyFinder& finder() noexcept { return finder_; }

 private:
  // The verdict for one author domain.
  Verdict evaluate_domain(const DomainName& author, const spf::SpfOutput& spf,
                          const std::vector<dkim::SignatureVerdict>& dkim);
  bool aligned(const DomainName& a, const DomainName& b, Alignment mode, const OrgDomain& org_a,
               std::string& temp_reason);
  PolicyFinder finder_;
  DmarcOptions options_;
};

// "p=reject" style list of the tags that decided, for reports and headers.
[[nodiscard]] std::vector<std::string> describe_tags(const Record& r);

}  // namespace authguard::dmarc
