// The gateway's front door: every request is parsed into its canonical path, matched in
// the route table (404, 405 with Allow), authenticated as its route says, answered by the
// route's handler, given the security headers of its surface, counted in /metrics and
// written to the access log (one line: client, agent, route, status, decision, latency).
#pragma once

#include "gateway/auth/agent_gate.hpp"
#include "gateway/auth/sessions.hpp"
#include "gateway/http/client_address.hpp"
#include "gateway/routes.hpp"

namespace scopegate::gateway {

class dispatcher {
 public:
  dispatcher(route_table routes, agent_gate& agents, admin_sessions& sessions, metrics& counters,
             const config::config& cfg);
  // Never throws: a handler's exception is a 500 problem.
  [[nodiscard]] net::awaitable<response> handle(request& req, const connection_info& conn);

 private:
  net::awaitable<response> dispatch(request_context& ctx);
  // For a path under /admin/api: the refusal when the request has no valid dashboard
  // session (401/403); nullopt otherwise.
  [[nodiscard]] std::optional<response> admin_api_refusal(const std::vector<std::string>& path,
                                                          const request_context& ctx);

  route_table routes_;
  agent_gate& agents_;
  admin_sessions& sessions_;
  metrics& metrics_;
  const config::config& cfg_;
  client_address_resolver client_address_;
};

}  // namespace scopegate::gateway
