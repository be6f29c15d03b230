// What reverting one recorded dashboard change does: a pure decision from the history
// entry and the state of the directory and settings now, so it is tested without HTTP,
// LDAP or SQLite and the HTTP handler only reads, applies and records.
//
//   auto reads = mapping::revert_reads_for(entry);          // what to read now
//   mapping::current_state now = ...;                       // read exactly that
//   auto plan = mapping::plan_revert(entry, now);
//   if (plan.refusal) return problem(status_of(plan.refusal->kind), plan.refusal->detail);
//   for (const auto& step : plan.steps) apply(step);         // one step for every kind today
//   history.record(plan.record);  history.mark_reverted(entry.id, new_id);
//
// A revert undoes a change only while the thing it changed still is as that change left
// it; otherwise it is refused as stale and nothing is written (revert the later changes
// first). Partner writes also carry the recorded version, so a change that slips in
// between reading and writing is refused by the directory itself (store_errc::conflict).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "mapping/change_record.hpp"
#include "mapping/mapping_store.hpp"

namespace scopegate::mapping {

// The parts of a history entry a revert looks at.
struct history_entry_view {
  std::int64_t id = 0;
  std::string action;
  std::string partner_id;
  std::string before_json;
  std::string after_json;
  std::int64_t reverted_by = 0;  // 0: not reverted
};

// What the state "now" must describe for `entry` (read nothing else).
enum class revert_subject {
  none,          // nothing to read (kind not revertible, or already reverted)
  partner,       // the partner `partner_id`
  agent_link,    // whether `agent` is linked to `partner_id` by the recorded link mode
  agent_mode,    // the access-mode attribute of `agent`
  fieldworkers,  // the fieldworkers switch
  group_modes,   // the access-mode group defaults
  reveal_limit,  // `agent`'s reveal-limit override of the recorded duration
};
struct revert_reads {
  revert_subject subject = revert_subject::none;
  std::string partner_id;
  std::string agent;
  bool today_only = false;  // reveal_limit: the today-only (else the permanent) override
  // agent_link: the recorded link mode, to compute current_state::agent_linked with
  // linked_now (nullopt: the entry names none; leave agent_linked unset).
  std::optional<link_mode> link;
};
[[nodiscard]] revert_reads revert_reads_for(const history_entry_view& entry);

struct configured_link_modes {
  bool agent_attribute = false;  // agents.partner_attribute is configured
  bool partner_member = false;   // partners.member_attribute is configured
};

// The state now; only the member named by revert_reads_for needs to be filled in.
struct current_state {
  std::optional<partner_state> partner;  // partner: nullopt when there is no such partner
  // agent_link: is the agent linked to the partner by the recorded mode now? nullopt: not
  // read (then the revert is not checked for staleness, as before this was typed).
  std::optional<bool> agent_linked;
  configured_link_modes link_modes;
  std::optional<agent_mode_state> agent_mode;  // agent_mode: nullopt when there is no such agent
  bool fieldworkers_see_all = false;
  // group_modes: the defaults in force; nullopt when they cannot be changed at run time.
  std::optional<std::vector<config::group_mode>> group_modes;
  // reveal_limit: the override of the recorded duration (limit nullopt: none), and the
  // reveal ledger's local day "YYYY-MM-DD".
  reveal_limit_state reveal_limit;
  std::string today;
};

// One write that undoes (part of) a change. Partner writes carry the version the change
// left, to be passed to the store as expected_version.
struct create_partner_step {
  std::string id, name;
  std::vector<std::string> customer_ids, member_dns;
};
struct delete_partner_step {
  std::string id, expected_version;
};
struct rename_partner_step {
  std::string id, name, expected_version;
};
struct change_customer_ids_step {
  std::string id;
  std::vector<std::string> add, remove;  // sorted
  std::string expected_version;
};
struct link_agent_step {
  std::string agent, partner_id;
  bool linked = false;
  link_mode mode = link_mode::agent_attribute;
};
struct set_agent_mode_step {
  std::string agent;
  std::optional<std::string> value;  // nullopt: remove the attribute (inherit)
  bool attribute_present = false;    // removing an absent attribute is nothing to do
};
struct set_fieldworkers_step {
  bool see_all = false;
};
struct set_group_modes_step {
  std::vector<config::group_mode> modes;
};
struct set_reveal_limit_step {
  std::string agent;
  int limit = 0;
  bool today_only = false;
};
struct clear_reveal_limit_step {
  std::string agent;
  bool today_only = false;
};
using revert_step = std::variant<create_partner_step, delete_partner_step, rename_partner_step,
                                 change_customer_ids_step, link_agent_step, set_agent_mode_step,
                                 set_fieldworkers_step, set_group_modes_step, set_reveal_limit_step,
                                 clear_reveal_limit_step>;

enum class revert_refusal_kind {
  already_reverted,  // 409: reverted before (reverted_by says by which entry)
  stale,             // 409: changed again since; detail says what differs
  gone,              // 404: the partner or agent the change was about no longer exists
  not_revertible,    // 409: this kind, or this entry, cannot be reverted
};
[[nodiscard]] std::string_view to_string(revert_refusal_kind k);

struct revert_refusal {
  revert_refusal_kind kind = revert_refusal_kind::not_revertible;
  std::string detail;  // for the admin; names only what the dashboard shows anyway
  std::int64_t reverted_by = 0;
};

struct revert_plan {
  std::optional<revert_refusal> refusal;  // set: change nothing
  std::vector<revert_step> steps;         // apply in order
  // The history entry recording the revert (the gateway adds actor and `reverts`).
  change_record record;
  // Set for partner create/rename/customer-ID steps: record.after_json is to be the
  // partner as the store returned it after the write (to_json(partner_state_of(result))).
  bool after_from_result = false;
};

// The revert of `entry` given `now`. Pure; never throws on malformed history JSON (such an
// entry is not_revertible).
[[nodiscard]] revert_plan plan_revert(const history_entry_view& entry, const current_state& now);

// "customer IDs of P: added a, b; removed c" (at most five IDs of each, then "and N more").
[[nodiscard]] std::string customer_ids_change_summary(const std::string& partner_id,
                                                      const std::vector<std::string>& added,
                                                      const std::vector<std::string>& removed);

// Is the agent linked to partner `partner_id` by `mode`? agent_attribute: the agent's
// partner IDs hold it (the partner entry need not exist); partner_member: the partner entry
// lists the agent's DN (compared without regard to ASCII case). A missing agent is linked
// to nothing.
[[nodiscard]] bool linked_now(link_mode mode, const std::string& partner_id,
                              const std::optional<agent_record>& agent,
                              const std::optional<partner_record>& partner);

}  // namespace scopegate::mapping
