// milter_limits_test.cc: `authguard serve`'s session limit ([milter]
// max_sessions) behind a real Postfix: with one place, a second SMTP client
// connected at the same time is told to try again later (4xx), and a client
// after the first one left is served. A flood of connections can't make the
// milter hold more message buffers than it was given places for.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/nsd_server.h"
#include "support/postfix_server.h"
#include "support/run.h"
#include "support/smtp_sink.h"

namespace authguard::testing {
namespace {

// Python's smtplib: a first client holds its session open (after MAIL FROM)
// while a second one tries; then the first leaves and a third tries. Prints
// the three MAIL FROM reply codes.
constexpr const char* kClients = R"py(
import smtplib, sys, time
port = int(sys.argv[1])
first = smtplib.SMTP("127.0.0.1", port)
first.ehlo("one.example")
a = first.mail("one@contoso.example")[0]
second = smtplib.SMTP("127.0.0.1", port)
second.ehlo("two.example")
b = second.mail("two@contoso.example")[0]
second.close()
first.quit()
# The place is given back when Postfix closes its milter connection, which
# may come just after its 221 to the client: try for up to 10 s.
for _ in range(100):
    third = smtplib.SMTP("127.0.0.1", port)
    third.ehlo("three.example")
    c = third.mail("three@contoso.example")[0]
    third.close()
    if c == 250:
        break
    time.sleep(0.1)
print(a, b, c)
)py";

TEST(MilterLimits, SessionsOverTheLimitAreToldToTryAgainLater) {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  const std::string cfg = dir.path() + "/authguard.toml";
  std::filesystem::create_directory(state);
  std::ofstream(cfg) << "authserv_id = \"mx.example.net\"\n[milter]\nmax_sessions = 1\n[keys]\ntick_seconds = 0\n";
  SmtpSink sink;
  ASSERT_TRUE(sink.start()) << sink.error();
  AuthguardMilter milter(
      {"--config", cfg, "--state-dir", state, "--zone", source_path("examples/demo.zone")});
  ASSERT_TRUE(milter.start()) << milter.error();
  PostfixServer postfix(sink.port(), milter.spec());
  ASSERT_TRUE(postfix.start()) << postfix.error();

  auto r = run_program("/usr/bin/python3", {"-c", kClients, std::to_string(postfix.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.out, "250 451 250\n") << "milter log:\n" << milter.log() << "\npostfix log:\n" << postfix.log();
  EXPECT_NE(milter.log().find("event=milter.busy max_sessions=1"), std::string::npos) << milter.log();
}

}  // namespace
}  // namespace authguard::testing
