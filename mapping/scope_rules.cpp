#include "mapping/scope_rules.hpp"

#include <algorithm>

namespace scopegate::mapping {
namespace {

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

access_scope decide_scope(scope_facts facts) {
  access_scope scope;
  scope.resolved_at = facts.resolved_at;
  scope.member_of = std::move(facts.member_of);
  sort_unique(scope.member_of);
  if (facts.bypass_group) {
    scope.kind = scope_kind::all;
    scope.rule = scope_rule::bypass_group;
    scope.bypass_group = std::move(*facts.bypass_group);
    return scope;
  }
  if (facts.creator_only && !facts.fieldworkers_see_all) scope.creator_dn = facts.agent_dn;
  if (!facts.any_partner_exists) {
    scope.kind = scope_kind::all;
    scope.rule = scope_rule::no_partners_defined;
    return scope;
  }
  scope.partner_ids = std::move(facts.partner_ids);
  sort_unique(scope.partner_ids);
  if (scope.partner_ids.empty()) {
    if (facts.unassigned_agents == config::unassigned_policy::all) {
      scope.kind = scope_kind::all;
      scope.rule = scope_rule::unassigned_see_all;
    } else {
      scope.kind = scope_kind::none;
      scope.rule = scope_rule::unassigned_denied;
    }
    return scope;
  }
  // Union of the customer IDs of the partners that exist. IDs naming no partner add none.
  scope.rule = scope_rule::partner_mapping;
  for (auto& p : facts.partners) {
    scope.known_partner_ids.push_back(std::move(p.id));
    for (auto& id : p.customer_ids)
      scope.customer_ids.push_back(std::move(id));
  }
  sort_unique(scope.known_partner_ids);
  sort_unique(scope.customer_ids);
  scope.kind = scope.customer_ids.empty() ? scope_kind::none : scope_kind::some;
  return scope;
}

}  // namespace scopegate::mapping
