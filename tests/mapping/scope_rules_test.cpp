// decide_scope: every scoping rule of DESIGN.md section 1, without LDAP or the index.
#include <doctest/doctest.h>

#include "mapping/scope_rules.hpp"

using namespace scopegate;
using namespace scopegate::mapping;

namespace {

partner make_partner(std::string id, std::vector<std::string> customer_ids) {
  return partner{.dn = "scopegatePartnerId=" + id + ",ou=partners,dc=example,dc=com",
                 .id = std::move(id),
                 .name = "",
                 .customer_ids = std::move(customer_ids)};
}

scope_facts with_partners() {
  scope_facts f;
  f.agent_dn = "uid=a1,ou=people,dc=example,dc=com";
  f.any_partner_exists = true;
  return f;
}

const std::vector<std::string> k_no_ids;

}  // namespace

TEST_CASE("no partner entries at all: every agent sees every customer") {
  scope_facts f;
  f.agent_dn = "uid=a1,ou=people,dc=example,dc=com";
  f.partner_ids = {"acme"};  // a dangling partner ID changes nothing
  auto s = decide_scope(f);
  CHECK(s.kind == scope_kind::all);
  CHECK(s.rule == scope_rule::no_partners_defined);
  CHECK_FALSE(s.denied());
  CHECK(s.allows_any(k_no_ids));  // even customers without a customer ID
}

TEST_CASE("a partner with no customer IDs sees nothing, and is not unassigned") {
  auto f = with_partners();
  f.partner_ids = {"empty"};
  f.partners = {make_partner("empty", {})};
  auto s = decide_scope(f);
  CHECK(s.kind == scope_kind::none);
  CHECK(s.rule == scope_rule::partner_mapping);
  CHECK_FALSE(s.denied());
  CHECK(s.known_partner_ids == std::vector<std::string>{"empty"});
  CHECK_FALSE(s.allows_any({"C1"}));
  CHECK_FALSE(s.allows_any(k_no_ids));
}

TEST_CASE("several partners: the union of their customer IDs, sorted and unique") {
  auto f = with_partners();
  f.partner_ids = {"b", "a", "b"};
  f.partners = {make_partner("b", {"C3", "C1"}), make_partner("a", {"C1", "C2"}),
                make_partner("b", {"C3", "C1"})};  // found by ID and by membership
  auto s = decide_scope(f);
  CHECK(s.kind == scope_kind::some);
  CHECK(s.rule == scope_rule::partner_mapping);
  CHECK(s.partner_ids == std::vector<std::string>{"a", "b"});
  CHECK(s.known_partner_ids == std::vector<std::string>{"a", "b"});
  CHECK(s.customer_ids == std::vector<std::string>{"C1", "C2", "C3"});
  CHECK(s.allows_any({"C9", "C2"}));  // any granted ID suffices
  CHECK_FALSE(s.allows_any({"C9"}));
  CHECK_FALSE(s.allows_any(k_no_ids));  // no ID: never visible to a partner scope
  CHECK_FALSE(s.allows("c1"));          // exact, case-sensitive
}

TEST_CASE("partner IDs naming no partner entry contribute nothing") {
  auto f = with_partners();
  f.partner_ids = {"acme", "ghost"};
  f.partners = {make_partner("acme", {"C1"})};
  auto s = decide_scope(f);
  CHECK(s.kind == scope_kind::some);
  CHECK(s.partner_ids == std::vector<std::string>{"acme", "ghost"});
  CHECK(s.known_partner_ids == std::vector<std::string>{"acme"});
  CHECK(s.customer_ids == std::vector<std::string>{"C1"});
}

TEST_CASE("all partner IDs unknown: sees nothing, is not treated as unassigned") {
  for (auto policy : {config::unassigned_policy::deny, config::unassigned_policy::all}) {
    auto f = with_partners();
    f.unassigned_agents = policy;
    f.partner_ids = {"ghost1", "ghost2"};
    auto s = decide_scope(f);
    CHECK(s.kind == scope_kind::none);
    CHECK(s.rule == scope_rule::partner_mapping);
    CHECK_FALSE(s.denied());
    CHECK(s.known_partner_ids.empty());
    CHECK(explain_rule(s).find("names an existing partner") != std::string::npos);
  }
}

TEST_CASE("no partner while partners exist: denied, or all per scope.unassigned_agents") {
  auto f = with_partners();
  auto denied = decide_scope(f);
  CHECK(denied.kind == scope_kind::none);
  CHECK(denied.rule == scope_rule::unassigned_denied);
  CHECK(denied.denied());

  f.unassigned_agents = config::unassigned_policy::all;
  auto all = decide_scope(f);
  CHECK(all.kind == scope_kind::all);
  CHECK(all.rule == scope_rule::unassigned_see_all);
  CHECK_FALSE(all.denied());
  CHECK(all.allows_any(k_no_ids));
}

TEST_CASE("bypass group members see everything, whatever else is true") {
  auto f = with_partners();
  f.bypass_group = "cn=owners,ou=groups,dc=example,dc=com";
  f.partner_ids = {"empty"};
  f.partners = {make_partner("empty", {})};
  f.creator_only = true;  // owners are never creator-restricted
  f.member_of = {"cn=z", "cn=a", "cn=z"};
  auto s = decide_scope(f);
  CHECK(s.kind == scope_kind::all);
  CHECK(s.rule == scope_rule::bypass_group);
  CHECK(s.bypass_group == "cn=owners,ou=groups,dc=example,dc=com");
  CHECK_FALSE(s.creator_dn);
  CHECK(s.member_of == std::vector<std::string>{"cn=a", "cn=z"});
  CHECK(s.admits(k_no_ids, k_no_ids));
}

TEST_CASE("creator-only members: partner scope intersected with their own customers") {
  auto f = with_partners();
  f.creator_only = true;
  f.partner_ids = {"acme"};
  f.partners = {make_partner("acme", {"C1"})};
  auto s = decide_scope(f);
  REQUIRE(s.creator_dn);
  CHECK(*s.creator_dn == f.agent_dn);
  CHECK(s.kind == scope_kind::some);
  const std::vector<std::string> mine = {"UID=a1, ou=People,dc=example,dc=com"};  // as a DN
  const std::vector<std::string> theirs = {"uid=a2,ou=people,dc=example,dc=com"};
  CHECK(s.admits({"C1"}, mine));
  CHECK_FALSE(s.admits({"C1"}, theirs));  // in partner scope, not created by the agent
  CHECK_FALSE(s.admits({"C2"}, mine));    // created by the agent, outside partner scope
  CHECK_FALSE(s.admits({"C1"}, k_no_ids));

  // The restriction travels with every scope kind: no partners at all, unassigned-all.
  auto g = f;
  g.any_partner_exists = false;
  auto all = decide_scope(g);
  CHECK(all.kind == scope_kind::all);
  CHECK(all.creator_dn);
  CHECK(all.admits(k_no_ids, mine));
  CHECK_FALSE(all.admits(k_no_ids, theirs));

  // The global switch lifts it.
  f.fieldworkers_see_all = true;
  auto lifted = decide_scope(f);
  CHECK_FALSE(lifted.creator_dn);
  CHECK(lifted.admits({"C1"}, theirs));
}
