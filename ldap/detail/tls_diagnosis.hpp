// Internal to ldap/: why a TLS connection to the directory failed, in words an operator can
// act on. libldap (GnuTLS on Debian) reports a failed certificate check only as "Can't
// contact LDAP server" or "Connect error"; this names the actual problem.
//
//   if (auto why = detail::diagnose_tls_failure(cfg, uri); !why.empty())
//     err = "TLS: " + why + " for " + uri;   // "certificate verify failed (...)"
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace scopegate::ldap::detail {

// Called after libldap failed to set up TLS with `uri` (ldaps:// connect or StartTLS).
// Connects once more without checking the certificate — sending nothing but the StartTLS
// request when cfg.start_tls, never a bind — takes the certificate the server presents and
// checks it with OpenSSL against cfg.ca_file (the system store when empty) and the URI's
// host. Returns e.g. "certificate verify failed (certificate has expired)", or empty when
// the server cannot be reached or its certificate passes (the problem lies elsewhere).
// Blocking, bounded by cfg.connect_timeout_ms per step.
[[nodiscard]] std::string diagnose_tls_failure(const config::ldap_config& cfg,
                                               const std::string& uri);

// The same check on a DER certificate already in hand (tests call it directly): empty when
// it verifies against `ca_file` (system store when empty) for `host` (name or IP address).
[[nodiscard]] std::string verify_certificate(std::string_view der, const std::string& ca_file,
                                             const std::string& host);

}  // namespace scopegate::ldap::detail
