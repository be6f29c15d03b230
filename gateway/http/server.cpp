#include "gateway/http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <list>
#include <mutex>

namespace scopegate::gateway {

namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

response plain_error(http::status status, unsigned version, std::string_view detail) {
  response res{status, version};
  res.set(http::field::content_type, "application/problem+json");
  res.body() = R"({"type":"about:blank","title":")" + std::string(http::obsolete_reason(status)) +
               R"(","status":)" + std::to_string(static_cast<unsigned>(status)) + R"(,"detail":")" +
               std::string(detail) + "\"}";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace

struct session_slot {
  beast::tcp_stream* stream = nullptr;
  bool busy = false;  // touched only on the session's strand
};

struct http_server::state : std::enable_shared_from_this<http_server::state> {
  state(net::io_context& io, const config::listen_config& cfg, request_handler handler)
      : io(io), cfg(cfg), handler(std::move(handler)), acceptor(net::make_strand(io)) {}

  net::io_context& io;
  config::listen_config cfg;
  request_handler handler;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;
  using strand_type = net::strand<net::io_context::executor_type>;
  std::list<std::pair<strand_type, std::shared_ptr<session_slot>>> sessions;
  std::function<void()> on_drained;

  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(strand_type strand, tcp::socket socket);
  // Sends `res`'s head with chunked encoding, then the producer's chunks. false on error.
  net::awaitable<bool> write_streamed(beast::tcp_stream& stream, response& res,
                                      body_producer& producer);
  void session_ended(decltype(sessions)::iterator it);
};

void http_server::state::session_ended(decltype(sessions)::iterator it) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex);
    sessions.erase(it);
    if (stopping && sessions.empty()) drained = std::move(on_drained);
  }
  if (drained) drained();
}

net::awaitable<void> http_server::state::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    strand_type strand = net::make_strand(io);
    auto [ec, socket] = co_await acceptor.async_accept(strand, use_tuple);
    if (stopping) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    net::co_spawn(strand, serve(strand, std::move(socket)), net::detached);
  }
}

namespace {

class chunk_writer final : public body_writer {
 public:
  chunk_writer(beast::tcp_stream& stream, int timeout_ms)
      : stream_(stream), timeout_ms_(timeout_ms) {}
  net::awaitable<bool> write(std::string_view chunk) override {
    if (failed_) co_return false;
    if (chunk.empty()) co_return true;  // an empty chunk would end the body
    stream_.expires_after(std::chrono::milliseconds(timeout_ms_));
    auto [ec, n] = co_await net::async_write(
        stream_, http::make_chunk(net::const_buffer(chunk.data(), chunk.size())), use_tuple);
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
  }
  bool failed() const { return failed_; }

 private:
  beast::tcp_stream& stream_;
  int timeout_ms_;
  bool failed_ = false;
};

}  // namespace

net::awaitable<bool> http_server::state::write_streamed(beast::tcp_stream& stream, response& res,
                                                        body_producer& producer) {
  http::response<http::empty_body> head{res.result(), res.version()};
  for (const auto& field : res)
    head.set(field.name_string(), field.value());
  head.keep_alive(res.keep_alive());
  head.chunked(true);
  http::response_serializer<http::empty_body> sr{head};
  stream.expires_after(std::chrono::milliseconds(cfg.read_timeout_ms));
  auto [ec, n] = co_await http::async_write_header(stream, sr, use_tuple);
  if (ec) co_return false;
  chunk_writer writer(stream, cfg.read_timeout_ms);
  co_await producer(writer);
  if (writer.failed()) co_return false;
  stream.expires_after(std::chrono::milliseconds(cfg.read_timeout_ms));
  auto [lec, ln] = co_await net::async_write(stream, http::make_chunk_last(), use_tuple);
  co_return !lec;
}

net::awaitable<void> http_server::state::serve(strand_type strand, tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream stream(std::move(socket));
  auto slot = std::make_shared<session_slot>(session_slot{.stream = &stream, .busy = false});
  decltype(sessions)::iterator me;
  {
    std::lock_guard lock(mutex);
    sessions.emplace_back(strand, slot);
    me = std::prev(sessions.end());
  }

  boost::system::error_code peer_ec;
  connection_info info{.peer = stream.socket().remote_endpoint(peer_ec).address()};
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.header_limit_bytes));
    parser.body_limit(cfg.body_limit_bytes);
    // The first request must arrive within read_timeout; later ones within the idle time.
    stream.expires_after(
        std::chrono::milliseconds(first ? cfg.read_timeout_ms : cfg.idle_timeout_ms));
    first = false;
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (ec) {
      std::optional<response> reply;
      if (ec == http::error::header_limit)
        reply = plain_error(http::status::request_header_fields_too_large, 11,
                            "request header exceeds the configured limit");
      else if (ec == http::error::body_limit)
        reply = plain_error(http::status::payload_too_large, 11,
                            "request body exceeds the configured limit");
      else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message)
        reply = plain_error(http::status::bad_request, 11, "malformed HTTP request");
      if (reply) {
        stream.expires_after(std::chrono::milliseconds(cfg.read_timeout_ms));
        co_await http::async_write(stream, *reply, use_tuple);
      }
      break;
    }
    slot->busy = true;
    request req = parser.release();
    body_producer producer;
    info.stream = &producer;
    response res = co_await handler(req, info);
    info.stream = nullptr;
    res.version(req.version());
    if (stopping)
      res.keep_alive(false);
    else
      res.keep_alive(req.keep_alive());
    bool ok = true;
    if (producer) {
      ok = co_await write_streamed(stream, res, producer);
    } else {
      res.prepare_payload();
      stream.expires_after(std::chrono::milliseconds(cfg.read_timeout_ms));
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      ok = !wec;
    }
    slot->busy = false;
    if (!ok || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
  slot->stream = nullptr;
  session_ended(me);
}

http_server::http_server(net::io_context& io, const config::listen_config& cfg,
                         request_handler handler)
    : state_(std::make_shared<state>(io, cfg, std::move(handler))) {}

http_server::~http_server() = default;

void http_server::start() {
  auto& acc = state_->acceptor;
  tcp::endpoint ep(net::ip::make_address(state_->cfg.address), state_->cfg.port);
  acc.open(ep.protocol());
  acc.set_option(net::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen(net::socket_base::max_listen_connections);
  net::co_spawn(acc.get_executor(), state_->accept_loop(), net::detached);
}

void http_server::stop(std::function<void()> on_drained) {
  auto s = state_;
  bool drained_now = false;
  {
    std::lock_guard lock(s->mutex);
    if (s->stopping.exchange(true)) return;
    s->on_drained = std::move(on_drained);
    drained_now = s->sessions.empty();
    for (auto& [strand, slot] : s->sessions) {
      // Runs on the session's strand, so `busy` is read race-free: only idle connections
      // (waiting for their next request) are closed; busy ones close after their response.
      net::post(strand, [slot = slot] {
        if (slot->stream && !slot->busy) slot->stream->socket().cancel();
      });
    }
  }
  net::post(s->acceptor.get_executor(), [s] {
    boost::system::error_code ec;
    s->acceptor.close(ec);
  });
  if (drained_now) {
    std::function<void()> cb;
    {
      std::lock_guard lock(s->mutex);
      cb = std::move(s->on_drained);
    }
    if (cb) cb();
  }
}

std::uint16_t http_server::port() const {
  return state_->acceptor.local_endpoint().port();
}

std::size_t http_server::open_connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->sessions.size();
}

}  // namespace scopegate::gateway
