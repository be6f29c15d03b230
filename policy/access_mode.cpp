#include "policy/access_mode.hpp"

#include <algorithm>
#include <cctype>

namespace scopegate::policy {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

access_decision decide_access_mode(const config::config& cfg, const mapping::agent& agent,
                                   const mapping::access_scope& scope) {
  return decide_access_mode(cfg, agent, scope, cfg.access.group_modes);
}

access_defaults::access_defaults(std::vector<config::group_mode> initial)
    : modes_(std::make_shared<const std::vector<config::group_mode>>(std::move(initial))) {}

std::shared_ptr<const std::vector<config::group_mode>> access_defaults::group_modes() const {
  std::lock_guard lock(mutex_);
  return modes_;
}

void access_defaults::set_group_modes(std::vector<config::group_mode> modes) {
  auto next = std::make_shared<const std::vector<config::group_mode>>(std::move(modes));
  std::lock_guard lock(mutex_);
  modes_ = std::move(next);
}

access_decision decide_access_mode(const config::config& cfg, const mapping::agent& agent,
                                   const mapping::access_scope& scope,
                                   const std::vector<config::group_mode>& groups) {
  if (scope.rule == mapping::scope_rule::bypass_group)
    return {access_mode::full, "owner (bypass group " + scope.bypass_group + ")"};
  if (lower(agent.entry.first(cfg.agents.contact_visibility_attribute)) == "blocked")
    return {access_mode::view_only, "contact information blocked for this agent"};
  auto own = agent.entry.first(cfg.agents.access_mode_attribute);
  if (!own.empty()) {
    if (auto mode = config::parse_access_mode(lower(own)))
      return {*mode, "agent attribute " + cfg.agents.access_mode_attribute};
    return {access_mode::hidden,
            "agent attribute " + cfg.agents.access_mode_attribute + " names no access mode"};
  }
  for (const auto& g : groups)
    if (scope.is_member_of(g.group_dn)) return {g.mode, "group " + g.group_dn};
  return {cfg.access.default_mode, "default (access.default_mode)"};
}

}  // namespace scopegate::policy
