#include "mapping/import_plan.hpp"

#include <algorithm>
#include <iterator>
#include <map>

namespace scopegate::mapping {

namespace {

std::vector<std::string> difference(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool holds(const std::vector<std::string>& sorted_ids, const std::string& id) {
  return std::binary_search(sorted_ids.begin(), sorted_ids.end(), id);
}

}  // namespace

std::optional<import_mode> parse_import_mode(std::string_view text) {
  if (text.empty() || text == "merge") return import_mode::merge;
  if (text == "replace") return import_mode::replace;
  return std::nullopt;
}

std::string_view to_string(import_mode m) {
  return m == import_mode::replace ? "replace" : "merge";
}

std::string describe(const import_rejection& r) {
  if (r.line == 0) return r.reason;
  return "line " + std::to_string(r.line) + ": " + r.reason;
}

mapping_import_plan plan_mapping_import(const csv_table& table,
                                        const std::vector<partner_record>& partners,
                                        const mapping_import_options& options) {
  mapping_import_plan plan;
  std::map<std::string, const partner_record*, std::less<>> by_id;
  for (const auto& p : partners)
    by_id[p.id] = &p;

  std::size_t first = 0;
  const auto& rows = table.rows;
  if (!rows.empty() && rows.front().cells.size() == 2 && rows.front().cells[0] == "partner_id")
    first = 1;
  plan.rows = rows.size() - first;

  // partner ID -> (customer ID -> first line naming it)
  std::map<std::string, std::map<std::string, std::size_t>> wanted;
  for (std::size_t i = first; i < rows.size(); ++i) {
    const auto& row = rows[i];
    auto reject = [&](std::string reason) {
      plan.rejected.push_back({row.line, std::move(reason)});
    };
    if (row.cells.size() != 2) {
      reject("expected 2 fields (partner_id,customer_id), got " + std::to_string(row.cells.size()));
      continue;
    }
    auto pid = row.cells[0];
    auto cid = row.cells[1];
    if (options.undo_formula_guard) {
      pid = strip_formula_guard(pid);
      cid = strip_formula_guard(cid);
    }
    if (!valid_partner_id(pid)) {
      reject("invalid partner ID");
      continue;
    }
    if (!by_id.contains(pid) && !options.create_missing_partners) {
      reject("no partner with ID " + pid);
      continue;
    }
    if (!valid_mapping_value(cid)) {
      reject("invalid customer ID (empty, too long or control characters)");
      continue;
    }
    wanted[pid].emplace(cid, row.line);  // keeps the first line of a repeated pair
    plan.customer_ids.push_back(cid);
  }
  if (plan.rows == 0) plan.rejected.push_back({0, "the file has no mapping rows"});
  sort_unique(plan.customer_ids);
  if (!plan.rejected.empty()) {
    plan.customer_ids.clear();
    return plan;
  }

  // What each named partner holds after the import, to tell whether a source keeps an ID.
  auto keeps_after = [&](const partner_record& source, const std::string& cid) {
    if (options.mode == import_mode::merge) return true;
    auto it = wanted.find(source.id);
    return it == wanted.end() || it->second.contains(cid);
  };

  for (const auto& [pid, ids_lines] : wanted) {
    std::vector<std::string> ids;
    for (const auto& kv : ids_lines)
      ids.push_back(kv.first);  // std::map: sorted, unique
    std::vector<std::string> gained;
    auto existing = by_id.find(pid);
    if (existing == by_id.end()) {
      plan.creates.push_back({pid, pid, ids});
      gained = ids;
    } else {
      const auto& have = existing->second->customer_ids;
      partner_change c{pid,
                       difference(ids, have),
                       {},
                       existing->second->version,
                       partner_state_of(*existing->second)};
      if (options.mode == import_mode::replace) c.remove = difference(have, ids);
      gained = c.add;
      if (!c.add.empty() || !c.remove.empty()) plan.changes.push_back(std::move(c));
    }
    for (const auto& cid : gained)
      for (const auto& other : partners)
        if (other.id != pid && holds(other.customer_ids, cid))
          plan.moves.push_back({cid, other.id, pid, ids_lines.at(cid), keeps_after(other, cid)});
  }
  std::sort(plan.moves.begin(), plan.moves.end(), [](const id_move& a, const id_move& b) {
    return std::tie(a.customer_id, a.to_partner_id, a.from_partner_id) <
           std::tie(b.customer_id, b.to_partner_id, b.from_partner_id);
  });
  return plan;
}

}  // namespace scopegate::mapping
