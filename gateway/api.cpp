#include "gateway/api.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <map>

#include "gateway/encoding.hpp"
#include "gateway/problem.hpp"
#include "gateway/reveal_admin_api.hpp"

namespace scopegate::gateway {

namespace json = boost::json;
namespace urls = boost::urls;

namespace {

constexpr std::size_t k_default_limit = 50;
constexpr std::size_t k_max_limit = 500;
constexpr std::size_t k_max_query_value = 256;
constexpr std::string_view k_page_token_prefix = "v1:";

// Values that can reach LDAP from a request: bounded and free of control bytes (NUL in a
// filter value is escaped anyway; refusing it makes the error visible).
bool acceptable_value(std::string_view v) {
  if (v.size() > k_max_query_value) return false;
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

json::object empty_page() {
  json::object body;
  body["items"] = json::array();
  body["next_page_token"] = nullptr;
  return body;
}

std::string customer_name(const config::customers_config& c, const mapping::customer_record& r) {
  for (std::size_t i = 0; i < c.fields.size() && i < r.values.size(); ++i)
    if (c.fields[i].name == "name" && r.values[i]) return *r.values[i];
  return {};
}

json::object reveals_json(const policy::quota& q) {
  json::object o;
  o["used_today"] = q.used;
  o["limit"] = q.limit;
  o["left"] = q.left();
  o["limit_source"] = q.limit_source;
  return o;
}

}  // namespace

json::value customer_json(const config::customers_config& c, const mapping::customer_record& r) {
  json::object item;
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    if (r.values[i])
      item[c.fields[i].name] = *r.values[i];
    else
      item[c.fields[i].name] = nullptr;
  }
  return item;
}

api::api(api_parts parts) : p_(parts) {
  for (const auto& n : p_.cfg.listen.trusted_proxies)
    if (auto c = cidr::parse(n)) trusted_proxies_.push_back(*c);
}

std::string api::client_address(const request& req, const connection_info& conn) const {
  // X-Forwarded-For is believed only from a configured proxy; its last hop is the client
  // as that proxy saw it. From anyone else the header is ignored.
  if (any_contains(trusted_proxies_, conn.peer)) {
    auto it = req.find("X-Forwarded-For");
    if (it != req.end()) {
      std::string_view v = it->value();
      auto comma = v.rfind(',');
      auto last = comma == std::string_view::npos ? v : v.substr(comma + 1);
      while (!last.empty() && last.front() == ' ')
        last.remove_prefix(1);
      boost::system::error_code ec;
      auto a = net::ip::make_address(std::string(last), ec);
      if (!ec) return a.to_string();
    }
  }
  return conn.peer.to_string();
}

net::awaitable<response> api::handle(request& req, const connection_info& conn) {
  auto start = std::chrono::steady_clock::now();
  context ctx;
  response res;
  try {
    res = co_await dispatch(req, conn, ctx);
  } catch (const std::exception& e) {
    spdlog::error("request failed: {}", e.what());
    ctx.decision = "error";
    res = problem(http::status::internal_server_error, "internal", "internal error");
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  p_.metrics.record(ctx.which, res.result_int(), us);
  if (p_.cfg.log.access_log && ctx.which != route::healthz && ctx.which != route::metrics &&
      ctx.which != route::readyz)
    spdlog::info(
        "access from={} agent={} via={} method={} route={} status={} decision={} items={} us={}",
        client_address(req, conn), ctx.agent, ctx.via.empty() ? "-" : ctx.via,
        std::string(req.method_string()), to_string(ctx.which), res.result_int(), ctx.decision,
        ctx.items, us.count());
  co_return res;
}

net::awaitable<response> api::dispatch(request& req, const connection_info& conn, context& ctx) {
  auto parsed = urls::parse_origin_form(req.target());
  if (!parsed) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-path", "request target is not a valid path");
  }
  ctx.url = *parsed;
  // Canonical path: decoded segments. Anything ambiguous (empty, dot or slash-containing
  // segments, NUL) is refused so routing and authorization can never disagree.
  std::vector<std::string> segs;
  auto all = ctx.url.segments();
  for (auto it = all.begin(); it != all.end(); ++it) {
    auto seg = *it;
    // "/admin/" (the dashboard's index) is the one path that may end in an empty segment.
    if (seg.empty() && segs.size() == 1 && segs[0] == "admin" && std::next(it) == all.end()) {
      segs.emplace_back();
      break;
    }
    if (seg.empty() || seg == "." || seg == ".." ||
        seg.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
      ctx.decision = "deny";
      co_return problem(http::status::bad_request, "bad-path",
                        "path contains empty, dot or encoded-slash segments");
    }
    segs.push_back(std::move(seg));
  }
  bool get = req.method() == http::verb::get;
  auto method_not_allowed = [&](std::string_view allowed) {
    ctx.decision = "deny";
    auto res = problem(http::status::method_not_allowed, "method-not-allowed",
                       "this resource supports " + std::string(allowed));
    res.set(http::field::allow, allowed);
    return res;
  };

  if (segs.size() == 1 && segs[0] == "healthz") {
    ctx.which = route::healthz;
    if (!get) co_return method_not_allowed("GET");
    co_return json_response(json::object{{"status", "ok"}});
  }
  if (segs.size() == 1 && segs[0] == "readyz") {
    ctx.which = route::readyz;
    if (!get) co_return method_not_allowed("GET");
    if (p_.ldap.ready()) co_return json_response(json::object{{"status", "ready"}});
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "no connection to the directory");
  }
  if (segs.size() == 1 && segs[0] == "metrics") {
    ctx.which = route::metrics;
    if (!get) co_return method_not_allowed("GET");
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.body() = render_metrics();
    co_return res;
  }
  // Reveal administration, ahead of the dashboard router (see admin_gate).
  if (reveal_admin_api::handles(segs)) {
    ctx.which = route::admin_reveals;
    auto admin = admin_gate(req, ctx);
    if (auto* refused = std::get_if<response>(&admin)) co_return std::move(*refused);
    co_return co_await p_.reveal_admin.handle(req, segs, ctx.url, std::get<std::string>(admin));
  }
  if (!segs.empty() && segs[0] == "admin" && p_.admin) {
    ctx.which = route::admin;
    ctx.via = "session";
    auto res = co_await p_.admin->handle(req, conn, std::move(segs), ctx.url, ctx.agent);
    if (res.result_int() >= 400) ctx.decision = res.result_int() >= 500 ? "error" : "deny";
    co_return res;
  }
  if (segs.size() >= 3 && segs[0] == "api" && segs[1] == "v1") {
    if (segs.size() == 3 && segs[2] == "me") {
      ctx.which = route::me;
      if (!get) co_return method_not_allowed("GET");
      if (auto refused = co_await admit(req, conn, ctx, false)) co_return std::move(*refused);
      co_return co_await me(ctx);
    }
    if (segs.size() == 3 && segs[2] == "customers") {
      bool post = req.method() == http::verb::post;
      ctx.which = post ? route::customers_create : route::customers_search;
      if (!get && !post) co_return method_not_allowed("GET, POST");
      if (auto refused = co_await admit(req, conn, ctx, true)) co_return std::move(*refused);
      if (post) co_return co_await customers_create(ctx, req);
      co_return co_await customers_search(ctx);
    }
    if (segs.size() == 4 && segs[2] == "customers" && segs[3] == "export") {
      ctx.which = route::customers_export;
      if (!get) co_return method_not_allowed("GET");
      if (auto refused = co_await admit(req, conn, ctx, true)) co_return std::move(*refused);
      co_return co_await customers_export(ctx, conn);
    }
    if (segs.size() == 4 && segs[2] == "customers" && segs[3] == "import") {
      ctx.which = route::customers_import;
      if (req.method() != http::verb::post) co_return method_not_allowed("POST");
      if (auto refused = co_await admit(req, conn, ctx, true)) co_return std::move(*refused);
      co_return co_await customers_import(ctx, req);
    }
    if (segs.size() == 4 && segs[2] == "customers") {
      auto m = req.method();
      ctx.which = m == http::verb::patch     ? route::customers_update
                  : m == http::verb::delete_ ? route::customers_delete
                                             : route::customers_get;
      if (!get && m != http::verb::patch && m != http::verb::delete_)
        co_return method_not_allowed("GET, PATCH, DELETE");
      if (auto refused = co_await admit(req, conn, ctx, true)) co_return std::move(*refused);
      if (m == http::verb::patch) co_return co_await customers_update(ctx, req, segs[3]);
      if (m == http::verb::delete_) co_return co_await customers_delete(ctx, segs[3]);
      co_return co_await customers_get(ctx, segs[3]);
    }
    if (segs.size() == 5 && segs[2] == "customers" && segs[4] == "reveal") {
      ctx.which = route::customer_reveal;
      if (req.method() != http::verb::post) co_return method_not_allowed("POST");
      if (auto refused = co_await admit(req, conn, ctx, true)) co_return std::move(*refused);
      co_return co_await customer_reveal(ctx, req, conn, segs[3]);
    }
    if (segs.size() == 3 && segs[2] == "customer-ids") {
      ctx.which = route::customer_ids;
      if (!get) co_return method_not_allowed("GET");
      if (auto refused = co_await admit(req, conn, ctx, true)) co_return std::move(*refused);
      co_return co_await customer_ids(ctx);
    }
  }
  ctx.decision = "deny";
  co_return problem(http::status::not_found, "not-found", "no such resource");
}

std::variant<std::string, response> api::admin_gate(const request& req, context& ctx) {
  // The dashboard session (cookie + CSRF token on writes) is the only way in; agent
  // credentials never open an admin resource.
  ctx.via = "session";
  if (!p_.sessions) {
    ctx.decision = "deny";
    return problem(http::status::not_found, "not-found", "no such resource");
  }
  auto gate = require_admin(*p_.sessions, req);
  if (auto* refused = std::get_if<response>(&gate)) {
    ctx.decision = "deny";
    return std::move(*refused);
  }
  ctx.agent = std::get<admin_principal>(gate).login;
  return ctx.agent;
}

net::awaitable<std::optional<response>> api::admit(request& req, const connection_info& conn,
                                                   context& ctx, bool need_customer_access) {
  auto auth = co_await p_.auth.authenticate(req, conn);
  ctx.via = auth.via;
  if (!auth.login_hint.empty()) ctx.agent = auth.login_hint;
  if (auth.status == auth_status::unavailable) {
    ctx.decision = "error";
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "the directory cannot be reached; try again shortly");
  }
  if (auth.status != auth_status::ok) {
    ctx.decision = "deny";
    auto res =
        problem(http::status::unauthorized, "unauthorized", "valid agent credentials are required");
    res.set(http::field::www_authenticate, "Basic realm=\"scopegate\", charset=\"UTF-8\"");
    co_return res;
  }
  ctx.who = std::move(auth.agent);
  auto scope = co_await p_.scopes.resolve(*ctx.who);
  if (!scope) {
    spdlog::warn("scope resolution failed for {}: {}", ctx.agent, scope.error().message);
    ctx.decision = "error";
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "the directory cannot be reached; try again shortly");
  }
  ctx.scope = *scope;
  ctx.access = p_.access_defaults ? policy::decide_access_mode(p_.cfg, *ctx.who, *ctx.scope,
                                                               *p_.access_defaults->group_modes())
                                  : policy::decide_access_mode(p_.cfg, *ctx.who, *ctx.scope);
  if (need_customer_access && ctx.scope->denied()) {
    ctx.decision = "deny";
    co_return problem(http::status::forbidden, "agent-unassigned",
                      "this agent is not assigned to any partner");
  }
  if (need_customer_access && !policy::can_view(ctx.access.mode)) {
    ctx.decision = "deny";
    co_return problem(http::status::forbidden, "section-hidden",
                      "the customer section is hidden for this agent (access mode 'hidden')");
  }
  ctx.contact = p_.contacts.resolve(*ctx.who, *ctx.scope);
  co_return std::nullopt;
}

namespace {

// Reads the listed query parameters; anything else, repeated or unacceptable is an error.
struct query_params {
  std::map<std::string, std::string, std::less<>> values;
  std::string error;
};

query_params read_params(const urls::url_view& url,
                         std::initializer_list<std::string_view> allowed) {
  query_params out;
  for (auto param : url.params()) {
    if (std::find(allowed.begin(), allowed.end(), param.key) == allowed.end()) {
      out.error = "unknown query parameter '" + param.key.substr(0, 64) + "'";
      return out;
    }
    if (out.values.contains(param.key)) {
      out.error = "query parameter '" + param.key + "' given more than once";
      return out;
    }
    if (!acceptable_value(param.value)) {
      out.error = "query parameter '" + param.key + "' is too long or contains control characters";
      return out;
    }
    out.values.emplace(param.key, param.value);
  }
  return out;
}

}  // namespace

net::awaitable<response> api::customers_search(context& ctx) {
  auto params = read_params(ctx.url, {"q", "customer_id", "limit", "page_token"});
  if (!params.error.empty()) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-query", params.error);
  }
  mapping::customer_query query;
  query.limit = k_default_limit;
  if (auto it = params.values.find("limit"); it != params.values.end()) {
    const auto& s = it->second;
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || end != s.data() + s.size() || n < 1 || n > k_max_limit) {
      ctx.decision = "deny";
      co_return problem(http::status::bad_request, "bad-query",
                        "limit must be an integer from 1 to 500");
    }
    query.limit = n;
  }
  if (auto it = params.values.find("q"); it != params.values.end()) query.text = it->second;
  // Fields this agent sees masked cannot be searched: a substring probe would reveal them.
  auto searchable = p_.masker.search_attributes(ctx.contact.view);
  if (!query.text.empty() && !searchable) {
    ctx.items = 0;
    co_return json_response(empty_page());
  }
  if (searchable) query.search_attributes = std::move(*searchable);
  if (auto it = params.values.find("customer_id"); it != params.values.end())
    query.customer_id = it->second;
  if (auto it = params.values.find("page_token"); it != params.values.end()) {
    auto decoded = base64_decode(it->second);
    if (!decoded || !decoded->starts_with(k_page_token_prefix) ||
        decoded->size() == k_page_token_prefix.size()) {
      ctx.decision = "deny";
      co_return problem(http::status::bad_request, "bad-query", "page_token is not valid");
    }
    query.after_login = decoded->substr(k_page_token_prefix.size());
  }

  auto page = co_await p_.customers.search(std::move(query), ctx.scope);
  if (!page) {
    if (page.error().code == mapping::k_too_many_results) {
      ctx.decision = "deny";
      co_return problem(http::status::unprocessable_entity, "too-many-results",
                        "the search matches too many customers; narrow it with q or customer_id");
    }
    spdlog::warn("customer search failed for {}: {}", ctx.agent, page.error().message);
    ctx.decision = "error";
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "the directory cannot be reached; try again shortly");
  }
  json::array items;
  for (auto& r : page->items) {
    p_.masker.apply(r, ctx.contact.view);
    items.push_back(customer_json(p_.cfg.customers, r));
  }
  ctx.items = items.size();
  json::object body;
  body["items"] = std::move(items);
  if (page->next_after)
    body["next_page_token"] =
        base64_encode(std::string(k_page_token_prefix) + *page->next_after, true);
  else
    body["next_page_token"] = nullptr;
  co_return json_response(body);
}

net::awaitable<response> api::customers_get(context& ctx, std::string login) {
  if (!ctx.url.params().empty()) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-query", "this resource takes no parameters");
  }
  if (!acceptable_value(login)) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-path",
                      "login is too long or contains control characters");
  }
  auto found = co_await p_.customers.find(std::move(login), ctx.scope);
  if (!found) {
    spdlog::warn("customer lookup failed for {}: {}", ctx.agent, found.error().message);
    ctx.decision = "error";
    if (found.error().code == mapping::k_ambiguous_login)
      co_return problem(http::status::internal_server_error, "ambiguous-login",
                        "the directory holds more than one customer with this login");
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "the directory cannot be reached; try again shortly");
  }
  if (!*found) {
    // Out of scope and missing look the same.
    ctx.decision = "not_found";
    co_return problem(http::status::not_found, "customer-not-found", "no such customer");
  }
  ctx.items = 1;
  p_.masker.apply(**found, ctx.contact.view);
  co_return json_response(customer_json(p_.cfg.customers, **found));
}

net::awaitable<response> api::customer_reveal(context& ctx, const request& req,
                                              const connection_info& conn, std::string login) {
  if (!ctx.url.params().empty()) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-query", "this resource takes no parameters");
  }
  if (!acceptable_value(login)) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-path",
                      "login is too long or contains control characters");
  }
  if (ctx.contact.view == policy::contact_view::blocked) {
    ctx.decision = "deny";
    co_return problem(http::status::forbidden, "contact-blocked",
                      "this agent may not see customer contact details");
  }
  auto found = co_await p_.customers.find(std::move(login), ctx.scope);
  if (!found) {
    spdlog::warn("customer lookup failed for {}: {}", ctx.agent, found.error().message);
    ctx.decision = "error";
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "the directory cannot be reached; try again shortly");
  }
  if (!*found) {
    ctx.decision = "not_found";
    co_return problem(http::status::not_found, "customer-not-found", "no such customer");
  }
  auto& record = **found;
  auto personal = policy::personal_limit(*ctx.who, p_.cfg.agents);
  json::object body;
  body["customer"] = customer_json(p_.cfg.customers, record);
  if (ctx.contact.view == policy::contact_view::unmasked) {
    // Nothing is hidden from this agent: nothing to count.
    body["counted"] = false;
    ctx.items = 1;
    co_return json_response(body);
  }
  policy::reveal_request request{.agent = ctx.who->login,
                                 .customer_login = record.login,
                                 .customer_id = record.customer_id,
                                 .customer_name = customer_name(p_.cfg.customers, record),
                                 .source = client_address(req, conn),
                                 .personal_limit = personal};
  auto outcome = co_await p_.ledger.reveal(std::move(request));
  if (!outcome) {
    spdlog::error("reveal ledger failed for {}: {}", ctx.agent, outcome.error().message);
    ctx.decision = "error";
    co_return problem(http::status::service_unavailable, "ledger-unavailable",
                      "reveals cannot be recorded right now; try again shortly");
  }
  if (outcome->alert && p_.mailer) p_.mailer->send(std::move(*outcome->alert));
  if (outcome->status == policy::reveal_status::limit_reached) {
    ctx.decision = "deny";
    auto res = problem(http::status::too_many_requests, "reveal-limit-reached",
                       "the daily limit of " + std::to_string(outcome->today.limit) +
                           " revealed customers is reached; it resets at midnight (" +
                           p_.ledger.zone().name() + ")");
    res.set(http::field::retry_after, std::to_string(outcome->retry_after.count()));
    co_return res;
  }
  spdlog::info("reveal agent={} customer={} repeat={}", ctx.agent, record.login, outcome->repeat);
  body["counted"] = !outcome->repeat;
  body["reveals"] = reveals_json(outcome->today);
  ctx.items = 1;
  co_return json_response(body);
}

net::awaitable<response> api::customer_ids(context& ctx) {
  auto params = read_params(ctx.url, {"prefix", "limit"});
  if (!params.error.empty()) {
    ctx.decision = "deny";
    co_return problem(http::status::bad_request, "bad-query", params.error);
  }
  std::size_t limit = k_default_limit;
  if (auto it = params.values.find("limit"); it != params.values.end()) {
    const auto& s = it->second;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), limit);
    if (ec != std::errc{} || end != s.data() + s.size() || limit < 1 || limit > k_max_limit) {
      ctx.decision = "deny";
      co_return problem(http::status::bad_request, "bad-query",
                        "limit must be an integer from 1 to 500");
    }
  }
  std::string prefix;
  if (auto it = params.values.find("prefix"); it != params.values.end()) prefix = it->second;
  auto ids = co_await p_.customers.customer_ids(std::move(prefix), limit, ctx.scope);
  if (!ids) {
    ctx.decision = "error";
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "the directory cannot be reached; try again shortly");
  }
  json::array items;
  for (auto& id : *ids)
    items.push_back(json::string(id));
  ctx.items = items.size();
  co_return json_response(json::object{{"items", std::move(items)}});
}

net::awaitable<response> api::me(context& ctx) {
  const auto& s = *ctx.scope;
  json::array partner_ids;
  for (const auto& id : s.partner_ids)
    partner_ids.push_back(json::string(id));
  json::array known;
  for (const auto& id : s.known_partner_ids)
    known.push_back(json::string(id));
  json::object scope{
      {"kind", to_string(s.kind)}, {"customer_id_count", s.customer_ids.size()},
      {"rule", to_string(s.rule)}, {"reason", mapping::explain(s)},
      {"denied", s.denied()},
  };
  if (!s.bypass_group.empty()) scope["bypass_group"] = s.bypass_group;
  if (s.creator_dn) scope["creator_only"] = true;
  const auto mode = ctx.access.mode;
  json::object access{
      {"mode", config::to_string(mode)},        {"source", ctx.access.source},
      {"can_view", policy::can_view(mode)},     {"can_edit", policy::can_edit(mode)},
      {"can_import", policy::can_import(mode)}, {"can_export", policy::can_export(mode)},
  };
  if (!policy::can_view(mode)) access["note"] = "the customer section is hidden for this agent";
  json::array masked_fields;
  if (ctx.contact.view != policy::contact_view::unmasked)
    for (auto i : p_.masker.masked_fields())
      masked_fields.push_back(json::string(p_.cfg.customers.fields[i].name));
  json::object contact;
  contact["visibility"] = policy::to_string(ctx.contact.view);
  contact["reason"] = ctx.contact.reason;
  contact["masked_fields"] = std::move(masked_fields);
  contact["may_reveal"] = ctx.contact.view == policy::contact_view::masked;
  json::value reveals = nullptr;
  auto personal = policy::personal_limit(*ctx.who, p_.cfg.agents);
  std::string login = ctx.who->login;
  auto quota = co_await p_.ledger.quota_of(std::move(login), personal);
  if (quota)
    reveals = reveals_json(*quota);
  else
    spdlog::warn("reveal ledger failed for {}: {}", ctx.agent, quota.error().message);
  json::object body;
  body["login"] = ctx.who->login;
  body["dn"] = ctx.who->dn;
  body["authenticated_via"] = ctx.via;
  body["partner_ids"] = std::move(partner_ids);
  body["known_partner_ids"] = std::move(known);
  body["scope"] = std::move(scope);
  body["access"] = std::move(access);
  body["contact"] = std::move(contact);
  body["reveals"] = std::move(reveals);
  co_return json_response(body);
}

std::string api::render_metrics() const {
  const auto& l = p_.ldap.stats();
  const auto& c = p_.scopes.stats();
  std::string extra;
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    extra += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " +
             std::string(name) + " counter\n" + std::string(name) + " " + std::to_string(value) +
             "\n";
  };
  counter("scopegate_ldap_searches_total", "LDAP search operations sent.", l.searches.load());
  counter("scopegate_ldap_modifies_total", "LDAP write operations sent.", l.modifies.load());
  counter("scopegate_ldap_binds_total", "LDAP binds (service and agent).", l.binds.load());
  counter("scopegate_ldap_errors_total", "LDAP operations that failed.", l.errors.load());
  counter("scopegate_ldap_timeouts_total", "LDAP operations abandoned on timeout.",
          l.timeouts.load());
  counter("scopegate_ldap_reconnects_total", "LDAP connection attempts after a failure.",
          l.reconnects.load());
  counter("scopegate_scope_cache_hits_total", "Scope lookups answered from cache.", c.hits.load());
  counter("scopegate_scope_cache_misses_total", "Scope lookups that went to LDAP.",
          c.misses.load());
  counter("scopegate_scope_cache_shared_flights_total",
          "Scope misses that waited for a concurrent identical lookup.", c.shared_flights.load());
  if (p_.routing) {
    counter("scopegate_customer_queries_memory_total",
            "Customer queries answered from the in-memory directory index.",
            p_.routing->stats().memory.load());
    counter("scopegate_customer_queries_ldap_total",
            "Customer queries answered by LDAP filter pushdown.", p_.routing->stats().ldap.load());
  }
  if (p_.index) {
    const auto& s = p_.index->stats();
    counter("scopegate_index_customer_rebuilds_total",
            "Customer snapshots of the directory index built.", s.customer_rebuilds.load());
    counter("scopegate_index_mapping_rebuilds_total",
            "Partner/agent snapshots of the directory index built.", s.mapping_rebuilds.load());
    auto snap = p_.index->customers();
    extra +=
        "# HELP scopegate_index_usable Whether customer queries may be answered from the "
        "directory index.\n# TYPE scopegate_index_usable gauge\nscopegate_index_usable " +
        std::string(p_.index->usable() ? "1" : "0") +
        "\n# HELP scopegate_index_in_sync Whether every sync watch of the index is current.\n"
        "# TYPE scopegate_index_in_sync gauge\nscopegate_index_in_sync " +
        std::string(p_.index->in_sync() ? "1" : "0") +
        "\n# HELP scopegate_index_customer_rebuild_seconds Duration of the last customer "
        "snapshot rebuild.\n# TYPE scopegate_index_customer_rebuild_seconds gauge\n"
        "scopegate_index_customer_rebuild_seconds " +
        std::to_string(static_cast<double>(s.last_customer_rebuild_us.load()) / 1e6) +
        "\n# HELP scopegate_index_customers Customers in the directory index.\n"
        "# TYPE scopegate_index_customers gauge\nscopegate_index_customers " +
        std::to_string(snap ? snap->by_login.size() : 0) + "\n";
  }
  extra +=
      "# HELP scopegate_ldap_up Whether a search connection to LDAP is up.\n"
      "# TYPE scopegate_ldap_up gauge\nscopegate_ldap_up " +
      std::string(p_.ldap.ready() ? "1" : "0") + "\n";
  return p_.metrics.render(extra);
}

}  // namespace scopegate::gateway
