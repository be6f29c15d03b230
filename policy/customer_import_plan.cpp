#include "policy/customer_import_plan.hpp"

#include <algorithm>
#include <set>

#include "policy/access_mode.hpp"

namespace scopegate::policy {

namespace {

bool clean_value(std::string_view v) {
  if (v.size() > k_max_import_value) return false;
  return std::none_of(v.begin(), v.end(), [](char ch) {
    auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f;
  });
}

bool known_field(const config::customers_config& c, std::string_view name) {
  return std::any_of(c.fields.begin(), c.fields.end(),
                     [&](const config::customer_field& f) { return f.name == name; });
}

}  // namespace

bool field_editable(const config::customers_config& c, std::string_view field) {
  if (field == "login") return false;
  if (c.editable_fields.empty()) return known_field(c, field);
  return std::find(c.editable_fields.begin(), c.editable_fields.end(), field) !=
         c.editable_fields.end();
}

customer_import_check check_customer_import(const config::customers_config& c,
                                            config::access_mode mode,
                                            const mapping::csv_table& table,
                                            bool undo_formula_guard) {
  customer_import_check out;
  if (!can_import(mode)) {
    out.refusal = customer_import_refusal::mode_forbids;
    out.detail = std::string("importing customers is not allowed in access mode '") +
                 config::to_string(mode) + "'";
    return out;
  }
  if (table.error || table.rows.empty()) {
    out.refusal = customer_import_refusal::bad_csv;
    out.detail = table.error ? table.error->message : "the CSV has no header row";
    return out;
  }
  auto problem = [&](std::size_t line, std::string login, std::string reason) {
    out.problems.push_back({line, std::move(login), std::move(reason)});
  };
  const auto& head = table.rows.front();
  std::vector<std::string> header = head.cells;
  if (undo_formula_guard)
    for (auto& name : header)
      name = mapping::strip_formula_guard(name);
  std::set<std::string, std::less<>> columns;
  for (const auto& name : header) {
    if (!known_field(c, name) ||
        (!field_editable(c, name) && name != "login" && name != "customer_id"))
      problem(head.line, "", "column '" + name.substr(0, 64) + "' is not an importable field");
    else if (!columns.insert(name).second)
      // Two cells for one field would make a row mean two things.
      problem(head.line, "", "column '" + name + "' appears twice");
  }
  if (table.rows.size() - 1 > k_max_import_rows)
    problem(head.line, "", "at most " + std::to_string(k_max_import_rows) + " rows per import");
  if (!out.problems.empty()) {
    out.refusal = customer_import_refusal::invalid;
    return out;
  }

  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 1; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    if (row.cells.size() != header.size()) {
      problem(row.line, "",
              "expected " + std::to_string(header.size()) + " cells, got " +
                  std::to_string(row.cells.size()));
      continue;
    }
    customer_import_row r;
    r.line = row.line;
    std::string reason;
    for (std::size_t k = 0; k < header.size(); ++k) {
      auto cell = undo_formula_guard ? mapping::strip_formula_guard(row.cells[k]) : row.cells[k];
      if (!clean_value(cell)) reason = "a value is too long or contains control characters";
      if (header[k] == "login")
        r.login = std::move(cell);
      else if (cell.empty() && header[k] != "customer_id")
        r.fields[header[k]] = std::nullopt;
      else
        r.fields[header[k]] = std::move(cell);
    }
    if (reason.empty() && !r.login.empty() && !seen.insert(r.login).second)
      reason = "login appears twice";
    if (!reason.empty()) {
      problem(r.line, r.login, reason);
      continue;
    }
    out.rows.push_back(std::move(r));
  }
  if (!out.problems.empty()) out.refusal = customer_import_refusal::invalid;
  return out;
}

customer_import_plan plan_customer_import(
    std::vector<customer_import_row> rows,
    const std::map<std::string, std::string, std::less<>>& in_scope,
    const mapping::access_scope& scope) {
  customer_import_plan plan;
  for (auto& r : rows) {
    customer_import_step s;
    s.line = r.line;
    s.login = r.login;
    s.fields = std::move(r.fields);
    auto id = s.fields.find("customer_id");
    bool has_id = id != s.fields.end() && id->second && !id->second->empty();
    std::string reason;
    if (s.login.empty()) {
      // A new customer: the store assigns its login.
      if (!has_id) reason = "new customer without customer_id";
      s.create = true;
    } else if (auto found = in_scope.find(s.login); found != in_scope.end()) {
      s.dn = found->second;
      if (id != s.fields.end() && !has_id) s.fields.erase(id);  // empty: keep the current ID
    } else {
      // Missing and out of scope read the same, whatever else the row holds.
      reason = "no such customer in your scope";
    }
    if (reason.empty() && has_id && !scope.allows(*s.fields.at("customer_id")))
      reason = "customer ID outside this agent's scope";
    if (!reason.empty()) {
      plan.problems.push_back({s.line, s.login, std::move(reason)});
      continue;
    }
    plan.steps.push_back(std::move(s));
  }
  if (!plan.problems.empty()) plan.steps.clear();
  return plan;
}

}  // namespace scopegate::policy
