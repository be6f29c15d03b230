// Syntax rules for names that come from configuration and end up in LDAP requests.
//
// The one attribute-name check of the project: config validation uses it, and the LDAP
// filter builder (ldap::is_valid_attribute_name) delegates to it.
//
//   if (!scopegate::config::is_valid_attribute_name("cn;lang-de")) ...   // valid
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scopegate::config {

// True when `name` is an RFC 4512 attribute description: a descr (a letter, then letters,
// digits and "-") or a numeric OID (at least two dot-separated numbers without leading
// zeros), followed by any number of ";option" (each one or more letters, digits or "-").
// Everything else — empty, spaces, "_", non-ASCII, NUL, "uid;" — is false.
[[nodiscard]] bool is_valid_attribute_name(std::string_view name);

// The attribute type of each RDN of `dn` (the first AVA's, lower-case, outermost RDN
// first), or nullopt when `dn` is not a DN: libldap's RFC 4514 parser (ldap_str2dn,
// LDAPv3 form) must accept it, and it must have at least one RDN, no empty value and no
// NUL byte. dn_attribute_types("cn=owners,ou=groups,dc=example,dc=com") is
// {"cn", "ou", "dc", "dc"}; "cn owners,dc=x" and "owners" are not DNs.
[[nodiscard]] std::optional<std::vector<std::string>> dn_attribute_types(std::string_view dn);

}  // namespace scopegate::config
