// Reads and writes of the partner -> customer-ID mapping for the dashboard: partner entries
// (create, rename, delete, customer IDs), agent <-> partner links in both link modes, and
// the directory facts the dashboard shows (distinct customer IDs, unknown IDs, agents).
//
//   mapping::mapping_store store(directory, cfg.admin.partner_object_classes);
//   auto r = co_await store.change_customer_ids("acme", add, remove, if_match_version);
//   if (!r && r.error().code == mapping::store_errc::conflict) co_return problem_409();
//
// Every write goes to LDAP as the service account. Versions are the partner entry's
// entryCSN. Partner writes carry an RFC 4528 assertion on the version they were computed
// from, so the directory itself refuses one that another write overtook (no lost update):
// with an expected version (If-Match) that is a conflict; without one the write re-reads
// and retries a few times. Values
// reach filters and DNs only through ldap::filter and ldap::escape_dn_value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mapping/directory.hpp"

namespace scopegate::mapping {

enum class store_errc {
  not_found,    // no such partner or agent
  conflict,     // the expected version is not the current one (or stopped being it before
                // the write landed)
  exists,       // a partner with this ID exists already
  invalid,      // a value the directory cannot take (ID charset, length, schema, constraint)
  refused,      // the directory refused the write for another reason (e.g. access rights)
  unavailable,  // LDAP could not answer
};

struct store_error {
  store_error() = default;
  store_error(store_errc code, std::string message) : code(code), message(std::move(message)) {}
  store_errc code = store_errc::unavailable;
  std::string message;  // for logs; may name DNs
};

template <class T>
using store_result = boost::system::result<T, store_error>;

struct partner_record {
  std::string dn;
  std::string id;
  std::string name;
  std::vector<std::string> customer_ids;  // sorted, unique
  std::vector<std::string> member_dns;    // partners.member_attribute values, if configured
  std::string version;                    // entryCSN
};

struct agent_record {
  std::string dn;
  std::string login;
  std::string name;
  std::vector<std::string> partner_ids;  // agents.partner_attribute values, sorted
};

enum class link_mode { agent_attribute, partner_member };

// Partner IDs: 1-64 characters of [A-Za-z0-9._-], starting with a letter or digit.
[[nodiscard]] bool valid_partner_id(std::string_view id);
// Customer IDs and display names: 1-256 bytes, no control characters.
[[nodiscard]] bool valid_mapping_value(std::string_view value);

class mapping_store {
 public:
  mapping_store(directory& dir, std::vector<std::string> partner_object_classes);

  [[nodiscard]] net::awaitable<store_result<std::vector<partner_record>>> list_partners();
  [[nodiscard]] net::awaitable<store_result<std::optional<partner_record>>> find_partner(
      std::string id);
  // Agents whose login or name contains `text` (all agents when empty).
  [[nodiscard]] net::awaitable<store_result<std::vector<agent_record>>> list_agents(
      std::string text);
  [[nodiscard]] net::awaitable<store_result<std::optional<agent_record>>> find_agent(
      std::string login);

  [[nodiscard]] net::awaitable<store_result<partner_record>> create_partner(
      std::string id, std::string name, std::vector<std::string> customer_ids,
      std::vector<std::string> member_dns);
  // `expected_version` empty: no version check.
  [[nodiscard]] net::awaitable<store_result<partner_record>> rename_partner(
      std::string id, std::string name, std::string expected_version);
  // Adds and removes in one LDAP modify; IDs already present / absent are skipped.
  [[nodiscard]] net::awaitable<store_result<partner_record>> change_customer_ids(
      std::string id, std::vector<std::string> add, std::vector<std::string> remove,
      std::string expected_version);
  // The write half of change_customer_ids: adds and removes relative to `seen` (a record
  // read earlier), applied only while the entry is still at seen.version; conflict (and
  // nothing changed) when another write came in between.
  [[nodiscard]] net::awaitable<store_result<partner_record>> change_customer_ids_of(
      partner_record seen, std::vector<std::string> add, std::vector<std::string> remove);
  [[nodiscard]] net::awaitable<store_result<partner_record>> delete_partner(
      std::string id, std::string expected_version);
  // Links or unlinks an agent and a partner. Returns whether anything changed.
  [[nodiscard]] net::awaitable<store_result<bool>> link_agent(std::string agent_login,
                                                              std::string partner_id, bool linked,
                                                              link_mode mode);

  // Distinct customer IDs carried by customers, starting with `prefix`, sorted.
  [[nodiscard]] net::awaitable<store_result<std::vector<std::string>>> distinct_customer_ids(
      std::string prefix, std::size_t limit);
  // Those of `ids` that no customer carries.
  [[nodiscard]] net::awaitable<store_result<std::vector<std::string>>> unknown_customer_ids(
      std::vector<std::string> ids);

  // Is `member_dn` listed in `attribute` of the group entry `group_dn`? A missing group
  // grants nothing.
  [[nodiscard]] net::awaitable<store_result<bool>> group_has_member(std::string group_dn,
                                                                    std::string attribute,
                                                                    std::string member_dn);
  // The customer IDs of the customer with this login; nullopt when there is no such customer.
  [[nodiscard]] net::awaitable<store_result<std::optional<std::vector<std::string>>>>
  customer_ids_of_customer(std::string login);

  // Replaces (value) or removes (nullopt) one attribute of an agent entry, e.g. its
  // access mode.
  [[nodiscard]] net::awaitable<store_result<void>> set_agent_attribute(
      std::string dn, std::string attribute, std::optional<std::string> value);

  directory& dir() { return dir_; }

 private:
  net::awaitable<store_result<partner_record>> current(std::string id,
                                                       const std::string& expected_version);
  partner_record to_record(const ldap::entry& e) const;
  agent_record to_agent(const ldap::entry& e) const;

  directory& dir_;
  std::vector<std::string> object_classes_;
  std::vector<std::string> partner_attributes_;
  std::vector<std::string> agent_attributes_;
};

}  // namespace scopegate::mapping
