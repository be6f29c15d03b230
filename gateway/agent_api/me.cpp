// GET /api/v1/me: who the gateway thinks the caller is, the scope and the rule that decided
// it, the access mode, contact visibility and today's reveals.
#include <spdlog/spdlog.h>

#include "gateway/agent_api/resources.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::agent_api {

namespace json = boost::json;

json::object reveals_json(const policy::quota& q) {
  json::object o;
  o["used_today"] = q.used;
  o["limit"] = q.limit;
  o["left"] = q.left();
  o["limit_source"] = q.limit_source;
  return o;
}

me_resource::me_resource(const config::config& cfg, const policy::masker& masker,
                         policy::reveal_ledger& ledger)
    : cfg_(cfg), masker_(masker), ledger_(ledger) {}

namespace {

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v)
    a.push_back(json::string(s));
  return a;
}

}  // namespace

net::awaitable<response> me_resource::get(request_context& ctx) {
  if (!ctx.url.params().empty()) co_return ctx.deny(bad_query("this resource takes no parameters"));
  const auto& s = *ctx.scope;
  json::object scope{
      {"kind", to_string(s.kind)}, {"customer_id_count", s.customer_ids.size()},
      {"rule", to_string(s.rule)}, {"reason", mapping::explain(s)},
      {"denied", s.denied()},
  };
  if (!s.bypass_group.empty()) scope["bypass_group"] = s.bypass_group;
  if (s.creator_dn) scope["creator_only"] = true;
  const auto mode = ctx.access.mode;
  json::object access{
      {"mode", config::to_string(mode)},        {"source", ctx.access.source},
      {"can_view", policy::can_view(mode)},     {"can_edit", policy::can_edit(mode)},
      {"can_import", policy::can_import(mode)}, {"can_export", policy::can_export(mode)},
  };
  if (!policy::can_view(mode)) access["note"] = "the customer section is hidden for this agent";
  json::array masked_fields;
  if (ctx.contact.view != policy::contact_view::unmasked)
    for (auto i : masker_.masked_fields())
      masked_fields.push_back(json::string(cfg_.customers.fields[i].name));
  json::object contact;
  contact["visibility"] = policy::to_string(ctx.contact.view);
  contact["reason"] = ctx.contact.reason;
  contact["masked_fields"] = std::move(masked_fields);
  contact["may_reveal"] = ctx.contact.view == policy::contact_view::masked;
  json::value reveals = nullptr;
  auto personal = policy::personal_limit(*ctx.who, cfg_.agents);
  std::string login = ctx.who->login;
  auto quota = co_await ledger_.quota_of(std::move(login), personal);
  if (quota)
    reveals = reveals_json(*quota);
  else
    spdlog::warn("reveal ledger failed for {}: {}", ctx.agent, quota.error().message);
  json::object body;
  body["login"] = ctx.who->login;
  body["dn"] = ctx.who->dn;
  body["authenticated_via"] = ctx.via;
  body["partner_ids"] = strings(s.partner_ids);
  body["known_partner_ids"] = strings(s.known_partner_ids);
  body["scope"] = std::move(scope);
  body["access"] = std::move(access);
  body["contact"] = std::move(contact);
  body["reveals"] = std::move(reveals);
  co_return json_response(body);
}

}  // namespace scopegate::gateway::agent_api
