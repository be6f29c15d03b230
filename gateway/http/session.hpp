// One HTTP/1.1 connection: its request loop, timeouts and streamed responses, templated on
// the stream so that http_server runs it over TCP sockets or TLS streams
// (beast::ssl_stream<tcp::socket>: handshake and close_notify included) and the tests run
// the very same code over beast::test::stream. Include it only from gateway/http/server.cpp and the
// HTTP tests; the rest of the gateway sees gateway/http/server.hpp.
//
//   detail::session_control control;
//   detail::session<tcp::socket> s(socket, cfg, handler, control);
//   co_await s.run(peer_address);  // returns once the connection is closed
#pragma once

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <exception>
#include <optional>

#include "gateway/http/request_rules.hpp"
#include "gateway/http/server.hpp"

namespace scopegate::gateway::detail {

namespace beast = boost::beast;

// Closes a connection whose read or write did not finish in time. Beast's tcp_stream has
// this built in; a timer of our own gives every stream type the same timeouts, so the tests
// over beast::test::stream exercise the behaviour production runs.
// Not thread-safe: use it on the executor `ex` (the session's strand) only.
class deadline {
 public:
  // `on_expiry` runs on `ex` when an armed deadline passes; it must close the transport so
  // that the pending operation completes with an error. Never runs after destruction.
  deadline(net::any_io_executor ex, std::function<void()> on_expiry);
  ~deadline();
  deadline(const deadline&) = delete;
  deadline& operator=(const deadline&) = delete;

  // Replaces any armed deadline with one `timeout` from now.
  void arm(std::chrono::milliseconds timeout);
  void disarm();
  // Whether a deadline passed (the transport was closed because of it).
  [[nodiscard]] bool expired() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

// What http_server holds to stop one session gracefully. Not thread-safe: every call runs on
// the session's executor (http_server posts to the session's strand).
class session_control {
 public:
  // Closes the connection now if it is idle (between requests); otherwise it closes after the
  // response in progress, which then carries `Connection: close`.
  void request_stop();
  [[nodiscard]] bool stop_requested() const { return stop_requested_; }

  // Used by the session: how to close its transport while it runs, and whether a request is
  // in progress (from its first byte until its response is written).
  void attach(std::function<void()> close_transport);
  void detach();
  void set_busy(bool busy) { busy_ = busy; }

 private:
  std::function<void()> close_;
  bool busy_ = false;
  bool stop_requested_ = false;
};

// An application/problem+json answer the server gives on its own (limits, malformed
// requests, a failing handler) with the API's security headers; always `Connection: close`.
// `detail` must be constant text.
[[nodiscard]] response server_problem(http::status status, unsigned version,
                                      std::string_view detail);

// The answer to a request the parser refused (`ec` from http::async_read), or nullopt when the
// connection just ended (closed, reset, timed out, cut mid-request): nothing to answer.
[[nodiscard]] std::optional<response> reject_unreadable(const boost::system::error_code& ec,
                                                        unsigned version);

// Ends a TCP connection: half-close first so the peer reads the last response before the FIN.
void close_transport(net::ip::tcp::socket& socket);

// Ends any other transport (beast::test::stream in the tests) through Beast's customization
// point.
template <class Stream>
void close_transport(Stream& stream) {
  beast::close_socket(beast::get_lowest_layer(stream));
}

inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// Writes a streamed body as HTTP/1.1 chunks, each within the write timeout.
template <class Stream>
class chunk_writer final : public body_writer {
 public:
  chunk_writer(Stream& stream, deadline& timer, std::chrono::milliseconds timeout)
      : stream_(stream), deadline_(timer), timeout_(timeout) {}

  net::awaitable<bool> write(std::string_view chunk) override {
    if (failed_) co_return false;
    if (chunk.empty()) co_return true;  // an empty chunk would end the body
    deadline_.arm(timeout_);
    auto [ec, n] = co_await net::async_write(
        stream_, http::make_chunk(net::const_buffer(chunk.data(), chunk.size())), use_tuple);
    // The producer may take its time between chunks (paged LDAP searches): only the write
    // itself is timed.
    deadline_.disarm();
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
  }
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  Stream& stream_;
  deadline& deadline_;
  std::chrono::milliseconds timeout_;
  bool failed_ = false;
};

// A stream that speaks TLS (has a server handshake): the session handshakes before its first
// request and sends close_notify when it ends.
template <class Stream>
concept tls_stream = requires(Stream& s) {
  s.async_handshake(Stream::server, use_tuple);
  s.async_shutdown(use_tuple);
};

// One connection's request loop. `Stream` is an AsyncReadStream and AsyncWriteStream whose
// transport close_transport() can close (tcp::socket, beast::ssl_stream, beast::test::stream).
// The session runs on the stream's executor, which must be a strand or a single-threaded
// context.
template <class Stream>
class session {
 public:
  static constexpr bool k_tls = tls_stream<Stream>;

  // All references must outlive run().
  session(Stream& stream, const config::listen_config& cfg, const request_handler& handler,
          session_control& control)
      : stream_(stream),
        cfg_(cfg),
        handler_(handler),
        control_(control),
        deadline_(stream.get_executor(), [&stream] { close_transport(stream); }) {}

  // Serves requests in order until the client closes, a limit or timeout is hit, a response
  // carries `Connection: close`, a response fails to be written, or a stop is requested.
  // Closes the transport before it returns. Never throws.
  net::awaitable<void> run(net::ip::address peer) {
    control_.attach([this] { close_transport(stream_); });
    try {
      bool ready = co_await handshake();
      if (ready) co_await serve(peer);
      deadline_.disarm();
      co_await say_goodbye();
    } catch (const std::exception& e) {
      spdlog::error("HTTP session ended by an error: {}", e.what());
    }
    deadline_.disarm();
    control_.detach();
    close_transport(stream_);
  }

 private:
  // Neither set: the connection ended with nothing to answer.
  struct read_result {
    std::optional<request> req;
    std::optional<response> reject;
  };

  // Writes get the same allowance as reads: a client that does not take its response within
  // it is gone or hostile.
  [[nodiscard]] std::chrono::milliseconds io_timeout() const {
    return std::chrono::milliseconds(cfg_.read_timeout_ms);
  }

  // TLS: the handshake must finish within read_timeout, like a request. false: the client
  // left or failed it (nothing to answer; a debug line says why).
  net::awaitable<bool> handshake() {
    if constexpr (k_tls) {
      deadline_.arm(io_timeout());
      auto [ec] = co_await stream_.async_handshake(Stream::server, use_tuple);
      deadline_.disarm();
      if (ec) {
        spdlog::debug("TLS handshake failed: {}", ec.message());
        co_return false;
      }
    }
    co_return true;
  }

  // TLS: close_notify, so the client can tell the end from a cut connection. Bounded by the
  // write timeout; skipped when a deadline already closed the transport.
  net::awaitable<void> say_goodbye() {
    if constexpr (k_tls) {
      if (deadline_.expired()) co_return;
      deadline_.arm(io_timeout());
      auto [ec] = co_await stream_.async_shutdown(use_tuple);
      deadline_.disarm();
      (void)ec;  // the client may have gone already: the transport closes either way
    }
    co_return;
  }

  net::awaitable<void> serve(net::ip::address peer) {
    connection_info info{.peer = peer, .tls = k_tls};
    bool first = true;
    while (!control_.stop_requested()) {
      read_result next = co_await read_request(first);
      first = false;
      if (next.reject) {
        bool written = co_await write_response(*next.reject);
        (void)written;  // the connection closes either way
        break;
      }
      if (!next.req) break;
      bool keep_alive = co_await respond(*next.req, info);
      control_.set_busy(false);
      if (!keep_alive || control_.stop_requested()) break;
    }
  }

  // Reads the next request with a fresh parser (limits are per message).
  net::awaitable<read_result> read_request(bool first) {
    read_result out;
    // The first request must arrive whole within read_timeout. On a kept-alive connection the
    // next one may take idle_timeout to begin, then read_timeout to arrive.
    deadline_.arm(std::chrono::milliseconds(first ? cfg_.read_timeout_ms : cfg_.idle_timeout_ms));
    if (buffer_.size() == 0) {
      auto [ec, n] =
          co_await stream_.async_read_some(buffer_.prepare(k_first_read_bytes), use_tuple);
      buffer_.commit(n);
      if (ec) {  // closed by the client, idle timeout or stop: nothing to answer
        deadline_.disarm();
        co_return out;
      }
    }
    control_.set_busy(true);  // a request has begun: a stop lets it finish
    if (!first) deadline_.arm(io_timeout());

    // The raw header block is checked before parsing: the parser joins folded lines silently.
    bool header_arrived = co_await read_header_block();
    if (!header_arrived) {
      deadline_.disarm();
      co_return out;
    }
    const auto raw = buffer_view();
    if (has_obs_fold(raw.substr(0, std::min(header_block_end(raw), raw.size())))) {
      deadline_.disarm();
      out.reject = server_problem(http::status::bad_request, 11,
                                  "a header line continues the previous one (obs-fold)");
      co_return out;
    }

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg_.header_limit_bytes));
    parser.body_limit(cfg_.body_limit_bytes);
    auto [hec, hn] = co_await http::async_read_header(stream_, buffer_, parser, use_tuple);
    if (!hec) {
      // Every rule about what a well-formed request is, beyond what the parser enforces,
      // applies here, before any body byte is read: a request that fails one is answered
      // from `out.reject`, never reaches a handler, and its connection closes.
      if (auto why = framing_violation(parser.get())) {
        deadline_.disarm();
        out.reject = server_problem(http::status::bad_request, parser.get().version(), *why);
        co_return out;
      }
    }
    boost::system::error_code ec = hec;
    if (!ec && !parser.is_done()) {
      auto [bec, bn] = co_await http::async_read(stream_, buffer_, parser, use_tuple);
      ec = bec;
    }
    deadline_.disarm();
    if (ec) {
      if (!deadline_.expired())
        out.reject = reject_unreadable(ec, parser.is_header_done() ? parser.get().version() : 11);
      co_return out;
    }
    out.req.emplace(parser.release());
    co_return out;
  }

  [[nodiscard]] std::string_view buffer_view() const {
    auto data = buffer_.data();
    return {static_cast<const char*>(data.data()), data.size()};
  }

  // Reads until the buffer holds a whole header block, or more bytes than a header may have
  // (the parser then answers 431). false: the connection ended or timed out first.
  net::awaitable<bool> read_header_block() {
    while (header_block_end(buffer_view()) == std::string_view::npos &&
           buffer_.size() <= cfg_.header_limit_bytes) {
      auto [ec, n] =
          co_await stream_.async_read_some(buffer_.prepare(k_first_read_bytes), use_tuple);
      buffer_.commit(n);
      if (ec) co_return false;
    }
    co_return true;
  }

  // Runs the handler and writes its answer. true: the connection may serve another request.
  net::awaitable<bool> respond(request& req, connection_info& info) {
    body_producer producer;
    info.stream = &producer;
    std::optional<response> res;
    try {
      response r = co_await handler_(req, info);
      res.emplace(std::move(r));
    } catch (const std::exception& e) {
      spdlog::error("request handler failed on {} {}: {}", std::string_view(req.method_string()),
                    path_of(req), e.what());
    } catch (...) {
      spdlog::error("request handler failed on {} {}", std::string_view(req.method_string()),
                    path_of(req));
    }
    info.stream = nullptr;
    if (!res) {
      // Whatever the handler left half done, this connection is not reused.
      producer = nullptr;
      res.emplace(server_problem(http::status::internal_server_error, req.version(),
                                 "the request could not be completed"));
    }
    // A handler may ask to close (keep_alive(false)); it cannot keep open what the client or a
    // stop closes. Read before the version changes: keep_alive() depends on it.
    const bool handler_keeps = res->keep_alive();
    res->version(req.version());
    res->keep_alive(handler_keeps && req.keep_alive() && !control_.stop_requested());
    bool written = false;
    if (producer) {
      written = co_await write_streamed(*res, producer);
    } else {
      written = co_await write_response(*res);
    }
    co_return written && res->keep_alive();
  }

  net::awaitable<bool> write_response(response& res) {
    res.prepare_payload();
    deadline_.arm(io_timeout());
    auto [ec, n] = co_await http::async_write(stream_, res, use_tuple);
    deadline_.disarm();
    co_return !ec;
  }

  // Sends `res`'s head (its body ignored) with chunked encoding, then the producer's chunks.
  // false when the client went away or the producer failed: the body is then incomplete and
  // the connection must close.
  net::awaitable<bool> write_streamed(const response& res, body_producer& producer) {
    http::response<http::empty_body> head{res.result(), res.version()};
    for (const auto& field : res) {
      if (field.name() == http::field::content_length ||
          field.name() == http::field::transfer_encoding)
        continue;
      head.insert(field.name_string(), field.value());
    }
    head.keep_alive(res.keep_alive());
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    deadline_.arm(io_timeout());
    auto [ec, n] = co_await http::async_write_header(stream_, serializer, use_tuple);
    deadline_.disarm();
    if (ec) co_return false;

    chunk_writer<Stream> writer(stream_, deadline_, io_timeout());
    bool produced = true;
    try {
      co_await producer(writer);
    } catch (const std::exception& e) {
      produced = false;
      spdlog::error("streamed response failed: {}", e.what());
    }
    if (!produced || writer.failed()) co_return false;
    deadline_.arm(io_timeout());
    auto [last_ec, last_n] = co_await net::async_write(stream_, http::make_chunk_last(), use_tuple);
    deadline_.disarm();
    co_return !last_ec;
  }

  // The target without its query, which may carry tokens that logs must not keep.
  [[nodiscard]] static std::string_view path_of(const request& req) {
    std::string_view target = req.target();
    return target.substr(0, target.find('?'));
  }

  static constexpr std::size_t k_first_read_bytes = 4096;

  Stream& stream_;
  const config::listen_config& cfg_;
  const request_handler& handler_;
  session_control& control_;
  deadline deadline_;
  beast::flat_buffer buffer_;
};

}  // namespace scopegate::gateway::detail
