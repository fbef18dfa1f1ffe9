// delivery_test.cc: the milter's plan for a checked message: answers,
// header edits in order and by place, recipients.
#include "policy/delivery.h"

#include <gtest/gtest.h>

#include <ostream>

namespace authguard::policy {
namespace {

using K = HeaderEdit::Kind;

}  // namespace

// Readable failures.
void PrintTo(const HeaderEdit& e, std::ostream* os) {
  *os << "{" << static_cast<int>(e.kind) << ", " << e.name << ", \"" << e.value << "\", " << e.occurrence << "}";
}

namespace {

constexpr const char* kMessage =
    "Authentication-Results: mx.example.net; dmarc=pass header.from=evil.example\r\n"
    "Received: from a\r\n"
    "Authguard-Release: v=1; id=00000000000000aa; t=1; bh=x; mac=y\r\n"
    "Authentication-Results: other.example; spf=pass\r\n"
    "X-Internal: 1\r\n"
    "Authentication-Results: mx.example.net; spf=pass\r\n"
    "Subject: Invoice\r\n"
    "x-internal: 2\r\n"
    "\r\n"
    "body\r\n";

InboundVerdict verdict(Disposition d, std::vector<Action> actions = {}) {
  InboundVerdict v;
  v.rules.disposition = d;
  v.rules.actions = std::move(actions);
  v.authentication_results =
      "Authentication-Results: mx.example.net;\r\n\tspf=pass smtp.mailfrom=contoso.example;\r\n\tdmarc=pass\r\n";
  v.dmarc.header_from = "contoso.example";
  v.forged_authres = {0, 5};  // the two fields claiming mx.example.net
  return v;
}

Action action(Action::Kind kind, std::string name, std::string value) {
  Action a;
  a.kind = kind;
  a.name = std::move(name);
  a.value = std::move(value);
  return a;
}

Envelope envelope() {
  Envelope e;
  e.mail_from = "a@contoso.example";
  e.recipients = {"alice@ours.example", "bob@ours.example"};
  return e;
}

TEST(Delivery, DeliverRemovesForgedResultsAndMarkersAndPutsOursOnTop) {
  auto m = Message::parse(kMessage);
  ASSERT_TRUE(m.has_value());
  auto plan = plan_delivery(*m, verdict(Disposition::kDeliver), envelope(), "X-Spam-Flag: YES");
  EXPECT_EQ(plan.answer, DeliveryPlan::Answer::kAccept);
  std::vector<HeaderEdit> want = {
      // Last place first: the third Authentication-Results, the marker, the first.
      {K::kRemove, "Authentication-Results", "", 3},
      {K::kRemove, "Authguard-Release", "", 1},
      {K::kRemove, "Authentication-Results", "", 1},
      {K::kInsert, "Authentication-Results",
       " mx.example.net;\n\tspf=pass smtp.mailfrom=contoso.example;\n\tdmarc=pass", 0},
  };
  EXPECT_EQ(plan.headers, want);
  EXPECT_TRUE(plan.remove_recipients.empty());
  EXPECT_TRUE(plan.add_recipients.empty());
  EXPECT_TRUE(plan.skipped.empty());
}

TEST(Delivery, RejectUsesTheRulesCodeAndTextOrDmarcs) {
  auto m = Message::parse(kMessage);
  ASSERT_TRUE(m.has_value());
  auto dmarc = plan_delivery(*m, verdict(Disposition::kReject), envelope(), "X-Spam-Flag: YES");
  EXPECT_EQ(dmarc.answer, DeliveryPlan::Answer::kReject);
  EXPECT_EQ(dmarc.code, "550");
  EXPECT_EQ(dmarc.xcode, "5.7.1");
  EXPECT_EQ(dmarc.text, "rejected by DMARC policy for contoso.example");
  EXPECT_TRUE(dmarc.headers.empty());
  Action reject = action(Action::Kind::kReject, "", "no invoices\r\nhere");
  reject.code = 554;
  auto rule = plan_delivery(*m, verdict(Disposition::kReject, {reject}), envelope(), "X-Spam-Flag: YES");
  EXPECT_EQ(rule.code, "554");
  EXPECT_EQ(rule.text, "no invoices??here");  // a reply is one line of printable text
}

TEST(Delivery, QuarantineDiscardsAndATemporaryVerdictRetries) {
  auto m = Message::parse(kMessage);
  ASSERT_TRUE(m.has_value());
  auto held = plan_delivery(*m, verdict(Disposition::kQuarantine), envelope(), "X-Spam-Flag: YES");
  EXPECT_EQ(held.answer, DeliveryPlan::Answer::kDiscard);
  EXPECT_TRUE(held.headers.empty());
  auto v = verdict(Disposition::kReject);
  v.temporary_error = "history store is busy";
  auto later = plan_delivery(*m, v, envelope(), "X-Spam-Flag: YES");
  EXPECT_EQ(later.answer, DeliveryPlan::Answer::kTempFail);
  EXPECT_EQ(later.code, "451");
  EXPECT_EQ(later.xcode, "4.3.0");
  EXPECT_EQ(later.text.find("busy"), std::string::npos) << "our internals are not told to senders";
}

TEST(Delivery, JunkAndRuleEditsInOrder) {
  auto m = Message::parse(kMessage);
  ASSERT_TRUE(m.has_value());
  auto v = verdict(Disposition::kJunk, {action(Action::Kind::kPrependSubject, "", "[ext] "),
                                        action(Action::Kind::kRemoveHeader, "X-Internal", ""),
                                        action(Action::Kind::kAddHeader, "X-Reviewed", "by rule"),
                                        action(Action::Kind::kPrependSubject, "", "[junk] ")});
  v.forged_authres.clear();
  auto plan = plan_delivery(*m, v, envelope(), "X-Spam-Flag:  YES");
  ASSERT_EQ(plan.answer, DeliveryPlan::Answer::kAccept);
  std::vector<HeaderEdit> want = {
      {K::kRemove, "x-internal", "", 2},
      {K::kRemove, "X-Internal", "", 1},
      {K::kRemove, "Authguard-Release", "", 1},
      {K::kInsert, "Authentication-Results",
       " mx.example.net;\n\tspf=pass smtp.mailfrom=contoso.example;\n\tdmarc=pass", 0},
      {K::kAdd, "X-Spam-Flag", " YES", 0},
      {K::kAdd, "X-Reviewed", " by rule", 0},
      {K::kChange, "Subject", " [ext] [junk] Invoice", 1},
  };
  EXPECT_EQ(plan.headers, want);
}

TEST(Delivery, ASubjectPrefixAddsASubjectWhenThereIsNone) {
  auto m = Message::parse("From: a@contoso.example\r\n\r\nbody\r\n");
  ASSERT_TRUE(m.has_value());
  auto v = verdict(Disposition::kDeliver, {action(Action::Kind::kPrependSubject, "", "[ext]")});
  v.forged_authres.clear();
  auto plan = plan_delivery(*m, v, envelope(), "X-Spam-Flag: YES");
  ASSERT_FALSE(plan.headers.empty());
  EXPECT_EQ(plan.headers.back(), (HeaderEdit{K::kAdd, "Subject", " [ext]", 0}));
}

TEST(Delivery, RedirectReplacesEveryRecipient) {
  auto m = Message::parse(kMessage);
  ASSERT_TRUE(m.has_value());
  auto v = verdict(Disposition::kDeliver, {action(Action::Kind::kRedirect, "", "review@ours.example"),
                                           action(Action::Kind::kRedirect, "", "review@ours.example"),
                                           action(Action::Kind::kRedirect, "", "not an address")});
  auto plan = plan_delivery(*m, v, envelope(), "X-Spam-Flag: YES");
  EXPECT_EQ(plan.remove_recipients, (std::vector<std::string>{"alice@ours.example", "bob@ours.example"}));
  EXPECT_EQ(plan.add_recipients, (std::vector<std::string>{"review@ours.example"}));
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0], "redirect: not an address");
}

TEST(Delivery, EditsThatWouldNotBeWellFormedAreSkipped) {
  auto m = Message::parse(kMessage);
  ASSERT_TRUE(m.has_value());
  auto v = verdict(Disposition::kDeliver, {action(Action::Kind::kAddHeader, "X-A", "one\r\nBcc: x@evil.example"),
                                           action(Action::Kind::kAddHeader, "Bad Name", "v"),
                                           action(Action::Kind::kRemoveHeader, "Bad:Name", ""),
                                           action(Action::Kind::kPrependSubject, "", "[a]\n")});
  auto plan = plan_delivery(*m, v, envelope(), "X-Spam-Flag: YES");
  EXPECT_EQ(plan.skipped.size(), 4u);
  for (const auto& e : plan.headers) {
    EXPECT_NE(e.name, "X-A");
    EXPECT_NE(e.name, "Subject");
  }
}

TEST(Delivery, MilterValuesFoldWithLfAndStartWithASpace) {
  EXPECT_EQ(milter_value("x"), " x");
  EXPECT_EQ(milter_value(" x"), " x");
  EXPECT_EQ(milter_value("\tx"), "\tx");
  EXPECT_EQ(milter_value("a\r\n\tb\n c\r d"), " a\n\tb\n c\n d");
  EXPECT_EQ(milter_value("a\r\nBcc: x@evil.example\r\n"), " a\n Bcc: x@evil.example");  // stays a fold
  EXPECT_EQ(milter_value(""), " ");
  EXPECT_EQ(milter_value(std::string("a\0b", 3)), " ab");
}

}  // namespace
}  // namespace authguard::policy
