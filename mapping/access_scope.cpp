#include "mapping/access_scope.hpp"

#include "mapping/text_match.hpp"

namespace scopegate::mapping {

bool access_scope::allows_creator(const std::vector<std::string>& creator_dns) const {
  if (!creator_dn) return true;
  const auto mine = prepare(*creator_dn, match_rule::dn);
  return std::any_of(creator_dns.begin(), creator_dns.end(),
                     [&](const std::string& dn) { return prepare(dn, match_rule::dn) == mine; });
}

std::string_view to_string(scope_kind kind) {
  switch (kind) {
    case scope_kind::all:
      return "all";
    case scope_kind::some:
      return "some";
    case scope_kind::none:
      return "none";
  }
  return "none";
}

std::string_view to_string(scope_rule rule) {
  switch (rule) {
    case scope_rule::bypass_group:
      return "bypass_group";
    case scope_rule::no_partners_defined:
      return "no_partners_defined";
    case scope_rule::partner_mapping:
      return "partner_mapping";
    case scope_rule::unassigned_see_all:
      return "unassigned_see_all";
    case scope_rule::unassigned_denied:
      return "unassigned_denied";
  }
  return "unassigned_denied";
}

std::string explain(const access_scope& scope) {
  std::string text = explain_rule(scope);
  if (scope.creator_dn) text += "; limited to customers this agent created (creator-only group)";
  return text;
}

std::string explain_rule(const access_scope& scope) {
  switch (scope.rule) {
    case scope_rule::bypass_group:
      return "member of bypass group " + scope.bypass_group + ": sees every customer";
    case scope_rule::no_partners_defined:
      return "no partner entries exist in the directory: every agent sees every customer";
    case scope_rule::unassigned_see_all:
      return "agent has no partner and scope.unassigned_agents is 'all': sees every customer";
    case scope_rule::unassigned_denied:
      return "agent has no partner and scope.unassigned_agents is 'deny': access denied";
    case scope_rule::partner_mapping:
      if (scope.known_partner_ids.empty())
        return "none of the agent's partner IDs names an existing partner: sees no customer";
      if (scope.customer_ids.empty())
        return "the agent's partners have no customer IDs assigned: sees no customer";
      return "sees customers whose customer ID is assigned to one of the agent's " +
             std::to_string(scope.known_partner_ids.size()) + " partner(s)";
  }
  return {};
}

}  // namespace scopegate::mapping
