// What a proposed mapping change would do, computed without touching the directory: for
// every agent whose customer IDs would change, the IDs gained and lost. Pure logic over
// snapshots read by mapping_store, so it is unit-testable.
//
//   auto effects = mapping::preview(partners, agents, changes);
//   for (auto& e : effects) std::cout << e.login << " +" << e.gains.size();
#pragma once

#include <string>
#include <vector>

#include "mapping/mapping_store.hpp"

namespace scopegate::mapping {

// One proposed change: customer IDs added to / removed from a partner, the partner deleted
// (or created, when `create` is set), or an agent linked to / unlinked from a partner.
struct proposed_change {
  std::string partner_id;
  std::vector<std::string> add;
  std::vector<std::string> remove;
  bool delete_partner = false;
  bool create_partner = false;
  std::string agent_login;  // non-empty: a link change
  bool linked = true;
};

struct agent_effect {
  std::string login;
  std::string name;
  std::vector<std::string> gains;  // sorted
  std::vector<std::string> loses;  // sorted
};

// The partner IDs an agent belongs to: its own attribute plus partner entries listing its DN.
[[nodiscard]] std::vector<std::string> partner_ids_of(const agent_record& agent,
                                                      const std::vector<partner_record>& partners);

// The customer IDs the agent's partners grant (union, sorted).
[[nodiscard]] std::vector<std::string> customer_ids_of(const agent_record& agent,
                                                       const std::vector<partner_record>& partners);

// Agents whose customer IDs differ after `changes`, sorted by login. Agents outside partner
// scoping (bypass groups, "no partners exist at all") are not modelled here.
[[nodiscard]] std::vector<agent_effect> preview(std::vector<partner_record> partners,
                                                std::vector<agent_record> agents,
                                                const std::vector<proposed_change>& changes);

}  // namespace scopegate::mapping
