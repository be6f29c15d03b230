// decide_section_access / decide_record_access / explain_record_access: each rule, each
// action, and the negative cases that must never leak (DESIGN.md section 1).
#include <doctest/doctest.h>

#include "policy/record_access.hpp"

using namespace scopegate;
using namespace scopegate::policy;
using config::access_mode;
using mapping::scope_kind;
using mapping::scope_rule;

namespace {

const std::string k_agent_dn = "uid=a1,ou=people,dc=example,dc=com";
const std::string k_other_dn = "uid=a2,ou=people,dc=example,dc=com";

mapping::scope_ptr partner_scope(std::vector<std::string> ids) {
  auto s = std::make_shared<mapping::access_scope>();
  s->kind = ids.empty() ? scope_kind::none : scope_kind::some;
  s->rule = scope_rule::partner_mapping;
  s->partner_ids = {"acme", "ghost"};
  s->known_partner_ids = {"acme"};
  s->customer_ids = std::move(ids);
  return s;
}

mapping::scope_ptr scope_of(scope_kind kind, scope_rule rule) {
  auto s = std::make_shared<mapping::access_scope>();
  s->kind = kind;
  s->rule = rule;
  if (rule == scope_rule::bypass_group) s->bypass_group = "cn=owners";
  return s;
}

agent_facts agent(mapping::scope_ptr scope, access_mode mode = access_mode::full,
                  contact_view view = contact_view::masked) {
  return agent_facts{
      .scope = std::move(scope), .access = {mode, "test"}, .contact = {view, "test"}};
}

customer_facts customer(std::vector<std::string> ids, std::vector<std::string> creators = {}) {
  return {customer_presence::found, std::move(ids), std::move(creators)};
}

constexpr record_action k_actions[] = {record_action::view,    record_action::edit,
                                       record_action::delete_, record_action::reveal,
                                       record_action::export_, record_action::import};

}  // namespace

TEST_CASE("an unresolved scope is an error for every action, never allow") {
  for (auto a : k_actions) {
    auto v = decide_record_access(agent(nullptr), customer({"C1"}), a);
    CHECK(v.outcome == verdict::error);
    CHECK(decide_section_access(agent(nullptr), a).outcome == verdict::error);
  }
}

TEST_CASE("unassigned agents: 403 unassigned before anything else, even for hidden agents") {
  auto s = scope_of(scope_kind::none, scope_rule::unassigned_denied);
  for (auto a : k_actions) {
    auto v = decide_record_access(agent(s, access_mode::hidden, contact_view::blocked),
                                  customer_facts{.presence = customer_presence::unknown}, a);
    CHECK(v.outcome == verdict::forbidden);
    CHECK(v.reason == refusal::unassigned);
  }
}

TEST_CASE("hidden agents: 403 section_hidden for every action and customer, never allow") {
  for (auto s : {partner_scope({"C1"}), scope_of(scope_kind::all, scope_rule::no_partners_defined)})
    for (auto a : k_actions)
      for (const auto& c : {customer({"C1"}), customer({"C9"}), customer({}),
                            customer_facts{.presence = customer_presence::missing}}) {
        auto v = decide_record_access(agent(s, access_mode::hidden), c, a);
        CHECK(v.outcome == verdict::forbidden);
        CHECK(v.reason == refusal::section_hidden);
        CHECK(decide_section_access(agent(s, access_mode::hidden), a).reason ==
              refusal::section_hidden);
      }
}

TEST_CASE("access modes gate edit, delete, export and import; view is open in every mode") {
  struct row {
    access_mode mode;
    bool edit, exp, imp;
  };
  const row rows[] = {{access_mode::full, true, true, true},
                      {access_mode::edit, true, false, false},
                      {access_mode::edit_import, true, false, true},
                      {access_mode::edit_export, true, true, false},
                      {access_mode::view_only, false, false, false}};
  auto s = partner_scope({"C1"});
  for (const auto& r : rows) {
    INFO("mode " << config::to_string(r.mode));
    auto c = customer({"C1"});
    CHECK(decide_record_access(agent(s, r.mode), c, record_action::view).allowed());
    CHECK(decide_record_access(agent(s, r.mode), c, record_action::reveal).allowed());
    for (auto a : {record_action::edit, record_action::delete_}) {
      auto v = decide_record_access(agent(s, r.mode), c, a);
      CHECK(v.allowed() == r.edit);
      if (!r.edit) CHECK(v.reason == refusal::mode_forbids_edit);
    }
    auto e = decide_record_access(agent(s, r.mode), c, record_action::export_);
    CHECK(e.allowed() == r.exp);
    if (!r.exp) CHECK(e.reason == refusal::mode_forbids_export);
    auto i = decide_record_access(agent(s, r.mode), c, record_action::import);
    CHECK(i.allowed() == r.imp);
    if (!r.imp) CHECK(i.reason == refusal::mode_forbids_import);
  }
}

TEST_CASE("the mode gate comes before the lookup: forbidden even for missing customers") {
  auto s = partner_scope({"C1"});
  auto v = decide_record_access(agent(s, access_mode::view_only),
                                customer_facts{.presence = customer_presence::missing},
                                record_action::edit);
  CHECK(v.reason == refusal::mode_forbids_edit);
  // A failed lookup only matters once the gates passed.
  auto e = decide_record_access(agent(s, access_mode::full),
                                customer_facts{.presence = customer_presence::unknown},
                                record_action::edit);
  CHECK(e.outcome == verdict::error);
}

TEST_CASE("blocked contact details: no reveal, before the lookup; view stays allowed") {
  auto s = partner_scope({"C1"});
  auto blocked = agent(s, access_mode::view_only, contact_view::blocked);
  for (const auto& c : {customer({"C1"}), customer({"C9"}),
                        customer_facts{.presence = customer_presence::missing}}) {
    auto v = decide_record_access(blocked, c, record_action::reveal);
    CHECK(v.outcome == verdict::forbidden);
    CHECK(v.reason == refusal::contact_blocked);
  }
  CHECK(decide_record_access(blocked, customer({"C1"}), record_action::view).allowed());
  // Unmasked agents may reveal; nothing is counted (said in the reasons).
  auto open = decide_record_access(agent(s, access_mode::full, contact_view::unmasked),
                                   customer({"C1"}), record_action::reveal);
  CHECK(open.allowed());
  CHECK(open.reasons.back().find("not counted") != std::string::npos);
}

TEST_CASE("out of scope looks missing: not_found, never forbidden, for every action") {
  auto s = partner_scope({"C1", "C2"});
  for (auto a : k_actions) {
    INFO("action " << to_string(a));
    auto out = decide_record_access(agent(s), customer({"C3"}), a);
    CHECK(out.outcome == verdict::not_found);
    CHECK(out.reason == refusal::none);
    auto missing =
        decide_record_access(agent(s), customer_facts{.presence = customer_presence::missing}, a);
    CHECK(missing.outcome == verdict::not_found);
    CHECK(decide_record_access(agent(s), customer({"C2"}), a).allowed());
  }
}

TEST_CASE("several customer IDs: visible when any one is granted") {
  auto s = partner_scope({"C1"});
  CHECK(decide_record_access(agent(s), customer({"C9", "C1"}), record_action::view).allowed());
  CHECK(decide_record_access(agent(s), customer({"C1", "C9"}), record_action::view).allowed());
  CHECK(decide_record_access(agent(s), customer({"C8", "C9"}), record_action::view).outcome ==
        verdict::not_found);
  auto e = explain_record_access(agent(s), customer({"C9", "C1", "C1"}), record_action::view,
                                 {{.dn = "",
                                   .id = "acme",
                                   .name = "Acme",
                                   .customer_ids = {"C1", "C5"},
                                   .member_dns = {},
                                   .version = ""},
                                  {.dn = "",
                                   .id = "other",  // not the agent's: grants nothing
                                   .name = "Other",
                                   .customer_ids = {"C9"},
                                   .member_dns = {},
                                   .version = ""}});
  CHECK(e.verdict.allowed());
  CHECK(e.customer_ids == std::vector<std::string>{"C1", "C9"});
  CHECK(e.matching_customer_ids == std::vector<std::string>{"C1"});
  REQUIRE(e.granting.size() == 1);
  CHECK(e.granting[0].partner_id == "acme");
  CHECK(e.granting[0].customer_id == "C1");
}

TEST_CASE("a customer without customer ID: only agents whose scope is everything see it") {
  auto none = customer({});
  CHECK(decide_record_access(agent(partner_scope({"C1"})), none, record_action::view).outcome ==
        verdict::not_found);
  CHECK(decide_record_access(agent(partner_scope({})), none, record_action::view).outcome ==
        verdict::not_found);
  for (auto rule :
       {scope_rule::bypass_group, scope_rule::no_partners_defined, scope_rule::unassigned_see_all})
    CHECK(decide_record_access(agent(scope_of(scope_kind::all, rule)), none, record_action::view)
              .allowed());
}

TEST_CASE("creator-only agents: customers they did not create or own look missing") {
  auto base = partner_scope({"C1"});
  auto s = std::make_shared<mapping::access_scope>(*base);
  s->creator_dn = k_agent_dn;
  const std::vector<std::string> by_service = {"cn=admin,dc=example,dc=com"};
  CHECK(decide_record_access(agent(s), customer({"C1"}, {by_service[0], k_agent_dn}),
                             record_action::view)
            .allowed());
  CHECK(decide_record_access(agent(s), customer({"C1"}, {"UID=A1,ou=people, dc=example,dc=com"}),
                             record_action::edit)
            .allowed());
  for (auto a : k_actions) {
    auto v = decide_record_access(agent(s), customer({"C1"}, {by_service[0], k_other_dn}), a);
    CHECK(v.outcome == verdict::not_found);
    CHECK(decide_record_access(agent(s), customer({"C1"}), a).outcome == verdict::not_found);
    // Created by the agent but outside its partner scope: still missing.
    CHECK(decide_record_access(agent(s), customer({"C2"}, {k_agent_dn}), a).outcome ==
          verdict::not_found);
  }
  auto e = explain_record_access(agent(s), customer({"C1"}, {k_other_dn}), record_action::view);
  REQUIRE(e.creator_note);
  CHECK(e.creator_note->find("is not") != std::string::npos);
  CHECK(e.verdict.outcome == verdict::not_found);
}

TEST_CASE("bypass agents may do everything with every customer") {
  auto s = scope_of(scope_kind::all, scope_rule::bypass_group);
  for (auto a : k_actions) {
    CHECK(decide_record_access(agent(s, access_mode::full, contact_view::unmasked), customer({}), a)
              .allowed());
    CHECK(decide_record_access(agent(s, access_mode::full, contact_view::unmasked),
                               customer({"anything"}), a)
              .allowed());
  }
}

TEST_CASE("explanations carry the verdict unchanged and say which rule decided") {
  auto s = partner_scope({"C1"});
  auto e = explain_record_access(agent(s, access_mode::view_only), customer({"C1"}),
                                 record_action::export_);
  CHECK(e.verdict.outcome == verdict::forbidden);
  CHECK(e.verdict.reason == refusal::mode_forbids_export);
  CHECK(e.rule == scope_rule::partner_mapping);
  CHECK(e.mode_note.find("view_only") != std::string::npos);
  CHECK_FALSE(e.verdict.reasons.empty());
  CHECK(to_string(e.verdict.reason) == "mode_forbids_export");
  CHECK(to_string(record_action::delete_) == "delete");
}
