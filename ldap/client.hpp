// Asynchronous LDAP client over libldap: a pool of connections whose sockets are awaited
// with Asio, results routed to waiting coroutines by message ID. No caller ever blocks.
//
//   scopegate::ldap::client ldap(io.get_executor(), cfg.ldap);
//   ldap.start();
//   auto r = co_await ldap.search({.base_dn = "ou=people,dc=example,dc=com",
//                                  .filter = filter::equals("uid", login).str(),
//                                  .attributes = {"uid", "cn"}});
//   if (!r) co_return problem_503(r.error());
//
// Errors are ldap::error (ldap/error.hpp): a named errc, never a raw LDAP result code.
//
// Knows nothing about partners or customers.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "ldap/error.hpp"

namespace scopegate::ldap {

namespace net = boost::asio;

struct attribute {
  std::string name;
  std::vector<std::string> values;
};

struct entry {
  std::string dn;
  std::vector<attribute> attributes;

  // Values of `name` (case-insensitive), or nullptr when absent.
  [[nodiscard]] const std::vector<std::string>* values(std::string_view name) const;
  // First value of `name`, or empty.
  [[nodiscard]] std::string_view first(std::string_view name) const;
};

enum class search_scope { base, one_level, subtree };

struct search_request {
  std::string base_dn;
  search_scope scope = search_scope::subtree;
  std::string filter = "(objectClass=*)";
  std::vector<std::string> attributes;  // empty: all user attributes; {"1.1"}: none
  int size_limit = 0;                   // 0: no client-side limit
};

struct modification {
  enum class kind { add, remove, replace };
  kind op = kind::replace;
  std::string attribute;
  std::vector<std::string> values;  // remove with no values removes the attribute
};

// Counters for /metrics. Monotonic; read without locks.
struct client_stats {
  std::atomic<std::uint64_t> searches{0};
  std::atomic<std::uint64_t> modifies{0};
  std::atomic<std::uint64_t> binds{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> reconnects{0};
};

class client {
 public:
  // Does no I/O; call start() to begin connecting.
  client(net::any_io_executor executor, config::ldap_config cfg);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Starts connecting every pooled connection in the background (reconnect with backoff,
  // URIs tried in order). Returns at once.
  void start();
  // Closes every connection and fails outstanding operations. Idempotent.
  void stop();

  // `report` is called (on the client's setup thread) with every failed connection attempt,
  // e.g. errc::invalid_credentials when the service bind is refused, or a message naming the
  // URI and a TLS certificate that did not verify (never a password); the client keeps
  // retrying with backoff either way. ldap/ itself never logs. Call before start().
  void on_connect_failure(std::function<void(const error&)> report);

  // Searches with RFC 2696 paging under the hood; returns every entry of every page.
  // Fails with errc::unavailable when no connection is up, errc::timeout when the deadline
  // passes, errc::invalid_request for a NUL byte in the request.
  [[nodiscard]] net::awaitable<result<std::vector<entry>>> search(search_request request);

  // Writes. A non-empty `assertion` (an LDAP filter) is sent as a critical RFC 4528
  // assertion control: the server applies the write only if the entry matches the filter
  // at that moment, else fails it with errc::assertion_failed and changes nothing. This
  // turns "read a version, compare, write" into one atomic step, e.g. "(entryCSN=<read>)".
  // A filter libldap cannot encode fails with errc::invalid_request before anything is sent.
  [[nodiscard]] net::awaitable<result<void>> modify(std::string dn,
                                                    std::vector<modification> changes,
                                                    std::string assertion = {});
  [[nodiscard]] net::awaitable<result<void>> add(std::string dn, std::vector<attribute> attributes);
  [[nodiscard]] net::awaitable<result<void>> remove(std::string dn, std::string assertion = {});

  // Simple bind as `dn` on a connection used only for password checks (never for
  // searches). true: password right; false: invalid credentials; error: could not tell.
  // Empty passwords are refused (false) without contacting the server.
  [[nodiscard]] net::awaitable<result<bool>> check_password(std::string dn, std::string password);

  // At least one search connection is bound and usable, and one bind connection is up.
  [[nodiscard]] bool ready() const;
  [[nodiscard]] const client_stats& stats() const;
  // Operations started on a connection and not yet completed (sent or queued for a bind
  // connection). For metrics and tests.
  [[nodiscard]] std::size_t outstanding() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace scopegate::ldap
