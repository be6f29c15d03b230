// The customer CSV import (POST /api/v1/customers/import) as pure decisions: which files
// and rows are acceptable for this agent (access mode, importable columns, value rules),
// and, once the gateway has looked each login up within the agent's scope, which rows
// create and which update a customer. A row with a login updates that customer if it is in
// the agent's scope and is refused exactly like a missing one otherwise; a row without a
// login creates a customer whose login the store assigns. So no answer depends on whether
// a login exists outside the scope. The LDAP writes stay with the caller, which applies the
// steps in order and stops at the first that fails.
//
//   auto check = policy::check_customer_import(cfg.customers, ctx.access.mode, table);
//   if (check.refusal != customer_import_refusal::none) return refuse(check);
//   std::map<std::string, std::string, std::less<>> in_scope;          // login -> DN
//   for (auto& row : check.rows) if (!row.login.empty() && *co_await find(row.login, scope))
//     in_scope[row.login] = (*r)->dn;
//   auto plan = policy::plan_customer_import(std::move(check.rows), in_scope, *scope);
//   if (!plan.problems.empty()) return refuse_422(plan.problems);      // nothing written
//   for (auto& s : plan.steps) apply(s);                               // create or update
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "mapping/access_scope.hpp"
#include "mapping/csv.hpp"
#include "mapping/customer_store.hpp"

namespace scopegate::policy {

inline constexpr std::size_t k_max_import_rows = 10'000;
inline constexpr std::size_t k_max_import_value = 1024;

// May agents change `field` (a customers.fields name)? login never; customers.editable_fields
// when set, else every configured field.
[[nodiscard]] bool field_editable(const config::customers_config& c, std::string_view field);

struct import_problem {
  std::size_t line = 0;  // line of the file (the header's line for column problems)
  std::string login;     // empty when unknown
  std::string reason;
};

enum class customer_import_refusal {
  none,
  mode_forbids,  // 403: the agent's access mode does not allow imports
  bad_csv,       // 400: not CSV, or no header row (detail says which)
  invalid,       // 422: columns or rows are wrong (problems lists them); nothing written
};

// A row that passed the checks that need no directory: login and the fields to write
// (an empty cell removes the attribute, except customer_id: see plan_customer_import).
struct customer_import_row {
  std::size_t line = 0;
  std::string login;
  mapping::field_changes fields;
};

struct customer_import_check {
  customer_import_refusal refusal = customer_import_refusal::none;
  std::string detail;  // bad_csv: the reason
  std::vector<import_problem> problems;
  std::vector<customer_import_row> rows;  // file order; look each login up in scope next
};

// Mode, header (known, importable, unique columns; at most k_max_import_rows rows; the
// login column is optional), then every row: as many cells as the header, values of at most
// k_max_import_value bytes without control characters, no login twice (empty: a new one).
// With undo_formula_guard, the `'` mapping::csv_line puts before formula-like cells is
// removed first (files exported by this gateway import unchanged).
[[nodiscard]] customer_import_check check_customer_import(const config::customers_config& c,
                                                          config::access_mode mode,
                                                          const mapping::csv_table& table,
                                                          bool undo_formula_guard = false);

struct customer_import_step {
  std::size_t line = 0;
  std::string login;
  bool create = false;  // true: create (login empty: the store assigns one); false: update `dn`
  std::string dn;
  mapping::field_changes fields;
};

struct customer_import_plan {
  std::vector<import_problem> problems;  // non-empty: write nothing (422)
  std::vector<customer_import_step> steps;
};

// `in_scope`: login -> DN of the rows' customers that exist within the agent's scope (a
// login outside the scope is absent, exactly like a missing one). A found login updates
// (an empty customer_id cell keeps the current ID); any other login is "no such customer in
// your scope"; a row without a login creates and needs a customer_id; any customer ID
// written must be allowed by `scope`.
[[nodiscard]] customer_import_plan plan_customer_import(
    std::vector<customer_import_row> rows,
    const std::map<std::string, std::string, std::less<>>& in_scope,
    const mapping::access_scope& scope);

}  // namespace scopegate::policy
