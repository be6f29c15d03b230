// Shared by the ldap/ tests: an io_context run by background threads, a way to await a
// coroutine from the test thread, polling with a deadline, and a client config for a slapd.
#pragma once

#include <signal.h>

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "ldap/client.hpp"
#include "tests/support/slapd.hpp"

namespace scopegate::ldap::testing {

namespace net = boost::asio;
using scopegate::testing::base_ldif;
using scopegate::testing::slapd;

// libldap writes with write(2): a peer that died must not kill the test with SIGPIPE.
inline const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);

// Declare before the client so that the client stops first; the destructor then waits
// for the io_context to run out of work, which proves stop() leaves nothing behind.
class io_harness {
 public:
  explicit io_harness(int threads = 2) : work_(net::make_work_guard(io_)) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }
  ~io_harness() {
    work_.reset();
    for (auto& t : threads_)
      t.join();
  }
  net::io_context& io() { return io_; }
  net::any_io_executor executor() { return io_.get_executor(); }

  template <class T>
  std::future<T> spawn(net::awaitable<T> op) {
    return net::co_spawn(io_, std::move(op), net::use_future);
  }
  template <class T>
  T await(net::awaitable<T> op) {
    return spawn(std::move(op)).get();
  }

 private:
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

// A search request (designated initializers would trip -Wmissing-field-initializers).
inline search_request query(std::string base, std::string filter = "(objectClass=*)",
                            std::vector<std::string> attributes = {},
                            search_scope scope = search_scope::subtree, int size_limit = 0) {
  search_request r;
  r.base_dn = std::move(base);
  r.filter = std::move(filter);
  r.attributes = std::move(attributes);
  r.scope = scope;
  r.size_limit = size_limit;
  return r;
}

inline modification change(modification::kind op, std::string attribute,
                           std::vector<std::string> values) {
  modification m;
  m.op = op;
  m.attribute = std::move(attribute);
  m.values = std::move(values);
  return m;
}

inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline config::ldap_config config_for(const slapd& server) {
  config::ldap_config cfg;
  cfg.uris = {server.uri()};
  cfg.bind_dn = slapd::root_dn;
  cfg.bind_password = slapd::root_password;
  cfg.pool_size = 2;
  cfg.bind_pool_size = 1;
  cfg.timeout_ms = 5'000;
  cfg.connect_timeout_ms = 1'000;
  cfg.page_size = 100;
  cfg.reconnect_max_backoff_ms = 200;
  return cfg;
}

inline int slapd_pid(const slapd& server) {
  int pid = 0;
  std::ifstream(server.directory() + "/slapd.pid") >> pid;
  return pid;
}

// Whether every thread of `pid` is in the stopped state. kill(SIGSTOP) returns before the
// stop is complete: until one thread has dequeued the signal, the others (slapd's listener
// and workers) keep answering, which on a loaded machine lasts milliseconds.
inline bool all_threads_stopped(int pid) {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return false;
  for (const auto& task : tasks) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return false;
    char state = line[close + 2];
    if (state != 'T' && state != 't') return false;
  }
  return true;
}

// SIGSTOPs slapd for its lifetime: connections stay open, nothing is answered. Returns once
// every slapd thread has stopped.
class frozen {
 public:
  explicit frozen(const slapd& server) : pid_(slapd_pid(server)) {
    REQUIRE(pid_ > 0);
    ::kill(pid_, SIGSTOP);
    REQUIRE(wait_until([this] { return all_threads_stopped(pid_); }));
  }
  ~frozen() { thaw(); }
  void thaw() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = 0;
  }
  frozen(const frozen&) = delete;
  frozen& operator=(const frozen&) = delete;

 private:
  int pid_;
};

inline std::string person(const std::string& uid, const std::string& extra = "") {
  return "dn: uid=" + uid +
         ",ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: " + uid + "\ncn: " + uid +
         "\nsn: " + uid + "\n" + extra + "\n";
}

inline std::string many_customers(int n) {
  std::string ldif;
  for (int i = 0; i < n; ++i) {
    std::string id = "c" + std::to_string(i);
    ldif += "dn: uid=" + id +
            ",ou=customers,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: " + id +
            "\ncn: " + id + "\nsn: x\n\n";
  }
  return ldif;
}

// One slapd shared by the tests that neither kill it nor depend on being alone on it
// (each slapd costs seconds to reap). ou=people: alice (two mails, password "s3cret"),
// bob, and cn=literal whose uid is the hostile "*)(uid=*"; ou=customers: c0..c1249.
inline slapd& shared_server() {
  static slapd server(
      base_ldif() +
      person("alice", "mail: alice@example.com\nmail: a@example.com\nuserPassword: s3cret\n") +
      person("bob") +
      "dn: cn=literal,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\n"
      "cn: literal\nsn: literal\nuid: *)(uid=*\n\n" +
      many_customers(1'250));
  return server;
}

}  // namespace scopegate::ldap::testing
