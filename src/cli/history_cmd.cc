// history_cmd.cc: `authguard history import FILE`, recipient history loaded
// from a list (issue 6). Composite authentication counts a message from a
// domain our users have written to as a known correspondent; a new
// installation imports who they wrote to before (an export of the old
// system's sent mail, or of Microsoft 365's message trace).
//
//   authguard history import sent-to.txt      # one address per line
//
// The file: one address per line, either bare (bob@example.com) or in angle
// brackets (Bob <bob@example.com>); blank lines and lines starting # are
// skipped. A bad line stops the import with its line number, and nothing is
// recorded: the import is one transaction.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/context.h"
#include "cli/format.h"
#include "core/domain.h"
#include "core/strings.h"
#include "history/store.h"

namespace authguard::cli {

namespace {

// The largest file imported, and the longest line (RFC 5321 §4.5.3.1.3: a
// path is at most 256 octets; room for a display name).
constexpr std::size_t kMaxImportBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxImportLine = 1000;

struct ImportArgs {
  std::string file;
  std::optional<std::int64_t> now;
};

// The address a line names, "" for a line to skip, or an error.
Result<std::string> address_of(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return std::string();
  if (line.size() > kMaxImportLine) return fail(ErrorKind::kLimitExceeded, "line over 1000 bytes");
  if (auto open = line.find('<'); open != std::string_view::npos) {
    auto close = line.find('>', open);
    if (close == std::string_view::npos) return fail(ErrorKind::kInvalidInput, "'<' without '>'");
    line = trim(line.substr(open + 1, close - open - 1));
  }
  auto at = line.rfind('@');
  if (at == std::string_view::npos || at == 0) {
    return fail(ErrorKind::kInvalidInput, "not an address: " + printable(line));
  }
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return fail(ErrorKind::kInvalidInput, "space or control character in " + printable(line));
  }
  if (!DomainName::parse(line.substr(at + 1))) {
    return fail(ErrorKind::kInvalidInput, "bad domain in " + printable(line));
  }
  return to_lower(line);
}

int run_import(Context& ctx, const ImportArgs& a) {
  auto text = read_input(a.file, kMaxImportBytes + 1);
  if (!text) return ctx.report(text.error());
  if (text->size() > kMaxImportBytes) {
    return ctx.report(Error{ErrorKind::kLimitExceeded, a.file + ": over 64 MiB"});
  }
  std::vector<std::string> addresses;
  std::size_t line_no = 0;
  for (std::string_view line : split(*text, '\n')) {
    ++line_no;
    auto addr = address_of(line);
    if (!addr) {
      // The administrator's file is wrong: a usage error (exit 2), like a bad config.
      return ctx.report(Error{ErrorKind::kConfig, a.file + ":" + std::to_string(line_no) + ": " +
                                                     addr.error().message + " (nothing imported)"});
    }
    if (!addr->empty()) addresses.push_back(std::move(*addr));
  }
  auto store = history::SqliteHistoryStore::open(ctx.options.state_dir);
  if (!store) return ctx.report(store.error());
  if (auto r = (*store)->record_recipients(addresses, ctx.clock(a.now).now()); !r) {
    return ctx.report(r.error());
  }
  std::printf("imported %zu recipient address(es) from %s\n", addresses.size(), printable(a.file).c_str());
  return kExitOk;
}

}  // namespace

void register_history_commands(CLI::App& app, Context& ctx) {
  CLI::App* history = app.add_subcommand("history", "What composite authentication remembers");
  history->require_subcommand(1);
  auto a = std::make_shared<ImportArgs>();
  CLI::App* import = history->add_subcommand("import", "Load recipient history: addresses our users wrote to");
  import->add_option("file", a->file, "One address per line (- for standard input)")->required();
  import->add_option("--now", a->now, "Record as at this Unix time");
  import->callback([&ctx, a] { ctx.exit_code = run_import(ctx, *a); });
}

}  // namespace authguard::cli
