// The HTTP edge of the whole gateway against a real slapd: dashboard writes from a foreign
// origin, the security headers of every route and error, and who may read /metrics.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "gateway/routes.hpp"
#include "tests/gateway/scenario.hpp"

using namespace scopegate::testing;
namespace json = boost::json;

namespace {

const std::string& k_admins = k_scenario_admins;

// `listen_extra` goes into the listen section, `extra` after the other sections.
std::string edge_yaml(const std::string& listen_extra = "", const std::string& extra = "") {
  auto yaml = scenario_yaml("@URI@", "", "  member_attribute: member\n",
                            "admin:\n  group_dns: [\"" + k_admins + "\"]\n" + extra);
  yaml.replace(yaml.find("  threads: 2\n"), 13, "  threads: 2\n" + listen_extra);
  return yaml;
}

admin_client logged_in(const running_gateway& gw) {
  admin_client c{gw, "", ""};
  auto r = c.login("owner", "owner-pw");
  REQUIRE(r.status == 200);
  return c;
}

void check_problem(const http_reply& r, long status, const std::string& type_suffix) {
  INFO(r.status << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(std::string(json::parse(r.body).at("type").as_string()).ends_with(type_suffix));
}

// The headers every answer carries; /admin answers also a CSP that forbids framing.
void check_security_headers(const std::string& what, const http_reply& r) {
  INFO(what << " -> " << r.status);
  CHECK(r.status != 0);
  CHECK(r.header("x-content-type-options") == "nosniff");
  if (what.find(" /admin") != std::string::npos || what.find(" /api/") != std::string::npos)
    CHECK(r.header("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
}

// `pattern` with every {capture} replaced by "x".
std::string concrete(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      out += "x";
      i = pattern.find('}', i);
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a dashboard write from a foreign origin is refused even with the CSRF token") {
  running_gateway gw(admin_ldif(), edge_yaml());
  auto c = logged_in(gw);
  const std::string body = R"({"id":"p-cross","name":"Cross"})";

  // Foreign site, sandboxed page, and the same host on another port.
  for (std::string_view origin :
       {"Origin: https://evil.example", "Origin: null", "Origin: http://127.0.0.1:1"}) {
    check_problem(c.call("POST", "/admin/api/v1/partners", body, {std::string(origin)}), 403,
                  "cross-origin-request");
  }
  // Without Origin, only the browser's own "same-origin" fetch metadata stands in for it.
  check_problem(c.call("POST", "/admin/api/v1/partners", body, {"Sec-Fetch-Site: cross-site"}), 403,
                "cross-origin-request");
  check_problem(c.call("DELETE", "/admin/api/v1/partners/p-one", "",
                       {"Origin: https://evil.example", "Sec-Fetch-Site: same-origin"}),
                403, "cross-origin-request");
  // Nothing changed.
  CHECK(c.get("/admin/api/v1/partners/p-cross", 404).at("status") == 404);
  c.get("/admin/api/v1/partners/p-one");

  // The dashboard's own origin, or same-origin fetch metadata, may write.
  CHECK(c.call("POST", "/admin/api/v1/partners", body).status == 201);
  CHECK(c.call("DELETE", "/admin/api/v1/partners/p-cross", "", {"Sec-Fetch-Site: same-origin"})
            .status == 204);

  // A foreign page cannot log a browser in either.
  auto login = http({.method = "POST",
                     .url = gw.url("/admin/api/v1/session"),
                     .headers = {"Content-Type: application/json", "Origin: https://evil.example"},
                     .body = R"({"login":"owner","password":"owner-pw"})",
                     .user = ""});
  check_problem(login, 403, "cross-origin-request");
  CHECK(login.header("set-cookie").empty());
}

TEST_CASE("every route and every error answer carries the security headers") {
  running_gateway gw(admin_ldif(), edge_yaml());
  auto admin = logged_in(gw);
  auto table = scopegate::gateway::make_routes(scopegate::gateway::route_targets{});
  for (const auto& r : table.routes()) {
    const std::string method(scopegate::gateway::http::to_string(r.method));
    const std::string path = concrete(r.pattern);
    // Without credentials (refusals), and as a logged-in admin or an owner agent (answers,
    // streamed CSV exports included). Writes are sent without a body: they are refused.
    check_security_headers(method + " " + path,
                           http({.method = method, .url = gw.url(path), .user = ""}));
    if (path == "/admin/api/v1/session" && r.method == scopegate::gateway::http::verb::delete_)
      continue;  // logging out would end the session the other routes are called with
    if (path.starts_with("/admin"))
      check_security_headers(method + " " + path + " (admin)", admin.call(method, path));
    else
      check_security_headers(method + " " + path + " (owner)",
                             http({.method = method, .url = gw.url(path), .user = pw("owner")}));
  }
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/nope"},
           {"GET", "/api/v1/nope"},
           {"GET", "/admin/api/v1/nope"},
           {"PUT", "/healthz"},
           {"DELETE", "/api/v1/me"},
           {"GET", "/api/v1/customers/%2e%2e"},
           {"GET", "/admin/api/v1/reveals/export?limit=nope"}}) {
    check_security_headers(method + " " + path,
                           http({.method = method, .url = gw.url(path), .user = pw("owner")}));
    check_security_headers(method + " " + path + " (admin)", admin.call(method, path));
  }
}

TEST_CASE("/metrics: loopback by default, otherwise only ops.metrics_networks") {
  SUBCASE("the default admits loopback") {
    running_gateway gw(admin_ldif(), edge_yaml());
    auto r = http_get(gw.url("/metrics"));
    CHECK(r.status == 200);
    CHECK(r.body.find("scopegate_") != std::string::npos);
  }
  SUBCASE("networks without the client: 403, no counters") {
    running_gateway gw(admin_ldif(), edge_yaml("", "ops:\n  metrics_networks: [10.0.0.0/8]\n"));
    auto r = http_get(gw.url("/metrics"));
    check_problem(r, 403, "metrics-forbidden");
    CHECK(r.body.find("scopegate_") == std::string::npos);
    CHECK(r.header("x-content-type-options") == "nosniff");
    // A forwarded address counts only from a trusted proxy.
    CHECK(http({.url = gw.url("/metrics"), .headers = {"X-Forwarded-For: 10.1.2.3"}}).status ==
          403);
    CHECK(http_get(gw.url("/healthz")).status == 200);
  }
  SUBCASE("behind a trusted proxy, the forwarded client decides") {
    running_gateway gw(admin_ldif(), edge_yaml("  trusted_proxies: [127.0.0.1]\n",
                                               "ops:\n  metrics_networks: [10.0.0.0/8]\n"));
    CHECK(http({.url = gw.url("/metrics"), .headers = {"X-Forwarded-For: 10.1.2.3"}}).status ==
          200);
    CHECK(http({.url = gw.url("/metrics"), .headers = {"X-Forwarded-For: 192.0.2.1"}}).status ==
          403);
  }
}

namespace {

// A TCP connection to the gateway that sends nothing (blocking POSIX socket).
struct raw_connection {
  explicit raw_connection(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval wait{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  }
  ~raw_connection() { ::close(fd); }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;
  // The server closed the connection without a byte (read sees end of stream).
  bool closed_by_server() const {
    char c = 0;
    return ::recv(fd, &c, 1, 0) == 0;
  }
  int fd = -1;
};

}  // namespace

TEST_CASE("one client address holds at most max_connections_per_address connections") {
  running_gateway gw(admin_ldif(), edge_yaml("  max_connections_per_address: 3\n"));
  const auto port = gw.svc->port();
  // The fixture's own readiness calls close their connections just now: wait for that.
  for (int i = 0; i < 200 && gw.svc->open_connections() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(gw.svc->open_connections() == 0);
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 3; ++i)
    held.push_back(std::make_unique<raw_connection>(port));
  // The fourth is closed at once; the three keep the place they have.
  raw_connection excess(port);
  CHECK(excess.closed_by_server());
  CHECK_THROWS(http_get(gw.url("/healthz")));  // a fifth, the same: no answer at all
  // Once one of the three goes, a new connection is served again.
  held.pop_back();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    try {
      served = http_get(gw.url("/healthz")).status == 200;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  CHECK(served);
}
