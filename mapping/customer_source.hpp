// Where scoped customer queries are answered. One interface, two backends: LDAP filter
// pushdown (always correct, cost grows with scope size) and, later, an in-memory index
// kept current by an RFC 4533 sync. Every backend returns the same records in the same
// order (ascending login, bytewise) for the same query and scope.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mapping/customer_query.hpp"
#include "mapping/directory.hpp"
#include "mapping/scope_resolver.hpp"

namespace scopegate::mapping {

struct customer_record {
  std::string dn;  // may be empty for records not read from LDAP
  std::string login;
  std::string customer_id;
  // One value per customers.fields entry, in config order; nullopt when absent.
  std::vector<std::optional<std::string>> values;
};

struct customer_page {
  std::vector<customer_record> items;
  std::optional<std::string> next_after;  // cursor for the next page, if there is one
};

// Error kinds a source may return besides the directory's own (ldap::error::code): more
// matches than customers.max_results (the same answer as the server's own size limit), and
// one login held by two customers.
inline constexpr ldap::errc k_too_many_results = ldap::errc::size_limit_exceeded;
inline constexpr ldap::errc k_ambiguous_login = ldap::errc::not_unique;

class customer_source {
 public:
  virtual ~customer_source() = default;

  // One page of customers matching `query` within `scope`, ascending by login.
  [[nodiscard]] virtual net::awaitable<result<customer_page>> search(customer_query query,
                                                                     scope_ptr scope) = 0;
  // The customer with this exact login if it is within `scope`; nullopt otherwise.
  [[nodiscard]] virtual net::awaitable<result<std::optional<customer_record>>> find(
      std::string login, scope_ptr scope) = 0;
  // Distinct customer IDs within `scope` starting with `prefix`, ascending, at most `limit`.
  [[nodiscard]] virtual net::awaitable<result<std::vector<std::string>>> customer_ids(
      std::string prefix, std::size_t limit, scope_ptr scope) = 0;
  [[nodiscard]] virtual std::string_view name() const = 0;
};

// LDAP filter pushdown: the scope travels inside the filter to the server.
class ldap_customer_source final : public customer_source {
 public:
  explicit ldap_customer_source(directory& dir);
  net::awaitable<result<customer_page>> search(customer_query query, scope_ptr scope) override;
  net::awaitable<result<std::optional<customer_record>>> find(std::string login,
                                                              scope_ptr scope) override;
  net::awaitable<result<std::vector<std::string>>> customer_ids(std::string prefix,
                                                                std::size_t limit,
                                                                scope_ptr scope) override;
  std::string_view name() const override { return "ldap"; }

 private:
  customer_record to_record(const ldap::entry& e) const;
  directory& dir_;
  std::vector<std::string> attributes_;
};

}  // namespace scopegate::mapping
