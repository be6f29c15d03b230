#include "gateway/auth/agent_gate.hpp"

#include <spdlog/spdlog.h>

#include "gateway/agent_api/customer_fields.hpp"
#include "gateway/http/problem.hpp"
#include "policy/record_access.hpp"

namespace scopegate::gateway {

agent_gate::agent_gate(const config::config& cfg, authenticator& auth,
                       mapping::scope_resolver& scopes, const policy::access_defaults& defaults,
                       const policy::contact_policy& contacts)
    : cfg_(cfg), auth_(auth), scopes_(scopes), defaults_(defaults), contacts_(contacts) {}

net::awaitable<std::optional<response>> agent_gate::admit(request_context& ctx,
                                                          bool customer_section) {
  std::string address = ctx.client;
  auto auth = co_await auth_.authenticate(ctx.req, ctx.conn, std::move(address));
  ctx.via = auth.via;
  // A refused attempt logs no login: what a client typed is not a principal (and may be a
  // password typed into the wrong field).
  if (auth.status == auth_status::unavailable) co_return ctx.fail(directory_unavailable());
  if (auth.status == auth_status::throttled)
    co_return ctx.deny(too_many_login_attempts(auth.retry_after_seconds));
  if (auth.status != auth_status::ok) {
    auto res =
        problem(http::status::unauthorized, "unauthorized", "valid agent credentials are required");
    res.set(http::field::www_authenticate, "Basic realm=\"scopegate\", charset=\"UTF-8\"");
    co_return ctx.deny(std::move(res));
  }
  ctx.who = std::move(auth.agent);
  // Known by the login stored in its entry, never by the string the client typed.
  ctx.agent = ctx.who->login;
  auto scope = co_await scopes_.resolve(*ctx.who);
  if (!scope) {
    spdlog::warn("scope resolution failed for {}: {}", ctx.agent, scope.error().message);
    co_return ctx.fail(directory_unavailable());
  }
  ctx.scope = *scope;
  ctx.access = policy::decide_access_mode(cfg_, *ctx.who, *ctx.scope, *defaults_.group_modes());
  ctx.contact = contacts_.resolve(*ctx.who, *ctx.scope);
  if (!customer_section) co_return std::nullopt;
  // The same decision the record checks and /admin/api/v1/explain use.
  policy::agent_facts facts{ctx.scope, ctx.access, ctx.contact};
  auto open = policy::decide_section_access(facts, policy::record_action::view);
  if (open.allowed()) co_return std::nullopt;
  auto refused = agent_api::verdict_response(open, "reading customers", ctx.access);
  if (open.outcome == policy::verdict::error) co_return ctx.fail(std::move(refused));
  co_return ctx.deny(std::move(refused));
}

}  // namespace scopegate::gateway
