// Partner membership by DN follows the project's one DN rule (ldap::same_dn): a partner
// entry lists an agent however the DN is spelled, and only that agent. Pure: no server.
#include <doctest/doctest.h>

#include "mapping/mapping_preview.hpp"

using namespace scopegate::mapping;

namespace {

agent_record agent_named(std::string dn) {
  agent_record a;
  a.dn = std::move(dn);
  a.login = "bob";
  return a;
}

partner_record partner_listing(std::string id, std::vector<std::string> members) {
  partner_record p;
  p.id = std::move(id);
  p.customer_ids = {"C-" + p.id};
  p.member_dns = std::move(members);
  return p;
}

}  // namespace

TEST_CASE("a partner lists an agent whatever the DN's spelling") {
  auto bob = agent_named("uid=bob,ou=people,dc=example,dc=com");
  std::vector<partner_record> partners = {
      partner_listing("spaced", {"UID=Bob , OU=People , DC=example,DC=com"}),
      partner_listing("escaped", {"uid=\\62ob,ou=people,dc=example,dc=com"}),
      partner_listing("other", {"uid=bobby,ou=people,dc=example,dc=com"}),
      partner_listing("garbage", {"not a dn", ""}),
  };
  CHECK(partner_ids_of(bob, partners) == std::vector<std::string>{"escaped", "spaced"});
  CHECK(customer_ids_of(bob, partners) == std::vector<std::string>{"C-escaped", "C-spaced"});
}

TEST_CASE("an invalid agent DN matches no partner") {
  std::vector<partner_record> partners = {partner_listing("p", {"garbage", "cn=x,dc=y"})};
  CHECK(partner_ids_of(agent_named("garbage"), partners).empty());
  CHECK(partner_ids_of(agent_named(""), partners).empty());
}

TEST_CASE("case-exact naming values stay distinct") {
  std::vector<partner_record> partners = {
      partner_listing("p", {"scopegateAgentId=BOB,ou=people,dc=example,dc=com"})};
  CHECK(partner_ids_of(agent_named("scopegateAgentId=bob,ou=people,dc=example,dc=com"), partners)
            .empty());
}

TEST_CASE("preview: unlinking removes the member however it is spelled") {
  auto bob = agent_named("uid=bob,ou=people,dc=example,dc=com");
  std::vector<partner_record> partners = {
      partner_listing("p", {"UID=BOB, OU=People, DC=Example, DC=Com"})};
  proposed_change unlink;
  unlink.partner_id = "p";
  unlink.agent_login = "bob";
  unlink.linked = false;
  auto effects = preview(partners, {bob}, {unlink});
  REQUIRE(effects.size() == 1);
  CHECK(effects.front().loses == std::vector<std::string>{"C-p"});
  CHECK(effects.front().gains.empty());
}
