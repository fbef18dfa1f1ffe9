// spf_checks.cc: the SPF posture of one domain (RFC 7208).
//
// A non-sending domain's record must be exactly "v=spf1 -all". A sending
// domain's record is expanded as a receiver would for a client that matches
// nothing (the worst case): every include and redirect followed, and every
// DNS-querying term (include, a, mx, ptr, exists, redirect) counted against
// the limit of 10, and every NXDOMAIN or NODATA answer against the limit of
// 2 void lookups (§4.6.4).
#include <set>

#include "audit/checks.h"
#include "audit/collector.h"
#include "audit/microsoft.h"
#include "audit/records.h"
#include "core/strings.h"
#include "spf/parse.h"

namespace authguard::audit {

namespace {

constexpr std::string_view kLockedDown = "v=spf1 -all";

Finding make(std::string id, Severity sev, std::string message, std::string evidence,
             std::string fix, FixKind kind) {
  return Finding{std::move(id), sev, std::move(message), std::move(evidence), std::move(fix), kind};
}

// Collapses whitespace runs and lower-cases, for the "exactly v=spf1 -all" test.
std::string normalised(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : trim(text)) {
    if (is_wsp(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += ascii_lower(c);
  }
  return out;
}

std::vector<std::string_view> terms_of(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::string_view t : split(text, ' ')) {
    t = trim(t);
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

// A term as written without its qualifier ("-all" -> "all").
std::string_view unqualified(std::string_view term) {
  if (!term.empty() && std::string_view("+-~?").find(term.front()) != std::string_view::npos) {
    term.remove_prefix(1);
  }
  return term;
}

// The record with its "all" made "-all", or "-all" added when it has
// neither all nor redirect.
std::string with_fail_all(std::string_view text) {
  std::string out;
  bool has_all = false;
  bool has_redirect = false;
  for (std::string_view t : terms_of(text)) {
    if (!out.empty()) out += ' ';
    if (iequals(unqualified(t), "all")) {
      out += "-all";
      has_all = true;
    } else {
      has_redirect |= istarts_with(t, "redirect=");
      out += t;
    }
  }
  if (!has_all && !has_redirect) out += " -all";
  return out;
}

// The record without the given top-level terms (compared without qualifier).
std::string without_terms(std::string_view text, const std::set<std::string>& drop) {
  std::string out;
  for (std::string_view t : terms_of(text)) {
    if (drop.contains(to_lower(unqualified(t)))) continue;
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

// What the expansion found.
struct Tally {
  unsigned terms = 0;
  unsigned voids = 0;
  std::vector<std::string> per_top_term;   // "include:x=4"
  std::vector<std::string> void_terms;      // a/mx/exists with no answer
  std::vector<std::string> void_includes;   // include/redirect with no answer
  std::set<std::string> void_top;           // top-level terms that find nothing, to drop in a fix
  bool void_nested = false;
  std::vector<std::string> missing;         // include/redirect to a name with no SPF record
  std::set<std::string> missing_top;        // ... as top-level terms, to drop in a fix
  bool missing_nested = false;
  std::vector<std::string> invalid;         // include/redirect to a broken record
  std::vector<std::string> loops;
  std::vector<std::string> pass_all;        // records that hold +all
  std::vector<std::string> ptr;
  std::vector<std::string> macros;
  std::vector<std::string> mx_over;
  std::vector<std::pair<std::string, dns::DnsError>> dns_errors;
  bool incomplete = false;
};

class Expander {
 public:
  Expander(const DomainSnapshot& s, const spf::SpfLimits& limits, Tally& t)
      : s_(s), limits_(limits), t_(t) {}

  void walk(const spf::SpfRecord& record, const std::string& current,
            std::vector<std::string>& path, bool top) {
    for (const auto& d : record.directives) {
      unsigned before = t_.terms;
      term(d, current, path, top);
      if (top && t_.terms > before) {
        t_.per_top_term.push_back(d.text + "=" + std::to_string(t_.terms - before));
      }
      if (d.kind == spf::MechanismKind::kAll && d.qualifier == spf::Qualifier::kPass) {
        t_.pass_all.push_back(current);
      }
    }
    // §6.1: redirect is used only when the record has no "all".
    if (record.redirect && !record.has_all) {
      unsigned before = t_.terms;
      ++t_.terms;
      if (auto target = spf_redirect_target(record)) {
        follow(*target, record.redirect_text, path, top);
      } else {
        t_.macros.push_back(record.redirect_text);
      }
      if (top) t_.per_top_term.push_back(record.redirect_text + "=" + std::to_string(t_.terms - before));
    }
  }

 private:
  void term(const spf::Directive& d, const std::string& current, std::vector<std::string>& path,
            bool top) {
    using K = spf::MechanismKind;
    if (d.kind == K::kAll || d.kind == K::kIp4 || d.kind == K::kIp6) return;
    ++t_.terms;
    if (d.kind == K::kPtr) {
      t_.ptr.push_back(d.text);
      return;
    }
    auto target = spf_target(d, current);
    if (!target) {
      t_.macros.push_back(d.text);
      return;
    }
    switch (d.kind) {
      case K::kInclude: follow(*target, d.text, path, top); break;
      case K::kA:
      case K::kExists: address(*target, d.text, top); break;
      case K::kMx: mail_exchangers(*target, d.text, top); break;
      default: break;
    }
  }

  // include: or redirect=: the target's record, recursively.
  void follow(const std::string& target, const std::string& as_written,
              std::vector<std::string>& path, bool top) {
    auto it = s_.spf_txt.find(target);
    if (it == s_.spf_txt.end() || !it->second) {
      t_.incomplete = true;
      return;
    }
    const TxtAnswer& answer = *it->second;
    auto note_missing = [&](std::string why) {
      t_.missing.push_back(as_written + " (" + why + ")");
      if (top) t_.missing_top.insert(to_lower(as_written));
      else t_.missing_nested = true;
    };
    if (!answer) {
      if (answer.error().not_found()) {
        ++t_.voids;
        t_.void_includes.push_back(as_written + " (" + describe(answer.error()) + ")");
        note_void(as_written, top);
        note_missing(describe(answer.error()));
      } else {
        t_.dns_errors.emplace_back(target + " TXT", answer.error());
      }
      return;
    }
    auto candidates = spf_candidates(*answer);
    if (candidates.empty()) {
      note_missing("no SPF record");
      return;
    }
    if (candidates.size() > 1) {
      t_.invalid.push_back(as_written + " (" + std::to_string(candidates.size()) + " SPF records)");
      return;
    }
    auto record = spf::is_spf_record(candidates.front())
                      ? spf::parse_record(candidates.front(), limits_)
                      : Result<spf::SpfRecord>(fail(ErrorKind::kInvalidInput, "bad version"));
    if (!record) {
      t_.invalid.push_back(as_written + " (" + record.error().message + ")");
      return;
    }
    if (std::find(path.begin(), path.end(), target) != path.end()) {
      t_.loops.push_back(join(path, " -> ") + " -> " + target);
      return;
    }
    path.push_back(target);
    walk(*record, target, path, false);
    path.pop_back();
  }

  void note_void(const std::string& as_written, bool top) {
    if (top) t_.void_top.insert(to_lower(as_written));
    else t_.void_nested = true;
  }

  // "a:gone.example (NXDOMAIN)"; a bare "a" or "mx" names its domain too.
  static std::string void_text(const std::string& as_written, const std::string& target,
                               const dns::DnsError& error) {
    std::string out = as_written;
    if (as_written.find(':') == std::string::npos) out += " at " + target;
    return out + " (" + describe(error) + ")";
  }

  void address(const std::string& target, const std::string& as_written, bool top) {
    auto it = s_.spf_a.find(target);
    if (it == s_.spf_a.end() || !it->second) {
      t_.incomplete = true;
      return;
    }
    const AddressAnswer& a = *it->second;
    if (a) return;
    if (a.error().not_found()) {
      ++t_.voids;
      t_.void_terms.push_back(void_text(as_written, target, a.error()));
      note_void(as_written, top);
    } else {
      t_.dns_errors.emplace_back(target + " A", a.error());
    }
  }

  void mail_exchangers(const std::string& target, const std::string& as_written, bool top) {
    auto it = s_.spf_mx.find(target);
    if (it == s_.spf_mx.end() || !it->second) {
      t_.incomplete = true;
      return;
    }
    const MxAnswer& mx = *it->second;
    if (!mx) {
      if (mx.error().not_found()) {
        ++t_.voids;
        t_.void_terms.push_back(void_text(as_written, target, mx.error()));
        note_void(as_written, top);
      } else {
        t_.dns_errors.emplace_back(target + " MX", mx.error());
      }
      return;
    }
    if (mx->records.size() > limits_.max_mx_names) {
      t_.mx_over.push_back(as_written + " (" + std::to_string(mx->records.size()) + " MX names)");
    }
  }

  const DomainSnapshot& s_;
  const spf::SpfLimits& limits_;
  Tally& t_;
};

}  // namespace

std::vector<Finding> check_spf(const DomainSnapshot& s, const CheckContext& ctx) {
  std::vector<Finding> out;
  const DomainName& d = s.target.domain;
  const std::string key = d.lower();
  auto it = s.spf_txt.find(key);
  if (it == s.spf_txt.end() || !it->second) return out;
  const TxtAnswer& answer = *it->second;
  const bool sending = s.target.kind == DomainKind::kSending;
  const std::string where = detail::where_to_publish(s.target);
  const std::string owner = d.str();
  const std::string locked = zone_txt(owner, kLockedDown);

  if (!answer && !answer.error().not_found()) {
    out.push_back(detail::dns_error("spf.dns_error", owner, "TXT", answer.error()));
    return out;
  }
  std::vector<std::string> candidates;
  if (answer) candidates = spf_candidates(*answer);
  std::string evidence = answer ? detail::txt_evidence(owner, *answer)
                                : detail::error_evidence(owner, "TXT", answer.error());

  if (candidates.empty()) {
    if (!sending) {
      out.push_back(make("spf.missing", Severity::kError,
                         "No SPF record: " + owner +
                             (s.target.kind == DomainKind::kRouting
                                  ? " is a routing domain that no real mail comes from"
                                  : " sends no mail") +
                             ", so say so with \"v=spf1 -all\" and receivers fail anything "
                             "claiming to come from it." + where,
                         evidence, locked, FixKind::kRecord));
    } else if (ctx.tenant != nullptr) {
      out.push_back(make("spf.missing", Severity::kError,
                         "No SPF record: receivers can't tell which hosts may send as " + owner +
                             ". The fix authorises Microsoft 365; add every other service that "
                             "sends as " + owner + ".",
                         evidence,
                         zone_txt(owner, "v=spf1 include:" + std::string(kMicrosoftSpfInclude) + " -all"),
                         FixKind::kRecord));
    } else {
      out.push_back(make("spf.missing", Severity::kError,
                         "No SPF record: receivers can't tell which hosts may send as " + owner +
                             ". The fix authorises only the domain's MX hosts; add every service "
                             "that sends as " + owner + ".",
                         evidence, zone_txt(owner, "v=spf1 mx -all"), FixKind::kRecord));
    }
    return out;
  }
  if (candidates.size() > 1) {
    out.push_back(make("spf.multiple", Severity::kError,
                       std::to_string(candidates.size()) + " SPF records at " + owner +
                           ": SPF fails with permerror for all mail (RFC 7208 §4.5)." + where,
                       evidence,
                       sending ? "Merge the records into one v=spf1 record at " + owner +
                                     " and delete the others."
                               : locked,
                       sending ? FixKind::kSentence : FixKind::kRecord));
    return out;
  }
  const std::string& text = candidates.front();
  evidence = owner + " TXT " + quote_txt_strings({text});
  auto record = spf::is_spf_record(text)
                    ? spf::parse_record(text, ctx.spf_limits)
                    : Result<spf::SpfRecord>(
                          fail(ErrorKind::kInvalidInput, "\"v=spf1\" must be followed by a space"));
  if (!record) {
    out.push_back(make("spf.invalid", Severity::kError,
                       "The SPF record is invalid (" + record.error().message +
                           "): SPF fails with permerror for all mail (RFC 7208 §4.6)." + where,
                       evidence,
                       sending ? "Correct the SPF record at " + owner + ": " + record.error().message
                               : locked,
                       sending ? FixKind::kSentence : FixKind::kRecord));
    return out;
  }
  if (!sending) {
    if (normalised(text) != kLockedDown) {
      out.push_back(make("spf.not_locked_down", Severity::kError,
                         owner +
                             (s.target.kind == DomainKind::kRouting
                                  ? " is a routing domain that no real mail comes from"
                                  : " sends no mail") +
                             ", so its SPF record must be exactly \"v=spf1 -all\": any other "
                             "term authorises someone to send as it." + where,
                         evidence, locked, FixKind::kRecord));
    }
    return out;
  }

  // A sending domain: expand it as a receiver would.
  Tally t;
  std::vector<std::string> path{key};
  Expander(s, ctx.spf_limits, t).walk(*record, key, path, true);
  t.incomplete |= s.spf_truncated;
  const std::string count_text =
      (t.incomplete ? "at least " : "") + std::to_string(t.terms) + " DNS lookups";
  const std::string lookup_evidence =
      evidence + "\nlookups: " + (t.per_top_term.empty() ? "none" : join(t.per_top_term)) +
      " (total " + std::to_string(t.terms) + ")";
  const unsigned max_terms = ctx.spf_limits.max_dns_terms;

  for (const auto& [what, error] : t.dns_errors) {
    auto space = what.rfind(' ');
    out.push_back(detail::dns_error("spf.dns_error", what.substr(0, space), what.substr(space + 1),
                                    error));
  }
  if (t.terms > max_terms) {
    out.push_back(make("spf.lookups", Severity::kError,
                       "SPF of " + owner + " needs " + count_text + "; receivers stop at " +
                           std::to_string(max_terms) +
                           " and fail SPF with permerror for all mail (RFC 7208 §4.6.4).",
                       lookup_evidence,
                       "Bring the lookups down to " + std::to_string(max_terms) +
                           " or fewer: drop includes of services that no longer send as " + owner +
                           ", and use ip4:/ip6: ranges instead of a and mx where the hosts are "
                           "yours.",
                       FixKind::kSentence));
  } else if (t.terms + 1 >= max_terms) {
    out.push_back(make("spf.lookups", Severity::kWarning,
                       "SPF of " + owner + " needs " + count_text + ", close to the limit of " +
                           std::to_string(max_terms) +
                           " (RFC 7208 §4.6.4): one more include by a provider breaks it.",
                       lookup_evidence,
                       "Keep a margin under " + std::to_string(max_terms) +
                           " lookups: drop includes that are no longer needed.",
                       FixKind::kSentence));
  }
  if (!t.missing.empty()) {
    bool top_only = !t.missing_nested;
    out.push_back(make("spf.include_missing", Severity::kError,
                       "The SPF record includes names without an SPF record: " + join(t.missing) +
                           ". Receivers fail SPF with permerror (RFC 7208 §5.2).",
                       evidence,
                       top_only ? zone_txt(owner, without_terms(text, t.missing_top))
                                : "Remove the include of a name without an SPF record (" +
                                      join(t.missing) + ") from the record that holds it.",
                       top_only ? FixKind::kRecord : FixKind::kSentence));
  }
  if (!t.invalid.empty()) {
    out.push_back(make("spf.include_invalid", Severity::kError,
                       "An included SPF record is broken: " + join(t.invalid) +
                           ". Receivers fail SPF with permerror.",
                       evidence,
                       "Ask the owner of the included record to fix it, or remove the include.",
                       FixKind::kSentence));
  }
  if (!t.loops.empty()) {
    out.push_back(make("spf.include_loop", Severity::kError,
                       "The SPF includes form a loop: " + join(t.loops, "; ") +
                           ". Receivers fail SPF with permerror.",
                       evidence, "Remove the include that leads back to a record already included.",
                       FixKind::kSentence));
  }
  // Terms of the domain's own record can be dropped in a ready record;
  // those in included records are their owners' to fix.
  const bool void_top_only = !t.void_nested && !t.void_top.empty();
  const std::string void_fix =
      void_top_only ? zone_txt(owner, without_terms(text, t.void_top))
                    : "Remove the terms whose names no longer exist from the records that hold them.";
  const FixKind void_fix_kind = void_top_only ? FixKind::kRecord : FixKind::kSentence;
  if (t.voids > ctx.spf_limits.max_void_lookups) {
    std::vector<std::string> all = t.void_terms;
    all.insert(all.end(), t.void_includes.begin(), t.void_includes.end());
    out.push_back(make("spf.void_lookups", Severity::kError,
                       std::to_string(t.voids) + " SPF lookups find nothing (" + join(all) +
                           "); receivers fail SPF with permerror after " +
                           std::to_string(ctx.spf_limits.max_void_lookups) +
                           " (RFC 7208 §4.6.4).",
                       evidence, void_fix, void_fix_kind));
  } else if (!t.void_terms.empty()) {
    out.push_back(make("spf.void_lookups", Severity::kWarning,
                       "SPF terms that find nothing: " + join(t.void_terms) +
                           ". They count towards the limit of " +
                           std::to_string(ctx.spf_limits.max_void_lookups) +
                           " void lookups (RFC 7208 §4.6.4).",
                       evidence, void_fix, void_fix_kind));
  }
  if (!t.mx_over.empty()) {
    out.push_back(make("spf.mx_names", Severity::kError,
                       "An mx term has more than " + std::to_string(ctx.spf_limits.max_mx_names) +
                           " MX names: " + join(t.mx_over) + "; receivers fail SPF with permerror "
                           "(RFC 7208 §4.6.4).",
                       evidence, "Replace the mx term with ip4:/ip6: ranges of the sending hosts.",
                       FixKind::kSentence));
  }
  // "all" at the top: +all authorises the world, ?all says nothing.
  bool top_pass = false, top_neutral = false, top_all = false;
  for (const auto& dir : record->directives) {
    if (dir.kind != spf::MechanismKind::kAll) continue;
    top_all = true;
    top_pass |= dir.qualifier == spf::Qualifier::kPass;
    top_neutral |= dir.qualifier == spf::Qualifier::kNeutral;
  }
  if (!t.pass_all.empty()) {
    bool here = std::find(t.pass_all.begin(), t.pass_all.end(), key) != t.pass_all.end();
    out.push_back(make("spf.all_pass", Severity::kError,
                       "+all authorises every host on the Internet to send as " + owner +
                           (here ? "" : " (through the included record of " + join(t.pass_all) + ")") +
                           ".",
                       evidence,
                       here ? zone_txt(owner, with_fail_all(text))
                            : "Remove the include of " + join(t.pass_all) + ", or ask its owner to end it with -all.",
                       here ? FixKind::kRecord : FixKind::kSentence));
  }
  if (top_neutral && !top_pass) {
    out.push_back(make("spf.all_neutral", Severity::kWarning,
                       "?all (neutral) says nothing about hosts not listed: forged mail gets no "
                       "SPF fail.",
                       evidence, zone_txt(owner, with_fail_all(text)), FixKind::kRecord));
  }
  if (!top_all && !record->redirect) {
    out.push_back(make("spf.no_all", Severity::kWarning,
                       "The SPF record ends without an \"all\": hosts not listed get neutral "
                       "(RFC 7208 §4.7), as with ?all.",
                       evidence, zone_txt(owner, with_fail_all(text)), FixKind::kRecord));
  }
  if (!t.ptr.empty()) {
    out.push_back(make("spf.ptr", Severity::kWarning,
                       "The ptr mechanism is slow and unreliable and SHOULD NOT be used (RFC 7208 "
                       "§5.5); some receivers ignore it: " + join(t.ptr) + ".",
                       evidence, "Replace ptr with ip4:/ip6: ranges or a: names of the sending hosts.",
                       FixKind::kSentence));
  }
  if (!t.macros.empty()) {
    out.push_back(make("spf.macro", Severity::kInfo,
                       "Terms with macros depend on each message; they were counted but not "
                       "followed: " + join(t.macros) + ".",
                       evidence, "", FixKind::kNone));
  }
  if (t.incomplete) {
    out.push_back(make("spf.incomplete", Severity::kWarning,
                       "The SPF expansion stopped at the audit's limit (" +
                           std::to_string(kMaxSpfIncludeDepth) + " nested includes, " +
                           std::to_string(kMaxSpfQueriesPerDomain) +
                           " queries): the include tree is too large to be sound.",
                       lookup_evidence, "Flatten the include tree.", FixKind::kSentence));
  }
  return out;
}

}  // namespace authguard::audit
