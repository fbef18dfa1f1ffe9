// dns_cmd.cc: `authguard dns lookup`, a dig through authguard's own resolver,
// honouring --zone, --zone-fault and the [dns] configuration. It shows exactly
// what the verifiers will see.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"

namespace authguard::cli {

namespace {

struct LookupArgs {
  std::string name;
  std::string type = "TXT";
  bool json = false;
};

// The records as text, or an error when the rdata does not decode.
dns::DnsResult<std::vector<std::string>> render(const dns::RRset& set) {
  std::vector<std::string> out;
  auto bad = [](const dns::DnsError& e) { return std::unexpected(e); };
  switch (set.type) {
    case dns::RecordType::kTxt:
      if (auto a = dns::decode_txt(set)) {
        for (const auto& r : a->records) out.push_back(quote_txt(r));
      } else {
        return bad(a.error());
      }
      break;
    case dns::RecordType::kA:
    case dns::RecordType::kAaaa:
      if (auto a = dns::decode_address(set)) {
        for (const auto& r : a->records) out.push_back(r.str());
      } else {
        return bad(a.error());
      }
      break;
    case dns::RecordType::kMx:
      if (auto a = dns::decode_mx(set)) {
        for (const auto& r : a->records) {
          out.push_back(std::to_string(r.preference) + " " + r.exchange +
                        (r.exchange == "." ? "" : "."));
        }
      } else {
        return bad(a.error());
      }
      break;
    case dns::RecordType::kPtr:
    case dns::RecordType::kCname:
      if (auto a = dns::decode_names(set)) {
        for (const auto& r : a->records) out.push_back(r + ".");
      } else {
        return bad(a.error());
      }
      break;
  }
  return out;
}

int run_lookup(Context& ctx, const LookupArgs& args) {
  dns::RecordType type{};
  if (!dns::parse_record_type(args.type, type)) {
    std::fprintf(stderr, "authguard: unknown record type %s (A, AAAA, MX, TXT, PTR, CNAME)\n",
                 args.type.c_str());
    return kExitUsage;
  }
  auto resolver = ctx.resolver();
  if (!resolver) return ctx.report(resolver.error());
  std::string name = args.name;
  if (type == dns::RecordType::kPtr) {
    if (auto ip = IpAddress::parse(name)) name = ip->reverse_name();
  }
  auto answer = (*resolver)->query(name, type);
  dns::DnsResult<std::vector<std::string>> records =
      answer ? render(*answer)
             : dns::DnsResult<std::vector<std::string>>(std::unexpected(answer.error()));
  nlohmann::json j;
  j["name"] = name;
  j["type"] = dns::record_type_name(type);
  int rc = kExitOk;
  if (records) {
    j["status"] = "found";
    j["canonical_name"] = answer->name;
    j["ttl"] = answer->ttl;
    j["secure"] = answer->secure;
    j["records"] = *records;
  } else {
    j["status"] = dns::dns_status_name(records.error().status);
    j["reason"] = records.error().reason;
    rc = records.error().temporary() ? kExitTemporary : kExitNegative;
  }
  if (args.json) {
    print_json_line(j);
    return rc;
  }
  if (!records) {
    std::printf("%s %s: %s (%s)\n", printable(name).c_str(), j["type"].get<std::string>().c_str(),
                j["status"].get<std::string>().c_str(), printable(records.error().reason).c_str());
    return rc;
  }
  for (const auto& r : *records) {
    std::printf("%s. %u IN %s %s%s\n", printable(answer->name).c_str(), answer->ttl,
                dns::record_type_name(type), printable(r).c_str(),
                answer->secure ? " ; secure" : "");
  }
  return rc;
}

}  // namespace

void register_dns_commands(CLI::App& app, Context& ctx) {
  CLI::App* dns = app.add_subcommand("dns", "DNS lookups through authguard's resolver");
  dns->require_subcommand(1);
  auto args = std::make_shared<LookupArgs>();
  CLI::App* lookup = dns->add_subcommand("lookup", "Look up one name and record type");
  lookup->add_option("name", args->name, "Domain name (or IP address for PTR)")->required();
  lookup->add_option("type", args->type, "A, AAAA, MX, TXT, PTR or CNAME (default TXT)");
  lookup->add_flag("--json", args->json, "One JSON object on one line");
  lookup->callback([&ctx, args] { ctx.exit_code = run_lookup(ctx, *args); });
}

}  // namespace authguard::cli
