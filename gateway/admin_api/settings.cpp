// /admin/api/v1/settings: the runtime switches the dashboard may change (fieldworkers see
// all customers; access-mode group defaults). Kept across restarts and recorded in the
// history before they take effect.
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include "gateway/admin_api/admin_json.hpp"
#include "gateway/admin_api/resources.hpp"
#include "gateway/http/json_body.hpp"
#include "gateway/http/problem.hpp"
#include "mapping/change_record.hpp"

namespace scopegate::gateway::admin_api {

runtime_settings::runtime_settings(const config::config& cfg, mapping::scope_resolver& scopes,
                                   const policy::access_defaults& defaults,
                                   group_modes_setter set_group_modes, change_log& changes)
    : cfg_(cfg),
      scopes_(scopes),
      defaults_(defaults),
      set_group_modes_(std::move(set_group_modes)),
      changes_(changes) {}

std::vector<config::group_mode> runtime_settings::group_modes() const {
  return *defaults_.group_modes();
}

bool runtime_settings::fieldworkers_see_all() const {
  return scopes_.fieldworkers_see_all();
}

net::awaitable<mapping::record_result<std::int64_t>> runtime_settings::replace_group_modes(
    std::string actor, std::vector<config::group_mode> modes, std::string summary_prefix,
    std::int64_t reverts) {
  auto before = group_modes();
  auto text = mapping::group_modes_to_json(modes);
  history_entry e;
  e.actor = std::move(actor);
  e.action = "settings.group_modes";
  e.subject = "group_modes";
  e.summary = summary_prefix + "access-mode group defaults: " + std::to_string(before.size()) +
              " → " + std::to_string(modes.size()) + " group(s)";
  e.before_json = mapping::group_modes_to_json(before);
  e.after_json = text;
  e.reverts = reverts;
  std::string key = "group_modes";
  auto id = co_await changes_.record_setting(std::move(e), std::move(key), std::move(text));
  // Applied only once stored: the setting and its history can never disagree.
  if (!id) co_return id;
  if (set_group_modes_) set_group_modes_(std::move(modes));
  changes_.changed();
  co_return id;
}

net::awaitable<mapping::record_result<std::int64_t>> runtime_settings::set_fieldworkers_see_all(
    std::string actor, bool on, std::string summary_prefix, std::int64_t reverts) {
  bool before = scopes_.fieldworkers_see_all();
  history_entry e;
  e.actor = actor;
  e.action = "settings.fieldworkers";
  e.subject = "fieldworkers_see_all_customers";
  e.summary = summary_prefix + "fieldworkers see all customers: " + (before ? "on" : "off") +
              " → " + (on ? "on" : "off");
  e.before_json = json::serialize(switch_state(before));
  e.after_json = json::serialize(switch_state(on));
  e.reverts = reverts;
  std::string key = "fieldworkers_see_all_customers";
  std::string value = on ? "true" : "false";
  auto id = co_await changes_.record_setting(std::move(e), std::move(key), std::move(value));
  if (!id) co_return id;
  scopes_.set_fieldworkers_see_all(on);
  changes_.changed();
  spdlog::info("fieldworkers_see_all_customers set to {} by {}", on, actor);
  co_return id;
}

settings_resource::settings_resource(runtime_settings& settings) : settings_(settings) {}

net::awaitable<response> settings_resource::get(request_context&) {
  co_return json_response(
      settings_json(settings_.cfg(), settings_.fieldworkers_see_all(), settings_.group_modes()));
}

net::awaitable<response> settings_resource::put(request_context& ctx) {
  auto body = json_object_body(ctx.req);
  if (!body) co_return body.error();
  for (const auto& member : *body)
    if (member.key() != "fieldworkers_see_all_customers" && member.key() != "group_modes")
      co_return problem(http::status::bad_request, "invalid-setting",
                        "unknown setting '" + std::string(member.key()).substr(0, 64) + "'");
  // Everything is checked before anything changes.
  std::optional<std::vector<config::group_mode>> modes;
  if (auto g = body->find("group_modes"); g != body->end()) {
    std::string error;
    modes = mapping::parse_group_modes_json(json::serialize(g->value()), error);
    if (!modes) co_return problem(http::status::bad_request, "invalid-setting", error);
  }
  std::optional<bool> see_all;
  if (auto it = body->find("fieldworkers_see_all_customers"); it != body->end()) {
    if (!it->value().is_bool())
      co_return problem(http::status::bad_request, "invalid-setting",
                        "send {\"fieldworkers_see_all_customers\": true or false}");
    see_all = it->value().as_bool();
  }
  if (modes) {
    std::string actor = ctx.admin->login;
    auto id = co_await settings_.replace_group_modes(std::move(actor), std::move(*modes), "");
    if (!id) co_return history_refused(id.error());
    spdlog::info("access-mode group defaults replaced by {}", ctx.admin->login);
  }
  if (see_all) {
    std::string actor = ctx.admin->login;
    auto id = co_await settings_.set_fieldworkers_see_all(std::move(actor), *see_all, "");
    if (!id) co_return history_refused(id.error());
  }
  co_return json_response(
      settings_json(settings_.cfg(), settings_.fieldworkers_see_all(), settings_.group_modes()));
}

}  // namespace scopegate::gateway::admin_api
