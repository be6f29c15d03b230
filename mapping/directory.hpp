// The directory model: agents, partners and groups as scopegate's config describes them,
// read through the generic LDAP client. Every value is escaped by ldap::filter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "ldap/client.hpp"

namespace scopegate::mapping {

namespace net = boost::asio;
using ldap::result;

struct agent {
  std::string login;  // the entry's own login, canonical (mapping/login_name.hpp)
  std::string dn;
  std::vector<std::string> partner_ids;  // from agents.partner_attribute, if configured
  ldap::entry entry;                     // the agent entry (attributes scopegate reads)
};

struct partner {
  std::string dn;
  std::string id;
  std::string name;
  std::vector<std::string> customer_ids;
};

class directory {
 public:
  directory(ldap::client& ldap, const config::config& cfg);

  // The agent whose login attribute equals `login` (escaped), named by its stored login.
  // nullopt when there is no such agent, more than one (an ambiguous login never
  // authenticates) or its stored login has no canonical form.
  [[nodiscard]] net::awaitable<result<std::optional<agent>>> find_agent(std::string login);

  // Is `member_dn` listed in the group entry `group_dn` (scope.group_member_attribute)?
  [[nodiscard]] net::awaitable<result<bool>> is_group_member(std::string group_dn,
                                                             std::string member_dn);

  // Does at least one partner entry exist?
  [[nodiscard]] net::awaitable<result<bool>> any_partner_exists();

  // Partner entries whose ID is one of `ids`.
  [[nodiscard]] net::awaitable<result<std::vector<partner>>> partners_with_ids(
      std::vector<std::string> ids);

  // Partner entries listing `agent_dn` in partners.member_attribute (if configured).
  [[nodiscard]] net::awaitable<result<std::vector<partner>>> partners_with_member(
      std::string agent_dn);

  // Distinct customer IDs carried by customers, starting with `prefix`, ascending, at most
  // `limit` (the directory-wide list: no scope applied).
  [[nodiscard]] net::awaitable<result<std::vector<std::string>>> distinct_customer_ids(
      std::string prefix, std::size_t limit);

  // Simple bind as `dn` on a bind-only connection: true when the password is right, false
  // when not, an error when the directory cannot tell.
  [[nodiscard]] net::awaitable<result<bool>> check_password(std::string dn, std::string password);

  const config::config& cfg() const { return cfg_; }

 private:
  // The raw client stays inside mapping/: every layer above reads through this class and
  // writes through the stores (mapping_store, customer_store).
  friend class scope_resolver;
  friend class mapping_store;
  friend class customer_store;
  friend class ldap_customer_source;
  friend class routing_customer_source;
  ldap::client& ldap() { return ldap_; }

  partner to_partner(const ldap::entry& e) const;
  ldap::client& ldap_;
  const config::config& cfg_;
  std::vector<std::string> partner_attributes_;
};

}  // namespace scopegate::mapping
