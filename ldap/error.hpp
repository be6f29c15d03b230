// The error type of every ldap/ operation: a named kind that callers branch on, and a
// message for the log. libldap's numeric result codes stay inside ldap/: a caller never
// compares numbers, and the raw code appears only inside `message`.
//
//   auto r = co_await ldap.search(request);
//   if (!r && r.error().code == ldap::errc::no_such_object) co_return empty;
//   if (!r) co_return problem_503(r.error());  // log r.error().message, never send it
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace scopegate::ldap {

// What kind of failure; each names the LDAP result codes (RFC 4511 appendix A) or libldap
// API codes it covers. Anything not listed is `other`.
enum class errc {
  unavailable,           // no connection, server down (-1), connect error (-11),
                         // unavailable (52), client stopped
  timeout,               // the client's deadline passed (-5), or timeLimitExceeded (3)
  busy,                  // busy (51): the server is up but refuses work for now
  size_limit_exceeded,   // sizeLimitExceeded (4): the SERVER's limit; a client-side
                         // search_request::size_limit truncates quietly instead
  no_such_object,        // noSuchObject (32)
  already_exists,        // entryAlreadyExists (68)
  invalid_credentials,   // invalidCredentials (49)
  insufficient_access,   // insufficientAccessRights (50)
  constraint_violation,  // constraintViolation (19)
  // The values or names do not fit the schema: undefinedAttributeType (17),
  // invalidAttributeSyntax (21), invalidDNSyntax (34), namingViolation (64),
  // objectClassViolation (65), notAllowedOnRDN (67), objectClassModsProhibited (69).
  schema_violation,
  not_allowed_on_non_leaf,  // notAllowedOnNonLeaf (66): delete of an entry with children
  // The values to add are there already or those to remove are not: noSuchAttribute (16),
  // attributeOrValueExists (20). Usually a concurrent change of the same entry.
  value_conflict,
  // assertionFailed (122): the write carried an RFC 4528 assertion (e.g. "the entry is
  // still at the version I read") and the entry no longer matches it; nothing was changed.
  assertion_failed,
  // Refused before anything was sent: a NUL byte, or a filter, DN or value libldap cannot
  // encode (param error -9, filter error -7, encoding error -3).
  invalid_request,
  // A lookup that must find at most one entry found several. The client never returns it;
  // layers above that expect a unique match do.
  not_unique,
  // Everything else (unwillingToPerform (53) included: it is usually permanent, e.g. a
  // read-only database, so it must not look like a passing outage).
  other,
};

// A stable lower-case name for logs and metrics ("no_such_object").
[[nodiscard]] std::string_view to_string(errc code) noexcept;

// What went wrong. `message` is for logs only, never for clients (it may name servers or
// DNs); when the failure came from libldap it ends with the numeric code, e.g.
// "No such object (LDAP 32)".
struct error {
  // Not an aggregate on purpose: result<bool, error> needs error not constructible from bool.
  error() = default;
  error(errc code, std::string message) : code(code), message(std::move(message)) {}

  errc code = errc::other;
  std::string message;

  // The directory could not answer now (no connection, server down, timeout, busy): callers
  // answer 503 and may retry later. Never true for a refusal of the request itself.
  [[nodiscard]] bool unavailable() const noexcept;
  [[nodiscard]] bool timed_out() const noexcept { return code == errc::timeout; }
  [[nodiscard]] bool no_such_object() const noexcept { return code == errc::no_such_object; }
  [[nodiscard]] bool invalid_credentials() const noexcept {
    return code == errc::invalid_credentials;
  }
  [[nodiscard]] bool size_limit_exceeded() const noexcept {
    return code == errc::size_limit_exceeded;
  }
  [[nodiscard]] bool already_exists() const noexcept { return code == errc::already_exists; }
};

// Lets result<T>::value() throw (std::runtime_error carrying kind and message) when it
// holds an error; found by argument-dependent lookup.
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, error>;

}  // namespace scopegate::ldap
