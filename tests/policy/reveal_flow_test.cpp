// "Show details" as one decision: blocked before lookup, not found before counting,
// unmasked agents not counted, the ledger's outcome (repeat, limit with retry-after, alert),
// and a failed ledger refusing the reveal.
#include <doctest/doctest.h>

#include "policy/reveal_flow.hpp"
#include "policy/reveal_limit_change.hpp"

using namespace scopegate::policy;

namespace {

ledger_answer allowed(bool repeat = false, bool alert = false) {
  ledger_answer a;
  a.available = true;
  a.status = reveal_status::allowed;
  a.repeat = repeat;
  a.limit = 5;
  a.alert = alert;
  return a;
}

reveal_facts masked_found() {
  reveal_facts f;
  f.view = contact_view::masked;
  f.found = true;
  f.alerts_configured = true;
  f.zone = "Europe/Berlin";
  return f;
}

}  // namespace

TEST_CASE("a blocked agent is refused before the lookup, found or not") {
  reveal_facts f;
  f.view = contact_view::blocked;
  auto d = decide_reveal(f);
  CHECK(d.verdict == reveal_verdict::contact_blocked);
  CHECK(d.http_status == 403);
  CHECK(d.problem_type == "contact-blocked");
  f.found = false;
  CHECK(decide_reveal(f).verdict == reveal_verdict::contact_blocked);  // not 404: no probe
  f.found = true;
  f.ledger = allowed();
  CHECK(decide_reveal(f).verdict == reveal_verdict::contact_blocked);
}

TEST_CASE("the steps: look up, then ask the ledger; out of scope is not found, uncounted") {
  reveal_facts f;
  f.view = contact_view::masked;
  CHECK(decide_reveal(f).verdict == reveal_verdict::look_up);
  CHECK(decide_reveal(f).http_status == 0);
  f.found = false;
  auto nf = decide_reveal(f);
  CHECK(nf.verdict == reveal_verdict::not_found);
  CHECK(nf.http_status == 404);
  CHECK_FALSE(nf.counted);
  f.ledger = allowed();  // even a ledger answer does not make a missing customer found
  CHECK(decide_reveal(f).verdict == reveal_verdict::not_found);
  f.found = true;
  f.ledger.reset();
  CHECK(decide_reveal(f).verdict == reveal_verdict::ask_ledger);
}

TEST_CASE("an agent who sees contacts unmasked is not counted and never asks the ledger") {
  reveal_facts f;
  f.view = contact_view::unmasked;
  f.found = true;
  auto d = decide_reveal(f);
  CHECK(d.verdict == reveal_verdict::not_counted_unmasked);
  CHECK(d.http_status == 200);
  CHECK_FALSE(d.counted);
}

TEST_CASE("ledger outcomes: revealed, repeat, limit reached with retry-after, unavailable") {
  auto f = masked_found();
  f.ledger = allowed();
  auto d = decide_reveal(f);
  CHECK(d.verdict == reveal_verdict::revealed);
  CHECK(d.counted);
  CHECK_FALSE(d.send_alert);

  f.ledger = allowed(true);
  d = decide_reveal(f);
  CHECK(d.verdict == reveal_verdict::repeat);
  CHECK_FALSE(d.counted);

  ledger_answer full;
  full.available = true;
  full.status = reveal_status::limit_reached;
  full.limit = 5;
  full.retry_after = std::chrono::seconds(3600);
  f.ledger = full;
  d = decide_reveal(f);
  CHECK(d.verdict == reveal_verdict::limit_reached);
  CHECK(d.http_status == 429);
  CHECK(d.problem_type == "reveal-limit-reached");
  CHECK(d.retry_after == std::chrono::seconds(3600));
  CHECK(d.limit == 5);
  CHECK(d.zone == "Europe/Berlin");
  CHECK(d.detail ==
        "the daily limit of 5 revealed customers is reached; it resets at midnight "
        "(Europe/Berlin)");
  CHECK_FALSE(d.counted);
  CHECK_FALSE(d.send_alert);

  f.ledger = ledger_answer{};  // failed
  d = decide_reveal(f);
  CHECK(d.verdict == reveal_verdict::ledger_unavailable);
  CHECK(d.http_status == 503);
  CHECK_FALSE(d.counted);
}

TEST_CASE("the alert goes out once, with the reveal that reaches the limit, if mail is set up") {
  auto f = masked_found();
  f.ledger = allowed(false, true);
  auto d = decide_reveal(f);
  CHECK(d.verdict == reveal_verdict::revealed);
  CHECK(d.send_alert);
  f.alerts_configured = false;
  CHECK_FALSE(decide_reveal(f).send_alert);
}

TEST_CASE("ledger_answer_of reads a ledger result") {
  reveal_outcome o;
  o.status = reveal_status::allowed;
  o.repeat = true;
  o.today.limit = 9;
  o.alert = limit_alert{};
  auto a = ledger_answer_of(ledger_result<reveal_outcome>(o));
  CHECK(a.available);
  CHECK(a.repeat);
  CHECK(a.limit == 9);
  CHECK(a.alert);
  auto failed = ledger_answer_of(ledger_result<reveal_outcome>(ledger_error("disk")));
  CHECK_FALSE(failed.available);
}

TEST_CASE("an agent's override of one duration, as a history state") {
  std::vector<override_row> rows(3);
  rows[0].agent = "a1";
  rows[0].limit = 40;  // permanent
  rows[1].agent = "a1";
  rows[1].limit = 60;
  rows[1].until_day = "2026-12-02";
  rows[2].agent = "a2";
  rows[2].limit = 1;
  auto permanent = reveal_limit_state_of(rows, "a1", false, "2026-12-02");
  CHECK(permanent.limit == 40);
  CHECK_FALSE(permanent.day);
  auto today = reveal_limit_state_of(rows, "a1", true, "2026-12-02");
  CHECK(today.limit == 60);
  CHECK(today.day == "2026-12-02");
  CHECK_FALSE(reveal_limit_state_of(rows, "a1", true, "2026-12-03").limit);  // another day
  CHECK_FALSE(reveal_limit_state_of(rows, "a3", false, "2026-12-02").limit);
}
