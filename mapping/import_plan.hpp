// The partner -> customer-ID mapping import (CSV rows "partner_id,customer_id") as a pure
// plan: which IDs each partner gains and loses, which partners would be created, which
// rows are rejected (with their line), and which IDs would move between partners, so the
// dashboard can show the plan before anything is written.
//
//   auto table = mapping::read_csv(body);                       // refuse on table.error
//   auto partners = co_await store.list_partners();
//   auto plan = mapping::plan_mapping_import(table, *partners, {.mode = import_mode::replace});
//   if (!plan.rejected.empty()) return refuse_422(plan.rejected);   // nothing changed
//   for (auto& c : plan.changes) co_await store.change_customer_ids(c.partner_id, c.add,
//                                                                   c.remove, c.expected_version);
//
// Rules (as the dashboard import always had them): an optional header row whose first of
// two cells is "partner_id"; each row exactly two cells; a valid partner ID naming an
// existing partner (or, with create_missing_partners, one to create); a valid customer ID.
// Any rejected row rejects the whole file. merge adds the listed IDs; replace also removes,
// from each partner named in the file, the IDs the file does not list for it (partners the
// file does not name are left alone).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/change_record.hpp"
#include "mapping/csv.hpp"
#include "mapping/mapping_store.hpp"

namespace scopegate::mapping {

enum class import_mode { merge, replace };
// "" and "merge" -> merge, "replace" -> replace, anything else nullopt.
[[nodiscard]] std::optional<import_mode> parse_import_mode(std::string_view text);
[[nodiscard]] std::string_view to_string(import_mode m);

struct mapping_import_options {
  import_mode mode = import_mode::merge;
  // A valid partner ID naming no partner: false (as always) rejects the row; true plans
  // the partner's creation (its name is its ID).
  bool create_missing_partners = false;
  // Remove the `'` that mapping::csv_line puts before formula-like cells, so a file this
  // gateway exported imports unchanged.
  bool undo_formula_guard = false;
};

struct import_rejection {
  std::size_t line = 0;  // line of the file; 0: the file as a whole
  std::string reason;
};
// "line N: reason" (or just the reason for line 0).
[[nodiscard]] std::string describe(const import_rejection& r);

struct partner_creation {
  std::string partner_id;
  std::string name;                       // the partner ID
  std::vector<std::string> customer_ids;  // sorted, unique
};

struct partner_change {
  std::string partner_id;
  std::vector<std::string> add;     // sorted, not held now
  std::vector<std::string> remove;  // sorted, held now (replace mode only)
  std::string expected_version;     // the version read; pass to change_customer_ids
  partner_state before;             // for the history entry
};

// A customer ID this import gives to `to_partner_id` that `from_partner_id` holds now.
struct id_move {
  std::string customer_id;
  std::string from_partner_id;
  std::string to_partner_id;
  std::size_t line = 0;      // the row that gives it
  bool source_keeps = true;  // false: this import also removes it from from_partner_id
};

struct mapping_import_plan {
  std::size_t rows = 0;                    // data rows read (header excluded)
  std::vector<import_rejection> rejected;  // non-empty: apply nothing
  std::vector<partner_creation> creates;   // by partner ID
  std::vector<partner_change> changes;     // by partner ID; only partners that change
  std::vector<id_move> moves;              // by customer ID, then target partner
  std::vector<std::string> customer_ids;   // every customer ID named, sorted, unique
  [[nodiscard]] bool acceptable() const { return rejected.empty(); }
};

// The plan for `table` (read without error) against the partners as they are now.
[[nodiscard]] mapping_import_plan plan_mapping_import(const csv_table& table,
                                                      const std::vector<partner_record>& partners,
                                                      const mapping_import_options& options);

}  // namespace scopegate::mapping
