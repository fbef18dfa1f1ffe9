// config.h: authguard.toml, the one configuration file.
//
// Every key is documented in docs/CONFIG.md with its default. Unknown keys and
// bad values are errors that name the file, the line and the key, so a typo
// never silently falls back to a default.
//
//   auto cfg = load_config("/etc/authguard/authguard.toml");
//   if (!cfg) { print(cfg.error().message); return 2; }
//   auto resolver = make_resolver(cfg->dns);
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"
#include "dkim/verify.h"
#include "dmarc/discovery.h"
#include "dns/unbound_resolver.h"
#include "keys/config.h"
#include "message/message.h"
#include "policy/compauth.h"
#include "policy/rules.h"
#include "quarantine/relay.h"
#include "quarantine/release.h"
#include "quarantine/store.h"
#include "spf/verify.h"

namespace authguard {

struct LogConfig {
  std::string level = "info";     // trace, debug, info, warn, error, off
  std::string target = "stderr";  // stderr or syslog
};

struct DnsConfig {
  dns::UnboundOptions resolver;
  std::size_t cache_entries = 10000;
};

// [compauth]: composite authentication (docs/COMPAUTH.md).
struct CompAuthConfig {
  policy::CompAuthOptions options;    // override, min_messages, min_days, window_days
  std::vector<DomainName> allow;      // header-From domains (and below) an admin trusts
  std::vector<DomainName> block;      // header-From domains (and below) an admin refuses
};

// [quarantine]: retention, where released messages go, reports (docs/CONFIG.md).
struct QuarantineConfig {
  std::int64_t retention_days = quarantine::kDefaultRetentionSeconds / 86400;
  // The held messages together may take this many MiB (0: no cap).
  std::uint64_t max_database_mb = 0;
  quarantine::RelayOptions relay;  // relay, relay_tls, relay_timeout_seconds, relay_helo
  // How long a release marker is honoured after the release.
  std::int64_t marker_max_age_seconds = quarantine::kDefaultMarkerMaxAge;
  // Reports (`quarantine report`) are mailed here through the relay; empty:
  // written as files to report_dir (default <state-dir>/reports).
  std::string report_to;
  std::string report_dir;
  // User-release digests (`quarantine notify`): their From (empty:
  // quarantine@<authserv-id>), and the address recipients send release
  // requests to, an alias piped to `authguard quarantine request` (empty:
  // no digests, for there is no way to answer them).
  std::string notify_from;
  std::string release_address;
};

// [milter]: `authguard serve`, the milter the MTA talks to (docs/CONFIG.md).
struct MilterConfig {
  // libmilter's connection spec: unix:/path or inet:PORT@HOST (inet6: too).
  std::string socket = "unix:/run/authguard/milter.sock";
  // How long a session may wait for the MTA's next command.
  int timeout_seconds = 300;
  // Sessions at once; one more is answered "try again later" at connect.
  // Each may buffer up to [limits] max_message_bytes, so this bounds memory.
  int max_sessions = 100;
  // Clients whose mail is outbound (signed with the domain's active DKIM
  // key, its recipients recorded) instead of checked; SMTP-AUTH clients
  // always are. Empty by default: loopback is where releases come back in.
  std::vector<std::pair<IpAddress, unsigned>> internal_networks;
};

// The header the junk disposition adds, for the mailbox side to act on.
inline constexpr std::string_view kDefaultJunkHeader = "X-Spam-Flag: YES";

struct Config {
  std::string source;       // the file it came from, "" for defaults
  std::string authserv_id;  // default: this host's name
  LogConfig log;
  DnsConfig dns;
  MessageLimits message_limits;
  dkim::DkimPolicy dkim;
  spf::SpfOptions spf;
  dmarc::Mode dmarc_mode = dmarc::Mode::kRfc9989;
  keys::KeysConfig keys;
  // Our own domains, the provider routing domain included: a DMARC failure
  // claiming one of them is an intra-organization spoof (compauth 010/6xx).
  std::vector<DomainName> accepted_domains;
  CompAuthConfig compauth;
  std::vector<policy::Rule> rules;  // [[rules]], mail-flow rules
  QuarantineConfig quarantine;
  MilterConfig milter;
  // "Name: value", added to a message whose disposition is junk.
  std::string junk_header = std::string(kDefaultJunkHeader);
};

// The configuration with every default and no file.
[[nodiscard]] Config default_config();
[[nodiscard]] Result<Config> load_config(const std::string& path);
[[nodiscard]] Result<Config> parse_config(std::string_view text, std::string_view source_name);

}  // namespace authguard
