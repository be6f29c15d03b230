#include "ldap/session_options.hpp"

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

}  // namespace scopegate::ldap::detail
