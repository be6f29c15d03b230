// Internal to ldap/: the options every libldap session gets before it connects (protocol
// v3, referrals off, network and API timeouts, TLS with certificates demanded). Split out
// so tests can check the options without a server. Connection setup itself is in
// detail/connector.hpp.
#pragma once

#include <ldap.h>

#include <string>

#include "config/config.hpp"

namespace scopegate::ldap::detail {

// Sets the options on a fresh handle from ldap_initialize for `uri`. Does no I/O. Returns
// LDAP_SUCCESS or the libldap code of the first option that failed (`what` names it).
int apply_session_options(LDAP* ld, const config::ldap_config& cfg, const std::string& uri,
                          std::string& what);

// TCP keepalive on a connected socket: idle `probe_interval_seconds`, then three probes a
// third of that apart; unacknowledged data gives up after the same bound (TCP_USER_TIMEOUT).
// Catches a peer that vanished; a link that still acknowledges but forwards nothing is the
// application probe's job (detail/connection.hpp, sync_watch).
void set_tcp_keepalive(int fd, const config::ldap_config& cfg);

}  // namespace scopegate::ldap::detail
