// CSV import parsing: mapping::read_csv on any bytes, then the two import planners that
// consume its table (partner -> customer-ID mappings, customer rows). The first input byte
// picks the options (mode, formula guard, access mode); the rest is the file.
// Properties checked besides "no crash, no sanitizer report":
// - rows are in file order with increasing line numbers;
// - what csv_line writes after a header row, read_csv reads back cell for cell (neutralised
//   as written);
// - a mapping plan's changes name known partners, with sorted add/remove lists that do not
//   overlap, and an acceptable plan names only valid IDs;
// - a customer import plan writes only customer IDs the scope allows.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "mapping/csv.hpp"
#include "mapping/import_plan.hpp"
#include "policy/customer_import_plan.hpp"

namespace {

using namespace scopegate;

void require(bool ok, const char* what) {
  if (!ok) {
    std::printf("property violated: %s\n", what);
    std::abort();
  }
}

const config::customers_config& customers() {
  static const config::customers_config c = [] {
    std::ifstream in(SCOPEGATE_SOURCE_DIR "/scopegate.example.yaml");
    std::stringstream text;
    text << in.rdbuf();
    setenv("SCOPEGATE_LDAP_PASSWORD", "fuzz", 0);
    return config::parse_config(text.str(), "scopegate.example.yaml").customers;
  }();
  return c;
}

std::vector<mapping::partner_record> known_partners() {
  mapping::partner_record acme{.dn = "scopegatePartnerId=acme,ou=partners,dc=example,dc=com",
                               .id = "acme",
                               .name = "ACME",
                               .customer_ids = {"C1", "C2"},
                               .version = "v1"};
  mapping::partner_record globex{.dn = "scopegatePartnerId=globex,ou=partners,dc=example,dc=com",
                                 .id = "globex",
                                 .name = "Globex",
                                 .customer_ids = {"C3"},
                                 .version = "v7"};
  return {acme, globex};
}

void check_table(const mapping::csv_table& table) {
  std::size_t last = 0;
  for (const auto& row : table.rows) {
    require(row.line > last, "rows in order with increasing line numbers");
    last = row.line;
  }
  if (table.error) return;
  // The writer's output reads back as written. Files start with a header row, as every
  // export does (a first cell starting with a byte order mark would otherwise be read as
  // the file's BOM).
  std::string written = mapping::csv_line({"header"});
  std::vector<std::vector<std::string>> expected{{"header"}};
  for (const auto& row : table.rows) {
    // A single empty cell is written as an empty line, which readers skip.
    if (row.cells.size() == 1 && row.cells[0].empty()) continue;
    written += mapping::csv_line(row.cells);
    auto& cells = expected.emplace_back();
    for (const auto& c : row.cells)
      cells.push_back(mapping::neutralise_formula(c));
  }
  auto again = mapping::read_csv(written);
  require(!again.error, "csv_line output is valid CSV");
  require(again.rows.size() == expected.size(), "csv_line output has as many rows");
  for (std::size_t i = 0; i < expected.size(); ++i)
    require(again.rows[i].cells == expected[i], "csv_line output reads back cell for cell");
}

void check_mapping_plan(const mapping::csv_table& table, std::uint8_t options) {
  auto partners = known_partners();
  mapping::mapping_import_options opts{
      .mode = (options & 1) ? mapping::import_mode::replace : mapping::import_mode::merge,
      .create_missing_partners = (options & 2) != 0,
      .undo_formula_guard = (options & 4) != 0};
  auto plan = mapping::plan_mapping_import(table, partners, opts);
  for (const auto& change : plan.changes) {
    require(std::any_of(partners.begin(), partners.end(),
                        [&](const auto& p) { return p.id == change.partner_id; }),
            "a change names a known partner");
    require(std::is_sorted(change.add.begin(), change.add.end()), "add is sorted");
    require(std::is_sorted(change.remove.begin(), change.remove.end()), "remove is sorted");
    for (const auto& id : change.add)
      require(!std::binary_search(change.remove.begin(), change.remove.end(), id),
              "no ID is both added and removed");
  }
  require(std::is_sorted(plan.customer_ids.begin(), plan.customer_ids.end()),
          "customer_ids sorted");
  if (!opts.create_missing_partners)
    require(plan.creates.empty() || !plan.acceptable(), "no creation unless asked");
  if (plan.acceptable())
    for (const auto& id : plan.customer_ids)
      require(mapping::valid_mapping_value(id), "an acceptable plan names valid IDs only");
}

void check_customer_plan(const mapping::csv_table& table, std::uint8_t options) {
  const auto mode = static_cast<config::access_mode>((options >> 3) % 6);
  auto check = policy::check_customer_import(customers(), mode, table, (options & 4) != 0);
  if (check.refusal != policy::customer_import_refusal::none) {
    require(check.rows.empty() || check.refusal == policy::customer_import_refusal::invalid,
            "a refused file yields no rows to write");
    return;
  }
  for (const auto& row : check.rows) {
    for (const auto& [field, value] : row.fields)
      require(!value || value->size() <= policy::k_max_import_value, "values within the limit");
  }
  mapping::access_scope scope{.kind = mapping::scope_kind::some,
                              .rule = mapping::scope_rule::partner_mapping,
                              .customer_ids = {"C1", "C2"}};
  std::map<std::string, std::string, std::less<>> in_scope{
      {"alice", "uid=alice,ou=customers,dc=example,dc=com"},
      {"bob", "uid=bob,ou=customers,dc=example,dc=com"}};
  auto plan = policy::plan_customer_import(std::move(check.rows), in_scope, scope);
  if (!plan.problems.empty()) return;
  for (const auto& step : plan.steps) {
    // Logins are assigned by the gateway: a row creates exactly when it names no login, and
    // a named login is updated only when it is in scope (else the plan has a problem).
    require(step.create == step.login.empty(), "create exactly the rows without a login");
    if (!step.create) require(in_scope.contains(step.login), "update only in-scope customers");
    if (auto id = step.fields.find("customer_id"); id != step.fields.end() && id->second)
      require(scope.allows(*id->second), "only customer IDs the scope allows are written");
    if (step.create)
      require(step.fields.contains("customer_id"), "a created customer has a customer ID");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t options = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto table = mapping::read_csv(text);
  check_table(table);
  if (table.error) return 0;
  check_mapping_plan(table, options);
  check_customer_plan(table, options);
  return 0;
}
