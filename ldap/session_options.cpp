#include "ldap/session_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

#include "ldap/detail/handles.hpp"

namespace scopegate::ldap::detail {
int apply_session_options(LDAP* ld, const config::ldap_config& cfg, const std::string& uri,
                          std::string& what) {
  auto set = [&](int option, const void* value, const char* name) {
    int rc = ldap_set_option(ld, option, value);
    if (rc != LDAP_OPT_SUCCESS) what = name;
    return rc;
  };
  int version = LDAP_VERSION3;
  if (int rc = set(LDAP_OPT_PROTOCOL_VERSION, &version, "protocol version")) return rc;
  // libldap would chase referrals anonymously to any server named in them.
  if (int rc = set(LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals")) return rc;
  timeval net_timeout = to_timeval(cfg.connect_timeout_ms);
  if (int rc = set(LDAP_OPT_NETWORK_TIMEOUT, &net_timeout, "network timeout")) return rc;
  // Bounds the synchronous steps of connection setup (StartTLS); operations afterwards
  // are polled with a zero timeout and carry their own deadline.
  if (int rc = set(LDAP_OPT_TIMEOUT, &net_timeout, "api timeout")) return rc;

  bool tls = uri.starts_with("ldaps://") || cfg.start_tls;
  if (tls) {
    if (!cfg.ca_file.empty())
      if (int rc = set(LDAP_OPT_X_TLS_CACERTFILE, cfg.ca_file.c_str(), "TLS CA file")) return rc;
    int demand = LDAP_OPT_X_TLS_DEMAND;
    if (int rc = set(LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "TLS require cert")) return rc;
    // The TLS options above only take effect in a new context; set it last.
    int is_server = 0;
    if (int rc = set(LDAP_OPT_X_TLS_NEWCTX, &is_server, "TLS context")) return rc;
  }
  return LDAP_SUCCESS;
}

void set_tcp_keepalive(int fd, const config::ldap_config& cfg) {
  // Best effort: a socket that refuses an option (not TCP, say) still works without it.
  int on = 1;
  int idle = std::max(1, cfg.probe_interval_seconds);
  int interval = std::max(1, idle / 3);
  int count = 3;
  unsigned user_timeout_ms = static_cast<unsigned>(idle + interval * count) * 1000u;
  (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
}

}  // namespace scopegate::ldap::detail
