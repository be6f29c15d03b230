// /admin/api/v1/explain and the agent API call the same decision: for agents of every kind
// (partner scopes, unassigned, unknown and empty partners, bypass, creator-only, every
// access mode, blocked contacts) and every customer (one, several or no customer IDs,
// created by a fieldworker or not), explain's verdict is exactly what the agent is answered.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
namespace json = boost::json;

namespace {

std::string agent_entry(const std::string& uid, const std::string& partner,
                        const std::string& extra) {
  return "dn: uid=" + uid +
         ",ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nobjectClass: scopegateAgent\n"
         "uid: " +
         uid + "\ncn: Agent " + uid + "\nsn: " + uid + "\nuserPassword: " + uid +
         "-pw\nscopegatePartnerId: " + partner + "\n" + extra + "\n";
}

std::string customer_entry(const std::string& uid, const std::vector<std::string>& ids) {
  std::string s = "dn: uid=" + uid +
                  ",ou=customers,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
                  "objectClass: scopegateCustomer\nuid: " +
                  uid + "\ncn: Customer " + uid + "\nsn: " + uid + "\nmail: " + uid +
                  "@example.net\n";
  for (const auto& id : ids)
    s += "scopegateCustomerId: " + id + "\n";
  return s + "\n";
}

std::string directory() {
  std::string s = scenario_ldif();
  for (std::string m : {"full", "edit", "view_only", "hidden"})
    s += agent_entry("m_" + m, "p-one", "scopegateAccessMode: " + m + "\n");
  s += agent_entry("blocked", "p-one",
                   "scopegateAccessMode: full\nscopegateContactVisibility: blocked\n");
  s += agent_entry("f1", "p-one", "scopegateAccessMode: full\n");
  s += agent_entry("f2", "p-one", "scopegateAccessMode: full\n");
  s += "dn: cn=fieldworkers,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\n"
       "cn: fieldworkers\nmember: uid=f1,ou=people,dc=example,dc=com\n"
       "member: uid=f2,ou=people,dc=example,dc=com\n\n";
  // Several customer IDs (one granted to p-one, one to nobody), and none at all.
  s += customer_entry("multi", {"C9", "C2"});
  s += customer_entry("noid", {});
  return s;
}

std::string config() {
  return scenario_yaml("@URI@",
                       "scope:\n  bypass_groups: [\"cn=owners,ou=groups,dc=example,dc=com\"]\n"
                       "  creator_only_groups: [\"cn=fieldworkers,ou=groups,dc=example,dc=com\"]\n",
                       "",
                       "access:\n  default_mode: full\nadmin:\n  group_dns: "
                       "[\"cn=owners,ou=groups,dc=example,dc=com\"]\n");
}

std::string verdict_of_status(long status) {
  switch (status) {
    case 200:
    case 429:  // the reveal was allowed; only today's limit stopped it
      return "allow";
    case 404:
      return "not_found";
    case 403:
      return "forbidden";
    default:
      return "error " + std::to_string(status);
  }
}

}  // namespace

TEST_CASE("explain's verdict equals the agent API's answer for every agent and customer") {
  running_gateway gw(directory(), config());
  admin_client admin{gw, "", ""};
  REQUIRE(admin.login("owner", "owner-pw").status == 200);

  // A customer created by fieldworker f1 through the API (its owner), in f1's partner scope.
  auto created = http({.method = "POST",
                       .url = gw.url("/api/v1/customers"),
                       .headers = {"Content-Type: application/json"},
                       .body = R"({"customer_id":"C1","name":"Field Made"})",
                       .user = pw("f1")});
  REQUIRE(created.status == 201);
  const std::string fieldmade(boost::json::parse(created.body).at("login").as_string());

  std::vector<std::string> agents = {"a1",          "a2",       "a12",     "a0",     "aghost",
                                     "aempty",      "amember",  "owner",   "m_full", "m_edit",
                                     "m_view_only", "m_hidden", "blocked", "f1",     "f2"};
  std::vector<std::string> customers = {"alice", "bob",     "carol", "dave", "eve",
                                        "frank", "mallory", "multi", "noid", fieldmade};
  struct probe {
    std::string agent, customer, action;
  };
  std::vector<probe> probes;
  for (const auto& a : agents)
    for (const auto& c : customers)
      for (std::string action : {"view", "reveal"})
        probes.push_back({a, c, action});
  std::mt19937 rng(20261202);
  std::shuffle(probes.begin(), probes.end(), rng);

  std::size_t allowed = 0, hidden = 0, refused = 0;
  for (const auto& p : probes) {
    CAPTURE(p.agent);
    CAPTURE(p.customer);
    CAPTURE(p.action);
    auto e = admin.get("/admin/api/v1/explain?agent=" + p.agent + "&customer=" + p.customer +
                       "&action=" + p.action);
    std::string explained(e.at("verdict").as_string());
    long status = 0;
    if (p.action == "view") {
      status = http_get(gw.url("/api/v1/customers/" + p.customer), pw(p.agent)).status;
    } else {
      status = http({.method = "POST",
                     .url = gw.url("/api/v1/customers/" + p.customer + "/reveal"),
                     .user = pw(p.agent)})
                   .status;
    }
    CHECK(explained == verdict_of_status(status));
    allowed += explained == "allow";
    hidden += explained == "not_found";
    refused += explained == "forbidden";
  }
  // The matrix really covers every outcome.
  CHECK(allowed > 20);
  CHECK(hidden > 20);
  CHECK(refused > 20);
}
