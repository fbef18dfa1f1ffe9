// config.h: the [keys] section of authguard.toml, as values (read by
// src/config/config.cc, documented in docs/CONFIG.md).
//
//   [keys]
//   selectors = ["selector1", "selector2"]
//   rotation_days = 90
//   [keys.publisher]
//   type = "rfc2136"
//   server = "192.0.2.53"
//   tsig_name = "authguard"
//   tsig_secret_file = "/etc/authguard/tsig.key"
#pragma once

#include <string>
#include <vector>

#include "keys/types.h"

namespace authguard::keys {

struct PublisherConfig {
  enum class Type { kNone, kZoneFile, kRfc2136, kHook };
  Type type = Type::kNone;  // none: records are published by hand (keys export-dns)

  // zone-file: the include file; "{zone}" in it gives one file per zone.
  std::string path;
  // zone-file: run after each write (argv, no shell; "{zone}" replaced).
  std::vector<std::string> reload_command;

  // rfc2136: the primary server, "IP" or "IP@PORT".
  std::string server;
  // rfc2136: the zone to update (default: the domain, or its CNAME key zone).
  std::string zone;
  std::string tsig_name;                       // empty: unsigned updates
  std::string tsig_algorithm = "hmac-sha256";  // hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1, hmac-md5
  std::string tsig_secret_file;                // the base64 secret, alone in a file

  // hook: the command (argv, no shell), called once per record.
  std::vector<std::string> command;

  unsigned timeout_seconds = 60;  // per hook call, reload command, or update
};

struct KeysConfig {
  std::vector<std::string> selectors = {"selector1", "selector2"};
  std::vector<std::string> ed25519_selectors = {"selector1-ed25519", "selector2-ed25519"};
  unsigned rotation_days = 90;
  unsigned propagation_delay_hours = 96;
  unsigned bits = 2048;
  bool ed25519 = false;
  unsigned record_ttl = 3600;
  std::string cname_zone;  // default for `keys init` (CNAME delegation mode)
  // Live checks ask the authoritative servers too (not with --zone).
  bool check_authoritative = true;
  // Ask these ("IP" or "IP@PORT") instead of the zone's NS records: a hidden
  // primary, or a test server on a loopback port.
  std::vector<std::string> authoritative_servers;
  PublisherConfig publisher;
  // How often `authguard serve` runs the rotation tick (`keys rotate --due`)
  // itself, first at start; 0: never (a systemd timer or cron runs it).
  unsigned tick_seconds = 3600;
};

// The rotation policy these settings give.
[[nodiscard]] Policy policy_from(const KeysConfig& config);

}  // namespace authguard::keys
