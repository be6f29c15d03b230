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
#include "policy/record_access.hpp"

namespace scopegate::gateway::admin_api {

explain_resource::explain_resource(const config::config& cfg, mapping::directory& directory,
                                   mapping::scope_resolver& scopes, mapping::mapping_store& store,
                                   mapping::customer_source& lookup,
                                   const policy::access_defaults& defaults,
                                   const policy::contact_policy& contacts)
    : cfg_(cfg),
      directory_(directory),
      scopes_(scopes),
      store_(store),
      lookup_(lookup),
      defaults_(defaults),
      contacts_(contacts) {}

namespace {

std::optional<policy::record_action> parse_action(std::string_view s) {
  using a = policy::record_action;
  for (auto action : {a::view, a::edit, a::delete_, a::reveal, a::export_, a::import})
    if (policy::to_string(action) == s) return action;
  return std::nullopt;
}

json::array grants_json(const std::vector<policy::grant>& grants) {
  json::array out;
  for (const auto& g : grants) {
    json::object o;
    o["partner_id"] = g.partner_id;
    o["name"] = g.partner_name;
    o["customer_id"] = g.customer_id;
    out.push_back(std::move(o));
  }
  return out;
}

json::array reasons_json(const std::vector<std::string>& reasons) {
  json::array out;
  for (const auto& r : reasons)
    out.push_back(json::string(r));
  return out;
}

}  // namespace

net::awaitable<response> explain_resource::explain(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"agent", "customer", "action"});
  if (!params) co_return bad_query(params.error().detail);
  auto agent_login = canonical_login(params->text("agent"), cfg_.auth.login_case);
  auto customer_login = params->text("customer");
  if (!agent_login || customer_login.empty())
    co_return bad_query("name an agent login (agent) and a customer login (customer)");
  auto action = parse_action(params->text("action", "view"));
  if (!action) co_return bad_query("action must be view, edit, delete, reveal, export or import");
  std::string lookup = *agent_login;
  auto agent = co_await directory_.find_agent(std::move(lookup));
  if (!agent) co_return directory_unavailable();
  if (!*agent)
    co_return problem(http::status::not_found, "agent-not-found", "no agent with this login");
  auto cached = co_await scopes_.resolve(**agent);
  if (!cached) co_return directory_unavailable();
  auto fresh = co_await scopes_.resolve_uncached(**agent);
  if (!fresh) co_return directory_unavailable();
  // The customer's own facts (every customer ID, creators), not limited by any scope.
  auto customer = co_await lookup_.find(customer_login, mapping::unrestricted_scope());
  if (!customer) co_return directory_unavailable();
  if (!*customer)
    co_return problem(http::status::not_found, "customer-not-found", "no customer with this login");
  auto partners = co_await store_.list_partners();
  if (!partners) co_return from_store(partners.error());

  // THE decision the agent API enforces, with the same facts it would have.
  const auto modes = defaults_.group_modes();
  auto facts_for = [&](const mapping::scope_ptr& scope) {
    return policy::agent_facts{scope, policy::decide_access_mode(cfg_, **agent, *scope, *modes),
                               contacts_.resolve(**agent, *scope)};
  };
  auto customer_facts = policy::customer_facts_of(*customer);
  auto e = policy::explain_record_access(facts_for(*cached), customer_facts, *action, *partners);
  auto now = policy::decide_record_access(facts_for(*fresh), customer_facts, *action);

  const auto& scope = **cached;
  auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - scope.resolved_at);
  json::object body;
  body["decision"] = e.verdict.allowed() ? "allow" : "deny";
  body["verdict"] = policy::to_string(e.verdict.outcome);
  if (e.verdict.reason != policy::refusal::none)
    body["refusal"] = policy::to_string(e.verdict.reason);
  body["reasons"] = reasons_json(e.verdict.reasons);
  body["action"] = policy::to_string(e.action);
  body["agent"] = *agent_login;
  body["agent_dn"] = (*agent)->dn;
  body["customer"] = customer_login;
  body["customer_ids"] = to_array(e.customer_ids);
  body["matching_customer_ids"] = to_array(e.matching_customer_ids);
  body["partner_ids"] = to_array(scope.partner_ids);
  body["known_partner_ids"] = to_array(scope.known_partner_ids);
  body["granting_partners"] = grants_json(e.granting);
  body["rule"] = mapping::to_string(e.rule);
  body["scope_kind"] = mapping::to_string(e.kind);
  body["reason"] = mapping::explain(scope);
  if (e.creator_note) body["creator_note"] = *e.creator_note;
  body["mode"] = e.mode_note;
  body["contact"] = e.contact_note;
  if (!scope.bypass_group.empty()) body["bypass_group"] = scope.bypass_group;
  body["scope_customer_id_count"] = scope.customer_ids.size();
  body["cache_age_seconds"] = static_cast<double>(age.count()) / 1000.0;
  body["cache_ttl_seconds"] = cfg_.scope.cache_ttl_seconds;
  body["fresh_decision"] = now.allowed() ? "allow" : "deny";
  body["fresh_rule"] = mapping::to_string((*fresh)->rule);
  co_return json_response(body);
}

net::awaitable<response> explain_resource::preview(request_context& ctx) {
  auto body = json_object_body(ctx.req);
  if (!body) co_return body.error();
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
