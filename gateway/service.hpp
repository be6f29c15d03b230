// The whole gateway as one object: LDAP client, directory model, scope resolver, customer
// source, authenticator, metrics, API and HTTP server, wired as main() runs them. Tests
// start the same object on port 0.
//
//   scopegate::gateway::service svc(cfg);
//   svc.start();                // binds, connects to LDAP in the background
//   svc.run();                  // serves on this thread plus listen.threads-1 more
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "gateway/http/server.hpp"

namespace scopegate::mapping {
class scope_resolver;
}
namespace scopegate::policy {
class clock;
class reveal_ledger;
}  // namespace scopegate::policy

namespace scopegate::gateway {

class admin_sessions;
class login_throttle;

class service {
 public:
  // `clock` drives reveal days and retention; the system clock when null. Throws on a
  // start-up problem (unknown time zone, unusable reveal database).
  explicit service(config::config cfg, std::shared_ptr<const policy::clock> clock = nullptr);
  ~service();

  // Binds the listener (throws on failure) and starts connecting to LDAP.
  void start();
  // Runs the event loop on the calling thread and threads-1 others until stopped.
  void run();
  // Runs the event loop on background threads; returns at once. For tests.
  void run_in_background();
  // Graceful: stop accepting, finish in-flight requests, close LDAP, end run(). Thread-safe.
  void shutdown();
  // Installs SIGINT/SIGTERM handlers that call shutdown().
  void handle_signals();

  // What reload() did.
  struct reload_outcome {
    bool applied = false;              // false: refused, nothing changed
    std::string refusal;               // why it was refused
    std::vector<std::string> keys;     // taken over (gateway/config_reload.hpp)
    std::vector<std::string> restart;  // differ, but wait for a restart
  };
  // Takes over what can change at run time from `next` (listen.tls certificate and key,
  // re-read from disk; log.level) all together or not at all; open connections are kept.
  // Logs the outcome. Thread-safe.
  reload_outcome reload(const config::config& next);
  // Installs a SIGHUP handler that reads `config_path` again and calls reload(); an
  // invalid file is refused with a log line and the running configuration keeps serving.
  void reload_on_sighup(std::string config_path);

  [[nodiscard]] std::uint16_t port() const;
  // HTTP connections open right now.
  [[nodiscard]] std::size_t open_connections() const;
  [[nodiscard]] const config::config& cfg() const;
  [[nodiscard]] mapping::scope_resolver& scopes();
  [[nodiscard]] policy::reveal_ledger& ledger();
  // Drops cached scopes and agent entries (a mapping changed).
  void invalidate_caches();
  // Dashboard sessions (tests move their clock to check expiry).
  [[nodiscard]] admin_sessions& admin();
  // What the HTTP server calls for each request (route table, authentication, handlers),
  // for driving the gateway without a listener: the HTTP fuzz target feeds it sessions over
  // test streams. Valid as long as this object.
  [[nodiscard]] request_handler handler();
  // The password-guessing throttle of every way in (tests move its clock).
  [[nodiscard]] login_throttle& throttle();

 private:
  struct parts;
  void await_reload_signal();

  std::unique_ptr<parts> parts_;
};

}  // namespace scopegate::gateway
