#include "ldap/detail/result_codes.hpp"

#include <ldap.h>

#include <string>

namespace scopegate::ldap::detail {

errc classify(int ldap_code) noexcept {
  switch (ldap_code) {
    case LDAP_SERVER_DOWN:
    case LDAP_CONNECT_ERROR:
    case LDAP_UNAVAILABLE:
      return errc::unavailable;
    case LDAP_TIMEOUT:
    case LDAP_TIMELIMIT_EXCEEDED:
      return errc::timeout;
    case LDAP_BUSY:
      return errc::busy;
    case LDAP_SIZELIMIT_EXCEEDED:
      return errc::size_limit_exceeded;
    case LDAP_NO_SUCH_OBJECT:
      return errc::no_such_object;
    case LDAP_ALREADY_EXISTS:
      return errc::already_exists;
    case LDAP_INVALID_CREDENTIALS:
      return errc::invalid_credentials;
    case LDAP_INSUFFICIENT_ACCESS:
      return errc::insufficient_access;
    case LDAP_CONSTRAINT_VIOLATION:
      return errc::constraint_violation;
    case LDAP_UNDEFINED_TYPE:
    case LDAP_INVALID_SYNTAX:
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_NAMING_VIOLATION:
    case LDAP_OBJECT_CLASS_VIOLATION:
    case LDAP_NOT_ALLOWED_ON_RDN:
    case LDAP_NO_OBJECT_CLASS_MODS:
      return errc::schema_violation;
    case LDAP_NOT_ALLOWED_ON_NONLEAF:
      return errc::not_allowed_on_non_leaf;
    case LDAP_NO_SUCH_ATTRIBUTE:
    case LDAP_TYPE_OR_VALUE_EXISTS:
      return errc::value_conflict;
    case LDAP_ASSERTION_FAILED:
      return errc::assertion_failed;
    case LDAP_PARAM_ERROR:
    case LDAP_FILTER_ERROR:
    case LDAP_ENCODING_ERROR:
      return errc::invalid_request;
    default:
      return errc::other;
  }
}

error to_error(int ldap_code, std::string_view message) {
  std::string text(message);
  text += " (LDAP ";
  text += std::to_string(ldap_code);
  text += ')';
  return error{classify(ldap_code), std::move(text)};
}

}  // namespace scopegate::ldap::detail
