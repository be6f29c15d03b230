#include "gateway/config_reload.hpp"

#include <boost/asio/ip/address.hpp>

namespace scopegate::gateway {

namespace {

template <class T>
void compare(std::vector<std::string>& restart, const char* key, const T& running, const T& next) {
  if (!(running == next)) restart.emplace_back(key);
}

}  // namespace

reload_plan plan_reload(const config::config& running, const config::config& next) {
  reload_plan plan;
  const auto& a = running.listen;
  const auto& b = next.listen;
  if (a.tls && b.tls)
    plan.applied.emplace_back("listen.tls");
  else if (a.tls || b.tls)
    plan.restart.emplace_back("listen.tls (switching HTTPS on or off)");
  compare(plan.restart, "listen.address", a.address, b.address);
  compare(plan.restart, "listen.port", a.port, b.port);
  compare(plan.restart, "listen.threads", a.threads, b.threads);
  compare(plan.restart, "listen.header_limit_bytes", a.header_limit_bytes, b.header_limit_bytes);
  compare(plan.restart, "listen.body_limit_bytes", a.body_limit_bytes, b.body_limit_bytes);
  compare(plan.restart, "listen.read_timeout_ms", a.read_timeout_ms, b.read_timeout_ms);
  compare(plan.restart, "listen.idle_timeout_ms", a.idle_timeout_ms, b.idle_timeout_ms);
  compare(plan.restart, "listen.trusted_proxies", a.trusted_proxies, b.trusted_proxies);
  compare(plan.restart, "listen.max_connections_per_address", a.max_connections_per_address,
          b.max_connections_per_address);
  compare(plan.restart, "ldap", running.ldap, next.ldap);
  compare(plan.restart, "agents", running.agents, next.agents);
  compare(plan.restart, "partners", running.partners, next.partners);
  compare(plan.restart, "customers", running.customers, next.customers);
  compare(plan.restart, "scope", running.scope, next.scope);
  compare(plan.restart, "auth", running.auth, next.auth);
  compare(plan.restart, "access", running.access, next.access);
  compare(plan.restart, "masking", running.masking, next.masking);
  compare(plan.restart, "reveal", running.reveal, next.reveal);
  compare(plan.restart, "smtp", running.smtp, next.smtp);
  compare(plan.restart, "admin", running.admin, next.admin);
  compare(plan.restart, "ops", running.ops, next.ops);
  if (running.log.level != next.log.level) plan.applied.emplace_back("log.level");
  compare(plan.restart, "log.access_log", running.log.access_log, next.log.access_log);
  return plan;
}

config::config after_reload(const config::config& running, const config::config& next) {
  config::config out = running;
  if (running.listen.tls && next.listen.tls) out.listen.tls = next.listen.tls;
  out.log.level = next.log.level;
  return out;
}

std::string plaintext_warning(const config::config& cfg) {
  if (cfg.listen.tls || cfg.admin.secure_cookie) return {};
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(cfg.listen.address, ec);
  if (!ec && address.is_loopback()) return {};
  if (ec && cfg.listen.address == "localhost") return {};
  return "the dashboard is served without TLS on " + cfg.listen.address +
         ": logins and session cookies cross the network in clear text; set listen.tls, or "
         "admin.secure_cookie when TLS terminates in front of the gateway";
}

}  // namespace scopegate::gateway
