// GET /api/v1/customers/export (streamed CSV of every customer in scope, contact fields as
// the agent sees them) and POST /api/v1/customers/import (CSV; every row validated before
// anything is written).
#include <spdlog/spdlog.h>
#include <set>

#include "gateway/agent_api/customer_fields.hpp"
#include "gateway/agent_api/resources.hpp"
#include "gateway/http/problem.hpp"
#include "mapping/csv.hpp"

namespace scopegate::gateway::agent_api {

namespace json = boost::json;

namespace {

constexpr std::size_t k_max_import_rows = 10'000;
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

// One validated import row: create (dn empty) or update.
struct planned_row {
  std::size_t row = 0;
  std::string login;
  std::string dn;
  mapping::field_changes fields;
};

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
  auto parsed = mapping::read_csv(ctx.req.body());
  if (parsed.error || parsed.rows.empty())
    co_return ctx.deny(problem(http::status::bad_request, "bad-csv",
                               parsed.error ? parsed.error->message : "the CSV has no header row"));
  // Cells this gateway's export guarded against spreadsheet formulas come back as written.
  std::vector<std::vector<std::string>> rows;
  for (auto& r : parsed.rows) {
    for (auto& cell : r.cells)
      cell = mapping::strip_formula_guard(cell);
    rows.push_back(std::move(r.cells));
  }
  const auto& header = rows.front();
  json::array problems;
  auto fail_row = [&](std::size_t row, const std::string& login, const std::string& reason) {
    json::object o;
    o["row"] = row;
    o["login"] = login;
    o["reason"] = reason;
    problems.push_back(std::move(o));
  };
  for (const auto& name : header)
    if (!known_field(c, name) || (!editable(c, name) && name != "login" && name != "customer_id"))
      fail_row(1, "", "column '" + name.substr(0, 64) + "' is not an importable field");
  if (std::find(header.begin(), header.end(), "login") == header.end())
    fail_row(1, "", "the header needs a 'login' column");
  if (rows.size() - 1 > k_max_import_rows) fail_row(1, "", "at most 10000 rows per import");
  if (!problems.empty()) co_return ctx.deny(invalid_import(std::move(problems)));

  // Validate every row before writing anything.
  std::vector<planned_row> plan;
  std::set<std::string> seen;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& cells = rows[i];
    std::size_t row = i + 1;
    if (cells.size() != header.size()) {
      fail_row(row, "",
               "expected " + std::to_string(header.size()) + " cells, got " +
                   std::to_string(cells.size()));
      continue;
    }
    planned_row p;
    p.row = row;
    std::string reason;
    for (std::size_t k = 0; k < header.size(); ++k) {
      if (!clean_value(cells[k])) reason = "a value is too long or contains control characters";
      if (header[k] == "login")
        p.login = cells[k];
      else if (cells[k].empty() && header[k] != "customer_id")
        p.fields[header[k]] = std::nullopt;
      else
        p.fields[header[k]] = cells[k];
    }
    if (reason.empty() && p.login.empty()) reason = "login is empty";
    if (reason.empty() && !seen.insert(p.login).second) reason = "login appears twice";
    if (!reason.empty()) {
      fail_row(row, p.login, reason);
      continue;
    }
    auto existing = co_await authoritative_.find(p.login, ctx.scope);
    if (!existing) co_return ctx.fail(query_failed(existing.error()));
    auto id = p.fields.find("customer_id");
    bool has_id = id != p.fields.end() && id->second && !id->second->empty();
    if (*existing) {
      p.dn = (*existing)->dn;
      if (id != p.fields.end() && !has_id) p.fields.erase(id);  // empty: keep the current ID
    } else if (!has_id) {
      reason = "new customer without customer_id";
    }
    if (reason.empty() && has_id && !ctx.scope->allows(*p.fields["customer_id"]))
      reason = "customer ID outside this agent's scope";
    if (!reason.empty()) {
      fail_row(row, p.login, reason);
      continue;
    }
    plan.push_back(std::move(p));
  }
  if (!problems.empty()) co_return ctx.deny(invalid_import(std::move(problems)));

  // Apply in order; on the first failure stop and say exactly what was and was not applied.
  json::array applied;
  std::size_t created = 0, updated = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    auto& p = plan[i];
    mapping::field_changes fields = p.fields;
    bool creating = p.dn.empty();
    mapping::write_result<void> outcome;
    // One co_await per statement (docs/compiler-notes.md).
    if (creating) {
      fields["login"] = p.login;
      std::string owner = ctx.who->dn;
      outcome = co_await store_.create(std::move(fields), std::move(owner));
    } else {
      std::string dn = p.dn;
      outcome = co_await store_.update(std::move(dn), std::move(fields));
    }
    note_write();
    if (!outcome) {
      spdlog::warn("import by {} stopped at row {}: {}", ctx.agent, p.row, outcome.error().message);
      json::array not_attempted;
      for (std::size_t k = i + 1; k < plan.size(); ++k)
        not_attempted.push_back(plan[k].row);
      auto refused = refusal_of(outcome.error());
      json::object extra;
      extra["failed_row"] = p.row;
      extra["applied"] = std::move(applied);
      extra["not_attempted"] = std::move(not_attempted);
      co_return ctx.fail(problem(http::status::conflict, refused.type,
                                 "row " + std::to_string(p.row) +
                                     " failed; earlier rows were applied, later rows were not "
                                     "attempted",
                                 std::move(extra)));
    }
    (creating ? created : updated) += 1;
    applied.push_back(row_entry(p.row, p.login, creating ? "created" : "updated"));
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
