// The customer CSV import as decisions: mode gate, header, per-row checks with line
// numbers, then create/update per row from the in-scope lookups, scope-checked.
#include <doctest/doctest.h>

#include "policy/customer_import_plan.hpp"

using namespace scopegate;
using namespace scopegate::policy;

namespace {

config::customers_config customers() {
  config::customers_config c;
  c.fields = {
      {"login", "uid"}, {"customer_id", "scopegateCustomerId"}, {"name", "cn"}, {"email", "mail"}};
  return c;
}

mapping::access_scope scope_of(std::vector<std::string> ids) {
  mapping::access_scope s;
  s.kind = mapping::scope_kind::some;
  s.rule = mapping::scope_rule::partner_mapping;
  s.customer_ids = std::move(ids);
  return s;
}

customer_import_check check(std::string_view csv,
                            config::access_mode mode = config::access_mode::full) {
  return check_customer_import(customers(), mode, mapping::read_csv(csv));
}

using in_scope_map = std::map<std::string, std::string, std::less<>>;

}  // namespace

TEST_CASE("only full and edit_import may import") {
  for (auto m : {config::access_mode::edit, config::access_mode::edit_export,
                 config::access_mode::view_only, config::access_mode::hidden}) {
    auto c = check("login,customer_id\nx,C1\n", m);
    CHECK(c.refusal == customer_import_refusal::mode_forbids);
    CHECK(c.rows.empty());
  }
  CHECK(check("login\nx\n", config::access_mode::edit_import).refusal ==
        customer_import_refusal::none);
}

TEST_CASE("not CSV, or no header: bad_csv") {
  auto c = check("login\n\"open");
  CHECK(c.refusal == customer_import_refusal::bad_csv);
  CHECK(c.detail == "line 2: a quoted cell is not closed");
  CHECK(check("").refusal == customer_import_refusal::bad_csv);
  CHECK(check("").detail == "the CSV has no header row");
}

TEST_CASE("header problems: unknown or non-importable columns, repeated columns") {
  auto c = check("login,shoe_size\n");
  REQUIRE(c.refusal == customer_import_refusal::invalid);
  CHECK(c.problems[0].reason == "column 'shoe_size' is not an importable field");
  CHECK(c.problems[0].line == 1);
  // No login column: every row creates a customer.
  CHECK(check("customer_id,name\nC1,x\n").refusal == customer_import_refusal::none);
  auto twice = check("login,email,email\nx,a,b\n");
  REQUIRE(twice.refusal == customer_import_refusal::invalid);
  CHECK(twice.problems[0].reason == "column 'email' appears twice");
  auto cfg = customers();
  cfg.editable_fields = {"name"};
  auto locked = check_customer_import(cfg, config::access_mode::full,
                                      mapping::read_csv("login,email\nx,a\n"));
  CHECK(locked.refusal == customer_import_refusal::invalid);
  CHECK(field_editable(cfg, "name"));
  CHECK_FALSE(field_editable(cfg, "email"));
  CHECK_FALSE(field_editable(customers(), "login"));
}

TEST_CASE("too many rows") {
  std::string csv = "login\n";
  for (std::size_t i = 0; i <= k_max_import_rows; ++i)
    csv += "u" + std::to_string(i) + "\n";
  auto c = check(csv);
  CHECK(c.refusal == customer_import_refusal::invalid);
  CHECK(c.problems.at(0).reason == "at most 10000 rows per import");
}

TEST_CASE("row problems carry the file line and the login") {
  auto c = check(
      "login,customer_id,email\n"
      "alice,C1,a@x\n"
      "\n"
      "bob,C1\n"
      ",C1,\n"
      ",C1,\n"
      "alice,C1,\n"
      "carol,C1,\"two\nlines\"\n");
  REQUIRE(c.refusal == customer_import_refusal::invalid);
  REQUIRE(c.problems.size() == 3);  // rows without a login are new customers, never twice
  CHECK(c.problems[0].line == 4);
  CHECK(c.problems[0].reason == "expected 3 cells, got 2");
  CHECK(c.problems[1].line == 7);
  CHECK(c.problems[1].login == "alice");
  CHECK(c.problems[1].reason == "login appears twice");
  CHECK(c.problems[2].line == 8);
  CHECK(c.problems[2].reason == "a value is too long or contains control characters");
}

TEST_CASE("plan: found logins update, rows without a login create; scope is checked on every ID") {
  auto c = check(
      "login,customer_id,name,email\n"
      "alice,,Alice,\n"
      "bob,C2,Bob,b@x\n"
      ",C1,Carol,c@x\n");
  REQUIRE(c.refusal == customer_import_refusal::none);
  REQUIRE(c.rows.size() == 3);
  in_scope_map found{{"alice", "uid=alice,ou=c,dc=x"}, {"bob", "uid=bob,ou=c,dc=x"}};
  auto plan = plan_customer_import(c.rows, found, scope_of({"C1", "C2"}));
  REQUIRE(plan.problems.empty());
  REQUIRE(plan.steps.size() == 3);
  const auto& alice = plan.steps[0];
  CHECK_FALSE(alice.create);
  CHECK(alice.dn == "uid=alice,ou=c,dc=x");
  CHECK_FALSE(alice.fields.contains("customer_id"));  // empty cell: keep the current ID
  CHECK(alice.fields.at("name") == "Alice");
  CHECK_FALSE(alice.fields.at("email").has_value());  // empty cell: remove
  CHECK_FALSE(plan.steps[1].create);
  const auto& carol = plan.steps[2];
  CHECK(carol.create);
  CHECK(carol.line == 4);
  CHECK(carol.login.empty());
  CHECK_FALSE(carol.fields.contains("login"));  // the store assigns it
  CHECK(carol.fields.at("customer_id") == "C1");
}

TEST_CASE("plan refusals: out-of-scope IDs, new customers without an ID; nothing planned") {
  auto c = check(
      "login,customer_id\n"
      "alice,C9\n"
      ",\n"
      ",C1\n");
  REQUIRE(c.refusal == customer_import_refusal::none);
  in_scope_map found{{"alice", "uid=alice,ou=c,dc=x"}};
  auto plan = plan_customer_import(c.rows, found, scope_of({"C1"}));
  REQUIRE(plan.problems.size() == 2);
  CHECK(plan.problems[0].line == 2);
  CHECK(plan.problems[0].reason == "customer ID outside this agent's scope");
  CHECK(plan.problems[1].line == 3);
  CHECK(plan.problems[1].reason == "new customer without customer_id");
  CHECK(plan.steps.empty());
  auto none = plan_customer_import(check("login,customer_id\n,C1\n").rows, {}, scope_of({}));
  CHECK(none.problems.size() == 1);
}

TEST_CASE("a login not in the scope is refused the same way whatever the row holds") {
  // The gateway finds out-of-scope and missing logins alike absent from `in_scope`; the
  // reason must not depend on the rest of the row either (no "exists", no create).
  for (std::string row : {"mallory,C1", "mallory,C9", "mallory,", "nobody,C1"}) {
    INFO(row);
    auto plan =
        plan_customer_import(check("login,customer_id\n" + row + "\n").rows, {}, scope_of({"C1"}));
    REQUIRE(plan.problems.size() == 1);
    CHECK(plan.problems[0].reason == "no such customer in your scope");
    CHECK(plan.steps.empty());
  }
}

TEST_CASE("formula guards from an export can be undone on import") {
  auto table = mapping::read_csv("login,email\n" + mapping::csv_line({"alice", "=1+2"}));
  auto kept = check_customer_import(customers(), config::access_mode::full, table);
  CHECK(kept.rows.at(0).fields.at("email") == "'=1+2");
  auto undone = check_customer_import(customers(), config::access_mode::full, table, true);
  CHECK(undone.rows.at(0).fields.at("email") == "=1+2");
}
