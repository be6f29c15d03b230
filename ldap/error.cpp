#include "ldap/error.hpp"

#include <boost/throw_exception.hpp>
#include <stdexcept>

namespace scopegate::ldap {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::unavailable:
      return "unavailable";
    case errc::timeout:
      return "timeout";
    case errc::busy:
      return "busy";
    case errc::size_limit_exceeded:
      return "size_limit_exceeded";
    case errc::no_such_object:
      return "no_such_object";
    case errc::already_exists:
      return "already_exists";
    case errc::invalid_credentials:
      return "invalid_credentials";
    case errc::insufficient_access:
      return "insufficient_access";
    case errc::constraint_violation:
      return "constraint_violation";
    case errc::schema_violation:
      return "schema_violation";
    case errc::not_allowed_on_non_leaf:
      return "not_allowed_on_non_leaf";
    case errc::value_conflict:
      return "value_conflict";
    case errc::assertion_failed:
      return "assertion_failed";
    case errc::invalid_request:
      return "invalid_request";
    case errc::not_unique:
      return "not_unique";
    case errc::other:
      break;
  }
  return "other";
}

bool error::unavailable() const noexcept {
  return code == errc::unavailable || code == errc::timeout || code == errc::busy;
}

void throw_exception_from_error(const error& e, const boost::source_location& loc) {
  boost::throw_exception(
      std::runtime_error("LDAP error (" + std::string(to_string(e.code)) + "): " + e.message), loc);
}

}  // namespace scopegate::ldap
