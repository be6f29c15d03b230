#include "gateway/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include "gateway/http/problem.hpp"
#include "gateway/http/request_target.hpp"

namespace scopegate::gateway {

dispatcher::dispatcher(route_table routes, agent_gate& agents, admin_sessions& sessions,
                       metrics& counters, const config::config& cfg)
    : routes_(std::move(routes)),
      agents_(agents),
      sessions_(sessions),
      metrics_(counters),
      cfg_(cfg),
      client_address_(cfg.listen.trusted_proxies) {}

net::awaitable<response> dispatcher::handle(request& req, const connection_info& conn) {
  auto start = std::chrono::steady_clock::now();
  request_context ctx(req, conn);
  ctx.client = client_address_(req, conn);
  response res;
  try {
    res = co_await dispatch(ctx);
  } catch (const std::exception& e) {
    spdlog::error("request failed: {}", e.what());
    ctx.decision = "error";
    res = problem(http::status::internal_server_error, "internal", "internal error");
    add_security_headers(res, surface::api);
  }
  if (ctx.decision == "allow" && res.result_int() >= 400)
    ctx.decision = res.result_int() >= 500 ? "error" : "deny";
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  metrics_.record(ctx.label, res.result_int(), us);
  if (cfg_.log.access_log && ctx.label != route_label::healthz &&
      ctx.label != route_label::metrics && ctx.label != route_label::readyz)
    spdlog::info(
        "access from={} agent={} via={} method={} route={} status={} decision={} items={} us={}",
        ctx.client, ctx.agent, ctx.via.empty() ? "-" : ctx.via, std::string(req.method_string()),
        to_string(ctx.label), res.result_int(), ctx.decision, ctx.items, us.count());
  co_return res;
}

std::optional<response> dispatcher::admin_api_refusal(const std::vector<std::string>& path,
                                                      const request_context& ctx) {
  if (path.size() < 2 || path[0] != "admin" || path[1] != "api") return std::nullopt;
  auto gate = require_admin(sessions_, ctx.req, ctx.conn);
  if (auto* no = std::get_if<response>(&gate)) return std::move(*no);
  return std::nullopt;
}

net::awaitable<response> dispatcher::dispatch(request_context& ctx) {
  auto target = parse_request_target(ctx.req.target());
  if (!target) {
    auto res = ctx.deny(problem(http::status::bad_request, "bad-path", target.error().detail));
    add_security_headers(res, surface::api);
    co_return res;
  }
  ctx.url = target->url;
  auto match = routes_.match(ctx.req.method(), target->segments);
  if (!match.found) {
    response res;
    auto refused = admin_api_refusal(target->segments, ctx);
    if (refused) {
      // Outsiders learn nothing about which admin resources exist.
      res = ctx.deny(std::move(*refused));
    } else if (match.allow.empty()) {
      res = ctx.deny(problem(http::status::not_found, "not-found", "no such resource"));
    } else {
      res = ctx.deny(problem(http::status::method_not_allowed, "method-not-allowed",
                             "this resource supports " + match.allow));
      res.set(http::field::allow, match.allow);
    }
    add_security_headers(res, match.where);
    co_return res;
  }
  const route& r = *match.found;
  ctx.label = r.label;
  ctx.path = std::move(match.captures);
  std::optional<response> refused;
  switch (r.auth) {
    case auth_kind::none:
      break;
    case auth_kind::agent:
    case auth_kind::agent_customers: {
      auto gate = co_await agents_.admit(ctx, r.auth == auth_kind::agent_customers);
      refused = std::move(gate);
      break;
    }
    case auth_kind::admin: {
      // The dashboard session is the only way in; agent credentials never open it.
      ctx.via = "session";
      auto gate = require_admin(sessions_, ctx.req, ctx.conn);
      if (auto* no = std::get_if<response>(&gate)) {
        refused = ctx.deny(std::move(*no));
      } else {
        ctx.admin = std::move(std::get<admin_principal>(gate));
        ctx.agent = ctx.admin->login;
      }
      break;
    }
  }
  response res;
  if (refused)
    res = std::move(*refused);
  else
    res = co_await r.handle(ctx);
  add_security_headers(res, r.where);
  co_return res;
}

}  // namespace scopegate::gateway
