#include "gateway/admin_api.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <iterator>
#include <map>
#include <set>

#include "gateway/admin_assets.hpp"
#include "gateway/authenticator.hpp"
#include "gateway/csv.hpp"
#include "gateway/problem.hpp"
#include "mapping/mapping_preview.hpp"
#include "policy/access_mode.hpp"

namespace scopegate::gateway {

namespace json = boost::json;
namespace urls = boost::urls;

namespace {

constexpr std::size_t k_max_list = 5'000;
constexpr std::string_view k_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void secure(response& res) {
  res.set("Content-Security-Policy", k_csp);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
}

// A problem with extra members (e.g. the unknown IDs a client must confirm).
response problem_with(http::status status, std::string_view type, std::string_view detail,
                      const json::object& extra) {
  auto res = problem(status, type, detail);
  auto body = json::parse(res.body()).as_object();
  for (const auto& kv : extra)
    body[kv.key()] = kv.value();
  res.body() = json::serialize(body);
  return res;
}

response method_not_allowed(std::string_view allow) {
  auto res = problem(http::status::method_not_allowed, "method-not-allowed",
                     "this resource does not support this method");
  res.set(http::field::allow, allow);
  return res;
}

response unavailable() {
  return problem(http::status::service_unavailable, "ldap-unavailable",
                 "the directory cannot be reached; try again shortly");
}

response from_store(const mapping::store_error& e, std::string_view what = "partner") {
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
    case mapping::store_errc::unavailable:
      break;
  }
  spdlog::warn("admin: directory write/read failed: {}", e.message);
  return unavailable();
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

bool acceptable(std::string_view v, std::size_t max = 256) {
  if (v.size() > max) return false;
  return std::none_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Query parameters: only the listed ones, each once, bounded, no control characters.
bool read_params(const urls::url_view& url, std::initializer_list<std::string_view> allowed,
                 std::map<std::string, std::string, std::less<>>& out, std::string& error) {
  for (auto param : url.params()) {
    if (std::find(allowed.begin(), allowed.end(), param.key) == allowed.end()) {
      error = "unknown query parameter '" + param.key.substr(0, 64) + "'";
      return false;
    }
    if (out.contains(param.key)) {
      error = "query parameter '" + param.key + "' given more than once";
      return false;
    }
    if (!acceptable(param.value)) {
      error = "query parameter '" + param.key + "' is too long or contains control characters";
      return false;
    }
    out.emplace(param.key, param.value);
  }
  return true;
}

bool read_size(const std::map<std::string, std::string, std::less<>>& params, std::string_view key,
               std::size_t lo, std::size_t hi, std::size_t& out) {
  auto it = params.find(key);
  if (it == params.end()) return true;
  const auto& s = it->second;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || n < lo || n > hi) return false;
  out = n;
  return true;
}

std::string param(const std::map<std::string, std::string, std::less<>>& params,
                  std::string_view key) {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

// The JSON object body of a write, or the problem to send.
std::optional<json::object> json_body(const request& req, std::optional<response>& refused) {
  auto type = req[http::field::content_type];
  if (!type.starts_with("application/json")) {
    refused = problem(http::status::unsupported_media_type, "unsupported-media-type",
                      "send the body as application/json");
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = json::parse(req.body(), ec);
  if (ec || !v.is_object()) {
    refused = problem(http::status::bad_request, "bad-json", "the body is not a JSON object");
    return std::nullopt;
  }
  return std::move(v.as_object());
}

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

std::string string_member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

bool bool_member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

// Form bodies (application/x-www-form-urlencoded) for the login form without script.
std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> out;
  std::string query = "?" + body;
  auto parsed = urls::parse_origin_form("/" + query);
  if (!parsed) return out;
  for (auto p : parsed->params())
    if (!out.contains(p.key)) out.emplace(p.key, p.value);
  return out;
}

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

// The modification setting (value) or removing (nullopt) the access-mode attribute.
std::vector<ldap::modification> mode_change(const std::string& attribute,
                                            const std::optional<std::string>& value) {
  ldap::modification m;
  m.attribute = attribute;
  if (value) {
    m.op = ldap::modification::kind::replace;
    m.values.push_back(*value);
  } else {
    m.op = ldap::modification::kind::remove;
  }
  std::vector<ldap::modification> out;
  out.push_back(std::move(m));
  return out;
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

}  // namespace

struct admin_api::call {
  request& req;
  const connection_info& conn;
  std::vector<std::string> segs;
  urls::url_view url;
  std::string& login_hint;
  admin_principal who;
};

admin_api::admin_api(admin_parts parts) : p_(std::move(parts)) {}

net::awaitable<response> admin_api::handle(request& req, const connection_info& conn,
                                           std::vector<std::string> segments,
                                           boost::urls::url_view url, std::string& login_hint) {
  call c{req, conn, std::move(segments), url, login_hint, {}};
  auto res = co_await route(c);
  secure(res);
  co_return res;
}

response admin_api::static_file(const call& c) const {
  if (c.req.method() != http::verb::get && c.req.method() != http::verb::head)
    return method_not_allowed("GET, HEAD");
  if (c.segs.size() == 1) {
    // "/admin" -> "/admin/" so relative asset URLs resolve under /admin/.
    response res{http::status::permanent_redirect, 11};
    res.set(http::field::location, "/admin/");
    return res;
  }
  std::string_view name =
      c.segs.size() == 2 && !c.segs[1].empty() ? std::string_view(c.segs[1]) : std::string_view();
  if (c.segs.size() == 2 && c.segs[1].empty()) name = "index.html";
  const embedded_file* f = name.empty() ? nullptr : find_embedded_file(name);
  if (!f) return problem(http::status::not_found, "not-found", "no such resource");
  response res{http::status::ok, 11};
  res.set(http::field::content_type, content_type_for(f->path));
  res.set(http::field::cache_control, "no-cache");
  res.body() = std::string(f->data);
  return res;
}

net::awaitable<response> admin_api::route(call& c) {
  const auto& s = c.segs;
  auto method = c.req.method();
  bool get = method == http::verb::get;
  bool post = method == http::verb::post;
  bool del = method == http::verb::delete_;
  if (s.size() < 3 || s[1] != "api" || s[2] != "v1") {
    if (s.size() >= 2 && s[1] == "api")
      co_return problem(http::status::not_found, "not-found", "no such resource");
    co_return static_file(c);
  }
  // /admin/api/v1/session is the only resource open without a session (for POST).
  if (s.size() == 4 && s[3] == "session") {
    if (post) co_return co_await login(c);
    if (!get && !del) co_return method_not_allowed("GET, POST, DELETE");
  }
  auto gate = require_admin(p_.sessions, c.req);
  if (auto* refused = std::get_if<response>(&gate)) co_return std::move(*refused);
  c.who = std::move(std::get<admin_principal>(gate));
  c.login_hint = c.who.login;

  auto n = s.size();
  const std::string& r = n > 3 ? s[3] : s[2];
  if (n == 4 && r == "session") {
    if (get) {
      json::object o;
      o["login"] = c.who.login;
      o["name"] = c.who.name;
      o["csrf_token"] = c.who.csrf_token;
      o["expires_at_ms"] =
          std::chrono::duration_cast<std::chrono::milliseconds>(c.who.expires_at.time_since_epoch())
              .count();
      json::array modes;
      if (p_.cfg.agents.partner_attribute) modes.push_back("agent_attribute");
      if (p_.cfg.partners.member_attribute) modes.push_back("partner_member");
      o["link_modes"] = std::move(modes);
      co_return json_response(o);
    }
    p_.sessions.remove(cookie_value(c.req, k_session_cookie));
    response res{http::status::no_content, 11};
    res.set(http::field::set_cookie, p_.sessions.clearing_cookie());
    res.set(http::field::cache_control, "no-store");
    co_return res;
  }
  if (r == "partners") {
    if (n == 4) {
      if (get) co_return co_await partners_list(c);
      if (post) co_return co_await partner_create(c);
      co_return method_not_allowed("GET, POST");
    }
    std::string id = s[4];
    if (n == 5) {
      if (get) co_return co_await partner_get(c, std::move(id));
      if (method == http::verb::patch) co_return co_await partner_rename(c, std::move(id));
      if (del) co_return co_await partner_delete(c, std::move(id));
      co_return method_not_allowed("GET, PATCH, DELETE");
    }
    if (n == 6 && s[5] == "customer-ids") {
      if (post) co_return co_await partner_customer_ids(c, std::move(id));
      co_return method_not_allowed("POST");
    }
  }
  if (n == 4 && r == "customer-ids") {
    if (get) co_return co_await customer_ids(c);
    co_return method_not_allowed("GET");
  }
  if (r == "agents") {
    if (n == 4) {
      if (get) co_return co_await agents_list(c);
      co_return method_not_allowed("GET");
    }
    if (n == 6 && s[5] == "partners") {
      if (!post) co_return method_not_allowed("POST");
      std::optional<response> refused;
      auto body = json_body(c.req, refused);
      if (!body) co_return std::move(*refused);
      std::string login = s[4];
      std::string partner_id = string_member(*body, "partner_id");
      co_return co_await agent_link(c, std::move(login), std::move(partner_id), true);
    }
    if (n == 6 && s[5] == "mode") {
      if (!get && method != http::verb::put) co_return method_not_allowed("GET, PUT");
      std::string login = s[4];
      co_return co_await agent_mode(c, std::move(login));
    }
    if (n == 7 && s[5] == "partners") {
      if (!del) co_return method_not_allowed("DELETE");
      std::string login = s[4];
      std::string partner_id = s[6];
      co_return co_await agent_link(c, std::move(login), std::move(partner_id), false);
    }
  }
  if (n == 4 && r == "settings") {
    if (get || method == http::verb::put) co_return co_await settings(c);
    co_return method_not_allowed("GET, PUT");
  }
  if (n == 4 && r == "explain") {
    if (get) co_return co_await explain(c);
    co_return method_not_allowed("GET");
  }
  if (n == 4 && r == "preview") {
    if (post) co_return co_await preview(c);
    co_return method_not_allowed("POST");
  }
  if (r == "history") {
    if (n == 4) {
      if (get) co_return co_await history_list(c);
      co_return method_not_allowed("GET");
    }
    if (n == 6 && s[5] == "revert") {
      if (!post) co_return method_not_allowed("POST");
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(s[4].data(), s[4].data() + s[4].size(), id);
      if (ec != std::errc{} || end != s[4].data() + s[4].size() || id <= 0)
        co_return problem(http::status::not_found, "not-found", "no such history entry");
      co_return co_await history_revert(c, id);
    }
  }
  if (n == 4 && r == "mappings.csv") {
    if (get) co_return co_await export_csv(c);
    co_return method_not_allowed("GET");
  }
  if (n == 5 && r == "mappings" && s[4] == "import") {
    if (post) co_return co_await import_csv(c);
    co_return method_not_allowed("POST");
  }
  co_return problem(http::status::not_found, "not-found", "no such resource");
}

// ---------------------------------------------------------------------------------------
// Session

net::awaitable<response> admin_api::login(call& c) {
  std::string raw_login, password;
  auto type = c.req[http::field::content_type];
  if (type.starts_with("application/json")) {
    boost::system::error_code ec;
    auto v = json::parse(c.req.body(), ec);
    if (ec || !v.is_object())
      co_return problem(http::status::bad_request, "bad-json", "the body is not a JSON object");
    raw_login = string_member(v.as_object(), "login");
    password = string_member(v.as_object(), "password");
  } else if (type.starts_with("application/x-www-form-urlencoded")) {
    auto fields = form_fields(c.req.body());
    raw_login = fields["login"];
    password = fields["password"];
  } else {
    co_return problem(http::status::unsupported_media_type, "unsupported-media-type",
                      "send login and password as JSON or as a form");
  }
  auto login = canonical_login(raw_login, p_.cfg.auth.login_case);
  std::string address = c.conn.peer.to_string();
  std::string throttle_key = login ? *login : std::string("\x01invalid");
  int retry_after = 0;
  if (p_.sessions.throttled(throttle_key, address, retry_after)) {
    auto res = problem(http::status::too_many_requests, "too-many-login-attempts",
                       "too many failed logins; wait a minute and try again");
    res.set(http::field::retry_after, std::to_string(retry_after));
    co_return res;
  }
  auto refuse = [&] {
    p_.sessions.record_failure(throttle_key, address);
    return problem(http::status::unauthorized, "invalid-credentials",
                   "the login or the password is wrong");
  };
  if (!login || password.empty() || password.find('\0') != std::string::npos) co_return refuse();
  c.login_hint = *login;
  std::string lookup = *login;
  auto agent = co_await p_.directory.find_agent(std::move(lookup));
  if (!agent) co_return unavailable();
  if (!*agent) co_return refuse();
  std::string dn = (*agent)->dn;
  auto ok = co_await p_.directory.ldap().check_password(std::move(dn), std::move(password));
  if (!ok) co_return unavailable();
  if (!*ok) co_return refuse();

  bool admin = false;
  for (const auto& group : p_.cfg.admin.group_dns) {
    std::string g = group;
    std::string attr = p_.cfg.admin.member_attribute;
    std::string member = (*agent)->dn;
    auto member_of =
        co_await p_.store.group_has_member(std::move(g), std::move(attr), std::move(member));
    if (!member_of) co_return unavailable();
    if (*member_of) {
      admin = true;
      break;
    }
  }
  if (!admin) {
    spdlog::info("admin: refused dashboard login of non-admin {}", *login);
    co_return problem(http::status::forbidden, "not-an-admin",
                      "your credentials are right, but you are not a member of an admin group; "
                      "ask an administrator for access to the dashboard");
  }
  std::string name(((*agent)->entry).first("displayName"));
  if (name.empty()) name = std::string(((*agent)->entry).first("cn"));
  auto created = p_.sessions.create(*login, (*agent)->dn, name);
  spdlog::info("admin: {} logged in to the dashboard", *login);
  json::object o;
  o["login"] = created.who.login;
  o["name"] = created.who.name;
  o["csrf_token"] = created.who.csrf_token;
  auto res = json_response(o);
  res.set(http::field::set_cookie, p_.sessions.cookie(created.token));
  co_return res;
}

// ---------------------------------------------------------------------------------------
// Partners

net::awaitable<response> admin_api::partners_list(call& c) {
  std::map<std::string, std::string, std::less<>> params;
  std::string error;
  if (!read_params(c.url, {"q", "offset", "limit"}, params, error))
    co_return problem(http::status::bad_request, "bad-query", error);
  std::size_t offset = 0, limit = 50;
  if (!read_size(params, "offset", 0, 1'000'000, offset) ||
      !read_size(params, "limit", 1, 500, limit))
    co_return problem(http::status::bad_request, "bad-query",
                      "offset must be 0 or more and limit from 1 to 500");
  auto partners = co_await p_.store.list_partners();
  if (!partners) co_return from_store(partners.error());
  std::string everyone;
  auto agents = co_await p_.store.list_agents(std::move(everyone));
  if (!agents) co_return from_store(agents.error());
  std::map<std::string, std::size_t> agent_counts;
  for (const auto& a : *agents)
    for (const auto& id : mapping::partner_ids_of(a, *partners))
      ++agent_counts[id];
  auto lower = [](std::string s) {
    for (auto& ch : s)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return s;
  };
  auto q = lower(param(params, "q"));
  json::array items;
  std::size_t total = 0;
  for (const auto& p : *partners) {
    if (!q.empty() && lower(p.id).find(q) == std::string::npos &&
        lower(p.name).find(q) == std::string::npos)
      continue;
    ++total;
    if (total <= offset || items.size() >= limit) continue;
    json::object o;
    o["id"] = p.id;
    o["name"] = p.name;
    o["customer_id_count"] = p.customer_ids.size();
    o["agent_count"] = agent_counts[p.id];
    o["version"] = p.version;
    items.push_back(std::move(o));
  }
  json::object body;
  body["items"] = std::move(items);
  body["total"] = total;
  body["offset"] = offset;
  body["limit"] = limit;
  co_return json_response(body);
}

net::awaitable<response> admin_api::partner_get(call& c, std::string id) {
  (void)c;
  std::string lookup = id;
  auto found = co_await p_.store.find_partner(std::move(lookup));
  if (!found) co_return from_store(found.error());
  if (!*found) co_return problem(http::status::not_found, "not-found", "no such partner");
  std::string everyone;
  auto agents = co_await p_.store.list_agents(std::move(everyone));
  if (!agents) co_return from_store(agents.error());
  std::vector<mapping::partner_record> just_this(1, **found);
  json::array members;
  for (const auto& a : *agents) {
    bool by_attribute = std::binary_search(a.partner_ids.begin(), a.partner_ids.end(), id);
    auto ids = mapping::partner_ids_of(a, just_this);
    bool by_member = !by_attribute && std::binary_search(ids.begin(), ids.end(), id);
    if (!by_attribute && !by_member) continue;
    json::object o;
    o["login"] = a.login;
    o["name"] = a.name;
    o["link"] = by_attribute ? "agent_attribute" : "partner_member";
    members.push_back(std::move(o));
  }
  auto body = partner_json(**found);
  body["agents"] = std::move(members);
  auto res = json_response(body);
  res.set(http::field::etag, quoted_etag((*found)->version));
  co_return res;
}

net::awaitable<response> admin_api::partner_create(call& c) {
  std::optional<response> refused;
  auto body = json_body(c.req, refused);
  if (!body) co_return std::move(*refused);
  auto id = string_member(*body, "id");
  auto name = string_member(*body, "name");
  if (!mapping::valid_partner_id(id))
    co_return problem(http::status::unprocessable_entity, "invalid-partner-id",
                      "a partner ID is 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                      "letter or digit");
  if (name.empty()) name = id;
  if (!mapping::valid_mapping_value(name))
    co_return problem(http::status::unprocessable_entity, "invalid-name",
                      "the display name must be 1 to 256 characters without control characters");
  std::vector<std::string> ids;
  std::string error;
  if (!string_list(*body, "customer_ids", ids, error))
    co_return problem(http::status::unprocessable_entity, "invalid-customer-ids", error);
  if (!ids.empty() && !bool_member(*body, "confirm_unknown")) {
    auto check = ids;
    auto unknown = co_await p_.store.unknown_customer_ids(std::move(check));
    if (!unknown) co_return from_store(unknown.error());
    if (!unknown->empty()) {
      json::object extra;
      extra["unknown_customer_ids"] = to_array(*unknown);
      co_return problem_with(http::status::conflict, "unknown-customer-ids",
                             "no customer carries some of these customer IDs; send "
                             "confirm_unknown: true to assign them anyway",
                             extra);
    }
  }
  std::vector<std::string> no_members;
  std::string new_id = id;
  std::string new_name = name;
  auto created = co_await p_.store.create_partner(std::move(new_id), std::move(new_name),
                                                  std::move(ids), std::move(no_members));
  if (!created) co_return from_store(created.error());
  p_.invalidate_caches();
  history_entry e;
  e.actor = c.who.login;
  e.action = "partner.create";
  e.partner_id = id;
  e.summary = "created partner " + id + " (" + name + ")";
  e.before_json = "null";
  e.after_json = partner_state(*created);
  p_.history.record(std::move(e));
  co_return partner_response(*created, http::status::created);
}

net::awaitable<response> admin_api::partner_rename(call& c, std::string id) {
  std::optional<response> refused;
  auto body = json_body(c.req, refused);
  if (!body) co_return std::move(*refused);
  auto name = string_member(*body, "name");
  if (!mapping::valid_mapping_value(name))
    co_return problem(http::status::unprocessable_entity, "invalid-name",
                      "the display name must be 1 to 256 characters without control characters");
  std::string lookup = id;
  auto before = co_await p_.store.find_partner(std::move(lookup));
  if (!before) co_return from_store(before.error());
  if (!*before) co_return problem(http::status::not_found, "not-found", "no such partner");
  auto expected = if_match(c.req);
  auto after = co_await p_.store.rename_partner(id, name, std::move(expected));
  if (!after) co_return from_store(after.error());
  p_.invalidate_caches();
  history_entry e;
  e.actor = c.who.login;
  e.action = "partner.rename";
  e.partner_id = id;
  e.summary = "renamed " + id + " from \"" + (*before)->name + "\" to \"" + name + "\"";
  e.before_json = partner_state(**before);
  e.after_json = partner_state(*after);
  p_.history.record(std::move(e));
  co_return partner_response(*after, http::status::ok);
}

net::awaitable<response> admin_api::partner_delete(call& c, std::string id) {
  std::string lookup = id;
  auto expected = if_match(c.req);
  auto removed = co_await p_.store.delete_partner(std::move(lookup), std::move(expected));
  if (!removed) co_return from_store(removed.error());
  p_.invalidate_caches();
  history_entry e;
  e.actor = c.who.login;
  e.action = "partner.delete";
  e.partner_id = id;
  e.summary = "deleted partner " + id + " (" + removed->name + ", " +
              std::to_string(removed->customer_ids.size()) + " customer IDs)";
  e.before_json = partner_state(*removed);
  e.after_json = "null";
  p_.history.record(std::move(e));
  response res{http::status::no_content, 11};
  res.set(http::field::cache_control, "no-store");
  co_return res;
}

net::awaitable<response> admin_api::partner_customer_ids(call& c, std::string id) {
  std::optional<response> refused;
  auto body = json_body(c.req, refused);
  if (!body) co_return std::move(*refused);
  std::vector<std::string> add, remove;
  std::string error;
  if (!string_list(*body, "add", add, error) || !string_list(*body, "remove", remove, error))
    co_return problem(http::status::unprocessable_entity, "invalid-customer-ids", error);
  if (add.empty() && remove.empty())
    co_return problem(http::status::unprocessable_entity, "nothing-to-change",
                      "name customer IDs to add or remove");
  if (!add.empty() && !bool_member(*body, "confirm_unknown")) {
    auto check = add;
    auto unknown = co_await p_.store.unknown_customer_ids(std::move(check));
    if (!unknown) co_return from_store(unknown.error());
    if (!unknown->empty()) {
      json::object extra;
      extra["unknown_customer_ids"] = to_array(*unknown);
      co_return problem_with(http::status::conflict, "unknown-customer-ids",
                             "no customer carries some of these customer IDs; send "
                             "confirm_unknown: true to assign them anyway",
                             extra);
    }
  }
  std::string lookup = id;
  auto before = co_await p_.store.find_partner(std::move(lookup));
  if (!before) co_return from_store(before.error());
  if (!*before) co_return problem(http::status::not_found, "not-found", "no such partner");
  auto expected = if_match(c.req);
  auto after = co_await p_.store.change_customer_ids(id, std::move(add), std::move(remove),
                                                     std::move(expected));
  if (!after) co_return from_store(after.error());
  auto added = difference(after->customer_ids, (*before)->customer_ids);
  auto removed = difference((*before)->customer_ids, after->customer_ids);
  if (!added.empty() || !removed.empty()) {
    p_.invalidate_caches();
    history_entry e;
    e.actor = c.who.login;
    e.action = "partner.customer_ids";
    e.partner_id = id;
    e.summary = change_summary(id, added, removed);
    e.before_json = partner_state(**before);
    e.after_json = partner_state(*after);
    p_.history.record(std::move(e));
  }
  auto res = partner_response(*after, http::status::ok);
  co_return res;
}

net::awaitable<response> admin_api::customer_ids(call& c) {
  std::map<std::string, std::string, std::less<>> params;
  std::string error;
  if (!read_params(c.url, {"prefix", "limit"}, params, error))
    co_return problem(http::status::bad_request, "bad-query", error);
  std::size_t limit = 20;
  if (!read_size(params, "limit", 1, 500, limit))
    co_return problem(http::status::bad_request, "bad-query", "limit must be from 1 to 500");
  auto prefix = param(params, "prefix");
  auto ids = co_await p_.store.distinct_customer_ids(std::move(prefix), limit);
  if (!ids) co_return from_store(ids.error());
  json::object body;
  body["items"] = to_array(*ids);
  co_return json_response(body);
}

// ---------------------------------------------------------------------------------------
// Agents

net::awaitable<response> admin_api::agents_list(call& c) {
  std::map<std::string, std::string, std::less<>> params;
  std::string error;
  if (!read_params(c.url, {"q", "partner_id", "limit"}, params, error))
    co_return problem(http::status::bad_request, "bad-query", error);
  std::size_t limit = 200;
  if (!read_size(params, "limit", 1, 5000, limit))
    co_return problem(http::status::bad_request, "bad-query", "limit must be from 1 to 5000");
  auto q = param(params, "q");
  auto agents = co_await p_.store.list_agents(std::move(q));
  if (!agents) co_return from_store(agents.error());
  auto partners = co_await p_.store.list_partners();
  if (!partners) co_return from_store(partners.error());
  auto only = param(params, "partner_id");
  json::array items;
  std::size_t total = 0;
  for (const auto& a : *agents) {
    auto all = mapping::partner_ids_of(a, *partners);
    if (!only.empty() && !std::binary_search(all.begin(), all.end(), only)) continue;
    ++total;
    if (items.size() >= limit) continue;
    json::object o;
    o["login"] = a.login;
    o["name"] = a.name;
    o["partner_ids"] = to_array(all);
    o["attribute_partner_ids"] = to_array(a.partner_ids);
    std::vector<std::string> member_of;
    for (const auto& id : all)
      if (!std::binary_search(a.partner_ids.begin(), a.partner_ids.end(), id))
        member_of.push_back(id);
    o["member_partner_ids"] = to_array(member_of);
    std::vector<std::string> unknown;
    for (const auto& id : a.partner_ids)
      if (std::none_of(partners->begin(), partners->end(),
                       [&](const mapping::partner_record& p) { return p.id == id; }))
        unknown.push_back(id);
    o["unknown_partner_ids"] = to_array(unknown);
    items.push_back(std::move(o));
  }
  json::object body;
  body["items"] = std::move(items);
  body["total"] = total;
  co_return json_response(body);
}

net::awaitable<response> admin_api::agent_link(call& c, std::string login, std::string partner_id,
                                               bool linked) {
  std::map<std::string, std::string, std::less<>> params;
  std::string error;
  if (!read_params(c.url, {"mode"}, params, error))
    co_return problem(http::status::bad_request, "bad-query", error);
  auto mode_name = param(params, "mode");
  if (c.req.method() == http::verb::post) {
    boost::system::error_code ec;
    auto v = json::parse(c.req.body(), ec);
    if (!ec && v.is_object()) {
      auto m = string_member(v.as_object(), "mode");
      if (!m.empty()) mode_name = m;
    }
  }
  auto mode = parse_link_mode(mode_name, p_.cfg);
  if (!mode)
    co_return problem(http::status::unprocessable_entity, "invalid-link-mode",
                      "mode must be agent_attribute or partner_member, and configured");
  if (!mapping::valid_partner_id(partner_id))
    co_return problem(http::status::unprocessable_entity, "invalid-partner-id",
                      "partner_id is not a valid partner ID");
  auto canonical = canonical_login(login, p_.cfg.auth.login_case);
  if (!canonical) co_return problem(http::status::not_found, "not-found", "no such agent");
  std::string agent_login = *canonical;
  std::string pid = partner_id;
  auto changed =
      co_await p_.store.link_agent(std::move(agent_login), std::move(pid), linked, *mode);
  if (!changed) co_return from_store(changed.error(), "agent or partner");
  if (*changed) {
    p_.invalidate_caches();
    json::object state;
    state["agent"] = *canonical;
    state["partner_id"] = partner_id;
    state["mode"] = to_string(*mode);
    state["linked"] = linked;
    json::object before = state;
    before["linked"] = !linked;
    history_entry e;
    e.actor = c.who.login;
    e.action = linked ? "agent.link" : "agent.unlink";
    e.partner_id = partner_id;
    e.summary = (linked ? "assigned agent " : "removed agent ") + *canonical +
                (linked ? " to " : " from ") + partner_id;
    e.before_json = json::serialize(before);
    e.after_json = json::serialize(state);
    p_.history.record(std::move(e));
  }
  json::object body;
  body["agent"] = *canonical;
  body["partner_id"] = partner_id;
  body["linked"] = linked;
  body["changed"] = *changed;
  body["mode"] = to_string(*mode);
  co_return json_response(body);
}

// ---------------------------------------------------------------------------------------
// Access modes and settings

net::awaitable<ldap::result<void>> admin_api::write_mode(std::string dn, bool present,
                                                         std::optional<std::string> value) {
  // Removing an attribute that is not there is an LDAP error; there is nothing to do.
  if (!value && !present) {
    ldap::result<void> nothing;
    co_return nothing;
  }
  auto changes = mode_change(p_.cfg.agents.access_mode_attribute, value);
  co_return co_await p_.directory.ldap().modify(std::move(dn), std::move(changes));
}

net::awaitable<response> admin_api::agent_mode(call& c, std::string login) {
  auto canonical = canonical_login(login, p_.cfg.auth.login_case);
  if (!canonical) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
  std::optional<std::string> new_value;
  bool writing = c.req.method() == http::verb::put;
  if (writing) {
    std::optional<response> refused;
    auto body = json_body(c.req, refused);
    if (!body) co_return std::move(*refused);
    for (const auto& kv : *body)
      if (kv.key() != "mode")
        co_return problem(http::status::bad_request, "invalid-mode",
                          "unknown member '" + std::string(kv.key().substr(0, 64)) + "'");
    auto it = body->find("mode");
    if (it == body->end())
      co_return problem(http::status::bad_request, "invalid-mode",
                        "mode is required: an access mode, or null to inherit");
    if (!it->value().is_null()) {
      if (!it->value().is_string() || !config::parse_access_mode(it->value().as_string()))
        co_return problem(http::status::bad_request, "invalid-mode",
                          "mode must be full, edit, edit_import, edit_export, view_only, hidden "
                          "or null");
      new_value = std::string(it->value().as_string());
    }
  }
  std::string l = *canonical;
  auto found = co_await p_.directory.find_agent(std::move(l));
  if (!found) {
    spdlog::warn("admin: agent lookup failed: {}", found.error().message);
    co_return unavailable();
  }
  if (!*found) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
  mapping::agent agent = std::move(**found);
  const auto& attribute = p_.cfg.agents.access_mode_attribute;
  if (writing) {
    std::string before(agent.entry.first(attribute));
    std::string dn = agent.dn;
    auto written = co_await write_mode(std::move(dn), !before.empty(), new_value);
    if (!written) {
      spdlog::warn("admin: writing the access mode of {} failed: {}", *canonical,
                   written.error().message);
      co_return unavailable();
    }
    p_.invalidate_caches();
    history_entry e;
    e.actor = c.who.login;
    e.action = "agent.mode";
    e.summary = "access mode of agent " + *canonical + ": " +
                (before.empty() ? std::string("inherited") : before) + " → " +
                (new_value ? *new_value : std::string("inherited"));
    e.before_json = json::serialize(mode_state(*canonical, before));
    e.after_json = json::serialize(mode_state(*canonical, new_value ? *new_value : ""));
    p_.history.record(std::move(e));
    spdlog::info("access mode of agent {} set to {} by {}", *canonical,
                 new_value ? *new_value : "inherited", c.who.login);
    std::string again = *canonical;
    auto reread = co_await p_.directory.find_agent(std::move(again));
    if (!reread || !*reread) co_return unavailable();
    agent = std::move(**reread);
  }
  auto scope = co_await p_.scopes.resolve_uncached(agent);
  if (!scope) co_return unavailable();
  auto decision =
      p_.access_defaults
          ? policy::decide_access_mode(p_.cfg, agent, **scope, *p_.access_defaults->group_modes())
          : policy::decide_access_mode(p_.cfg, agent, **scope);
  co_return json_response(mode_json(*canonical, decision, agent.entry.first(attribute)));
}

std::vector<config::group_mode> admin_api::current_group_modes() const {
  return p_.access_defaults ? *p_.access_defaults->group_modes() : p_.cfg.access.group_modes;
}

std::int64_t admin_api::replace_group_modes(const std::string& actor,
                                            std::vector<config::group_mode> modes,
                                            const std::string& summary_prefix) {
  auto before = current_group_modes();
  p_.history.set_setting("group_modes", group_modes_text(modes));
  history_entry e;
  e.actor = actor;
  e.action = "settings.group_modes";
  e.summary = summary_prefix + "access-mode group defaults: " + std::to_string(before.size()) +
              " → " + std::to_string(modes.size()) + " group(s)";
  e.before_json = group_modes_text(before);
  e.after_json = group_modes_text(modes);
  if (p_.set_group_modes) p_.set_group_modes(std::move(modes));
  p_.invalidate_caches();
  return p_.history.record(std::move(e));
}

net::awaitable<response> admin_api::settings(call& c) {
  if (c.req.method() == http::verb::put) {
    std::optional<response> refused;
    auto body = json_body(c.req, refused);
    if (!body) co_return std::move(*refused);
    for (const auto& member : *body)
      if (member.key() != "fieldworkers_see_all_customers" && member.key() != "group_modes")
        co_return problem(http::status::bad_request, "invalid-setting",
                          "unknown setting '" + std::string(member.key()).substr(0, 64) + "'");
    if (auto g = body->find("group_modes"); g != body->end()) {
      std::string error;
      auto text = json::serialize(g->value());
      auto modes = parse_group_modes(text, error);
      if (!modes) co_return problem(http::status::bad_request, "invalid-setting", error);
      if (!p_.set_group_modes)
        co_return problem(http::status::conflict, "not-changeable",
                          "group defaults cannot be changed at run time here");
      std::string no_prefix;
      (void)replace_group_modes(c.who.login, std::move(*modes), no_prefix);
      spdlog::info("access-mode group defaults replaced by {}", c.who.login);
    }
    auto it = body->find("fieldworkers_see_all_customers");
    if (it == body->end()) {
      auto modes = current_group_modes();
      co_return json_response(settings_json(p_.cfg, p_.scopes.fieldworkers_see_all(), modes));
    }
    if (!it->value().is_bool())
      co_return problem(http::status::bad_request, "invalid-setting",
                        "send {\"fieldworkers_see_all_customers\": true or false}");
    bool on = it->value().as_bool();
    bool before = p_.scopes.fieldworkers_see_all();
    p_.scopes.set_fieldworkers_see_all(on);
    p_.history.set_setting("fieldworkers_see_all_customers", on ? "true" : "false");
    p_.invalidate_caches();
    history_entry e;
    e.actor = c.who.login;
    e.action = "settings.fieldworkers";
    e.summary = std::string("fieldworkers see all customers: ") + (before ? "on" : "off") + " → " +
                (on ? "on" : "off");
    e.before_json = json::serialize(switch_state(before));
    e.after_json = json::serialize(switch_state(on));
    p_.history.record(std::move(e));
    spdlog::info("fieldworkers_see_all_customers set to {} by {}", on, c.who.login);
  }
  auto modes = current_group_modes();
  co_return json_response(settings_json(p_.cfg, p_.scopes.fieldworkers_see_all(), modes));
}

std::optional<std::vector<config::group_mode>> parse_group_modes(std::string_view json_text,
                                                                 std::string& error) {
  boost::system::error_code ec;
  auto v = json::parse(json_text, ec);
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

std::string group_modes_text(const std::vector<config::group_mode>& modes) {
  return json::serialize(group_modes_json(modes));
}

// ---------------------------------------------------------------------------------------
// Explain and preview

net::awaitable<response> admin_api::explain(call& c) {
  std::map<std::string, std::string, std::less<>> params;
  std::string error;
  if (!read_params(c.url, {"agent", "customer"}, params, error))
    co_return problem(http::status::bad_request, "bad-query", error);
  auto agent_login = canonical_login(param(params, "agent"), p_.cfg.auth.login_case);
  auto customer_login = param(params, "customer");
  if (!agent_login || customer_login.empty())
    co_return problem(http::status::bad_request, "bad-query",
                      "name an agent login (agent) and a customer login (customer)");
  std::string lookup = *agent_login;
  auto agent = co_await p_.directory.find_agent(std::move(lookup));
  if (!agent) co_return unavailable();
  if (!*agent)
    co_return problem(http::status::not_found, "agent-not-found", "no agent with this login");
  auto cached = co_await p_.scopes.resolve(**agent);
  if (!cached) co_return unavailable();
  auto fresh = co_await p_.scopes.resolve_uncached(**agent);
  if (!fresh) co_return unavailable();
  auto cids = co_await p_.store.customer_ids_of_customer(customer_login);
  if (!cids) co_return from_store(cids.error(), "customer");
  if (!*cids)
    co_return problem(http::status::not_found, "customer-not-found", "no customer with this login");
  auto partners = co_await p_.store.list_partners();
  if (!partners) co_return from_store(partners.error());

  const auto& scope = **cached;
  std::vector<std::string> matching;
  for (const auto& id : **cids)
    if (scope.allows(id)) matching.push_back(id);
  bool allowed = !scope.denied() && !matching.empty();
  json::array granting;
  if (scope.kind == mapping::scope_kind::some)
    for (const auto& p : *partners) {
      if (!std::binary_search(scope.known_partner_ids.begin(), scope.known_partner_ids.end(), p.id))
        continue;
      for (const auto& m : matching)
        if (std::binary_search(p.customer_ids.begin(), p.customer_ids.end(), m)) {
          json::object g;
          g["partner_id"] = p.id;
          g["name"] = p.name;
          g["customer_id"] = m;
          granting.push_back(std::move(g));
        }
    }
  auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - scope.resolved_at);
  std::vector<std::string> fresh_matching;
  for (const auto& id : **cids)
    if ((*fresh)->allows(id)) fresh_matching.push_back(id);
  bool fresh_allowed = !(*fresh)->denied() && !fresh_matching.empty();

  json::object body;
  body["decision"] = allowed ? "allow" : "deny";
  body["agent"] = *agent_login;
  body["agent_dn"] = (*agent)->dn;
  body["customer"] = customer_login;
  body["customer_ids"] = to_array(**cids);
  body["matching_customer_ids"] = to_array(matching);
  body["partner_ids"] = to_array(scope.partner_ids);
  body["known_partner_ids"] = to_array(scope.known_partner_ids);
  body["granting_partners"] = std::move(granting);
  body["rule"] = mapping::to_string(scope.rule);
  body["scope_kind"] = mapping::to_string(scope.kind);
  body["reason"] = mapping::explain(scope);
  if (!scope.bypass_group.empty()) body["bypass_group"] = scope.bypass_group;
  body["scope_customer_id_count"] = scope.customer_ids.size();
  body["cache_age_seconds"] = static_cast<double>(age.count()) / 1000.0;
  body["cache_ttl_seconds"] = p_.cfg.scope.cache_ttl_seconds;
  body["fresh_decision"] = fresh_allowed ? "allow" : "deny";
  body["fresh_rule"] = mapping::to_string((*fresh)->rule);
  co_return json_response(body);
}

net::awaitable<response> admin_api::preview(call& c) {
  std::optional<response> refused;
  auto body = json_body(c.req, refused);
  if (!body) co_return std::move(*refused);
  auto* list = body->if_contains("changes");
  if (!list || !list->is_array() || list->as_array().empty() || list->as_array().size() > 1000)
    co_return problem(http::status::unprocessable_entity, "invalid-preview",
                      "changes must be a non-empty list of at most 1000 changes");
  std::vector<mapping::proposed_change> changes;
  for (const auto& item : list->as_array()) {
    if (!item.is_object())
      co_return problem(http::status::unprocessable_entity, "invalid-preview",
                        "each change must be an object");
    const auto& o = item.as_object();
    mapping::proposed_change ch;
    ch.partner_id = string_member(o, "partner_id");
    std::string error;
    if (!string_list(o, "add", ch.add, error) || !string_list(o, "remove", ch.remove, error))
      co_return problem(http::status::unprocessable_entity, "invalid-preview", error);
    ch.delete_partner = bool_member(o, "delete");
    ch.create_partner = bool_member(o, "create");
    ch.agent_login = string_member(o, "agent");
    if (auto* l = o.if_contains("linked"); l && l->is_bool()) ch.linked = l->as_bool();
    if (!mapping::valid_partner_id(ch.partner_id))
      co_return problem(http::status::unprocessable_entity, "invalid-preview",
                        "each change needs a valid partner_id");
    changes.push_back(std::move(ch));
  }
  auto partners = co_await p_.store.list_partners();
  if (!partners) co_return from_store(partners.error());
  std::string everyone;
  auto agents = co_await p_.store.list_agents(std::move(everyone));
  if (!agents) co_return from_store(agents.error());
  auto effects = mapping::preview(std::move(*partners), std::move(*agents), changes);
  json::array items;
  std::size_t gained = 0, lost = 0;
  for (const auto& e : effects) {
    gained += e.gains.size();
    lost += e.loses.size();
    items.push_back(effect_json(e));
  }
  json::object out;
  out["agents"] = std::move(items);
  out["agents_affected"] = effects.size();
  out["customer_ids_gained"] = gained;
  out["customer_ids_lost"] = lost;
  out["written"] = false;
  co_return json_response(out);
}

// ---------------------------------------------------------------------------------------
// History

net::awaitable<response> admin_api::history_list(call& c) {
  std::map<std::string, std::string, std::less<>> params;
  std::string error;
  if (!read_params(c.url, {"actor", "partner_id", "action", "before_id", "limit"}, params, error))
    co_return problem(http::status::bad_request, "bad-query", error);
  history_filter f;
  std::size_t limit = 50, before = 0;
  if (!read_size(params, "limit", 1, 500, limit) ||
      !read_size(params, "before_id", 1, std::size_t(1) << 62, before))
    co_return problem(http::status::bad_request, "bad-query",
                      "limit must be from 1 to 500 and before_id a positive entry id");
  f.limit = static_cast<int>(limit);
  f.before_id = static_cast<std::int64_t>(before);
  f.actor = param(params, "actor");
  f.partner_id = param(params, "partner_id");
  f.action = param(params, "action");
  json::array items;
  for (const auto& e : p_.history.list(f))
    items.push_back(history_json(e));
  json::object body;
  body["items"] = std::move(items);
  co_return json_response(body);
}

net::awaitable<response> admin_api::history_revert(call& c, std::int64_t id) {
  auto entry = p_.history.get(id);
  if (!entry) co_return problem(http::status::not_found, "not-found", "no such history entry");
  if (entry->reverted_by != 0)
    co_return problem(
        http::status::conflict, "already-reverted",
        "this change was already reverted (entry " + std::to_string(entry->reverted_by) + ")");
  boost::system::error_code ec;
  auto before = json::parse(entry->before_json, ec);
  if (ec) before = nullptr;
  auto after = json::parse(entry->after_json, ec);
  if (ec) after = nullptr;
  const std::string& pid = entry->partner_id;
  history_entry out;
  out.actor = c.who.login;
  out.partner_id = pid;
  out.reverts = id;
  auto stale = [&] {
    return problem(http::status::conflict, "revert-conflict",
                   "the partner changed after this entry; revert the later changes first or "
                   "edit the partner directly (nothing was changed)");
  };

  if (entry->action == "partner.create") {
    std::string p = pid;
    auto version = json_string(after, "version");
    auto removed = co_await p_.store.delete_partner(std::move(p), std::move(version));
    if (!removed) {
      if (removed.error().code == mapping::store_errc::conflict) co_return stale();
      co_return from_store(removed.error());
    }
    out.action = "partner.delete";
    out.summary = "reverted #" + std::to_string(id) + ": deleted partner " + pid;
    out.before_json = partner_state(*removed);
    out.after_json = "null";
  } else if (entry->action == "partner.delete") {
    std::string p = pid;
    auto name = json_string(before, "name");
    auto ids = json_strings(before, "customer_ids");
    auto members = json_strings(before, "member_dns");
    auto created = co_await p_.store.create_partner(std::move(p), std::move(name), std::move(ids),
                                                    std::move(members));
    if (!created) co_return from_store(created.error());
    out.action = "partner.create";
    out.summary = "reverted #" + std::to_string(id) + ": recreated partner " + pid;
    out.before_json = "null";
    out.after_json = partner_state(*created);
  } else if (entry->action == "partner.rename") {
    std::string p = pid;
    auto name = json_string(before, "name");
    auto version = json_string(after, "version");
    auto renamed =
        co_await p_.store.rename_partner(std::move(p), std::move(name), std::move(version));
    if (!renamed) {
      if (renamed.error().code == mapping::store_errc::conflict) co_return stale();
      co_return from_store(renamed.error());
    }
    out.action = "partner.rename";
    out.summary = "reverted #" + std::to_string(id) + ": renamed " + pid + " back to \"" +
                  renamed->name + "\"";
    out.before_json = entry->after_json;
    out.after_json = partner_state(*renamed);
  } else if (entry->action == "partner.customer_ids") {
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
    auto changed = co_await p_.store.change_customer_ids(std::move(p), std::move(add),
                                                         std::move(remove), std::move(version));
    if (!changed) {
      if (changed.error().code == mapping::store_errc::conflict) co_return stale();
      co_return from_store(changed.error());
    }
    out.action = "partner.customer_ids";
    out.summary = "reverted #" + std::to_string(id) + ": " + change_summary(pid, re_add, re_remove);
    out.before_json = entry->after_json;
    out.after_json = partner_state(*changed);
  } else if (entry->action == "agent.link" || entry->action == "agent.unlink") {
    auto agent = json_string(after, "agent");
    auto mode = parse_link_mode(json_string(after, "mode"), p_.cfg);
    if (!mode)
      co_return problem(http::status::conflict, "revert-impossible",
                        "this link mode is no longer configured");
    bool relink = entry->action == "agent.unlink";
    std::string p = pid;
    std::string a = agent;
    auto changed = co_await p_.store.link_agent(std::move(a), std::move(p), relink, *mode);
    if (!changed) co_return from_store(changed.error(), "agent or partner");
    out.action = relink ? "agent.link" : "agent.unlink";
    out.summary = "reverted #" + std::to_string(id) + ": " +
                  (relink ? "assigned agent " : "removed agent ") + agent +
                  (relink ? " to " : " from ") + pid;
    out.before_json = entry->after_json;
    out.after_json = entry->before_json;
  } else if (entry->action == "agent.mode") {
    auto agent_login = json_string(before, "agent");
    std::optional<std::string> value;
    if (before.is_object() && before.as_object().contains("attribute_value") &&
        before.as_object().at("attribute_value").is_string())
      value = json_string(before, "attribute_value");
    std::string l = agent_login;
    auto found = co_await p_.directory.find_agent(std::move(l));
    if (!found) co_return unavailable();
    if (!*found) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
    std::string now((*found)->entry.first(p_.cfg.agents.access_mode_attribute));
    std::string dn = (*found)->dn;
    auto written = co_await write_mode(std::move(dn), !now.empty(), value);
    if (!written) co_return unavailable();
    out.action = "agent.mode";
    out.summary = "reverted #" + std::to_string(id) + ": access mode of agent " + agent_login +
                  " → " + (value ? *value : std::string("inherited"));
    out.before_json = json::serialize(mode_state(agent_login, now));
    out.after_json = entry->before_json;
  } else if (entry->action == "settings.fieldworkers") {
    bool on = before.is_object() && before.as_object().contains("fieldworkers_see_all_customers") &&
              before.as_object().at("fieldworkers_see_all_customers").is_bool() &&
              before.as_object().at("fieldworkers_see_all_customers").as_bool();
    bool was = p_.scopes.fieldworkers_see_all();
    p_.scopes.set_fieldworkers_see_all(on);
    p_.history.set_setting("fieldworkers_see_all_customers", on ? "true" : "false");
    out.action = "settings.fieldworkers";
    out.summary = "reverted #" + std::to_string(id) + ": fieldworkers see all customers → " +
                  (on ? "on" : "off");
    out.before_json = json::serialize(switch_state(was));
    out.after_json = entry->before_json;
  } else if (entry->action == "settings.group_modes") {
    std::string error;
    auto modes = parse_group_modes(entry->before_json, error);
    if (!modes || !p_.set_group_modes)
      co_return problem(http::status::conflict, "revert-impossible",
                        "the earlier group defaults cannot be restored");
    std::string prefix = "reverted #" + std::to_string(id) + ": ";
    auto new_id = replace_group_modes(c.who.login, std::move(*modes), prefix);
    p_.history.mark_reverted(id, new_id);
    json::object body;
    body["reverted"] = id;
    body["entry"] = new_id;
    body["summary"] = prefix + "access-mode group defaults restored";
    co_return json_response(body);
  } else {
    co_return problem(http::status::conflict, "revert-impossible",
                      "this kind of change cannot be reverted");
  }
  p_.invalidate_caches();
  auto new_id = p_.history.record(out);
  p_.history.mark_reverted(id, new_id);
  json::object body;
  body["reverted"] = id;
  body["entry"] = new_id;
  body["summary"] = out.summary;
  co_return json_response(body);
}

// ---------------------------------------------------------------------------------------
// CSV import / export

net::awaitable<response> admin_api::export_csv(call& c) {
  (void)c;
  auto partners = co_await p_.store.list_partners();
  if (!partners) co_return from_store(partners.error());
  std::vector<std::string> cells(2);
  cells[0] = "partner_id";
  cells[1] = "customer_id";
  std::string out = csv_row(cells);
  for (const auto& p : *partners)
    for (const auto& id : p.customer_ids) {
      cells[0] = p.id;
      cells[1] = id;
      out += csv_row(cells);
    }
  response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.set(http::field::content_disposition, "attachment; filename=\"scopegate-mappings.csv\"");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(out);
  co_return res;
}

net::awaitable<response> admin_api::import_csv(call& c) {
  std::map<std::string, std::string, std::less<>> params;
  std::string error;
  if (!read_params(c.url, {"mode", "dry_run", "confirm_unknown"}, params, error))
    co_return problem(http::status::bad_request, "bad-query", error);
  auto mode = param(params, "mode");
  if (mode.empty()) mode = "merge";
  if (mode != "merge" && mode != "replace")
    co_return problem(http::status::bad_request, "bad-query", "mode must be merge or replace");
  bool dry_run = param(params, "dry_run") == "true";
  bool confirm_unknown = param(params, "confirm_unknown") == "true";
  auto type = c.req[http::field::content_type];
  if (!type.starts_with("text/csv") && !type.starts_with("text/plain"))
    co_return problem(http::status::unsupported_media_type, "unsupported-media-type",
                      "send the CSV as text/csv");

  auto table = parse_csv(c.req.body());
  if (!table.error.empty()) {
    json::object extra;
    json::array errors;
    errors.push_back(json::string(table.error));
    extra["errors"] = std::move(errors);
    co_return problem_with(http::status::unprocessable_entity, "invalid-csv",
                           "the file is not valid CSV; nothing was changed", extra);
  }
  auto& rows = table.rows;
  std::size_t first_row = 1;
  if (!rows.empty() && rows.front().size() == 2 && rows.front()[0] == "partner_id") {
    rows.erase(rows.begin());
    first_row = 2;
  }
  auto partners = co_await p_.store.list_partners();
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
    json::object extra;
    extra["errors"] = std::move(errors);
    co_return problem_with(http::status::unprocessable_entity, "invalid-import",
                           "the file has errors; nothing was changed", extra);
  }
  if (!confirm_unknown) {
    auto unknown = co_await p_.store.unknown_customer_ids(std::move(all_ids));
    if (!unknown) co_return from_store(unknown.error());
    if (!unknown->empty()) {
      json::object extra;
      extra["unknown_customer_ids"] = to_array(*unknown);
      co_return problem_with(http::status::conflict, "unknown-customer-ids",
                             "no customer carries some of these customer IDs; import again with "
                             "confirm_unknown=true to assign them anyway (nothing was changed)",
                             extra);
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
      std::string pid = pl.id;
      auto add = pl.add;
      auto remove = pl.remove;
      auto changed = co_await p_.store.change_customer_ids(std::move(pid), std::move(add),
                                                           std::move(remove), pl.version);
      if (!changed) {
        failed = true;
        item["status"] =
            changed.error().code == mapping::store_errc::conflict ? "conflict" : "failed";
      } else {
        item["status"] = "applied";
        history_entry e;
        e.actor = c.who.login;
        e.action = "partner.customer_ids";
        e.partner_id = pl.id;
        e.summary = "CSV import: " + change_summary(pl.id, pl.add, pl.remove);
        e.before_json = partner_state(*by_id[pl.id]);
        e.after_json = partner_state(*changed);
        p_.history.record(std::move(e));
      }
    } else {
      item["status"] = dry_run ? "planned" : "skipped";
    }
    report.push_back(std::move(item));
  }
  if (!dry_run && !plans.empty()) p_.invalidate_caches();
  json::object body;
  body["rows"] = rows.size();
  body["mode"] = mode;
  body["dry_run"] = dry_run;
  body["partners"] = std::move(report);
  body["complete"] = !failed;
  co_return json_response(body, failed ? http::status::conflict : http::status::ok);
}

}  // namespace scopegate::gateway
