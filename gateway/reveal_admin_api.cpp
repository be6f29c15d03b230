#include "gateway/reveal_admin_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdio>
#include <limits>
#include <map>

#include "gateway/authenticator.hpp"
#include "gateway/problem.hpp"
#include "policy/masking.hpp"

namespace scopegate::gateway {

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

bool bounded_text(std::string_view v) {
  if (v.size() > 256) return false;
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// The query parameters, each at most once and from `allowed`; error text when not.
struct params {
  std::map<std::string, std::string, std::less<>> values;
  std::string error;
  std::string get(std::string_view k) const {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  }
  bool has(std::string_view k) const { return values.contains(k); }
};

params read(urls::url_view url, const std::vector<std::string_view>& allowed) {
  params out;
  for (auto p : url.params()) {
    if (std::find(allowed.begin(), allowed.end(), p.key) == allowed.end()) {
      out.error = "unknown query parameter '" + p.key.substr(0, 64) + "'";
      return out;
    }
    if (out.values.contains(p.key)) {
      out.error = "query parameter '" + p.key + "' given more than once";
      return out;
    }
    if (!bounded_text(p.value)) {
      out.error = "query parameter '" + p.key + "' is too long or contains control characters";
      return out;
    }
    out.values.emplace(p.key, p.value);
  }
  return out;
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

const std::vector<std::string_view> k_list_params = {"agent", "customer", "from",
                                                     "to",    "limit",    "before"};
const std::vector<std::string_view> k_export_params = {"agent", "customer", "from", "to"};
const std::vector<std::string_view> k_delete_params = {"duration"};
const std::vector<std::string_view> k_notification_params = {"status", "limit"};

// Fills `f` from the query; the problem, or empty. (Kept out of the coroutines: GCC 12
// mishandles braced lists inside coroutine bodies.)
std::string read_filter(urls::url_view url, bool csv, policy::reveal_filter& f) {
  auto p = read(url, csv ? k_export_params : k_list_params);
  if (!p.error.empty()) return p.error;
  f.agent = p.get("agent");
  f.customer_login = p.get("customer");
  if (p.has("from")) {
    if (!valid_day(p.get("from"))) return "from must be a date like 2024-05-31";
    f.from_day = p.get("from");
  }
  if (p.has("to")) {
    if (!valid_day(p.get("to"))) return "to must be a date like 2024-05-31";
    f.to_day = p.get("to");
  }
  if (f.from_day && f.to_day && *f.from_day > *f.to_day) return "from is after to";
  f.limit = csv ? k_export_max : k_page_default;
  if (p.has("limit")) {
    auto n = number(p.get("limit"), 1, k_page_max);
    if (!n) return "limit must be an integer from 1 to 1000";
    f.limit = static_cast<std::size_t>(*n);
  }
  if (p.has("before")) {
    auto n = number(p.get("before"), 1, std::numeric_limits<std::int64_t>::max());
    if (!n) return "before must be a positive integer (next_before of a previous page)";
    f.before_id = *n;
  }
  return {};
}

}  // namespace

std::string csv_field(std::string_view v) {
  std::string cell(v);
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r'))
    cell.insert(cell.begin(), '\'');
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

reveal_admin_api::reveal_admin_api(const config::config& cfg, mapping::directory& dir,
                                   policy::reveal_ledger& ledger)
    : cfg_(cfg), dir_(dir), ledger_(ledger) {}

bool reveal_admin_api::handles(const std::vector<std::string>& segs) {
  if (segs.size() < 4 || segs[0] != "admin" || segs[1] != "api" || segs[2] != "v1") return false;
  if (segs[3] == "reveals")
    return segs.size() == 4 || (segs.size() == 5 && segs[4] == "export") ||
           (segs.size() == 6 && segs[4] == "customers");
  if (segs[3] == "notifications") return segs.size() == 4;
  return segs[3] == "agents" && segs.size() == 6 && segs[5] == "limit";
}

net::awaitable<response> reveal_admin_api::handle(const request& req,
                                                  const std::vector<std::string>& segs,
                                                  urls::url_view url, std::string admin) {
  auto method = req.method();
  auto only = [](std::string_view allow) {
    auto res = problem(http::status::method_not_allowed, "method-not-allowed",
                       "this resource does not support that method");
    res.set(http::field::allow, allow);
    return res;
  };
  if (segs[3] == "agents") {
    auto agent = canonical_login(segs[4], cfg_.auth.login_case);
    if (!agent) co_return bad("the agent login is empty, too long or contains control characters");
    if (method == http::verb::get) co_return co_await limit_get(std::move(*agent));
    if (method == http::verb::put)
      co_return co_await limit_put(std::move(*agent), req.body(), std::move(admin));
    if (method == http::verb::delete_) co_return co_await limit_delete(std::move(*agent), url);
    co_return only("GET, PUT, DELETE");
  }
  if (method != http::verb::get) co_return only("GET");
  if (segs[3] == "notifications") co_return co_await notifications(url);
  if (segs.size() == 6) {
    if (!url.params().empty()) co_return bad("this resource takes no parameters");
    if (!bounded_text(segs[5])) co_return bad("the customer login is too long");
    std::string customer = segs[5];
    co_return co_await revealers(std::move(customer));
  }
  co_return co_await list(url, segs.size() == 5);
}

net::awaitable<response> reveal_admin_api::list(urls::url_view url, bool csv) {
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
      out += std::to_string(r.id) + "," + iso(r.at) + "," + csv_field(r.day) + "," +
             csv_field(r.agent) + "," + csv_field(r.customer_login) + "," +
             csv_field(r.customer_id) + "," + csv_field(r.customer_name) + "," +
             csv_field(r.source) + "\r\n";
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

net::awaitable<response> reveal_admin_api::revealers(std::string customer) {
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

net::awaitable<response> reveal_admin_api::limit_get(std::string agent) {
  std::string login = agent;
  auto found = co_await dir_.find_agent(std::move(login));
  if (!found) {
    spdlog::warn("agent lookup for limit page failed: {}", found.error().message);
    co_return problem(http::status::service_unavailable, "ldap-unavailable",
                      "the directory cannot be reached; try again shortly");
  }
  if (!*found) co_return problem(http::status::not_found, "agent-not-found", "no such agent");
  auto personal = policy::personal_limit(**found, cfg_.agents);
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

net::awaitable<response> reveal_admin_api::limit_put(std::string agent, const std::string& body,
                                                     std::string admin) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
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
  auto set = co_await ledger_.set_limit(std::move(who), n, today, admin);
  if (!set) {
    spdlog::error("setting a reveal limit failed: {}", set.error().message);
    co_return ledger_down();
  }
  spdlog::info("reveal limit of agent {} set to {} ({}) by {}", agent, n,
               today ? "today only" : "permanently", admin);
  co_return co_await limit_get(std::move(agent));
}

net::awaitable<response> reveal_admin_api::limit_delete(std::string agent, urls::url_view url) {
  auto p = read(url, k_delete_params);
  if (!p.error.empty()) co_return bad(p.error);
  auto d = p.get("duration");
  if (d != "today" && d != "permanent")
    co_return bad("duration must be given as today or permanent");
  std::string who = agent;
  auto removed = co_await ledger_.clear_limit(std::move(who), d == "today");
  if (!removed) co_return ledger_down();
  if (!*removed)
    co_return problem(http::status::not_found, "no-override", "the agent has no such override");
  spdlog::info("reveal limit override ({}) of agent {} removed", d, agent);
  response res{http::status::no_content, 11};
  res.set(http::field::cache_control, "no-store");
  co_return res;
}

net::awaitable<response> reveal_admin_api::notifications(urls::url_view url) {
  auto p = read(url, k_notification_params);
  if (!p.error.empty()) co_return bad(p.error);
  auto status = p.get("status");
  if (!status.empty() && status != "pending" && status != "retrying" && status != "sent" &&
      status != "failed")
    co_return bad("status must be pending, retrying, sent or failed");
  std::size_t limit = k_page_default;
  if (p.has("limit")) {
    auto n = number(p.get("limit"), 1, k_page_max);
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

}  // namespace scopegate::gateway
