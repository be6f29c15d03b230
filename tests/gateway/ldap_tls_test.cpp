// LDAPS and StartTLS against a real slapd with certificates the test makes: a certificate of
// the configured CA works; a wrong CA, a name mismatch and an expired certificate leave the
// gateway answering 503 with ONE log line naming the problem; a server that refuses StartTLS
// never receives a bind in clear text.
#include <doctest/doctest.h>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "ldap/client.hpp"
#include "tests/gateway/scenario.hpp"
#include "tests/support/test_pki.hpp"

using namespace scopegate::testing;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {

// Keeps every line logged through spdlog's default logger while it lives.
class log_capture {
 public:
  log_capture() : previous_(spdlog::default_logger()), sink_(std::make_shared<sink>()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~log_capture() { spdlog::set_default_logger(previous_); }
  // The lines containing `needle`.
  std::vector<std::string> lines_with(const std::string& needle) const {
    return sink_->lines_with(needle);
  }

 private:
  class sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::vector<std::string> lines_with(const std::string& needle) {
      std::lock_guard lock(mutex_);
      std::vector<std::string> out;
      for (const auto& l : lines_)
        if (l.find(needle) != std::string::npos) out.push_back(l);
      return out;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}

   private:
    std::vector<std::string> lines_;
  };
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<sink> sink_;
};

// The scenario's gateway in front of `uri` with `ldap_extra` added to its ldap section
// (ca_file, start_tls). Does not wait for LDAP: the failures are what is tested.
struct gateway_with {
  gateway_with(const std::string& uri, const std::string& ldap_extra) {
    std::string yaml = scenario_yaml(uri);
    yaml.replace(yaml.find("ldap:\n") + 6, 0, ldap_extra);
    svc = std::make_unique<scopegate::gateway::service>(
        scopegate::config::parse_config(yaml, "test.yaml"));
    svc->start();
    svc->run_in_background();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(svc->port()) + path;
  }
  bool ready_within(std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (http_get(url("/readyz")).status == 200) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::unique_ptr<scopegate::gateway::service> svc;
};

std::string ldap_tls(const std::string& ca_file, bool start_tls) {
  return "  ca_file: " + ca_file + "\n" + (start_tls ? "  start_tls: true\n" : "");
}

}  // namespace

TEST_CASE("LDAPS and StartTLS with a certificate of the configured CA work") {
  test_pki ca;
  auto cert = ca.issue("127.0.0.1", "IP:127.0.0.1");
  slapd::tls_files files{cert.certificate_file, cert.key_file};
  slapd server(scenario_ldif(), &files);
  for (bool start_tls : {false, true}) {
    CAPTURE(start_tls);
    log_capture log;
    gateway_with gw(start_tls ? server.uri() : server.ldaps_uri(),
                    ldap_tls(ca.ca_file(), start_tls));
    CHECK(gw.ready_within(10s));
    CHECK(http_get(gw.url("/api/v1/customers"), pw("a1")).status == 200);
    CHECK(log.lines_with("LDAP connection failed").empty());
  }
}

TEST_CASE("a certificate that does not verify: 503 and one log line naming the problem") {
  test_pki ca;
  test_pki other("another CA");
  struct bad_case {
    const char* name;
    test_pki::issued cert;
    std::string ca_file;
    const char* problem;
  };
  const bad_case cases[] = {
      {"wrong CA", ca.issue("127.0.0.1", "IP:127.0.0.1"), other.ca_file(),
       "certificate verify failed (unable to get local issuer certificate)"},
      {"name mismatch", ca.issue("ldap.other.example", "DNS:ldap.other.example"), ca.ca_file(),
       "certificate verify failed (IP address mismatch)"},
      {"expired", ca.issue("127.0.0.1", "IP:127.0.0.1", test_pki::validity::expired), ca.ca_file(),
       "certificate verify failed (certificate has expired)"},
  };
  for (const auto& c : cases) {
    slapd::tls_files files{c.cert.certificate_file, c.cert.key_file};
    slapd server(scenario_ldif(), &files);
    for (bool start_tls : {false, true}) {
      CAPTURE(c.name);
      CAPTURE(start_tls);
      log_capture log;
      gateway_with gw(start_tls ? server.uri() : server.ldaps_uri(),
                      ldap_tls(c.ca_file, start_tls));
      // Retries run every ~300 ms (reconnect_max_backoff_ms) on every pooled connection.
      CHECK_FALSE(gw.ready_within(1500ms));
      CHECK(http_get(gw.url("/api/v1/customers"), pw("a1")).status == 503);
      auto lines = log.lines_with("LDAP connection failed");
      REQUIRE(lines.size() == 1);
      CHECK(lines.front().find(std::string("TLS: ") + c.problem) != std::string::npos);
      CHECK(lines.front().find(start_tls ? server.uri() : server.ldaps_uri()) != std::string::npos);
    }
  }
}

TEST_CASE("StartTLS refused by a server without TLS: 503, one log line") {
  slapd server(scenario_ldif());
  test_pki ca;
  log_capture log;
  gateway_with gw(server.uri(), ldap_tls(ca.ca_file(), true));
  CHECK_FALSE(gw.ready_within(1500ms));
  CHECK(http_get(gw.url("/api/v1/customers"), pw("a1")).status == 503);
  auto lines = log.lines_with("LDAP connection failed");
  REQUIRE(lines.size() == 1);
  CHECK(lines.front().find("StartTLS refused by the server") != std::string::npos);
}

namespace {

// A TCP server that answers every LDAP request with a protocolError response and records
// the protocol-op tag of every message it receives (0x77 StartTLS/extended, 0x60 bind).
class refusing_server {
 public:
  refusing_server() : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~refusing_server() {
    io_.stop();
    thread_.join();
  }
  std::string uri() const {
    return "ldap://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::vector<unsigned> ops() const {
    std::lock_guard lock(mutex_);
    return ops_;
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(net::use_awaitable);
      net::co_spawn(io_, serve(std::move(socket)), net::detached);
    }
  }
  net::awaitable<void> serve(net::ip::tcp::socket socket) {
    std::string buf;
    char chunk[1024];
    try {
      for (;;) {
        std::size_t n = co_await socket.async_read_some(net::buffer(chunk), net::use_awaitable);
        buf.append(chunk, n);
        for (;;) {
          unsigned op = 0;
          unsigned char msgid = 0;
          std::size_t used = next_message(buf, op, msgid);
          if (used == 0) break;
          buf.erase(0, used);
          {
            std::lock_guard lock(mutex_);
            ops_.push_back(op);
          }
          if (op == 0x42) continue;  // unbind: no answer
          // ExtendedResponse (0x78) resultCode protocolError (2), empty DN and message.
          const unsigned char reply[] = {0x30, 0x0c, 0x02, 0x01, msgid, 0x78, 0x07,
                                         0x0a, 0x01, 0x02, 0x04, 0x00,  0x04, 0x00};
          auto written = co_await net::async_write(socket, net::buffer(reply), net::use_awaitable);
          (void)written;
        }
      }
    } catch (const std::exception&) {
    }
  }
  // Bytes of the first complete LDAPMessage in `buf` (0: incomplete), its op tag and id.
  static std::size_t next_message(const std::string& buf, unsigned& op, unsigned char& msgid) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(buf[i]); };
    if (buf.size() < 2) return 0;
    std::size_t header = 2, length = byte(1);
    if (length & 0x80) {
      std::size_t n = length & 0x7f;
      if (buf.size() < 2 + n) return 0;
      length = 0;
      for (std::size_t i = 0; i < n; ++i)
        length = (length << 8) | byte(2 + i);
      header += n;
    }
    if (buf.size() < header + length) return 0;
    std::size_t id_len = byte(header + 1);
    msgid = byte(header + 2);
    op = byte(header + 2 + id_len);
    return header + length;
  }

  net::io_context io_;
  net::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<unsigned> ops_;
};

}  // namespace

TEST_CASE("StartTLS refused: the service bind is never sent in clear text") {
  refusing_server fake;
  scopegate::config::ldap_config cfg;
  cfg.uris = {fake.uri()};
  cfg.start_tls = true;
  cfg.bind_dn = "cn=admin,dc=example,dc=com";
  cfg.bind_password = "secret";
  cfg.pool_size = 1;
  cfg.bind_pool_size = 1;
  cfg.reconnect_max_backoff_ms = 100;
  net::io_context io;
  scopegate::ldap::client client(io.get_executor(), cfg);
  std::mutex m;
  std::vector<std::string> reports;
  client.on_connect_failure([&](const scopegate::ldap::error& why) {
    std::lock_guard lock(m);
    reports.push_back(why.message);
  });
  client.start();
  auto work = net::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  auto starttls_count = [&] {
    auto ops = fake.ops();
    return std::count(ops.begin(), ops.end(), 0x77u);
  };
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (starttls_count() < 4 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(20ms);
  client.stop();
  work.reset();
  io.stop();
  runner.join();
  CHECK(starttls_count() >= 4);  // several attempts were made...
  auto ops = fake.ops();
  CHECK(std::count(ops.begin(), ops.end(), 0x60u) == 0);  // ...and not one bind
  for (unsigned op : ops)
    CHECK((op == 0x77u || op == 0x42u));  // StartTLS and unbind only
  std::lock_guard lock(m);
  // Every attempt is reported (the gateway's logger keeps one line per distinct problem).
  REQUIRE(!reports.empty());
  for (const auto& why : reports)
    CHECK(why.find("StartTLS refused by the server") != std::string::npos);
}
