// GET /api/v1/customers/export (streamed CSV of every customer in scope, contact fields as
// the agent sees them) and POST /api/v1/customers/import (CSV; every row validated before
// anything is written).
#include <spdlog/spdlog.h>
#include <map>

#include "gateway/agent_api/customer_fields.hpp"
#include "gateway/agent_api/resources.hpp"
#include "gateway/http/problem.hpp"
#include "mapping/csv.hpp"
#include "policy/customer_import_plan.hpp"

namespace scopegate::gateway::agent_api {

namespace json = boost::json;

namespace {

constexpr std::size_t k_export_page = 500;

json::value row_entry(std::size_t row, const std::string& login, const char* action) {
  json::object o;
  o["row"] = row;
  o["login"] = login;
  o["action"] = action;
  return o;
}

response invalid_import(json::array rows) {
  return problem(http::status::unprocessable_entity, "import-invalid",
                 "the import was not applied: fix the listed rows", {{"rows", std::move(rows)}});
}

json::array problem_rows(const std::vector<policy::import_problem>& problems) {
  json::array rows;
  for (const auto& p : problems) {
    json::object o;
    o["row"] = p.line;
    o["login"] = p.login;
    o["reason"] = p.reason;
    rows.push_back(std::move(o));
  }
  return rows;
}

}  // namespace

net::awaitable<response> customer_writes::export_csv(request_context& ctx) {
  policy::agent_facts agent{ctx.scope, ctx.access, ctx.contact};
  auto open = policy::decide_section_access(agent, policy::record_action::export_);
  if (!open.allowed())
    co_return ctx.deny(verdict_response(open, "exporting customers", ctx.access));
  for (auto param : ctx.url.params())
    if (param.key != "format" || param.value != "csv")
      co_return ctx.deny(bad_query("the only parameter is format=csv"));
  // Streamed page by page: memory stays bounded by one page whatever the scope size.
  *ctx.conn.stream = [this, scope = ctx.scope, agent = ctx.agent,
                      view = ctx.contact.view](body_writer& out) -> net::awaitable<void> {
    const auto& c = cfg_.customers;
    std::vector<std::string> header;
    for (const auto& f : c.fields)
      header.push_back(f.name);
    std::string first_line = mapping::csv_line(header);
    bool open = co_await out.write(first_line);
    if (!open) co_return;
    std::string after;
    std::size_t rows = 0;
    for (;;) {
      mapping::customer_query q;
      q.limit = k_export_page;
      q.after_login = after;
      auto page = co_await reads_.search(std::move(q), scope);
      if (!page) {
        // Headers are gone already; a truncated body with a marker row is all we can do.
        spdlog::warn("export by {} failed after {} rows: {}", agent, rows, page.error().message);
        std::vector<std::string> marker;
        marker.emplace_back("#error: export incomplete, the directory stopped answering");
        std::string marker_line = mapping::csv_line(marker);
        bool ignored = co_await out.write(marker_line);
        (void)ignored;
        co_return;
      }
      std::string chunk;
      for (auto& r : page->items) {
        masker_.apply(r, view);  // contact fields as the agent sees them everywhere else
        std::vector<std::string> cells;
        for (const auto& v : r.values)
          cells.push_back(v.value_or(""));
        chunk += mapping::csv_line(cells);
        ++rows;
      }
      bool still_open = co_await out.write(chunk);
      if (!still_open) co_return;
      if (!page->next_after) break;
      after = *page->next_after;
    }
    spdlog::info("audit export agent={} rows={}", agent, rows);
  };
  response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.set(http::field::content_disposition, "attachment; filename=\"customers.csv\"");
  res.set(http::field::cache_control, "no-store");
  co_return res;
}

net::awaitable<response> customer_writes::import_csv(request_context& ctx) {
  const auto& c = cfg_.customers;
  policy::agent_facts agent{ctx.scope, ctx.access, ctx.contact};
  auto open = policy::decide_section_access(agent, policy::record_action::import);
  if (!open.allowed())
    co_return ctx.deny(verdict_response(open, "importing customers", ctx.access));
  auto table = mapping::read_csv(ctx.req.body());
  // Cells this gateway's export guarded against spreadsheet formulas come back as written.
  auto check = policy::check_customer_import(c, ctx.access.mode, table, true);
  switch (check.refusal) {
    case policy::customer_import_refusal::none:
      break;
    case policy::customer_import_refusal::mode_forbids:
      co_return ctx.deny(mode_refused("importing customers", ctx.access));
    case policy::customer_import_refusal::bad_csv:
      co_return ctx.deny(problem(http::status::bad_request, "bad-csv", check.detail));
    case policy::customer_import_refusal::invalid:
      co_return ctx.deny(invalid_import(problem_rows(check.problems)));
  }

  // Look up only within the scope: a login outside it is absent exactly like a missing one.
  std::map<std::string, std::string, std::less<>> in_scope;
  for (const auto& row : check.rows) {
    if (row.login.empty()) continue;
    std::string login = row.login;
    auto existing = co_await authoritative_.find(std::move(login), ctx.scope);
    if (!existing) co_return ctx.fail(query_failed(existing.error()));
    if (*existing) in_scope[row.login] = (*existing)->dn;
  }
  auto plan = policy::plan_customer_import(std::move(check.rows), in_scope, *ctx.scope);
  if (!plan.problems.empty()) co_return ctx.deny(invalid_import(problem_rows(plan.problems)));

  // Apply in order; on the first failure stop and say exactly what was and was not applied.
  json::array applied;
  std::size_t created = 0, updated = 0;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    auto& step = plan.steps[i];
    mapping::write_error failure;
    bool ok = false;
    std::string login = step.login;
    // One co_await per statement (docs/compiler-notes.md).
    if (step.create) {
      std::string owner = ctx.who->dn;
      auto made = co_await store_.create(std::move(step.fields), std::move(owner));
      ok = made.has_value();
      if (ok)
        login = *made;
      else
        failure = made.error();
    } else {
      std::string dn = step.dn;
      auto changed = co_await store_.update(std::move(dn), std::move(step.fields));
      ok = changed.has_value();
      if (!ok) failure = changed.error();
    }
    note_write();
    if (!ok) {
      spdlog::warn("import by {} stopped at row {}: {}", ctx.agent, step.line, failure.message);
      json::array not_attempted;
      for (std::size_t k = i + 1; k < plan.steps.size(); ++k)
        not_attempted.push_back(plan.steps[k].line);
      auto refused = refusal_of(failure);
      json::object extra;
      extra["failed_row"] = step.line;
      extra["applied"] = std::move(applied);
      extra["not_attempted"] = std::move(not_attempted);
      co_return ctx.fail(problem(http::status::conflict, refused.type,
                                 "row " + std::to_string(step.line) +
                                     " failed; earlier rows were applied, later rows were not "
                                     "attempted",
                                 std::move(extra)));
    }
    (step.create ? created : updated) += 1;
    applied.push_back(row_entry(step.line, login, step.create ? "created" : "updated"));
  }
  spdlog::info("audit import agent={} created={} updated={}", ctx.agent, created, updated);
  ctx.items = created + updated;
  json::object report;
  report["created"] = created;
  report["updated"] = updated;
  report["rows"] = std::move(applied);
  co_return json_response(report, http::status::ok);
}

}  // namespace scopegate::gateway::agent_api
