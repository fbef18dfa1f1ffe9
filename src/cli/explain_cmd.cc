// explain_cmd.cc: `authguard explain [MESSAGE|-]`, which reads a delivered
// message's Authentication-Results fields (Microsoft 365's included) and says
// in plain words what happened and why (issue 6). docs/cli/explain.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "explain/explain.h"

namespace authguard::cli {

namespace {

struct ExplainArgs {
  std::string path = "-";
  bool json = false;
};

// "method=result" with its properties, as the field wrote them (after parsing).
std::string render_result(const authres::ResInfo& r) {
  std::string s = r.method + "=" + r.result;
  if (!r.reason.empty()) s += " reason=" + r.reason;
  for (const auto& p : r.properties) {
    s += " " + (p.ptype.empty() ? p.property : p.ptype + "." + p.property) + "=" + p.value;
  }
  return s;
}

nlohmann::json to_json(const std::string& path, const explain::Explanation& e) {
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& h : e.headers) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : h.results) {
      // Properties keyed as written ("smtp.mailfrom", bare "action"); the
      // reasonspec is kept as "reason" so compauth's code is always there.
      nlohmann::json props = nlohmann::json::object();
      if (!r.reason.empty()) props["reason"] = r.reason;
      for (const auto& p : r.properties) {
        const std::string key = p.ptype.empty() ? p.property : p.ptype + "." + p.property;
        if (!props.contains(key)) props[key] = p.value;
      }
      results.push_back({{"method", r.method}, {"result", r.result}, {"properties", props}});
    }
    nlohmann::json jh = {{"authserv_id", h.authserv_id},
                         {"results", results},
                         {"sentences", h.sentences},
                         {"summary", h.summary}};
    if (!h.parsed) {
      jh["error"] = h.error;
      jh["value"] = h.value;
    }
    headers.push_back(std::move(jh));
  }
  return {{"message", path}, {"headers", headers}, {"summary", e.summary}};
}

void print_text(const std::string& path, const explain::Explanation& e) {
  std::printf("%s: %s\n", printable(path).c_str(), printable(e.summary).c_str());
  std::size_t i = 0;
  for (const auto& h : e.headers) {
    ++i;
    std::printf("\nAuthentication-Results #%zu (authserv-id %s)%s\n", i,
                printable(h.authserv_id).c_str(), i == 1 ? ", topmost" : "");
    if (!h.parsed) std::printf("  value: %s\n", printable(h.value).c_str());
    for (const auto& r : h.results) std::printf("  %s\n", printable(render_result(r)).c_str());
    for (const auto& s : h.sentences) std::printf("  - %s\n", printable(s).c_str());
    std::printf("  => %s\n", printable(h.summary).c_str());
  }
}

int run_explain(Context& ctx, const ExplainArgs& args) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  auto message = read_message(args.path, (*cfg)->message_limits);
  if (!message) return ctx.report(message.error());
  explain::ExplainOptions options;
  options.own_authserv_id = (*cfg)->authserv_id;
  const explain::Explanation e = explain::explain(**message, options);
  if (args.json) {
    print_json_line(to_json(args.path, e));
  } else {
    print_text(args.path, e);
  }
  return e.headers.empty() ? kExitNegative : kExitOk;
}

}  // namespace

void register_explain_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Explain a delivered message's Authentication-Results in plain words");
  cmd->add_option("message", args->path, "Message file (- or nothing for standard input)");
  cmd->add_flag("--json", args->json, "One JSON object on one line");
  cmd->callback([&ctx, args] { ctx.exit_code = run_explain(ctx, *args); });
}

}  // namespace authguard::cli
