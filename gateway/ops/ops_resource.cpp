#include "gateway/ops/ops_resource.hpp"

#include <boost/json/value.hpp>

#include "gateway/http/problem.hpp"

namespace scopegate::gateway::ops {

namespace json = boost::json;

ops_resource::ops_resource(const ldap::client& ldap, const mapping::scope_resolver& scopes,
                           const mapping::routing_customer_source* routing,
                           const mapping::directory_index* index, const metrics& counters,
                           const std::vector<std::string>& metrics_networks)
    : ldap_(ldap), scopes_(scopes), routing_(routing), index_(index), metrics_(counters) {
  for (const auto& n : metrics_networks)
    if (auto c = config::cidr::parse(n)) metrics_networks_.push_back(*c);
}

net::awaitable<response> ops_resource::healthz(request_context&) {
  co_return json_response(json::object{{"status", "ok"}});
}

net::awaitable<response> ops_resource::readyz(request_context&) {
  if (ldap_.ready()) co_return json_response(json::object{{"status", "ready"}});
  co_return directory_unavailable();
}

net::awaitable<response> ops_resource::metrics_page(request_context& ctx) {
  // ctx.client is the socket's address, or the forwarded one from a trusted proxy only.
  boost::system::error_code ec;
  auto client = net::ip::make_address(ctx.client, ec);
  if (ec || !config::any_contains(metrics_networks_, client))
    co_return ctx.deny(problem(http::status::forbidden, "metrics-forbidden",
                               "metrics are readable only from the networks in "
                               "ops.metrics_networks"));
  response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.set(http::field::cache_control, "no-store");
  res.body() = render();
  co_return res;
}

std::string ops_resource::render() const {
  const auto& l = ldap_.stats();
  const auto& c = scopes_.stats();
  std::string extra;
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    extra += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " +
             std::string(name) + " counter\n" + std::string(name) + " " + std::to_string(value) +
             "\n";
  };
  counter("scopegate_ldap_searches_total", "LDAP search operations sent.", l.searches.load());
  counter("scopegate_ldap_modifies_total", "LDAP write operations sent.", l.modifies.load());
  counter("scopegate_ldap_binds_total", "LDAP binds (service and agent).", l.binds.load());
  counter("scopegate_ldap_errors_total", "LDAP operations that failed.", l.errors.load());
  counter("scopegate_ldap_timeouts_total", "LDAP operations abandoned on timeout.",
          l.timeouts.load());
  counter("scopegate_ldap_reconnects_total", "LDAP connection attempts after a failure.",
          l.reconnects.load());
  counter("scopegate_scope_cache_hits_total", "Scope lookups answered from cache.", c.hits.load());
  counter("scopegate_scope_cache_misses_total", "Scope lookups that went to LDAP.",
          c.misses.load());
  counter("scopegate_scope_cache_shared_flights_total",
          "Scope misses that waited for a concurrent identical lookup.", c.shared_flights.load());
  if (routing_) {
    counter("scopegate_customer_queries_memory_total",
            "Customer queries answered from the in-memory directory index.",
            routing_->stats().memory.load());
    counter("scopegate_customer_queries_ldap_total",
            "Customer queries answered by LDAP filter pushdown.", routing_->stats().ldap.load());
  }
  if (index_) {
    const auto& s = index_->stats();
    counter("scopegate_index_customer_rebuilds_total",
            "Customer snapshots of the directory index built.", s.customer_rebuilds.load());
    counter("scopegate_index_mapping_rebuilds_total",
            "Partner/agent snapshots of the directory index built.", s.mapping_rebuilds.load());
    auto snap = index_->customers();
    extra +=
        "# HELP scopegate_index_usable Whether customer queries may be answered from the "
        "directory index.\n# TYPE scopegate_index_usable gauge\nscopegate_index_usable " +
        std::string(index_->usable() ? "1" : "0") +
        "\n# HELP scopegate_index_in_sync Whether every sync watch of the index is current.\n"
        "# TYPE scopegate_index_in_sync gauge\nscopegate_index_in_sync " +
        std::string(index_->in_sync() ? "1" : "0") +
        "\n# HELP scopegate_index_customer_rebuild_seconds Duration of the last customer "
        "snapshot rebuild.\n# TYPE scopegate_index_customer_rebuild_seconds gauge\n"
        "scopegate_index_customer_rebuild_seconds " +
        std::to_string(static_cast<double>(s.last_customer_rebuild_us.load()) / 1e6) +
        "\n# HELP scopegate_index_customers Customers in the directory index.\n"
        "# TYPE scopegate_index_customers gauge\nscopegate_index_customers " +
        std::to_string(snap ? snap->by_login.size() : 0) + "\n";
  }
  extra +=
      "# HELP scopegate_ldap_up Whether a search connection to LDAP is up.\n"
      "# TYPE scopegate_ldap_up gauge\nscopegate_ldap_up " +
      std::string(ldap_.ready() ? "1" : "0") + "\n";
  return metrics_.render(extra);
}

}  // namespace scopegate::gateway::ops
