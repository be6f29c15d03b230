// POST /api/v1/customers/{login}/reveal ("show details"): the real contact fields, counted
// against the agent's daily limit in the reveal ledger; one alert mail when the limit is
// reached.
#include <spdlog/spdlog.h>

#include "gateway/agent_api/customer_fields.hpp"
#include "gateway/agent_api/resources.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::agent_api {

namespace json = boost::json;

namespace {

std::string customer_name(const config::customers_config& c, const mapping::customer_record& r) {
  for (std::size_t i = 0; i < c.fields.size() && i < r.values.size(); ++i)
    if (c.fields[i].name == "name" && r.values[i]) return *r.values[i];
  return {};
}

}  // namespace

reveal_resource::reveal_resource(const config::config& cfg, mapping::customer_source& customers,
                                 policy::reveal_ledger& ledger, policy::alert_mailer* mailer)
    : cfg_(cfg), customers_(customers), ledger_(ledger), mailer_(mailer) {}

net::awaitable<response> reveal_resource::reveal(request_context& ctx) {
  if (!ctx.url.params().empty()) co_return ctx.deny(bad_query("this resource takes no parameters"));
  std::string login = ctx.param("login");
  if (!acceptable_value(login))
    co_return ctx.deny(problem(http::status::bad_request, "bad-path",
                               "login is too long or contains control characters"));
  policy::agent_facts agent{ctx.scope, ctx.access, ctx.contact};
  auto open = policy::decide_section_access(agent, policy::record_action::reveal);
  if (!open.allowed())
    co_return ctx.deny(verdict_response(open, "revealing contact details", ctx.access));
  auto found = co_await customers_.find(std::move(login), ctx.scope);
  if (!found) {
    spdlog::warn("customer lookup failed for {}: {}", ctx.agent, found.error().message);
    co_return ctx.fail(directory_unavailable());
  }
  auto verdict = policy::decide_record_access(agent, policy::customer_facts_of(*found),
                                              policy::record_action::reveal);
  if (!verdict.allowed()) {
    ctx.decision = verdict.outcome == policy::verdict::not_found ? "not_found" : "deny";
    co_return verdict_response(verdict, "revealing contact details", ctx.access);
  }
  auto& record = **found;
  json::object body;
  body["customer"] = customer_json(cfg_.customers, record);
  if (ctx.contact.view == policy::contact_view::unmasked) {
    // Nothing is hidden from this agent: nothing to count.
    body["counted"] = false;
    ctx.items = 1;
    co_return json_response(body);
  }
  policy::reveal_request request{.agent = ctx.who->login,
                                 .customer_login = record.login,
                                 .customer_id = record.customer_id,
                                 .customer_name = customer_name(cfg_.customers, record),
                                 .source = ctx.client,
                                 .personal_limit = policy::personal_limit(*ctx.who, cfg_.agents)};
  auto outcome = co_await ledger_.reveal(std::move(request));
  if (!outcome) {
    spdlog::error("reveal ledger failed for {}: {}", ctx.agent, outcome.error().message);
    co_return ctx.fail(problem(http::status::service_unavailable, "ledger-unavailable",
                               "reveals cannot be recorded right now; try again shortly"));
  }
  if (outcome->alert && mailer_) mailer_->send(std::move(*outcome->alert));
  if (outcome->status == policy::reveal_status::limit_reached) {
    auto res = problem(http::status::too_many_requests, "reveal-limit-reached",
                       "the daily limit of " + std::to_string(outcome->today.limit) +
                           " revealed customers is reached; it resets at midnight (" +
                           ledger_.zone().name() + ")");
    res.set(http::field::retry_after, std::to_string(outcome->retry_after.count()));
    co_return ctx.deny(std::move(res));
  }
  spdlog::info("reveal agent={} customer={} repeat={}", ctx.agent, record.login, outcome->repeat);
  body["counted"] = !outcome->repeat;
  body["reveals"] = reveals_json(outcome->today);
  ctx.items = 1;
  co_return json_response(body);
}

}  // namespace scopegate::gateway::agent_api
