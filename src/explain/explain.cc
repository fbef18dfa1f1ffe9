// explain.cc: Authentication-Results in plain words (see explain.h).
//
// The wording follows the result names of RFC 8601 §2.7 and RFC 7489, the
// DMARC actions Microsoft 365 writes (none, quarantine, reject, oquarantine,
// oreject, pct.quarantine, pct.reject) and the compauth reason-code families
// of docs/COMPAUTH.md. Unknown results are shown as written, never guessed.
#include "explain/explain.h"

#include <utility>

#include "authres/parse.h"
#include "core/strings.h"

namespace authguard::explain {

namespace {

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

const authres::ResInfo* find_method(const std::vector<authres::ResInfo>& results,
                                    std::string_view method) {
  for (const auto& r : results) {
    if (iequals(r.method, method)) return &r;
  }
  return nullptr;
}

// A property's value, or "" when absent.
std::string prop(const authres::ResInfo& r, std::string_view ptype, std::string_view name) {
  const authres::Property* p = r.find(ptype, name);
  return p ? p->value : std::string();
}

// compauth's reason: Microsoft writes "compauth=none reason=451", which reads
// as a reasonspec; a writer that puts it after other properties makes it a
// bare property instead. Either counts.
std::string reason_of(const authres::ResInfo& r) {
  if (!r.reason.empty()) return r.reason;
  return prop(r, "", "reason");
}

std::string or_default(std::string value, std::string_view fallback) {
  if (value.empty()) return std::string(fallback);
  return value;
}

// ---------------------------------------------------------------------------
// One sentence per method
// ---------------------------------------------------------------------------

std::string explain_spf(const authres::ResInfo& r) {
  std::string domain = prop(r, "smtp", "mailfrom");
  if (domain.empty()) domain = prop(r, "smtp", "helo");
  const std::string d = or_default(domain, "the envelope sender");
  const std::string res = to_lower(r.result);
  if (res == "pass") return "SPF passed: " + d + "'s SPF record authorizes the sending server.";
  if (res == "fail") {
    return "SPF failed: " + d + "'s SPF record says the sending server may not send its mail (-all).";
  }
  if (res == "softfail") {
    return "SPF soft-failed: " + d + "'s SPF record says the sending server is probably not "
           "authorized (~all).";
  }
  if (res == "neutral") {
    return "SPF was neutral: " + d + "'s SPF record makes no claim about the sending server (?all).";
  }
  if (res == "none") return "SPF found nothing to check: " + d + " publishes no SPF record.";
  if (res == "temperror") return "SPF could not be checked for " + d + ": a temporary DNS error.";
  if (res == "permerror") return "SPF could not be evaluated: " + d + "'s SPF record is broken (permerror).";
  if (res == "policy") return "SPF's result for " + d + " was set aside by the receiver's local policy.";
  return "SPF result for " + d + ": " + r.result + ".";
}

std::string explain_dkim(const authres::ResInfo& r) {
  std::string d = prop(r, "header", "d");
  if (d.empty()) d = prop(r, "header", "i");
  const std::string res = to_lower(r.result);
  // Microsoft writes "dkim=none (message not signed) header.d=none".
  if (res == "none") return "DKIM: the message is not signed.";
  const std::string who = d.empty() || iequals(d, "none") ? std::string("the signer") : d;
  std::string selector = prop(r, "header", "s");
  const std::string sel = selector.empty() ? "" : " (selector " + selector + ")";
  if (res == "pass") return "DKIM passed: the message carries a valid signature from " + who + sel + ".";
  if (res == "fail") {
    return "DKIM failed: the signature from " + who + sel +
           " does not verify; the message was changed on the way or the key does not match.";
  }
  if (res == "neutral") return "DKIM was neutral: the signature from " + who + " could not be read.";
  if (res == "temperror") return "DKIM could not be checked: the key for " + who + " could not be fetched (temporary).";
  if (res == "permerror") return "DKIM could not be verified: the key for " + who + " is missing or unusable (permerror).";
  if (res == "policy") return "DKIM: the signature from " + who + " verified, but the receiver's policy did not accept it.";
  return "DKIM result for " + who + ": " + r.result + ".";
}

// The policy an action names: "oreject" and "pct.reject" -> "reject".
std::string policy_of_action(const std::string& action) {
  if (action.ends_with("reject")) return "reject";
  if (action.ends_with("quarantine")) return "quarantine";
  return action;
}

std::string explain_dmarc_action(const std::string& from, const std::string& action) {
  if (action.empty()) return "";
  if (action == "none") return "The receiver took no DMARC action (the policy is p=none, or nothing applied).";
  if (action == "reject" || action == "quarantine") {
    return from + " asks for " + action + ", and the receiver applied it.";
  }
  if (action == "oreject" || action == "oquarantine") {
    return from + " asks for " + policy_of_action(action) + ", but the receiver overrode it (" + action +
           ") and delivered the message.";
  }
  if (action.starts_with("pct.")) {
    return from + " asks for " + policy_of_action(action) +
           " for only a share of failing mail (pct=); this message fell outside it, so the policy "
           "was not applied (" + action + ").";
  }
  return "The DMARC action was " + action + ".";
}

void explain_dmarc(const authres::ResInfo& r, std::vector<std::string>& sentences) {
  const std::string from = or_default(prop(r, "header", "from"), "the From domain");
  const std::string res = to_lower(r.result);
  std::string s;
  if (res == "pass") {
    s = "DMARC passed for " + from + ": SPF or DKIM passed for a domain aligned with the From address.";
  } else if (res == "fail") {
    s = "DMARC failed for " + from + ": neither SPF nor DKIM passed for a domain aligned with the From address.";
  } else if (res == "bestguesspass") {
    s = "DMARC: " + from + " publishes no DMARC record, but the message would have passed one (bestguesspass).";
  } else if (res == "none") {
    s = "DMARC: " + from + " publishes no DMARC record, so there was no policy to apply.";
  } else if (res == "temperror") {
    s = "DMARC could not be checked for " + from + ": a temporary DNS error.";
  } else if (res == "permerror") {
    s = "DMARC could not be evaluated: " + from + "'s DMARC record is broken (permerror).";
  } else {
    s = "DMARC result for " + from + ": " + r.result + ".";
  }
  sentences.push_back(std::move(s));
  std::string action = explain_dmarc_action(from, to_lower(prop(r, "", "action")));
  if (!action.empty()) sentences.push_back(std::move(action));
}

// "reason 451: ..." as a clause; "" when there is no reason.
std::string reason_clause(const authres::ResInfo& r, bool own) {
  const std::string code = reason_of(r);
  if (code.empty()) return "";
  return "reason " + code + ": " + describe_compauth_reason(code, own);
}

std::string compauth_clause(const authres::ResInfo& r, bool own) {
  const std::string res = to_lower(r.result);
  std::string s;
  if (res == "pass") {
    s = "composite authentication passed";
  } else if (res == "softpass") {
    s = "composite authentication soft-passed (too weak to override a policy)";
  } else if (res == "fail") {
    s = "composite authentication failed";
  } else if (res == "none") {
    s = "composite authentication gave no verdict";
  } else {
    s = "composite authentication returned " + r.result;
  }
  // "none" alone reads like nothing happened; name the result so the reader
  // can match it to the header.
  std::string detail = res == "none" ? "compauth=none" : "";
  const std::string why = reason_clause(r, own);
  if (!why.empty()) detail += (detail.empty() ? "" : ", ") + why;
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}

std::string capitalize(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string explain_other(const authres::ResInfo& r) {
  const std::string m = to_lower(r.method);
  if (m == "arc") return "ARC (the seals of earlier hops): " + r.result + ".";
  if (m == "iprev") return "Reverse DNS of the sending IP (iprev): " + r.result + ".";
  if (m == "auth") return "SMTP authentication (auth): " + r.result + ".";
  return "Method " + r.method + ": " + r.result + ".";
}

// ---------------------------------------------------------------------------
// The field's summary
// ---------------------------------------------------------------------------

std::string summarize(const std::vector<authres::ResInfo>& results, bool own) {
  if (results.empty()) return "The receiver recorded no authentication results.";
  const authres::ResInfo* dmarc = find_method(results, "dmarc");
  const authres::ResInfo* ca = find_method(results, "compauth");
  const std::string ca_text = ca ? compauth_clause(*ca, own) : "";
  if (dmarc) {
    const std::string from = or_default(prop(*dmarc, "header", "from"), "the From domain");
    const std::string res = to_lower(dmarc->result);
    const std::string action = to_lower(prop(*dmarc, "", "action"));
    std::string s;
    if (res == "fail") {
      s = "DMARC failed";
      if (action == "oreject" || action == "oquarantine") {
        s += "; " + from + " asks for " + policy_of_action(action) + "; the receiver overrode it (" +
             action + ")";
        s += ca ? " because " + ca_text : " and delivered the message";
      } else if (action == "reject" || action == "quarantine") {
        s += "; " + from + " asks for " + action + ", and the receiver applied it";
        if (ca) s += "; " + ca_text;
      } else if (action.starts_with("pct.")) {
        s += "; " + from + " asks for " + policy_of_action(action) +
             ", but this message fell outside the policy's pct= share, so it was not applied (" +
             action + ")";
        if (ca) s += "; " + ca_text;
      } else if (action == "none") {
        s += " for " + from + ", but no DMARC action was taken (p=none or nothing applied)";
        if (ca) s += "; " + ca_text;
      } else {
        s += " for " + from;
        if (ca) s += "; " + ca_text;
      }
    } else if (res == "pass") {
      s = "DMARC passed for " + from + "; the message is authenticated as coming from that domain";
    } else if (res == "none" || res == "bestguesspass") {
      s = from + " has no DMARC policy (dmarc=" + res + ")";
      if (ca) s += "; " + ca_text;
    } else {
      s = "DMARC could not be evaluated for " + from + " (" + res + ")";
      if (ca) s += "; " + ca_text;
    }
    return s + ".";
  }
  // No DMARC result: say what SPF and DKIM did.
  std::string s = "No DMARC result";
  for (std::string_view m : {"spf", "dkim"}) {
    if (const authres::ResInfo* r = find_method(results, m)) {
      s += "; " + std::string(m == "spf" ? "SPF" : "DKIM") + " " + to_lower(r->result);
    }
  }
  if (ca) s += "; " + ca_text;
  return s + ".";
}

}  // namespace

// ---------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------

std::string describe_compauth_reason(std::string_view code, bool own) {
  // authguard's own codes (docs/COMPAUTH.md); only for our own fields, since
  // another writer's codes inside a family mean something else.
  if (own) {
    static constexpr std::pair<std::string_view, std::string_view> kOwn[] = {
        {"100", "DMARC passed"},
        {"111", "sender history: this sender has sent DMARC-passing mail from this network before"},
        {"112", "SPF or DKIM passed for a non-aligned domain with its own good history (a list or forwarder)"},
        {"113", "the sending server's forward-confirmed reverse DNS is in the From domain, and the "
                "sender is a known correspondent"},
        {"201", "the sending server's forward-confirmed reverse DNS is in the From domain (alone)"},
        {"202", "our users have sent mail to this sender before (alone)"},
        {"301", "DMARC could not be checked (temporary error), so nothing was judged"},
        {"401", "the sender is on the admin allow list"},
        {"601", "the From domain is one of our own accepted domains and has no DMARC record"},
        {"602", "the From domain is one of our own accepted domains and its DMARC record is broken"},
    };
    for (const auto& [c, text] : kOwn) {
      if (code == c) return std::string(text);
    }
  }
  // Codes Microsoft documents exactly, which authguard uses the same way.
  if (code == "000") return "explicit failure: DMARC failed and no implicit signal counted";
  if (code == "001") {
    return "implicit failure: no DMARC record (or a weak policy) and no implicit signal counted";
  }
  if (code == "002") return "the sender is explicitly blocked by an admin";
  if (code == "010") return "intra-organization spoofing: the From domain is one of the receiver's own, and DMARC failed";
  if (code == "130") return "a trusted ARC sealer vouched for the message";
  if (code.size() != 3) return "an unknown code";
  switch (code[0]) {
    case '1':
    case '7':
      return "the " + std::string(1, code[0]) + "xx family: authenticated, explicitly or on implicit signals";
    case '2':
      return "the 2xx family: soft pass on a weak implicit signal";
    case '3':
      return "the 3xx family: not checked for composite authentication";
    case '4':
    case '9':
      return "the " + std::string(1, code[0]) +
             "xx family: composite authentication was bypassed, e.g. by an admin allow entry or a "
             "mail-flow rule";
    case '6':
      return "the 6xx family: intra-organization spoofing: the From domain is one of the receiver's "
             "own and implicit authentication failed";
    case '0':
      return "the 0xx family: authentication failed";
    default:
      return "an unknown code";
  }
}

HeaderExplanation explain_field(std::string_view value, const ExplainOptions& options) {
  HeaderExplanation h;
  h.value = std::string(value);
  auto parsed = authres::parse(value);
  if (!parsed) {
    // Report, don't fail: a provider's broken field must not hide the others.
    h.parsed = false;
    h.error = parsed.error().message;
    const std::string id = authres::leading_value(value);
    h.authserv_id = id.empty() ? std::string(kNoAuthservId) : id;
    h.sentences.push_back("This field could not be parsed (" + h.error + ").");
    h.summary = "An unreadable Authentication-Results field (" + h.error + ").";
    return h;
  }
  h.results = std::move(parsed->results);
  h.authserv_id = parsed->authserv_id.empty() ? std::string(kNoAuthservId) : parsed->authserv_id;
  const bool own = !options.own_authserv_id.empty() && !parsed->authserv_id.empty() &&
                   iequals(parsed->authserv_id, options.own_authserv_id);
  for (const auto& r : h.results) {
    const std::string m = to_lower(r.method);
    if (m == "spf") {
      h.sentences.push_back(explain_spf(r));
    } else if (m == "dkim") {
      h.sentences.push_back(explain_dkim(r));
    } else if (m == "dmarc") {
      explain_dmarc(r, h.sentences);
    } else if (m == "compauth") {
      h.sentences.push_back(capitalize(compauth_clause(r, own)) + ".");
    } else {
      h.sentences.push_back(explain_other(r));
    }
  }
  if (h.results.empty()) h.sentences.push_back("The receiver recorded no authentication results (none).");
  h.summary = summarize(h.results, own);
  return h;
}

Explanation explain(const Message& message, const ExplainOptions& options) {
  Explanation e;
  // find_all keeps message order: the topmost field, written by the last
  // receiver (RFC 8601 §5 asks each to prepend), comes first.
  for (const HeaderField* f : message.find_all("Authentication-Results")) {
    e.headers.push_back(explain_field(f->unfolded(), options));
  }
  if (e.headers.empty()) {
    e.summary = "The message has no Authentication-Results field.";
    return e;
  }
  std::size_t broken = 0;
  const HeaderExplanation* first = nullptr;
  for (const auto& h : e.headers) {
    if (!h.parsed) {
      ++broken;
    } else if (!first) {
      first = &h;
    }
  }
  if (!first) {
    e.summary = "None of the " + std::to_string(e.headers.size()) +
                " Authentication-Results fields could be parsed.";
    return e;
  }
  e.summary = first->summary;
  if (broken > 0) {
    e.summary += " (" + std::to_string(broken) + " other Authentication-Results field" +
                 (broken == 1 ? " was" : "s were") + " unreadable.)";
  }
  return e;
}

}  // namespace authguard::explain
