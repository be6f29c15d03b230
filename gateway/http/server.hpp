// The HTTP/1.1 server: one coroutine per connection on its own strand, keep-alive, header
// and body limits, read and idle timeouts, streamed (chunked) responses, graceful drain on
// stop(). The per-connection logic lives in gateway/http/session.hpp.
//
//   http_server server(io, cfg.listen, [](request& req, const connection_info& conn)
//                          -> net::awaitable<response> { co_return response{...}; });
//   server.start();                      // throws if the address cannot be bound
//   ...
//   server.stop([] { /* every connection closed */ });
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>

#include "config/config.hpp"

namespace scopegate::gateway {

namespace net = boost::asio;
namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// Where a streaming handler writes its body, chunk by chunk (chunked transfer encoding).
class body_writer {
 public:
  virtual ~body_writer() = default;
  // false once the client is gone: stop producing.
  [[nodiscard]] virtual net::awaitable<bool> write(std::string_view chunk) = 0;
};
using body_producer = std::function<net::awaitable<void>(body_writer&)>;

struct connection_info {
  net::ip::address peer;  // the socket's address, never a forwarded header
  bool tls = false;       // the connection is HTTPS (listen.tls)
  // A handler that streams its body stores the producer here; the server then sends the
  // response head (its string body ignored) and runs the producer. Null: normal response.
  body_producer* stream = nullptr;
};

// Turns one request into one response. Should not throw: an exception is logged and answered
// with 500 problem+json, and that connection is then closed.
using request_handler = std::function<net::awaitable<response>(request&, const connection_info&)>;

class http_server {
 public:
  http_server(net::io_context& io, const config::listen_config& cfg, request_handler handler);
  ~http_server();

  // Binds and starts accepting. Throws on bind failure or unusable TLS files (start-up error).
  void start();
  // Replaces the TLS certificate and key: connections accepted afterwards use the new ones,
  // open connections keep theirs. Throws std::runtime_error (and changes nothing) when the
  // files cannot be used or the server does not serve TLS. Thread-safe.
  void reload_tls(const config::listen_tls_config& tls);
  // Stops accepting, closes idle keep-alive connections, lets in-flight requests finish.
  // `on_drained` runs once no connection is left.
  void stop(std::function<void()> on_drained);

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::size_t open_connections() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace scopegate::gateway
