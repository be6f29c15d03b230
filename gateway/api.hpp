// The HTTP surface: routing on the canonical path, authentication, scope resolution and the
// JSON handlers of /api/v1, plus /healthz, /readyz and /metrics. One access-log line per
// request.
#pragma once

#include <memory>

#include "gateway/authenticator.hpp"
#include "gateway/http_server.hpp"
#include "gateway/metrics.hpp"
#include "mapping/customer_source.hpp"
#include "mapping/directory_index.hpp"
#include "mapping/memory_customer_source.hpp"
#include "mapping/scope_resolver.hpp"

namespace scopegate::gateway {

struct api_parts {
  const config::config& cfg;
  ldap::client& ldap;
  mapping::directory& directory;
  mapping::scope_resolver& scopes;
  mapping::customer_source& customers;
  authenticator& auth;
  gateway::metrics& metrics;
  // For /metrics: which backend answered, and the index state (null without an index).
  const mapping::routing_customer_source* routing;
  const mapping::directory_index* index;
};

class api {
 public:
  explicit api(api_parts parts);
  [[nodiscard]] net::awaitable<response> handle(request& req, const connection_info& conn);

 private:
  struct context;
  net::awaitable<response> dispatch(request& req, const connection_info& conn, context& ctx);
  net::awaitable<response> customers_search(context& ctx);
  net::awaitable<response> customers_get(context& ctx, std::string login);
  net::awaitable<response> customer_ids(context& ctx);
  net::awaitable<response> me(context& ctx);
  // Authenticates and resolves scope; on failure returns the response to send.
  net::awaitable<std::optional<response>> admit(request& req, const connection_info& conn,
                                                context& ctx, bool need_customer_access);
  std::string render_metrics() const;

  api_parts p_;
};

}  // namespace scopegate::gateway
