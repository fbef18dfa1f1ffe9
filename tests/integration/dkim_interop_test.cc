// dkim_interop_test.cc: authguard's DKIM against two independent
// implementations, dkimpy (Debian's python3-dkim) and Mail::DKIM (Debian's
// libmail-dkim-perl), through the scripts in tests/interop/.
//
//   * what `authguard dkim sign` writes, for rsa-sha256 and ed25519-sha256
//     and all four c= pairs, over every example message (CRLF and LF),
//     verifies in authguard, dkimpy and Mail::DKIM;
//   * what dkimpy signs verifies in authguard;
//   * a message signed twice (RSA and Ed25519, RFC 8463 §5 dual signing)
//     verifies in all three;
//   * tampering (a body byte, a signed header's value, an added From, a
//     bare CR in a signed header, a removed signed header) fails in
//     authguard and in dkimpy;
//   * the RFC 8463 Appendix A example verifies in all three.
//
// Example messages may already carry DKIM signatures of their own domains
// (the demo's); those keys are not given to the verifiers here, so only the
// signatures of interop.example are asserted, the others only counted.
//
// Debian 12's Mail::DKIM (1.20230212) predates its Ed25519 support: it
// reports Ed25519 signatures as "invalid (unsupported algorithm
// ed25519-sha256)". When the installed Mail::DKIM has no Ed25519 module the
// tests assert exactly that answer, so a newer Mail::DKIM turns the check
// into a real verification instead of leaving it unchecked.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/domain.h"
#include "dkim/crypto.h"
#include "dkim/sign.h"
#include "message/message.h"
#include "support/nsd_server.h"
#include "support/run.h"

namespace authguard::testing {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // python3-dkim is for the system python
constexpr const char* kDomain = "interop.example";
constexpr const char* kRsaSelector = "rsa2048";
constexpr const char* kEdSelector = "ed25519";

// Every example message (CRLF and LF ones), relative to the source root.
std::vector<std::string> example_messages() {
  std::vector<std::string> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(source_path("examples/messages"))) {
    if (entry.path().extension() == ".eml") {
      out.push_back("examples/messages/" + entry.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  // The tests loop over these: with none, a loop would pass having checked nothing.
  EXPECT_GE(out.size(), 4u) << "no sample messages in examples/messages";
  return out;
}

// A message of our own for the tampering cases, so they do not depend on
// the examples' text.
constexpr const char* kTamperMessage =
    "From: Contoso News <news@contoso.example>\r\n"
    "To: reader@example.net\r\n"
    "Subject: November update\r\n"
    "Date: Mon, 30 Nov 2026 05:59:58 +0000\r\n"
    "Message-ID: <20261130055958.1234@contoso.example>\r\n"
    "\r\n"
    "Hello,\r\n"
    "\r\n"
    "this is the monthly update from Contoso.\r\n";

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// DKIM-Signature fields a message already has.
std::size_t count_signatures(const std::string& bytes) {
  auto message = Message::parse(bytes);
  return message ? message->count("DKIM-Signature") : 0;
}

// One signature's outcome as a verifier reported it.
struct Report {
  std::string domain;
  std::string selector;
  std::string algorithm;
  std::string result;  // the verifier's own word: pass, fail, permerror, invalid, ...
  std::string detail;
};

std::string describe(const std::vector<Report>& reports, const RunResult& run) {
  std::string s;
  for (const auto& r : reports) s += "\n  d=" + r.domain + " s=" + r.selector + " a=" + r.algorithm + ": " + r.detail;
  return s + "\n  exit " + std::to_string(run.exit_code) + "\n  stdout: " + run.out +
         "\n  stderr: " + run.err;
}

// Lines "N d=... s=... a=...: WORD (detail)" from the interop scripts.
std::vector<Report> parse_script_output(const std::string& out) {
  static const std::regex line(R"(^\d+ d=(\S*) s=(\S*) a=(\S*): (\S+)(.*)$)");
  std::vector<Report> reports;
  std::istringstream in(out);
  std::string text;
  std::smatch m;
  while (std::getline(in, text)) {
    if (std::regex_match(text, m, line)) {
      reports.push_back({m[1], m[2], m[3], m[4], std::string(m[4]) + std::string(m[5])});
    }
  }
  return reports;
}

// A key pair per algorithm, generated per test process, its PEM file, and
// the TXT records every verifier gets.
struct Keys {
  TempDir dir;
  std::string rsa_pem;
  std::string ed_pem;
  std::string rsa_record;
  std::string ed_record;
  std::string zone;  // master file for authguard's --zone
  std::vector<std::string> script_records;  // NAME=VALUE for the scripts

  Keys() {
    auto rsa = dkim::PrivateKey::generate(dkim::KeyType::kRsa, 2048);
    auto ed = dkim::PrivateKey::generate(dkim::KeyType::kEd25519);
    if (!rsa || !ed) return;
    rsa_pem = dir.path() + "/rsa2048.pem";
    ed_pem = dir.path() + "/ed25519.pem";
    write_file(rsa_pem, rsa->to_pem().value_or(""));
    write_file(ed_pem, ed->to_pem().value_or(""));
    rsa_record = "v=DKIM1; k=rsa; p=" + rsa->public_key_base64();
    ed_record = "v=DKIM1; k=ed25519; p=" + ed->public_key_base64();
    const std::string rsa_name = std::string(kRsaSelector) + "._domainkey." + kDomain;
    const std::string ed_name = std::string(kEdSelector) + "._domainkey." + kDomain;
    zone = dir.path() + "/keys.zone";
    write_file(zone, zone_line(rsa_name, rsa_record) + zone_line(ed_name, ed_record));
    script_records = {rsa_name + "=" + rsa_record, ed_name + "=" + ed_record};
  }

  // A TXT record as master-file text: one character-string holds at most
  // 255 bytes (RFC 1035 §3.3), so a 2048-bit key's record is split.
  static std::string zone_line(const std::string& owner, const std::string& value) {
    std::string line = owner + ". 300 IN TXT";
    for (std::size_t i = 0; i < value.size(); i += 200) line += " \"" + value.substr(i, 200) + "\"";
    return line + "\n";
  }
};

bool mail_dkim_has_ed25519() {
  static const bool has =
      run_program("perl", {"-MMail::DKIM::Algorithm::ed25519_sha256", "-e", "1"}).exit_code == 0;
  return has;
}

class DkimInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { keys_ = new Keys(); }
  static void TearDownTestSuite() {
    delete keys_;
    keys_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(keys_->rsa_record.empty()) << "key generation failed";
    now_ = static_cast<std::int64_t>(std::time(nullptr));
  }

  const Keys& keys() const { return *keys_; }
  std::string path(const std::string& name) const { return keys_->dir.path() + "/" + name; }

  // `authguard dkim sign`; the output is the message with the new field.
  std::string authguard_sign(const std::string& message_path, const std::string& algorithm,
                             const std::string& canon) {
    const bool ed = algorithm == "ed25519-sha256";
    auto r = run_authguard({"dkim", "sign", "--domain", kDomain, "--selector",
                            ed ? kEdSelector : kRsaSelector, "--key",
                            ed ? keys().ed_pem : keys().rsa_pem, "--algorithm", algorithm,
                            "--canon", canon, "--now", std::to_string(now_), message_path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string dkimpy_sign(const std::string& message_path, const std::string& algorithm,
                          const std::string& canon) {
    const bool ed = algorithm == "ed25519-sha256";
    auto r = run_program(kPython, {source_path("tests/interop/dkimpy_sign.py"),
                                   ed ? keys().ed_pem : keys().rsa_pem, kDomain,
                                   ed ? kEdSelector : kRsaSelector, canon, algorithm,
                                   message_path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // `authguard dkim verify --json`, as at a minute after signing.
  std::vector<Report> authguard_verify(const std::string& message_path, RunResult& run) {
    run = run_authguard({"dkim", "verify", message_path, "--zone", keys().zone, "--now",
                         std::to_string(now_ + 60), "--json"});
    std::vector<Report> reports;
    auto j = nlohmann::json::parse(run.out, nullptr, false);
    if (j.is_discarded() || !j.contains("signatures")) return reports;
    for (const auto& s : j["signatures"]) {
      const auto result = s["result"].get<std::string>();
      reports.push_back({s["domain"].get<std::string>(), s["selector"].get<std::string>(),
                         s["algorithm"].get<std::string>(), result,
                         result + " (" + s["reason"].get<std::string>() + ")"});
    }
    return reports;
  }

  std::vector<Report> script_verify(const std::string& program, const std::string& script,
                                    const std::string& message_path, RunResult& run) {
    std::vector<std::string> args = {source_path(script), message_path};
    args.insert(args.end(), keys().script_records.begin(), keys().script_records.end());
    run = run_program(program, args);
    return parse_script_output(run.out);
  }
  std::vector<Report> dkimpy_verify(const std::string& message_path, RunResult& run) {
    return script_verify(kPython, "tests/interop/dkimpy_verify.py", message_path, run);
  }
  std::vector<Report> maildkim_verify(const std::string& message_path, RunResult& run) {
    return script_verify("perl", "tests/interop/maildkim_verify.pl", message_path, run);
  }

  // Every signature of interop.example passes in authguard and dkimpy; in
  // Mail::DKIM too, but Ed25519 only where it has the algorithm (see the
  // banner). `foreign` signatures the message had before are only counted.
  void expect_all_verify(const std::string& message_path, std::size_t ours_expected,
                         std::size_t foreign, const std::string& what) {
    auto check = [&](const char* verifier, const std::vector<Report>& reports,
                     const RunResult& run, bool ed25519_unsupported) {
      ASSERT_EQ(reports.size(), ours_expected + foreign)
          << what << ": " << verifier << describe(reports, run);
      std::size_t ours = 0;
      for (const auto& r : reports) {
        if (r.domain != kDomain) continue;
        ++ours;
        if (ed25519_unsupported && r.algorithm == "ed25519-sha256") {
          EXPECT_EQ(r.detail, "invalid (unsupported algorithm ed25519-sha256)")
              << what << ": " << verifier << describe(reports, run);
        } else {
          EXPECT_EQ(r.result, "pass") << what << ": " << verifier << describe(reports, run);
        }
      }
      EXPECT_EQ(ours, ours_expected) << what << ": " << verifier << describe(reports, run);
      // The scripts exit 0 only when every signature passed.
      if (std::string(verifier) != "authguard") {
        bool all = std::all_of(reports.begin(), reports.end(),
                               [](const Report& r) { return r.result == "pass"; });
        EXPECT_EQ(run.exit_code, all ? 0 : 1) << what << ": " << verifier << describe(reports, run);
      } else {
        EXPECT_EQ(run.exit_code, 0) << what << ": authguard" << describe(reports, run);
      }
    };
    RunResult run;
    auto ag = authguard_verify(message_path, run);
    check("authguard", ag, run, false);
    auto py = dkimpy_verify(message_path, run);
    check("dkimpy", py, run, false);
    auto pl = maildkim_verify(message_path, run);
    check("Mail::DKIM", pl, run, !mail_dkim_has_ed25519());
  }

  static Keys* keys_;
  std::int64_t now_ = 0;
};

Keys* DkimInterop::keys_ = nullptr;

// ctest's -R is case-sensitive; lower-case suite names let `ctest -R dkim`
// select these tests as it does the corpus.
using dkim_interop = DkimInterop;

struct SignCase {
  const char* algorithm;
  const char* canon;
};

const SignCase kSignCases[] = {
    {"rsa-sha256", "simple/simple"},      {"rsa-sha256", "simple/relaxed"},
    {"rsa-sha256", "relaxed/simple"},     {"rsa-sha256", "relaxed/relaxed"},
    {"ed25519-sha256", "simple/simple"},  {"ed25519-sha256", "simple/relaxed"},
    {"ed25519-sha256", "relaxed/simple"}, {"ed25519-sha256", "relaxed/relaxed"},
};

// The case's name: ctest (gtest_discover_tests) names each case after the
// printed parameter, "…/rsa_sha256_relaxed_simple".
void PrintTo(const SignCase& c, std::ostream* os) {
  std::string name = std::string(c.algorithm) + "_" + c.canon;
  for (char& ch : name) {
    if (ch == '-' || ch == '/') ch = '_';
  }
  *os << name;
}

class DkimInteropMatrix : public DkimInterop, public ::testing::WithParamInterface<SignCase> {};

TEST_P(DkimInteropMatrix, AuthguardSignatureVerifiesEverywhere) {
  const SignCase& c = GetParam();
  const auto messages = example_messages();
  ASSERT_GE(messages.size(), 4u);
  for (const std::string& relative : messages) {
    const std::string original = read_file(source_path(relative));
    ASSERT_FALSE(original.empty()) << relative;
    std::string signed_message = authguard_sign(source_path(relative), c.algorithm, c.canon);
    // sign writes the new field in front of the message, byte for byte.
    ASSERT_TRUE(signed_message.starts_with("DKIM-Signature:")) << signed_message;
    ASSERT_TRUE(signed_message.ends_with(original)) << relative;
    const std::string out = path("authguard-" + basename_of(relative));
    write_file(out, signed_message);
    expect_all_verify(out, 1, count_signatures(original), relative + " " + c.algorithm + " " + c.canon);
  }
}

TEST_P(DkimInteropMatrix, DkimpySignatureVerifiesInAuthguard) {
  const SignCase& c = GetParam();
  for (const std::string& relative : example_messages()) {
    std::string signed_message = dkimpy_sign(source_path(relative), c.algorithm, c.canon);
    ASSERT_TRUE(signed_message.starts_with("DKIM-Signature:")) << signed_message;
    const std::string out = path("dkimpy-" + basename_of(relative));
    write_file(out, signed_message);
    RunResult run;
    auto reports = authguard_verify(out, run);
    const std::string what = relative + " " + c.algorithm + " " + c.canon;
    EXPECT_EQ(run.exit_code, 0) << what << describe(reports, run);
    ASSERT_FALSE(reports.empty()) << what << describe(reports, run);
    // dkimpy's field comes first.
    EXPECT_EQ(reports[0].domain, kDomain) << what << describe(reports, run);
    EXPECT_EQ(reports[0].result, "pass") << what << describe(reports, run);
    EXPECT_EQ(reports[0].algorithm, c.algorithm) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(dkim_interop, DkimInteropMatrix, ::testing::ValuesIn(kSignCases));

// RFC 8463 §5 suggests signing with both algorithms while verifiers without
// Ed25519 remain: two passes of `authguard dkim sign`, and sign_all.
TEST_F(dkim_interop, DualSignedMessageVerifiesEverywhere) {
  for (const std::string& relative : example_messages()) {
    const std::size_t foreign = count_signatures(read_file(source_path(relative)));
    std::string once = authguard_sign(source_path(relative), "rsa-sha256", "relaxed/relaxed");
    const std::string first = path("dual-rsa-" + basename_of(relative));
    write_file(first, once);
    std::string twice = authguard_sign(first, "ed25519-sha256", "relaxed/relaxed");
    const std::string out = path("dual-" + basename_of(relative));
    write_file(out, twice);
    expect_all_verify(out, 2, foreign, relative + " signed twice");
  }
}

TEST_F(dkim_interop, SignAllDualSignatureVerifiesEverywhere) {
  auto rsa = dkim::PrivateKey::load_pem_file(keys().rsa_pem);
  auto ed = dkim::PrivateKey::load_pem_file(keys().ed_pem);
  ASSERT_TRUE(rsa && ed);
  auto domain = DomainName::parse(kDomain);
  ASSERT_TRUE(domain);
  auto rsa_signer = dkim::Signer::Builder(*domain, kRsaSelector, *rsa)
                        .canonicalization(dkim::Canon::kSimple, dkim::Canon::kRelaxed)
                        .build();
  auto ed_signer = dkim::Signer::Builder(*domain, kEdSelector, *ed).build();
  ASSERT_TRUE(rsa_signer && ed_signer);
  std::vector<dkim::Signer> signers = {*rsa_signer, *ed_signer};
  for (const std::string& relative : example_messages()) {
    const std::string bytes = read_file(source_path(relative));
    auto message = Message::parse(bytes);
    ASSERT_TRUE(message) << relative;
    auto fields = dkim::sign_all(signers, *message, now_);
    ASSERT_TRUE(fields) << fields.error().message;
    ASSERT_EQ(fields->size(), 2u);
    const std::string out = path("sign-all-" + basename_of(relative));
    write_file(out, (*fields)[0] + (*fields)[1] + bytes);
    expect_all_verify(out, 2, count_signatures(bytes), relative + " sign_all");
  }
}

// Changes after signing. Each must make authguard and dkimpy report fail;
// Mail::DKIM must not pass the RSA signature either.
struct Tamper {
  const char* name;
  std::string (*apply)(const std::string& signed_message, std::size_t original_offset);
};

std::size_t body_offset(const std::string& m) {
  std::size_t p = m.find("\r\n\r\n");
  return p == std::string::npos ? m.find("\n\n") + 2 : p + 4;
}

std::string replace_line(const std::string& m, const std::string& prefix, const std::string& with) {
  std::size_t at = m.find("\n" + prefix);
  if (at == std::string::npos) return m;
  std::size_t end = m.find('\n', at + 1);
  return m.substr(0, at + 1) + with + m.substr(end + 1);
}

const Tamper kTampers[] = {
    {"body byte changed",
     [](const std::string& m, std::size_t) {
       std::string t = m;
       char& c = t[body_offset(t)];
       c = c == 'X' ? 'Y' : 'X';
       return t;
     }},
    {"signed Subject changed",
     [](const std::string& m, std::size_t) {
       return replace_line(m, "Subject:", "Subject: November update (corrected)\r\n");
     }},
    {"second From added",  // h= lists From once more than present (over-signing)
     [](const std::string& m, std::size_t original) {
       return m.substr(0, original) + "From: Contoso CEO <ceo@contoso.example>\r\n" +
              m.substr(original);
     }},
    {"bare CR added to signed Subject",  // not a line break: relaxed keeps it
     [](const std::string& m, std::size_t) {
       std::string t = m;
       t.replace(t.find("November update"), 15, "November\r update");
       return t;
     }},
    {"signed Date removed",
     [](const std::string& m, std::size_t) { return replace_line(m, "Date:", ""); }},
};

TEST_F(dkim_interop, TamperingFailsInAuthguardAndDkimpy) {
  const std::string original = kTamperMessage;
  const std::string unsigned_path = path("tamper-original.eml");
  write_file(unsigned_path, original);
  for (const char* algorithm : {"rsa-sha256", "ed25519-sha256"}) {
    for (const char* canon : {"simple/simple", "relaxed/relaxed"}) {
      const std::string good = authguard_sign(unsigned_path, algorithm, canon);
      ASSERT_TRUE(good.ends_with(original));
      const std::size_t original_offset = good.size() - original.size();
      write_file(path("untampered.eml"), good);  // the control: it verifies
      expect_all_verify(path("untampered.eml"), 1, 0, std::string("untampered ") + algorithm);
      for (const Tamper& tamper : kTampers) {
        const std::string bad = tamper.apply(good, original_offset);
        const std::string what = std::string(tamper.name) + ", " + algorithm + " " + canon;
        ASSERT_NE(bad, good) << what;
        const std::string out = path("tampered.eml");
        write_file(out, bad);

        RunResult run;
        auto ours = authguard_verify(out, run);
        EXPECT_EQ(run.exit_code, 1) << what << describe(ours, run);
        ASSERT_EQ(ours.size(), 1u) << what << describe(ours, run);
        EXPECT_EQ(ours[0].result, "fail") << what << describe(ours, run);

        auto py = dkimpy_verify(out, run);
        EXPECT_EQ(run.exit_code, 1) << what << describe(py, run);
        ASSERT_EQ(py.size(), 1u) << what << describe(py, run);
        EXPECT_EQ(py[0].result, "fail") << what << describe(py, run);

        if (std::string(algorithm) == "rsa-sha256" || mail_dkim_has_ed25519()) {
          auto pl = maildkim_verify(out, run);
          EXPECT_EQ(run.exit_code, 1) << what << describe(pl, run);
          ASSERT_EQ(pl.size(), 1u) << what << describe(pl, run);
          EXPECT_EQ(pl[0].result, "fail") << what << describe(pl, run);
        }
      }
    }
  }
}

// RFC 8463 Appendix A: the published message, signed with Ed25519 and RSA,
// and its key records (tests/data/rfc8463/). src/dkim/rfc8463_test.cc checks
// the library; this checks the program and the other two verifiers.
TEST(dkim_interop_rfc8463, AppendixAVerifiesEverywhere) {
  const std::string message = source_path("tests/data/rfc8463/signed.eml");
  const std::string zone = source_path("tests/data/rfc8463/rfc8463.zone");
  auto ours = run_authguard({"dkim", "verify", message, "--zone", zone, "--now", "1528637909",
                             "--json"});
  ASSERT_EQ(ours.exit_code, 0) << ours.out << ours.err;
  auto j = nlohmann::json::parse(ours.out);
  ASSERT_EQ(j["signatures"].size(), 2u) << ours.out;
  EXPECT_EQ(j["signatures"][0]["selector"], "brisbane");
  EXPECT_EQ(j["signatures"][0]["algorithm"], "ed25519-sha256");
  EXPECT_EQ(j["signatures"][0]["result"], "pass") << ours.out;
  EXPECT_EQ(j["signatures"][1]["selector"], "test");
  EXPECT_EQ(j["signatures"][1]["key_bits"], 1024);
  EXPECT_EQ(j["signatures"][1]["result"], "pass") << ours.out;

  // The zone's records, joined, for the scripts (RFC 8463 A.2).
  const std::vector<std::string> records = {
      "brisbane._domainkey.football.example.com=v=DKIM1; k=ed25519; "
      "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
      "test._domainkey.football.example.com=v=DKIM1; k=rsa; "
      "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
      "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
      "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
      "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"};
  std::vector<std::string> args = {source_path("tests/interop/dkimpy_verify.py"), message};
  args.insert(args.end(), records.begin(), records.end());
  auto py = run_program(kPython, args);
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
  auto py_reports = parse_script_output(py.out);
  ASSERT_EQ(py_reports.size(), 2u) << py.out;
  EXPECT_EQ(py_reports[0].result, "pass") << py.out;
  EXPECT_EQ(py_reports[1].result, "pass") << py.out;

  args[0] = source_path("tests/interop/maildkim_verify.pl");
  auto pl = run_program("perl", args);
  auto pl_reports = parse_script_output(pl.out);
  ASSERT_EQ(pl_reports.size(), 2u) << pl.out << pl.err;
  if (mail_dkim_has_ed25519()) {
    EXPECT_EQ(pl_reports[0].result, "pass") << pl.out;
  } else {
    EXPECT_EQ(pl_reports[0].detail, "invalid (unsupported algorithm ed25519-sha256)") << pl.out;
  }
  EXPECT_EQ(pl_reports[1].result, "pass") << pl.out;
}

}  // namespace
}  // namespace authguard::testing
