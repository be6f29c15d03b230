// libldap result codes -> ldap::errc: the one mapping, checked code by code. Pure.
#include "ldap/error.hpp"

#include <doctest/doctest.h>
#include <ldap.h>

#include "ldap/detail/result_codes.hpp"

using namespace scopegate::ldap;
using detail::classify;

TEST_CASE("classify: outages") {
  CHECK(classify(LDAP_SERVER_DOWN) == errc::unavailable);
  CHECK(classify(LDAP_CONNECT_ERROR) == errc::unavailable);
  CHECK(classify(LDAP_UNAVAILABLE) == errc::unavailable);
  CHECK(classify(LDAP_TIMEOUT) == errc::timeout);
  CHECK(classify(LDAP_TIMELIMIT_EXCEEDED) == errc::timeout);
  CHECK(classify(LDAP_BUSY) == errc::busy);
  for (int code : {LDAP_SERVER_DOWN, LDAP_TIMEOUT, LDAP_BUSY, LDAP_UNAVAILABLE}) {
    CAPTURE(code);
    CHECK(detail::to_error(code, "x").unavailable());
  }
}

TEST_CASE("classify: refusals are not outages") {
  CHECK(classify(LDAP_SIZELIMIT_EXCEEDED) == errc::size_limit_exceeded);
  CHECK(classify(LDAP_NO_SUCH_OBJECT) == errc::no_such_object);
  CHECK(classify(LDAP_ALREADY_EXISTS) == errc::already_exists);
  CHECK(classify(LDAP_INVALID_CREDENTIALS) == errc::invalid_credentials);
  CHECK(classify(LDAP_INSUFFICIENT_ACCESS) == errc::insufficient_access);
  CHECK(classify(LDAP_CONSTRAINT_VIOLATION) == errc::constraint_violation);
  for (int code :
       {LDAP_UNDEFINED_TYPE, LDAP_INVALID_SYNTAX, LDAP_INVALID_DN_SYNTAX, LDAP_NAMING_VIOLATION,
        LDAP_OBJECT_CLASS_VIOLATION, LDAP_NOT_ALLOWED_ON_RDN, LDAP_NO_OBJECT_CLASS_MODS}) {
    CAPTURE(code);
    CHECK(classify(code) == errc::schema_violation);
  }
  CHECK(classify(LDAP_NOT_ALLOWED_ON_NONLEAF) == errc::not_allowed_on_non_leaf);
  CHECK(classify(LDAP_PARAM_ERROR) == errc::invalid_request);
  CHECK(classify(LDAP_FILTER_ERROR) == errc::invalid_request);
  CHECK(classify(LDAP_ENCODING_ERROR) == errc::invalid_request);
  CHECK(classify(LDAP_NO_SUCH_ATTRIBUTE) == errc::value_conflict);
  CHECK(classify(LDAP_TYPE_OR_VALUE_EXISTS) == errc::value_conflict);
  CHECK(classify(LDAP_ASSERTION_FAILED) == errc::assertion_failed);
  CHECK(to_string(errc::assertion_failed) == "assertion_failed");
  CHECK(!detail::to_error(LDAP_ASSERTION_FAILED, "x").unavailable());
  for (int code : {LDAP_UNWILLING_TO_PERFORM, LDAP_OTHER, LDAP_OPERATIONS_ERROR, LDAP_REFERRAL,
                   LDAP_ADMINLIMIT_EXCEEDED, LDAP_NO_MEMORY, LDAP_LOCAL_ERROR, 12345}) {
    CAPTURE(code);
    CHECK(classify(code) == errc::other);
    CHECK(!detail::to_error(code, "x").unavailable());
  }
}

TEST_CASE("to_error keeps the raw code in the message only") {
  auto e = detail::to_error(LDAP_NO_SUCH_OBJECT, "No such object");
  CHECK(e.code == errc::no_such_object);
  CHECK(e.no_such_object());
  CHECK(e.message == "No such object (LDAP 32)");
  CHECK(to_string(e.code) == "no_such_object");
  CHECK(to_string(errc::other) == "other");
}

TEST_CASE("result<T>::value() throws with the kind") {
  result<int> r = error{errc::timeout, "slow"};
  CHECK_THROWS_WITH_AS(r.value(), "LDAP error (timeout): slow", std::runtime_error);
}
