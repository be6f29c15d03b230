// Internal to ldap/: turns one search-entry message into an ldap::entry (DN, then every
// attribute with all its values, in the order the server sent them). Shared by the client
// and the sync watch.
//
//   if (type == LDAP_RES_SEARCH_ENTRY) entries.push_back(detail::read_entry(ld, msg));
#pragma once

#include <ldap.h>

#include "ldap/client.hpp"

namespace scopegate::ldap::detail {

// `msg` must be an LDAP_RES_SEARCH_ENTRY of `ld`. Values are copied as bytes (binary
// values survive); an attribute with no values (typesOnly) has an empty value list.
[[nodiscard]] entry read_entry(LDAP* ld, LDAPMessage* msg);

}  // namespace scopegate::ldap::detail
