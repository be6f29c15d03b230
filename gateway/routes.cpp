#include "gateway/routes.hpp"

#include <algorithm>

#include "gateway/admin_api/resources.hpp"
#include "gateway/agent_api/resources.hpp"
#include "gateway/ops/ops_resource.hpp"

namespace scopegate::gateway {

namespace {

std::vector<std::string_view> split(std::string_view pattern) {
  std::vector<std::string_view> out;
  pattern.remove_prefix(1);  // leading '/'
  for (;;) {
    auto slash = pattern.find('/');
    out.push_back(pattern.substr(0, slash));
    if (slash == std::string_view::npos) break;
    pattern.remove_prefix(slash + 1);
  }
  return out;
}

bool is_capture(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool matches(const std::vector<std::string_view>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (is_capture(pattern[i])) {
      if (path[i].empty()) return false;
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

// Binds a member function of a resource object as a route handler.
template <class Resource>
route_handler bind(Resource* r, net::awaitable<response> (Resource::*fn)(request_context&)) {
  return [r, fn](request_context& ctx) { return (r->*fn)(ctx); };
}

}  // namespace

route_table::route_table(std::vector<route> routes) : routes_(std::move(routes)) {
  for (const auto& r : routes_)
    patterns_.push_back(split(r.pattern));
}

route_match route_table::match(http::verb method, const std::vector<std::string>& path) const {
  route_match out;
  out.where = !path.empty() && path.front() == "admin" ? surface::page : surface::api;
  // The first pattern (in table order) that matches the path decides; its methods are the
  // ones allowed.
  std::string_view chosen;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!chosen.empty() && routes_[i].pattern != chosen) continue;
    if (chosen.empty() && !matches(patterns_[i], path)) continue;
    chosen = routes_[i].pattern;
    out.where = routes_[i].where;
    if (routes_[i].method == method && !out.found) {
      out.found = &routes_[i];
      for (std::size_t k = 0; k < path.size(); ++k)
        if (is_capture(patterns_[i][k]))
          out.captures.emplace_back(patterns_[i][k].substr(1, patterns_[i][k].size() - 2), path[k]);
    }
    if (!out.allow.empty()) out.allow += ", ";
    out.allow += std::string(http::to_string(routes_[i].method));
  }
  return out;
}

route_table make_routes(route_targets t) {
  using v = http::verb;
  using a = auth_kind;
  using s = surface;
  using l = route_label;
  std::vector<route> r = {
      // Operations.
      {v::get, "/healthz", a::none, s::ops, l::healthz, bind(t.ops, &ops::ops_resource::healthz)},
      {v::get, "/readyz", a::none, s::ops, l::readyz, bind(t.ops, &ops::ops_resource::readyz)},
      {v::get, "/metrics", a::none, s::ops, l::metrics,
       bind(t.ops, &ops::ops_resource::metrics_page)},

      // The agent API.
      {v::get, "/api/v1/me", a::agent, s::api, l::me, bind(t.me, &agent_api::me_resource::get)},
      {v::get, "/api/v1/customers", a::agent_customers, s::api, l::customers_search,
       bind(t.reads, &agent_api::customer_reads::search)},
      {v::post, "/api/v1/customers", a::agent_customers, s::api, l::customers_create,
       bind(t.writes, &agent_api::customer_writes::create)},
      {v::get, "/api/v1/customers/export", a::agent_customers, s::api, l::customers_export,
       bind(t.writes, &agent_api::customer_writes::export_csv)},
      {v::post, "/api/v1/customers/import", a::agent_customers, s::api, l::customers_import,
       bind(t.writes, &agent_api::customer_writes::import_csv)},
      {v::get, "/api/v1/customers/{login}", a::agent_customers, s::api, l::customers_get,
       bind(t.reads, &agent_api::customer_reads::get)},
      {v::patch, "/api/v1/customers/{login}", a::agent_customers, s::api, l::customers_update,
       bind(t.writes, &agent_api::customer_writes::update)},
      {v::delete_, "/api/v1/customers/{login}", a::agent_customers, s::api, l::customers_delete,
       bind(t.writes, &agent_api::customer_writes::remove)},
      {v::post, "/api/v1/customers/{login}/reveal", a::agent_customers, s::api, l::customer_reveal,
       bind(t.reveal, &agent_api::reveal_resource::reveal)},
      {v::get, "/api/v1/customer-ids", a::agent_customers, s::api, l::customer_ids,
       bind(t.reads, &agent_api::customer_reads::customer_ids)},

      // The dashboard's files.
      {v::get, "/admin", a::none, s::page, l::admin, bind(t.assets, &admin_api::assets::redirect)},
      {v::get, "/admin/", a::none, s::page, l::admin, bind(t.assets, &admin_api::assets::index)},

      // The admin API: everything but the login needs a dashboard session.
      {v::post, "/admin/api/v1/session", a::none, s::page, l::admin,
       bind(t.session, &admin_api::session_resource::login)},
      {v::get, "/admin/api/v1/session", a::admin, s::page, l::admin,
       bind(t.session, &admin_api::session_resource::get)},
      {v::delete_, "/admin/api/v1/session", a::admin, s::page, l::admin,
       bind(t.session, &admin_api::session_resource::logout)},
      {v::get, "/admin/api/v1/partners", a::admin, s::page, l::admin,
       bind(t.partners, &admin_api::partners_resource::list)},
      {v::post, "/admin/api/v1/partners", a::admin, s::page, l::admin,
       bind(t.partners, &admin_api::partners_resource::create)},
      {v::get, "/admin/api/v1/partners/{id}", a::admin, s::page, l::admin,
       bind(t.partners, &admin_api::partners_resource::get)},
      {v::patch, "/admin/api/v1/partners/{id}", a::admin, s::page, l::admin,
       bind(t.partners, &admin_api::partners_resource::rename)},
      {v::delete_, "/admin/api/v1/partners/{id}", a::admin, s::page, l::admin,
       bind(t.partners, &admin_api::partners_resource::remove)},
      {v::post, "/admin/api/v1/partners/{id}/customer-ids", a::admin, s::page, l::admin,
       bind(t.partners, &admin_api::partners_resource::change_customer_ids)},
      {v::get, "/admin/api/v1/customer-ids", a::admin, s::page, l::admin,
       bind(t.partners, &admin_api::partners_resource::customer_ids)},
      {v::get, "/admin/api/v1/agents", a::admin, s::page, l::admin,
       bind(t.agents, &admin_api::agents_resource::list)},
      {v::post, "/admin/api/v1/agents/{login}/partners", a::admin, s::page, l::admin,
       bind(t.agents, &admin_api::agents_resource::link)},
      {v::delete_, "/admin/api/v1/agents/{login}/partners/{partner_id}", a::admin, s::page,
       l::admin, bind(t.agents, &admin_api::agents_resource::unlink)},
      {v::get, "/admin/api/v1/agents/{login}/mode", a::admin, s::page, l::admin,
       bind(t.agents, &admin_api::agents_resource::mode)},
      {v::put, "/admin/api/v1/agents/{login}/mode", a::admin, s::page, l::admin,
       bind(t.agents, &admin_api::agents_resource::mode)},
      {v::get, "/admin/api/v1/agents/{login}/limit", a::admin, s::page, l::admin_reveals,
       bind(t.reveals, &admin_api::reveals_resource::limit_get)},
      {v::put, "/admin/api/v1/agents/{login}/limit", a::admin, s::page, l::admin_reveals,
       bind(t.reveals, &admin_api::reveals_resource::limit_put)},
      {v::delete_, "/admin/api/v1/agents/{login}/limit", a::admin, s::page, l::admin_reveals,
       bind(t.reveals, &admin_api::reveals_resource::limit_delete)},
      {v::get, "/admin/api/v1/settings", a::admin, s::page, l::admin,
       bind(t.settings, &admin_api::settings_resource::get)},
      {v::put, "/admin/api/v1/settings", a::admin, s::page, l::admin,
       bind(t.settings, &admin_api::settings_resource::put)},
      {v::get, "/admin/api/v1/explain", a::admin, s::page, l::admin,
       bind(t.explain, &admin_api::explain_resource::explain)},
      {v::post, "/admin/api/v1/preview", a::admin, s::page, l::admin,
       bind(t.explain, &admin_api::explain_resource::preview)},
      {v::get, "/admin/api/v1/history", a::admin, s::page, l::admin,
       bind(t.history, &admin_api::history_resource::list)},
      {v::post, "/admin/api/v1/history/{id}/revert", a::admin, s::page, l::admin,
       bind(t.history, &admin_api::history_resource::revert)},
      {v::get, "/admin/api/v1/mappings.csv", a::admin, s::page, l::admin,
       bind(t.mappings_csv, &admin_api::mappings_csv_resource::export_csv)},
      {v::post, "/admin/api/v1/mappings/import", a::admin, s::page, l::admin,
       bind(t.mappings_csv, &admin_api::mappings_csv_resource::import_csv)},
      {v::get, "/admin/api/v1/reveals", a::admin, s::page, l::admin_reveals,
       bind(t.reveals, &admin_api::reveals_resource::list)},
      {v::get, "/admin/api/v1/reveals/export", a::admin, s::page, l::admin_reveals,
       bind(t.reveals, &admin_api::reveals_resource::export_csv)},
      {v::get, "/admin/api/v1/reveals/customers/{login}", a::admin, s::page, l::admin_reveals,
       bind(t.reveals, &admin_api::reveals_resource::revealers)},
      {v::get, "/admin/api/v1/notifications", a::admin, s::page, l::admin_reveals,
       bind(t.reveals, &admin_api::reveals_resource::notifications)},

      // Last: any other single file under /admin/ is one of the embedded dashboard files.
      {v::get, "/admin/{file}", a::none, s::page, l::admin,
       bind(t.assets, &admin_api::assets::file)},
  };
  return route_table(std::move(r));
}

}  // namespace scopegate::gateway
