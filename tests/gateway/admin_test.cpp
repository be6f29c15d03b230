// The dashboard's admin API against a real slapd: authentication and sessions, partner
// CRUD with versions, customer-ID changes, preview, history and revert, CSV import, cache
// invalidation, and hostile values on their way to LDAP.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "gateway/auth/login_throttle.hpp"
#include "gateway/auth/sessions.hpp"
#include "gateway/service.hpp"
#include "tests/gateway/scenario.hpp"
#include "tests/support/test_pki.hpp"

using namespace scopegate::testing;
using set = std::set<std::string>;
namespace json = boost::json;

namespace {

const std::string& k_admins = k_scenario_admins;

std::string admin_yaml(const std::string& scope = "", const std::string& admin_extra = "") {
  return scenario_yaml("@URI@", scope, "  member_attribute: member\n",
                       "admin:\n  group_dns: [\"" + k_admins + "\"]\n" + admin_extra +
                           "auth:\n  failed_attempts_per_minute: 3\n"
                           "  failed_attempts_per_address_per_minute: 3\n");
}

admin_client logged_in(const running_gateway& gw) {
  admin_client c{gw, "", ""};
  auto r = c.login("owner", "owner-pw");
  REQUIRE(r.status == 200);
  return c;
}

std::string etag_of(const admin_client& c, const std::string& partner) {
  auto r = c.call("GET", "/admin/api/v1/partners/" + url_encode(partner));
  REQUIRE(r.status == 200);
  return r.header("etag");
}

set strings(const json::value& v) {
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
    CHECK(set_cookie.starts_with("scopegate_session="));
    CHECK(set_cookie.find("HttpOnly") != std::string::npos);
    CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(set_cookie.find("Path=/admin") != std::string::npos);
    CHECK(set_cookie.find("Secure") == std::string::npos);                    // plain HTTP here
    CHECK(c.cookie.size() == std::string("scopegate_session=").size() + 43);  // 256 bits
    auto who = c.get("/admin/api/v1/session");
    CHECK(who.at("login") == "owner");
    CHECK(who.at("csrf_token").as_string() == c.csrf);
    // Over plain HTTP only the bare name is read.
    admin_client prefixed = c;
    prefixed.cookie = "__Host-" + c.cookie;
    CHECK(prefixed.call("GET", "/admin/api/v1/session").status == 401);
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
    c.cookie = "scopegate_session=" + std::string(43, 'A');
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
  gw.svc->throttle().advance_clock(std::chrono::seconds(61));
  CHECK(c.login("owner", "owner-pw").status == 200);
}

TEST_CASE("partners: create, list with counts, rename, delete; versions guard every write") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto c = logged_in(gw);
  auto created = c.call("POST", "/admin/api/v1/partners",
                        R"({"id":"p-new","name":"New Partner","customer_ids":["C3"]})");
  REQUIRE(created.status == 201);
  CHECK(!created.header("etag").empty());
  CHECK(c.call("POST", "/admin/api/v1/partners", R"({"id":"p-new","name":"Again"})").status == 409);
  for (auto bad :
       {R"({"id":"","name":"x"})", R"({"id":"a b","name":"x"})", R"({"id":"x*)(cn=*","name":"x"})",
        R"({"id":"-lead","name":"x"})", R"({"id":"ok","name":"bad\u0001name"})"})
    CHECK(c.call("POST", "/admin/api/v1/partners", bad).status == 422);

  auto list = c.get("/admin/api/v1/partners");
  CHECK(list.at("total").as_int64() == 4);
  auto one = c.get("/admin/api/v1/partners?q=ONE");
  REQUIRE(one.at("items").as_array().size() == 1);
  const auto& p1 = one.at("items").as_array()[0];
  CHECK(p1.at("id") == "p-one");
  CHECK(p1.at("customer_id_count").as_int64() == 2);
  CHECK(p1.at("agent_count").as_int64() == 2);  // a1, a12
  auto two = c.get("/admin/api/v1/partners?q=p-two").at("items").as_array()[0];
  CHECK(two.at("agent_count").as_int64() == 3);  // a2, a12, amember (member link)
  auto paged = c.get("/admin/api/v1/partners?offset=1&limit=2");
  CHECK(paged.at("items").as_array().size() == 2);
  CHECK(paged.at("total").as_int64() == 4);

  auto tag = etag_of(c, "p-new");
  CHECK(
      c.call("PATCH", "/admin/api/v1/partners/p-new", R"({"name":"Renamed"})", {"If-Match: " + tag})
          .status == 200);
  // The old version is stale now: 409, and nothing changes.
  auto stale = c.call("PATCH", "/admin/api/v1/partners/p-new", R"({"name":"Lost update"})",
                      {"If-Match: " + tag});
  CHECK(stale.status == 409);
  CHECK(stale.body.find("version-conflict") != std::string::npos);
  CHECK(c.get("/admin/api/v1/partners/p-new").at("name") == "Renamed");
  CHECK(c.call("POST", "/admin/api/v1/partners/p-new/customer-ids", R"({"add":["C1"]})",
               {"If-Match: " + tag})
            .status == 409);
  CHECK(strings(c.get("/admin/api/v1/partners/p-new").at("customer_ids")) == set{"C3"});
  CHECK(c.call("DELETE", "/admin/api/v1/partners/p-new", "", {"If-Match: " + tag}).status == 409);
  CHECK(c.call("DELETE", "/admin/api/v1/partners/p-new", "", {"If-Match: " + etag_of(c, "p-new")})
            .status == 204);
  CHECK(c.call("GET", "/admin/api/v1/partners/p-new").status == 404);
}

TEST_CASE("customer IDs: unknown IDs need confirmation; autocomplete; hostile values escaped") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto c = logged_in(gw);
  auto r = c.call("POST", "/admin/api/v1/partners/p-empty/customer-ids",
                  R"({"add":["C1","C-NOPE","*"]})");
  CHECK(r.status == 409);
  auto unknown = strings(json::parse(r.body).at("unknown_customer_ids"));
  CHECK(unknown == set{"*", "C-NOPE"});  // "*" is a value, never a wildcard
  CHECK(c.get("/admin/api/v1/partners/p-empty").at("customer_ids").as_array().empty());
  r = c.call("POST", "/admin/api/v1/partners/p-empty/customer-ids",
             R"({"add":["C1","C-NOPE"],"confirm_unknown":true})");
  CHECK(r.status == 200);
  CHECK(strings(json::parse(r.body).at("customer_ids")) == set{"C-NOPE", "C1"});
  // The filter metacharacters of "C*)(x" are escaped: it is a known ID, found exactly.
  r = c.call("POST", "/admin/api/v1/partners/p-empty/customer-ids", R"({"add":["C*)(x"]})");
  CHECK(r.status == 200);
  auto ac = c.get("/admin/api/v1/customer-ids?prefix=C");
  CHECK(strings(ac.at("items")) == set{"C*)(x", "C1", "C2", "C3", "C9"});
  CHECK(strings(c.get("/admin/api/v1/customer-ids?prefix=C*").at("items")) == set{"C*)(x"});
  CHECK(c.get("/admin/api/v1/customer-ids?prefix=*").at("items").as_array().empty());

  // A display name full of DN and filter metacharacters is stored and returned verbatim.
  std::string hostile = R"(a,b+c=\"d\"<e>;f\\ #*)(cn=*)\u0000)";
  r = c.call("POST", "/admin/api/v1/partners", R"({"id":"p.hostile","name":")" + hostile + "\"}");
  CHECK(r.status == 422);  // NUL refused
  hostile = R"(a,b+c=\"d\"<e>;f\\ #*)(cn=*) <img src=x onerror=alert(1)>)";
  r = c.call("POST", "/admin/api/v1/partners", R"({"id":"p.hostile","name":")" + hostile + "\"}");
  REQUIRE(r.status == 201);
  CHECK(c.get("/admin/api/v1/partners/p.hostile").at("name") ==
        R"(a,b+c="d"<e>;f\ #*)(cn=*) <img src=x onerror=alert(1)>)");
  CHECK(c.get("/admin/api/v1/partners?q=*)(cn=*").at("total").as_int64() == 1);
  CHECK(c.get("/admin/api/v1/agents?q=*)(uid=*").at("items").as_array().empty());
  // Path segments that try to escape the partner subtree are just IDs that do not exist.
  CHECK(c.call("GET", "/admin/api/v1/partners/" + url_encode("x,ou=people")).status == 404);
}

TEST_CASE("agents: list with partners; link and unlink in both link modes") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto c = logged_in(gw);
  auto agents = c.get("/admin/api/v1/agents?q=amember").at("items").as_array();
  REQUIRE(agents.size() == 1);
  CHECK(strings(agents[0].at("partner_ids")) == set{"p-two"});
  CHECK(strings(agents[0].at("member_partner_ids")) == set{"p-two"});

  // Attribute mode: a0 joins p-one and sees its customers at once.
  CHECK(http_get(gw.url("/api/v1/customers"), pw("a0")).status == 403);
  auto r = c.call("POST", "/admin/api/v1/agents/a0/partners",
                  R"({"partner_id":"p-one","mode":"agent_attribute"})");
  CHECK(r.status == 200);
  CHECK(gw.logins("/api/v1/customers", pw("a0")) == set{"alice", "bob", "eve", "mallory"});
  // Member mode: a0 also becomes a member of p-two.
  r = c.call("POST", "/admin/api/v1/agents/a0/partners",
             R"({"partner_id":"p-two","mode":"partner_member"})");
  CHECK(r.status == 200);
  CHECK(gw.logins("/api/v1/customers", pw("a0")) ==
        set{"alice", "bob", "eve", "mallory", "carol", "dave"});
  CHECK(c.call("DELETE", "/admin/api/v1/agents/a0/partners/p-two?mode=partner_member").status ==
        200);
  CHECK(c.call("DELETE", "/admin/api/v1/agents/a0/partners/p-one?mode=agent_attribute").status ==
        200);
  CHECK(http_get(gw.url("/api/v1/customers"), pw("a0")).status == 403);
  CHECK(
      c.call("POST", "/admin/api/v1/agents/nobody/partners", R"({"partner_id":"p-one"})").status ==
      404);
  CHECK(
      c.call("POST", "/admin/api/v1/agents/a0/partners", R"({"partner_id":"p-missing"})").status ==
      404);
}

TEST_CASE("every admin write is seen by agents on their next request despite a long TTL") {
  running_gateway gw(admin_ldif(), admin_yaml("scope:\n  cache_ttl_seconds: 3600\n"));
  auto c = logged_in(gw);
  CHECK(gw.logins("/api/v1/customers", pw("a1")) == set{"alice", "bob", "eve", "mallory"});
  CHECK(c.call("POST", "/admin/api/v1/partners/p-one/customer-ids",
               R"({"remove":["C1"],"add":["C3"]})")
            .status == 200);
  CHECK(gw.logins("/api/v1/customers", pw("a1")) == set{"bob", "carol", "mallory"});
  CHECK(c.call("DELETE", "/admin/api/v1/partners/p-one").status == 204);
  CHECK(gw.logins("/api/v1/customers", pw("a1")).empty());
}

TEST_CASE("preview lists who gains and loses what, and writes nothing") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto c = logged_in(gw);
  auto before = c.get("/admin/api/v1/partners/p-one");
  auto r = c.call("POST", "/admin/api/v1/preview",
                  R"({"changes":[{"partner_id":"p-one","add":["C9"],"remove":["C1"]}]})");
  REQUIRE(r.status == 200);
  auto v = json::parse(r.body);
  CHECK(v.at("written") == false);
  std::map<std::string, std::pair<set, set>> got;
  for (const auto& a : v.at("agents").as_array())
    got[std::string(a.at("login").as_string())] = {strings(a.at("gains")), strings(a.at("loses"))};
  CHECK(got.size() == 2);
  CHECK(got["a1"] == std::pair<set, set>{{"C9"}, {"C1"}});
  CHECK(got["a12"] == std::pair<set, set>{{"C9"}, {"C1"}});
  CHECK(c.get("/admin/api/v1/partners/p-one") == before);

  // Deleting p-two: a2 and amember lose both IDs; a12 loses only what p-one does not give.
  r = c.call("POST", "/admin/api/v1/preview",
             R"({"changes":[{"partner_id":"p-two","delete":true}]})");
  v = json::parse(r.body);
  got.clear();
  for (const auto& a : v.at("agents").as_array())
    got[std::string(a.at("login").as_string())] = {strings(a.at("gains")), strings(a.at("loses"))};
  CHECK(got["a2"].second == set{"C*)(x", "C3"});
  CHECK(got["amember"].second == set{"C*)(x", "C3"});
  CHECK(got["a12"].second == set{"C*)(x", "C3"});
  CHECK(c.call("POST", "/admin/api/v1/preview", R"({"changes":[]})").status == 422);
}

TEST_CASE("history records every change with before/after, and revert undoes one") {
  running_gateway gw(admin_ldif(), admin_yaml("scope:\n  cache_ttl_seconds: 3600\n"));
  auto c = logged_in(gw);
  REQUIRE(
      c.call("POST", "/admin/api/v1/partners/p-one/customer-ids", R"({"remove":["C1"]})").status ==
      200);
  REQUIRE(c.call("PATCH", "/admin/api/v1/partners/p-two", R"({"name":"Second"})").status == 200);
  auto items = c.get("/admin/api/v1/history").at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("action") == "partner.rename");
  const auto& change = items[1];
  CHECK(change.at("actor") == "owner");
  CHECK(change.at("action") == "partner.customer_ids");
  CHECK(strings(change.at("before").at("customer_ids")) == set{"C1", "C2"});
  CHECK(strings(change.at("after").at("customer_ids")) == set{"C2"});
  CHECK(c.get("/admin/api/v1/history?partner_id=p-one").at("items").as_array().size() == 1);
  CHECK(c.get("/admin/api/v1/history?action=partner.rename").at("items").as_array().size() == 1);
  CHECK(c.get("/admin/api/v1/history?actor=someone").at("items").as_array().empty());
  CHECK(gw.logins("/api/v1/customers", pw("a1")) == set{"bob", "mallory"});

  auto id = std::to_string(change.at("id").as_int64());
  CHECK(c.call("POST", "/admin/api/v1/history/" + id + "/revert", "", {}, false).status == 403);
  CHECK(c.call("POST", "/admin/api/v1/history/" + id + "/revert").status == 200);
  CHECK(strings(c.get("/admin/api/v1/partners/p-one").at("customer_ids")) == set{"C1", "C2"});
  CHECK(gw.logins("/api/v1/customers", pw("a1")) == set{"alice", "bob", "eve", "mallory"});
  CHECK(c.call("POST", "/admin/api/v1/history/" + id + "/revert").status == 409);  // once only
  auto latest = c.get("/admin/api/v1/history").at("items").as_array();
  CHECK(latest[0].at("reverts").as_int64() == change.at("id").as_int64());

  // A change followed by a later one on the same partner cannot be reverted blindly.
  REQUIRE(c.call("POST", "/admin/api/v1/partners/p-one/customer-ids", R"({"add":["C3"]})").status ==
          200);
  auto first =
      std::to_string(c.get("/admin/api/v1/history").at("items").as_array()[0].at("id").as_int64());
  REQUIRE(c.call("POST", "/admin/api/v1/partners/p-one/customer-ids", R"({"add":["C9"]})").status ==
          200);
  CHECK(c.call("POST", "/admin/api/v1/history/" + first + "/revert").status == 409);
  CHECK(strings(c.get("/admin/api/v1/partners/p-one").at("customer_ids")) ==
        set{"C1", "C2", "C3", "C9"});
}

TEST_CASE("CSV export and import: validated as a whole, then applied, with a report") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto c = logged_in(gw);
  auto exported = c.call("GET", "/admin/api/v1/mappings.csv");
  CHECK(exported.status == 200);
  CHECK(exported.header("content-type").starts_with("text/csv"));
  CHECK(exported.body.find("partner_id,customer_id\r\n") == 0);
  CHECK(exported.body.find("p-two,\"C*)(x\"") == std::string::npos);  // no quoting needed
  CHECK(exported.body.find("p-two,C*)(x\r\n") != std::string::npos);

  auto import = [&](const std::string& csv, const std::string& query = "") {
    return c.call("POST", "/admin/api/v1/mappings/import" + query, csv, {"Content-Type: text/csv"});
  };
  // One bad row (unknown partner) -> 422 listing it, and nothing is written.
  auto r = import("partner_id,customer_id\np-empty,C1\np-nope,C2\np-empty,\n");
  CHECK(r.status == 422);
  auto errors = json::parse(r.body).at("errors").as_array();
  CHECK(errors.size() == 2);
  CHECK(c.get("/admin/api/v1/partners/p-empty").at("customer_ids").as_array().empty());
  CHECK(import("p-empty,\"unterminated\n").status == 422);
  CHECK(import("p-empty,C1,extra\n").status == 422);
  // Unknown customer IDs need confirmation.
  r = import("p-empty,C1\np-empty,C77\n");
  CHECK(r.status == 409);
  CHECK(c.get("/admin/api/v1/partners/p-empty").at("customer_ids").as_array().empty());
  // Dry run reports and writes nothing.
  r = import("p-empty,C1\np-empty,C2\n", "?dry_run=true");
  CHECK(r.status == 200);
  CHECK(c.get("/admin/api/v1/partners/p-empty").at("customer_ids").as_array().empty());
  // Applied.
  r = import("partner_id,customer_id\r\np-empty,C1\r\np-empty,C2\r\np-one,C3\r\n");
  REQUIRE(r.status == 200);
  auto report = json::parse(r.body);
  CHECK(report.at("complete") == true);
  CHECK(report.at("partners").as_array().size() == 2);
  CHECK(strings(c.get("/admin/api/v1/partners/p-empty").at("customer_ids")) == set{"C1", "C2"});
  CHECK(strings(c.get("/admin/api/v1/partners/p-one").at("customer_ids")) == set{"C1", "C2", "C3"});
  CHECK(gw.logins("/api/v1/customers", pw("aempty")) == set{"alice", "bob", "eve", "mallory"});
  // Replace mode makes a partner's set exactly the file's rows.
  r = import("p-one,C3\n", "?mode=replace");
  CHECK(r.status == 200);
  CHECK(strings(c.get("/admin/api/v1/partners/p-one").at("customer_ids")) == set{"C3"});
  CHECK(c.get("/admin/api/v1/history?partner_id=p-one").at("items").as_array().size() == 2);
}

TEST_CASE("explain gives the decision and every fact behind it") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto c = logged_in(gw);
  auto v = c.get("/admin/api/v1/explain?agent=a1&customer=alice");
  CHECK(v.at("decision") == "allow");
  CHECK(v.at("rule") == "partner_mapping");
  CHECK(strings(v.at("partner_ids")) == set{"p-one"});
  CHECK(strings(v.at("matching_customer_ids")) == set{"C1"});
  CHECK(v.at("granting_partners").as_array()[0].at("partner_id") == "p-one");
  CHECK(v.at("cache_age_seconds").as_double() >= 0);
  v = c.get("/admin/api/v1/explain?agent=a1&customer=carol");
  CHECK(v.at("decision") == "deny");
  CHECK(v.at("matching_customer_ids").as_array().empty());
  v = c.get("/admin/api/v1/explain?agent=owner&customer=carol");
  CHECK(v.at("decision") == "allow");
  CHECK(v.at("rule") == "bypass_group");
  v = c.get("/admin/api/v1/explain?agent=a0&customer=carol");
  CHECK(v.at("decision") == "deny");
  CHECK(v.at("rule") == "unassigned_denied");
  CHECK(c.call("GET", "/admin/api/v1/explain?agent=a1&customer=nobody").status == 404);
  CHECK(c.call("GET", "/admin/api/v1/explain?agent=nobody&customer=alice").status == 404);
}

TEST_CASE("the dashboard is served from the binary with a strict CSP") {
  running_gateway gw(admin_ldif(), admin_yaml());
  auto index = http_get(gw.url("/admin/"));
  CHECK(index.status == 200);
  CHECK(index.header("content-type") == "text/html; charset=utf-8");
  CHECK(index.header("content-security-policy").find("script-src 'self'") != std::string::npos);
  CHECK(index.header("content-security-policy").find("frame-ancestors 'none'") !=
        std::string::npos);
  CHECK(http_get(gw.url("/admin/app.js")).header("content-type") ==
        "text/javascript; charset=utf-8");
  CHECK(http_get(gw.url("/admin")).status == 308);
  CHECK(http_get(gw.url("/admin/nope.js")).status == 404);
  CHECK(http_get(gw.url("/admin/..%2Fadmin_api.cpp")).status == 400);
  CHECK(http_get(gw.url("/admin/api/v1/nope")).status == 401);
}

TEST_CASE("admin session over HTTPS: a Secure __Host- cookie, and only that name opens it") {
  test_pki ca;
  auto cert = ca.issue("127.0.0.1", "IP:127.0.0.1");
  set_https_ca_file(ca.ca_file());
  std::string yaml = admin_yaml();
  yaml.replace(yaml.find("listen:\n") + 8, 0,
               "  tls:\n    certificate_file: " + cert.certificate_file +
                   "\n    key_file: " + cert.key_file + "\n");
  running_gateway gw(admin_ldif(), yaml);
  REQUIRE(gw.url("/").starts_with("https://"));
  admin_client c{gw, "", ""};
  auto r = c.login("owner", "owner-pw");
  REQUIRE(r.status == 200);
  auto set_cookie = r.header("set-cookie");
  CHECK(set_cookie.starts_with("__Host-scopegate_session="));
  CHECK(set_cookie.find("; Secure") != std::string::npos);
  CHECK(set_cookie.find("; Path=/;") != std::string::npos);
  CHECK(set_cookie.find("Domain") == std::string::npos);
  CHECK(set_cookie.find("HttpOnly") != std::string::npos);
  CHECK(c.get("/admin/api/v1/session").at("login").as_string() == "owner");

  // The same token under the bare name (a cookie a plain-HTTP page could have set) is no
  // session here.
  admin_client bare = c;
  bare.cookie = "scopegate_session=" + c.cookie.substr(c.cookie.find('=') + 1);
  CHECK(bare.call("GET", "/admin/api/v1/session").status == 401);

  auto out = c.call("DELETE", "/admin/api/v1/session");
  CHECK(out.status == 204);
  CHECK(out.header("set-cookie").starts_with("__Host-scopegate_session=;"));
  CHECK(out.header("set-cookie").find("; Secure") != std::string::npos);
  CHECK(c.call("GET", "/admin/api/v1/session").status == 401);
  set_https_ca_file("");
}
