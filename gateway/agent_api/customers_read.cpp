// GET /api/v1/customers (search), /api/v1/customers/{login} and /api/v1/customer-ids: reads
// within the agent's scope, contact fields masked as the agent's view says.
#include <spdlog/spdlog.h>

#include "gateway/agent_api/customer_fields.hpp"
#include "gateway/agent_api/page_token.hpp"
#include "gateway/agent_api/resources.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::agent_api {

namespace json = boost::json;

namespace {

constexpr std::size_t k_default_limit = 50;
constexpr std::size_t k_max_limit = 500;

json::object empty_page() {
  json::object body;
  body["items"] = json::array();
  body["next_page_token"] = nullptr;
  return body;
}

}  // namespace

json::value customer_json(const config::customers_config& c, const mapping::customer_record& r) {
  json::object item;
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    if (i < r.values.size() && r.values[i])
      item[c.fields[i].name] = *r.values[i];
    else
      item[c.fields[i].name] = nullptr;
  }
  return item;
}

customer_reads::customer_reads(const config::config& cfg, mapping::customer_source& customers,
                               const policy::masker& masker)
    : cfg_(cfg), customers_(customers), masker_(masker) {}

net::awaitable<response> customer_reads::search(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"q", "customer_id", "limit", "page_token"});
  if (!params) co_return ctx.deny(bad_query(params.error().detail));
  auto limit = params->size("limit", 1, k_max_limit, k_default_limit);
  if (!limit) co_return ctx.deny(bad_query(limit.error().detail));
  mapping::customer_query query;
  query.limit = *limit;
  query.text = params->text("q");
  // Fields this agent sees masked cannot be searched: a substring probe would reveal them.
  auto searchable = masker_.search_attributes(ctx.contact.view);
  if (!query.text.empty() && !searchable) co_return json_response(empty_page());
  if (searchable) query.search_attributes = std::move(*searchable);
  if (params->has("customer_id")) query.customer_id = params->text("customer_id");
  if (params->has("page_token")) {
    auto after = decode_page_token(params->text("page_token"));
    if (!after) co_return ctx.deny(bad_query("page_token is not valid"));
    query.after_login = std::move(*after);
  }

  auto page = co_await customers_.search(std::move(query), ctx.scope);
  if (!page) {
    if (page.error().kind == mapping::query_errc::too_many_results)
      co_return ctx.deny(
          problem(http::status::unprocessable_entity, "too-many-results",
                  "the search matches too many customers; narrow it with q or customer_id"));
    spdlog::warn("customer search failed for {}: {}", ctx.agent, page.error().message);
    co_return ctx.fail(directory_unavailable());
  }
  json::array items;
  for (auto& r : page->items) {
    masker_.apply(r, ctx.contact.view);
    items.push_back(customer_json(cfg_.customers, r));
  }
  ctx.items = items.size();
  json::object body;
  body["items"] = std::move(items);
  if (page->next_after)
    body["next_page_token"] = encode_page_token(*page->next_after);
  else
    body["next_page_token"] = nullptr;
  co_return json_response(body);
}

net::awaitable<response> customer_reads::get(request_context& ctx) {
  if (!ctx.url.params().empty()) co_return ctx.deny(bad_query("this resource takes no parameters"));
  std::string login = ctx.param("login");
  if (!acceptable_value(login))
    co_return ctx.deny(problem(http::status::bad_request, "bad-path",
                               "login is too long or contains control characters"));
  auto found = co_await customers_.find(std::move(login), ctx.scope);
  if (!found) {
    spdlog::warn("customer lookup failed for {}: {}", ctx.agent, found.error().message);
    if (found.error().kind == mapping::query_errc::ambiguous_login)
      co_return ctx.fail(problem(http::status::internal_server_error, "ambiguous-login",
                                 "the directory holds more than one customer with this login"));
    co_return ctx.fail(directory_unavailable());
  }
  // The scoped lookup found it (or not); the record decision is the one explain uses.
  policy::agent_facts agent{ctx.scope, ctx.access, ctx.contact};
  auto verdict = policy::decide_record_access(agent, policy::customer_facts_of(*found),
                                              policy::record_action::view);
  if (!verdict.allowed()) {
    ctx.decision = verdict.outcome == policy::verdict::not_found ? "not_found" : "deny";
    co_return verdict_response(verdict, "reading customers", ctx.access);
  }
  ctx.items = 1;
  masker_.apply(**found, ctx.contact.view);
  co_return json_response(customer_json(cfg_.customers, **found));
}

net::awaitable<response> customer_reads::customer_ids(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"prefix", "limit"});
  if (!params) co_return ctx.deny(bad_query(params.error().detail));
  auto limit = params->size("limit", 1, k_max_limit, k_default_limit);
  if (!limit) co_return ctx.deny(bad_query(limit.error().detail));
  std::string prefix = params->text("prefix");
  auto ids = co_await customers_.customer_ids(std::move(prefix), *limit, ctx.scope);
  if (!ids) co_return ctx.fail(directory_unavailable());
  json::array items;
  for (auto& id : *ids)
    items.push_back(json::string(id));
  ctx.items = items.size();
  co_return json_response(json::object{{"items", std::move(items)}});
}

}  // namespace scopegate::gateway::agent_api
