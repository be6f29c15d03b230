#include "mapping/change_record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace scopegate::mapping {

namespace json = boost::json;

namespace {

std::optional<json::object> object_of(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::string> optional_string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::vector<std::string> strings_of(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* a = o.if_contains(key);
  if (!a || !a->is_array()) return out;
  for (const auto& s : a->as_array())
    if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

bool bool_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

json::array array_of(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v)
    a.push_back(json::string(s));
  return a;
}

std::string limit_text(const std::optional<int>& limit) {
  return limit ? std::to_string(*limit) : std::string("none");
}

}  // namespace

partner_state partner_state_of(const partner_record& p) {
  return {p.id, p.name, p.customer_ids, p.member_dns, p.version};
}

std::string to_json(const partner_state& s) {
  json::object o;
  o["id"] = s.id;
  o["name"] = s.name;
  o["customer_ids"] = array_of(s.customer_ids);
  o["member_dns"] = array_of(s.member_dns);
  o["version"] = s.version;
  return json::serialize(o);
}

std::optional<partner_state> parse_partner_state(std::string_view text) {
  auto o = object_of(text);
  if (!o) return std::nullopt;
  return partner_state{string_of(*o, "id"), string_of(*o, "name"), strings_of(*o, "customer_ids"),
                       strings_of(*o, "member_dns"), string_of(*o, "version")};
}

std::string_view link_mode_name(link_mode m) {
  return m == link_mode::agent_attribute ? "agent_attribute" : "partner_member";
}

std::string to_json(const link_state& s) {
  json::object o;
  o["agent"] = s.agent;
  o["partner_id"] = s.partner_id;
  o["mode"] = s.mode;
  o["linked"] = s.linked;
  return json::serialize(o);
}

std::optional<link_state> parse_link_state(std::string_view text) {
  auto o = object_of(text);
  if (!o) return std::nullopt;
  return link_state{string_of(*o, "agent"), string_of(*o, "partner_id"), string_of(*o, "mode"),
                    bool_of(*o, "linked")};
}

std::string to_json(const agent_mode_state& s) {
  json::object o;
  o["agent"] = s.agent;
  if (s.attribute_value)
    o["attribute_value"] = *s.attribute_value;
  else
    o["attribute_value"] = nullptr;
  return json::serialize(o);
}

std::optional<agent_mode_state> parse_agent_mode_state(std::string_view text) {
  auto o = object_of(text);
  if (!o) return std::nullopt;
  auto value = optional_string_of(*o, "attribute_value");
  // The history writes an absent attribute as null; an empty string means the same.
  if (value && value->empty()) value.reset();
  return agent_mode_state{string_of(*o, "agent"), std::move(value)};
}

std::string to_json(const fieldworkers_state& s) {
  json::object o;
  o["fieldworkers_see_all_customers"] = s.see_all;
  return json::serialize(o);
}

std::optional<fieldworkers_state> parse_fieldworkers_state(std::string_view text) {
  auto o = object_of(text);
  if (!o) return std::nullopt;
  return fieldworkers_state{bool_of(*o, "fieldworkers_see_all_customers")};
}

std::string group_modes_to_json(const std::vector<config::group_mode>& modes) {
  json::array groups;
  for (const auto& g : modes) {
    json::object item;
    item["group"] = g.group_dn;
    item["mode"] = config::to_string(g.mode);
    groups.push_back(std::move(item));
  }
  return json::serialize(groups);
}

std::optional<std::vector<config::group_mode>> parse_group_modes_json(std::string_view text,
                                                                      std::string& error) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) {
    error = "group_modes must be a list of {\"group\": DN, \"mode\": mode}";
    return std::nullopt;
  }
  std::vector<config::group_mode> out;
  for (const auto& item : v.as_array()) {
    const auto* o = item.if_object();
    const json::value* group = o ? o->if_contains("group") : nullptr;
    const json::value* mode = o ? o->if_contains("mode") : nullptr;
    if (!o || o->size() != 2 || !group || !mode || !group->is_string() || !mode->is_string()) {
      error = "each group default is {\"group\": DN, \"mode\": mode}";
      return std::nullopt;
    }
    std::string dn(group->as_string());
    if (dn.empty() || dn.find('=') == std::string::npos || dn.size() > 1024 ||
        dn.find('\0') != std::string::npos) {
      error = "'" + dn.substr(0, 64) + "' is not a group DN";
      return std::nullopt;
    }
    auto parsed = config::parse_access_mode(std::string(mode->as_string()));
    if (!parsed) {
      error = "'" + std::string(mode->as_string()).substr(0, 32) +
              "' is not an access mode (full, edit, edit_import, edit_export, view_only, hidden)";
      return std::nullopt;
    }
    out.push_back({std::move(dn), *parsed});
  }
  return out;
}

bool same_group_modes(const std::vector<config::group_mode>& a,
                      const std::vector<config::group_mode>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].group_dn != b[i].group_dn || a[i].mode != b[i].mode) return false;
  return true;
}

std::string to_json(const reveal_limit_state& s) {
  json::object o;
  o["agent"] = s.agent;
  o["duration"] = s.today_only ? "today" : "permanent";
  if (s.limit)
    o["limit"] = *s.limit;
  else
    o["limit"] = nullptr;
  if (s.day)
    o["day"] = *s.day;
  else
    o["day"] = nullptr;
  return json::serialize(o);
}

std::optional<reveal_limit_state> parse_reveal_limit_state(std::string_view text) {
  auto o = object_of(text);
  if (!o) return std::nullopt;
  auto duration = string_of(*o, "duration");
  if (duration != "today" && duration != "permanent") return std::nullopt;
  reveal_limit_state s;
  s.agent = string_of(*o, "agent");
  s.today_only = duration == "today";
  if (const auto* l = o->if_contains("limit"); l && !l->is_null()) {
    if (!l->is_int64() || l->as_int64() < 0 || l->as_int64() > 1'000'000'000) return std::nullopt;
    s.limit = static_cast<int>(l->as_int64());
  }
  s.day = optional_string_of(*o, "day");
  return s;
}

change_record reveal_limit_change(const reveal_limit_state& before,
                                  const reveal_limit_state& after) {
  change_record r;
  r.action = std::string(after.limit ? change_action::reveal_limit_set
                                     : change_action::reveal_limit_clear);
  r.summary = "reveal limit of agent " + after.agent + " (" +
              (after.today_only ? "today only" : "permanent") + "): " + limit_text(before.limit) +
              " → " + limit_text(after.limit);
  r.before_json = to_json(before);
  r.after_json = to_json(after);
  return r;
}

}  // namespace scopegate::mapping
