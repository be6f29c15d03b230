// The dashboard's admin API against a real slapd: authentication and sessions, partner
// CRUD with versions, customer-ID changes, preview, history and revert, CSV import, cache
// invalidation, and hostile values on their way to LDAP.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "gateway/admin_session.hpp"
#include "gateway/service.hpp"
#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
using set = std::set<std::string>;
namespace json = boost::json;

namespace {

const std::string k_admins = "cn=scopegate-admins,ou=groups,dc=example,dc=com";

std::string admin_ldif() {
  return scenario_ldif() + "dn: " + k_admins +
         "\nobjectClass: groupOfNames\ncn: scopegate-admins\n"
         "member: uid=owner,ou=people,dc=example,dc=com\n\n";
}

std::string admin_yaml(const std::string& scope = "", const std::string& admin_extra = "") {
  return scenario_yaml("@URI@", scope, "  member_attribute: member\n",
                       "admin:\n  group_dns: [\"" + k_admins +
                           "\"]\n  login_attempts_per_minute: 3\n" + admin_extra);
}

// A logged-in dashboard client: keeps the session cookie and the CSRF token.
struct admin_client {
  const running_gateway& gw;
  std::string cookie;
  std::string csrf;

  http_reply login(const std::string& login, const std::string& password) {
    json::object body;
    body["login"] = login;
    body["password"] = password;
    auto r = http({.method = "POST",
                   .url = gw.url("/admin/api/v1/session"),
                   .headers = {"Content-Type: application/json"},
                   .body = json::serialize(body),
                   .user = ""});
    if (r.status == 200) {
      auto set_cookie = r.header("set-cookie");
      cookie = set_cookie.substr(0, set_cookie.find(';'));
      csrf = std::string(json::parse(r.body).at("csrf_token").as_string());
    }
    return r;
  }

  http_reply call(const std::string& method, const std::string& path, const std::string& body = "",
                  std::vector<std::string> headers = {}, bool with_csrf = true) const {
    if (!cookie.empty()) headers.push_back("Cookie: " + cookie);
    if (with_csrf && !csrf.empty()) headers.push_back("X-CSRF-Token: " + csrf);
    if (!body.empty() && body.front() == '{') headers.push_back("Content-Type: application/json");
    return http({.method = method,
                 .url = gw.url(path),
                 .headers = std::move(headers),
                 .body = body,
                 .user = ""});
  }

  json::value get(const std::string& path, long expect = 200) const {
    auto r = call("GET", path);
    INFO("GET " << path << " -> " << r.status << " " << r.body);
    CHECK(r.status == expect);
    return json::parse(r.body);
  }
};

admin_client logged_in(const running_gateway& gw) {
  admin_client c{gw, "", ""};
  auto r = c.login("owner", "owner-pw");
  REQUIRE(r.status == 200);
  return c;
}

[[maybe_unused]] std::string etag_of(const admin_client& c, const std::string& partner) {
  auto r = c.call("GET", "/admin/api/v1/partners/" + url_encode(partner));
  REQUIRE(r.status == 200);
  return r.header("etag");
}

[[maybe_unused]] set strings(const json::value& v) {
  set out;
  for (const auto& s : v.as_array())
    out.insert(std::string(s.as_string()));
  return out;
}

}  // namespace

TEST_CASE("admin login: session cookie, CSRF token, logout, non-admins and agents refused") {
  running_gateway gw(admin_ldif(), admin_yaml());
  admin_client c{gw, "", ""};

  SUBCASE("an admin gets a hardened cookie and a CSRF token") {
    auto r = c.login("owner", "owner-pw");
    REQUIRE(r.status == 200);
    auto set_cookie = r.header("set-cookie");
    CHECK(set_cookie.starts_with("sg_session="));
    CHECK(set_cookie.find("HttpOnly") != std::string::npos);
    CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(set_cookie.find("Path=/admin") != std::string::npos);
    CHECK(set_cookie.find("Secure") == std::string::npos);             // plain HTTP here
    CHECK(c.cookie.size() == std::string("sg_session=").size() + 43);  // 256 bits, base64url
    auto who = c.get("/admin/api/v1/session");
    CHECK(who.at("login") == "owner");
    CHECK(who.at("csrf_token").as_string() == c.csrf);
    // Logout needs the CSRF token too, then the cookie is dead.
    CHECK(c.call("DELETE", "/admin/api/v1/session", "", {}, false).status == 403);
    CHECK(c.call("DELETE", "/admin/api/v1/session").status == 204);
    CHECK(c.call("GET", "/admin/api/v1/session").status == 401);
  }
  SUBCASE("a correct password of a non-admin gets a clear 403") {
    auto r = c.login("a1", "a1-pw");
    CHECK(r.status == 403);
    CHECK(r.body.find("not-an-admin") != std::string::npos);
    CHECK(r.header("set-cookie").empty());
  }
  SUBCASE("wrong password and unknown login look the same") {
    auto wrong = c.login("owner", "nope");
    auto unknown = c.login("nobody", "nope");
    CHECK(wrong.status == 401);
    CHECK(unknown.status == 401);
    CHECK(wrong.body == unknown.body);
    CHECK(c.login("owner", "").status == 401);
  }
  SUBCASE("agent Basic credentials never open the admin API") {
    auto r = http_get(gw.url("/admin/api/v1/partners"), pw("owner"));
    CHECK(r.status == 401);
    CHECK(http_get(gw.url("/admin/api/v1/session"), pw("owner")).status == 401);
  }
  SUBCASE("a forged or missing cookie is refused") {
    c.cookie = "sg_session=" + std::string(43, 'A');
    CHECK(c.call("GET", "/admin/api/v1/partners").status == 401);
  }
}

TEST_CASE("admin writes need the session's CSRF token") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto c = logged_in(gw);
  auto body = R"({"id":"p-new","name":"New"})";
  CHECK(c.call("POST", "/admin/api/v1/partners", body, {}, false).status == 403);
  CHECK(c.call("POST", "/admin/api/v1/partners", body, {"X-CSRF-Token: wrong"}, false).status ==
        403);
  auto other = logged_in(gw);  // another session's token does not fit this session
  CHECK(c.call("POST", "/admin/api/v1/partners", body, {"X-CSRF-Token: " + other.csrf}, false)
            .status == 403);
  CHECK(c.get("/admin/api/v1/partners/p-new", 404).at("status") == 404);
  CHECK(c.call("POST", "/admin/api/v1/partners", body).status == 201);
}

TEST_CASE("admin sessions expire when idle and after the absolute limit") {
  running_gateway gw(admin_ldif(),
                     admin_yaml("", "  session_idle_minutes: 10\n  session_max_hours: 1\n"));
  SUBCASE("idle") {
    auto c = logged_in(gw);
    gw.svc->admin().advance_clock(std::chrono::minutes(9));
    CHECK(c.call("GET", "/admin/api/v1/session").status == 200);  // refreshes the idle timer
    gw.svc->admin().advance_clock(std::chrono::minutes(9));
    CHECK(c.call("GET", "/admin/api/v1/session").status == 200);
    gw.svc->admin().advance_clock(std::chrono::minutes(10));
    CHECK(c.call("GET", "/admin/api/v1/session").status == 401);
  }
  SUBCASE("absolute") {
    auto c = logged_in(gw);
    for (int i = 0; i < 6; ++i) {
      gw.svc->admin().advance_clock(std::chrono::minutes(9));
      CHECK(c.call("GET", "/admin/api/v1/session").status == 200);
    }
    gw.svc->admin().advance_clock(std::chrono::minutes(7));  // 61 minutes after login
    CHECK(c.call("GET", "/admin/api/v1/session").status == 401);
  }
}

TEST_CASE("failed dashboard logins are throttled per login and per address") {
  running_gateway gw(admin_ldif(), admin_yaml());
  admin_client c{gw, "", ""};
  for (int i = 0; i < 3; ++i)
    CHECK(c.login("owner", "wrong").status == 401);
  auto r = c.login("owner", "owner-pw");  // even the right password waits now
  CHECK(r.status == 429);
  CHECK(!r.header("retry-after").empty());
  CHECK(c.login("a1", "a1-pw").status == 429);  // same address
  gw.svc->admin().advance_clock(std::chrono::seconds(61));
  CHECK(c.login("owner", "owner-pw").status == 200);
}
