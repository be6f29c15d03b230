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
  // Every value of customers.customer_id_attribute, sorted, unique. The customer is visible
  // to a scope when ANY of them is granted (access_scope::allows_any).
  std::vector<std::string> customer_ids;
  // For display and the reveal log only, never for a decision: the first of customer_ids,
  // empty when there is none.
  std::string customer_id;
  // creatorsName and customers.owner_attribute values (creator scope; DESIGN.md section 1).
  std::vector<std::string> creator_dns;
  // One value per customers.fields entry, in config order; nullopt when absent.
  std::vector<std::optional<std::string>> values;
};

struct customer_page {
  std::vector<customer_record> items;
  std::optional<std::string> next_after;  // cursor for the next page, if there is one
};

// Why a customer query has no answer. Each kind gets its own answer at the edge: the
// gateway's own result cap is not the directory's size limit, and neither is "down".
enum class query_errc {
  unavailable,        // the directory (or the index) cannot answer now: 503
  too_many_results,   // more matches than customers.max_results: narrow the query
  ambiguous_login,    // two customers carry the login: a directory data error
  directory_refused,  // the server refused the search (its size or time limit, access)
};
struct query_error {
  query_error() = default;
  query_error(query_errc k, std::string m) : kind(k), message(std::move(m)) {}
  query_errc kind = query_errc::unavailable;
  std::string message;  // for logs only
};
[[noreturn]] void throw_exception_from_error(const query_error& e,
                                             const boost::source_location& loc);
template <class T>
using query_result = boost::system::result<T, query_error>;
// An LDAP failure as a query error.
[[nodiscard]] query_error query_error_from(const ldap::error& e);

// Sorts and de-duplicates `ids` and sets customer_id from them (every source builds its
// records' ID fields through this, so that they agree).
void set_customer_ids(customer_record& r, std::vector<std::string> ids);

// The identity part of a record from a customer entry: dn, login, customer_ids (and
// customer_id), creator_dns. Values of customers.fields are the caller's.
void fill_customer_record(customer_record& r, const ldap::entry& e,
                          const config::customers_config& c);
// Attributes beyond login, customer ID and fields that fill_customer_record reads
// (creatorsName is operational: it comes back only when asked for by name).
[[nodiscard]] std::vector<std::string> customer_read_attributes(const config::customers_config& c);

// A scope that restricts nothing, for lookups that are not an agent's (explain, admin).
[[nodiscard]] scope_ptr unrestricted_scope();

class customer_source {
 public:
  virtual ~customer_source() = default;

  // One page of customers matching `query` within `scope`, ascending by login.
  [[nodiscard]] virtual net::awaitable<query_result<customer_page>> search(customer_query query,
                                                                           scope_ptr scope) = 0;
  // The customer with this exact login if it is within `scope`; nullopt otherwise.
  [[nodiscard]] virtual net::awaitable<query_result<std::optional<customer_record>>> find(
      std::string login, scope_ptr scope) = 0;
  // Distinct customer IDs within `scope` starting with `prefix`, ascending, at most `limit`.
  [[nodiscard]] virtual net::awaitable<query_result<std::vector<std::string>>> customer_ids(
      std::string prefix, std::size_t limit, scope_ptr scope) = 0;
  [[nodiscard]] virtual std::string_view name() const = 0;
};

// LDAP filter pushdown: the scope travels inside the filter to the server.
class ldap_customer_source final : public customer_source {
 public:
  explicit ldap_customer_source(directory& dir);
  net::awaitable<query_result<customer_page>> search(customer_query query,
                                                     scope_ptr scope) override;
  net::awaitable<query_result<std::optional<customer_record>>> find(std::string login,
                                                                    scope_ptr scope) override;
  net::awaitable<query_result<std::vector<std::string>>> customer_ids(std::string prefix,
                                                                      std::size_t limit,
                                                                      scope_ptr scope) override;
  std::string_view name() const override { return "ldap"; }

 private:
  customer_record to_record(const ldap::entry& e) const;
  directory& dir_;
  std::vector<std::string> attributes_;
};

}  // namespace scopegate::mapping
