// /admin/api/v1/agents (list with partner links), /agents/{login}/partners (link, unlink)
// and /agents/{login}/mode (an agent's access mode: read, set or inherit). Changes are
// recorded in the history before they are applied.
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/admin_api/admin_json.hpp"
#include "gateway/admin_api/resources.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/http/json_body.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::admin_api {

agents_resource::agents_resource(const config::config& cfg, mapping::mapping_store& store,
                                 mapping::directory& directory, mapping::scope_resolver& scopes,
                                 const policy::access_defaults& defaults, change_log& changes)
    : cfg_(cfg),
      store_(store),
      directory_(directory),
      scopes_(scopes),
      defaults_(defaults),
      changes_(changes) {}

net::awaitable<response> agents_resource::link(request_context& ctx) {
  auto body = json_object_body(ctx.req);
  if (!body) co_return body.error();
  std::string partner_id = string_member(*body, "partner_id");
  co_return co_await change_link(ctx, std::move(partner_id), true);
}

net::awaitable<response> agents_resource::unlink(request_context& ctx) {
  std::string partner_id = ctx.param("partner_id");
  co_return co_await change_link(ctx, std::move(partner_id), false);
}

net::awaitable<mapping::store_result<void>> agents_resource::write_mode(
    std::string dn, bool present, std::optional<std::string> value) {
  // Removing an attribute that is not there is an LDAP error; there is nothing to do.
  if (!value && !present) {
    mapping::store_result<void> nothing;
    co_return nothing;
  }
  co_return co_await store_.set_agent_attribute(std::move(dn), cfg_.agents.access_mode_attribute,
                                                std::move(value));
}

net::awaitable<response> agents_resource::list(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"q", "partner_id", "limit"});
  if (!params) co_return bad_query(params.error().detail);
  auto limit_param = params->size("limit", 1, 5000, 200);
  if (!limit_param) co_return bad_query(limit_param.error().detail);
  std::size_t limit = *limit_param;
  auto q = params->text("q");
  auto agents = co_await store_.list_agents(std::move(q));
  if (!agents) co_return from_store(agents.error());
  auto partners = co_await store_.list_partners();
  if (!partners) co_return from_store(partners.error());
  auto only = params->text("partner_id");
  json::array items;
  std::size_t total = 0;
  for (const auto& a : *agents) {
    auto all = mapping::partner_ids_of(a, *partners);
    if (!only.empty() && !std::binary_search(all.begin(), all.end(), only)) continue;
    ++total;
    if (items.size() >= limit) continue;
    json::object o;
    o["login"] = a.login;
    o["name"] = a.name;
    o["partner_ids"] = to_array(all);
    o["attribute_partner_ids"] = to_array(a.partner_ids);
    std::vector<std::string> member_of;
    for (const auto& id : all)
      if (!std::binary_search(a.partner_ids.begin(), a.partner_ids.end(), id))
        member_of.push_back(id);
    o["member_partner_ids"] = to_array(member_of);
    std::vector<std::string> unknown;
    for (const auto& id : a.partner_ids)
      if (std::none_of(partners->begin(), partners->end(),
                       [&](const mapping::partner_record& p) { return p.id == id; }))
        unknown.push_back(id);
    o["unknown_partner_ids"] = to_array(unknown);
    items.push_back(std::move(o));
  }
  json::object body;
  body["items"] = std::move(items);
  body["total"] = total;
  co_return json_response(body);
}

net::awaitable<response> agents_resource::change_link(request_context& ctx, std::string partner_id,
                                                      bool linked) {
  const std::string& login = ctx.param("login");
  auto params = parameters::from_query(ctx.url, {"mode"});
  if (!params) co_return bad_query(params.error().detail);
  auto mode_name = params->text("mode");
  if (ctx.req.method() == http::verb::post) {
    boost::system::error_code ec;
    auto v = json::parse(ctx.req.body(), ec);
    if (!ec && v.is_object()) {
      auto m = string_member(v.as_object(), "mode");
      if (!m.empty()) mode_name = m;
    }
  }
  auto mode = parse_link_mode(mode_name, cfg_);
  if (!mode)
    co_return problem(http::status::unprocessable_entity, "invalid-link-mode",
                      "mode must be agent_attribute or partner_member, and configured");
  if (!mapping::valid_partner_id(partner_id))
    co_return problem(http::status::unprocessable_entity, "invalid-partner-id",
                      "partner_id is not a valid partner ID");
  auto canonical = canonical_login(login, cfg_.auth.login_case);
  if (!canonical) co_return problem(http::status::not_found, "not-found", "no such agent");
  json::object state;
  state["agent"] = *canonical;
  state["partner_id"] = partner_id;
  state["mode"] = to_string(*mode);
  state["linked"] = linked;
  json::object before = state;
  before["linked"] = !linked;
  history_entry e;
  e.actor = ctx.admin->login;
  e.action = linked ? "agent.link" : "agent.unlink";
  e.subject = *canonical;
  e.partner_id = partner_id;
  e.summary = (linked ? "assigned agent " : "removed agent ") + *canonical +
              (linked ? " to " : " from ") + partner_id;
  e.before_json = json::serialize(before);
  auto ticket = co_await changes_.begin(std::move(e));
  if (!ticket) co_return history_refused(ticket.error());
  std::string agent_login = *canonical;
  std::string pid = partner_id;
  auto changed = co_await store_.link_agent(std::move(agent_login), std::move(pid), linked, *mode);
  if (!changed || !*changed) co_await changes_.abandon(std::move(*ticket));
  if (!changed) co_return from_store(changed.error(), "agent or partner");
  if (*changed) {
    std::string after = json::serialize(state);
    auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after));
    (void)recorded;
  }
  json::object body;
  body["agent"] = *canonical;
  body["partner_id"] = partner_id;
  body["linked"] = linked;
  body["changed"] = *changed;
  body["mode"] = to_string(*mode);
  co_return json_response(body);
}

net::awaitable<response> agents_resource::mode(request_context& ctx) {
  const std::string& login = ctx.param("login");
  auto canonical = canonical_login(login, cfg_.auth.login_case);
  if (!canonical) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
  std::optional<std::string> new_value;
  bool writing = ctx.req.method() == http::verb::put;
  if (writing) {
    auto body = json_object_body(ctx.req);
    if (!body) co_return body.error();
    for (const auto& kv : *body)
      if (kv.key() != "mode")
        co_return problem(http::status::bad_request, "invalid-mode",
                          "unknown member '" + std::string(kv.key().substr(0, 64)) + "'");
    auto it = body->find("mode");
    if (it == body->end())
      co_return problem(http::status::bad_request, "invalid-mode",
                        "mode is required: an access mode, or null to inherit");
    if (!it->value().is_null()) {
      if (!it->value().is_string() || !config::parse_access_mode(it->value().as_string()))
        co_return problem(http::status::bad_request, "invalid-mode",
                          "mode must be full, edit, edit_import, edit_export, view_only, hidden "
                          "or null");
      new_value = std::string(it->value().as_string());
    }
  }
  std::string l = *canonical;
  auto found = co_await directory_.find_agent(std::move(l));
  if (!found) {
    spdlog::warn("admin: agent lookup failed: {}", found.error().message);
    co_return directory_unavailable();
  }
  if (!*found) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
  mapping::agent agent = std::move(**found);
  const auto& attribute = cfg_.agents.access_mode_attribute;
  if (writing) {
    std::string before(agent.entry.first(attribute));
    history_entry e;
    e.actor = ctx.admin->login;
    e.action = "agent.mode";
    e.subject = *canonical;
    e.summary = "access mode of agent " + *canonical + ": " +
                (before.empty() ? std::string("inherited") : before) + " → " +
                (new_value ? *new_value : std::string("inherited"));
    e.before_json = json::serialize(mode_state(*canonical, before));
    auto ticket = co_await changes_.begin(std::move(e));
    if (!ticket) co_return history_refused(ticket.error());
    std::string dn = agent.dn;
    bool present = !before.empty();
    auto value = new_value;
    auto written = co_await write_mode(std::move(dn), present, std::move(value));
    if (!written) {
      spdlog::warn("admin: writing the access mode of {} failed: {}", *canonical,
                   written.error().message);
      co_await changes_.abandon(std::move(*ticket));
      co_return directory_unavailable();
    }
    std::string new_attribute = new_value.value_or("");
    std::string after = json::serialize(mode_state(*canonical, new_attribute));
    auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after));
    (void)recorded;
    spdlog::info("access mode of agent {} set to {} by {}", *canonical,
                 new_value ? *new_value : "inherited", ctx.admin->login);
    std::string again = *canonical;
    auto reread = co_await directory_.find_agent(std::move(again));
    if (!reread || !*reread) co_return directory_unavailable();
    agent = std::move(**reread);
  }
  auto scope = co_await scopes_.resolve_uncached(agent);
  if (!scope) co_return directory_unavailable();
  auto decision = policy::decide_access_mode(cfg_, agent, **scope, *defaults_.group_modes());
  co_return json_response(mode_json(*canonical, decision, agent.entry.first(attribute)));
}

}  // namespace scopegate::gateway::admin_api
