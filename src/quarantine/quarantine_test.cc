// quarantine_test.cc: SqliteQuarantineStore on a real database in a temporary
// state directory (CRUD, filters, retention sweep, the size limit, a locked
// database as a temporary failure), and the release marker and its key.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "quarantine/preview.h"
#include "quarantine/relay.h"
#include "quarantine/release.h"
#include "quarantine/report.h"
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

// The quarantine at its cap (max_database_bytes, which stands in for a full
// disk): the message is not held, the failure is temporary, and what was
// held before is intact.
TEST(QuarantineStore, FullDatabaseIsTemporaryAndLosesNothing) {
  TempDir dir;
  auto store = open_store(dir, options([](SqliteQuarantineOptions& o) { o.max_database_bytes = 256 * 1024; }));
  ASSERT_NE(store, nullptr);
  auto small = entry("a@example.com", {"x@ours.example"}, "first", "r", kT0);
  auto first = store->put(small);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto big = entry("a@example.com", {"x@ours.example"}, "too big", "r", kT0 + 1);
  big.raw = "Subject: big\r\n\r\n" + std::string(512 * 1024, 'x');
  auto full = store->put(big);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().kind, ErrorKind::kTemporary) << full.error().message;
  auto listed = store->list({});
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, *first);
  // Room again once the cap allows it (another store without the cap).
  auto roomy = open_store(dir);
  EXPECT_TRUE(roomy->put(big).has_value());
}

// The cap counts the quarantine only: the state database's other tables
// (the verdict log, history) growing past it don't keep messages out.
TEST(QuarantineStore, TheCapCountsHeldMessagesOnly) {
  TempDir dir;
  auto store = open_store(dir, options([](SqliteQuarantineOptions& o) { o.max_database_bytes = 256 * 1024; }));
  ASSERT_NE(store, nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE other (b BLOB); INSERT INTO other VALUES (zeroblob(1048576));",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto id = store->put(entry("a@example.com", {"x@ours.example"}, "small", "r", kT0));
  EXPECT_TRUE(id.has_value()) << id.error().message;
}

// Injected fault: the state directory is not usable (here: a file, not a
// directory). Opening fails with kIo, which callers answer as a temporary
// failure (exit 3, 4xx), never with a store that drops mail.
TEST(QuarantineStore, UnusableStateDirectoryFailsToOpen) {
  TempDir dir;
  std::string not_a_dir = dir.path() + "/file";
  std::ofstream(not_a_dir) << "x";
  auto s = SqliteQuarantineStore::open(not_a_dir);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().kind, ErrorKind::kIo) << s.error().message;
}

// A VFS that opens every file read-only, as a read-only file system or a
// database file the daemon may not write would. Installed as SQLite's
// default for the test's scope; root (which ignores file modes) can't make
// a read-only database any other way.
class ReadOnlyFiles {
 public:
  ReadOnlyFiles() : real_(sqlite3_vfs_find(nullptr)) {
    vfs_ = *real_;
    vfs_.zName = "authguard-test-read-only";
    vfs_.pAppData = real_;
    vfs_.xOpen = [](sqlite3_vfs* self, sqlite3_filename name, sqlite3_file* file, int flags, int* out) {
      auto* real = static_cast<sqlite3_vfs*>(self->pAppData);
      flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
      return real->xOpen(real, name, file, flags, out);
    };
    sqlite3_vfs_register(&vfs_, 1);
  }
  ~ReadOnlyFiles() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_, 1);
  }
  ReadOnlyFiles(const ReadOnlyFiles&) = delete;
  ReadOnlyFiles& operator=(const ReadOnlyFiles&) = delete;

 private:
  sqlite3_vfs* real_;
  sqlite3_vfs vfs_{};
};

// Injected fault: the database can only be read. Holding a message is a
// temporary failure, never a message taken and lost, and what was held
// before is intact once the fault clears. (A store that turns read-only
// while open fails its commit the same way: db::sqlite maps SQLITE_READONLY
// to kTemporary, as the locked and full cases above exercise for a put.)
TEST(QuarantineStore, ReadOnlyDatabaseIsTemporaryAndLosesNothing) {
  TempDir dir;
  std::string first;
  {
    auto store = open_store(dir);
    auto id = store->put(entry("a@example.com", {"x@ours.example"}, "first", "r", kT0));
    ASSERT_TRUE(id.has_value());
    first = *id;
  }
  {
    ReadOnlyFiles fault;
    // The store can't set itself up on a file it can't write: opening it
    // is the temporary failure (check --record exits 3, the MTA retries).
    auto store = SqliteQuarantineStore::open(dir.path());
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().kind, ErrorKind::kTemporary) << store.error().message;
  }
  auto store = open_store(dir);
  auto listed = store->list({});
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, first);
  EXPECT_TRUE(store->put(entry("a@example.com", {"x@ours.example"}, "second", "r", kT0 + 1)).has_value());
}

TEST(QuarantineStore, ReleaseAndReportMarks) {
  TempDir dir;
  auto store = open_store(dir);
  auto id = store->put(entry("a@example.com", {"x@ours.example"}, "s", "r", kT0));
  ASSERT_TRUE(id.has_value());
  auto fresh = store->get(*id);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->released, 0);
  EXPECT_EQ(fresh->report, "");
  ASSERT_TRUE(store->mark_released(*id, kT0 + 60));
  ASSERT_TRUE(store->mark_reported(*id, "false-negative"));
  ASSERT_TRUE(store->mark_notified(*id, kT0 + 30));
  auto marked = store->list({});
  ASSERT_TRUE(marked.has_value());
  ASSERT_EQ(marked->size(), 1u);
  EXPECT_EQ((*marked)[0].released, kT0 + 60);
  EXPECT_EQ((*marked)[0].report, "false-negative");
  EXPECT_EQ((*marked)[0].notified, kT0 + 30);
  EXPECT_EQ(store->mark_notified("0123456789abcdef", kT0).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(store->mark_released("0123456789abcdef", kT0).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(store->mark_reported("not-an-id", "x").error().kind, ErrorKind::kNotFound);
}

// A database made before the released/report/notified columns existed is upgraded in
// place, its rows kept.
TEST(QuarantineStore, UpgradesAnOlderTable) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/authguard.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE quarantine_messages (id TEXT PRIMARY KEY, received INTEGER NOT "
                         "NULL, expires INTEGER NOT NULL, mail_from TEXT NOT NULL, recipients TEXT NOT "
                         "NULL, client_ip TEXT NOT NULL, helo TEXT NOT NULL, subject TEXT NOT NULL, "
                         "from_addr TEXT NOT NULL, rule TEXT NOT NULL, policy TEXT NOT NULL, "
                         "verdict_json TEXT NOT NULL, raw BLOB NOT NULL);"
                         "INSERT INTO quarantine_messages VALUES ('00000000000000aa', 1, 2, 'a@b', "
                         "'[\"c@d\"]', '', '', 'old', '', 'r', 'admin-only', '{}', x'41');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = open_store(dir);
  ASSERT_NE(store, nullptr);
  auto old = store->get("00000000000000aa");
  ASSERT_TRUE(old.has_value()) << old.error().message;
  EXPECT_EQ(old->subject, "old");
  EXPECT_EQ(old->raw, "A");
  EXPECT_EQ(old->released, 0);
  EXPECT_EQ(old->notified, 0);
  ASSERT_TRUE(store->mark_released("00000000000000aa", 5));
  ASSERT_TRUE(store->mark_notified("00000000000000aa", 6));
}

TEST(Relay, SmtpDataNormalizesLineEndsAndReplacesTheMarker) {
  std::string raw =
      "Authguard-Release: v=1; id=old; t=1;\n mac=forged\nSubject: hi\r\n"
      "authguard-release: second\nX-Other: 1\rstill X-Other\n\nbody\n.dot line\n"
      "Authguard-Release: in the body\nend";
  std::string out = smtp_data(raw, kReleaseHeader, "v=1; id=new");
  EXPECT_EQ(out,
            "Authguard-Release: v=1; id=new\r\n"
            "Subject: hi\r\nX-Other: 1\rstill X-Other\r\n\r\nbody\r\n.dot line\r\n"
            "Authguard-Release: in the body\r\nend\r\n");
  // No header to add: only the line ends change.
  EXPECT_EQ(smtp_data("A: 1\n\nb", "", ""), "A: 1\r\n\r\nb\r\n");
  // The header block ends where the message model ends it: at a line that
  // is neither a field nor a continuation (Postfix's rule). A marker-like
  // line after it is body, and the body is passed on untouched.
  // It gets the empty line it lacked, so nothing added on top can run into
  // the body.
  EXPECT_EQ(smtp_data("Subject: x\nnot a field\nAuthguard-Release: in the body\n", kReleaseHeader, "v=1"),
            "Authguard-Release: v=1\r\nSubject: x\r\n\r\nnot a field\r\n"
            "Authguard-Release: in the body\r\n");
  EXPECT_EQ(smtp_data("  indented first line\nAuthguard-Release: body\n", kReleaseHeader, "v=1"),
            "Authguard-Release: v=1\r\n\r\n  indented first line\r\nAuthguard-Release: body\r\n");
  // An mbox "From " separator is not part of the message.
  EXPECT_EQ(smtp_data("From a@example.com Mon Nov 30 00:00:00 2026\nSubject: x\n\nbody\n", kReleaseHeader,
                      "v=1"),
            "Authguard-Release: v=1\r\nSubject: x\r\n\r\nbody\r\n");
}

TEST(Relay, SettingsAreChecked) {
  auto with = [](std::string url, std::string tls = "none", int timeout = 60) {
    RelayOptions o;
    o.url = std::move(url);
    o.tls = std::move(tls);
    o.timeout_seconds = timeout;
    return validate_relay(o);
  };
  EXPECT_TRUE(with("smtp://127.0.0.1:25"));
  EXPECT_TRUE(with("smtp://relay.example", "starttls"));
  EXPECT_TRUE(with("smtps://relay.example:465"));
  EXPECT_FALSE(with("http://relay.example"));
  EXPECT_FALSE(with("smtp://"));
  EXPECT_FALSE(with("smtp://:25"));
  EXPECT_FALSE(with("smtps://relay.example", "starttls"));
  EXPECT_FALSE(with("smtp://relay.example", "sometimes"));
  EXPECT_FALSE(with("smtp://relay.example", "none", 0));
}

TEST(Relay, RefusesAddressesThatWouldInjectCommands) {
  RelayOptions o;
  o.url = "smtp://127.0.0.1:1";  // never reached: the addresses are refused first
  SmtpRelay relay(o);
  OutboundMessage m;
  m.mail_from = "a@example.com\r\nRCPT TO:<victim@example.net>";
  m.recipients = {"b@ours.example"};
  m.data = "Subject: x\r\n\r\n";
  EXPECT_EQ(relay.send(m).error().kind, ErrorKind::kInvalidInput);
  m.mail_from = "a@example.com";
  m.recipients = {"b@ours.example>\r\nDATA"};
  EXPECT_EQ(relay.send(m).error().kind, ErrorKind::kInvalidInput);
  m.recipients = {};
  EXPECT_EQ(relay.send(m).error().kind, ErrorKind::kInvalidInput);
}

TEST(Report, SubmissionAttachesTheMessageWhole) {
  QuarantineEntry e = entry("ceo@example.com", {"x@ours.example"}, "Wire \x1b[31mnow", "dmarc", kT0);
  e.id = "00000000000000aa";
  e.raw = "From: ceo@example.com\nSubject: --authguard-report-00000000000000aa-1700000000\n\nbody\n";
  std::string m = submission_message(e, ReportKind::kFalseNegative,
                                     {.from = "postmaster@mx.example.net", .to = "abuse@ours.example"},
                                     1700000000);
  EXPECT_NE(m.find("To: <abuse@ours.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("X-Authguard-Report: false-negative; id=00000000000000aa\r\n"), std::string::npos);
  EXPECT_NE(m.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
  // The boundary is not in the attached message (its Subject holds the obvious one).
  EXPECT_NE(m.find("boundary=\"authguard-report-00000000000000aa-1700000000x\""), std::string::npos) << m;
  EXPECT_NE(m.find("Content-Type: message/rfc822\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\n\r\nFrom: ceo@example.com\r\nSubject: --authguard"), std::string::npos);
  EXPECT_TRUE(m.ends_with("--authguard-report-00000000000000aa-1700000000x--\r\n"));
  // The held subject's escape sequence is not carried into the report's text.
  EXPECT_EQ(m.find('\x1b'), std::string::npos);
  EXPECT_EQ(parse_report_kind("false-positive"), ReportKind::kFalsePositive);
  EXPECT_EQ(parse_report_kind("spam"), std::nullopt);
}

Preview preview_of(const std::string& bytes) {
  auto m = Message::parse(bytes);
  EXPECT_TRUE(m.has_value());
  return m ? text_preview(*m) : Preview{};
}

TEST(Preview, PlainTextIsShownAndBounded) {
  auto p = preview_of("Subject: x\r\n\r\nHello\r\nworld\r\n");
  EXPECT_EQ(p.content_type, "text/plain");
  EXPECT_EQ(p.text, "Hello\nworld\n");
  EXPECT_FALSE(p.truncated);
  std::string many;
  for (int i = 0; i < 100; ++i) many += "line " + std::to_string(i) + "\r\n";
  auto long_one = preview_of("Subject: x\r\n\r\n" + many);
  EXPECT_TRUE(long_one.truncated);
  EXPECT_EQ(std::count(long_one.text.begin(), long_one.text.end(), '\n'),
            static_cast<long>(kMaxPreviewLines));
  auto wide = preview_of("Subject: x\r\n\r\n" + std::string(10000, 'a'));
  EXPECT_EQ(wide.text.size(), kMaxPreviewBytes);
  EXPECT_TRUE(wide.truncated);
}

TEST(Preview, FindsTheTextPartInNestedMultipartAndDecodesIt) {
  std::string m =
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "preamble\r\n--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
      "--inner\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Gr=C3=BC=C3=9Fe, soft=\r\nbreak\r\n--inner--\r\n"
      "--outer\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
      "--outer--\r\n";
  auto p = preview_of(m);
  EXPECT_EQ(p.content_type, "text/plain");
  EXPECT_EQ(p.text, "Gr\xc3\xbc\xc3\x9f" "e, softbreak\n");
  // Only HTML: shown without its tags; base64 undone.
  auto html = preview_of(
      "Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "PGI+Qm9sZDwvYj4gdGV4dA==\r\n");
  EXPECT_EQ(html.content_type, "text/html");
  EXPECT_EQ(html.text, "Bold text");
  // Nothing textual.
  EXPECT_EQ(preview_of("Content-Type: image/png\r\n\r\nxx").content_type, "");
}

TEST(Preview, HostileTextCannotDriveTheTerminal) {
  // ESC sequences, C1 controls, bidi overrides, invalid and overlong UTF-8.
  std::string evil = "a\x1b[2Jb\xc2\x9b" "c\xe2\x80\xae" "d\xff\xc0\xaf" "e\xe2\x81\xa6" "f\tg\x7f";
  EXPECT_EQ(safe_text(evil), "a?[2Jb?c?d???e?f\tg?");
  const std::string fine = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac";  // "café 日本"
  EXPECT_EQ(safe_text(fine), fine);
  // A boundary over 70 characters, or a multipart nested past the limit, shows nothing.
  std::string deep = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n";
  for (int i = 1; i <= kMaxPreviewDepth + 1; ++i) {
    deep += "--b" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=b" +
            std::to_string(i) + "\r\n\r\n";
  }
  deep += "--b" + std::to_string(kMaxPreviewDepth + 1) + "\r\nContent-Type: text/plain\r\n\r\ndeep\r\n";
  EXPECT_EQ(preview_of(deep).content_type, "");
  EXPECT_EQ(preview_of("Content-Type: multipart/mixed; boundary=" + std::string(71, 'b') +
                       "\r\n\r\n--" + std::string(71, 'b') + "\r\n\r\nx\r\n")
                .content_type,
            "");
}

const std::string kKey(32, 'k');
const std::string kBody = "Hello,\r\n\r\nthe invoice.\r\n";

TEST(ReleaseMarker, ValidAndShaped) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kBody, kT0);
  const std::string head = "v=1; id=3f9a0c1d2e4b5a69; t=1699920000; bh=" + release_body_hash(kBody) + "; mac=";
  EXPECT_EQ(v.rfind(head, 0), 0u) << v;
  EXPECT_EQ(v.size(), head.size() + 44);
  EXPECT_EQ(release_body_hash(kBody).size(), 44u);
  EXPECT_TRUE(valid_release_marker(kKey, v, kBody, kT0));
  EXPECT_TRUE(valid_release_marker(kKey, v, kBody, kT0 + kDefaultMarkerMaxAge));
  EXPECT_EQ(release_marker_id(v), "3f9a0c1d2e4b5a69");
  // Deterministic for the same inputs.
  EXPECT_EQ(v, release_marker(kKey, "3f9a0c1d2e4b5a69", kBody, kT0));
}

TEST(ReleaseMarker, ForgedIsRefused) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kBody, kT0);
  // Another id or time under the same mac.
  std::string other_id = v;
  other_id.replace(other_id.find("3f9a"), 4, "0000");
  EXPECT_FALSE(valid_release_marker(kKey, other_id, kBody, kT0));
  std::string other_t = v;
  other_t.replace(other_t.find("t=1699920000"), 12, "t=1699920001");
  EXPECT_FALSE(valid_release_marker(kKey, other_t, kBody, kT0));
  // A changed mac, a missing mac, garbage.
  std::string bad_mac = v;
  bad_mac[bad_mac.size() - 3] = bad_mac[bad_mac.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(valid_release_marker(kKey, bad_mac, kBody, kT0));
  EXPECT_FALSE(valid_release_marker(kKey, v.substr(0, v.find("mac=") + 4), kBody, kT0));
  EXPECT_FALSE(valid_release_marker(kKey, "", kBody, kT0));
  EXPECT_FALSE(valid_release_marker(kKey, "v=2" + v.substr(3), kBody, kT0));
  EXPECT_FALSE(valid_release_marker(kKey, v + "; extra=1", kBody, kT0));
  EXPECT_FALSE(valid_release_marker("", release_marker("", "ab", kBody, kT0), kBody, kT0));
}

// One MarkedBody serves every marker of a message: its hash is the body's,
// and a genuine marker after many forged ones still verifies.
TEST(ReleaseMarker, OneBodyHashForManyMarkers) {
  MarkedBody body(kBody);
  EXPECT_EQ(body.hash(), release_body_hash(kBody));
  for (int i = 0; i < 100; ++i) {
    std::string forged = "v=1; id=3f9a0c1d2e4b5a69; t=1699920000; bh=" + release_body_hash(kBody) +
                         "; mac=" + std::string(43, static_cast<char>('A' + i % 26)) + "=";
    EXPECT_FALSE(valid_release_marker(kKey, forged, body, kT0));
  }
  EXPECT_TRUE(valid_release_marker(kKey, release_marker(kKey, "3f9a0c1d2e4b5a69", kBody, kT0), body, kT0));
}

// The marker binds the body: copied onto another message it is refused;
// the same body with other line ends or white space (relaxed form) is the
// same body.
TEST(ReleaseMarker, BoundToTheBody) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kBody, kT0);
  EXPECT_FALSE(valid_release_marker(kKey, v, "Pay this other invoice.\r\n", kT0));
  EXPECT_FALSE(valid_release_marker(kKey, v, "", kT0));
  EXPECT_TRUE(valid_release_marker(kKey, v, "Hello,  \n\nthe invoice.\n\n\n", kT0));
  // A bh swapped in for another body's breaks the mac.
  std::string swapped = v;
  std::string other = release_body_hash("Pay this other invoice.\r\n");
  swapped.replace(swapped.find("bh=") + 3, other.size(), other);
  EXPECT_FALSE(valid_release_marker(kKey, swapped, "Pay this other invoice.\r\n", kT0));
}

TEST(ReleaseMarker, StaleOrFutureIsRefused) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kBody, kT0);
  EXPECT_FALSE(valid_release_marker(kKey, v, kBody, kT0 + kDefaultMarkerMaxAge + 1));
  EXPECT_FALSE(valid_release_marker(kKey, v, kBody, kT0 + 100, /*max_age=*/99));
  EXPECT_TRUE(valid_release_marker(kKey, v, kBody, kT0 - kMarkerClockSkew));
  EXPECT_FALSE(valid_release_marker(kKey, v, kBody, kT0 - kMarkerClockSkew - 1));
}

TEST(ReleaseMarker, WrongKeyIsRefused) {
  std::string v = release_marker(kKey, "3f9a0c1d2e4b5a69", kBody, kT0);
  EXPECT_FALSE(valid_release_marker(std::string(32, 'j'), v, kBody, kT0));
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
  EXPECT_FALSE(valid_release_marker(*k3, release_marker(*k1, "ab", kBody, kT0), kBody, kT0));
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
