#include "ldap/detail/connection.hpp"

#include <algorithm>
#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "ldap/detail/entry_reader.hpp"
#include "ldap/detail/paging.hpp"
#include "ldap/detail/result_codes.hpp"
#include "ldap/session_options.hpp"

namespace scopegate::ldap::detail {

connection::connection(const net::any_io_executor& executor, std::shared_ptr<shared_state> state,
                       std::weak_ptr<connector> setup, bool bind_only)
    : strand_(net::make_strand(executor)),
      state_(std::move(state)),
      connector_(std::move(setup)),
      bind_only_(bind_only),
      backoff_timer_(strand_),
      probe_timer_(strand_) {}

connection::~connection() {
  close_handle();
}

void connection::connect_after(int delay_ms) {
  if (state_->stopped) return;
  if (delay_ms <= 0) return launch_attempt();
  backoff_timer_.expires_after(std::chrono::milliseconds(delay_ms));
  backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->launch_attempt();
  });
}

void connection::begin(std::shared_ptr<operation> op) {
  if (!op->probe) ++state_->outstanding;
  if (state_->stopped || !ld_) {
    op->result = {LDAP_SERVER_DOWN, k_no_connection, {}, {}};
    return finish(op);
  }
  if (op->deadline == std::chrono::steady_clock::time_point::max())
    op->deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(state_->cfg.timeout_ms);
  op->timer.expires_at(op->deadline);
  op->timer.async_wait([self = shared_from_this(), op](boost::system::error_code ec) {
    if (!ec) self->on_timeout(op);
  });
  // RFC 4511 4.2.1: nothing may be sent on a connection while a bind is outstanding.
  if (bind_only_ && !in_flight_.empty()) {
    queued_.push_back(std::move(op));
    return;
  }
  send(std::move(op));
}

void connection::shutdown() {
  backoff_timer_.cancel();
  probe_timer_.cancel();
  auto waiters = std::move(slot_waiters_);
  slot_waiters_.clear();
  for (auto& w : waiters) {
    w->timer.cancel();
    if (!w->done) grant(w, false);
  }
  fail_all(LDAP_SERVER_DOWN, "LDAP client stopped");
}

// Which configured URI `ld` was opened with (each attempt initializes with one URI).
int connection::server_index(LDAP* ld, const config::ldap_config& cfg) {
  char* raw = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_URI, &raw) != LDAP_OPT_SUCCESS || !raw) return -1;
  ldap_string uri(raw);
  for (std::size_t i = 0; i < cfg.uris.size(); ++i)
    if (cfg.uris[i] == uri.get()) return static_cast<int>(i);
  return -1;
}

void connection::launch_attempt() {
  if (state_->stopped) return;
  auto setup = connector_.lock();
  if (!setup) return;
  net::post(setup->executor(),
            [weak = weak_from_this(), state = state_, strand = strand_, bind_only = bind_only_]() {
              std::string err;  // ldap/ does not log; the backoff retry follows either way
              int code = 0;
              ldap_handle ld = open_connection(state->cfg, !bind_only, err, &code);
              if (!ld && state->on_connect_failure && !state->stopped)
                state->on_connect_failure(to_error(code, err));
              net::post(strand, [weak, ld = std::move(ld)]() mutable {
                if (auto self = weak.lock()) self->on_setup_done(std::move(ld));
              });
            });
}

void connection::on_setup_done(ldap_handle ld) {
  if (state_->stopped) return;  // `ld` unbinds
  int fd = -1;
  if (ld && ldap_get_option(ld.get(), LDAP_OPT_DESC, &fd) == LDAP_OPT_SUCCESS && fd >= 0) {
    boost::system::error_code ec;
    auto socket = std::make_unique<net::posix::stream_descriptor>(strand_);
    socket->assign(fd, ec);
    if (!ec) {
      socket_ = std::move(socket);
      ld_ = std::move(ld);
      backoff_ms_ = 0;
      last_heard_ = std::chrono::steady_clock::now();
      set_tcp_keepalive(fd, state_->cfg);
      server_.store(server_index(ld_.get(), state_->cfg), std::memory_order_release);
      std::uint64_t generation = ++generation_;
      up_.store(true, std::memory_order_release);
      // A loop that dies of an exception must not leave the connection looking up.
      auto on_exit = [weak = weak_from_this(), generation](std::exception_ptr e) {
        auto self = weak.lock();
        if (e && self && self->generation_ == generation) self->on_broken("LDAP reader failed");
      };
      net::co_spawn(strand_, read_loop(shared_from_this(), generation), on_exit);
      net::co_spawn(strand_, probe_loop(shared_from_this(), generation), on_exit);
      return;
    }
    socket->release();  // the fd stays owned by `ld`
  }
  ++state_->stats.reconnects;
  backoff_ms_ = next_backoff_ms(backoff_ms_, state_->cfg.reconnect_max_backoff_ms);
  connect_after(backoff_ms_);
}

net::awaitable<void> connection::read_loop(std::shared_ptr<connection> self,
                                           std::uint64_t generation) {
  while (generation == self->generation_ && self->socket_) {
    auto [ec] = co_await self->socket_->async_wait(net::posix::stream_descriptor::wait_read,
                                                   net::as_tuple(net::use_awaitable));
    if (ec || generation != self->generation_) co_return;
    if (!self->drain()) self->on_broken("LDAP connection lost");
  }
}

// Reads every message libldap can produce without blocking (TLS may hold buffered data
// the socket no longer signals). False when the connection broke.
bool connection::drain() {
  while (ld_) {
    timeval zero{0, 0};
    LDAPMessage* raw = nullptr;
    int type = ldap_result(ld_.get(), LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &raw);
    message_ptr msg(raw);
    if (type == 0) return true;
    if (type < 0) return false;
    last_heard_ = std::chrono::steady_clock::now();
    route(type, msg.get());
  }
  return true;
}

void connection::route(int type, LDAPMessage* msg) {
  auto it = in_flight_.find(ldap_msgid(msg));
  if (it == in_flight_.end()) return;  // abandoned or unsolicited
  auto op = it->second;
  if (type == LDAP_RES_SEARCH_ENTRY) {
    op->result.entries.push_back(read_entry(ld_.get(), msg));
    if (op->size_limit > 0 && op->result.entries.size() >= op->size_limit) {
      ldap_abandon_ext(ld_.get(), op->msgid, nullptr, nullptr);
      in_flight_.erase(it);
      op->result.cookie.clear();
      finish(op);
    }
    return;
  }
  if (type == LDAP_RES_SEARCH_REFERENCE || type == LDAP_RES_INTERMEDIATE) return;
  in_flight_.erase(it);
  parse_final(msg, op->result);
  finish(op);
  pump();
}

void connection::parse_final(LDAPMessage* msg, outcome& out) {
  LDAP* ld = ld_.get();
  int code = LDAP_OTHER;
  char* matched_raw = nullptr;
  char* text_raw = nullptr;
  char** referrals_raw = nullptr;
  LDAPControl** controls_raw = nullptr;
  int rc =
      ldap_parse_result(ld, msg, &code, &matched_raw, &text_raw, &referrals_raw, &controls_raw, 0);
  ldap_string matched(matched_raw), text(text_raw);
  ldap_strings referrals(referrals_raw);
  controls_ptr controls(controls_raw);
  if (rc != LDAP_SUCCESS) {
    out.code = rc;
    out.message = ldap_err2string(rc);
    return;
  }
  out.code = code;
  if (code != LDAP_SUCCESS) out.message = text && *text ? text.get() : ldap_err2string(code);
  out.cookie = read_page_cookie(ld, controls.get());
}

void connection::send(std::shared_ptr<operation> op) {
  int msgid = -1;
  int rc = op->send(ld_.get(), &msgid);
  if (rc != LDAP_SUCCESS) {
    op->result = {rc, ldap_err2string(rc), {}, {}};
    finish(op);
    if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR) on_broken("LDAP send failed");
    return;
  }
  op->msgid = msgid;
  in_flight_.emplace(msgid, std::move(op));
}

// Bind connections carry one request at a time.
void connection::pump() {
  while (bind_only_ && ld_ && in_flight_.empty() && !queued_.empty()) {
    auto op = std::move(queued_.front());
    queued_.pop_front();
    send(std::move(op));
  }
}

void connection::on_timeout(const std::shared_ptr<operation>& op) {
  if (op->done) return;
  if (!op->probe) ++state_->stats.timeouts;
  bool was_sent = false;
  if (auto q = std::find(queued_.begin(), queued_.end(), op); q != queued_.end()) {
    queued_.erase(q);
  } else if (op->msgid >= 0 && in_flight_.erase(op->msgid) > 0) {
    was_sent = true;
    if (ld_) ldap_abandon_ext(ld_.get(), op->msgid, nullptr, nullptr);
  }
  op->result = {LDAP_TIMEOUT, "LDAP operation timed out", {}, {}};
  finish(op);
  // A bind cannot be abandoned (RFC 4511 4.11): start over on a fresh connection. A server
  // that has not said a word for a whole timeout while a request waited is what a silently
  // dropped link looks like (a busy server still answers others): retire the connection
  // rather than keep sending it a share of the requests.
  const auto silent = std::chrono::steady_clock::now() - last_heard_;
  if (was_sent && (bind_only_ || silent >= std::chrono::milliseconds(state_->cfg.timeout_ms)))
    on_broken(op->probe ? "LDAP connection silent: probe unanswered" : "LDAP request unanswered");
  else
    pump();
}

net::awaitable<void> connection::probe_loop(std::shared_ptr<connection> self,
                                            std::uint64_t generation) {
  const auto interval = std::chrono::seconds(self->state_->cfg.probe_interval_seconds);
  while (generation == self->generation_ && !self->state_->stopped) {
    self->probe_timer_.expires_after(interval);
    auto [ec] = co_await self->probe_timer_.async_wait(net::as_tuple(net::use_awaitable));
    if (ec || generation != self->generation_ || self->state_->stopped) co_return;
    // Requests in flight carry their own deadlines; only a silent idle link needs a probe.
    if (self->in_flight_.empty() && self->queued_.empty() &&
        std::chrono::steady_clock::now() - self->last_heard_ >= interval)
      self->send_probe();
  }
}

// A base search of the root DSE for no attributes: the cheapest request every server
// answers (an error result is an answer too).
void connection::send_probe() {
  auto op = std::make_shared<operation>(strand_);
  op->probe = true;
  op->send = [](LDAP* ld, int* msgid) {
    char no_attributes[] = LDAP_NO_ATTRS;
    char* attrs[] = {no_attributes, nullptr};
    return ldap_search_ext(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, nullptr, nullptr,
                           nullptr, 1, msgid);
  };
  begin(std::move(op));
}

void connection::on_broken(const char* reason) {
  fail_all(LDAP_SERVER_DOWN, reason);
  if (state_->stopped) return;
  ++state_->stats.reconnects;
  connect_after(0);
}

void connection::fail_all(int code, const char* reason) {
  up_.store(false, std::memory_order_release);
  server_.store(-1, std::memory_order_release);
  ++generation_;
  probe_timer_.cancel();
  close_handle();
  auto in_flight = std::move(in_flight_);
  auto queued = std::move(queued_);
  in_flight_.clear();
  queued_.clear();
  for (auto& [id, op] : in_flight) {
    op->result = {code, reason, {}, {}};
    finish(op);
  }
  for (auto& op : queued) {
    op->result = {code, reason, {}, {}};
    finish(op);
  }
}

void connection::close_handle() {
  if (socket_) {
    socket_->release();  // libldap owns the fd and closes it on unbind
    socket_.reset();
  }
  ld_.reset();
}

void connection::finish(const std::shared_ptr<operation>& op) {
  if (op->done) return;
  op->done = true;
  op->timer.cancel();
  if (!op->probe) --state_->outstanding;
  if (!op->handler) return;
  auto handler = std::move(*op->handler);
  op->handler.reset();
  // Leave the strand first, then resume the caller on its own executor. (A plain post
  // would need blocking.never from any_completion_executor, which it does not offer.)
  net::post(strand_.get_inner_executor(),
            [handler = std::move(handler), result = std::move(op->result)]() mutable {
              net::dispatch(net::append(std::move(handler), std::move(result)));
            });
}

void connection::wait_for_slot(std::shared_ptr<slot_waiter> w) {
  if (!slot_taken_) {
    slot_taken_ = true;
    return grant(w, true);
  }
  w->timer.expires_at(w->deadline);
  w->timer.async_wait([self = shared_from_this(), w](boost::system::error_code ec) {
    if (ec || w->done) return;
    auto& q = self->slot_waiters_;
    q.erase(std::remove(q.begin(), q.end(), w), q.end());
    self->grant(w, false);
  });
  slot_waiters_.push_back(std::move(w));
}

void connection::release_slot() {
  while (!slot_waiters_.empty()) {
    auto next = std::move(slot_waiters_.front());
    slot_waiters_.pop_front();
    if (next->done) continue;
    next->timer.cancel();
    return grant(next, true);  // the slot passes on without being freed
  }
  slot_taken_ = false;
}

void connection::grant(const std::shared_ptr<slot_waiter>& w, bool granted) {
  w->done = true;
  if (!w->handler) return;
  auto handler = std::move(*w->handler);
  w->handler.reset();
  net::post(strand_.get_inner_executor(), [handler = std::move(handler), granted]() mutable {
    net::dispatch(net::append(std::move(handler), granted));
  });
}

net::awaitable<bool> acquire_search_slot(std::shared_ptr<connection> conn,
                                         std::chrono::steady_clock::time_point deadline) {
  return net::async_initiate<const net::use_awaitable_t<>&, void(bool)>(
      [conn, deadline](auto handler) mutable {
        auto w = std::make_shared<slot_waiter>(conn->strand());
        w->deadline = deadline;
        w->handler.emplace(std::move(handler));
        net::post(conn->strand(), [conn, w]() mutable { conn->wait_for_slot(std::move(w)); });
      },
      net::use_awaitable);
}

search_slot_guard::~search_slot_guard() {
  net::post(conn_->strand(), [conn = conn_] { conn->release_slot(); });
}

net::awaitable<outcome> run(std::shared_ptr<connection> conn, std::shared_ptr<operation> op) {
  return net::async_initiate<const net::use_awaitable_t<>&, void(outcome)>(
      [conn, op](auto handler) mutable {
        op->handler.emplace(std::move(handler));
        net::post(conn->strand(), [conn, op]() mutable { conn->begin(std::move(op)); });
      },
      net::use_awaitable);
}

}  // namespace scopegate::ldap::detail
