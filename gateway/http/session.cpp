#include "gateway/http/session.hpp"

#include <boost/asio/steady_timer.hpp>

#include "gateway/http/security_headers.hpp"

namespace scopegate::gateway::detail {

struct deadline::state {
  state(net::any_io_executor ex, std::function<void()> on_expiry)
      : timer(std::move(ex)), on_expiry(std::move(on_expiry)) {}

  net::steady_timer timer;
  std::function<void()> on_expiry;
  // A wait whose generation is no longer current was replaced: its completion means nothing,
  // even when it had already fired before being replaced.
  std::uint64_t generation = 0;
  bool expired = false;
};

deadline::deadline(net::any_io_executor ex, std::function<void()> on_expiry)
    : state_(std::make_shared<state>(std::move(ex), std::move(on_expiry))) {}

deadline::~deadline() {
  // A completion still queued holds only a weak reference and finds the state gone.
  state_->on_expiry = nullptr;
  state_->timer.cancel();
}

void deadline::arm(std::chrono::milliseconds timeout) {
  const auto generation = ++state_->generation;
  state_->timer.expires_after(timeout);
  state_->timer.async_wait(
      [weak = std::weak_ptr<state>(state_), generation](const boost::system::error_code& ec) {
        auto s = weak.lock();
        if (ec || !s || s->generation != generation) return;
        s->expired = true;
        if (s->on_expiry) s->on_expiry();
      });
}

void deadline::disarm() {
  ++state_->generation;
  state_->timer.cancel();
}

bool deadline::expired() const {
  return state_->expired;
}

void session_control::request_stop() {
  stop_requested_ = true;
  if (!busy_ && close_) close_();
}

void session_control::attach(std::function<void()> close_transport) {
  close_ = std::move(close_transport);
}

void session_control::detach() {
  close_ = nullptr;
}

response server_problem(http::status status, unsigned version, std::string_view detail) {
  response res{status, version};
  res.set(http::field::content_type, "application/problem+json");
  res.body() = R"({"type":"about:blank","title":")" + std::string(http::obsolete_reason(status)) +
               R"(","status":)" + std::to_string(static_cast<unsigned>(status)) + R"(,"detail":")" +
               std::string(detail) + "\"}";
  res.keep_alive(false);
  // The route of a request the server refuses is unknown: the strictest headers apply.
  add_security_headers(res, surface::api);
  res.prepare_payload();
  return res;
}

std::optional<response> reject_unreadable(const boost::system::error_code& ec, unsigned version) {
  if (ec == http::error::header_limit)
    return server_problem(http::status::request_header_fields_too_large, version,
                          "request header exceeds the configured limit");
  if (ec == http::error::body_limit)
    return server_problem(http::status::payload_too_large, version,
                          "request body exceeds the configured limit");
  // Any other parser verdict is a malformed request; end_of_stream and partial_message mean
  // the client left, and errors of other categories are transport failures.
  if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message)
    return server_problem(http::status::bad_request, version, "malformed HTTP request");
  return std::nullopt;
}

void close_transport(net::ip::tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace scopegate::gateway::detail
