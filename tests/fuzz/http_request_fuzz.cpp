// Request bytes through the whole HTTP edge: the real session (gateway/http/session.hpp)
// over beast::test::stream, as tests/http/server_test.cpp drives it, into the real gateway
// (gateway::service built from scopegate.example.yaml: route table, dispatcher, agent and
// dashboard authentication, handlers). No listener and no LDAP connection are started, so
// every directory call answers "unavailable" at once: nothing leaves the process.
// `@SESSION@` and `@CSRF@` in the input become a live dashboard session's cookie value and
// CSRF token, so the fuzzer reaches the admin handlers too.
// Properties, per request the gateway answers:
// - never 500 (bad input is a 4xx; an unavailable directory a 503);
// - every answer carries X-Content-Type-Options: nosniff;
// - a 2xx/3xx answer goes to a path the route table knows for that method, read the same
//   way routing reads it; no agent route ever succeeds (no agent can be authenticated
//   without the directory); an admin route succeeds only with the live session cookie and,
//   for writes, its CSRF token.
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gateway/auth/same_origin.hpp"
#include "gateway/auth/sessions.hpp"
#include "gateway/http/request_target.hpp"
#include "gateway/http/session.hpp"
#include "gateway/routes.hpp"
#include "gateway/service.hpp"

namespace {

using namespace scopegate;
using namespace scopegate::gateway;
namespace beast = boost::beast;

void require(bool ok, const char* what) {
  if (!ok) {
    std::printf("property violated: %s\n", what);
    std::abort();
  }
}

config::config fuzz_config() {
  std::ifstream in(SCOPEGATE_SOURCE_DIR "/scopegate.example.yaml");
  std::stringstream text;
  text << in.rdbuf();
  setenv("SCOPEGATE_LDAP_PASSWORD", "fuzz", 0);
  auto cfg = config::parse_config(text.str(), "scopegate.example.yaml");
  cfg.listen.threads = 1;
  cfg.reveal.database_path = "";  // in memory
  cfg.admin.history_database_path = "";
  cfg.log.access_log = false;
  return cfg;
}

struct gateway_under_test {
  gateway_under_test() : svc(fuzz_config()), inner(svc.handler()) { login(); }

  // A live dashboard session (a fuzzed request may log it out).
  void login() {
    auto s = svc.admin().create("admin", "uid=admin,ou=people,dc=example,dc=com", "Admin");
    token = s.token;
    csrf = s.who.csrf_token;
  }
  void keep_logged_in() {
    if (!svc.admin().find(token)) login();
  }

  void check(const request& req, const response& res) const {
    require(res.result() != http::status::internal_server_error, "no request is answered 500");
    require(res["X-Content-Type-Options"] == "nosniff", "every answer has nosniff");
    if (res.result_int() >= 400) return;
    auto target = parse_request_target(req.target());
    require(target.has_value(), "a success has a canonical path");
    auto match = table.match(req.method(), target->segments);
    require(match.found != nullptr, "a success has a route for its method and path");
    switch (match.found->auth) {
      case auth_kind::none:
        break;
      case auth_kind::agent:
      case auth_kind::agent_customers:
        require(false, "no agent route succeeds without the directory");
        break;
      case auth_kind::admin: {
        require(cookie_value(req, k_session_cookie) == token, "admin success needs the session");
        bool safe = req.method() == http::verb::get || req.method() == http::verb::head;
        require(safe || req[k_csrf_header] == csrf, "admin write success needs the CSRF token");
        require(safe || same_origin_write(req), "admin write success needs the same origin");
        break;
      }
    }
  }

  service svc;
  request_handler inner;
  route_table table = make_routes(route_targets{});
  std::string token;
  std::string csrf;
};

gateway_under_test* the_gateway = nullptr;

std::string with_secrets(std::string text, const gateway_under_test& g) {
  for (auto [from, to] : {std::pair<std::string_view, const std::string*>{"@SESSION@", &g.token},
                          {"@CSRF@", &g.csrf}}) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to->size()))
      text.replace(at, from.size(), *to);
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!std::getenv("SCOPEGATE_FUZZ_LOG")) spdlog::set_level(spdlog::level::off);
  the_gateway = new gateway_under_test();  // lives for the whole run
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& g = *the_gateway;
  g.keep_logged_in();
  const std::string input = with_secrets(std::string(reinterpret_cast<const char*>(data), size), g);

  // One event loop for the whole run, as in production: the SQLite threads hold work on it
  // until just after they hand back a result, so it must outlive every request.
  static net::io_context io;
  beast::test::stream server(io);
  beast::test::stream client(io);
  server.connect(client);
  server.append(input);
  server.close_remote();  // the client has sent everything

  request_handler checked = [&g](request& req,
                                 const connection_info& conn) -> net::awaitable<response> {
    auto res = co_await g.inner(req, conn);
    g.check(req, res);
    co_return res;
  };
  detail::session_control control;
  bool done = false;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        detail::session<beast::test::stream> s(server, g.svc.cfg().listen, checked, control);
        co_await s.run(net::ip::make_address("192.0.2.7"));
      },
      [&done](std::exception_ptr) { done = true; });
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < limit) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
  require(done, "the session ends once the client has sent everything");
  io.poll();
  return 0;
}
