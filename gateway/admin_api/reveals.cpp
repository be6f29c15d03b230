// Reveal administration for dashboard admins: the activity log (who revealed which
// customer when; JSON or CSV), who revealed one customer, per-agent reveal limits (today
// only or permanent; recorded in the history and revertible) and alert notifications.
// Dates are local days (reveal.timezone) as YYYY-MM-DD, both ends inclusive.
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdio>
#include <limits>
#include <variant>

#include "gateway/admin_api/resources.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/http/params.hpp"
#include "gateway/http/problem.hpp"
#include "mapping/csv.hpp"

namespace scopegate::gateway::admin_api {

namespace json = boost::json;
namespace urls = boost::urls;
using namespace std::chrono;

namespace {

constexpr std::size_t k_page_default = 100;
constexpr std::size_t k_page_max = 1000;
constexpr std::size_t k_export_max = 100'000;

response bad(std::string_view detail) {
  return problem(http::status::bad_request, "bad-query", detail);
}

response ledger_down() {
  return problem(http::status::service_unavailable, "ledger-unavailable",
                 "the reveal ledger cannot be read; try again shortly");
}

// The agent an admin names in the path, found by any spelling of its login; the caller keys
// limits and quotas on its stored login only (one entry, one principal).
net::awaitable<std::variant<mapping::agent, response>> named_agent(mapping::directory& directory,
                                                                   const config::config& cfg,
                                                                   std::string typed) {
  auto canonical = canonical_login(typed, cfg.auth.login_case);
  if (!canonical)
    co_return bad("the agent login is empty, too long or contains control characters");
  std::string login = *canonical;
  auto found = co_await directory.find_agent(std::move(login));
  if (!found) {
    spdlog::warn("agent lookup for the limit page failed: {}", found.error().message);
    co_return directory_unavailable();
  }
  if (!*found) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
  co_return std::move(**found);
}

std::string iso(policy::sys_seconds t) {
  auto dp = floor<days>(t);
  year_month_day d(dp);
  hh_mm_ss tod(t - dp);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

// YYYY-MM-DD naming a real date.
bool valid_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0;
  unsigned m = 0, d = 0;
  auto ok = [](auto r, const char* end) { return r.ec == std::errc{} && r.ptr == end; };
  if (!ok(std::from_chars(s.data(), s.data() + 4, y), s.data() + 4)) return false;
  if (!ok(std::from_chars(s.data() + 5, s.data() + 7, m), s.data() + 7)) return false;
  if (!ok(std::from_chars(s.data() + 8, s.data() + 10, d), s.data() + 10)) return false;
  return year_month_day(year{y}, month{m}, day{d}).ok();
}

// A decimal in [lo, hi], or nullopt.
std::optional<std::int64_t> number(std::string_view s, std::int64_t lo, std::int64_t hi) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || n < lo || n > hi)
    return std::nullopt;
  return n;
}

json::object quota_json(const policy::quota& q) {
  return json::object{{"used_today", q.used},
                      {"limit", q.limit},
                      {"left", q.left()},
                      {"limit_source", q.limit_source}};
}

// Fills `f` from the query; the problem, or empty. (Kept out of the coroutines.)
std::string read_filter(urls::url_view url, bool csv, policy::reveal_filter& f) {
  auto parsed =
      csv ? parameters::from_query(url, {"agent", "customer", "from", "to"})
          : parameters::from_query(url, {"agent", "customer", "from", "to", "limit", "before"});
  if (!parsed) return parsed.error().detail;
  const auto& p = *parsed;
  f.agent = p.text("agent");
  f.customer_login = p.text("customer");
  if (p.has("from")) {
    if (!valid_day(p.text("from"))) return "from must be a date like 2024-05-31";
    f.from_day = p.text("from");
  }
  if (p.has("to")) {
    if (!valid_day(p.text("to"))) return "to must be a date like 2024-05-31";
    f.to_day = p.text("to");
  }
  if (f.from_day && f.to_day && *f.from_day > *f.to_day) return "from is after to";
  f.limit = csv ? k_export_max : k_page_default;
  if (p.has("limit")) {
    auto n = number(p.text("limit"), 1, k_page_max);
    if (!n) return "limit must be an integer from 1 to 1000";
    f.limit = static_cast<std::size_t>(*n);
  }
  if (p.has("before")) {
    auto n = number(p.text("before"), 1, std::numeric_limits<std::int64_t>::max());
    if (!n) return "before must be a positive integer (next_before of a previous page)";
    f.before_id = *n;
  }
  return {};
}

json::object override_state(const std::string& agent, bool today, std::optional<int> limit) {
  json::object o;
  o["agent"] = agent;
  o["duration"] = today ? "today" : "permanent";
  if (limit)
    o["limit"] = *limit;
  else
    o["limit"] = nullptr;
  return o;
}

}  // namespace

reveals_resource::reveals_resource(const config::config& cfg, mapping::directory& directory,
                                   policy::reveal_ledger& ledger, change_log& changes)
    : cfg_(cfg), directory_(directory), ledger_(ledger), changes_(changes) {}

net::awaitable<response> reveals_resource::list(request_context& ctx) {
  co_return co_await activity(ctx, false);
}

net::awaitable<response> reveals_resource::export_csv(request_context& ctx) {
  co_return co_await activity(ctx, true);
}

net::awaitable<response> reveals_resource::activity(request_context& ctx, bool csv) {
  auto url = ctx.url;
  policy::reveal_filter f;
  auto error = read_filter(url, csv, f);
  if (!error.empty()) co_return bad(error);
  auto page_size = f.limit;
  auto rows = co_await ledger_.list(std::move(f));
  if (!rows) {
    spdlog::error("reveal activity log: {}", rows.error().message);
    co_return ledger_down();
  }
  if (csv) {
    std::string out = "id,time_utc,day,agent,customer_login,customer_id,customer_name,source\r\n";
    for (const auto& r : *rows)
      out += std::to_string(r.id) + "," + iso(r.at) + "," + mapping::csv_cell(r.day) + "," +
             mapping::csv_cell(r.agent) + "," + mapping::csv_cell(r.customer_login) + "," +
             mapping::csv_cell(r.customer_id) + "," + mapping::csv_cell(r.customer_name) + "," +
             mapping::csv_cell(r.source) + "\r\n";
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/csv; charset=utf-8");
    res.set(http::field::content_disposition, "attachment; filename=\"reveals.csv\"");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(out);
    co_return res;
  }
  json::array items;
  for (const auto& r : *rows)
    items.push_back(json::object{{"id", r.id},
                                 {"time", iso(r.at)},
                                 {"day", r.day},
                                 {"agent", r.agent},
                                 {"customer_login", r.customer_login},
                                 {"customer_id", r.customer_id},
                                 {"customer_name", r.customer_name},
                                 {"source", r.source}});
  json::object body;
  body["timezone"] = ledger_.zone().name();
  if (rows->size() == page_size && !rows->empty())
    body["next_before"] = rows->back().id;
  else
    body["next_before"] = nullptr;
  body["items"] = std::move(items);
  co_return json_response(body);
}

net::awaitable<response> reveals_resource::revealers(request_context& ctx) {
  if (!ctx.url.params().empty()) co_return bad("this resource takes no parameters");
  std::string customer = ctx.param("login");
  if (!acceptable_value(customer)) co_return bad("the customer login is too long");
  std::string login = customer;
  auto rows = co_await ledger_.revealers_of(std::move(login));
  if (!rows) {
    spdlog::error("reveal activity log: {}", rows.error().message);
    co_return ledger_down();
  }
  json::array items;
  for (const auto& r : *rows)
    items.push_back(json::object{
        {"agent", r.agent}, {"times", r.times}, {"first", iso(r.first)}, {"last", iso(r.last)}});
  json::object body;
  body["customer_login"] = customer;
  body["revealed_by"] = std::move(items);
  co_return json_response(body);
}

net::awaitable<response> reveals_resource::limit_get(request_context& ctx) {
  std::string typed = ctx.param("login");
  auto named = co_await named_agent(directory_, cfg_, std::move(typed));
  if (auto* refused = std::get_if<response>(&named)) co_return std::move(*refused);
  const auto& found = std::get<mapping::agent>(named);
  std::string agent = found.login;
  auto personal = policy::personal_limit(found, cfg_.agents);
  std::string who = agent;
  auto q = co_await ledger_.quota_of(std::move(who), personal);
  std::string who2 = agent;
  auto overrides = co_await ledger_.limits_of(std::move(who2));
  if (!q || !overrides) co_return ledger_down();
  json::array list;
  for (const auto& o : *overrides) {
    json::object item{{"limit", o.limit},
                      {"duration", o.until_day ? "today" : "permanent"},
                      {"set_by", o.set_by},
                      {"set_at", iso(o.set_at)}};
    if (o.until_day) item["day"] = *o.until_day;
    list.push_back(std::move(item));
  }
  json::object body;
  body["agent"] = agent;
  body["day"] = ledger_.today();
  body["timezone"] = ledger_.zone().name();
  body["default_limit"] = cfg_.reveal.daily_limit;
  if (personal)
    body["agent_attribute_limit"] = *personal;
  else
    body["agent_attribute_limit"] = nullptr;
  body["today"] = quota_json(*q);
  body["overrides"] = std::move(list);
  co_return json_response(body);
}

net::awaitable<response> reveals_resource::limit_put(request_context& ctx) {
  std::string typed = ctx.param("login");
  auto named = co_await named_agent(directory_, cfg_, std::move(typed));
  if (auto* refused = std::get_if<response>(&named)) co_return std::move(*refused);
  std::string agent = std::get<mapping::agent>(named).login;
  std::string admin = ctx.admin->login;
  boost::system::error_code ec;
  auto v = json::parse(ctx.req.body(), ec);
  if (ec || !v.is_object())
    co_return bad("the body must be a JSON object like {\"limit\": 20, \"duration\": \"today\"}");
  const auto& o = v.as_object();
  for (const auto& kv : o)
    if (kv.key() != "limit" && kv.key() != "duration")
      co_return bad("unknown member '" + std::string(kv.key().substr(0, 64)) + "' in the body");
  const auto* limit = o.if_contains("limit");
  if (!limit || !limit->is_int64() || limit->as_int64() < 0 || limit->as_int64() > 1'000'000)
    co_return bad("limit must be an integer from 0 to 1000000");
  const auto* duration = o.if_contains("duration");
  if (!duration || !duration->is_string() ||
      (duration->as_string() != "today" && duration->as_string() != "permanent"))
    co_return bad("duration must be \"today\" or \"permanent\"");
  bool today = duration->as_string() == "today";
  int n = static_cast<int>(limit->as_int64());
  std::string who = agent;
  auto current = co_await ledger_.limits_of(std::move(who));
  if (!current) co_return ledger_down();
  std::optional<int> before;
  for (const auto& o : *current)
    if (o.until_day.has_value() == today) before = o.limit;
  history_entry e;
  e.actor = admin;
  e.action = "reveal_limit.set";
  e.subject = agent;
  e.summary = "reveal limit of agent " + agent + (today ? " for today: " : ": ") +
              (before ? std::to_string(*before) : std::string("none")) + " → " + std::to_string(n);
  e.before_json = json::serialize(override_state(agent, today, before));
  auto ticket = co_await changes_.begin(std::move(e));
  if (!ticket) co_return history_refused(ticket.error());
  std::string target = agent;
  auto set = co_await ledger_.set_limit(std::move(target), n, today, admin);
  if (!set) {
    spdlog::error("setting a reveal limit failed: {}", set.error().message);
    co_await changes_.abandon(std::move(*ticket));
    co_return ledger_down();
  }
  std::string after = json::serialize(override_state(agent, today, n));
  auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after));
  (void)recorded;
  spdlog::info("reveal limit of agent {} set to {} ({}) by {}", agent, n,
               today ? "today only" : "permanently", admin);
  co_return co_await limit_get(ctx);
}

net::awaitable<response> reveals_resource::limit_delete(request_context& ctx) {
  std::string typed = ctx.param("login");
  auto named = co_await named_agent(directory_, cfg_, std::move(typed));
  if (auto* refused = std::get_if<response>(&named)) co_return std::move(*refused);
  std::string agent = std::get<mapping::agent>(named).login;
  auto p = parameters::from_query(ctx.url, {"duration"});
  if (!p) co_return bad(p.error().detail);
  auto d = p->text("duration");
  if (d != "today" && d != "permanent")
    co_return bad("duration must be given as today or permanent");
  bool today = d == "today";
  std::string who = agent;
  auto current = co_await ledger_.limits_of(std::move(who));
  if (!current) co_return ledger_down();
  std::optional<int> before;
  for (const auto& o : *current)
    if (o.until_day.has_value() == today) before = o.limit;
  if (!before)
    co_return problem(http::status::not_found, "no-override", "the agent has no such override");
  history_entry e;
  e.actor = ctx.admin->login;
  e.action = "reveal_limit.clear";
  e.subject = agent;
  e.summary = "reveal limit of agent " + agent + (today ? " for today" : "") + ": " +
              std::to_string(*before) + " → none";
  e.before_json = json::serialize(override_state(agent, today, before));
  auto ticket = co_await changes_.begin(std::move(e));
  if (!ticket) co_return history_refused(ticket.error());
  std::string target = agent;
  auto removed = co_await ledger_.clear_limit(std::move(target), today);
  if (!removed || !*removed) co_await changes_.abandon(std::move(*ticket));
  if (!removed) co_return ledger_down();
  if (!*removed)
    co_return problem(http::status::not_found, "no-override", "the agent has no such override");
  std::string after = json::serialize(override_state(agent, today, std::nullopt));
  auto recorded = co_await changes_.complete(std::move(*ticket), std::move(after));
  (void)recorded;
  spdlog::info("reveal limit override ({}) of agent {} removed", d, agent);
  response res{http::status::no_content, 11};
  res.set(http::field::cache_control, "no-store");
  co_return res;
}

net::awaitable<response> reveals_resource::notifications(request_context& ctx) {
  auto p = parameters::from_query(ctx.url, {"status", "limit"});
  if (!p) co_return bad(p.error().detail);
  auto status = p->text("status");
  if (!status.empty() && status != "pending" && status != "retrying" && status != "sent" &&
      status != "failed")
    co_return bad("status must be pending, retrying, sent or failed");
  std::size_t limit = k_page_default;
  if (p->has("limit")) {
    auto n = number(p->text("limit"), 1, k_page_max);
    if (!n) co_return bad("limit must be an integer from 1 to 1000");
    limit = static_cast<std::size_t>(*n);
  }
  auto rows = co_await ledger_.notifications(std::move(status), limit);
  if (!rows) co_return ledger_down();
  json::array items;
  for (const auto& r : *rows)
    items.push_back(json::object{{"id", r.id},
                                 {"kind", r.kind},
                                 {"agent", r.agent},
                                 {"day", r.day},
                                 {"recipient", r.recipient},
                                 {"status", r.status},
                                 {"attempts", r.attempts},
                                 {"last_error", r.last_error},
                                 {"created_at", iso(r.created_at)},
                                 {"updated_at", iso(r.updated_at)}});
  co_return json_response(json::object{{"items", std::move(items)}});
}

}  // namespace scopegate::gateway::admin_api
