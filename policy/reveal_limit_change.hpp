// Admin changes of an agent's reveal-limit override as history records, so they are listed
// and revertible like every other dashboard change (mapping/revert_plan.hpp).
//
//   auto rows = co_await ledger.limits_of(agent);
//   auto before = policy::reveal_limit_state_of(*rows, agent, today_only, ledger.today());
//   ... ledger.set_limit(agent, n, today_only, admin) ...
//   auto after = before;  after.limit = n;  after.day = today_only ? ledger.today() : nullopt
//   history.record(mapping::reveal_limit_change(before, after));
#pragma once

#include <string>
#include <vector>

#include "mapping/change_record.hpp"
#include "policy/reveal_ledger.hpp"

namespace scopegate::policy {

// The agent's override of one duration from limits_of's rows (which leave out today-only
// overrides of past days); limit nullopt when there is none. A today-only override counts
// only when it is for `today`.
[[nodiscard]] mapping::reveal_limit_state reveal_limit_state_of(
    const std::vector<override_row>& rows, const std::string& agent, bool today_only,
    const std::string& today);

}  // namespace scopegate::policy
