// THE route table: every method and path the gateway serves, how the caller is
// authenticated, which security headers apply and which handler answers. "Who serves X?"
// is answered here and nowhere else; 404, 405 with Allow, and the security headers of
// every answer come from this table.
//
//   GET /api/v1/customers/{login}  agent_customers  api  -> customer_reads::get
//
// Patterns are literal segments and `{name}` captures (one whole segment each). When
// several patterns match a path, the first in table order wins, so literal routes are
// listed before the captures they would shadow (`/customers/export` before
// `/customers/{login}`).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http/security_headers.hpp"
#include "gateway/http/server.hpp"
#include "gateway/ops/metrics.hpp"
#include "gateway/request_context.hpp"

namespace scopegate::gateway {

enum class auth_kind {
  none,             // open: health, metrics, dashboard files, the dashboard login itself
  agent,            // agent credentials (Basic or trusted helpdesk), scope resolved
  agent_customers,  // as agent, and the customer section is open to this agent
  admin,            // dashboard session; CSRF token on every write
};

using route_handler = std::function<net::awaitable<response>(request_context&)>;

struct route {
  http::verb method;
  std::string_view pattern;
  auth_kind auth;
  surface where;
  route_label label;
  route_handler handle;
};

struct route_match {
  const route* found = nullptr;  // null: no route for this method (see allow)
  std::vector<std::pair<std::string_view, std::string>> captures;
  std::string allow;  // methods of the matched path when `found` is null; "" = no such path
  surface where = surface::api;
};

class route_table {
 public:
  explicit route_table(std::vector<route> routes);
  [[nodiscard]] route_match match(http::verb method, const std::vector<std::string>& path) const;
  [[nodiscard]] const std::vector<route>& routes() const { return routes_; }

 private:
  std::vector<route> routes_;
  std::vector<std::vector<std::string_view>> patterns_;  // split, parallel to routes_
};

namespace agent_api {
class me_resource;
class customer_reads;
class customer_writes;
class reveal_resource;
}  // namespace agent_api
namespace admin_api {
class assets;
class session_resource;
class partners_resource;
class agents_resource;
class settings_resource;
class explain_resource;
class history_resource;
class mappings_csv_resource;
class reveals_resource;
}  // namespace admin_api
namespace ops {
class ops_resource;
}

// Everything that answers requests; each object owns only the services it needs. (Null
// pointers are allowed for tests that inspect the table without calling handlers.)
struct route_targets {
  ops::ops_resource* ops;
  agent_api::me_resource* me;
  agent_api::customer_reads* reads;
  agent_api::customer_writes* writes;
  agent_api::reveal_resource* reveal;
  admin_api::assets* assets;
  admin_api::session_resource* session;
  admin_api::partners_resource* partners;
  admin_api::agents_resource* agents;
  admin_api::settings_resource* settings;
  admin_api::explain_resource* explain;
  admin_api::history_resource* history;
  admin_api::mappings_csv_resource* mappings_csv;
  admin_api::reveals_resource* reveals;
};

// The gateway's routes.
[[nodiscard]] route_table make_routes(route_targets t);

}  // namespace scopegate::gateway
