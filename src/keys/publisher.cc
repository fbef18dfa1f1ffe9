// publisher.cc: the zone include file and hook publishers, and running
// external commands (reload commands, hooks) with a deadline.
#include "keys/publisher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include "keys/vault.h"

extern char** environ;

namespace authguard::keys {

namespace {

std::string replace_zone(std::string text, const std::string& zone) {
  for (auto pos = text.find("{zone}"); pos != std::string::npos; pos = text.find("{zone}", pos)) {
    text.replace(pos, 6, zone);
    pos += zone.size();
  }
  return text;
}

std::string first_line(const std::string& text) {
  auto nl = text.find('\n');
  std::string line = text.substr(0, nl);
  if (line.size() > 300) line.resize(300);
  return line;
}

}  // namespace

Result<void> run_command(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env, unsigned timeout_seconds) {
  if (argv.empty()) return fail(ErrorKind::kConfig, "empty command");
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  std::set<std::string> overridden;
  for (const auto& e : extra_env) overridden.insert(e.substr(0, e.find('=')));
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    if (!overridden.contains(entry.substr(0, entry.find('=')))) env_store.push_back(entry);
  }
  for (const auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return fail(ErrorKind::kIo, "pipe: " + std::string(std::strerror(errno)));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(err[0]);
    ::close(err[1]);
    return fail(ErrorKind::kIo, "fork: " + std::string(std::strerror(errno)));
  }
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
    }
    ::dup2(err[1], 2);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(err[1]);
  std::string stderr_text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{err[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    ssize_t got = ::read(err[0], buf, sizeof buf);
    if (got <= 0) break;  // EOF: the child closed its stderr (it exited)
    if (stderr_text.size() < 65536) stderr_text.append(buf, static_cast<std::size_t>(got));
  }
  ::close(err[0]);
  int status = 0;
  if (timed_out) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return fail(ErrorKind::kTemporary, argv[0] + " did not finish within " +
                                           std::to_string(timeout_seconds) + " s (killed)");
  }
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string how = WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && stderr_text.empty()) {
    how += " (command not found?)";
  }
  std::string line = first_line(stderr_text);
  return fail(ErrorKind::kTemporary, argv[0] + " " + how + (line.empty() ? "" : ": " + line));
}

// --- zone include file ---------------------------------------------------

ZoneFilePublisher::ZoneFilePublisher(std::string path, std::vector<std::string> reload_command,
                                     unsigned timeout_seconds)
    : path_(std::move(path)), reload_(std::move(reload_command)),
      timeout_seconds_(timeout_seconds) {}

std::string ZoneFilePublisher::path_for(const std::string& zone) const {
  return replace_zone(path_, zone);
}

std::string ZoneFilePublisher::render(const std::vector<DomainRecords>& everything,
                                      const std::string& zone_or_empty) {
  std::string text =
      "; DKIM key records written by authguard (`authguard keys`). Do not edit: this file is\n"
      "; rewritten whole at every publication. $INCLUDE it in the zone file.\n";
  if (!zone_or_empty.empty()) text += "; zone: " + zone_or_empty + "\n";
  for (const auto& d : everything) {
    if (!zone_or_empty.empty() && d.zone != zone_or_empty) continue;
    if (d.records.empty()) continue;
    text += "; " + d.domain + "\n";
    for (const auto& r : d.records) text += zone_line(r) + "\n";
  }
  return text;
}

std::vector<Result<void>> ZoneFilePublisher::publish(const std::vector<DomainRecords>& changed,
                                                     const std::vector<DomainRecords>& everything) {
  bool per_zone = path_.find("{zone}") != std::string::npos;
  // One write (and reload) per file, however many domains changed in it.
  std::map<std::string, Result<void>> by_zone;
  for (const auto& d : changed) {
    std::string zone = per_zone ? d.zone : "";
    if (by_zone.contains(zone)) continue;
    std::string file = path_for(d.zone);
    auto slash = file.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : file.substr(0, slash));
    std::string base = slash == std::string::npos ? file : file.substr(slash + 1);
    // Public data: the DNS server (another user) must read it.
    Result<void> r = write_file_atomic(dir, base, render(everything, zone), 0644);
    if (!r) {
      r = fail(r.error().kind, "zone-file publisher: " + r.error().message);
    } else if (!reload_.empty()) {
      std::vector<std::string> argv;
      for (const auto& a : reload_) argv.push_back(replace_zone(a, d.zone));
      r = run_command(argv, {}, timeout_seconds_);
      if (!r) r = fail(r.error().kind, "zone-file publisher: reload command " + r.error().message);
    }
    by_zone.emplace(zone, std::move(r));
  }
  std::vector<Result<void>> out;
  for (const auto& d : changed) out.push_back(by_zone.at(per_zone ? d.zone : ""));
  return out;
}

// --- hook ------------------------------------------------------------------

HookPublisher::HookPublisher(std::vector<std::string> command, unsigned timeout_seconds)
    : command_(std::move(command)), timeout_seconds_(timeout_seconds) {}

std::vector<Result<void>> HookPublisher::publish(const std::vector<DomainRecords>& changed,
                                                 const std::vector<DomainRecords>&) {
  std::vector<Result<void>> out;
  for (const auto& d : changed) {
    Result<void> r;
    for (const auto& rec : d.records) {
      std::vector<std::string> argv = command_;
      argv.insert(argv.end(), {"publish", rec.name, rec.type, std::to_string(rec.ttl), rec.value});
      std::vector<std::string> env = {
          "AUTHGUARD_DOMAIN=" + d.domain,          "AUTHGUARD_ZONE=" + d.zone,
          "AUTHGUARD_SELECTOR=" + rec.selector,    "AUTHGUARD_RECORD_NAME=" + rec.name,
          "AUTHGUARD_RECORD_TYPE=" + rec.type,     "AUTHGUARD_RECORD_TTL=" + std::to_string(rec.ttl),
          "AUTHGUARD_RECORD_VALUE=" + rec.value};
      r = run_command(argv, env, timeout_seconds_);
      if (!r) {
        r = fail(r.error().kind, "hook for " + rec.name + ": " + r.error().message);
        break;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::unique_ptr<Publisher>> make_publisher(const PublisherConfig& c) {
  switch (c.type) {
    case PublisherConfig::Type::kNone:
      return std::unique_ptr<Publisher>();
    case PublisherConfig::Type::kZoneFile:
      return std::unique_ptr<Publisher>(
          std::make_unique<ZoneFilePublisher>(c.path, c.reload_command, c.timeout_seconds));
    case PublisherConfig::Type::kHook:
      return std::unique_ptr<Publisher>(std::make_unique<HookPublisher>(c.command, c.timeout_seconds));
    case PublisherConfig::Type::kRfc2136: {
      auto p = Rfc2136Publisher::create(c);
      if (!p) return std::unexpected(p.error());
      return std::unique_ptr<Publisher>(std::move(*p));
    }
  }
  return std::unique_ptr<Publisher>();
}

}  // namespace authguard::keys
