// main.cc: the authguard program: global options and subcommands.
//
// Global options are accepted before or after the subcommand
// (`authguard dns lookup example.com TXT --zone demo.zone` works).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/context.h"

namespace {

// Lets every subcommand, at any depth, hand options it does not know to its
// parent, so global options work after the subcommand too.
void allow_global_options_anywhere(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->fallthrough();
    allow_global_options_anywhere(*sub);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace authguard::cli;
  CLI::App app{"authguard: email authentication hardening (DKIM, SPF, DMARC) beside your MTA"};
  app.set_version_flag("--version", std::string("authguard ") + AUTHGUARD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  Context ctx;
  add_global_options(app, ctx.options);
  register_dns_commands(app, ctx);
  register_spf_commands(app, ctx);
  register_message_commands(app, ctx);
  register_dkim_commands(app, ctx);
  register_check_command(app, ctx);
  register_rules_commands(app, ctx);
  register_audit_commands(app, ctx);
  register_keys_commands(app, ctx);
  register_explain_command(app, ctx);
  register_demo_command(app, ctx);
  register_quarantine_commands(app, ctx);
  register_serve_command(app, ctx);
  register_history_commands(app, ctx);
  allow_global_options_anywhere(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "authguard: internal error: %s\n", e.what());
    return kExitTemporary;
  }
  return ctx.exit_code;
}
