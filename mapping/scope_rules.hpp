// The scoping rules of DESIGN.md section 1 as one pure function: facts about an agent in,
// its access_scope out. scope_resolver gathers the facts (from LDAP or the directory index)
// and calls decide_scope; tests call it without either.
//
//   scope_facts f;
//   f.any_partner_exists = true;
//   f.partner_ids = {"acme"};
//   f.partners = {partner{.dn = "", .id = "acme", .name = "", .customer_ids = {"C1"}}};
//   auto scope = decide_scope(std::move(f));   // kind some, customer_ids {"C1"}
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mapping/access_scope.hpp"
#include "mapping/directory.hpp"

namespace scopegate::mapping {

struct scope_facts {
  std::string agent_dn;
  // The first configured bypass group (scope.bypass_groups order) the agent is a member of.
  // When set, no other fact is needed (the resolver stops gathering there).
  std::optional<std::string> bypass_group;
  // The groups of interest (access modes, masking, creator scope) the agent belongs to.
  std::vector<std::string> member_of;
  bool creator_only = false;          // member of a scope.creator_only_groups group
  bool fieldworkers_see_all = false;  // "fieldworkers may view the entire customer database"
  bool any_partner_exists = false;    // at least one partner entry exists in the directory
  // The agent's partner IDs: its own attribute and the partners listing it as a member.
  // Any order; duplicates allowed.
  std::vector<std::string> partner_ids;
  // The existing partner entries named by partner_ids (as the directory matched them),
  // with their customer IDs. IDs naming no entry simply have none here.
  std::vector<partner> partners;
  config::unassigned_policy unassigned_agents = config::unassigned_policy::deny;
  std::chrono::steady_clock::time_point resolved_at{};
};

// The rules, in order:
// 1. bypass group member -> all (rule bypass_group); owners are never creator-restricted.
// 2. creator-only member and the fieldworkers switch off -> creator_dn = agent_dn, carried
//    by every outcome below (intersected with it).
// 3. no partner entry exists at all -> all (no_partners_defined).
// 4. no partner IDs -> all (unassigned_see_all) or none + denied (unassigned_denied), per
//    scope.unassigned_agents.
// 5. otherwise partner_mapping: the union of the customer IDs of the existing partners;
//    kind some, or none when that union is empty (partners without IDs, or partner IDs that
//    all name no entry: sees nothing, is not "unassigned").
// Output vectors are sorted and unique.
[[nodiscard]] access_scope decide_scope(scope_facts facts);

}  // namespace scopegate::mapping
