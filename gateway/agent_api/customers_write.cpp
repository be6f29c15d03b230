// POST /api/v1/customers, PATCH and DELETE /api/v1/customers/{login}: single customer
// writes, gated by the agent's access mode and kept inside its scope. The agent is recorded
// in the audit log and, on create, as the customer's owner.
#include <spdlog/spdlog.h>

#include "gateway/agent_api/customer_fields.hpp"
#include "gateway/agent_api/resources.hpp"
#include "gateway/http/problem.hpp"

namespace scopegate::gateway::agent_api {

customer_writes::customer_writes(const config::config& cfg, mapping::customer_store& store,
                                 mapping::customer_source& authoritative,
                                 mapping::customer_source& reads,
                                 mapping::routing_customer_source* routing,
                                 const policy::masker& masker)
    : cfg_(cfg),
      store_(store),
      authoritative_(authoritative),
      reads_(reads),
      routing_(routing),
      masker_(masker) {}

void customer_writes::note_write() {
  // Reads go to LDAP for a moment, so the agent sees its own write (read-your-writes).
  if (routing_) routing_->note_write();
}

net::awaitable<response> customer_writes::create(request_context& ctx) {
  const auto& c = cfg_.customers;
  policy::agent_facts agent{ctx.scope, ctx.access, ctx.contact};
  auto open = policy::decide_section_access(agent, policy::record_action::edit);
  if (!open.allowed()) co_return ctx.deny(verdict_response(open, "creating customers", ctx.access));
  mapping::field_changes fields;
  if (auto err = read_fields(c, ctx.req.body(), true, fields); !err.empty())
    co_return ctx.deny(problem(http::status::bad_request, "bad-body", err));
  if (!fields.contains("customer_id"))
    co_return ctx.deny(problem(http::status::bad_request, "bad-body", "customer_id is required"));
  if (!ctx.scope->allows(*fields["customer_id"]))
    co_return ctx.deny(problem(http::status::unprocessable_entity, "customer-id-out-of-scope",
                               "the customer ID is not one this agent may use"));
  std::string owner = ctx.who->dn;
  auto created = co_await store_.create(std::move(fields), std::move(owner));
  note_write();
  if (!created) {
    spdlog::warn("create by {} failed: {}", ctx.agent, created.error().message);
    co_return ctx.fail(write_error(created.error()));
  }
  std::string login = *created;
  spdlog::info("audit create agent={} customer={}", ctx.agent, login);
  auto found = co_await authoritative_.find(login, ctx.scope);
  ctx.items = 1;
  if (!found || !*found) {
    boost::json::object assigned;
    assigned["login"] = login;
    auto res = json_response(assigned, http::status::created);
    res.set(http::field::location, "/api/v1/customers/" + login);
    co_return res;
  }
  masker_.apply(**found, ctx.contact.view);
  auto res = json_response(customer_json(c, **found), http::status::created);
  res.set(http::field::location, "/api/v1/customers/" + login);
  co_return res;
}

net::awaitable<response> customer_writes::update(request_context& ctx) {
  const auto& c = cfg_.customers;
  std::string login = ctx.param("login");
  policy::agent_facts agent{ctx.scope, ctx.access, ctx.contact};
  auto open = policy::decide_section_access(agent, policy::record_action::edit);
  if (!open.allowed()) co_return ctx.deny(verdict_response(open, "changing customers", ctx.access));
  mapping::field_changes changes;
  if (auto err = read_fields(c, ctx.req.body(), false, changes); !err.empty())
    co_return ctx.deny(problem(http::status::bad_request, "bad-body", err));
  auto existing = co_await authoritative_.find(login, ctx.scope);
  if (!existing) co_return ctx.fail(query_failed(existing.error()));
  auto verdict = policy::decide_record_access(agent, policy::customer_facts_of(*existing),
                                              policy::record_action::edit);
  if (!verdict.allowed()) {
    ctx.decision = verdict.outcome == policy::verdict::not_found ? "not_found" : "deny";
    co_return verdict_response(verdict, "changing customers", ctx.access);
  }
  if (auto id = changes.find("customer_id"); id != changes.end() && !ctx.scope->allows(*id->second))
    co_return ctx.deny(
        problem(http::status::unprocessable_entity, "customer-id-out-of-scope",
                "a customer cannot be moved to a customer ID outside this agent's scope"));
  auto updated = co_await store_.update((*existing)->dn, std::move(changes));
  note_write();
  if (!updated) {
    spdlog::warn("update by {} failed: {}", ctx.agent, updated.error().message);
    co_return ctx.fail(write_error(updated.error()));
  }
  spdlog::info("audit update agent={} customer={}", ctx.agent, login);
  auto after = co_await authoritative_.find(login, ctx.scope);
  ctx.items = 1;
  if (!after || !*after) co_return empty_response(http::status::no_content);
  masker_.apply(**after, ctx.contact.view);
  co_return json_response(customer_json(c, **after), http::status::ok);
}

net::awaitable<response> customer_writes::remove(request_context& ctx) {
  std::string login = ctx.param("login");
  policy::agent_facts agent{ctx.scope, ctx.access, ctx.contact};
  auto open = policy::decide_section_access(agent, policy::record_action::delete_);
  if (!open.allowed()) co_return ctx.deny(verdict_response(open, "deleting customers", ctx.access));
  auto existing = co_await authoritative_.find(login, ctx.scope);
  if (!existing) co_return ctx.fail(query_failed(existing.error()));
  auto verdict = policy::decide_record_access(agent, policy::customer_facts_of(*existing),
                                              policy::record_action::delete_);
  if (!verdict.allowed()) {
    ctx.decision = verdict.outcome == policy::verdict::not_found ? "not_found" : "deny";
    co_return verdict_response(verdict, "deleting customers", ctx.access);
  }
  auto removed = co_await store_.remove((*existing)->dn);
  note_write();
  if (!removed) co_return ctx.fail(write_error(removed.error()));
  spdlog::info("audit delete agent={} customer={}", ctx.agent, login);
  co_return empty_response(http::status::no_content);
}

}  // namespace scopegate::gateway::agent_api
