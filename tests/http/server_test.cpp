// The HTTP session over beast::test::stream (Beast's own test pattern): limits, timeouts,
// keep-alive, pipelining, Connection: close, failing handlers, streamed bodies cut short by
// the client, and every failure point of one exchange; then http_server over real TCP.
#include "tests/http/session_harness.hpp"

namespace {

using namespace session_test;

TEST_CASE("keep-alive: two requests on one connection are both answered, in order") {
  harness h;
  auto& c = h.connect();
  h.send(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 1; }));
  CHECK_FALSE(c.done);
  h.send(c, "POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
  REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 2; }));
  auto rs = parse_responses(h.received(c));
  CHECK(rs[0].body() == "/first ");
  CHECK(rs[1].body() == "/second body");
  CHECK(rs[0].keep_alive());
  CHECK(rs[1].keep_alive());
  CHECK_FALSE(c.done);
  c.client->close();  // the client ends the connection: a normal close
  CHECK(h.run_until([&] { return c.done; }));
  CHECK(h.calls == 2);
}

TEST_CASE("pipelined requests sent in one write are answered in order") {
  harness h;
  auto& c = h.connect();
  h.send(c, "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 2; }));
  auto rs = parse_responses(h.received(c));
  CHECK(rs[0].body() == "/one ");
  CHECK(rs[1].body() == "/two ");
}

TEST_CASE("Connection: close is honoured") {
  harness h;
  auto& c = h.connect();
  h.send(c, "GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
  REQUIRE(h.run_until([&] { return c.done; }));
  auto rs = parse_responses(h.received(c));
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].body() == "/bye ");
  CHECK_FALSE(rs[0].keep_alive());
  CHECK(h.calls == 1);
  CHECK(h.closed_by_server(c));
}

TEST_CASE("a body over the limit is refused with 413 and the connection closes") {
  harness h;
  std::string big(h.cfg.body_limit_bytes + 1, 'b');
  SUBCASE("declared by Content-Length") {
    auto& c = h.connect();
    h.send(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(big.size()) +
                  "\r\n\r\n" + big);
    REQUIRE(h.run_until([&] { return c.done; }));
    auto rs = parse_responses(h.received(c));
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].result() == http::status::payload_too_large);
    CHECK(header(rs[0], http::field::content_type) == "application/problem+json");
    CHECK_FALSE(rs[0].keep_alive());
    CHECK(h.closed_by_server(c));
  }
  SUBCASE("arriving in chunks") {
    auto& c = h.connect();
    h.send(c, "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" +
                  big.substr(0, 32) + "\r\n30\r\n" + big.substr(0, 48) + "\r\n0\r\n\r\n");
    REQUIRE(h.run_until([&] { return c.done; }));
    auto rs = parse_responses(h.received(c));
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].result() == http::status::payload_too_large);
  }
  CHECK(h.calls == 0);
}

TEST_CASE("a header over the limit is refused with 431; a malformed request with 400") {
  harness h;
  auto& big = h.connect();
  h.send(big, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(h.cfg.header_limit_bytes, 'p') +
                  "\r\n\r\n");
  auto& bad = h.connect();
  h.send(bad, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  REQUIRE(h.run_until([&] { return big.done && bad.done; }));
  auto rs = parse_responses(h.received(big));
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].result() == http::status::request_header_fields_too_large);
  CHECK_FALSE(rs[0].keep_alive());
  rs = parse_responses(h.received(bad));
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].result() == http::status::bad_request);
  CHECK(h.calls == 0);
}

TEST_CASE("answers the server gives on its own carry nosniff and a no-framing CSP") {
  harness h;
  h.handler = [](request&, const connection_info&) -> net::awaitable<response> {
    throw std::runtime_error("handler failed");
    co_return response{};
  };
  auto& big = h.connect();
  h.send(big, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(h.cfg.header_limit_bytes, 'p') +
                  "\r\n\r\n");
  auto& large = h.connect();
  h.send(large, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
  auto& bad = h.connect();
  h.send(bad, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  auto& failing = h.connect();
  h.send(failing, k_get);
  REQUIRE(h.run_until([&] { return big.done && large.done && bad.done && failing.done; }));
  for (auto* c : {&big, &large, &bad, &failing}) {
    auto rs = parse_responses(h.received(*c));
    REQUIRE(rs.size() == 1);
    INFO("status " << rs[0].result_int());
    CHECK(rs[0].result_int() >= 400);
    CHECK(rs[0]["X-Content-Type-Options"] == "nosniff");
    CHECK(rs[0]["Content-Security-Policy"].find("frame-ancestors 'none'") !=
          std::string_view::npos);
  }
}

TEST_CASE("read timeout: half a request, then silence, closes without an answer") {
  harness h;
  h.cfg.read_timeout_ms = 100;
  h.cfg.idle_timeout_ms = 10'000;
  SUBCASE("the first request") {
    auto& c = h.connect();
    const auto start = clock_type::now();
    h.send(c, "GET /slow HTTP/1.1\r\nHost: x\r\n");
    REQUIRE(h.run_until([&] { return c.done; }));
    CHECK(c.ended - start >= 90ms);
    CHECK(c.ended - start < 1000ms);
    CHECK(h.received(c).empty());
    CHECK(h.closed_by_server(c));
  }
  SUBCASE("a later request on a kept-alive connection gets read_timeout, not idle_timeout") {
    auto& c = h.connect();
    h.send(c, k_get);
    REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 1; }));
    const auto start = clock_type::now();
    h.send(c, "GET /slow HTTP/1.1\r\n");
    REQUIRE(h.run_until([&] { return c.done; }));
    CHECK(c.ended - start < 1000ms);
    CHECK(parse_responses(h.received(c)).size() == 1);
  }
  CHECK(h.calls <= 1);
}

TEST_CASE("idle timeout closes a kept-alive connection that sends nothing more") {
  harness h;
  h.cfg.read_timeout_ms = 10'000;
  h.cfg.idle_timeout_ms = 100;
  auto& c = h.connect();
  h.send(c, k_get);
  REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 1; }));
  const auto answered = clock_type::now();
  REQUIRE(h.run_until([&] { return c.done; }));
  CHECK(c.ended - answered >= 90ms);
  CHECK(c.ended - answered < 1000ms);
  CHECK(h.closed_by_server(c));
}

TEST_CASE("a handler that throws gets 500 problem+json; other connections are served") {
  harness h;
  h.handler = [&h](request& req, const connection_info&) -> net::awaitable<response> {
    if (req.target() == "/boom") throw std::runtime_error("handler failure");
    if (req.target() == "/boom-int") throw 42;
    ++h.calls;
    co_return response{http::status::no_content, 11};
  };
  for (const char* target : {"/boom", "/boom-int"}) {
    CAPTURE(target);
    auto& failing = h.connect();
    h.send(failing, "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(h.run_until([&] { return failing.done; }));
    auto rs = parse_responses(h.received(failing));
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].result() == http::status::internal_server_error);
    CHECK(header(rs[0], http::field::content_type) == "application/problem+json");
    CHECK(rs[0].body().find("handler failure") == std::string::npos);  // log only
    CHECK_FALSE(rs[0].keep_alive());
  }
  auto& other = h.connect();
  h.send(other, k_get);
  REQUIRE(h.run_until([&] { return parse_responses(h.received(other)).size() == 1; }));
  CHECK(parse_responses(h.received(other))[0].result() == http::status::no_content);
  CHECK(h.calls == 1);
}

// A handler streaming `chunks` chunks of 1 KiB on /export, recording what its writer said.
struct export_probe {
  int chunks = 3;
  int written = 0;
  bool saw_false = false;
  bool finished = false;
};

void serve_export(harness& h, export_probe& probe) {
  h.handler = [&probe](request& req, const connection_info& conn) -> net::awaitable<response> {
    if (req.target() != "/export") co_return response{http::status::not_found, 11};
    *conn.stream = [&probe](gateway::body_writer& out) -> net::awaitable<void> {
      const std::string chunk(1024, 'x');
      for (int i = 0; i < probe.chunks; ++i) {
        bool ok = co_await out.write(chunk);
        if (!ok) {
          probe.saw_false = true;
          break;
        }
        ++probe.written;
      }
      probe.finished = true;
    };
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/csv");
    res.set(http::field::content_length, "999");  // ignored: the body is chunked
    co_return res;
  };
}

TEST_CASE("a streamed response arrives chunked and the connection stays usable") {
  harness h;
  export_probe probe;
  serve_export(h, probe);
  auto& c = h.connect();
  h.send(c, "GET /export HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 2; }));
  auto rs = parse_responses(h.received(c));
  CHECK(rs[0].chunked());
  CHECK(header(rs[0], http::field::content_type) == "text/csv");
  CHECK(rs[0].body() == std::string(3 * 1024, 'x'));
  CHECK(rs[1].result() == http::status::not_found);
  CHECK(probe.finished);
  CHECK_FALSE(probe.saw_false);
}

TEST_CASE("a streamed export the client abandons mid-body stops its producer") {
  harness h;
  export_probe probe;
  probe.chunks = 1000;
  serve_export(h, probe);
  auto& c = h.connect();
  h.send(c, "GET /export HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(h.run_until([&] { return h.received(c).size() > 3 * 1024; }));
  c.client.reset();  // the client goes away
  REQUIRE(h.run_until([&] { return c.done; }));
  CHECK(probe.saw_false);
  CHECK(probe.finished);
  CHECK(probe.written < probe.chunks);
}

TEST_CASE("stop: an idle connection closes at once, a busy one after its response") {
  harness h;
  SUBCASE("idle") {
    auto& c = h.connect();
    h.send(c, k_get);
    REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 1; }));
    CHECK_FALSE(c.done);
    c.control.request_stop();
    REQUIRE(h.run_until([&] { return c.done; }, 200ms));
    CHECK(h.closed_by_server(c));
  }
  SUBCASE("busy") {
    gateway::detail::session_control* control = nullptr;
    h.handler = [&control](request&, const connection_info&) -> net::awaitable<response> {
      control->request_stop();  // stop arrives while the request is being handled
      co_return response{http::status::no_content, 11};
    };
    auto& c = h.connect();
    control = &c.control;
    h.send(c, k_get);
    REQUIRE(h.run_until([&] { return c.done; }));
    auto rs = parse_responses(h.received(c));
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].result() == http::status::no_content);
    CHECK_FALSE(rs[0].keep_alive());
  }
}

TEST_CASE("every failure point of one exchange ends the session cleanly") {
  for (const char* target : {"/a", "/export"}) {
    CAPTURE(target);
    bool completed = false;
    int failures = 0;
    for (; failures < 100 && !completed; ++failures) {
      beast::test::fail_count fc(static_cast<std::size_t>(failures));  // outlives the stream
      harness h;
      export_probe probe;
      if (std::string_view(target) == "/export") serve_export(h, probe);
      auto& c = h.connect(fc);
      h.send(c, "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      REQUIRE(h.run_until([&] { return c.done; }));
      auto rs = parse_responses(h.received(c));
      completed = rs.size() == 1 && rs[0].result() == http::status::ok;
    }
    CHECK(completed);
    CHECK(failures > 2);  // a read and at least one write failed before the clean run
  }
}

TEST_CASE("http_server over TCP: serves, survives a failing handler, drains on stop") {
  using tcp = net::ip::tcp;
  net::io_context io;
  config::listen_config cfg;
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.read_timeout_ms = 2000;
  cfg.idle_timeout_ms = 2000;
  gateway::http_server server(
      io, cfg, [](request& req, const connection_info& conn) -> net::awaitable<response> {
        if (req.target() == "/boom") throw std::runtime_error("handler failure");
        response res{http::status::ok, 11};
        res.body() = conn.peer.to_string();
        co_return res;
      });
  server.start();
  std::thread runner([&io] { io.run(); });

  net::io_context client_io;
  auto exchange = [&](tcp::socket& s, std::string target) {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "x");
    http::write(s, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(s, buffer, res);
    return res;
  };
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), server.port());
  tcp::socket failing(client_io);
  failing.connect(ep);
  CHECK(exchange(failing, "/boom").result() == http::status::internal_server_error);
  char byte = 0;
  error_code ec;
  failing.read_some(net::buffer(&byte, 1), ec);
  CHECK(ec == net::error::eof);

  tcp::socket idle(client_io);
  idle.connect(ep);
  auto res = exchange(idle, "/ok");
  CHECK(res.result() == http::status::ok);
  CHECK(res.body() == "127.0.0.1");  // the socket's peer address
  // The failed connection is closed; its session leaves the count right after.
  const auto until = clock_type::now() + 1s;
  while (server.open_connections() != 1 && clock_type::now() < until)
    std::this_thread::sleep_for(1ms);
  CHECK(server.open_connections() == 1);

  std::promise<void> drained;
  server.stop([&drained] { drained.set_value(); });
  CHECK(drained.get_future().wait_for(1s) == std::future_status::ready);
  CHECK(server.open_connections() == 0);
  idle.read_some(net::buffer(&byte, 1), ec);
  CHECK(ec == net::error::eof);
  runner.join();
}

}  // namespace
