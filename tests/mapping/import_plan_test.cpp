// The mapping CSV import as a plan: header, merge and replace, rejected rows with their
// line, partners to create, and customer IDs that would move between partners.
#include <doctest/doctest.h>

#include "mapping/import_plan.hpp"

using namespace scopegate::mapping;

namespace {

using ids = std::vector<std::string>;

std::vector<partner_record> partners() {
  return {{"cn=acme", "acme", "Acme", {"A1", "A2"}, {}, "va"},
          {"cn=beta", "beta", "Beta", {"B1", "S"}, {}, "vb"}};
}

mapping_import_plan plan(std::string_view csv, mapping_import_options o = {}) {
  auto t = read_csv(csv);
  REQUIRE_FALSE(t.error);
  return plan_mapping_import(t, partners(), o);
}

}  // namespace

TEST_CASE("merge adds only what a partner lacks; the header row is optional") {
  auto p = plan("partner_id,customer_id\r\nacme,A1\r\nacme,A3\r\nacme,A3\r\n");
  CHECK(p.acceptable());
  CHECK(p.rows == 3);
  REQUIRE(p.changes.size() == 1);
  CHECK(p.changes[0].partner_id == "acme");
  CHECK(p.changes[0].add == ids{"A3"});
  CHECK(p.changes[0].remove.empty());
  CHECK(p.changes[0].expected_version == "va");
  CHECK(p.changes[0].before.customer_ids == ids{"A1", "A2"});
  CHECK(p.customer_ids == ids{"A1", "A3"});
  CHECK(p.moves.empty());
  CHECK(p.creates.empty());

  auto headless = plan("acme,A3\n");
  CHECK(headless.rows == 1);
  REQUIRE(headless.changes.size() == 1);
  CHECK(headless.changes[0].add == ids{"A3"});
  // Nothing to change: an empty plan, still acceptable.
  CHECK(plan("acme,A1\n").changes.empty());
}

TEST_CASE("replace also removes, from each partner the file names, what it does not list") {
  auto p = plan("acme,A2\nacme,A9\n", {.mode = import_mode::replace});
  REQUIRE(p.changes.size() == 1);  // beta is not in the file: untouched
  CHECK(p.changes[0].add == ids{"A9"});
  CHECK(p.changes[0].remove == ids{"A1"});
  CHECK(parse_import_mode("") == import_mode::merge);
  CHECK(parse_import_mode("replace") == import_mode::replace);
  CHECK_FALSE(parse_import_mode("Replace"));
}

TEST_CASE("rows are rejected with their line, and one rejected row rejects the file") {
  auto p = plan(
      "partner_id,customer_id\n"
      "acme,A3\n"
      "\n"
      "nobody,X\n"
      "acme,\n"
      "-bad,X\n"
      "\"acme\nx\",Y\n"
      "acme,A4,extra\n");
  CHECK_FALSE(p.acceptable());
  REQUIRE(p.rejected.size() == 5);
  CHECK(describe(p.rejected[0]) == "line 4: no partner with ID nobody");
  CHECK(describe(p.rejected[1]) ==
        "line 5: invalid customer ID (empty, too long or control characters)");
  CHECK(describe(p.rejected[2]) == "line 6: invalid partner ID");
  CHECK(describe(p.rejected[3]) == "line 7: invalid partner ID");
  CHECK(describe(p.rejected[4]) == "line 9: expected 2 fields (partner_id,customer_id), got 3");
  CHECK(p.customer_ids.empty());  // nothing to check or write

  auto bad_id = plan("acme,\"A\tB\"\n");
  REQUIRE(bad_id.rejected.size() == 1);
  CHECK(bad_id.rejected[0].line == 1);

  auto empty = plan("partner_id,customer_id\n");
  REQUIRE(empty.rejected.size() == 1);
  CHECK(describe(empty.rejected[0]) == "the file has no mapping rows");
  CHECK_FALSE(plan_mapping_import(csv_table{}, partners(), {}).acceptable());
}

TEST_CASE("an ID given to a partner while another holds it is listed as a move") {
  auto merge = plan("acme,A1\nacme,S\nacme,B1\n");
  REQUIRE(merge.moves.size() == 2);
  CHECK(merge.moves[0].customer_id == "B1");
  CHECK(merge.moves[0].from_partner_id == "beta");
  CHECK(merge.moves[0].to_partner_id == "acme");
  CHECK(merge.moves[0].line == 3);
  CHECK(merge.moves[0].source_keeps);  // merge never removes from beta
  CHECK(merge.moves[1].customer_id == "S");
  CHECK(merge.moves[1].line == 2);

  // Replace with beta in the file, not listing S for it: S really moves from beta to acme.
  auto replace = plan("acme,S\nbeta,B1\n", {.mode = import_mode::replace});
  REQUIRE(replace.moves.size() == 1);
  CHECK(replace.moves[0].customer_id == "S");
  CHECK_FALSE(replace.moves[0].source_keeps);
  REQUIRE(replace.changes.size() == 2);
  CHECK(replace.changes[1].partner_id == "beta");
  CHECK(replace.changes[1].remove == ids{"S"});
  // An ID the partner already holds is no move.
  CHECK(plan("beta,S\n").moves.empty());
}

TEST_CASE("missing partners: rejected by default, planned for creation when asked") {
  CHECK_FALSE(plan("gamma,G1\n").acceptable());
  auto p = plan("gamma,G2\ngamma,G1\ngamma,A1\n", {.create_missing_partners = true});
  REQUIRE(p.acceptable());
  REQUIRE(p.creates.size() == 1);
  CHECK(p.creates[0].partner_id == "gamma");
  CHECK(p.creates[0].name == "gamma");
  CHECK(p.creates[0].customer_ids == ids{"A1", "G1", "G2"});
  REQUIRE(p.moves.size() == 1);
  CHECK(p.moves[0].from_partner_id == "acme");
  CHECK(p.moves[0].to_partner_id == "gamma");
  // An invalid partner ID is still rejected.
  CHECK_FALSE(plan("bad id,G1\n", {.create_missing_partners = true}).acceptable());
}

TEST_CASE("formula guards of an exported file can be undone on import") {
  auto guarded = read_csv(csv_line({"acme", "-A5"}));
  REQUIRE_FALSE(guarded.error);
  auto kept = plan_mapping_import(guarded, partners(), {});
  REQUIRE(kept.changes.size() == 1);
  CHECK(kept.changes[0].add == ids{"'-A5"});
  auto undone = plan_mapping_import(guarded, partners(), {.undo_formula_guard = true});
  REQUIRE(undone.changes.size() == 1);
  CHECK(undone.changes[0].add == ids{"-A5"});
}
