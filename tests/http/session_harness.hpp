// The session under test over beast::test::stream, shared by the HTTP test files: one
// io_context, a handler that echoes "<target> <body>", and helpers to send raw bytes and
// read back what the session answered.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <future>
#include <list>
#include <thread>

#include "gateway/http/session.hpp"

namespace session_test {

using namespace scopegate;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;
using gateway::connection_info;
using gateway::request;
using gateway::response;

constexpr std::string_view k_get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";

// One client connection to a session under test. The client end receives the responses.
struct connection {
  explicit connection(net::io_context& io) : server(io), client(std::in_place, io) {
    server.connect(*client);
  }
  connection(net::io_context& io, beast::test::fail_count& fc)
      : server(io, fc), client(std::in_place, io) {
    server.connect(*client);
  }
  beast::test::stream server;
  std::optional<beast::test::stream> client;  // reset(): the client vanishes
  gateway::detail::session_control control;
  bool done = false;
  clock_type::time_point ended;
};

// Sessions on one io_context with one handler; by default it echoes "<target> <body>".
struct harness {
  net::io_context io;
  config::listen_config cfg;
  int calls = 0;
  gateway::request_handler handler = [this](request& req,
                                            const connection_info&) -> net::awaitable<response> {
    ++calls;
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = std::string(req.target()) + " " + req.body();
    co_return res;
  };
  std::list<connection> conns;

  harness() {
    cfg.header_limit_bytes = 1024;
    cfg.body_limit_bytes = 64;
    cfg.read_timeout_ms = 1000;
    cfg.idle_timeout_ms = 1000;
  }
  ~harness() {
    // Sessions end before their streams go: the client hangs up on any still running.
    for (auto& c : conns)
      if (c.client) c.client->close();
    run_until([this] {
      for (auto& c : conns)
        if (!c.done) return false;
      return true;
    });
  }

  template <class... Args>
  connection& connect(Args&... args) {
    auto& c = conns.emplace_back(io, args...);
    net::co_spawn(io, serve(c), [&c](std::exception_ptr) {
      c.done = true;
      c.ended = clock_type::now();
    });
    return c;
  }
  net::awaitable<void> serve(connection& c) {
    gateway::detail::session<beast::test::stream> s(c.server, cfg, handler, c.control);
    co_await s.run(net::ip::make_address("192.0.2.7"));
  }

  static void send(connection& c, std::string_view bytes) {
    net::write(*c.client, net::buffer(bytes.data(), bytes.size()));
  }
  static std::string received(const connection& c) { return std::string(c.client->str()); }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 2000ms) {
    const auto end = clock_type::now() + limit;
    while (!pred() && clock_type::now() < end) {
      if (io.stopped()) io.restart();
      io.run_one_for(5ms);
    }
    return pred();
  }

  // Whether the server closed the connection: once what arrived is discarded, a read by the
  // client sees end of file.
  bool closed_by_server(connection& c) {
    c.client->clear();
    auto result = std::make_shared<std::optional<error_code>>();
    auto byte = std::make_shared<char>();
    c.client->async_read_some(net::buffer(byte.get(), 1),
                              [result, byte](error_code ec, std::size_t) { *result = ec; });
    run_until([&] { return result->has_value(); }, 300ms);
    return *result == net::error::eof;
  }
};

// Responses in `wire`, in order; stops at the first incomplete one.
inline std::vector<http::response<http::string_body>> parse_responses(std::string_view wire) {
  net::io_context io;
  beast::test::stream in(io, wire);
  in.close_remote();
  beast::flat_buffer buffer;
  std::vector<http::response<http::string_body>> out;
  for (;;) {
    http::response<http::string_body> res;
    error_code ec;
    http::read(in, buffer, res, ec);
    if (ec) break;
    out.push_back(std::move(res));
  }
  return out;
}

inline std::string_view header(const http::response<http::string_body>& res, http::field f) {
  return res[f];
}
}  // namespace session_test
