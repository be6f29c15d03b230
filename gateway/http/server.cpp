#include "gateway/http/server.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/http/session.hpp"
#include "gateway/http/tls_context.hpp"

namespace scopegate::gateway {

using tcp = net::ip::tcp;

struct http_server::state : std::enable_shared_from_this<http_server::state> {
  using strand_type = net::strand<net::io_context::executor_type>;
  // A live session: its strand (where its control may be touched) and its control.
  using session_entry = std::pair<strand_type, std::shared_ptr<detail::session_control>>;

  state(net::io_context& io, const config::listen_config& cfg, request_handler handler)
      : io(io), cfg(cfg), handler(std::move(handler)), acceptor(net::make_strand(io)) {}

  net::io_context& io;
  config::listen_config cfg;
  request_handler handler;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;  // guards sessions, per_address, on_drained and tls
  std::list<session_entry> sessions;
  std::unordered_map<std::string, int> per_address;  // open connections by socket address
  std::function<void()> on_drained;
  // The context new TLS connections get (null: plain HTTP). Replaced whole by reload_tls;
  // each session holds the one it started with.
  std::shared_ptr<net::ssl::context> tls;

  // Accept loop only: rate limit of its log lines.
  std::chrono::steady_clock::time_point last_logged{};
  int unlogged = 0;

  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(strand_type strand, tcp::socket socket, std::string address);
  void session_ended(std::list<session_entry>::iterator it, const std::string& address);
  bool admit(const std::string& address);
  // At most one line a second; the lines in between are counted in the next one.
  void log_rarely(const std::string& what);
};

bool http_server::state::admit(const std::string& address) {
  std::lock_guard lock(mutex);
  int& open = per_address[address];
  if (open >= cfg.max_connections_per_address) return false;
  ++open;
  return true;
}

void http_server::state::log_rarely(const std::string& what) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_logged < std::chrono::seconds(1)) {
    ++unlogged;
    return;
  }
  if (unlogged > 0)
    spdlog::warn("{} ({} more like it in the last second)", what, unlogged);
  else
    spdlog::warn("{}", what);
  last_logged = now;
  unlogged = 0;
}

namespace {

// Out of file descriptors or memory: accepting again at once would fail again at once.
// (accept's errors are errno values; comparing them with error conditions would go through
// the category's virtual functions, which UBSan's vptr check misreads across libraries.)
bool out_of_resources(const boost::system::error_code& ec) {
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

}  // namespace

void http_server::state::session_ended(std::list<session_entry>::iterator it,
                                       const std::string& address) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex);
    sessions.erase(it);
    if (auto open = per_address.find(address); open != per_address.end() && --open->second <= 0)
      per_address.erase(open);
    if (stopping && sessions.empty()) drained = std::move(on_drained);
  }
  if (drained) drained();
}

net::awaitable<void> http_server::state::accept_loop() {
  auto self = shared_from_this();
  net::steady_timer pause(acceptor.get_executor());
  int backoff_ms = 0;
  for (;;) {
    strand_type strand = net::make_strand(io);
    auto [ec, socket] = co_await acceptor.async_accept(strand, detail::use_tuple);
    if (stopping) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      // strerror, not ec.message(): the latter is a virtual call UBSan's vptr check misreads.
      log_rarely(std::string("accept failed: ") + std::strerror(ec.value()));
      if (out_of_resources(ec)) {
        // The connection stays in the backlog; wait for descriptors to come free.
        backoff_ms = std::min(1'000, backoff_ms == 0 ? 10 : backoff_ms * 2);
        pause.expires_after(std::chrono::milliseconds(backoff_ms));
        auto [waited] = co_await pause.async_wait(detail::use_tuple);
        (void)waited;
      }
      continue;
    }
    backoff_ms = 0;
    boost::system::error_code peer_ec;
    std::string address = socket.remote_endpoint(peer_ec).address().to_string();
    if (peer_ec) continue;  // already gone
    if (!admit(address)) {
      log_rarely("connection refused: " + address + " holds listen.max_connections_per_address");
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    net::co_spawn(strand, serve(strand, std::move(socket), std::move(address)), net::detached);
  }
}

net::awaitable<void> http_server::state::serve(strand_type strand, tcp::socket socket,
                                               std::string address) {
  auto self = shared_from_this();
  auto control = std::make_shared<detail::session_control>();
  std::list<session_entry>::iterator me;
  {
    std::lock_guard lock(mutex);
    me = sessions.emplace(sessions.end(), strand, control);
    // Accepted while stop() ran: it did not see this session, so it stops itself.
    if (stopping) control->request_stop();
  }
  boost::system::error_code peer_ec;
  const net::ip::address peer = socket.remote_endpoint(peer_ec).address();
  std::shared_ptr<net::ssl::context> tls_context;
  {
    std::lock_guard lock(mutex);
    tls_context = tls;
  }
  if (tls_context) {
    boost::beast::ssl_stream<tcp::socket> stream(std::move(socket), *tls_context);
    detail::session<boost::beast::ssl_stream<tcp::socket>> session(stream, cfg, handler, *control);
    co_await session.run(peer);  // never throws
  } else {
    detail::session<tcp::socket> session(socket, cfg, handler, *control);
    co_await session.run(peer);  // never throws
  }
  session_ended(me, address);
}

http_server::http_server(net::io_context& io, const config::listen_config& cfg,
                         request_handler handler)
    : state_(std::make_shared<state>(io, cfg, std::move(handler))) {}

http_server::~http_server() = default;

void http_server::start() {
  if (state_->cfg.tls) {
    auto ctx = make_server_tls_context(*state_->cfg.tls);
    std::lock_guard lock(state_->mutex);
    state_->tls = std::move(ctx);
  }
  auto& acc = state_->acceptor;
  tcp::endpoint ep(net::ip::make_address(state_->cfg.address), state_->cfg.port);
  acc.open(ep.protocol());
  acc.set_option(net::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen(net::socket_base::max_listen_connections);
  net::co_spawn(acc.get_executor(), state_->accept_loop(), net::detached);
}

void http_server::reload_tls(const config::listen_tls_config& tls) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->tls) throw std::runtime_error("listen.tls: this server was started without TLS");
  }
  auto ctx = make_server_tls_context(tls);  // outside the lock: reads files
  std::lock_guard lock(state_->mutex);
  state_->tls = std::move(ctx);
}

void http_server::stop(std::function<void()> on_drained) {
  auto s = state_;
  bool drained_now = false;
  {
    std::lock_guard lock(s->mutex);
    if (s->stopping.exchange(true)) return;
    s->on_drained = std::move(on_drained);
    drained_now = s->sessions.empty();
    // On each session's strand: idle connections close now, busy ones after their response.
    for (auto& [strand, control] : s->sessions)
      net::post(strand, [control = control] { control->request_stop(); });
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
