// /admin/api/v1/history (every recorded dashboard change, newest first) and
// /admin/api/v1/history/{id}/revert (undo one change, itself recorded). A revert is refused
// when the state changed after the entry (409), and changes nothing then.
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "gateway/admin_api/admin_json.hpp"
#include "gateway/admin_api/resources.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"
#include "mapping/change_record.hpp"

namespace scopegate::gateway::admin_api {

namespace {

response revert_conflict() {
  return problem(http::status::conflict, "revert-conflict",
                 "the partner changed after this entry; revert the later changes first or edit "
                 "the partner directly (nothing was changed)");
}

// The kind of change that undoes `action` (reveal-limit changes become a set or a clear of
// the limit recorded before).
std::string undo_action(const std::string& action, const std::string& before_json) {
  if (action == "partner.create") return "partner.delete";
  if (action == "partner.delete") return "partner.create";
  if (action == "agent.link") return "agent.unlink";
  if (action == "agent.unlink") return "agent.link";
  if (action == "reveal_limit.set" || action == "reveal_limit.clear") {
    boost::system::error_code ec;
    auto before = json::parse(before_json, ec);
    bool had_limit = !ec && before.is_object() && before.as_object().contains("limit") &&
                     before.as_object().at("limit").is_int64();
    return had_limit ? "reveal_limit.set" : "reveal_limit.clear";
  }
  return action;
}

json::object revert_body(std::int64_t reverted, std::int64_t entry, const std::string& summary) {
  json::object body;
  body["reverted"] = reverted;
  body["entry"] = entry;
  body["summary"] = summary;
  return body;
}

}  // namespace

history_resource::history_resource(const config::config& cfg, mapping::mapping_store& store,
                                   mapping::directory& directory, change_log& changes,
                                   runtime_settings& settings, agents_resource& agents,
                                   policy::reveal_ledger& ledger)
    : cfg_(cfg),
      store_(store),
      directory_(directory),
      changes_(changes),
      settings_(settings),
      agents_(agents),
      ledger_(ledger) {}

net::awaitable<response> history_resource::list(request_context& ctx) {
  auto params = parameters::from_query(
      ctx.url, {"actor", "partner_id", "subject", "action", "before_id", "limit"});
  if (!params) co_return bad_query(params.error().detail);
  auto limit = params->size("limit", 1, 500, 50);
  if (!limit) co_return bad_query(limit.error().detail);
  auto before = params->size("before_id", 1, std::size_t(1) << 62, 0);
  if (!before) co_return bad_query("before_id must be a positive entry id");
  history_filter f;
  f.limit = static_cast<int>(*limit);
  f.before_id = static_cast<std::int64_t>(*before);
  f.actor = params->text("actor");
  f.partner_id = params->text("partner_id");
  f.action = params->text("action");
  f.subject = params->text("subject");
  auto entries = co_await changes_.list(std::move(f));
  if (!entries) co_return history_refused(entries.error());
  json::array items;
  for (const auto& e : *entries)
    items.push_back(history_json(e));
  json::object body;
  body["items"] = std::move(items);
  co_return json_response(body);
}

net::awaitable<response> history_resource::revert(request_context& ctx) {
  const auto& raw = ctx.param("id");
  std::int64_t id = 0;
  auto [end, parse_ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  if (parse_ec != std::errc{} || end != raw.data() + raw.size() || id <= 0)
    co_return problem(http::status::not_found, "not-found", "no such history entry");
  auto found = co_await changes_.get(id);
  if (!found) co_return history_refused(found.error());
  if (!*found) co_return problem(http::status::not_found, "not-found", "no such history entry");
  auto& entry = *found;
  if (entry->reverted_by != 0)
    co_return problem(
        http::status::conflict, "already-reverted",
        "this change was already reverted (entry " + std::to_string(entry->reverted_by) + ")");
  const std::string prefix = "reverted #" + std::to_string(id) + ": ";
  boost::system::error_code ec;
  auto before = json::parse(entry->before_json, ec);
  if (ec) before = nullptr;
  if (entry->action == "settings.fieldworkers") {
    bool on = before.is_object() && before.as_object().contains("fieldworkers_see_all_customers") &&
              before.as_object().at("fieldworkers_see_all_customers").is_bool() &&
              before.as_object().at("fieldworkers_see_all_customers").as_bool();
    std::string actor = ctx.admin->login;
    auto new_id = co_await settings_.set_fieldworkers_see_all(std::move(actor), on, prefix, id);
    if (!new_id) co_return history_refused(new_id.error());
    co_return json_response(revert_body(
        id, *new_id, prefix + "fieldworkers see all customers → " + (on ? "on" : "off")));
  }
  if (entry->action == "settings.group_modes") {
    std::string error;
    auto modes = mapping::parse_group_modes_json(entry->before_json, error);
    if (!modes)
      co_return problem(http::status::conflict, "revert-impossible",
                        "the earlier group defaults cannot be restored");
    std::string actor = ctx.admin->login;
    auto new_id =
        co_await settings_.replace_group_modes(std::move(actor), std::move(*modes), prefix, id);
    if (!new_id) co_return history_refused(new_id.error());
    co_return json_response(
        revert_body(id, *new_id, prefix + "access-mode group defaults restored"));
  }
  history_entry out;
  out.actor = ctx.admin->login;
  out.partner_id = entry->partner_id;
  out.subject = entry->subject;
  out.reverts = id;
  // Recorded (and the reverted entry claimed) before anything is undone.
  out.action = undo_action(entry->action, entry->before_json);
  out.summary = prefix + entry->summary;
  out.before_json = entry->after_json;
  auto ticket = co_await changes_.begin(out);
  if (!ticket) co_return history_refused(ticket.error());
  auto refused = co_await apply_revert(*entry, out);
  if (refused) {
    co_await changes_.abandon(std::move(*ticket));
    co_return std::move(*refused);
  }
  auto after_json = out.after_json;
  auto new_id = co_await changes_.complete(std::move(*ticket), std::move(after_json));
  co_return json_response(revert_body(id, new_id, out.summary));
}

// Applies the undo of `entry` and fills `out` (action, summary, before/after state).
// Returns the refusal to send, or nullopt when the undo was applied.
net::awaitable<std::optional<response>> history_resource::apply_revert(const history_entry& entry,
                                                                       history_entry& out) {
  boost::system::error_code ec;
  auto before = json::parse(entry.before_json, ec);
  if (ec) before = nullptr;
  auto after = json::parse(entry.after_json, ec);
  if (ec) after = nullptr;
  const std::string& pid = entry.partner_id;
  const std::int64_t id = entry.id;
  if (entry.action == "partner.create") {
    std::string p = pid;
    auto version = json_string(after, "version");
    auto removed = co_await store_.delete_partner(std::move(p), std::move(version));
    if (!removed) {
      if (removed.error().code == mapping::store_errc::conflict) co_return revert_conflict();
      co_return from_store(removed.error());
    }
    out.action = "partner.delete";
    out.summary = "reverted #" + std::to_string(id) + ": deleted partner " + pid;
    out.before_json = partner_state(*removed);
    out.after_json = "null";
  } else if (entry.action == "partner.delete") {
    std::string p = pid;
    auto name = json_string(before, "name");
    auto ids = json_strings(before, "customer_ids");
    auto members = json_strings(before, "member_dns");
    auto created = co_await store_.create_partner(std::move(p), std::move(name), std::move(ids),
                                                  std::move(members));
    if (!created) co_return from_store(created.error());
    out.action = "partner.create";
    out.summary = "reverted #" + std::to_string(id) + ": recreated partner " + pid;
    out.before_json = "null";
    out.after_json = partner_state(*created);
  } else if (entry.action == "partner.rename") {
    std::string p = pid;
    auto name = json_string(before, "name");
    auto version = json_string(after, "version");
    auto renamed =
        co_await store_.rename_partner(std::move(p), std::move(name), std::move(version));
    if (!renamed) {
      if (renamed.error().code == mapping::store_errc::conflict) co_return revert_conflict();
      co_return from_store(renamed.error());
    }
    out.action = "partner.rename";
    out.summary = "reverted #" + std::to_string(id) + ": renamed " + pid + " back to \"" +
                  renamed->name + "\"";
    out.before_json = entry.after_json;
    out.after_json = partner_state(*renamed);
  } else if (entry.action == "partner.customer_ids") {
    auto was = json_strings(before, "customer_ids");
    auto now = json_strings(after, "customer_ids");
    std::sort(was.begin(), was.end());
    std::sort(now.begin(), now.end());
    auto re_add = difference(was, now);
    auto re_remove = difference(now, was);
    std::string p = pid;
    auto version = json_string(after, "version");
    auto add = re_add;
    auto remove = re_remove;
    auto changed = co_await store_.change_customer_ids(std::move(p), std::move(add),
                                                       std::move(remove), std::move(version));
    if (!changed) {
      if (changed.error().code == mapping::store_errc::conflict) co_return revert_conflict();
      co_return from_store(changed.error());
    }
    out.action = "partner.customer_ids";
    out.summary = "reverted #" + std::to_string(id) + ": " + change_summary(pid, re_add, re_remove);
    out.before_json = entry.after_json;
    out.after_json = partner_state(*changed);
  } else if (entry.action == "agent.link" || entry.action == "agent.unlink") {
    auto agent = json_string(after, "agent");
    auto mode = parse_link_mode(json_string(after, "mode"), cfg_);
    if (!mode)
      co_return problem(http::status::conflict, "revert-impossible",
                        "this link mode is no longer configured");
    bool relink = entry.action == "agent.unlink";
    std::string p = pid;
    std::string a = agent;
    auto changed = co_await store_.link_agent(std::move(a), std::move(p), relink, *mode);
    if (!changed) co_return from_store(changed.error(), "agent or partner");
    out.action = relink ? "agent.link" : "agent.unlink";
    out.summary = "reverted #" + std::to_string(id) + ": " +
                  (relink ? "assigned agent " : "removed agent ") + agent +
                  (relink ? " to " : " from ") + pid;
    out.before_json = entry.after_json;
    out.after_json = entry.before_json;
  } else if (entry.action == "agent.mode") {
    auto agent_login = json_string(before, "agent");
    std::optional<std::string> value;
    if (before.is_object() && before.as_object().contains("attribute_value") &&
        before.as_object().at("attribute_value").is_string())
      value = json_string(before, "attribute_value");
    std::string l = agent_login;
    auto found = co_await directory_.find_agent(std::move(l));
    if (!found) co_return directory_unavailable();
    if (!*found) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
    std::string now((*found)->entry.first(cfg_.agents.access_mode_attribute));
    std::string dn = (*found)->dn;
    bool present = !now.empty();
    auto written = co_await agents_.write_mode(std::move(dn), present, std::move(value));
    if (!written) co_return directory_unavailable();
    out.action = "agent.mode";
    out.summary = "reverted #" + std::to_string(id) + ": access mode of agent " + agent_login +
                  " → " + (value ? *value : std::string("inherited"));
    out.before_json = json::serialize(mode_state(agent_login, now));
    out.after_json = entry.before_json;
  } else if (entry.action == "reveal_limit.set" || entry.action == "reveal_limit.clear") {
    // Restores the override of the same duration as it was before the change.
    auto agent = json_string(before, "agent");
    bool today = json_string(before, "duration") == "today";
    std::optional<int> limit;
    if (before.is_object() && before.as_object().contains("limit") &&
        before.as_object().at("limit").is_int64())
      limit = static_cast<int>(before.as_object().at("limit").as_int64());
    if (agent.empty())
      co_return problem(http::status::conflict, "revert-impossible",
                        "this entry does not name an agent");
    std::string target = agent;
    if (limit) {
      auto set = co_await ledger_.set_limit(std::move(target), *limit, today, out.actor);
      if (!set)
        co_return problem(http::status::service_unavailable, "ledger-unavailable",
                          "the reveal ledger cannot be written; try again shortly");
    } else {
      auto cleared = co_await ledger_.clear_limit(std::move(target), today);
      if (!cleared)
        co_return problem(http::status::service_unavailable, "ledger-unavailable",
                          "the reveal ledger cannot be written; try again shortly");
    }
    out.action = limit ? "reveal_limit.set" : "reveal_limit.clear";
    out.summary = "reverted #" + std::to_string(id) + ": reveal limit of agent " + agent +
                  (today ? " for today" : "") + " → " +
                  (limit ? std::to_string(*limit) : std::string("none"));
    out.before_json = entry.after_json;
    out.after_json = entry.before_json;
  } else {
    co_return problem(http::status::conflict, "revert-impossible",
                      "this kind of change cannot be reverted");
  }
  co_return std::nullopt;
}

}  // namespace scopegate::gateway::admin_api
