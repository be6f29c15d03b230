// Internal to ldap/: the one place where libldap's numeric result codes become ldap::errc.
//
//   co_return detail::to_error(rc, ldap_err2string(rc));  // message gets " (LDAP <rc>)"
#pragma once

#include <string_view>

#include "ldap/error.hpp"

namespace scopegate::ldap::detail {

// The kind of an RFC 4511 result code or a negative libldap API code; see errc for the
// table. LDAP_SUCCESS has no kind and maps to errc::other (callers never pass it).
[[nodiscard]] errc classify(int ldap_code) noexcept;

// An error of kind classify(ldap_code) whose message is `message` followed by the raw code,
// so that logs keep the exact number.
[[nodiscard]] error to_error(int ldap_code, std::string_view message);

}  // namespace scopegate::ldap::detail
