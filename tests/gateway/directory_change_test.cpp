// The gateway over time: mapping changes in LDAP, the directory going away and coming back,
// paging through large scopes, trusted helpdesk clients.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "gateway/auth/authenticator.hpp"
#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
using set = std::set<std::string>;

namespace {

template <class Predicate>
bool eventually(Predicate p, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return p();
}

std::string generated_ldif(const std::string& args) {
  std::string out;
  FILE* pipe = ::popen((source_path("scripts/gen-directory") + " " + args).c_str(), "r");
  REQUIRE(pipe);
  char buf[65536];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  REQUIRE(::pclose(pipe) == 0);
  return out;
}

}  // namespace

TEST_CASE("a mapping change made directly in LDAP is seen after the cache TTL") {
  running_gateway gw(scenario_ldif(), scenario_yaml("@URI@", "scope:\n  cache_ttl_seconds: 1\n"));
  CHECK(gw.logins("/api/v1/customers", pw("a1")) == set{"alice", "bob", "eve", "mallory"});
  gw.ldap->modify(
      "dn: scopegatePartnerId=p-one,ou=partners,dc=example,dc=com\nchangetype: modify\n"
      "delete: scopegateCustomerId\nscopegateCustomerId: C1\n-\n"
      "add: scopegateCustomerId\nscopegateCustomerId: C3\n");
  CHECK(eventually(
      [&] {
        return gw.logins("/api/v1/customers", pw("a1")) == set{"bob", "carol", "mallory"};
      },
      5));
  // Moving the agent to another partner through its own attribute is seen too.
  gw.ldap->modify(
      "dn: uid=a1,ou=people,dc=example,dc=com\nchangetype: modify\n"
      "replace: scopegatePartnerId\nscopegatePartnerId: p-empty\n");
  CHECK(eventually([&] { return gw.logins("/api/v1/customers", pw("a1")).empty(); }, 5));
}

TEST_CASE("slapd down: 503 and /readyz 503, never data; back up: recovery without restart") {
  running_gateway gw(scenario_ldif(), scenario_yaml("@URI@", "scope:\n  cache_ttl_seconds: 0\n"));
  CHECK(gw.logins("/api/v1/customers", pw("a1")).size() == 4);
  gw.ldap->stop();
  CHECK(gw.wait_ready(503, 10));
  auto r = http_get(gw.url("/api/v1/customers"), pw("a1"));
  CHECK(r.status == 503);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(r.header("retry-after") == "2");  // clients and balancers know when to come back
  CHECK(r.body.find("alice") == std::string::npos);
  CHECK(http_get(gw.url("/api/v1/customers/alice"), pw("a1")).status == 503);
  CHECK(http_get(gw.url("/healthz")).status == 200);
  gw.ldap->start();
  CHECK(gw.wait_ready(200, 15));
  CHECK(eventually([&] { return http_get(gw.url("/api/v1/customers"), pw("a1")).status == 200; },
                   10));
  CHECK(gw.logins("/api/v1/customers", pw("a1")).size() == 4);
}

TEST_CASE("paging through more than 1,000 in-scope results: no duplicates, nothing outside") {
  // 3,000 customers over 30 IDs; p0001 has 15 of them (about 1,500 customers).
  auto ldif = generated_ldif("--customers 3000 --customer-ids 30 --partners 15:1,5:1 --agents 3");
  running_gateway gw(ldif, scenario_yaml("@URI@", "", "", ""));
  auto me = gw.get_json("/api/v1/me", pw("agent00001"));
  REQUIRE(me.at("scope").at("kind") == "some");
  std::set<std::string> allowed;
  {
    auto ids = gw.get_json("/api/v1/customer-ids?limit=500", pw("agent00001"));
    for (const auto& id : ids.at("items").as_array())
      allowed.emplace(id.as_string());
  }
  REQUIRE(allowed.size() == 15);
  std::set<std::string> seen;
  std::string last;
  std::string token;
  int pages = 0;
  for (;;) {
    std::string path = "/api/v1/customers?limit=97";
    if (!token.empty()) path += "&page_token=" + token;
    auto v = gw.get_json(path, pw("agent00001"));
    ++pages;
    for (const auto& item : v.at("items").as_array()) {
      std::string login(item.at("login").as_string());
      CHECK(login > last);  // strictly ascending across pages
      last = login;
      CHECK(seen.insert(login).second);
      CHECK(allowed.contains(std::string(item.at("customer_id").as_string())));
    }
    if (v.at("next_page_token").is_null()) break;
    token = std::string(v.at("next_page_token").as_string());
    REQUIRE(pages < 100);
  }
  CHECK(seen.size() == 1500);
  CHECK(pages == 16);
}

TEST_CASE("trusted helpdesk: API key from an allowed network names the agent") {
  std::string key = "helpdesk-secret-key";
  auto clients = [&](const std::string& network) {
    return "auth:\n  trusted_clients:\n    - name: helpdesk\n      api_key_sha256: " +
           scopegate::gateway::sha256_hex(key) + "\n      networks: [" + network + "]\n";
  };
  {
    running_gateway gw(scenario_ldif(), scenario_yaml("@URI@", "", "", clients("127.0.0.0/8")));
    auto ok = http({.url = gw.url("/api/v1/customers"),
                    .headers = {"X-Scopegate-Api-Key: " + key, "X-Scopegate-Agent: a2"}});
    CHECK(ok.status == 200);
    CHECK(ok.body.find("carol") != std::string::npos);
    CHECK(ok.body.find("alice") == std::string::npos);
    auto wrong_key = http({.url = gw.url("/api/v1/customers"),
                           .headers = {"X-Scopegate-Api-Key: nope", "X-Scopegate-Agent: a2"}});
    CHECK(wrong_key.status == 401);
    auto no_agent =
        http({.url = gw.url("/api/v1/customers"), .headers = {"X-Scopegate-Api-Key: " + key}});
    CHECK(no_agent.status == 401);
    auto unknown_agent =
        http({.url = gw.url("/api/v1/customers"),
              .headers = {"X-Scopegate-Api-Key: " + key, "X-Scopegate-Agent: ghost"}});
    CHECK(unknown_agent.status == 401);
  }
  {
    running_gateway gw(scenario_ldif(), scenario_yaml("@URI@", "", "", clients("10.0.0.0/8")));
    auto outside = http({.url = gw.url("/api/v1/customers"),
                         .headers = {"X-Scopegate-Api-Key: " + key, "X-Scopegate-Agent: a2"}});
    CHECK(outside.status == 401);
  }
}

TEST_CASE("single flight: concurrent cold requests of one agent resolve its scope once") {
  running_gateway gw(scenario_ldif(), scenario_yaml("@URI@", "scope:\n  cache_ttl_seconds: 60\n"));
  auto metric = [&](const std::string& name) {
    auto body = http_get(gw.url("/metrics")).body;
    auto pos = body.find("\n" + name + " ");
    REQUIRE(pos != std::string::npos);
    return std::stoull(body.substr(pos + name.size() + 2));
  };
  // Warm the bind cache so the requests below all reach scope resolution together.
  REQUIRE(http_get(gw.url("/healthz")).status == 200);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      if (http_get(gw.url("/api/v1/customers"), pw("a12")).status == 200) ++ok;
    });
  for (auto& t : threads)
    t.join();
  CHECK(ok == 16);
  auto misses = metric("scopegate_scope_cache_misses_total");
  auto shared = metric("scopegate_scope_cache_shared_flights_total");
  auto hits = metric("scopegate_scope_cache_hits_total");
  CHECK(misses + hits == 16);
  CHECK(misses - shared == 1);  // exactly one lookup went to LDAP
}
