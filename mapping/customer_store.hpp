// Customer writes: create, change and delete customer entries as the service account.
// Field names are the JSON names of customers.fields; DN values are escaped here. Scope and
// mode checks are the caller's (gateway) job; this layer only talks to the directory.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "mapping/directory.hpp"

namespace scopegate::mapping {

// Error code for writes refused before any LDAP call.
inline constexpr int k_invalid_input = -1003;

// JSON field name -> new value; nullopt removes the attribute (PATCH with null).
using field_changes = std::map<std::string, std::optional<std::string>>;

class customer_store {
 public:
  explicit customer_store(directory& dir);

  // The DN a new customer with this login gets: <login_attribute>=<escaped>,<base_dn>.
  [[nodiscard]] std::string dn_for(std::string_view login) const;

  // Adds a customer. `fields` must hold login and customer_id; `owner_dn` is recorded in
  // customers.owner_attribute (the creating agent: the service account is creatorsName).
  [[nodiscard]] net::awaitable<result<void>> create(field_changes fields, std::string owner_dn);
  [[nodiscard]] net::awaitable<result<void>> update(std::string dn, field_changes changes);
  [[nodiscard]] net::awaitable<result<void>> remove(std::string dn);

  // LDAP attribute for a JSON field name, or empty when there is none.
  [[nodiscard]] std::string attribute_of(std::string_view field) const;

 private:
  directory& dir_;
};

}  // namespace scopegate::mapping
