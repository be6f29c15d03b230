// /admin/api/v1/explain ("can agent X see customer Y, and why?") and /admin/api/v1/preview
// (who would gain or lose which customer IDs if these changes were made; nothing written).
#include <spdlog/spdlog.h>
#include <algorithm>

#include "gateway/admin_api/admin_json.hpp"
#include "gateway/admin_api/resources.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/http/json_body.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"
#include "mapping/mapping_preview.hpp"

namespace scopegate::gateway::admin_api {

explain_resource::explain_resource(const config::config& cfg, mapping::directory& directory,
                                   mapping::scope_resolver& scopes, mapping::mapping_store& store,
                                   const policy::access_defaults& defaults)
    : cfg_(cfg), directory_(directory), scopes_(scopes), store_(store), defaults_(defaults) {}

net::awaitable<response> explain_resource::explain(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"agent", "customer"});
  if (!params) co_return bad_query(params.error().detail);
  auto agent_login = canonical_login(params->text("agent"), cfg_.auth.login_case);
  auto customer_login = params->text("customer");
  if (!agent_login || customer_login.empty())
    co_return problem(http::status::bad_request, "bad-query",
                      "name an agent login (agent) and a customer login (customer)");
  std::string lookup = *agent_login;
  auto agent = co_await directory_.find_agent(std::move(lookup));
  if (!agent) co_return directory_unavailable();
  if (!*agent)
    co_return problem(http::status::not_found, "agent-not-found", "no agent with this login");
  auto cached = co_await scopes_.resolve(**agent);
  if (!cached) co_return directory_unavailable();
  auto fresh = co_await scopes_.resolve_uncached(**agent);
  if (!fresh) co_return directory_unavailable();
  auto cids = co_await store_.customer_ids_of_customer(customer_login);
  if (!cids) co_return from_store(cids.error(), "customer");
  if (!*cids)
    co_return problem(http::status::not_found, "customer-not-found", "no customer with this login");
  auto partners = co_await store_.list_partners();
  if (!partners) co_return from_store(partners.error());

  const auto& scope = **cached;
  std::vector<std::string> matching;
  for (const auto& id : **cids)
    if (scope.allows(id)) matching.push_back(id);
  bool allowed = !scope.denied() && !matching.empty();
  json::array granting;
  if (scope.kind == mapping::scope_kind::some)
    for (const auto& p : *partners) {
      if (!std::binary_search(scope.known_partner_ids.begin(), scope.known_partner_ids.end(), p.id))
        continue;
      for (const auto& m : matching)
        if (std::binary_search(p.customer_ids.begin(), p.customer_ids.end(), m)) {
          json::object g;
          g["partner_id"] = p.id;
          g["name"] = p.name;
          g["customer_id"] = m;
          granting.push_back(std::move(g));
        }
    }
  auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - scope.resolved_at);
  std::vector<std::string> fresh_matching;
  for (const auto& id : **cids)
    if ((*fresh)->allows(id)) fresh_matching.push_back(id);
  bool fresh_allowed = !(*fresh)->denied() && !fresh_matching.empty();

  json::object body;
  body["decision"] = allowed ? "allow" : "deny";
  body["agent"] = *agent_login;
  body["agent_dn"] = (*agent)->dn;
  body["customer"] = customer_login;
  body["customer_ids"] = to_array(**cids);
  body["matching_customer_ids"] = to_array(matching);
  body["partner_ids"] = to_array(scope.partner_ids);
  body["known_partner_ids"] = to_array(scope.known_partner_ids);
  body["granting_partners"] = std::move(granting);
  body["rule"] = mapping::to_string(scope.rule);
  body["scope_kind"] = mapping::to_string(scope.kind);
  body["reason"] = mapping::explain(scope);
  if (!scope.bypass_group.empty()) body["bypass_group"] = scope.bypass_group;
  body["scope_customer_id_count"] = scope.customer_ids.size();
  body["cache_age_seconds"] = static_cast<double>(age.count()) / 1000.0;
  body["cache_ttl_seconds"] = cfg_.scope.cache_ttl_seconds;
  body["fresh_decision"] = fresh_allowed ? "allow" : "deny";
  body["fresh_rule"] = mapping::to_string((*fresh)->rule);
  co_return json_response(body);
}

net::awaitable<response> explain_resource::preview(request_context& ctx) {
  auto body = json_object_body(ctx.req);
  if (!body) co_return std::move(body.error());
  auto* list = body->if_contains("changes");
  if (!list || !list->is_array() || list->as_array().empty() || list->as_array().size() > 1000)
    co_return problem(http::status::unprocessable_entity, "invalid-preview",
                      "changes must be a non-empty list of at most 1000 changes");
  std::vector<mapping::proposed_change> changes;
  for (const auto& item : list->as_array()) {
    if (!item.is_object())
      co_return problem(http::status::unprocessable_entity, "invalid-preview",
                        "each change must be an object");
    const auto& o = item.as_object();
    mapping::proposed_change ch;
    ch.partner_id = string_member(o, "partner_id");
    std::string error;
    if (!string_list(o, "add", ch.add, error) || !string_list(o, "remove", ch.remove, error))
      co_return problem(http::status::unprocessable_entity, "invalid-preview", error);
    ch.delete_partner = true_member(o, "delete");
    ch.create_partner = true_member(o, "create");
    ch.agent_login = string_member(o, "agent");
    if (auto* l = o.if_contains("linked"); l && l->is_bool()) ch.linked = l->as_bool();
    if (!mapping::valid_partner_id(ch.partner_id))
      co_return problem(http::status::unprocessable_entity, "invalid-preview",
                        "each change needs a valid partner_id");
    changes.push_back(std::move(ch));
  }
  auto partners = co_await store_.list_partners();
  if (!partners) co_return from_store(partners.error());
  std::string everyone;
  auto agents = co_await store_.list_agents(std::move(everyone));
  if (!agents) co_return from_store(agents.error());
  auto effects = mapping::preview(std::move(*partners), std::move(*agents), changes);
  json::array items;
  std::size_t gained = 0, lost = 0;
  for (const auto& e : effects) {
    gained += e.gains.size();
    lost += e.loses.size();
    items.push_back(effect_json(e));
  }
  json::object out;
  out["agents"] = std::move(items);
  out["agents_affected"] = effects.size();
  out["customer_ids_gained"] = gained;
  out["customer_ids_lost"] = lost;
  out["written"] = false;
  co_return json_response(out);
}

}  // namespace scopegate::gateway::admin_api
