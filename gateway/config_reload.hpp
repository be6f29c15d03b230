// What a running gateway can take over from a new configuration (SIGHUP): the listener's
// certificate and key (re-read even when their paths did not change) and the log level.
// Everything else is wired into long-lived objects at start and needs a restart; a reload
// names those keys in the log and leaves them as they were.
//
//   auto plan = plan_reload(running, next);
//   for (const auto& key : plan.restart) spdlog::warn("{} needs a restart", key);
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace scopegate::gateway {

struct reload_plan {
  std::vector<std::string> applied;  // keys taken over at run time ("listen.tls", "log.level")
  std::vector<std::string> restart;  // keys or sections that differ and wait for a restart
};

// Pure: compares `running` (what serves now) with `next` (a valid configuration).
[[nodiscard]] reload_plan plan_reload(const config::config& running, const config::config& next);

// `running` with the keys of `plan.applied` taken from `next`: what serves after the reload.
[[nodiscard]] config::config after_reload(const config::config& running,
                                          const config::config& next);

// The warning to log at start when the dashboard's login and session cookie would cross
// the network in clear text: no listen.tls, no admin.secure_cookie (TLS in front), and a
// listen address that is not loopback. Empty: nothing to warn about.
[[nodiscard]] std::string plaintext_warning(const config::config& cfg);

}  // namespace scopegate::gateway
