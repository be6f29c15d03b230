// Syntax rules for names that come from configuration and end up in LDAP requests.
//
// The one attribute-name check of the project: config validation uses it, and the LDAP
// filter builder (ldap::is_valid_attribute_name) delegates to it.
//
//   if (!scopegate::config::is_valid_attribute_name("cn;lang-de")) ...   // valid
#pragma once

#include <string_view>

namespace scopegate::config {

// True when `name` is an RFC 4512 attribute description: a descr (a letter, then letters,
// digits and "-") or a numeric OID (at least two dot-separated numbers without leading
// zeros), followed by any number of ";option" (each one or more letters, digits or "-").
// Everything else — empty, spaces, "_", non-ASCII, NUL, "uid;" — is false.
[[nodiscard]] bool is_valid_attribute_name(std::string_view name);

}  // namespace scopegate::config
