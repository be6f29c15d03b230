// The route table and the request pieces every route relies on: matching, 404/405 with
// Allow, literal routes before captures, the authentication every admin route demands, and
// the one parameter reader (query strings and form bodies).
#include <doctest/doctest.h>

#include <boost/url/parse.hpp>
#include <set>

#include "gateway/http/params.hpp"
#include "gateway/http/request_target.hpp"
#include "gateway/routes.hpp"

using namespace scopegate;
using namespace scopegate::gateway;

namespace {

route_table the_table() {
  return make_routes(route_targets{});
}

std::vector<std::string> path(std::string_view target) {
  auto t = parse_request_target(target);
  REQUIRE(t.has_value());
  return t->segments;
}

}  // namespace

TEST_CASE("every route is listed once; every admin API route but the login needs a session") {
  auto table = the_table();
  std::set<std::pair<int, std::string>> seen;
  for (const auto& r : table.routes()) {
    CHECK(seen.insert({static_cast<int>(r.method), std::string(r.pattern)}).second);
    std::string p(r.pattern);
    if (p.starts_with("/admin/api/")) {
      bool login = p == "/admin/api/v1/session" && r.method == http::verb::post;
      CHECK_MESSAGE((login || r.auth == auth_kind::admin), p);
    }
    if (p.starts_with("/api/")) CHECK_MESSAGE(r.auth != auth_kind::none, p);
    if (p.starts_with("/api/v1/customer")) CHECK_MESSAGE(r.auth == auth_kind::agent_customers, p);
    if (p.starts_with("/admin")) CHECK(r.where == surface::page);
  }
}

TEST_CASE("matching: captures, literal routes first, 405 with the path's methods, 404") {
  auto table = the_table();
  auto m = table.match(http::verb::get, path("/api/v1/customers/alice"));
  REQUIRE(m.found);
  CHECK(m.found->pattern == "/api/v1/customers/{login}");
  REQUIRE(m.captures.size() == 1);
  CHECK(m.captures[0].first == "login");
  CHECK(m.captures[0].second == "alice");

  m = table.match(http::verb::get, path("/api/v1/customers/export"));
  REQUIRE(m.found);
  CHECK(m.found->pattern == "/api/v1/customers/export");

  m = table.match(http::verb::put, path("/api/v1/customers/alice"));
  CHECK_FALSE(m.found);
  CHECK(m.allow == "GET, PATCH, DELETE");

  m = table.match(http::verb::post, path("/healthz"));
  CHECK_FALSE(m.found);
  CHECK(m.allow == "GET");

  m = table.match(http::verb::get, path("/api/v1/nothing"));
  CHECK_FALSE(m.found);
  CHECK(m.allow.empty());

  // The reveal-limit routes are admin routes like every other (no route ahead of the table).
  m = table.match(http::verb::put, path("/admin/api/v1/agents/a1/limit"));
  REQUIRE(m.found);
  CHECK(m.found->auth == auth_kind::admin);
  CHECK(m.where == surface::page);
}

TEST_CASE("request targets: ambiguous paths are refused, not normalised") {
  CHECK_FALSE(parse_request_target("/api/v1/customers/../me").has_value());
  CHECK_FALSE(parse_request_target("/api/v1/customers/a%2Fb").has_value());
  CHECK_FALSE(parse_request_target("/api//v1").has_value());
  CHECK_FALSE(parse_request_target("/api/v1/customers/a%00b").has_value());
  CHECK_FALSE(parse_request_target("/api/v1/me/").has_value());
  auto index = parse_request_target("/admin/");
  REQUIRE(index.has_value());
  CHECK(index->segments == std::vector<std::string>{"admin", ""});
  auto decoded = parse_request_target("/api/v1/customers/J%C3%B6rg");
  REQUIRE(decoded.has_value());
  CHECK(decoded->segments.back() == "J\xC3\xB6rg");
}

TEST_CASE("query parameters: only the listed ones, once each, bounded, typed") {
  auto url = boost::urls::parse_origin_form("/x?q=a%20b&limit=20").value();
  auto p = parameters::from_query(url, {"q", "limit"});
  REQUIRE(p.has_value());
  CHECK(p->text("q") == "a b");
  CHECK(p->size("limit", 1, 500, 50).value() == 20);
  CHECK(p->size("absent", 1, 500, 50).value() == 50);
  CHECK_FALSE(p->size("limit", 1, 10, 5).has_value());
  CHECK_FALSE(p->flag("q", false).has_value());

  auto unknown = boost::urls::parse_origin_form("/x?evil=1").value();
  CHECK_FALSE(parameters::from_query(unknown, {"q"}).has_value());
  auto twice = boost::urls::parse_origin_form("/x?q=1&q=2").value();
  CHECK_FALSE(parameters::from_query(twice, {"q"}).has_value());
  auto control = boost::urls::parse_origin_form("/x?q=a%0Ab").value();
  CHECK_FALSE(parameters::from_query(control, {"q"}).has_value());
  auto negative = boost::urls::parse_origin_form("/x?limit=-1").value();
  CHECK_FALSE(parameters::from_query(negative, {"limit"})->size("limit", 1, 500, 50).has_value());
}

TEST_CASE("form bodies: decoded into owned values, extra fields ignored") {
  // An extra field once left the parsed form pointing into freed memory.
  std::string body = "login=nobody&password=x%2By+z&pad=" + std::string(4096, 'A');
  auto p = parameters::from_form(body, {"login", "password"});
  body.assign(body.size(), 'Z');  // the values must not point into the body
  REQUIRE(p.has_value());
  CHECK(p->text("login") == "nobody");
  CHECK(p->text("password") == "x+y z");
  CHECK_FALSE(p->has("pad"));
  CHECK_FALSE(parameters::from_form("login=a&login=b", {"login"}).has_value());
  CHECK_FALSE(parameters::from_form("login=%zz", {"login"}).has_value());
}
