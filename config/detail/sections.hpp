// Internal to config/: one parse function per top-level YAML section. Each reads `v` (the
// section's node, or a null placeholder when the section is absent) into `c`, keeping the
// struct's defaults for keys that are not given, and throws config_error on any problem.
//
//   parser p("scopegate.yaml");
//   parse_ldap(p, top.sub("ldap"), cfg.ldap);
#pragma once

#include "config/config.hpp"
#include "config/detail/yaml_walker.hpp"

namespace scopegate::config::detail {

// parse_http.cpp: the HTTP edge and its callers
void parse_listen(const parser& p, const value& v, listen_config& c);
void parse_auth(const parser& p, const value& v, auth_config& c);
void parse_admin(const parser& p, const value& v, admin_config& c);
void parse_log(const parser& p, const value& v, log_config& c);
void parse_ops(const parser& p, const value& v, ops_config& c);

// parse_ldap.cpp: the connection to the directory
void parse_ldap(const parser& p, const value& v, ldap_config& c);

// parse_directory.cpp: where agents, partners and customers live, and who sees what
void parse_agents(const parser& p, const value& v, agents_config& c);
void parse_partners(const parser& p, const value& v, partners_config& c);
void parse_customers(const parser& p, const value& v, customers_config& c);
void parse_scope(const parser& p, const value& v, scope_config& c);
void parse_access(const parser& p, const value& v, access_config& c);

// parse_contact.cpp: contact protection. parse_masking needs customers parsed first: masked
// fields are checked against customers.fields.
void parse_masking(const parser& p, const value& v, const customers_config& customers,
                   masking_config& c);
void parse_reveal(const parser& p, const value& v, reveal_config& c);
void parse_smtp(const parser& p, const value& v, smtp_config& c);

}  // namespace scopegate::config::detail
