// The ldap section: server URIs, service account, TLS, pools and timeouts.
#include <sstream>

#include "config/detail/checks.hpp"
#include "config/detail/sections.hpp"
#include "config/syntax.hpp"

namespace scopegate::config::detail {

namespace {

void parse_uris(const parser& p, const value& uris, ldap_config& c) {
  c.uris.clear();
  auto check_uri = [&](const value& at, const std::string& uri) {
    auto l = lower(uri);
    if (!(l.starts_with("ldap://") || l.starts_with("ldaps://")))
      p.fail(at, "expected a URI starting with ldap:// or ldaps://, got " + p.show(at, uri));
    c.uris.push_back(uri);
  };
  if (uris.node.IsScalar()) {
    // One string; several URIs may be separated by whitespace (handy with ${LDAP_URIS}).
    std::istringstream words(p.scalar(uris));
    std::string word;
    while (words >> word)
      check_uri(uris, word);
  } else {
    if (!uris.node.IsSequence())
      p.fail(uris, "expected a list of URIs or one URI, got " + kind_of(uris.node));
    for (const auto& item : p.list(uris))
      check_uri(item, p.non_empty(item, "an LDAP URI"));
  }
  if (c.uris.empty()) p.fail(uris, "at least one ldap:// or ldaps:// URI is required");
}

// bind_password or bind_password_file; never both, and only together with bind_dn.
void parse_credentials(const parser& p, const section& s, ldap_config& c) {
  if (auto b = s.get_set("bind_dn")) {
    c.bind_dn = p.scalar(*b, "a DN");
    if (!c.bind_dn.empty() && !dn_attribute_types(c.bind_dn))
      p.fail(s.path("bind_dn"), s.key_line("bind_dn"),
             "expected a DN like \"cn=scopegate,ou=services,dc=example,dc=com\", got " +
                 p.show(*b, c.bind_dn));
  }
  auto pw = s.get_set("bind_password");
  auto pw_file = s.get_set("bind_password_file");
  std::string pw_key = "bind_password";
  if (pw && pw_file)
    p.fail(pw_file->path, pw_file->line,
           "set either bind_password or bind_password_file, not both (bind_password is on "
           "line " +
               std::to_string(pw->line) + ")");
  if (pw) {
    c.bind_password = p.scalar(*pw);
  } else if (pw_file) {
    pw_key = "bind_password_file";
    auto path = p.non_empty(*pw_file, "a file path");
    c.bind_password = read_password_file(p, *pw_file, path);
  }
  if (!c.bind_dn.empty() && c.bind_password.empty())
    p.fail(s.path(pw_key), s.key_line(pw_key),
           "bind_dn is set but the password is empty (an LDAP bind with an empty password is "
           "an unauthenticated, i.e. anonymous, bind); set bind_password or "
           "bind_password_file");
  if (c.bind_dn.empty() && !c.bind_password.empty())
    p.fail(s.path(pw_key), s.key_line(pw_key), "a password is set but bind_dn is empty");
}

}  // namespace

void parse_ldap(const parser& p, const value& v, ldap_config& c) {
  section s(p, v,
            {"uris", "bind_dn", "bind_password", "bind_password_file", "start_tls", "ca_file",
             "pool_size", "bind_pool_size", "timeout_ms", "connect_timeout_ms", "page_size",
             "reconnect_max_backoff_ms", "probe_interval_seconds"});
  parse_uris(p, s.require("uris"), c);
  parse_credentials(p, s, c);
  if (auto t = s.get_set("start_tls")) c.start_tls = p.boolean(*t);
  // The URI is not named: it may have come from ${VAR}.
  if (c.start_tls)
    for (const auto& uri : c.uris)
      if (lower(uri).starts_with("ldaps://"))
        p.fail(s.path("start_tls"), s.key_line("start_tls"),
               "start_tls cannot be combined with ldaps:// URIs (they are already encrypted)");
  if (auto f = s.get_set("ca_file")) c.ca_file = p.scalar(*f, "a file path");
  set_int(p, s, "pool_size", c.pool_size, 1, 256);
  set_int(p, s, "bind_pool_size", c.bind_pool_size, 1, 256);
  set_int(p, s, "timeout_ms", c.timeout_ms, 1, k_max_timeout_ms);
  set_int(p, s, "connect_timeout_ms", c.connect_timeout_ms, 1, k_max_timeout_ms);
  set_int(p, s, "page_size", c.page_size, 1, 10'000);
  set_int(p, s, "reconnect_max_backoff_ms", c.reconnect_max_backoff_ms, 1, k_max_timeout_ms);
  set_int(p, s, "probe_interval_seconds", c.probe_interval_seconds, 1, 3'600);
}

}  // namespace scopegate::config::detail
