// The password-guessing throttle as pure logic: per login, per address, the window, what a
// success or an undecided attempt does to the counts, and attempts still in flight.
#include <doctest/doctest.h>

#include "gateway/auth/login_throttle.hpp"

using scopegate::gateway::login_throttle;
using outcome = login_throttle::outcome;

namespace {

scopegate::config::auth_config limits(int per_login, int per_address) {
  scopegate::config::auth_config c;
  c.failed_attempts_per_minute = per_login;
  c.failed_attempts_per_address_per_minute = per_address;
  c.failed_attempts_window_seconds = 60;
  return c;
}

// One attempt that fails (or ends as told); whether it was let through.
bool attempt(login_throttle& t, const std::string& login, const std::string& address,
             const std::string& credentials, outcome o = outcome::failed) {
  login_throttle::attempt a{.login_key = login, .address = address, .credentials = credentials};
  if (!t.begin(a).allowed) return false;
  t.end(a, o);
  return true;
}

}  // namespace

TEST_CASE("a login is refused after its failures, from any address, until the window passes") {
  login_throttle t(limits(3, 100));
  for (int i = 0; i < 3; ++i)
    CHECK(attempt(t, "anna", "10.0.0." + std::to_string(i), "guess" + std::to_string(i)));
  login_throttle::attempt next{.login_key = "anna", .address = "10.0.0.9", .credentials = "right"};
  auto refused = t.begin(next);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds > 0);
  CHECK(refused.retry_after_seconds <= 61);
  CHECK(attempt(t, "bert", "10.0.0.9", "x"));  // another login is not affected
  t.advance_clock(std::chrono::seconds(61));
  CHECK(attempt(t, "anna", "10.0.0.9", "right", outcome::succeeded));
}

TEST_CASE("an address is refused after its failures, whatever logins it tries") {
  login_throttle t(limits(100, 3));
  CHECK(attempt(t, "a", "192.0.2.1", "1"));
  CHECK(attempt(t, "b", "192.0.2.1", "2"));
  CHECK(attempt(t, "", "192.0.2.1", "3"));  // an unusable login still counts for the address
  CHECK_FALSE(attempt(t, "c", "192.0.2.1", "4"));
  CHECK(attempt(t, "c", "192.0.2.2", "4"));
}

TEST_CASE("a refused attempt is not counted; a success forgets the login's failures") {
  login_throttle t(limits(2, 100));
  CHECK(attempt(t, "anna", "192.0.2.1", "1"));
  CHECK(attempt(t, "anna", "192.0.2.1", "2"));
  CHECK_FALSE(attempt(t, "anna", "192.0.2.1", "3"));
  t.advance_clock(std::chrono::seconds(61));
  CHECK(attempt(t, "anna", "192.0.2.1", "4"));
  CHECK(attempt(t, "anna", "192.0.2.1", "right", outcome::succeeded));
  CHECK(attempt(t, "anna", "192.0.2.1", "5"));
  CHECK(attempt(t, "anna", "192.0.2.1", "6"));
  CHECK_FALSE(attempt(t, "anna", "192.0.2.1", "7"));
}

TEST_CASE("an attempt the directory could not decide does not count") {
  login_throttle t(limits(1, 1));
  CHECK(attempt(t, "anna", "192.0.2.1", "1", outcome::undecided));
  CHECK(attempt(t, "anna", "192.0.2.1", "1"));
  CHECK_FALSE(attempt(t, "anna", "192.0.2.1", "1"));
}

TEST_CASE("attempts in flight count, but the same credentials in parallel count once") {
  login_throttle t(limits(3, 100));
  std::vector<login_throttle::attempt> flying;
  // Many parallel requests with one (right) password: all let through.
  for (int i = 0; i < 20; ++i) {
    flying.push_back({.login_key = "anna", .address = "192.0.2.1", .credentials = "right"});
    CHECK(t.begin(flying.back()).allowed);
  }
  // Different guesses in parallel: no more than the limit at once.
  login_throttle::attempt g1{.login_key = "anna", .address = "192.0.2.2", .credentials = "g1"};
  login_throttle::attempt g2{.login_key = "anna", .address = "192.0.2.3", .credentials = "g2"};
  login_throttle::attempt g3{.login_key = "anna", .address = "192.0.2.4", .credentials = "g3"};
  CHECK(t.begin(g1).allowed);
  CHECK(t.begin(g2).allowed);
  CHECK_FALSE(t.begin(g3).allowed);  // "right", g1 and g2 are in flight
  for (const auto& a : flying)
    t.end(a, outcome::succeeded);
  CHECK(t.begin(g3).allowed);
  t.end(g1, outcome::failed);
  t.end(g2, outcome::failed);
  t.end(g3, outcome::failed);
  CHECK_FALSE(attempt(t, "anna", "192.0.2.5", "right"));
}
