// The HTTP surface: routing on the canonical path, authentication, scope resolution and the
// JSON handlers of /api/v1, plus /healthz, /readyz and /metrics. One access-log line per
// request.
#pragma once

#include <boost/json/value.hpp>
#include <boost/url/url_view.hpp>
#include <memory>
#include <variant>

#include "gateway/admin_api.hpp"
#include "gateway/admin_session.hpp"
#include "gateway/authenticator.hpp"
#include "gateway/http/server.hpp"
#include "gateway/metrics.hpp"
#include "mapping/customer_source.hpp"
#include "mapping/customer_store.hpp"
#include "mapping/directory_index.hpp"
#include "mapping/memory_customer_source.hpp"
#include "mapping/scope_resolver.hpp"
#include "policy/access_mode.hpp"
#include "policy/alert_mailer.hpp"
#include "policy/masking.hpp"
#include "policy/reveal_ledger.hpp"

namespace scopegate::gateway {

struct api_parts {
  const config::config& cfg;
  ldap::client& ldap;
  mapping::directory& directory;
  mapping::scope_resolver& scopes;
  mapping::customer_source& customers;            // answers reads (may be an index)
  mapping::ldap_customer_source& ldap_customers;  // authoritative lookups before writes
  mapping::customer_store& store;
  authenticator& auth;
  gateway::metrics& metrics;
  policy::contact_policy& contacts;
  const policy::masker& masker;
  policy::reveal_ledger& ledger;
  policy::alert_mailer* mailer;  // null: no limit alerts configured
  class reveal_admin_api& reveal_admin;
  admin_api* admin = nullptr;          // /admin (dashboard); 404 when null
  admin_sessions* sessions = nullptr;  // dashboard sessions: the only way into /admin/api
  // For /metrics: which backend answered, and the index state (null without an index).
  mapping::routing_customer_source* routing = nullptr;  // told of writes (read-your-writes)
  const mapping::directory_index* index = nullptr;
  const policy::access_defaults* access_defaults = nullptr;  // null: the configured ones
};

// A customer record as the API shows it: one key per customers.fields entry, in config
// order, null when absent. (Masking is applied to the record before.)
[[nodiscard]] boost::json::value customer_json(const config::customers_config& c,
                                               const mapping::customer_record& r);

class api {
 public:
  explicit api(api_parts parts);
  [[nodiscard]] net::awaitable<response> handle(request& req, const connection_info& conn);

 private:
  // What one request has established so far; also what the access log reports.
  struct context {
    route which = route::not_found;
    std::string agent = "-";
    std::string decision = "allow";
    std::size_t items = 0;
    std::optional<mapping::agent> who;
    mapping::scope_ptr scope;
    policy::access_decision access;
    policy::contact_access contact;
    std::string via;
    boost::urls::url_view url;
  };
  net::awaitable<response> dispatch(request& req, const connection_info& conn, context& ctx);
  // Customer writes, export and import (customer_writes.cpp): mode-gated, scope-checked.
  net::awaitable<response> customers_create(context& ctx, request& req);
  net::awaitable<response> customers_update(context& ctx, request& req, std::string login);
  net::awaitable<response> customers_delete(context& ctx, std::string login);
  net::awaitable<response> customers_export(context& ctx, const connection_info& conn);
  net::awaitable<response> customers_import(context& ctx, request& req);
  net::awaitable<response> customers_search(context& ctx);
  net::awaitable<response> customers_get(context& ctx, std::string login);
  net::awaitable<response> customer_ids(context& ctx);
  net::awaitable<response> customer_reveal(context& ctx, const request& req,
                                           const connection_info& conn, std::string login);
  net::awaitable<response> me(context& ctx);
  // The one check in front of every admin resource: for now, an agent authenticated by
  // Basic who is a member of a bypass group (scope rule bypass_group). Dashboard session
  // authentication replaces this function alone.
  // The logged-in dashboard admin's login, or the refusal to send (401/403).
  std::variant<std::string, response> admin_gate(const request& req, context& ctx);
  // Authenticates and resolves scope; on failure returns the response to send.
  net::awaitable<std::optional<response>> admit(request& req, const connection_info& conn,
                                                context& ctx, bool need_customer_access);
  std::string render_metrics() const;
  // The client's address for logs and throttling: the socket's, or the forwarded one when
  // the socket is a trusted proxy.
  std::string client_address(const request& req, const connection_info& conn) const;

  api_parts p_;
  std::vector<cidr> trusted_proxies_;
};

}  // namespace scopegate::gateway
