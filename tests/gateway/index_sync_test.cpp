// The gateway with customers.index: memory: changes made in LDAP by anyone (ldapmodify) are
// visible through the API within one second, with no TTL wait (the scope cache TTL here is
// 300 s); a lost directory means 503 as without the index, and its return means a resync;
// a server without syncprov is served by LDAP pushdown.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
using set = std::set<std::string>;

namespace {

// Polls `p` every 20 ms until it holds or `seconds` pass.
template <class Predicate>
bool within(double seconds, Predicate p) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return p();
}

// Logins of a search, or {"<status>"} when it did not answer 200.
set logins_of(const running_gateway& gw, const std::string& path, const std::string& user) {
  auto r = http_get(gw.url(path), user);
  if (r.status != 200) return set{"<" + std::to_string(r.status) + ">"};
  set out;
  auto body = boost::json::parse(r.body);
  for (const auto& item : body.at("items").as_array())
    out.insert(std::string(item.at("login").as_string()));
  return out;
}

long status_of(const running_gateway& gw, const std::string& path, const std::string& user) {
  return http_get(gw.url(path), user).status;
}

// A counter or gauge from /metrics (-1 when absent).
double metric(const running_gateway& gw, const std::string& name) {
  auto body = http_get(gw.url("/metrics")).body;
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + name.size() + 2));
}

std::string yaml(const std::string& extra_customers = "") {
  std::string y = scenario_yaml("@URI@",
                                "scope:\n  cache_ttl_seconds: 300\n  bypass_groups: "
                                "[\"cn=owners,ou=groups,dc=example,dc=com\"]\n");
  // Index settings go into the customers section.
  auto at = y.find("customers:\n");
  y.insert(at + 11, "  index: memory\n" + extra_customers);
  return y;
}

const std::string k_customers = "/api/v1/customers";

}  // namespace

TEST_CASE("index: customer add, modify, rename and delete are visible within one second") {
  running_gateway gw(scenario_ldif(), yaml());
  REQUIRE(within(5, [&] { return metric(gw, "scopegate_index_usable") == 1; }));
  CHECK(gw.logins(k_customers, pw("a1")) == set{"alice", "bob", "eve", "mallory"});
  const double memory_before = metric(gw, "scopegate_customer_queries_memory_total");
  CHECK(memory_before >= 1);

  gw.ldap->modify(
      "dn: uid=zed,ou=customers,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\n"
      "objectClass: scopegateCustomer\nuid: zed\ncn: Zed Zimmer\nsn: Zimmer\n"
      "scopegateCustomerId: C1\n");
  CHECK(within(1, [&] {
    return logins_of(gw, k_customers, pw("a1")) == set{"alice", "bob", "eve", "mallory", "zed"};
  }));

  gw.ldap->modify(
      "dn: uid=bob,ou=customers,dc=example,dc=com\nchangetype: modify\nreplace: cn\n"
      "cn: Robert Brown\n");
  CHECK(
      within(1, [&] { return logins_of(gw, k_customers + "?q=robert", pw("a1")) == set{"bob"}; }));

  // Moving a customer to another customer ID moves it out of a1's scope.
  gw.ldap->modify(
      "dn: uid=eve,ou=customers,dc=example,dc=com\nchangetype: modify\n"
      "replace: scopegateCustomerId\nscopegateCustomerId: C3\n");
  CHECK(within(1, [&] { return status_of(gw, k_customers + "/eve", pw("a1")) == 404; }));
  CHECK(status_of(gw, k_customers + "/eve", pw("a2")) == 200);

  gw.ldap->modify(
      "dn: uid=alice,ou=customers,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=alicia\n"
      "deleteoldrdn: 1\n");
  CHECK(within(1, [&] {
    return status_of(gw, k_customers + "/alicia", pw("a1")) == 200 &&
           status_of(gw, k_customers + "/alice", pw("a1")) == 404;
  }));

  gw.ldap->modify("dn: uid=mallory,ou=customers,dc=example,dc=com\nchangetype: delete\n");
  CHECK(within(1, [&] {
    return logins_of(gw, k_customers, pw("a1")) == set{"alicia", "bob", "zed"};
  }));
  // All of it was answered from the index, not by pushdown.
  CHECK(metric(gw, "scopegate_customer_queries_ldap_total") == 0);
  CHECK(metric(gw, "scopegate_customer_queries_memory_total") > memory_before);
}

TEST_CASE("index: partner and agent changes are visible within one second despite the TTL") {
  running_gateway gw(scenario_ldif(), yaml());
  REQUIRE(within(5, [&] { return metric(gw, "scopegate_index_usable") == 1; }));
  CHECK(gw.logins(k_customers, pw("a1")) == set{"alice", "bob", "eve", "mallory"});
  CHECK(gw.logins(k_customers, pw("a2")) == set{"carol", "dave"});

  // Partner: its customer IDs change.
  gw.ldap->modify(
      "dn: scopegatePartnerId=p-one,ou=partners,dc=example,dc=com\nchangetype: modify\n"
      "delete: scopegateCustomerId\nscopegateCustomerId: C1\n-\n"
      "add: scopegateCustomerId\nscopegateCustomerId: C3\n");
  CHECK(within(1, [&] {
    return logins_of(gw, k_customers, pw("a1")) == set{"bob", "carol", "mallory"};
  }));

  // Partner renamed: its ID changes with the RDN, so a1's partner ID names nothing.
  gw.ldap->modify(
      "dn: scopegatePartnerId=p-one,ou=partners,dc=example,dc=com\nchangetype: modrdn\n"
      "newrdn: scopegatePartnerId=p-uno\ndeleteoldrdn: 1\n");
  CHECK(within(1, [&] { return logins_of(gw, k_customers, pw("a1")).empty(); }));

  // Partner deleted.
  gw.ldap->modify(
      "dn: scopegatePartnerId=p-two,ou=partners,dc=example,dc=com\nchangetype: delete\n");
  CHECK(within(1, [&] { return logins_of(gw, k_customers, pw("a2")).empty(); }));

  // Partner added, and an agent moved to it through its own attribute.
  gw.ldap->modify(
      "dn: scopegatePartnerId=p-new,ou=partners,dc=example,dc=com\nchangetype: add\n"
      "objectClass: scopegatePartner\nscopegatePartnerId: p-new\ncn: New\n"
      "scopegateCustomerId: C9\n");
  gw.ldap->modify(
      "dn: uid=a1,ou=people,dc=example,dc=com\nchangetype: modify\n"
      "replace: scopegatePartnerId\nscopegatePartnerId: p-new\n");
  CHECK(within(1, [&] { return logins_of(gw, k_customers, pw("a1")) == set{"frank"}; }));

  // Agent added.
  gw.ldap->modify(
      "dn: uid=anew,ou=people,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\n"
      "objectClass: scopegateAgent\nuid: anew\ncn: New Agent\nsn: Agent\nuserPassword: anew-pw\n"
      "scopegatePartnerId: p-new\n");
  CHECK(within(1, [&] { return logins_of(gw, k_customers, pw("anew")) == set{"frank"}; }));

  // Agent renamed: it logs in under its new name with the same scope.
  gw.ldap->modify(
      "dn: uid=anew,ou=people,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=anew2\n"
      "deleteoldrdn: 1\n");
  CHECK(within(1, [&] {
    return logins_of(gw, k_customers, "anew2:anew-pw") == set{"frank"} &&
           status_of(gw, k_customers, pw("anew")) == 401;
  }));

  // Agent deleted: it cannot log in any more.
  gw.ldap->modify("dn: uid=a12,ou=people,dc=example,dc=com\nchangetype: delete\n");
  CHECK(within(1, [&] { return status_of(gw, k_customers, pw("a12")) == 401; }));
  CHECK(metric(gw, "scopegate_customer_queries_ldap_total") == 0);
}

TEST_CASE("index: slapd down means 503 (fallback to pushdown); back up, it resyncs") {
  running_gateway gw(scenario_ldif(), yaml("  index_max_staleness_seconds: 1\n"));
  REQUIRE(within(5, [&] { return metric(gw, "scopegate_index_usable") == 1; }));
  CHECK(gw.logins(k_customers, pw("a1")) == set{"alice", "bob", "eve", "mallory"});

  gw.ldap->stop();
  CHECK(within(2, [&] { return status_of(gw, k_customers, pw("a1")) == 503; }));
  CHECK(within(3, [&] { return metric(gw, "scopegate_index_usable") == 0; }));
  CHECK(status_of(gw, k_customers, pw("a1")) == 503);
  CHECK(metric(gw, "scopegate_customer_queries_ldap_total") >= 1);

  // Changed while the gateway could not see it.
  gw.ldap->start();
  gw.ldap->modify("dn: uid=bob,ou=customers,dc=example,dc=com\nchangetype: delete\n");
  CHECK(within(10, [&] { return metric(gw, "scopegate_index_usable") == 1; }));
  CHECK(within(1, [&] {
    return logins_of(gw, k_customers, pw("a1")) == set{"alice", "eve", "mallory"};
  }));
  // And changes keep arriving after the resync.
  const double memory_before = metric(gw, "scopegate_customer_queries_memory_total");
  gw.ldap->modify("dn: uid=eve,ou=customers,dc=example,dc=com\nchangetype: delete\n");
  CHECK(within(1, [&] { return logins_of(gw, k_customers, pw("a1")) == set{"alice", "mallory"}; }));
  CHECK(metric(gw, "scopegate_customer_queries_memory_total") > memory_before);
}

TEST_CASE("index: a server without syncprov is answered by pushdown, correctly") {
  ::setenv("SCOPEGATE_SLAPD_NO_SYNCPROV", "1", 1);
  running_gateway gw(scenario_ldif(), yaml());
  ::unsetenv("SCOPEGATE_SLAPD_NO_SYNCPROV");
  CHECK(gw.logins(k_customers, pw("a1")) == set{"alice", "bob", "eve", "mallory"});
  CHECK(gw.logins(k_customers + "?q=ali", pw("a1")) == set{"alice"});
  CHECK(status_of(gw, k_customers + "/carol", pw("a1")) == 404);
  CHECK(metric(gw, "scopegate_index_usable") == 0);
  CHECK(metric(gw, "scopegate_customer_queries_memory_total") == 0);
  CHECK(metric(gw, "scopegate_customer_queries_ldap_total") >= 3);
}

TEST_CASE("index: a customer written through the gateway is read back at once") {
  running_gateway gw(scenario_ldif(), yaml());
  REQUIRE(within(5, [&] { return metric(gw, "scopegate_index_usable") == 1; }));
  auto call = [&](const std::string& method, const std::string& path, const std::string& body) {
    return http({.method = method,
                 .url = gw.url(path),
                 .headers = {"Content-Type: application/json"},
                 .body = body,
                 .user = pw("owner")});
  };
  auto send = [&](const std::string& method, const std::string& path, const std::string& body) {
    return call(method, path, body).status;
  };
  for (int i = 0; i < 10; ++i) {
    auto created = call("POST", k_customers, R"({"customer_id":"C1","name":"rw"})");
    REQUIRE(created.status == 201);
    const std::string login(boost::json::parse(created.body).at("login").as_string());
    CHECK(status_of(gw, k_customers + "/" + login, pw("owner")) == 200);
    REQUIRE(send("PATCH", k_customers + "/" + login, R"({"name":"Renamed )" + login + "\"}") ==
            200);
    CHECK(gw.get_json(k_customers + "/" + login, pw("owner")).at("name").as_string() ==
          "Renamed " + login);
    REQUIRE(send("DELETE", k_customers + "/" + login, "") == 204);
    CHECK(status_of(gw, k_customers + "/" + login, pw("owner")) == 404);
  }
  // A second later reads come from the index again, and it has the same view.
  const double memory_before = metric(gw, "scopegate_customer_queries_memory_total");
  CHECK(within(3, [&] { return logins_of(gw, k_customers + "?q=rw", pw("owner")).empty(); }));
  CHECK(within(3, [&] {
    (void)status_of(gw, k_customers + "/alice", pw("owner"));
    return metric(gw, "scopegate_customer_queries_memory_total") > memory_before;
  }));
}
