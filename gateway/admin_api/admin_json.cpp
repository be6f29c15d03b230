#include "gateway/admin_api/admin_json.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iterator>

#include "gateway/http/problem.hpp"

namespace scopegate::gateway::admin_api {

response from_store(const mapping::store_error& e, std::string_view what) {
  switch (e.code) {
    case mapping::store_errc::not_found:
      return problem(http::status::not_found, "not-found", "no such " + std::string(what));
    case mapping::store_errc::conflict:
      return problem(http::status::conflict, "version-conflict",
                     "this " + std::string(what) +
                         " was changed by someone else since you loaded it; reload and try "
                         "again (nothing was changed)");
    case mapping::store_errc::exists:
      return problem(http::status::conflict, "partner-exists", "a partner with this ID exists");
    case mapping::store_errc::invalid:
      return problem(http::status::unprocessable_entity, "invalid-value", e.message);
    case mapping::store_errc::refused:
      spdlog::warn("admin: the directory refused a write: {}", e.message);
      return problem(http::status::bad_gateway, "directory-refused",
                     "the directory refused the change; nothing was changed");
    case mapping::store_errc::unavailable:
      break;
  }
  spdlog::warn("admin: directory write/read failed: {}", e.message);
  return directory_unavailable();
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v)
    a.push_back(json::string(s));
  return a;
}

std::string quoted_etag(const std::string& version) {
  return "\"" + version + "\"";
}

// The version a client names in If-Match ("" when absent). `*` matches any version.
std::string if_match(const request& req) {
  std::string_view v = req[http::field::if_match];
  while (!v.empty() && v.front() == ' ')
    v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ')
    v.remove_suffix(1);
  if (v == "*") return {};
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  // An empty but present If-Match must never match a real version.
  if (v.empty() && req.find(http::field::if_match) != req.end()) return "\x01";
  return std::string(v);
}

json::object partner_json(const mapping::partner_record& p) {
  json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["customer_ids"] = to_array(p.customer_ids);
  o["member_dns"] = to_array(p.member_dns);
  o["version"] = p.version;
  return o;
}

std::string partner_state(const mapping::partner_record& p) {
  return json::serialize(partner_json(p));
}

response partner_response(const mapping::partner_record& p, http::status status) {
  auto res = json_response(partner_json(p), status);
  res.set(http::field::etag, quoted_etag(p.version));
  return res;
}

// Query parameters: only the listed ones, each once, bounded, no control characters.
// The JSON object body of a write, or the problem to send.
// A list of strings from `o[key]` (a string counts as a list of one). Values must be valid
// mapping values. false (with `error`) on anything else.
bool string_list(const json::object& o, std::string_view key, std::vector<std::string>& out,
                 std::string& error) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return true;
  auto take = [&](const json::value& v) {
    if (!v.is_string()) {
      error = std::string(key) + " must be a list of strings";
      return false;
    }
    std::string s(v.as_string());
    if (!mapping::valid_mapping_value(s)) {
      error = std::string(key) + " contains an empty, too long or control-character value";
      return false;
    }
    out.push_back(std::move(s));
    return true;
  };
  if (it->value().is_string()) return take(it->value());
  if (!it->value().is_array()) {
    error = std::string(key) + " must be a list of strings";
    return false;
  }
  if (it->value().as_array().size() > k_max_list) {
    error = std::string(key) + " has too many values (at most 5000 at once)";
    return false;
  }
  for (const auto& v : it->value().as_array())
    if (!take(v)) return false;
  return true;
}

// Form bodies (application/x-www-form-urlencoded) for the login form without script.
std::vector<std::string> difference(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

json::object effect_json(const mapping::agent_effect& e) {
  json::object o;
  o["login"] = e.login;
  o["name"] = e.name;
  o["gains"] = to_array(e.gains);
  o["loses"] = to_array(e.loses);
  return o;
}

json::object history_json(const history_entry& e) {
  json::object o;
  o["id"] = e.id;
  o["at_ms"] = e.at_ms;
  o["actor"] = e.actor;
  o["action"] = e.action;
  o["partner_id"] = e.partner_id;
  o["subject"] = e.subject;
  o["summary"] = e.summary;
  boost::system::error_code ec;
  auto before = json::parse(e.before_json, ec);
  o["before"] = ec ? json::value(nullptr) : before;
  auto after = json::parse(e.after_json, ec);
  o["after"] = ec ? json::value(nullptr) : after;
  o["reverts"] = e.reverts;
  o["reverted_by"] = e.reverted_by;
  return o;
}

std::string list_summary(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 5; ++i)
    out += (i ? ", " : "") + v[i];
  if (v.size() > 5) out += " and " + std::to_string(v.size() - 5) + " more";
  return out;
}

std::string change_summary(const std::string& id, const std::vector<std::string>& added,
                           const std::vector<std::string>& removed) {
  std::string s = "customer IDs of " + id + ":";
  if (!added.empty()) s += " added " + list_summary(added);
  if (!added.empty() && !removed.empty()) s += ";";
  if (!removed.empty()) s += " removed " + list_summary(removed);
  return s;
}

std::vector<std::string> json_strings(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  if (!v.is_object()) return out;
  auto* a = v.as_object().if_contains(key);
  if (!a || !a->is_array()) return out;
  for (const auto& s : a->as_array())
    if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

std::string json_string(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  auto* s = v.as_object().if_contains(key);
  return s && s->is_string() ? std::string(s->as_string()) : std::string();
}

mapping::link_mode default_link_mode(const config::config& cfg) {
  return cfg.agents.partner_attribute ? mapping::link_mode::agent_attribute
                                      : mapping::link_mode::partner_member;
}

std::string_view to_string(mapping::link_mode m) {
  return m == mapping::link_mode::agent_attribute ? "agent_attribute" : "partner_member";
}

std::optional<mapping::link_mode> parse_link_mode(std::string_view s, const config::config& cfg) {
  if (s.empty()) return default_link_mode(cfg);
  if (s == "agent_attribute" && cfg.agents.partner_attribute)
    return mapping::link_mode::agent_attribute;
  if (s == "partner_member" && cfg.partners.member_attribute)
    return mapping::link_mode::partner_member;
  return std::nullopt;
}

json::object mode_json(const std::string& login, const policy::access_decision& d,
                       std::string_view attribute_value) {
  json::object o;
  o["agent"] = login;
  o["mode"] = config::to_string(d.mode);
  o["source"] = d.source;
  if (attribute_value.empty())
    o["attribute_value"] = nullptr;
  else
    o["attribute_value"] = attribute_value;
  return o;
}

json::object mode_state(const std::string& login, std::string_view value) {
  json::object o;
  o["agent"] = login;
  if (value.empty())
    o["attribute_value"] = nullptr;
  else
    o["attribute_value"] = value;
  return o;
}

json::array group_modes_json(const std::vector<config::group_mode>& modes) {
  json::array groups;
  for (const auto& g : modes) {
    json::object item;
    item["group"] = g.group_dn;
    item["mode"] = config::to_string(g.mode);
    groups.push_back(std::move(item));
  }
  return groups;
}

json::object settings_json(const config::config& cfg, bool see_all,
                           const std::vector<config::group_mode>& modes) {
  json::object o;
  o["fieldworkers_see_all_customers"] = see_all;
  o["default_mode"] = config::to_string(cfg.access.default_mode);
  o["group_modes"] = group_modes_json(modes);
  o["access_mode_attribute"] = cfg.agents.access_mode_attribute;
  return o;
}

json::object switch_state(bool on) {
  json::object o;
  o["fieldworkers_see_all_customers"] = on;
  return o;
}

response unknown_ids_problem(const std::vector<std::string>& unknown, std::string_view detail) {
  json::object extra;
  extra["unknown_customer_ids"] = to_array(unknown);
  return problem(http::status::conflict, "unknown-customer-ids", detail, std::move(extra));
}

}  // namespace scopegate::gateway::admin_api
