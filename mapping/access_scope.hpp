// The customers one agent may see, as resolved from the directory: an immutable snapshot
// shared by every request of that agent until it expires or a mapping change invalidates it.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scopegate::mapping {

enum class scope_kind { all, some, none };

// Which rule of the scoping policy decided (DESIGN.md section 1). Reported by /api/v1/me.
enum class scope_rule {
  bypass_group,         // member of a configured bypass group: sees all
  no_partners_defined,  // the directory has no partner entries at all: everyone sees all
  partner_mapping,      // union of the customer IDs of the agent's partners (may be empty)
  unassigned_see_all,   // no partner, scope.unassigned_agents = all
  unassigned_denied,    // no partner, scope.unassigned_agents = deny
};

struct access_scope {
  scope_kind kind = scope_kind::none;
  scope_rule rule = scope_rule::unassigned_denied;
  std::vector<std::string> partner_ids;        // sorted, unique: the agent's partner IDs
  std::vector<std::string> known_partner_ids;  // those naming an existing partner entry
  std::vector<std::string> customer_ids;       // sorted, unique; meaningful when kind == some
  std::string bypass_group;                    // the group that granted bypass, if any
  // Creator-only scope: when set, only customers created by (creatorsName) or owned by
  // (customers.owner_attribute) this DN, within the partner scope above.
  std::optional<std::string> creator_dn;
  // Which of the configured groups of interest (access modes, masking, creator scope) the
  // agent belongs to, sorted. Resolved with the scope and cached with it.
  std::vector<std::string> member_of;
  std::chrono::steady_clock::time_point resolved_at{};

  // The agent is refused customer data outright (403), as opposed to seeing nothing.
  [[nodiscard]] bool denied() const { return rule == scope_rule::unassigned_denied; }

  [[nodiscard]] bool is_member_of(std::string_view group_dn) const {
    return std::binary_search(member_of.begin(), member_of.end(), group_dn);
  }

  // Is `customer_id` one this scope grants? Exact, case-sensitive match. Use it for an ID
  // being written or queried; to decide whether a customer is visible use allows_any.
  [[nodiscard]] bool allows(std::string_view customer_id) const {
    switch (kind) {
      case scope_kind::all:
        return true;
      case scope_kind::none:
        return false;
      case scope_kind::some:
        return std::binary_search(customer_ids.begin(), customer_ids.end(), customer_id);
    }
    return false;
  }

  // May the agent see a customer carrying these customer IDs (every value of the customer's
  // customer-ID attribute, as OTRS CustomerIDs)? Visible when ANY of them is granted; a
  // customer with NO customer ID is visible only to a scope of kind all (bypass, no
  // partners defined, unassigned agents see all). The creator restriction is separate:
  // allows_creator.
  [[nodiscard]] bool allows_any(const std::vector<std::string>& ids) const {
    switch (kind) {
      case scope_kind::all:
        return true;
      case scope_kind::none:
        return false;
      case scope_kind::some:
        return std::any_of(ids.begin(), ids.end(),
                           [this](const std::string& id) { return allows(id); });
    }
    return false;
  }

  // The creator restriction: true when the scope has none, or when one of `creator_dns`
  // (the customer's creatorsName and customers.owner_attribute values) names creator_dn
  // (compared as DNs: case and spaces around separators ignored, as mapping/text_match).
  [[nodiscard]] bool allows_creator(const std::vector<std::string>& creator_dns) const;

  // allows_any(ids) && allows_creator(creator_dns): the whole visibility rule of a customer.
  [[nodiscard]] bool admits(const std::vector<std::string>& ids,
                            const std::vector<std::string>& creator_dns) const {
    return allows_any(ids) && allows_creator(creator_dns);
  }
};

[[nodiscard]] std::string_view to_string(scope_kind kind);
[[nodiscard]] std::string_view to_string(scope_rule rule);
// A sentence for humans: why this scope.
[[nodiscard]] std::string explain(const access_scope& scope);
// The sentence for the deciding rule alone.
[[nodiscard]] std::string explain_rule(const access_scope& scope);

}  // namespace scopegate::mapping
