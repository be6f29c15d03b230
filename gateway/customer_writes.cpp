// Customer writes, export and import: every one gated by the agent's access mode and kept
// inside the agent's scope. Writes go to LDAP as the service account; the agent is recorded
// in the access log and, on create, as the customer's owner.
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <set>

#include "gateway/api.hpp"
#include "gateway/csv.hpp"
#include "gateway/problem.hpp"

namespace scopegate::gateway {

namespace json = boost::json;

namespace {

constexpr std::size_t k_max_value = 1024;
constexpr std::size_t k_max_import_rows = 10'000;
constexpr std::size_t k_export_page = 500;

bool clean_value(std::string_view v) {
  if (v.size() > k_max_value) return false;
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

bool editable(const config::customers_config& c, std::string_view field) {
  if (field == "login") return false;
  if (c.editable_fields.empty())
    return std::any_of(c.fields.begin(), c.fields.end(),
                       [&](const config::customer_field& f) { return f.name == field; });
  return std::find(c.editable_fields.begin(), c.editable_fields.end(), field) !=
         c.editable_fields.end();
}

// Maps a customer write error to what the client is told; details stay in the log.
response write_error(const mapping::write_error& e) {
  switch (e.code) {
    case mapping::write_errc::exists:
      return problem(http::status::conflict, "customer-exists",
                     "a customer with this login already exists");
    case mapping::write_errc::constraint:
      return problem(http::status::unprocessable_entity, "constraint-violation",
                     "the directory refused a value (constraint violation)");
    case mapping::write_errc::schema:
      return problem(http::status::unprocessable_entity, "schema-violation",
                     "the directory schema does not allow these values");
    case mapping::write_errc::not_found:
      return problem(http::status::not_found, "customer-not-found", "no such customer");
    case mapping::write_errc::forbidden:
      return problem(http::status::bad_gateway, "directory-refused",
                     "the service account may not write this entry");
    case mapping::write_errc::unavailable:
      return problem(http::status::service_unavailable, "ldap-unavailable",
                     "the directory cannot be reached; try again shortly");
    case mapping::write_errc::invalid:
      return problem(http::status::unprocessable_entity, "invalid-value",
                     "a required field is missing");
    case mapping::write_errc::refused:
      break;
  }
  return problem(http::status::bad_gateway, "directory-refused",
                 "the directory refused the change");
}
// The lookups before a write fail with directory errors.
response write_error(const ldap::error& e) {
  return write_error(mapping::to_write_error(e));
}

response mode_refused(std::string_view what, const policy::access_decision& d) {
  return problem(
      http::status::forbidden, "mode-forbids",
      std::string(what) + " is not allowed in access mode '" + config::to_string(d.mode) + "'");
}

// Reads a JSON object of field -> string|null. Returns an error text, or empty on success.
std::string read_fields(const config::customers_config& c, std::string_view body, bool creating,
                        mapping::field_changes& out) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return "the body must be a JSON object of field names to values";
  for (const auto& [key, value] : v.as_object()) {
    std::string field(key);
    bool known = std::any_of(c.fields.begin(), c.fields.end(),
                             [&](const config::customer_field& f) { return f.name == field; });
    if (!known) return "unknown field '" + field.substr(0, 64) + "'";
    bool allowed = editable(c, field) || (creating && (field == "login" || field == "customer_id"));
    if (!allowed) return "field '" + field + "' cannot be " + (creating ? "set" : "changed");
    if (value.is_null()) {
      if (field == "customer_id" || field == "login") return "field '" + field + "' is required";
      out[field] = std::nullopt;
    } else if (value.is_string()) {
      std::string s(value.as_string());
      if (!clean_value(s))
        return "field '" + field + "' is too long or contains control characters";
      if (s.empty() && (field == "customer_id" || field == "login"))
        return "field '" + field + "' must not be empty";
      out[field] = std::move(s);
    } else {
      return "field '" + field + "' must be a string or null";
    }
  }
  return {};
}

json::value row_entry(std::size_t row, const std::string& login, const char* action) {
  json::object o;
  o["row"] = row;
  o["login"] = login;
  o["action"] = action;
  return o;
}

json::value import_report(std::size_t created, std::size_t updated, json::array rows) {
  json::object o;
  o["created"] = created;
  o["updated"] = updated;
  o["rows"] = std::move(rows);
  return o;
}

response invalid_import(json::array rows) {
  auto res = problem(http::status::unprocessable_entity, "import-invalid",
                     "the import was not applied: fix the listed rows");
  auto body = json::parse(res.body()).as_object();
  body["rows"] = std::move(rows);
  res.body() = json::serialize(body);
  return res;
}

}  // namespace

net::awaitable<response> api::customers_create(context& ctx, request& req) {
  const auto& c = p_.cfg.customers;
  if (!policy::can_edit(ctx.access.mode)) {
    ctx.decision = "deny";
    co_return mode_refused("creating customers", ctx.access);
  }
  mapping::field_changes fields;
  if (auto err = read_fields(c, req.body(), true, fields); !err.empty()) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-body", err);
  }
  if (!fields.contains("login") || !fields.contains("customer_id")) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-body", "login and customer_id are required");
  }
  if (!ctx.scope->allows(*fields["customer_id"])) {
    ctx.decision = "deny";
    co_return problem(http::status::unprocessable_entity, "customer-id-out-of-scope",
                      "the customer ID is not one this agent may use");
  }
  std::string login = *fields["login"];
  auto created = co_await p_.store.create(std::move(fields), ctx.who->dn);
  if (p_.routing) p_.routing->note_write();
  if (!created) {
    spdlog::warn("create by {} failed: {}", ctx.agent, created.error().message);
    ctx.decision = "error";
    co_return write_error(created.error());
  }
  spdlog::info("audit create agent={} customer={}", ctx.agent, login);
  auto found = co_await p_.ldap_customers.find(login, ctx.scope);
  ctx.items = 1;
  if (!found || !*found) {
    response res{http::status::created, 11};
    res.set(http::field::location, "/api/v1/customers/" + login);
    co_return res;
  }
  p_.masker.apply(**found, ctx.contact.view);
  auto item = customer_json(c, **found);
  auto res = json_response(item, http::status::created);
  res.set(http::field::location, "/api/v1/customers/" + login);
  co_return res;
}

net::awaitable<response> api::customers_update(context& ctx, request& req, std::string login) {
  const auto& c = p_.cfg.customers;
  if (!policy::can_edit(ctx.access.mode)) {
    ctx.decision = "deny";
    co_return mode_refused("changing customers", ctx.access);
  }
  mapping::field_changes changes;
  if (auto err = read_fields(c, req.body(), false, changes); !err.empty()) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-body", err);
  }
  auto existing = co_await p_.ldap_customers.find(login, ctx.scope);
  if (!existing) {
    ctx.decision = "error";
    co_return write_error(existing.error());
  }
  if (!*existing) {
    ctx.decision = "not_found";
    co_return problem(http::status::not_found, "customer-not-found", "no such customer");
  }
  if (auto id = changes.find("customer_id");
      id != changes.end() && !ctx.scope->allows(*id->second)) {
    ctx.decision = "deny";
    co_return problem(http::status::unprocessable_entity, "customer-id-out-of-scope",
                      "a customer cannot be moved to a customer ID outside this agent's scope");
  }
  auto updated = co_await p_.store.update((*existing)->dn, std::move(changes));
  if (p_.routing) p_.routing->note_write();
  if (!updated) {
    spdlog::warn("update by {} failed: {}", ctx.agent, updated.error().message);
    ctx.decision = "error";
    co_return write_error(updated.error());
  }
  spdlog::info("audit update agent={} customer={}", ctx.agent, login);
  auto after = co_await p_.ldap_customers.find(login, ctx.scope);
  ctx.items = 1;
  if (!after || !*after) co_return response{http::status::no_content, 11};
  p_.masker.apply(**after, ctx.contact.view);
  auto item = customer_json(c, **after);
  co_return json_response(item, http::status::ok);
}

net::awaitable<response> api::customers_delete(context& ctx, std::string login) {
  if (!policy::can_edit(ctx.access.mode)) {
    ctx.decision = "deny";
    co_return mode_refused("deleting customers", ctx.access);
  }
  auto existing = co_await p_.ldap_customers.find(login, ctx.scope);
  if (!existing) {
    ctx.decision = "error";
    co_return write_error(existing.error());
  }
  if (!*existing) {
    ctx.decision = "not_found";
    co_return problem(http::status::not_found, "customer-not-found", "no such customer");
  }
  auto removed = co_await p_.store.remove((*existing)->dn);
  if (p_.routing) p_.routing->note_write();
  if (!removed) {
    ctx.decision = "error";
    co_return write_error(removed.error());
  }
  spdlog::info("audit delete agent={} customer={}", ctx.agent, login);
  co_return response{http::status::no_content, 11};
}

net::awaitable<response> api::customers_export(context& ctx, const connection_info& conn) {
  if (!policy::can_export(ctx.access.mode)) {
    ctx.decision = "deny";
    co_return mode_refused("exporting customers", ctx.access);
  }
  for (auto param : ctx.url.params()) {
    if (param.key != "format" || param.value != "csv") {
      ctx.decision = "deny";
      co_return problem(http::status::bad_request, "bad-query", "the only parameter is format=csv");
    }
  }
  // Streamed page by page: memory stays bounded by one page whatever the scope size.
  *conn.stream = [this, scope = ctx.scope, agent = ctx.agent,
                  view = ctx.contact.view](body_writer& out) -> net::awaitable<void> {
    const auto& c = p_.cfg.customers;
    std::vector<std::string> header;
    for (const auto& f : c.fields)
      header.push_back(f.name);
    std::string first_line = csv_row(header);
    if (!co_await out.write(first_line)) co_return;
    std::string after;
    std::size_t rows = 0;
    for (;;) {
      mapping::customer_query q;
      q.limit = k_export_page;
      q.after_login = after;
      auto page = co_await p_.customers.search(std::move(q), scope);
      if (!page) {
        // Headers are gone already; a truncated body with a marker row is all we can do.
        spdlog::warn("export by {} failed after {} rows: {}", agent, rows, page.error().message);
        std::vector<std::string> marker;
        marker.emplace_back("#error: export incomplete, the directory stopped answering");
        std::string marker_line = csv_row(marker);
        (void)co_await out.write(marker_line);
        co_return;
      }
      std::string chunk;
      for (auto& r : page->items) {
        p_.masker.apply(r, view);  // contact fields as the agent sees them everywhere else
        std::vector<std::string> cells;
        for (const auto& v : r.values)
          cells.push_back(v.value_or(""));
        chunk += csv_row(cells);
        ++rows;
      }
      if (!co_await out.write(chunk)) co_return;
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

net::awaitable<response> api::customers_import(context& ctx, request& req) {
  const auto& c = p_.cfg.customers;
  if (!policy::can_import(ctx.access.mode)) {
    ctx.decision = "deny";
    co_return mode_refused("importing customers", ctx.access);
  }
  auto table = parse_csv(req.body());
  if (!table.error.empty() || table.rows.empty()) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-csv",
                      table.error.empty() ? "the CSV has no header row" : table.error);
  }
  const auto& header = table.rows.front();
  json::array problems;
  auto fail_row = [&](std::size_t row, const std::string& login, const std::string& reason) {
    json::object o;
    o["row"] = row;
    o["login"] = login;
    o["reason"] = reason;
    problems.push_back(std::move(o));
  };
  for (const auto& name : header) {
    bool known = std::any_of(c.fields.begin(), c.fields.end(),
                             [&](const config::customer_field& f) { return f.name == name; });
    if (!known || (!editable(c, name) && name != "login" && name != "customer_id"))
      fail_row(1, "", "column '" + name.substr(0, 64) + "' is not an importable field");
  }
  if (std::find(header.begin(), header.end(), "login") == header.end())
    fail_row(1, "", "the header needs a 'login' column");
  if (table.rows.size() - 1 > k_max_import_rows) fail_row(1, "", "at most 10000 rows per import");
  if (!problems.empty()) {
    ctx.decision = "deny";
    co_return invalid_import(std::move(problems));
  }

  // Validate every row before writing anything.
  struct planned {
    std::size_t row;
    std::string login;
    std::string dn;  // empty: create
    mapping::field_changes fields;
  };
  std::vector<planned> plan;
  std::set<std::string> seen;
  for (std::size_t i = 1; i < table.rows.size(); ++i) {
    const auto& cells = table.rows[i];
    std::size_t row = i + 1;
    if (cells.size() != header.size()) {
      fail_row(row, "",
               "expected " + std::to_string(header.size()) + " cells, got " +
                   std::to_string(cells.size()));
      continue;
    }
    planned p;
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
    auto existing = co_await p_.ldap_customers.find(p.login, ctx.scope);
    if (!existing) {
      ctx.decision = "error";
      co_return write_error(existing.error());
    }
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
  if (!problems.empty()) {
    ctx.decision = "deny";
    co_return invalid_import(std::move(problems));
  }

  // Apply in order; on the first failure stop and say exactly what was and was not applied.
  json::array applied;
  std::size_t created = 0, updated = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    auto& p = plan[i];
    mapping::field_changes fields = p.fields;
    bool creating = p.dn.empty();
    if (creating) fields["login"] = p.login;
    std::string dn = p.dn;
    auto outcome = creating ? co_await p_.store.create(std::move(fields), ctx.who->dn)
                            : co_await p_.store.update(std::move(dn), std::move(fields));
    if (p_.routing) p_.routing->note_write();
    if (!outcome) {
      ctx.decision = "error";
      spdlog::warn("import by {} stopped at row {}: {}", ctx.agent, p.row, outcome.error().message);
      json::array not_attempted;
      for (std::size_t k = i + 1; k < plan.size(); ++k)
        not_attempted.push_back(plan[k].row);
      auto res = write_error(outcome.error());
      res.result(http::status::conflict);
      auto body = json::parse(res.body()).as_object();
      body["detail"] = "row " + std::to_string(p.row) + " failed; earlier rows were applied, " +
                       "later rows were not attempted";
      body["failed_row"] = p.row;
      body["applied"] = std::move(applied);
      body["not_attempted"] = std::move(not_attempted);
      res.body() = json::serialize(body);
      co_return res;
    }
    (creating ? created : updated) += 1;
    applied.push_back(row_entry(p.row, p.login, creating ? "created" : "updated"));
  }
  spdlog::info("audit import agent={} created={} updated={}", ctx.agent, created, updated);
  ctx.items = created + updated;
  auto report = import_report(created, updated, std::move(applied));
  co_return json_response(report, http::status::ok);
}

}  // namespace scopegate::gateway
