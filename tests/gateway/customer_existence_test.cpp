// An agent learns nothing about customers outside its scope, including whether a login
// exists: creating and importing answer the same for the login of an out-of-scope customer
// as for a login no one has, and write nothing outside the scope. Real gateway, real slapd.
#include <doctest/doctest.h>

#include <string>

#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
namespace json = boost::json;

namespace {

running_gateway& shared() {
  static running_gateway gw(scenario_ldif(),
                            scenario_yaml("@URI@", "", "", "access:\n  default_mode: full\n"));
  return gw;
}

http_reply call(const std::string& method, const std::string& path, const std::string& user,
                const std::string& body, const std::string& content_type) {
  return http({.method = method,
               .url = shared().url(path),
               .headers = {"Content-Type: " + content_type},
               .body = body,
               .user = user});
}

// The reply with every occurrence of `login` replaced by a marker, so that two replies
// about different logins can be compared byte for byte.
std::string without(std::string body, const std::string& login) {
  for (auto at = body.find(login); at != std::string::npos; at = body.find(login, at))
    body.replace(at, login.size(), "<login>");
  return body;
}

void check_same(const http_reply& taken, const std::string& taken_login, const http_reply& free,
                const std::string& free_login) {
  CHECK(taken.status == free.status);
  CHECK(taken.header("content-type") == free.header("content-type"));
  CHECK(without(taken.body, taken_login) == without(free.body, free_login));
}

// carol (C3) exists but is outside a1's scope (p-one: C1, C2); "nobody-here" exists nowhere.
const std::string k_taken = "carol";
const std::string k_free = "nobody-here";

void check_nothing_written() {
  auto carol = shared().get_json("/api/v1/customers/carol", pw("owner"));
  CHECK(carol.at("name") == "Carol Clark");
  CHECK(carol.at("customer_id") == "C3");
  CHECK(shared().logins("/api/v1/customers?q=nobody-here", pw("owner")).empty());
  CHECK(shared().logins("/api/v1/customers?q=Probe", pw("owner")).empty());
}

}  // namespace

TEST_CASE("create: an out-of-scope login and a free one get the same answer") {
  auto body = [](const std::string& login) {
    return R"({"login":")" + login + R"(","customer_id":"C1","name":"Probe"})";
  };
  auto taken = call("POST", "/api/v1/customers", pw("a1"), body(k_taken), "application/json");
  auto free = call("POST", "/api/v1/customers", pw("a1"), body(k_free), "application/json");
  check_same(taken, k_taken, free, k_free);
  CHECK(taken.status == 400);
  CHECK(taken.header("content-type") == "application/problem+json");
  CHECK(taken.body.find("assigned by the gateway") != std::string::npos);
  check_nothing_written();
}

TEST_CASE("create: the gateway assigns the login") {
  auto r = call("POST", "/api/v1/customers", pw("a1"), R"({"customer_id":"C1","name":"Fresh"})",
                "application/json");
  REQUIRE(r.status == 201);
  auto v = json::parse(r.body);
  std::string login(v.at("login").as_string());
  CHECK(login.starts_with("c-"));
  CHECK(r.header("location") == "/api/v1/customers/" + login);
  CHECK(shared().get_json("/api/v1/customers/" + login, pw("a1")).at("name") == "Fresh");
  auto again =
      call("POST", "/api/v1/customers", pw("a1"), R"({"customer_id":"C1"})", "application/json");
  REQUIRE(again.status == 201);
  CHECK(json::parse(again.body).at("login") != v.at("login"));
}

TEST_CASE("import: a row naming an out-of-scope login and a free one get the same answer") {
  auto csv = [](const std::string& login) {
    return "login,customer_id,name\r\n" + login + ",C1,Probe\r\n";
  };
  auto taken = call("POST", "/api/v1/customers/import", pw("a1"), csv(k_taken), "text/csv");
  auto free = call("POST", "/api/v1/customers/import", pw("a1"), csv(k_free), "text/csv");
  check_same(taken, k_taken, free, k_free);
  CHECK(taken.status == 422);
  CHECK(taken.body.find("no such customer in your scope") != std::string::npos);
  // Without a customer_id cell the row still reads as "not in your scope", not "exists".
  auto taken_bare = call("POST", "/api/v1/customers/import", pw("a1"),
                         "login,name\r\ncarol,Probe\r\n", "text/csv");
  auto free_bare = call("POST", "/api/v1/customers/import", pw("a1"),
                        "login,name\r\nnobody-here,Probe\r\n", "text/csv");
  check_same(taken_bare, k_taken, free_bare, k_free);
  check_nothing_written();
}

TEST_CASE("import: rows without a login create customers with assigned logins") {
  std::string csv = "login,customer_id,name\r\n,C1,Imported One\r\nalice,,Alice Renamed\r\n";
  auto r = call("POST", "/api/v1/customers/import", pw("a1"), csv, "text/csv");
  REQUIRE(r.status == 200);
  auto v = json::parse(r.body);
  CHECK(v.at("created") == 1);
  CHECK(v.at("updated") == 1);
  std::string login(v.at("rows").at(0).at("login").as_string());
  CHECK(login.starts_with("c-"));
  CHECK(shared().get_json("/api/v1/customers/" + login, pw("a1")).at("name") == "Imported One");
  CHECK(shared().get_json("/api/v1/customers/alice", pw("a1")).at("name") == "Alice Renamed");
  // A file without a login column only creates.
  auto only_new = call("POST", "/api/v1/customers/import", pw("a1"),
                       "customer_id,name\r\nC2,Two\r\n", "text/csv");
  CHECK(only_new.status == 200);
  CHECK(json::parse(only_new.body).at("created") == 1);
}
