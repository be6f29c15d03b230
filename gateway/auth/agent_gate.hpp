// The authentication of every agent route: credentials (Basic bind or trusted helpdesk),
// then the agent's scope, access mode and contact view, all set on the request context.
// Whether the customer section is open at all is decided here, once, for every customer
// route (unassigned agents 403, hidden mode 403).
//
//   auto refused = co_await gate.admit(ctx, /*customer_section=*/true);
//   if (refused) co_return std::move(*refused);
#pragma once

#include <optional>

#include "gateway/auth/authenticator.hpp"
#include "gateway/request_context.hpp"

namespace scopegate::gateway {

class agent_gate {
 public:
  agent_gate(const config::config& cfg, authenticator& auth, mapping::scope_resolver& scopes,
             const policy::access_defaults& defaults, const policy::contact_policy& contacts);
  // nullopt: admitted (ctx.who, scope, access, contact set); otherwise the refusal to send.
  [[nodiscard]] net::awaitable<std::optional<response>> admit(request_context& ctx,
                                                              bool customer_section);

 private:
  const config::config& cfg_;
  authenticator& auth_;
  mapping::scope_resolver& scopes_;
  const policy::access_defaults& defaults_;
  const policy::contact_policy& contacts_;
};

}  // namespace scopegate::gateway
