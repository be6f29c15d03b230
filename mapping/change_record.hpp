// The recorded state of one dashboard change, as typed structs and as the JSON the change
// history stores (before/after of every entry), so a change can be shown, compared with
// the directory now and reverted (mapping/revert_plan.hpp).
//
//   e.before_json = mapping::to_json(mapping::partner_state_of(*before));
//   auto was = mapping::parse_partner_state(entry.before_json);   // nullopt: unreadable
//
// The JSON shapes are the ones the history has always stored, so old entries stay readable:
//   partner.*                 {"id","name","customer_ids":[..],"member_dns":[..],"version"}
//   agent.link / agent.unlink {"agent","partner_id","mode","linked"}
//   agent.mode                {"agent","attribute_value": string|null}
//   settings.fieldworkers     {"fieldworkers_see_all_customers": bool}
//   settings.group_modes      [{"group": DN, "mode": mode}, ...]
//   reveal_limit.set|clear    {"agent","duration":"today"|"permanent","limit": int|null,
//                              "day": "YYYY-MM-DD"|null}   (limit null: no override)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "mapping/mapping_store.hpp"

namespace scopegate::mapping {

// The action names of history entries.
namespace change_action {
inline constexpr std::string_view partner_create = "partner.create";
inline constexpr std::string_view partner_rename = "partner.rename";
inline constexpr std::string_view partner_delete = "partner.delete";
inline constexpr std::string_view partner_customer_ids = "partner.customer_ids";
inline constexpr std::string_view agent_link = "agent.link";
inline constexpr std::string_view agent_unlink = "agent.unlink";
inline constexpr std::string_view agent_mode = "agent.mode";
inline constexpr std::string_view settings_fieldworkers = "settings.fieldworkers";
inline constexpr std::string_view settings_group_modes = "settings.group_modes";
inline constexpr std::string_view reveal_limit_set = "reveal_limit.set";
inline constexpr std::string_view reveal_limit_clear = "reveal_limit.clear";
}  // namespace change_action

// One history entry to record (the store assigns id and time).
struct change_record {
  std::string action;
  std::string partner_id;  // empty when the change is not about one partner
  std::string summary;     // one line for humans
  std::string before_json;
  std::string after_json;
};

struct partner_state {
  std::string id;
  std::string name;
  std::vector<std::string> customer_ids;
  std::vector<std::string> member_dns;
  std::string version;  // entryCSN when recorded
  friend bool operator==(const partner_state&, const partner_state&) = default;
};
[[nodiscard]] partner_state partner_state_of(const partner_record& p);
[[nodiscard]] std::string to_json(const partner_state& s);
// nullopt when `json` is not an object (e.g. "null"). Missing members read as empty.
[[nodiscard]] std::optional<partner_state> parse_partner_state(std::string_view json);

struct link_state {
  std::string agent;
  std::string partner_id;
  std::string mode;  // "agent_attribute" | "partner_member" ("" in very old entries)
  bool linked = false;
  friend bool operator==(const link_state&, const link_state&) = default;
};
[[nodiscard]] std::string to_json(const link_state& s);
[[nodiscard]] std::optional<link_state> parse_link_state(std::string_view json);
// "agent_attribute" | "partner_member".
[[nodiscard]] std::string_view link_mode_name(link_mode m);

struct agent_mode_state {
  std::string agent;
  std::optional<std::string> attribute_value;  // nullopt: absent (the mode is inherited)
  friend bool operator==(const agent_mode_state&, const agent_mode_state&) = default;
};
[[nodiscard]] std::string to_json(const agent_mode_state& s);
[[nodiscard]] std::optional<agent_mode_state> parse_agent_mode_state(std::string_view json);

struct fieldworkers_state {
  bool see_all = false;
  friend bool operator==(const fieldworkers_state&, const fieldworkers_state&) = default;
};
[[nodiscard]] std::string to_json(const fieldworkers_state& s);
// A missing or non-boolean member reads as false (as the history always read it).
[[nodiscard]] std::optional<fieldworkers_state> parse_fieldworkers_state(std::string_view json);

[[nodiscard]] std::string group_modes_to_json(const std::vector<config::group_mode>& modes);
// The list, or nullopt with `error` set (safe to show): each item exactly {"group": DN,
// "mode": mode}, DN non-empty with '=' and at most 1024 bytes without NUL.
[[nodiscard]] std::optional<std::vector<config::group_mode>> parse_group_modes_json(
    std::string_view json, std::string& error);
[[nodiscard]] bool same_group_modes(const std::vector<config::group_mode>& a,
                                    const std::vector<config::group_mode>& b);

// An agent's reveal-limit override of one duration (today only, or permanent).
struct reveal_limit_state {
  std::string agent;
  bool today_only = false;
  std::optional<int> limit;        // nullopt: no override of this duration
  std::optional<std::string> day;  // today-only: the local day it is for
  friend bool operator==(const reveal_limit_state&, const reveal_limit_state&) = default;
};
[[nodiscard]] std::string to_json(const reveal_limit_state& s);
[[nodiscard]] std::optional<reveal_limit_state> parse_reveal_limit_state(std::string_view json);
// The history entry for an admin setting (`after.limit`) or clearing (nullopt) an override.
[[nodiscard]] change_record reveal_limit_change(const reveal_limit_state& before,
                                                const reveal_limit_state& after);

}  // namespace scopegate::mapping
