// quarantine_test.cc: SqliteQuarantineStore on a real database in a temporary
// state directory (CRUD, filters, retention sweep, the size limit, a locked
// database as a temporary failure), and the release marker and its key.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>

#include "quarantine/release.h"
#include "quarantine/store.h"
#include "support/nsd_server.h"

namespace authguard::quarantine {
namespace {

using authguard::testing::TempDir;

constexpr UnixTime kDay = 86400;
constexpr UnixTime kT0 = 1699920000;  // 2023-11-14 00:00:00 UTC

std::unique_ptr<SqliteQuarantineStore> open_store(const TempDir& dir,
                                                  SqliteQuarantineOptions options = {}) {
  auto s = SqliteQuarantineStore::open(dir.path(), options);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

// Built by assignment: GCC 12 warns on designated initializers that leave
// members to their defaults (-Wmissing-field-initializers).
template <class F>
QuarantineFilter filter(F set) {
  QuarantineFilter f;
  set(f);
  return f;
}
template <class F>
SqliteQuarantineOptions options(F set) {
  SqliteQuarantineOptions o;
  set(o);
  return o;
}

QuarantineEntry entry(std::string from, std::vector<std::string> rcpts, std::string subject,
                      std::string rule, UnixTime received) {
  QuarantineEntry e;
  e.received = received;
  e.mail_from = from;
  e.from_addr = from;
  e.recipients = std::move(rcpts);
  e.client_ip = "192.0.2.10";
  e.helo = "mail.example.com";
  e.subject = std::move(subject);
  e.rule = std::move(rule);
  e.verdict_json = R"({"dmarc":{"result":"fail"}})";
  e.raw = "From: " + from + "\r\nSubject: x\r\n\r\nbody\r\n";
  return e;
}

TEST(QuarantineStore, PutGetRemove) {
  TempDir dir;
  auto store = open_store(dir);
  auto e = entry("Alice@Example.com", {"bob@example.org", "quote\"d@example.org"}, "Invoice",
                 "dmarc", kT0);
  e.policy = std::string(kPolicyUserRelease);
  e.raw = std::string("with\0nul\xff bytes", 15);
  auto id = store->put(e);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(id->size(), 16u);
  EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos);

  auto got = store->get(*id);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->id, *id);
  EXPECT_EQ(got->received, kT0);
  EXPECT_EQ(got->expires, kT0 + kDefaultRetentionSeconds);
  EXPECT_EQ(got->mail_from, "Alice@Example.com");
  EXPECT_EQ(got->recipients, e.recipients);
  EXPECT_EQ(got->client_ip, "192.0.2.10");
  EXPECT_EQ(got->helo, "mail.example.com");
  EXPECT_EQ(got->subject, "Invoice");
  EXPECT_EQ(got->rule, "dmarc");
  EXPECT_EQ(got->policy, kPolicyUserRelease);
  EXPECT_EQ(got->verdict_json, e.verdict_json);
  EXPECT_EQ(got->raw, e.raw);  // NUL and non-UTF-8 bytes survive

  // Two puts get different ids.
  auto id2 = store->put(e);
  ASSERT_TRUE(id2.has_value());
  EXPECT_NE(*id, *id2);

  ASSERT_TRUE(store->remove(*id).has_value());
  auto gone = store->get(*id);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().kind, ErrorKind::kNotFound);
  auto again = store->remove(*id);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(store->get("not-an-id").error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(store->get(*id2).has_value());
}

TEST(QuarantineStore, SurvivesReopen) {
  TempDir dir;
  std::string id;
  {
    auto store = open_store(dir);
    auto r = store->put(entry("a@example.com", {"b@example.org"}, "s", "r", kT0));
    ASSERT_TRUE(r.has_value());
    id = *r;
  }
  auto store = open_store(dir);
  EXPECT_TRUE(store->get(id).has_value());
}

TEST(QuarantineStore, RejectsUnknownPolicy) {
  TempDir dir;
  auto store = open_store(dir);
  auto e = entry("a@example.com", {"b@example.org"}, "s", "r", kT0);
  e.policy = "anyone";
  auto r = store->put(e);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
}

TEST(QuarantineStore, Filters) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->put(entry("a@example.com", {"x@ours.example"}, "Your Invoice 42", "invoices",
                               kT0)));
  ASSERT_TRUE(store->put(entry("b@example.net", {"y@ours.example", "X@Ours.Example"},
                               "hello", "dmarc", kT0 + kDay)));
  ASSERT_TRUE(store->put(entry("c@example.org", {"z@ours.example"}, "invoice due", "invoices",
                               kT0 + 2 * kDay)));

  auto subjects = [&](const QuarantineFilter& f) {
    auto r = store->list(f);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    std::vector<std::string> out;
    if (r) {
      for (const auto& e : *r) {
        EXPECT_TRUE(e.raw.empty());  // list leaves the bytes out
        out.push_back(e.subject);
      }
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(subjects(QuarantineFilter()),
            (V{"Your Invoice 42", "hello", "invoice due"}));  // oldest first
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.sender = "A@EXAMPLE.COM"; })),
            (V{"Your Invoice 42"}));
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.recipient = "x@ours.example"; })),
            (V{"Your Invoice 42", "hello"}));
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.recipient = "nobody@ours.example"; })),
            V{});
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.rule = "invoices"; })),
            (V{"Your Invoice 42", "invoice due"}));
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.since = kT0 + kDay; })),
            (V{"hello", "invoice due"}));
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.until = kT0 + kDay; })),
            (V{"Your Invoice 42"}));
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) {
              f.since = kT0 + kDay;
              f.until = kT0 + 2 * kDay;
            })),
            (V{"hello"}));
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.subject_contains = "INVOICE"; })),
            (V{"Your Invoice 42", "invoice due"}));
  // LIKE wildcards are plain characters.
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) { f.subject_contains = "%"; })), V{});
  EXPECT_EQ(subjects(filter([](QuarantineFilter& f) {
              f.rule = "invoices";
              f.subject_contains = "due";
            })),
            (V{"invoice due"}));

  auto all = store->list({});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ((*all)[1].recipients, (V{"y@ours.example", "X@Ours.Example"}));
}

TEST(QuarantineStore, SweepDropsExpiredEntries) {
  TempDir dir;
  auto store = open_store(
      dir, options([](SqliteQuarantineOptions& o) { o.retention_seconds = 7 * kDay; }));
  auto old_id = store->put(entry("a@example.com", {"x@ours.example"}, "old", "r", kT0));
  auto new_id =
      store->put(entry("a@example.com", {"x@ours.example"}, "new", "r", kT0 + 3 * kDay));
  auto e = entry("a@example.com", {"x@ours.example"}, "explicit", "r", kT0);
  e.expires = kT0 + 100 * kDay;
  auto kept_id = store->put(e);
  ASSERT_TRUE(old_id && new_id && kept_id);
  EXPECT_EQ(store->get(*old_id)->expires, kT0 + 7 * kDay);

  auto n = store->sweep(kT0 + 7 * kDay - 1);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 0);
  n = store->sweep(kT0 + 7 * kDay);  // expiry is inclusive
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1);
  EXPECT_FALSE(store->get(*old_id).has_value());
  EXPECT_TRUE(store->get(*new_id).has_value());
  n = store->sweep(kT0 + 50 * kDay);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(store->get(*kept_id).has_value());
}

TEST(QuarantineStore, MessageSizeLimit) {
  TempDir dir;
  auto store = open_store(
      dir, options([](SqliteQuarantineOptions& o) { o.max_message_bytes = 100; }));
  auto e = entry("a@example.com", {"x@ours.example"}, "s", "r", kT0);
  e.raw = std::string(100, 'a');
  EXPECT_TRUE(store->put(e).has_value());
  e.raw = std::string(101, 'a');
  auto r = store->put(e);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_NE(r.error().message.find("max_message_bytes"), std::string::npos);
  EXPECT_EQ(kDefaultMaxMessageBytes, 32u * 1024 * 1024);
}

TEST(QuarantineStore, LockedDatabaseIsTemporaryAndLosesNothing) {
  TempDir dir;
  auto store = open_store(
      dir, options([](SqliteQuarantineOptions& o) { o.busy_timeout_ms = 50; }));
  ASSERT_TRUE(store->put(entry("a@example.com", {"x@ours.example"}, "first", "r", kT0)));

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

  auto w = store->put(entry("a@example.com", {"x@ours.example"}, "second", "r", kT0 + 1));
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().kind, ErrorKind::kTemporary) << w.error().message;
  auto s = store->sweep(kT0 + 365 * kDay);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().kind, ErrorKind::kTemporary);
  // WAL: reading is not held up by the writer.
  auto listed = store->list({});
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  EXPECT_EQ(listed->size(), 1u);

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  // The retry succeeds; the failed put left nothing half-written.
  ASSERT_TRUE(store->put(entry("a@example.com", {"x@ours.example"}, "second", "r", kT0 + 1)));
  listed = store->list({});
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].subject, "second");
}

const std::string kKey(32, 'k');

TEST(ReleaseMarker, ValidAndShaped) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kT0);
  EXPECT_EQ(v.rfind("v=1; id=3f9a0c1d2e4b5a69; t=1699920000; mac=", 0), 0u) << v;
  EXPECT_EQ(v.size(), std::string("v=1; id=3f9a0c1d2e4b5a69; t=1699920000; mac=").size() + 44);
  EXPECT_TRUE(valid_release_marker(kKey, v, kT0));
  EXPECT_TRUE(valid_release_marker(kKey, v, kT0 + kDefaultMarkerMaxAge));
  EXPECT_EQ(release_marker_id(v), "3f9a0c1d2e4b5a69");
  // Deterministic for the same inputs.
  EXPECT_EQ(v, release_marker(kKey, "3f9a0c1d2e4b5a69", kT0));
}

TEST(ReleaseMarker, ForgedIsRefused) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kT0);
  // Another id or time under the same mac.
  std::string other_id = v;
  other_id.replace(other_id.find("3f9a"), 4, "0000");
  EXPECT_FALSE(valid_release_marker(kKey, other_id, kT0));
  std::string other_t = v;
  other_t.replace(other_t.find("t=1699920000"), 12, "t=1699920001");
  EXPECT_FALSE(valid_release_marker(kKey, other_t, kT0));
  // A changed mac, a missing mac, garbage.
  std::string bad_mac = v;
  bad_mac[bad_mac.size() - 3] = bad_mac[bad_mac.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(valid_release_marker(kKey, bad_mac, kT0));
  EXPECT_FALSE(valid_release_marker(kKey, "v=1; id=3f9a0c1d2e4b5a69; t=1699920000; mac=",
                                    kT0));
  EXPECT_FALSE(valid_release_marker(kKey, "", kT0));
  EXPECT_FALSE(valid_release_marker(kKey, "v=2" + v.substr(3), kT0));
  EXPECT_FALSE(valid_release_marker(kKey, v + "; extra=1", kT0));
  EXPECT_FALSE(valid_release_marker("", release_marker("", "ab", kT0), kT0));
}

TEST(ReleaseMarker, StaleOrFutureIsRefused) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kT0);
  EXPECT_FALSE(valid_release_marker(kKey, v, kT0 + kDefaultMarkerMaxAge + 1));
  EXPECT_FALSE(valid_release_marker(kKey, v, kT0 + 100, /*max_age=*/99));
  EXPECT_TRUE(valid_release_marker(kKey, v, kT0 - kMarkerClockSkew));
  EXPECT_FALSE(valid_release_marker(kKey, v, kT0 - kMarkerClockSkew - 1));
}

TEST(ReleaseMarker, WrongKeyIsRefused) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kT0);
  EXPECT_FALSE(valid_release_marker(std::string(32, 'j'), v, kT0));
}

TEST(ReleaseKey, CreatedPrivateAndStable) {
  TempDir dir;
  auto k1 = load_release_key(dir.path());
  ASSERT_TRUE(k1.has_value()) << k1.error().message;
  EXPECT_EQ(k1->size(), kReleaseKeyBytes);
  struct stat st{};
  ASSERT_EQ(::stat((dir.path() + "/release.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k2 = load_release_key(dir.path());
  ASSERT_TRUE(k2.has_value());
  EXPECT_EQ(*k1, *k2);
  // A key made in another state directory differs.
  TempDir other;
  auto k3 = load_release_key(other.path());
  ASSERT_TRUE(k3.has_value());
  EXPECT_NE(*k1, *k3);
  EXPECT_FALSE(valid_release_marker(*k3, release_marker(*k1, "ab", kT0), kT0));
}

TEST(ReleaseKey, ReadableByOthersOrWrongSizeIsRefused) {
  TempDir dir;
  std::string path = dir.path() + "/release.key";
  ASSERT_TRUE(load_release_key(dir.path()).has_value());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto r = load_release_key(dir.path());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);

  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  { std::ofstream(path, std::ios::trunc) << "short"; }
  r = load_release_key(dir.path());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
}

}  // namespace
}  // namespace authguard::quarantine
