// What one request has established on its way through the gateway: the parsed target and
// path parameters, who is calling (set by the route's authentication), and what the access
// log reports about it. Handlers read it; only the dispatcher and authentication fill it.
#pragma once

#include <boost/url/url_view.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/auth/sessions.hpp"
#include "gateway/http/server.hpp"
#include "gateway/ops/metrics.hpp"
#include "mapping/directory.hpp"
#include "mapping/scope_resolver.hpp"
#include "policy/access_mode.hpp"
#include "policy/masking.hpp"

namespace scopegate::gateway {

struct request_context {
  request_context(request& r, const connection_info& c) : req(r), conn(c) {}

  request& req;
  const connection_info& conn;
  boost::urls::url_view url;
  // {name} captures of the matched route pattern, in order.
  std::vector<std::pair<std::string_view, std::string>> path;
  std::string client;  // client address (socket, or trusted proxy's forwarded hop)

  // Set by agent authentication (auth_kind::agent and agent_customers).
  std::optional<mapping::agent> who;
  mapping::scope_ptr scope;
  policy::access_decision access;
  policy::contact_access contact;
  // Set by dashboard-session authentication (auth_kind::admin).
  std::optional<admin_principal> admin;

  // The access log line.
  route_label label = route_label::not_found;
  std::string agent = "-";
  std::string decision = "allow";
  std::string via;
  std::size_t items = 0;

  // The path parameter `name` of the matched route ("" if the pattern has none).
  [[nodiscard]] const std::string& param(std::string_view name) const {
    for (const auto& [key, value] : path)
      if (key == name) return value;
    static const std::string none;
    return none;
  }
  // Marks the outcome for the access log and passes the response through.
  response deny(response res) {
    decision = "deny";
    return res;
  }
  response fail(response res) {
    decision = "error";
    return res;
  }
};

}  // namespace scopegate::gateway
