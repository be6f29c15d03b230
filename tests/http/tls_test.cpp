// http_server over TLS (listen.tls) with a CA the test makes: verified handshake, the
// connection marked TLS for handlers, keep-alive, close_notify at the end, old protocol
// versions refused, a silent client cut after read_timeout, and certificate reload with
// open connections kept.
#include <doctest/doctest.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <thread>

#include "gateway/http/server.hpp"
#include "tests/support/test_pki.hpp"

namespace {

using namespace scopegate;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using gateway::connection_info;
using gateway::request;
using gateway::response;
using testing::test_pki;

// A TLS server on 127.0.0.1 answering "tls=<0|1>" and running on its own thread.
struct tls_server {
  explicit tls_server(const test_pki::issued& cert) {
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    cfg.read_timeout_ms = 1000;
    cfg.idle_timeout_ms = 5000;
    cfg.tls = config::listen_tls_config{cert.certificate_file, cert.key_file};
    server.emplace(io, cfg, [](request&, const connection_info& conn) -> net::awaitable<response> {
      response res{http::status::ok, 11};
      res.body() = conn.tls ? "tls=1" : "tls=0";
      co_return res;
    });
    server->start();
    runner = std::thread([this] { io.run(); });
  }
  ~tls_server() {
    std::promise<void> drained;
    server->stop([&drained] { drained.set_value(); });
    drained.get_future().wait_for(5s);
    runner.join();
  }
  [[nodiscard]] tcp::endpoint endpoint() const {
    return {net::ip::make_address("127.0.0.1"), server->port()};
  }

  net::io_context io;
  config::listen_config cfg;
  std::optional<gateway::http_server> server;
  std::thread runner;
};

// A client context that trusts `ca_file` and checks the name 127.0.0.1.
ssl::context client_context(const std::string& ca_file) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

struct tls_client {
  tls_client(net::io_context& io, ssl::context& ctx) : stream(io, ctx) {
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  }
  error_code connect(const tcp::endpoint& ep) {
    error_code ec;
    stream.next_layer().connect(ep, ec);
    if (!ec) stream.handshake(ssl::stream_base::client, ec);
    return ec;
  }
  http::response<http::string_body> get(const std::string& target, bool close = false) {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(!close);
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
  }
  // The common name of the certificate the server presented.
  std::string peer_common_name() {
    X509* cert = SSL_get1_peer_certificate(stream.native_handle());
    if (!cert) return "";
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
  }
  ssl::stream<tcp::socket> stream;
  beast::flat_buffer buffer;
};

TEST_CASE("HTTPS: verified handshake, connection marked TLS, keep-alive, close_notify") {
  test_pki ca;
  tls_server srv(ca.issue("first", "IP:127.0.0.1"));
  net::io_context client_io;
  auto ctx = client_context(ca.ca_file());
  tls_client c(client_io, ctx);
  REQUIRE_FALSE(c.connect(srv.endpoint()));
  CHECK(SSL_version(c.stream.native_handle()) >= TLS1_2_VERSION);
  CHECK(SSL_get_current_compression(c.stream.native_handle()) == nullptr);
  CHECK(c.get("/a").body() == "tls=1");
  CHECK(c.get("/b").body() == "tls=1");  // same connection
  CHECK(c.get("/c", true).body() == "tls=1");
  // The server ended the session with close_notify: a clean end of stream, not a cut.
  char byte = 0;
  error_code ec;
  c.stream.read_some(net::buffer(&byte, 1), ec);
  CHECK(ec == net::error::eof);
}

TEST_CASE("HTTPS: a client of another CA, TLS 1.1 and plain HTTP get no answer") {
  test_pki ca;
  tls_server srv(ca.issue("first", "IP:127.0.0.1"));
  net::io_context client_io;

  SUBCASE("the client does not trust the certificate") {
    test_pki other("another CA");
    auto ctx = client_context(other.ca_file());
    tls_client c(client_io, ctx);
    CHECK(c.connect(srv.endpoint()));
  }
  SUBCASE("TLS 1.1 is refused even by a client willing to use it") {
    auto ctx = client_context(ca.ca_file());
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_security_level(native, 0);
    SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(native, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(native, TLS1_1_VERSION);
    tls_client c(client_io, ctx);
    CHECK(c.connect(srv.endpoint()));
    // The same client allowed TLS 1.2 succeeds: the refusal was the version.
    auto ctx12 = client_context(ca.ca_file());
    SSL_CTX_set_max_proto_version(ctx12.native_handle(), TLS1_2_VERSION);
    tls_client c12(client_io, ctx12);
    CHECK_FALSE(c12.connect(srv.endpoint()));
    CHECK(c12.get("/").body() == "tls=1");
  }
  SUBCASE("plain HTTP on the HTTPS port gets no HTTP answer") {
    tcp::socket s(client_io);
    s.connect(srv.endpoint());
    net::write(s, net::buffer(std::string_view("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string got;
    error_code ec;
    char buf[512];
    for (;;) {
      std::size_t n = s.read_some(net::buffer(buf), ec);
      got.append(buf, n);
      if (ec) break;
    }
    CHECK(got.find("HTTP/1.1 200") == std::string::npos);
  }
}

TEST_CASE("HTTPS: a client that never starts the handshake is cut after read_timeout") {
  test_pki ca;
  tls_server srv(ca.issue("first", "IP:127.0.0.1"));
  net::io_context client_io;
  tcp::socket s(client_io);
  s.connect(srv.endpoint());
  const auto started = std::chrono::steady_clock::now();
  char byte = 0;
  error_code ec;
  s.read_some(net::buffer(&byte, 1), ec);
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(ec);
  CHECK(waited >= 900ms);
  CHECK(waited < 4s);
}

TEST_CASE("HTTPS reload: new connections get the new certificate, open ones keep working") {
  test_pki ca;
  tls_server srv(ca.issue("first", "IP:127.0.0.1"));
  net::io_context client_io;
  auto ctx = client_context(ca.ca_file());
  tls_client before(client_io, ctx);
  REQUIRE_FALSE(before.connect(srv.endpoint()));
  CHECK(before.peer_common_name() == "first");
  CHECK(before.get("/").body() == "tls=1");

  SUBCASE("good files: swapped") {
    auto second = ca.issue("second", "IP:127.0.0.1");
    srv.server->reload_tls({second.certificate_file, second.key_file});
    tls_client after(client_io, ctx);
    REQUIRE_FALSE(after.connect(srv.endpoint()));
    CHECK(after.peer_common_name() == "second");
    CHECK(before.get("/again").body() == "tls=1");  // the open connection survived
  }
  SUBCASE("a key of another certificate, or a missing file: refused, the old one serves") {
    auto second = ca.issue("second", "IP:127.0.0.1");
    auto third = ca.issue("third", "IP:127.0.0.1");
    CHECK_THROWS_WITH_AS(srv.server->reload_tls({second.certificate_file, third.key_file}),
                         doctest::Contains("does not belong to certificate_file"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(srv.server->reload_tls({ca.directory() + "/missing.crt", second.key_file}),
                         doctest::Contains("missing.crt"), std::runtime_error);
    tls_client after(client_io, ctx);
    REQUIRE_FALSE(after.connect(srv.endpoint()));
    CHECK(after.peer_common_name() == "first");
    CHECK(before.get("/again").body() == "tls=1");
  }
}

TEST_CASE("HTTPS: unusable files at start are a start-up error naming the file") {
  test_pki ca;
  auto cert = ca.issue("first", "IP:127.0.0.1");
  net::io_context io;
  config::listen_config cfg;
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.tls = config::listen_tls_config{cert.certificate_file, cert.certificate_file};
  gateway::http_server server(io, cfg,
                              [](request&, const connection_info&) -> net::awaitable<response> {
                                co_return response{http::status::ok, 11};
                              });
  CHECK_THROWS_WITH_AS(server.start(), doctest::Contains("key_file"), std::runtime_error);
}

}  // namespace
