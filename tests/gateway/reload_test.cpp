// What a SIGHUP reload takes over (certificates, log level) and what waits for a restart;
// the start-up warning about a dashboard served without TLS. Pure functions, no I/O.
#include <doctest/doctest.h>

#include <algorithm>

#include "gateway/config_reload.hpp"

using namespace scopegate;

namespace {

config::config with_tls() {
  config::config c;
  c.listen.tls = config::listen_tls_config{"/etc/tls/a.crt", "/etc/tls/a.key"};
  return c;
}

bool has(const std::vector<std::string>& v, const std::string& key) {
  return std::find(v.begin(), v.end(), key) != v.end();
}

}  // namespace

TEST_CASE("reload plan: certificates and log level are taken over, the rest waits") {
  auto running = with_tls();
  SUBCASE("the same file: the certificate is re-read, nothing waits") {
    auto plan = gateway::plan_reload(running, running);
    CHECK(plan.applied == std::vector<std::string>{"listen.tls"});
    CHECK(plan.restart.empty());
  }
  SUBCASE("new certificate paths and log level: applied") {
    auto next = running;
    next.listen.tls->certificate_file = "/etc/tls/b.crt";
    next.log.level = "debug";
    auto plan = gateway::plan_reload(running, next);
    CHECK(has(plan.applied, "listen.tls"));
    CHECK(has(plan.applied, "log.level"));
    CHECK(plan.restart.empty());
    auto after = gateway::after_reload(running, next);
    CHECK(after.listen.tls->certificate_file == "/etc/tls/b.crt");
    CHECK(after.log.level == "debug");
  }
  SUBCASE("address, port, LDAP and admin changes wait for a restart and are not taken over") {
    auto next = running;
    next.listen.port = 9443;
    next.listen.address = "0.0.0.0";
    next.ldap.uris = {"ldap://other:389"};
    next.admin.session_idle_minutes = 5;
    next.log.access_log = false;
    auto plan = gateway::plan_reload(running, next);
    CHECK(has(plan.restart, "listen.port"));
    CHECK(has(plan.restart, "listen.address"));
    CHECK(has(plan.restart, "ldap"));
    CHECK(has(plan.restart, "admin"));
    CHECK(has(plan.restart, "log.access_log"));
    auto after = gateway::after_reload(running, next);
    CHECK(after.listen.port == running.listen.port);
    CHECK(after.ldap.uris == running.ldap.uris);
    CHECK(after.log.access_log);
  }
  SUBCASE("switching HTTPS on or off waits for a restart") {
    config::config plain;
    CHECK(has(gateway::plan_reload(plain, running).restart,
              "listen.tls (switching HTTPS on or off)"));
    CHECK(has(gateway::plan_reload(running, plain).restart,
              "listen.tls (switching HTTPS on or off)"));
    CHECK_FALSE(gateway::after_reload(plain, running).listen.tls);
  }
}

TEST_CASE("a dashboard served without TLS beyond loopback is warned about") {
  config::config c;
  c.listen.address = "127.0.0.1";
  CHECK(gateway::plaintext_warning(c).empty());
  c.listen.address = "::1";
  CHECK(gateway::plaintext_warning(c).empty());
  c.listen.address = "localhost";
  CHECK(gateway::plaintext_warning(c).empty());
  c.listen.address = "0.0.0.0";
  CHECK(gateway::plaintext_warning(c).find("without TLS") != std::string::npos);
  c.listen.address = "gateway.example.com";
  CHECK_FALSE(gateway::plaintext_warning(c).empty());
  c.admin.secure_cookie = true;  // TLS terminates in front
  CHECK(gateway::plaintext_warning(c).empty());
  c.admin.secure_cookie = false;
  c.listen.tls = config::listen_tls_config{"a.crt", "a.key"};
  CHECK(gateway::plaintext_warning(c).empty());
}
