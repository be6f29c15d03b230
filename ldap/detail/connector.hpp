// Internal to ldap/: how a libldap connection comes up. Connection setup (TCP connect,
// StartTLS, the service bind) is blocking in libldap, so it runs on one dedicated thread,
// never on a thread that serves requests; URIs are tried in order and failed attempts are
// retried with exponential backoff.
//
//   auto setup = std::make_shared<detail::connector>();
//   setup->launch();
//   net::post(setup->executor(), [cfg] {
//     std::string err;
//     detail::ldap_handle ld = detail::open_connection(cfg, true, err);
//     ...hand `ld` back to the connection's strand...
//   });
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "ldap/detail/handles.hpp"

namespace scopegate::ldap::detail {

namespace net = boost::asio;

// The thread that runs blocking connection setup. Thread-safe.
class connector {
 public:
  connector();
  ~connector();
  connector(const connector&) = delete;
  connector& operator=(const connector&) = delete;

  // Starts the thread (once; never after shutdown()).
  void launch();
  // Returns once the current setup attempt (bounded by the connect timeout) is over; work
  // posted afterwards never runs. Idempotent.
  void shutdown();
  [[nodiscard]] net::io_context::executor_type executor() { return ctx_.get_executor(); }

 private:
  net::io_context ctx_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::mutex mutex_;
  bool shut_ = false;
  std::thread thread_;
};

// Opens a connection: every URI of `cfg` in order, session options (referrals off, TLS
// demanded), StartTLS when configured, then the service bind when `service_bind` and a
// bind DN is configured. Blocking, bounded by cfg.connect_timeout_ms per step. Returns null
// with `err` set (for the log) and, when given, `code` set to the libldap code of the last
// failed step (e.g. LDAP_INVALID_CREDENTIALS for a wrong service password) when no URI
// worked.
[[nodiscard]] ldap_handle open_connection(const config::ldap_config& cfg, bool service_bind,
                                          std::string& err, int* code = nullptr);

// open_connection(cfg, true, err): a connection bound as the service account.
[[nodiscard]] ldap_handle open_service_connection(const config::ldap_config& cfg, std::string& err);

// The delay before the next attempt after a failed one: 50 ms first, then doubling, never
// above max(1, max_ms). `previous_ms` 0 means "no failure yet".
[[nodiscard]] int next_backoff_ms(int previous_ms, int max_ms) noexcept;

}  // namespace scopegate::ldap::detail
