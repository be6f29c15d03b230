// /healthz (the process answers), /readyz (LDAP reachable) and /metrics (Prometheus text
// format: requests by route and status, latency, LDAP, scope cache and index state).
// /metrics answers only clients inside ops.metrics_networks (loopback by default).
#pragma once

#include "config/cidr.hpp"
#include "gateway/ops/metrics.hpp"
#include "gateway/request_context.hpp"
#include "ldap/client.hpp"
#include "mapping/directory_index.hpp"
#include "mapping/memory_customer_source.hpp"
#include "mapping/scope_resolver.hpp"

namespace scopegate::gateway::ops {

class ops_resource {
 public:
  // `routing` and `index` may be null (no in-memory index configured). `metrics_networks`
  // as validated by config (CIDR strings).
  ops_resource(const ldap::client& ldap, const mapping::scope_resolver& scopes,
               const mapping::routing_customer_source* routing,
               const mapping::directory_index* index, const metrics& counters,
               const std::vector<std::string>& metrics_networks);
  [[nodiscard]] net::awaitable<response> healthz(request_context& ctx);
  [[nodiscard]] net::awaitable<response> readyz(request_context& ctx);
  [[nodiscard]] net::awaitable<response> metrics_page(request_context& ctx);

 private:
  [[nodiscard]] std::string render() const;

  const ldap::client& ldap_;
  const mapping::scope_resolver& scopes_;
  const mapping::routing_customer_source* routing_;
  const mapping::directory_index* index_;
  const metrics& metrics_;
  std::vector<config::cidr> metrics_networks_;
};

}  // namespace scopegate::gateway::ops
