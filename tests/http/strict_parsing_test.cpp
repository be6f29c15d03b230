// Strict HTTP parsing (DESIGN §5a) over the real session code: framing two parsers could
// read differently is answered 400 problem+json and the connection closes, so what follows
// a refused header (a body shaped like a request) is never answered as a second request.
#include "gateway/http/request_rules.hpp"
#include "tests/http/session_harness.hpp"

namespace {

using namespace session_test;

constexpr std::string_view k_smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

// Sends `bytes` on a fresh connection and checks the one answer is 400 problem+json, the
// connection closed, and no handler ran (the smuggled request included).
void expect_refused(std::string_view bytes) {
  harness h;
  auto& c = h.connect();
  h.send(c, bytes);
  REQUIRE(h.run_until([&] { return c.done; }));
  auto wire = h.received(c);
  auto rs = parse_responses(wire);
  INFO("sent: " << bytes << "\nreceived: " << wire);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].result() == http::status::bad_request);
  CHECK(header(rs[0], http::field::content_type) == "application/problem+json");
  CHECK_FALSE(rs[0].keep_alive());
  CHECK(rs[0]["X-Content-Type-Options"] == "nosniff");
  CHECK(wire.find("/smuggled") == std::string::npos);
  CHECK(h.calls == 0);
  CHECK(h.closed_by_server(c));
}

std::string post_with(std::string_view fields, std::string_view body) {
  return "POST /a HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\n" + std::string(body);
}

TEST_CASE("any Transfer-Encoding but exactly chunked: 400, close, the body is not a request") {
  const std::string smuggled(k_smuggled);
  const std::string after_chunks = "0\r\n\r\n" + smuggled;
  for (std::string_view te : {"xchunked", "identity", "gzip", "", "chunked, chunked"})
    expect_refused(post_with("Transfer-Encoding: " + std::string(te) + "\r\n", smuggled));
  expect_refused(post_with("Transfer-Encoding: gzip, chunked\r\n", after_chunks));
  expect_refused(
      post_with("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", after_chunks));
}

TEST_CASE("Content-Length with Transfer-Encoding, twice, or not one number: 400 and close") {
  const std::string smuggled(k_smuggled);
  expect_refused(
      post_with("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + smuggled));
  expect_refused(
      post_with("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "0\r\n\r\n" + smuggled));
  expect_refused(post_with("Content-Length: 4\r\nContent-Length: 4\r\n", "body" + smuggled));
  expect_refused(post_with("Content-Length: 4, 4\r\n", "body" + smuggled));
  expect_refused(post_with("Content-Length: 4\r\nContent-Length: 5\r\n", "body!" + smuggled));
}

TEST_CASE("obs-fold: a header line starting with space or tab is refused with 400 and close") {
  const std::string smuggled(k_smuggled);
  expect_refused("GET /a HTTP/1.1\r\nHost: x\r\nX-Note: one\r\n two\r\n\r\n" + smuggled);
  expect_refused("GET /a HTTP/1.1\r\nHost: x\r\nX-Note: one\r\n\ttwo\r\n\r\n" + smuggled);
  expect_refused("GET /a HTTP/1.1\r\n Host: x\r\n\r\n" + smuggled);
}

TEST_CASE("HTTP/1.1 without Host, with an empty Host or with two: 400 and close") {
  const std::string smuggled(k_smuggled);
  expect_refused("GET /a HTTP/1.1\r\n\r\n" + smuggled);
  expect_refused("GET /a HTTP/1.1\r\nHost: \r\n\r\n" + smuggled);
  expect_refused("GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + smuggled);
  expect_refused("GET /a HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n" + smuggled);
}

TEST_CASE("well-formed framing is still served: chunked (any case), one Content-Length, 1.0") {
  harness h;
  auto& c = h.connect();
  h.send(c,
         "POST /chunks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
         "4\r\nbody\r\n0\r\n\r\n"
         "POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
         "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  REQUIRE(h.run_until([&] { return parse_responses(h.received(c)).size() == 3; }));
  auto rs = parse_responses(h.received(c));
  CHECK(rs[0].body() == "/chunks body");
  CHECK(rs[1].body() == "/length body");
  CHECK(rs[2].body() == "/old ");
}

TEST_CASE("request rules as pure functions") {
  CHECK(gateway::header_block_end("GET / HTTP/1.1\r\nHost: x\r\n") == std::string_view::npos);
  CHECK(gateway::header_block_end("GET / HTTP/1.1\r\nHost: x\r\n\r\nrest") == 27);
  CHECK_FALSE(gateway::has_obs_fold("GET / HTTP/1.1\r\nHost: x\r\nA: b c\r\n\r\n"));
  CHECK(gateway::has_obs_fold("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"));

  http::request_header<> h;
  h.version(11);
  CHECK(gateway::framing_violation(h).has_value());  // no Host
  h.set(http::field::host, "example.org");
  CHECK_FALSE(gateway::framing_violation(h).has_value());
  h.set(http::field::transfer_encoding, "chunked");
  CHECK_FALSE(gateway::framing_violation(h).has_value());
  h.set(http::field::content_length, "3");
  CHECK(gateway::framing_violation(h).has_value());
  h.erase(http::field::transfer_encoding);
  CHECK_FALSE(gateway::framing_violation(h).has_value());
  h.set(http::field::content_length, "+3");
  CHECK(gateway::framing_violation(h).has_value());
}

}  // namespace
