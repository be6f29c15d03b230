// Internal to ldap/: one libldap connection driven without blocking. Requests are sent with
// the asynchronous libldap calls (each gets a message ID); the socket is awaited with Asio;
// every readable event drains ldap_result(LDAP_RES_ANY) with a zero timeout and routes each
// message to the waiting operation by message ID. Each operation has a deadline (abandoned
// when it passes); a broken connection fails every waiter and reconnects with backoff on
// the connector thread. A deadline that passes on a sent request retires the connection
// (a silently dropped link answers nothing, ever), and a connection that has been silent
// for `probe_interval_seconds` sends a cheap probe under the same deadline.
//
//   auto conn = std::make_shared<detail::connection>(executor, state, setup, false);
//   net::post(conn->strand(), [conn] { conn->connect_after(0); });
//   auto op = std::make_shared<detail::operation>(conn->strand());
//   op->send = [](LDAP* ld, int* msgid) { return ldap_delete_ext(ld, dn, nullptr, nullptr, msgid);
//   }; detail::outcome out = co_await detail::run(conn, op);
#pragma once

#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ldap/client.hpp"
#include "ldap/detail/connector.hpp"
#include "ldap/detail/handles.hpp"

namespace scopegate::ldap::detail {

inline constexpr const char* k_no_connection = "no LDAP connection";

// What one operation ended with. `code` is libldap's (LDAP_SUCCESS or an error); it becomes
// an ldap::error at the client's boundary (detail::to_error).
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
  // When the operation fails with LDAP_TIMEOUT; max(): `timeout_ms` after it is sent. A
  // search passes one deadline to all of its pages.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // The connection's own liveness probe: not counted as outstanding, nobody awaits it.
  bool probe = false;
  int msgid = -1;
  bool done = false;
  outcome result;
  net::steady_timer timer;
  // optional: Boost 1.81's any_completion_handler move-assignment recurses forever.
  std::optional<net::any_completion_handler<void(outcome)>> handler;
};

// A search waiting for its connection's search slot until `deadline`. Strand only.
struct slot_waiter {
  explicit slot_waiter(net::any_io_executor strand) : timer(std::move(strand)) {}
  net::steady_timer timer;
  std::chrono::steady_clock::time_point deadline;
  bool done = false;
  std::optional<net::any_completion_handler<void(bool)>> handler;
};

// What every connection of one client shares.
struct shared_state {
  explicit shared_state(config::ldap_config c) : cfg(std::move(c)) {}
  const config::ldap_config cfg;
  client_stats stats;
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> outstanding{0};
  // Index into cfg.uris of the server every write goes to (-1: none chosen yet). DESIGN §7:
  // one write provider at a time, kept until a write to it fails for want of a connection.
  std::atomic<int> write_provider{-1};
  // Told of every failed connection attempt (on the setup thread); set before start().
  std::function<void(const error&)> on_connect_failure;
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  using strand_type = net::strand<net::any_io_executor>;

  // `bind_only`: used only for password checks (one request at a time, no service bind).
  connection(const net::any_io_executor& executor, std::shared_ptr<shared_state> state,
             std::weak_ptr<connector> setup, bool bind_only);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  [[nodiscard]] const strand_type& strand() const { return strand_; }
  [[nodiscard]] bool up() const { return up_.load(std::memory_order_acquire); }
  // From any thread once the client is stopping: ready() turns false at once, not only
  // when the strand gets to shutdown().
  void mark_down() { up_.store(false, std::memory_order_release); }
  // Operations callers are running on this connection (for picking the least loaded).
  [[nodiscard]] std::atomic<int>& load() { return load_; }
  // Index into cfg.uris of the server this connection is connected to (-1: none).
  [[nodiscard]] int server() const { return server_.load(std::memory_order_acquire); }

  // --- everything below runs on the strand ---

  // Starts a connection attempt after `delay_ms` (0: now) unless the client stopped.
  void connect_after(int delay_ms);
  // Sends `op` (or queues it behind an outstanding bind) and arms its deadline; completes
  // it at once with LDAP_SERVER_DOWN when there is no connection.
  void begin(std::shared_ptr<operation> op);
  // Fails every operation and closes the connection for good.
  void shutdown();

  // One paged search at a time: slapd keeps a single paged-results state per connection, so
  // a second paged search on it would invalidate the first one's cookie. Completes `w` with
  // true once the slot is the caller's, or false when its timer's deadline passes first.
  void wait_for_slot(std::shared_ptr<slot_waiter> w);
  // Hands the slot to the next waiter (or frees it).
  void release_slot();

 private:
  void launch_attempt();
  static int server_index(LDAP* ld, const config::ldap_config& cfg);
  void on_setup_done(ldap_handle ld);
  static net::awaitable<void> read_loop(std::shared_ptr<connection> self, std::uint64_t generation);
  bool drain();
  void route(int type, LDAPMessage* msg);
  void parse_final(LDAPMessage* msg, outcome& out);
  void send(std::shared_ptr<operation> op);
  void pump();
  void on_timeout(const std::shared_ptr<operation>& op);
  static net::awaitable<void> probe_loop(std::shared_ptr<connection> self,
                                         std::uint64_t generation);
  void send_probe();
  void on_broken(const char* reason);
  void fail_all(int code, const char* reason);
  void close_handle();
  void finish(const std::shared_ptr<operation>& op);
  void grant(const std::shared_ptr<slot_waiter>& w, bool granted);

  strand_type strand_;
  std::shared_ptr<shared_state> state_;
  std::weak_ptr<connector> connector_;
  const bool bind_only_;
  net::steady_timer backoff_timer_;
  net::steady_timer probe_timer_;

  // Strand only.
  ldap_handle ld_;
  std::unique_ptr<net::posix::stream_descriptor> socket_;
  std::unordered_map<int, std::shared_ptr<operation>> in_flight_;
  std::deque<std::shared_ptr<operation>> queued_;
  bool slot_taken_ = false;
  std::deque<std::shared_ptr<slot_waiter>> slot_waiters_;
  std::uint64_t generation_ = 0;
  int backoff_ms_ = 0;
  // Last time the server sent anything on this connection (or it was set up).
  std::chrono::steady_clock::time_point last_heard_{};

  // Any thread.
  std::atomic<bool> up_{false};
  std::atomic<int> load_{0};
  std::atomic<int> server_{-1};
};

// Holds a connection's load counter up for the duration of a caller's operation.
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
[[nodiscard]] net::awaitable<outcome> run(std::shared_ptr<connection> conn,
                                          std::shared_ptr<operation> op);

// Waits for `conn`'s search slot until `deadline`; true when it is the caller's (who must
// then call conn->release_slot() on the strand, e.g. through search_slot_guard).
[[nodiscard]] net::awaitable<bool> acquire_search_slot(
    std::shared_ptr<connection> conn, std::chrono::steady_clock::time_point deadline);

// Gives a held search slot back on every path out of a search.
class search_slot_guard {
 public:
  explicit search_slot_guard(std::shared_ptr<connection> conn) : conn_(std::move(conn)) {}
  ~search_slot_guard();
  search_slot_guard(const search_slot_guard&) = delete;
  search_slot_guard& operator=(const search_slot_guard&) = delete;

 private:
  std::shared_ptr<connection> conn_;
};

}  // namespace scopegate::ldap::detail
