// Password guessing against the real gateway and slapd: API Basic and the dashboard login
// share one throttle per login and per client address (behind a trusted proxy: the client
// it forwards); throttled attempts and unusable passwords never reach the directory
// (slapd's own bind counter says so); an unknown login costs a bind like a wrong password.
#include "tests/gateway/identity_world.hpp"

#include "gateway/auth/login_throttle.hpp"
#include "gateway/service.hpp"

using namespace scopegate::testing;
using namespace scopegate::testing::identity;

namespace {

long status_of(const identity_gateway& g, const std::string& user,
               std::vector<std::string> headers = {}) {
  return g.basic("GET", "/api/v1/me", user, std::move(headers)).status;
}

}  // namespace

TEST_CASE("guessing one login over Basic: 429 with Retry-After, and the directory is not asked") {
  identity_gateway g({.per_login = 3});
  long before = g.binds();
  for (int i = 0; i < 3; ++i)
    CHECK(status_of(g, "anna:wrong" + std::to_string(i)) == 401);
  CHECK(g.binds() - before == 3);

  long at_limit = g.binds();
  auto refused = g.basic("GET", "/api/v1/me", "anna:anna-pw");  // even the right password
  CHECK(refused.status == 429);
  CHECK(std::stoi(refused.header("retry-after")) > 0);
  CHECK(refused.header("content-type") == "application/problem+json");
  CHECK(refused.body.find("anna") == std::string::npos);
  // Another spelling of the same login is the same principal.
  CHECK(status_of(g, "ANNA:anna-pw") == 429);
  CHECK(status_of(g, "\xef\xbd\x81\xef\xbd\x8e\xef\xbd\x8e\xef\xbd\x81:anna-pw") == 429);
  CHECK(g.dashboard_login("anna", "anna-pw").status == 429);
  CHECK(g.binds() == at_limit);

  // Unknown logins are throttled alike, with the same answer: existence is not told.
  long unknown_before = g.binds();
  for (int i = 0; i < 3; ++i)
    CHECK(status_of(g, "nobody-here:x") == 401);
  // Each unknown login cost a bind, as a wrong password does (the time does not tell).
  CHECK(g.binds() - unknown_before == 3);
  auto unknown = g.basic("GET", "/api/v1/me", "nobody-here:x");
  CHECK(unknown.status == 429);
  CHECK(unknown.body == refused.body);

  CHECK(status_of(g, "bert:bert-pw") == 200);  // other logins are not affected
  g.gw->svc->throttle().advance_clock(std::chrono::seconds(61));
  CHECK(status_of(g, "anna:anna-pw") == 200);
}

TEST_CASE("one client address guessing many logins is throttled on every way in") {
  identity_gateway g({.per_address = 4});
  CHECK(status_of(g, "anna:wrong") == 401);
  CHECK(status_of(g, "bert:wrong") == 401);
  CHECK(g.dashboard_login("owner", "wrong").status == 401);
  CHECK(status_of(g, "ghost:wrong") == 401);
  long at_limit = g.binds();
  CHECK(status_of(g, "bert:bert-pw") == 429);
  CHECK(g.dashboard_login("owner", "owner-pw").status == 429);
  CHECK(g.binds() == at_limit);
  g.gw->svc->throttle().advance_clock(std::chrono::seconds(61));
  CHECK(g.dashboard_login("owner", "owner-pw").status == 200);
}

TEST_CASE("a success forgets the login's failures") {
  identity_gateway g({.per_login = 3});
  CHECK(status_of(g, "anna:wrong") == 401);
  CHECK(status_of(g, "anna:wrong") == 401);
  CHECK(status_of(g, "anna:anna-pw") == 200);
  CHECK(status_of(g, "anna:wrong") == 401);
  CHECK(status_of(g, "anna:wrong") == 401);
  CHECK(status_of(g, "anna:anna-pw") == 200);
}

TEST_CASE("behind a trusted proxy, the throttle counts the forwarded client, not the proxy") {
  identity_gateway g({.per_address = 3, .behind_proxy = true});
  const std::string attacker = "X-Forwarded-For: 203.0.113.7";
  const std::string admin = "X-Forwarded-For: 198.51.100.2";
  for (const char* login : {"guess1", "guess2", "guess3"})
    CHECK(g.dashboard_login(login, "wrong", {attacker}).status == 401);
  CHECK(g.dashboard_login("guess4", "wrong", {attacker}).status == 429);
  CHECK(status_of(g, "bert:bert-pw", {attacker}) == 429);
  // Every other client of the proxy logs in as usual.
  CHECK(g.dashboard_login("owner", "owner-pw", {admin}).status == 200);
  CHECK(status_of(g, "bert:bert-pw", {admin}) == 200);
  CHECK(status_of(g, "bert:bert-pw") == 200);  // the proxy's own address
}

TEST_CASE("without a trusted proxy, a forged X-Forwarded-For does not escape the throttle") {
  identity_gateway g({.per_address = 3});
  for (int i = 0; i < 3; ++i)
    CHECK(status_of(g, "guess" + std::to_string(i) + ":wrong",
                    {"X-Forwarded-For: 203.0.113." + std::to_string(i)}) == 401);
  CHECK(status_of(g, "bert:bert-pw", {"X-Forwarded-For: 198.51.100.9"}) == 429);
}

TEST_CASE("empty, whitespace-only and NUL passwords are wrong credentials, never sent to LDAP") {
  identity_gateway g;
  long before = g.binds();
  // The entry's password really is three spaces: a bind would succeed.
  CHECK(status_of(g, "blank:   ") == 401);
  CHECK(status_of(g, "blank:") == 401);
  CHECK(status_of(g, "anna:\t") == 401);
  CHECK(g.dashboard_login("blank", "   ").status == 401);
  CHECK(g.dashboard_login("blank", std::string("a\0b", 3)).status == 401);
  CHECK(g.binds() == before);
}
