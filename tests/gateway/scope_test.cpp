// Partner scoping through the HTTP API, against a real slapd: every rule of DESIGN.md
// section 1 that the core gateway enforces, with the leaks that must not happen.
#include <doctest/doctest.h>

#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
using set = std::set<std::string>;

namespace {

running_gateway& shared() {
  static running_gateway gw(scenario_ldif(), scenario_yaml("@URI@"));
  return gw;
}

}  // namespace

TEST_CASE("an agent sees exactly the customers of its partner, sorted by login") {
  auto& gw = shared();
  auto v = gw.get_json("/api/v1/customers", pw("a1"));
  std::vector<std::string> order;
  for (const auto& item : v.at("items").as_array()) {
    order.emplace_back(item.at("login").as_string());
    auto keys = item.as_object();
    CHECK(keys.contains("customer_id"));
    CHECK(keys.contains("name"));
    CHECK(keys.contains("email"));
  }
  CHECK(order == std::vector<std::string>{"alice", "bob", "eve", "mallory"});
  CHECK(v.at("next_page_token").is_null());
}

TEST_CASE("several partners: the union of their customer IDs") {
  CHECK(shared().logins("/api/v1/customers", pw("a12")) ==
        set{"alice", "bob", "carol", "dave", "eve", "mallory"});
  CHECK(shared().logins("/api/v1/customers", pw("a2")) == set{"carol", "dave"});
}

TEST_CASE("a partner with no customer IDs sees nothing") {
  auto& gw = shared();
  CHECK(gw.logins("/api/v1/customers", pw("aempty")).empty());
  gw.get_json("/api/v1/customers/alice", pw("aempty"), 404);
  auto me = gw.get_json("/api/v1/me", pw("aempty"));
  CHECK(me.at("scope").at("kind") == "none");
  CHECK(me.at("scope").at("rule") == "partner_mapping");
}

TEST_CASE("partner IDs naming no partner entry contribute nothing (not unassigned)") {
  auto& gw = shared();
  CHECK(gw.logins("/api/v1/customers", pw("aghost")).empty());
  auto me = gw.get_json("/api/v1/me", pw("aghost"));
  CHECK(me.at("scope").at("kind") == "none");
  CHECK(me.at("scope").at("denied") == false);
  CHECK(me.at("partner_ids").as_array().size() == 1);
  CHECK(me.at("known_partner_ids").as_array().empty());
}

TEST_CASE("an agent without partner is denied by default") {
  auto& gw = shared();
  auto v = gw.get_json("/api/v1/customers", pw("a0"), 403);
  CHECK(v.at("type").as_string().ends_with("agent-unassigned"));
  gw.get_json("/api/v1/customers/alice", pw("a0"), 403);
  gw.get_json("/api/v1/customer-ids", pw("a0"), 403);
  auto me = gw.get_json("/api/v1/me", pw("a0"));
  CHECK(me.at("scope").at("rule") == "unassigned_denied");
}

TEST_CASE("bypass group members see every customer") {
  auto& gw = shared();
  CHECK(gw.logins("/api/v1/customers", pw("owner")).size() == 7);
  auto me = gw.get_json("/api/v1/me", pw("owner"));
  CHECK(me.at("scope").at("kind") == "all");
  CHECK(me.at("scope").at("rule") == "bypass_group");
}

TEST_CASE("out of scope is indistinguishable from missing") {
  auto& gw = shared();
  auto in = gw.get_json("/api/v1/customers/alice", pw("a1"));
  CHECK(in.at("login") == "alice");
  auto out_of_scope = http_get(gw.url("/api/v1/customers/carol"), pw("a1"));
  auto missing = http_get(gw.url("/api/v1/customers/nobody"), pw("a1"));
  CHECK(out_of_scope.status == 404);
  CHECK(missing.status == 404);
  CHECK(out_of_scope.body == missing.body);
  // The customer_id filter cannot reach outside the scope either.
  CHECK(gw.logins("/api/v1/customers?customer_id=C3", pw("a1")).empty());
  CHECK(gw.logins("/api/v1/customers?customer_id=C2", pw("a1")) == set{"bob", "mallory"});
}

TEST_CASE("filter metacharacters in customer IDs are matched literally") {
  auto& gw = shared();
  CHECK(gw.logins("/api/v1/customers?customer_id=" + url_encode("C*)(x"), pw("a2")) == set{"dave"});
  auto ids = gw.get_json("/api/v1/customer-ids", pw("a2"));
  CHECK(ids.at("items").as_array().size() == 2);
  auto prefixed = gw.get_json("/api/v1/customer-ids?prefix=" + url_encode("C*"), pw("a2"));
  REQUIRE(prefixed.at("items").as_array().size() == 1);
  CHECK(prefixed.at("items").as_array()[0] == "C*)(x");
}

TEST_CASE("injection attempts in q, customer_id and login widen nothing") {
  auto& gw = shared();
  for (std::string hostile : {"*", ")(", "*)(uid=*", "\\2a", "*)(|(uid=*", "\\", "(", ")"}) {
    INFO("value " << hostile);
    auto q = gw.logins("/api/v1/customers?q=" + url_encode(hostile), pw("a1"));
    for (const auto& login : q)
      CHECK(set{"alice", "bob", "eve", "mallory"}.contains(login));
    CHECK(gw.logins("/api/v1/customers?customer_id=" + url_encode(hostile), pw("a1")).empty());
    gw.get_json("/api/v1/customers/" + url_encode(hostile), pw("a1"), 404);
  }
  // The literal "*)(uid=*" is mallory's cn: found as text, nothing else.
  CHECK(gw.logins("/api/v1/customers?q=" + url_encode("*)(uid=*"), pw("a1")) == set{"mallory"});
  CHECK(gw.logins("/api/v1/customers?q=" + url_encode("*"), pw("a1")) == set{"mallory"});
  // NUL and other control bytes, and very long values, are refused with a problem.
  auto nul = gw.get_json("/api/v1/customers?q=a%00b", pw("a1"), 400);
  CHECK(nul.at("status") == 400);
  gw.get_json("/api/v1/customers?q=" + std::string(5000, 'a'), pw("a1"), 400);
  gw.get_json("/api/v1/customers/al%00ice", pw("a1"), 400);
  gw.get_json("/api/v1/customers/" + std::string(300, 'x'), pw("a1"), 400);
}

TEST_CASE("ambiguous paths are refused before routing") {
  auto& gw = shared();
  for (std::string path : {"/api/v1/customers/a%2Fb", "/api/v1//customers", "/api/v1/customers/..",
                           "/api/v1/customers/%2e%2e", "/api/v1/./customers"}) {
    INFO(path);
    CHECK(http_get(gw.url(path), pw("a1")).status == 400);
  }
  CHECK(http_get(gw.url("/api/v1/nothing"), pw("a1")).status == 404);
  auto put = http({.method = "PUT", .url = gw.url("/api/v1/customers"), .user = pw("a1")});
  CHECK(put.status == 405);
  CHECK(put.header("allow") == "GET, POST");
}

TEST_CASE("non-ASCII values are searched and returned intact") {
  auto& gw = shared();
  auto v = gw.get_json("/api/v1/customers?q=" + url_encode("Zoë"), pw("a1"));
  REQUIRE(v.at("items").as_array().size() == 1);
  CHECK(v.at("items").as_array()[0].at("name") == "Zoë Ünal");
  CHECK(gw.logins("/api/v1/customers?q=" + url_encode("Zoë"), pw("a2")).empty());
}

TEST_CASE("q is a substring match over the search attributes") {
  auto& gw = shared();
  CHECK(gw.logins("/api/v1/customers?q=ob", pw("a1")) == set{"bob"});
  CHECK(gw.logins("/api/v1/customers?q=ADAMS", pw("a1")) == set{"alice"});
}

TEST_CASE("wrong, empty and missing credentials are all 401 and look the same") {
  auto& gw = shared();
  auto wrong = http_get(gw.url("/api/v1/customers"), "a1:nope");
  auto unknown = http_get(gw.url("/api/v1/customers"), "ghost:whatever");
  auto empty = http_get(gw.url("/api/v1/customers"), "a1:");
  auto missing = http_get(gw.url("/api/v1/customers"));
  auto garbage =
      http({.url = gw.url("/api/v1/customers"), .headers = {"Authorization: Basic !!!"}});
  auto nul = http_get(gw.url("/api/v1/customers"), std::string("a1:a1-pw\0x", 10));
  for (const auto* r : {&wrong, &unknown, &empty, &missing, &garbage, &nul}) {
    CHECK(r->status == 401);
    CHECK(r->body == wrong.body);
    CHECK(r->header("www-authenticate").starts_with("Basic"));
  }
  // The login is canonicalized (trimmed, lower-cased) before lookup.
  CHECK(http_get(gw.url("/api/v1/me"), " A1 :a1-pw").status == 200);
}

TEST_CASE("limits and bad parameters give problem+json 400") {
  auto& gw = shared();
  for (std::string q : {"limit=0", "limit=501", "limit=abc", "limit=-1", "page_token=%21%21",
                        "unknown=1", "q=a&q=b"}) {
    INFO(q);
    auto r = http_get(gw.url("/api/v1/customers?" + q), pw("a1"));
    CHECK(r.status == 400);
    CHECK(r.header("content-type") == "application/problem+json");
  }
}

TEST_CASE("/me explains the decision") {
  auto me = shared().get_json("/api/v1/me", pw("a12"));
  CHECK(me.at("login") == "a12");
  CHECK(me.at("scope").at("kind") == "some");
  CHECK(me.at("scope").at("customer_id_count") == 4);
  CHECK(me.at("partner_ids").as_array().size() == 2);
  CHECK(me.at("scope").at("reason").as_string().size() > 10);
}

TEST_CASE("metrics count requests by route and status") {
  auto& gw = shared();
  gw.get_json("/api/v1/me", pw("a1"));
  auto m = http_get(gw.url("/metrics"));
  CHECK(m.status == 200);
  CHECK(m.body.find("scopegate_http_requests_total{route=\"me\",status=\"200\"}") !=
        std::string::npos);
  CHECK(m.body.find("scopegate_scope_cache_hits_total") != std::string::npos);
  CHECK(m.body.find("scopegate_ldap_up 1") != std::string::npos);
  CHECK(m.body.find("a1-pw") == std::string::npos);
}

TEST_CASE("unassigned agents see all when configured") {
  running_gateway gw(scenario_ldif(), scenario_yaml("@URI@", "scope:\n  unassigned_agents: all\n"));
  CHECK(gw.logins("/api/v1/customers", pw("a0")).size() == 7);
  CHECK(gw.logins("/api/v1/customers", pw("a1")).size() == 4);
}

TEST_CASE("no partner entries at all: everyone sees every customer") {
  running_gateway gw(scenario_ldif(false), scenario_yaml("@URI@"));
  CHECK(gw.logins("/api/v1/customers", pw("a1")).size() == 7);
  CHECK(gw.logins("/api/v1/customers", pw("a0")).size() == 7);
  CHECK(gw.get_json("/api/v1/me", pw("a0")).at("scope").at("rule") == "no_partners_defined");
}

TEST_CASE("member link mode: the partner entry lists its agents") {
  running_gateway gw(scenario_ldif(), scenario_yaml("@URI@", "", "  member_attribute: member\n"));
  CHECK(gw.logins("/api/v1/customers", pw("amember")) == set{"carol", "dave"});
  // Both link modes at once: attribute partners and membership add up.
  CHECK(gw.logins("/api/v1/customers", pw("a1")) == set{"alice", "bob", "eve", "mallory"});
}
