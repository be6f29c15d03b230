// Access modes: what an agent may do with the customers in its scope (DESIGN.md section 1,
// after enKod). Pure functions over the agent entry and its resolved scope; no I/O.
//
//   auto d = policy::decide_access_mode(cfg, agent, *scope);
//   if (!policy::can_edit(d.mode)) return forbidden(d.source);
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mapping/access_scope.hpp"
#include "mapping/directory.hpp"

namespace scopegate::policy {

using config::access_mode;

struct access_decision {
  access_mode mode = access_mode::hidden;
  std::string source;  // why: "owner", "agent attribute", "group <dn>", "default", ...
};

// Owners (bypass groups) are always full; an agent whose contact visibility is `blocked` is
// view_only whatever else says; then the agent's own attribute; then the first matching
// group of access.group_modes; then access.default_mode. An attribute value that names no
// mode fails closed (hidden).
[[nodiscard]] access_decision decide_access_mode(const config::config& cfg,
                                                 const mapping::agent& agent,
                                                 const mapping::access_scope& scope);
// Same, with group defaults that may differ from the configuration's (set at run time).
[[nodiscard]] access_decision decide_access_mode(const config::config& cfg,
                                                 const mapping::agent& agent,
                                                 const mapping::access_scope& scope,
                                                 const std::vector<config::group_mode>& groups);

// The group defaults in force: access.group_modes until the dashboard replaces them.
// Readers get an immutable snapshot; thread-safe.
class access_defaults {
 public:
  explicit access_defaults(std::vector<config::group_mode> initial);
  [[nodiscard]] std::shared_ptr<const std::vector<config::group_mode>> group_modes() const;
  void set_group_modes(std::vector<config::group_mode> modes);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<config::group_mode>> modes_;
};

[[nodiscard]] inline bool can_view(access_mode m) {
  return m != access_mode::hidden;
}
[[nodiscard]] inline bool can_edit(access_mode m) {
  return m == access_mode::full || m == access_mode::edit || m == access_mode::edit_import ||
         m == access_mode::edit_export;
}
[[nodiscard]] inline bool can_import(access_mode m) {
  return m == access_mode::full || m == access_mode::edit_import;
}
[[nodiscard]] inline bool can_export(access_mode m) {
  return m == access_mode::full || m == access_mode::edit_export;
}

}  // namespace scopegate::policy
