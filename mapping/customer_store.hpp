// Customer writes: create, change and delete customer entries as the service account.
// Field names are the JSON names of customers.fields; DN values are escaped here. Scope and
// mode checks are the caller's (gateway) job; this layer only talks to the directory.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "mapping/directory.hpp"

namespace scopegate::mapping {

// Why a customer write failed, in terms the HTTP edge can answer with.
enum class write_errc {
  unavailable,  // the directory could not answer (down, timeout, busy): try again later
  exists,       // an entry with this DN (login) exists already
  not_found,    // no such entry
  invalid,      // refused before any LDAP call: a required field is missing
  constraint,   // the directory refused a value (constraint violation)
  schema,       // the values do not fit the schema (attribute type, syntax, object class)
  forbidden,    // the service account may not write this entry
  refused,      // anything else the directory refused (or a lookup that was not unique)
};

struct write_error {
  write_error() = default;
  write_error(write_errc code, std::string message) : code(code), message(std::move(message)) {}
  write_errc code = write_errc::refused;
  std::string message;  // for logs only; may name DNs
};

template <class T>
using write_result = boost::system::result<T, write_error>;

// The write_errc for a directory error (from a write, or a lookup before one).
[[nodiscard]] write_error to_write_error(const ldap::error& e);

// A fresh customer login: customers.login_prefix and 24 random hex digits (96 bits from the
// system's random source), e.g. "c-3f9a0c...". Thread-safe.
[[nodiscard]] std::string new_login(std::string_view prefix);

// JSON field name -> new value; nullopt removes the attribute (PATCH with null).
using field_changes = std::map<std::string, std::optional<std::string>>;

class customer_store {
 public:
  explicit customer_store(directory& dir);

  // The DN a new customer with this login gets: <login_attribute>=<escaped>,<base_dn>.
  [[nodiscard]] std::string dn_for(std::string_view login) const;

  // Adds a customer under a login it assigns (new_login(); another is drawn when one is
  // taken) and returns that login. `fields` must hold customer_id and must not hold login:
  // clients never choose logins, so no outcome depends on which logins exist elsewhere.
  // `owner_dn` is recorded in customers.owner_attribute (the creating agent: the service
  // account is creatorsName).
  [[nodiscard]] net::awaitable<write_result<std::string>> create(field_changes fields,
                                                                 std::string owner_dn);
  [[nodiscard]] net::awaitable<write_result<void>> update(std::string dn, field_changes changes);
  [[nodiscard]] net::awaitable<write_result<void>> remove(std::string dn);

  // LDAP attribute for a JSON field name, or empty when there is none.
  [[nodiscard]] std::string attribute_of(std::string_view field) const;

 private:
  directory& dir_;
};

}  // namespace scopegate::mapping
