// publisher.h: getting key records into DNS. Pluggable, chosen by
// [keys.publisher] type: a zone include file (BIND, NSD, Knot) with an
// optional reload command, RFC 2136 dynamic update with TSIG, or an external
// hook command for DNS providers' APIs. Without a publisher, records wait in
// "awaiting-publication" and `keys export-dns` shows what to publish by hand.
//
// publish() is idempotent: it makes DNS hold exactly the given records at
// the domain's key names, whatever they held before, so a retry after a crash
// or a failure is always safe.
//
//   auto pub = make_publisher(config.keys.publisher);   // nullptr for none
//   auto results = (*pub)->publish({records}, everything);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "keys/config.h"
#include "keys/records.h"

namespace authguard::keys {

class Publisher {
 public:
  virtual ~Publisher() = default;
  [[nodiscard]] virtual const char* kind() const noexcept = 0;
  // Publishes `changed` (one entry per domain). `everything` holds every
  // domain's records, for publishers that rewrite whole files. Returns one
  // result per entry of `changed`, in order.
  [[nodiscard]] virtual std::vector<Result<void>> publish(
      const std::vector<DomainRecords>& changed, const std::vector<DomainRecords>& everything) = 0;
};

// The zone include file: absolute names, so it can be $INCLUDEd in any zone
// file. With "{zone}" in the path, one file per zone.
class ZoneFilePublisher final : public Publisher {
 public:
  ZoneFilePublisher(std::string path, std::vector<std::string> reload_command,
                    unsigned timeout_seconds);
  [[nodiscard]] const char* kind() const noexcept override { return "zone-file"; }
  [[nodiscard]] std::vector<Result<void>> publish(
      const std::vector<DomainRecords>& changed,
      const std::vector<DomainRecords>& everything) override;

  // The file for a zone, and its text (exposed for tests).
  [[nodiscard]] std::string path_for(const std::string& zone) const;
  [[nodiscard]] static std::string render(const std::vector<DomainRecords>& everything,
                                          const std::string& zone_or_empty);

 private:
  std::string path_;
  std::vector<std::string> reload_;
  unsigned timeout_seconds_;
};

// The hook: `COMMAND... publish NAME TYPE TTL VALUE`, once per record, with
// AUTHGUARD_DOMAIN, AUTHGUARD_ZONE, AUTHGUARD_SELECTOR, AUTHGUARD_RECORD_NAME,
// AUTHGUARD_RECORD_TYPE, AUTHGUARD_RECORD_TTL, AUTHGUARD_RECORD_VALUE in its
// environment. Exit 0 means the name now holds exactly that value.
class HookPublisher final : public Publisher {
 public:
  HookPublisher(std::vector<std::string> command, unsigned timeout_seconds);
  [[nodiscard]] const char* kind() const noexcept override { return "hook"; }
  [[nodiscard]] std::vector<Result<void>> publish(
      const std::vector<DomainRecords>& changed,
      const std::vector<DomainRecords>& everything) override;

 private:
  std::vector<std::string> command_;
  unsigned timeout_seconds_;
};

// RFC 2136 UPDATE with TSIG (RFC 8945) over TCP, one message per domain:
// delete the TXT RRset at each key name, add the current records. The server
// applies a message whole or not at all.
class Rfc2136Publisher final : public Publisher {
 public:
  // Reads the TSIG secret now, so a bad file is a config error at start.
  [[nodiscard]] static Result<std::unique_ptr<Rfc2136Publisher>> create(const PublisherConfig& config);
  ~Rfc2136Publisher() override;
  [[nodiscard]] const char* kind() const noexcept override { return "rfc2136"; }
  [[nodiscard]] std::vector<Result<void>> publish(
      const std::vector<DomainRecords>& changed,
      const std::vector<DomainRecords>& everything) override;

 private:
  Rfc2136Publisher() = default;
  [[nodiscard]] Result<void> update(const DomainRecords& records);
  std::string ip_;
  std::uint16_t port_ = 53;
  std::string zone_;
  std::string tsig_name_;
  std::string tsig_algorithm_;
  std::string tsig_secret_;  // base64; wiped on destruction
  unsigned timeout_seconds_ = 60;
};

// The configured publisher, or nullptr for type "none".
[[nodiscard]] Result<std::unique_ptr<Publisher>> make_publisher(const PublisherConfig& config);

// Runs argv (no shell) with extra environment variables; fails on a non-zero
// exit, a signal, or after timeout_seconds (the child is then killed). The
// error carries the first line of its standard error.
[[nodiscard]] Result<void> run_command(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& extra_env,
                                       unsigned timeout_seconds);

}  // namespace authguard::keys
