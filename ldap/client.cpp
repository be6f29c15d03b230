#include "ldap/client.hpp"

#include <ldap.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/throw_exception.hpp>
#include <chrono>
#include <climits>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "ldap/session_options.hpp"

namespace scopegate::ldap {

// ---------------------------------------------------------------------------------------
// error, entry

bool error::unavailable() const {
  switch (code) {
    case LDAP_SERVER_DOWN:  // also "no connection" and "client stopped"
    case LDAP_CONNECT_ERROR:
    case LDAP_TIMEOUT:
    case LDAP_UNAVAILABLE:
    case LDAP_BUSY:
      return true;
    default:
      return false;
  }
}
bool error::timed_out() const {
  return code == LDAP_TIMEOUT;
}
bool error::no_such_object() const {
  return code == LDAP_NO_SUCH_OBJECT;
}
bool error::invalid_credentials() const {
  return code == LDAP_INVALID_CREDENTIALS;
}

void throw_exception_from_error(const error& e, const boost::source_location& loc) {
  boost::throw_exception(
      std::runtime_error("LDAP error " + std::to_string(e.code) + ": " + e.message), loc);
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

const std::vector<std::string>* entry::values(std::string_view name) const {
  for (const auto& a : attributes)
    if (iequals(a.name, name)) return &a.values;
  return nullptr;
}

std::string_view entry::first(std::string_view name) const {
  const auto* v = values(name);
  return v && !v->empty() ? std::string_view(v->front()) : std::string_view();
}

// ---------------------------------------------------------------------------------------
// libldap ownership

namespace {

struct ldap_unbinder {
  void operator()(LDAP* ld) const { ldap_unbind_ext(ld, nullptr, nullptr); }
};
struct message_deleter {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
struct ber_deleter {
  void operator()(BerElement* b) const { ber_free(b, 0); }
};
struct values_deleter {
  void operator()(berval** v) const { ldap_value_free_len(v); }
};
struct memfree_deleter {
  void operator()(char* p) const { ldap_memfree(p); }
};
struct memvfree_deleter {
  void operator()(char** p) const { ldap_memvfree(reinterpret_cast<void**>(p)); }
};
struct control_deleter {
  void operator()(LDAPControl* c) const { ldap_control_free(c); }
};
struct controls_deleter {
  void operator()(LDAPControl** c) const { ldap_controls_free(c); }
};

using ldap_handle = std::unique_ptr<LDAP, ldap_unbinder>;
using message_ptr = std::unique_ptr<LDAPMessage, message_deleter>;
using ber_ptr = std::unique_ptr<BerElement, ber_deleter>;
using values_ptr = std::unique_ptr<berval*, values_deleter>;
using ldap_string = std::unique_ptr<char, memfree_deleter>;
using ldap_strings = std::unique_ptr<char*, memvfree_deleter>;
using control_ptr = std::unique_ptr<LDAPControl, control_deleter>;
using controls_ptr = std::unique_ptr<LDAPControl*, controls_deleter>;

constexpr const char* k_no_connection = "no LDAP connection";

timeval to_timeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>(ms % 1000) * 1000;
  return tv;
}

berval as_berval(const std::string& s) {
  berval bv{};
  bv.bv_len = s.size();
  bv.bv_val = const_cast<char*>(s.data());
  return bv;
}

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

// ---------------------------------------------------------------------------------------
// Blocking connection setup; runs only on the connector thread.

// Waits for the result of `msgid` for at most `timeout_ms`; returns its result code.
int await_result_blocking(LDAP* ld, int msgid, int timeout_ms, std::string& err) {
  timeval tv = to_timeval(timeout_ms);
  LDAPMessage* raw = nullptr;
  int type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &raw);
  message_ptr msg(raw);
  if (type == 0) {
    err = "timed out";
    return LDAP_TIMEOUT;
  }
  if (type < 0) {
    int code = LDAP_SERVER_DOWN;
    ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &code);
    err = ldap_err2string(code);
    return code;
  }
  int code = LDAP_OTHER;
  int rc = ldap_parse_result(ld, msg.get(), &code, nullptr, nullptr, nullptr, nullptr, 0);
  if (rc != LDAP_SUCCESS) code = rc;
  if (code != LDAP_SUCCESS) err = ldap_err2string(code);
  return code;
}

ldap_handle open_one(const config::ldap_config& cfg, const std::string& uri, bool service_bind,
                     std::string& err) {
  LDAP* raw = nullptr;
  int rc = ldap_initialize(&raw, uri.c_str());
  ldap_handle ld(raw);
  if (rc != LDAP_SUCCESS || !ld) {
    err = uri + ": " + ldap_err2string(rc);
    return nullptr;
  }
  std::string what;
  if ((rc = detail::apply_session_options(ld.get(), cfg, uri, what)) != LDAP_SUCCESS) {
    err = uri + ": setting " + what + ": " + ldap_err2string(rc);
    return nullptr;
  }
  if ((rc = ldap_connect(ld.get())) != LDAP_SUCCESS) {
    err = uri + ": connect: " + ldap_err2string(rc);
    return nullptr;
  }
  if (cfg.start_tls && !uri.starts_with("ldaps://")) {
    // Bounded by LDAP_OPT_TIMEOUT and LDAP_OPT_NETWORK_TIMEOUT (see session_options).
    if ((rc = ldap_start_tls_s(ld.get(), nullptr, nullptr)) != LDAP_SUCCESS) {
      err = uri + ": StartTLS: " + ldap_err2string(rc);
      return nullptr;
    }
  }
  if (service_bind && !cfg.bind_dn.empty()) {
    berval cred = as_berval(cfg.bind_password);
    int msgid = -1;
    rc = ldap_sasl_bind(ld.get(), cfg.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr,
                        &msgid);
    std::string why;
    if (rc == LDAP_SUCCESS)
      rc = await_result_blocking(ld.get(), msgid, cfg.connect_timeout_ms, why);
    if (rc != LDAP_SUCCESS) {
      err = uri + ": service bind: " + (why.empty() ? ldap_err2string(rc) : why);
      return nullptr;
    }
  }
  return ld;
}

// Tries every URI in order; the first that connects (and binds) wins.
ldap_handle open_connection(const config::ldap_config& cfg, bool service_bind, std::string& err) {
  if (cfg.uris.empty()) err = "no LDAP URIs configured";
  for (const auto& uri : cfg.uris)
    if (auto ld = open_one(cfg, uri, service_bind, err)) return ld;
  return nullptr;
}

}  // namespace

LDAP* detail::open_service_connection(const config::ldap_config& cfg, std::string& err) {
  return open_connection(cfg, true, err).release();
}

namespace {

// ---------------------------------------------------------------------------------------
// Operations and connections

struct outcome {
  int code = LDAP_SUCCESS;
  std::string message;
  std::vector<entry> entries;
  std::string cookie;  // RFC 2696 paged-results cookie; empty on the last page
};

// One request on one connection. Every field is touched only on the connection's strand.
struct operation {
  explicit operation(net::any_io_executor strand) : timer(std::move(strand)) {}

  // Sends the request; returns an LDAP code and sets the message ID.
  std::function<int(LDAP*, int*)> send;
  std::size_t size_limit = 0;  // search: stop after this many entries (0: none)
  int msgid = -1;
  bool done = false;
  outcome result;
  net::steady_timer timer;
  // optional: Boost 1.81's any_completion_handler move-assignment recurses forever.
  std::optional<net::any_completion_handler<void(outcome)>> handler;
};

struct shared_state {
  explicit shared_state(config::ldap_config c) : cfg(std::move(c)) {}
  const config::ldap_config cfg;
  client_stats stats;
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> outstanding{0};
};

// A dedicated thread for the blocking parts of connection setup, so that the threads that
// serve requests never wait for a TCP connect, StartTLS or the service bind.
class connector {
 public:
  connector() : work_(net::make_work_guard(ctx_)) {}
  ~connector() { shutdown(); }
  connector(const connector&) = delete;
  connector& operator=(const connector&) = delete;

  void launch() {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable() && !shut_) thread_ = std::thread([this] { ctx_.run(); });
  }
  // Returns once the current setup attempt (bounded by the connect timeout) is over.
  void shutdown() {
    std::lock_guard lock(mutex_);
    shut_ = true;
    work_.reset();
    ctx_.stop();
    if (thread_.joinable()) thread_.join();
  }
  net::io_context::executor_type executor() { return ctx_.get_executor(); }

 private:
  net::io_context ctx_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::mutex mutex_;
  bool shut_ = false;
  std::thread thread_;
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  using strand_type = net::strand<net::any_io_executor>;

  connection(const net::any_io_executor& executor, std::shared_ptr<shared_state> state,
             std::weak_ptr<connector> setup, bool bind_only)
      : strand_(net::make_strand(executor)),
        state_(std::move(state)),
        connector_(std::move(setup)),
        bind_only_(bind_only),
        backoff_timer_(strand_),
        search_slot_(executor, 1) {}

  ~connection() { close_handle(); }

  const strand_type& strand() const { return strand_; }
  bool up() const { return up_.load(std::memory_order_acquire); }
  // From any thread once the client is stopping: ready() turns false at once, not only
  // when the strand gets to shutdown().
  void mark_down() { up_.store(false, std::memory_order_release); }
  std::atomic<int>& load() { return load_; }

  // One search at a time: slapd keeps a single paged-results state per connection, so a
  // second paged search on it would invalidate the first one's cookie. Holding a token in
  // this channel (capacity 1) is holding the connection's search slot; thread-safe.
  net::experimental::concurrent_channel<void(boost::system::error_code)>& search_slot() {
    return search_slot_;
  }

  // --- everything below runs on the strand ---

  void connect_after(int delay_ms) {
    if (state_->stopped) return;
    if (delay_ms <= 0) return launch_attempt();
    backoff_timer_.expires_after(std::chrono::milliseconds(delay_ms));
    backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->launch_attempt();
    });
  }

  void begin(std::shared_ptr<operation> op) {
    ++state_->outstanding;
    if (state_->stopped || !ld_) {
      op->result = {LDAP_SERVER_DOWN, k_no_connection, {}, {}};
      return finish(op);
    }
    op->timer.expires_after(std::chrono::milliseconds(state_->cfg.timeout_ms));
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

  void shutdown() {
    backoff_timer_.cancel();
    fail_all(LDAP_SERVER_DOWN, "LDAP client stopped");
  }

 private:
  void launch_attempt() {
    if (state_->stopped) return;
    auto setup = connector_.lock();
    if (!setup) return;
    net::post(setup->executor(), [weak = weak_from_this(), state = state_, strand = strand_,
                                  bind_only = bind_only_]() {
      std::string err;
      ldap_handle ld = open_connection(state->cfg, !bind_only, err);
      net::post(strand, [weak, ld = std::move(ld), err = std::move(err)]() mutable {
        if (auto self = weak.lock()) self->on_setup_done(std::move(ld), err);
      });
    });
  }

  void on_setup_done(ldap_handle ld, const std::string& /*err: kept for logging*/) {
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
        std::uint64_t generation = ++generation_;
        up_.store(true, std::memory_order_release);
        net::co_spawn(strand_, read_loop(shared_from_this(), generation), net::detached);
        return;
      }
      socket->release();  // the fd stays owned by `ld`
    }
    ++state_->stats.reconnects;
    int max_backoff = std::max(1, state_->cfg.reconnect_max_backoff_ms);
    backoff_ms_ = std::min(max_backoff, backoff_ms_ == 0 ? 50 : backoff_ms_ * 2);
    connect_after(backoff_ms_);
  }

  static net::awaitable<void> read_loop(std::shared_ptr<connection> self,
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
  bool drain() {
    while (ld_) {
      timeval zero{0, 0};
      LDAPMessage* raw = nullptr;
      int type = ldap_result(ld_.get(), LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &raw);
      message_ptr msg(raw);
      if (type == 0) return true;
      if (type < 0) return false;
      route(type, msg.get());
    }
    return true;
  }

  void route(int type, LDAPMessage* msg) {
    auto it = in_flight_.find(ldap_msgid(msg));
    if (it == in_flight_.end()) return;  // abandoned or unsolicited
    auto op = it->second;
    if (type == LDAP_RES_SEARCH_ENTRY) {
      op->result.entries.push_back(parse_entry(msg));
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

  entry parse_entry(LDAPMessage* msg) {
    LDAP* ld = ld_.get();
    entry e;
    if (ldap_string dn{ldap_get_dn(ld, msg)}) e.dn = dn.get();
    BerElement* ber_raw = nullptr;
    ldap_string name{ldap_first_attribute(ld, msg, &ber_raw)};
    ber_ptr ber(ber_raw);
    while (name) {
      attribute a{name.get(), {}};
      if (values_ptr values{ldap_get_values_len(ld, msg, name.get())})
        for (berval** v = values.get(); *v; ++v)
          a.values.emplace_back((*v)->bv_val, (*v)->bv_len);
      e.attributes.push_back(std::move(a));
      name.reset(ldap_next_attribute(ld, msg, ber.get()));
    }
    return e;
  }

  void parse_final(LDAPMessage* msg, outcome& out) {
    LDAP* ld = ld_.get();
    int code = LDAP_OTHER;
    char* matched_raw = nullptr;
    char* text_raw = nullptr;
    char** referrals_raw = nullptr;
    LDAPControl** controls_raw = nullptr;
    int rc = ldap_parse_result(ld, msg, &code, &matched_raw, &text_raw, &referrals_raw,
                               &controls_raw, 0);
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
    if (!controls) return;
    if (LDAPControl* page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls.get(), nullptr)) {
      ber_int_t estimate = 0;
      berval cookie{};
      if (ldap_parse_pageresponse_control(ld, page, &estimate, &cookie) == LDAP_SUCCESS &&
          cookie.bv_val) {
        out.cookie.assign(cookie.bv_val, cookie.bv_len);
        ber_memfree(cookie.bv_val);
      }
    }
  }

  void send(std::shared_ptr<operation> op) {
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
  void pump() {
    while (bind_only_ && ld_ && in_flight_.empty() && !queued_.empty()) {
      auto op = std::move(queued_.front());
      queued_.pop_front();
      send(std::move(op));
    }
  }

  void on_timeout(const std::shared_ptr<operation>& op) {
    if (op->done) return;
    ++state_->stats.timeouts;
    bool was_sent = false;
    if (auto q = std::find(queued_.begin(), queued_.end(), op); q != queued_.end()) {
      queued_.erase(q);
    } else if (op->msgid >= 0 && in_flight_.erase(op->msgid) > 0) {
      was_sent = true;
      if (ld_) ldap_abandon_ext(ld_.get(), op->msgid, nullptr, nullptr);
    }
    op->result = {LDAP_TIMEOUT, "LDAP operation timed out", {}, {}};
    finish(op);
    // A bind cannot be abandoned (RFC 4511 4.11): start over on a fresh connection.
    if (bind_only_ && was_sent)
      on_broken("LDAP bind timed out");
    else
      pump();
  }

  void on_broken(const char* reason) {
    fail_all(LDAP_SERVER_DOWN, reason);
    if (state_->stopped) return;
    ++state_->stats.reconnects;
    connect_after(0);
  }

  void fail_all(int code, const char* reason) {
    up_.store(false, std::memory_order_release);
    ++generation_;
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

  void close_handle() {
    if (socket_) {
      socket_->release();  // libldap owns the fd and closes it on unbind
      socket_.reset();
    }
    ld_.reset();
  }

  void finish(const std::shared_ptr<operation>& op) {
    if (op->done) return;
    op->done = true;
    op->timer.cancel();
    --state_->outstanding;
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

  strand_type strand_;
  std::shared_ptr<shared_state> state_;
  std::weak_ptr<connector> connector_;
  const bool bind_only_;
  net::steady_timer backoff_timer_;
  net::experimental::concurrent_channel<void(boost::system::error_code)> search_slot_;

  // Strand only.
  ldap_handle ld_;
  std::unique_ptr<net::posix::stream_descriptor> socket_;
  std::unordered_map<int, std::shared_ptr<operation>> in_flight_;
  std::deque<std::shared_ptr<operation>> queued_;
  std::uint64_t generation_ = 0;
  int backoff_ms_ = 0;

  // Any thread.
  std::atomic<bool> up_{false};
  std::atomic<int> load_{0};
};

// Holds a connection's load counter up for the duration of a caller's operation.
// Gives a connection's search slot back on every path out of a search.
class slot_guard {
 public:
  using channel = net::experimental::concurrent_channel<void(boost::system::error_code)>;
  explicit slot_guard(channel& slot) : slot_(slot) {}
  ~slot_guard() {
    slot_.try_receive([](boost::system::error_code) {});
  }
  slot_guard(const slot_guard&) = delete;
  slot_guard& operator=(const slot_guard&) = delete;

 private:
  channel& slot_;
};

class load_guard {
 public:
  explicit load_guard(std::atomic<int>& load) : load_(load) { ++load_; }
  ~load_guard() { --load_; }
  load_guard(const load_guard&) = delete;
  load_guard& operator=(const load_guard&) = delete;

 private:
  std::atomic<int>& load_;
};

// Starts `op` on `conn` and resumes the caller (on its own executor) with the outcome.
net::awaitable<outcome> run(std::shared_ptr<connection> conn, std::shared_ptr<operation> op) {
  return net::async_initiate<const net::use_awaitable_t<>&, void(outcome)>(
      [conn, op](auto handler) mutable {
        op->handler.emplace(std::move(handler));
        net::post(conn->strand(), [conn, op]() mutable { conn->begin(std::move(op)); });
      },
      net::use_awaitable);
}

int to_ldap_scope(search_scope s) {
  switch (s) {
    case search_scope::base:
      return LDAP_SCOPE_BASE;
    case search_scope::one_level:
      return LDAP_SCOPE_ONELEVEL;
    case search_scope::subtree:
      break;
  }
  return LDAP_SCOPE_SUBTREE;
}

int to_mod_op(modification::kind k) {
  switch (k) {
    case modification::kind::add:
      return LDAP_MOD_ADD;
    case modification::kind::remove:
      return LDAP_MOD_DELETE;
    case modification::kind::replace:
      break;
  }
  return LDAP_MOD_REPLACE;
}

// LDAPMod arrays pointing into caller-owned strings; valid while the inputs live.
class mod_array {
 public:
  mod_array(const std::vector<std::pair<int, const std::string*>>& heads,
            const std::vector<const std::vector<std::string>*>& values) {
    vals_.resize(heads.size());
    ptrs_.resize(heads.size());
    mods_.resize(heads.size());
    for (std::size_t i = 0; i < heads.size(); ++i) {
      for (const auto& v : *values[i])
        vals_[i].push_back(as_berval(v));
      for (auto& b : vals_[i])
        ptrs_[i].push_back(&b);
      ptrs_[i].push_back(nullptr);
      mods_[i].mod_op = heads[i].first | LDAP_MOD_BVALUES;
      mods_[i].mod_type = const_cast<char*>(heads[i].second->c_str());
      mods_[i].mod_bvalues = vals_[i].empty() ? nullptr : ptrs_[i].data();
      list_.push_back(&mods_[i]);
    }
    list_.push_back(nullptr);
  }
  LDAPMod** get() { return list_.data(); }

 private:
  std::vector<std::vector<berval>> vals_;
  std::vector<std::vector<berval*>> ptrs_;
  std::vector<LDAPMod> mods_;
  std::vector<LDAPMod*> list_;
};

error param_error(const char* what) {
  return error{LDAP_PARAM_ERROR, what};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// client

struct client::impl {
  impl(const net::any_io_executor& executor, config::ldap_config cfg)
      : state(std::make_shared<shared_state>(std::move(cfg))),
        setup(std::make_shared<connector>()) {
    for (int i = 0; i < state->cfg.pool_size; ++i)
      search_pool.push_back(std::make_shared<connection>(executor, state, setup, false));
    for (int i = 0; i < state->cfg.bind_pool_size; ++i)
      bind_pool.push_back(std::make_shared<connection>(executor, state, setup, true));
  }

  // The connected connection with the fewest operations in progress, or null.
  static std::shared_ptr<connection> pick(const std::vector<std::shared_ptr<connection>>& pool) {
    std::shared_ptr<connection> best;
    int best_load = INT_MAX;
    for (const auto& c : pool) {
      int load = c->load().load(std::memory_order_relaxed);
      if (c->up() && load < best_load) {
        best = c;
        best_load = load;
      }
    }
    return best;
  }

  net::awaitable<result<void>> write(std::function<int(LDAP*, int*)> send) {
    ++state->stats.modifies;
    auto conn = pick(search_pool);
    if (!conn) {
      ++state->stats.errors;
      co_return error{LDAP_SERVER_DOWN, k_no_connection};
    }
    load_guard guard(conn->load());
    auto op = std::make_shared<operation>(conn->strand());
    op->send = std::move(send);
    outcome out = co_await run(conn, op);
    if (out.code != LDAP_SUCCESS) {
      ++state->stats.errors;
      co_return error{out.code, std::move(out.message)};
    }
    co_return result<void>{};
  }

  std::shared_ptr<shared_state> state;
  std::shared_ptr<connector> setup;
  std::vector<std::shared_ptr<connection>> search_pool;
  std::vector<std::shared_ptr<connection>> bind_pool;
  std::atomic<bool> started{false};
};

client::client(net::any_io_executor executor, config::ldap_config cfg)
    : impl_(std::make_shared<impl>(executor, std::move(cfg))) {}

client::~client() {
  stop();
}

void client::start() {
  if (impl_->state->stopped || impl_->started.exchange(true)) return;
  impl_->setup->launch();
  for (auto* pool : {&impl_->search_pool, &impl_->bind_pool})
    for (const auto& c : *pool)
      net::post(c->strand(), [c] { c->connect_after(0); });
}

void client::stop() {
  if (impl_->state->stopped.exchange(true)) return;
  impl_->setup->shutdown();
  for (auto* pool : {&impl_->search_pool, &impl_->bind_pool})
    for (const auto& c : *pool) {
      c->mark_down();
      net::post(c->strand(), [c] { c->shutdown(); });
    }
}

bool client::ready() const {
  // Ready means able to serve an agent: a search connection and, to verify passwords, a
  // bind connection (they reconnect independently after an outage).
  auto any_up = [](const auto& pool) {
    return std::any_of(pool.begin(), pool.end(), [](const auto& c) { return c->up(); });
  };
  return any_up(impl_->search_pool) && (impl_->bind_pool.empty() || any_up(impl_->bind_pool));
}

const client_stats& client::stats() const {
  return impl_->state->stats;
}

std::size_t client::outstanding() const {
  return impl_->state->outstanding.load();
}

net::awaitable<result<std::vector<entry>>> client::search(search_request request) {
  auto self = impl_;
  auto& stats = self->state->stats;
  ++stats.searches;
  if (has_nul(request.base_dn) || has_nul(request.filter) ||
      std::any_of(request.attributes.begin(), request.attributes.end(),
                  [](const std::string& a) { return has_nul(a); })) {
    ++stats.errors;
    co_return param_error("NUL byte in search request");
  }
  auto conn = impl::pick(self->search_pool);
  if (!conn) {
    ++stats.errors;
    co_return error{LDAP_SERVER_DOWN, k_no_connection};
  }
  // Paged-results cookies belong to one connection: every page goes to `conn`, and no other
  // search runs on it meanwhile (see connection::search_slot).
  load_guard guard(conn->load());
  const boost::system::error_code token;
  co_await conn->search_slot().async_send(token, net::as_tuple(net::use_awaitable));
  slot_guard slot(conn->search_slot());
  auto req = std::make_shared<const search_request>(std::move(request));
  const int page_size = self->state->cfg.page_size;
  const std::size_t limit = req->size_limit > 0 ? static_cast<std::size_t>(req->size_limit) : 0;
  std::vector<entry> entries;
  std::string cookie;
  do {
    auto op = std::make_shared<operation>(conn->strand());
    if (limit > 0) op->size_limit = limit - entries.size();
    op->send = [req, cookie, page_size](LDAP* ld, int* msgid) -> int {
      control_ptr page;
      if (page_size > 0) {
        berval cookie_bv = as_berval(cookie);
        LDAPControl* raw = nullptr;
        int rc =
            ldap_create_page_control(ld, page_size, cookie.empty() ? nullptr : &cookie_bv, 0, &raw);
        page.reset(raw);
        if (rc != LDAP_SUCCESS) return rc;
      }
      LDAPControl* server_controls[] = {page.get(), nullptr};
      std::vector<char*> attrs;
      for (const auto& a : req->attributes)
        attrs.push_back(const_cast<char*>(a.c_str()));
      attrs.push_back(nullptr);
      return ldap_search_ext(ld, req->base_dn.c_str(), to_ldap_scope(req->scope),
                             req->filter.c_str(), req->attributes.empty() ? nullptr : attrs.data(),
                             0, page ? server_controls : nullptr, nullptr, nullptr, 0, msgid);
    };
    outcome out = co_await run(conn, op);
    if (out.code != LDAP_SUCCESS) {
      ++stats.errors;
      co_return error{out.code, std::move(out.message)};
    }
    std::move(out.entries.begin(), out.entries.end(), std::back_inserter(entries));
    cookie = std::move(out.cookie);
    if (limit > 0 && entries.size() >= limit) {
      entries.resize(limit);
      break;
    }
  } while (!cookie.empty());
  co_return entries;
}

net::awaitable<result<void>> client::modify(std::string dn, std::vector<modification> changes) {
  if (has_nul(dn)) co_return param_error("NUL byte in DN");
  auto self = impl_;
  auto data = std::make_shared<const std::pair<std::string, std::vector<modification>>>(
      std::move(dn), std::move(changes));
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::function<int(LDAP*, int*)> send = [data](LDAP* ld, int* msgid) {
    std::vector<std::pair<int, const std::string*>> heads;
    std::vector<const std::vector<std::string>*> values;
    for (const auto& m : data->second) {
      heads.emplace_back(to_mod_op(m.op), &m.attribute);
      values.push_back(&m.values);
    }
    mod_array mods(heads, values);
    return ldap_modify_ext(ld, data->first.c_str(), mods.get(), nullptr, nullptr, msgid);
  };
  co_return co_await self->write(std::move(send));
}

net::awaitable<result<void>> client::add(std::string dn, std::vector<attribute> attributes) {
  if (has_nul(dn)) co_return param_error("NUL byte in DN");
  auto self = impl_;
  auto data = std::make_shared<const std::pair<std::string, std::vector<attribute>>>(
      std::move(dn), std::move(attributes));
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::function<int(LDAP*, int*)> send = [data](LDAP* ld, int* msgid) {
    std::vector<std::pair<int, const std::string*>> heads;
    std::vector<const std::vector<std::string>*> values;
    for (const auto& a : data->second) {
      heads.emplace_back(LDAP_MOD_ADD, &a.name);
      values.push_back(&a.values);
    }
    mod_array mods(heads, values);
    return ldap_add_ext(ld, data->first.c_str(), mods.get(), nullptr, nullptr, msgid);
  };
  co_return co_await self->write(std::move(send));
}

net::awaitable<result<void>> client::remove(std::string dn) {
  if (has_nul(dn)) co_return param_error("NUL byte in DN");
  auto self = impl_;
  auto target = std::make_shared<const std::string>(std::move(dn));
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::function<int(LDAP*, int*)> send = [target](LDAP* ld, int* msgid) {
    return ldap_delete_ext(ld, target->c_str(), nullptr, nullptr, msgid);
  };
  co_return co_await self->write(std::move(send));
}

net::awaitable<result<bool>> client::check_password(std::string dn, std::string password) {
  // An empty password would be an unauthenticated bind (RFC 4513 5.1.2), which succeeds.
  if (dn.empty() || password.empty() || has_nul(dn) || has_nul(password))
    co_return result<bool>(boost::system::in_place_value, false);
  auto self = impl_;
  auto& stats = self->state->stats;
  ++stats.binds;
  auto conn = impl::pick(self->bind_pool);
  if (!conn) {
    ++stats.errors;
    co_return error{LDAP_SERVER_DOWN, k_no_connection};
  }
  load_guard guard(conn->load());
  auto creds = std::make_shared<const std::pair<std::string, std::string>>(std::move(dn),
                                                                           std::move(password));
  auto op = std::make_shared<operation>(conn->strand());
  op->send = [creds](LDAP* ld, int* msgid) {
    berval cred = as_berval(creds->second);
    return ldap_sasl_bind(ld, creds->first.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr,
                          msgid);
  };
  outcome out = co_await run(conn, op);
  if (out.code == LDAP_SUCCESS) co_return result<bool>(boost::system::in_place_value, true);
  if (out.code == LDAP_INVALID_CREDENTIALS)
    co_return result<bool>(boost::system::in_place_value, false);
  ++stats.errors;
  co_return error{out.code, std::move(out.message)};
}

}  // namespace scopegate::ldap
