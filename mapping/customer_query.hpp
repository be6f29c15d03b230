// Customer queries and their compilation, with an agent's scope, into ONE LDAP filter:
// the scope is pushed down to the server, never applied to fetched results afterwards.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "ldap/filter.hpp"
#include "mapping/access_scope.hpp"

namespace scopegate::mapping {

struct customer_query {
  std::string text;                        // substring over customers.search_attributes
  std::optional<std::string> customer_id;  // exact customer ID
  std::optional<std::string> login;        // exact login (single-record lookup)
  std::size_t limit = 50;
  std::string after_login;  // page cursor: logins strictly greater
  // Attributes `text` may be matched against; empty = customers.search_attributes.
  // Lets policy drop attributes the caller only sees masked.
  std::vector<std::string> search_attributes;
};

// The filter for `query` within `scope`, or nullopt when the scope admits no customer at
// all (no LDAP request is needed: the answer is empty).
[[nodiscard]] std::optional<ldap::filter> compile_customer_filter(
    const config::customers_config& customers, const customer_query& query,
    const access_scope& scope);

}  // namespace scopegate::mapping

namespace scopegate::mapping {
// (&(a)(b)). A plain function because GCC 12 miscompiles braced initializer lists inside
// coroutine bodies ("array used as initializer"); coroutines call this instead.
[[nodiscard]] ldap::filter both(ldap::filter a, ldap::filter b);
}  // namespace scopegate::mapping
