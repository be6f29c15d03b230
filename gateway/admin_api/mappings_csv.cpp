// /admin/api/v1/mappings.csv (every partner -> customer-ID grant as CSV) and
// /admin/api/v1/mappings/import (merge or replace grants from CSV; validated completely
// before anything is written; dry_run plans only).
#include <spdlog/spdlog.h>
#include <algorithm>
#include <map>

#include "gateway/admin_api/admin_json.hpp"
#include "gateway/admin_api/resources.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"
#include "mapping/csv.hpp"

namespace scopegate::gateway::admin_api {

mappings_csv_resource::mappings_csv_resource(mapping::mapping_store& store, change_log& changes)
    : store_(store), changes_(changes) {}

net::awaitable<response> mappings_csv_resource::export_csv(request_context&) {
  auto partners = co_await store_.list_partners();
  if (!partners) co_return from_store(partners.error());
  std::vector<std::string> cells(2);
  cells[0] = "partner_id";
  cells[1] = "customer_id";
  std::string out = mapping::csv_line(cells);
  for (const auto& p : *partners)
    for (const auto& id : p.customer_ids) {
      cells[0] = p.id;
      cells[1] = id;
      out += mapping::csv_line(cells);
    }
  response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.set(http::field::content_disposition, "attachment; filename=\"scopegate-mappings.csv\"");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(out);
  co_return res;
}

net::awaitable<response> mappings_csv_resource::import_csv(request_context& ctx) {
  auto params = parameters::from_query(ctx.url, {"mode", "dry_run", "confirm_unknown"});
  if (!params) co_return bad_query(params.error().detail);
  auto mode = params->text("mode", "merge");
  if (mode != "merge" && mode != "replace") co_return bad_query("mode must be merge or replace");
  auto dry_run_flag = params->flag("dry_run", false);
  if (!dry_run_flag) co_return bad_query(dry_run_flag.error().detail);
  auto confirm_flag = params->flag("confirm_unknown", false);
  if (!confirm_flag) co_return bad_query(confirm_flag.error().detail);
  bool dry_run = *dry_run_flag;
  bool confirm_unknown = *confirm_flag;
  auto type = ctx.req[http::field::content_type];
  if (!type.starts_with("text/csv") && !type.starts_with("text/plain"))
    co_return problem(http::status::unsupported_media_type, "unsupported-media-type",
                      "send the CSV as text/csv");

  auto table = mapping::read_csv(ctx.req.body());
  if (table.error) {
    json::array errors;
    errors.push_back(json::string(table.error->message));
    co_return problem(http::status::unprocessable_entity, "invalid-csv",
                      "the file is not valid CSV; nothing was changed", {{"errors", errors}});
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& r : table.rows)
    rows.push_back(std::move(r.cells));
  std::size_t first_row = 1;
  if (!rows.empty() && rows.front().size() == 2 && rows.front()[0] == "partner_id") {
    rows.erase(rows.begin());
    first_row = 2;
  }
  auto partners = co_await store_.list_partners();
  if (!partners) co_return from_store(partners.error());
  std::map<std::string, const mapping::partner_record*> by_id;
  for (const auto& p : *partners)
    by_id[p.id] = &p;
  json::array errors;
  std::map<std::string, std::vector<std::string>> wanted;
  std::vector<std::string> all_ids;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    auto where = "row " + std::to_string(first_row + i) + ": ";
    if (row.size() != 2) {
      errors.push_back(json::string(where + "expected 2 fields (partner_id,customer_id), got " +
                                    std::to_string(row.size())));
      continue;
    }
    const auto& pid = row[0];
    const auto& cid = row[1];
    if (!mapping::valid_partner_id(pid)) {
      errors.push_back(json::string(where + "invalid partner ID"));
      continue;
    }
    if (!by_id.contains(pid)) {
      errors.push_back(json::string(where + "no partner with ID " + pid));
      continue;
    }
    if (!mapping::valid_mapping_value(cid)) {
      errors.push_back(json::string(where + "invalid customer ID (empty, too long or control "
                                            "characters)"));
      continue;
    }
    wanted[pid].push_back(cid);
    all_ids.push_back(cid);
  }
  if (rows.empty()) errors.push_back(json::string("the file has no mapping rows"));
  if (!errors.empty()) {
    co_return problem(http::status::unprocessable_entity, "invalid-import",
                      "the file has errors; nothing was changed", {{"errors", errors}});
  }
  if (!confirm_unknown) {
    auto unknown = co_await store_.unknown_customer_ids(std::move(all_ids));
    if (!unknown) co_return from_store(unknown.error());
    if (!unknown->empty()) {
      co_return unknown_ids_problem(*unknown,
                                    "no customer carries some of these customer IDs; import "
                                    "again with confirm_unknown=true to assign them anyway "
                                    "(nothing was changed)");
    }
  }
  struct plan {
    std::string id;
    std::vector<std::string> add, remove;
    std::string version;
  };
  std::vector<plan> plans;
  for (auto& [pid, ids] : wanted) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const auto& have = by_id[pid]->customer_ids;
    plan pl{.id = pid, .add = difference(ids, have), .remove = {}, .version = by_id[pid]->version};
    if (mode == "replace") pl.remove = difference(have, ids);
    if (!pl.add.empty() || !pl.remove.empty()) plans.push_back(std::move(pl));
  }
  json::array report;
  bool failed = false;
  for (auto& pl : plans) {
    json::object item;
    item["partner_id"] = pl.id;
    item["added"] = to_array(pl.add);
    item["removed"] = to_array(pl.remove);
    if (!dry_run && !failed) {
      history_entry e;
      e.actor = ctx.admin->login;
      e.action = "partner.customer_ids";
      e.partner_id = pl.id;
      e.summary = "CSV import: " + change_summary(pl.id, pl.add, pl.remove);
      e.before_json = partner_state(*by_id[pl.id]);
      auto ticket = co_await changes_.begin(std::move(e));
      if (!ticket) {
        failed = true;
        item["status"] = "failed";
        report.push_back(std::move(item));
        continue;
      }
      std::string pid = pl.id;
      auto add = pl.add;
      auto remove = pl.remove;
      auto changed = co_await store_.change_customer_ids(std::move(pid), std::move(add),
                                                         std::move(remove), pl.version);
      if (!changed) {
        co_await changes_.abandon(std::move(*ticket));
        failed = true;
        item["status"] =
            changed.error().code == mapping::store_errc::conflict ? "conflict" : "failed";
      } else {
        item["status"] = "applied";
        std::string after_state = partner_state(*changed);
        auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after_state));
        (void)recorded;
      }
    } else {
      item["status"] = dry_run ? "planned" : "skipped";
    }
    report.push_back(std::move(item));
  }
  json::object body;
  body["rows"] = rows.size();
  body["mode"] = mode;
  body["dry_run"] = dry_run;
  body["partners"] = std::move(report);
  body["complete"] = !failed;
  co_return json_response(body, failed ? http::status::conflict : http::status::ok);
}

}  // namespace scopegate::gateway::admin_api
