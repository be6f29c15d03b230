// The password-guessing throttle as pure logic: per login, per address, the window, and what
// a success or an undecided attempt does to the counts.
#include <doctest/doctest.h>

#include "gateway/auth/login_throttle.hpp"

using scopegate::gateway::login_throttle;

namespace {

scopegate::config::auth_config limits(int per_login, int per_address) {
  scopegate::config::auth_config c;
  c.failed_attempts_per_minute = per_login;
  c.failed_attempts_per_address_per_minute = per_address;
  c.failed_attempts_window_seconds = 60;
  return c;
}

}  // namespace

TEST_CASE("a login is refused after its failures, from any address, until the window passes") {
  login_throttle t(limits(3, 100));
  for (int i = 0; i < 3; ++i)
    CHECK(t.begin("anna", "10.0.0." + std::to_string(i)).allowed);
  auto refused = t.begin("anna", "10.0.0.9");
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds > 0);
  CHECK(refused.retry_after_seconds <= 61);
  CHECK(t.begin("bert", "10.0.0.9").allowed);  // another login is not affected
  t.advance_clock(std::chrono::seconds(61));
  CHECK(t.begin("anna", "10.0.0.9").allowed);
}

TEST_CASE("an address is refused after its failures, whatever logins it tries") {
  login_throttle t(limits(100, 3));
  CHECK(t.begin("a", "192.0.2.1").allowed);
  CHECK(t.begin("b", "192.0.2.1").allowed);
  CHECK(t.begin("", "192.0.2.1").allowed);  // an unusable login still counts for the address
  CHECK_FALSE(t.begin("c", "192.0.2.1").allowed);
  CHECK(t.begin("c", "192.0.2.2").allowed);
}

TEST_CASE("a refused attempt is not counted; a success forgets the login's failures") {
  login_throttle t(limits(2, 100));
  CHECK(t.begin("anna", "192.0.2.1").allowed);
  CHECK(t.begin("anna", "192.0.2.1").allowed);
  CHECK_FALSE(t.begin("anna", "192.0.2.1").allowed);
  t.advance_clock(std::chrono::seconds(61));
  CHECK(t.begin("anna", "192.0.2.1").allowed);  // one failure
  CHECK(t.begin("anna", "192.0.2.1").allowed);
  t.succeeded("anna", "192.0.2.1");  // ...the second was right
  CHECK(t.begin("anna", "192.0.2.1").allowed);
  CHECK(t.begin("anna", "192.0.2.1").allowed);
  CHECK_FALSE(t.begin("anna", "192.0.2.1").allowed);
}

TEST_CASE("an attempt the directory could not decide does not count") {
  login_throttle t(limits(1, 1));
  CHECK(t.begin("anna", "192.0.2.1").allowed);
  t.not_counted("anna", "192.0.2.1");
  CHECK(t.begin("anna", "192.0.2.1").allowed);
  CHECK_FALSE(t.begin("anna", "192.0.2.1").allowed);
}
