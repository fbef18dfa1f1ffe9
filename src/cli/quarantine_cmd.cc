// quarantine_cmd.cc: `authguard quarantine list|show|delete`, the
// administrator's view of the messages held in <state-dir>/authguard.db
// (issue 6). Release comes later; it needs the milter's re-injection path.
//
//   authguard quarantine list --json --rule invoices
//   authguard quarantine show 3f9a0c1d2e4b5a69 --raw > held.eml
//   authguard quarantine delete 3f9a0c1d2e4b5a69
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "core/clock.h"
#include "quarantine/store.h"

namespace authguard::cli {

namespace {

struct ListArgs {
  bool json = false;
  std::string sender;
  std::string recipient;
  std::string rule;
  std::string subject;
};

struct IdArgs {
  std::string id;
  bool raw = false;
};

Result<std::unique_ptr<quarantine::SqliteQuarantineStore>> open_store(Context& ctx) {
  return quarantine::SqliteQuarantineStore::open(ctx.options.state_dir);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

int run_list(Context& ctx, const ListArgs& a) {
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  quarantine::QuarantineFilter filter;
  filter.sender = a.sender;
  filter.recipient = a.recipient;
  filter.rule = a.rule;
  filter.subject_contains = a.subject;
  auto entries = (*store)->list(filter);
  if (!entries) return ctx.report(entries.error());
  if (a.json) {
    nlohmann::json messages = nlohmann::json::array();
    for (const auto& e : *entries) {
      messages.push_back({{"id", e.id},
                          {"received", iso8601(e.received)},
                          {"from", e.from_addr.empty() ? e.mail_from : e.from_addr},
                          {"recipients", e.recipients},
                          {"subject", e.subject},
                          {"rule", e.rule},
                          {"policy", e.policy},
                          {"expires", iso8601(e.expires)}});
    }
    print_json_line({{"messages", messages}});
    return kExitOk;
  }
  if (entries->empty()) {
    std::printf("no quarantined messages\n");
    return kExitOk;
  }
  for (const auto& e : *entries) {
    // Sender-controlled text goes through printable(): it can't drive the terminal.
    std::printf("%s  %s  %s -> %s  [%s]  %s\n", e.id.c_str(), iso8601(e.received).c_str(),
                printable(e.from_addr.empty() ? e.mail_from : e.from_addr).c_str(),
                printable(joined(e.recipients)).c_str(), printable(e.rule).c_str(),
                printable(e.subject).c_str());
  }
  return kExitOk;
}

int run_show(Context& ctx, const IdArgs& a) {
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  auto e = (*store)->get(a.id);
  if (!e) return ctx.report(e.error());
  if (a.raw) {
    std::fwrite(e->raw.data(), 1, e->raw.size(), stdout);
    return kExitOk;
  }
  std::printf("id:         %s\n", e->id.c_str());
  std::printf("received:   %s\n", iso8601(e->received).c_str());
  std::printf("expires:    %s\n", iso8601(e->expires).c_str());
  std::printf("mail from:  %s\n", printable(e->mail_from).c_str());
  std::printf("recipients: %s\n", printable(joined(e->recipients)).c_str());
  std::printf("client:     %s (helo %s)\n", printable(e->client_ip).c_str(),
              printable(e->helo).c_str());
  std::printf("from:       %s\n", printable(e->from_addr).c_str());
  std::printf("subject:    %s\n", printable(e->subject).c_str());
  std::printf("rule:       %s\n", printable(e->rule).c_str());
  std::printf("policy:     %s\n", e->policy.c_str());
  std::printf("size:       %zu bytes\n", e->raw.size());
  std::printf("verdict:    %s\n", printable(e->verdict_json).c_str());
  return kExitOk;
}

int run_delete(Context& ctx, const IdArgs& a) {
  auto store = open_store(ctx);
  if (!store) return ctx.report(store.error());
  if (auto r = (*store)->remove(a.id); !r) return ctx.report(r.error());
  std::printf("deleted %s\n", a.id.c_str());
  return kExitOk;
}

}  // namespace

void register_quarantine_commands(CLI::App& app, Context& ctx) {
  CLI::App* q = app.add_subcommand("quarantine", "Messages held back by policy");
  q->require_subcommand(1);

  auto la = std::make_shared<ListArgs>();
  CLI::App* list = q->add_subcommand("list", "Quarantined messages, oldest first");
  list->add_flag("--json", la->json, "One JSON object on one line");
  list->add_option("--sender", la->sender, "Envelope or header From address");
  list->add_option("--recipient", la->recipient, "One of the envelope recipients");
  list->add_option("--rule", la->rule, "The rule that held the message");
  list->add_option("--subject", la->subject, "Text the Subject contains (any case)");
  list->callback([&ctx, la] { ctx.exit_code = run_list(ctx, *la); });

  auto sa = std::make_shared<IdArgs>();
  CLI::App* show = q->add_subcommand("show", "One message's details and verdict");
  show->add_option("id", sa->id, "Message id")->required();
  show->add_flag("--raw", sa->raw, "Print the message as received instead");
  show->callback([&ctx, sa] { ctx.exit_code = run_show(ctx, *sa); });

  auto da = std::make_shared<IdArgs>();
  CLI::App* del = q->add_subcommand("delete", "Delete one message for good");
  del->add_option("id", da->id, "Message id")->required();
  del->callback([&ctx, da] { ctx.exit_code = run_delete(ctx, *da); });
}

}  // namespace authguard::cli
