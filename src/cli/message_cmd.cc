// message_cmd.cc: `authguard message parse`, which shows how authguard reads
// a message: line endings, header fields, where the body starts, and the
// author addresses DMARC will evaluate.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "cli/inspect.h"

namespace authguard::cli {

namespace {

struct ParseArgs {
  std::vector<std::string> paths;
  bool json = false;
};

int run_parse(Context& ctx, const ParseArgs& args) {
  auto cfg = ctx.config();
  if (!cfg) return ctx.report(cfg.error());
  int rc = kExitOk;
  for (const auto& path : args.paths) {
    auto bytes = read_input(path, message_read_budget((*cfg)->message_limits));
    if (!bytes) {
      rc = std::max(rc, ctx.report(bytes.error()));
      continue;
    }
    auto summary = summarize_message(path, *bytes, (*cfg)->message_limits);
    if (args.json) {
      print_json_line(summary);
    } else {
      std::fputs(render_summary(summary).c_str(), stdout);
    }
    if (summary.contains("error")) rc = std::max(rc, kExitNegative);
  }
  return rc;
}

}  // namespace

void register_message_commands(CLI::App& app, Context& ctx) {
  CLI::App* msg = app.add_subcommand("message", "Inspect RFC 5322 messages");
  msg->require_subcommand(1);
  auto args = std::make_shared<ParseArgs>();
  CLI::App* parse = msg->add_subcommand("parse", "Show how authguard parses a message");
  parse->add_option("message", args->paths, "Message files (- for standard input)")->required();
  parse->add_flag("--json", args->json, "One JSON object per message, one per line");
  parse->callback([&ctx, args] { ctx.exit_code = run_parse(ctx, *args); });
}

}  // namespace authguard::cli
