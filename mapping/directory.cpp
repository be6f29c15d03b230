#include "mapping/directory.hpp"

#include <algorithm>

#include "ldap/filter.hpp"
#include "mapping/customer_query.hpp"
#include "mapping/login_name.hpp"

namespace scopegate::mapping {

using ldap::filter;

namespace {

// Attributes read from an agent entry. (Built outside the coroutine: GCC 12 mishandles
// braced arrays inside coroutine bodies.)
std::vector<std::string> agent_attributes(const config::agents_config& a) {
  std::vector<std::string> attrs = {a.login_attribute,
                                    "cn",
                                    "displayName",
                                    a.access_mode_attribute,
                                    a.contact_visibility_attribute,
                                    a.daily_limit_attribute};
  if (a.partner_attribute) attrs.push_back(*a.partner_attribute);
  return attrs;
}

const std::vector<std::string> k_no_attributes = {"1.1"};

}  // namespace

directory::directory(ldap::client& ldap, const config::config& cfg)
    : ldap_(ldap),
      cfg_(cfg),
      partner_attributes_{cfg.partners.id_attribute, cfg.partners.name_attribute,
                          cfg.partners.customer_ids_attribute} {}

net::awaitable<result<std::optional<agent>>> directory::find_agent(std::string login) {
  const auto& a = cfg_.agents;
  auto attrs = agent_attributes(a);
  ldap::search_request request{
      .base_dn = a.base_dn,
      .filter = both(filter::raw(a.filter), filter::equals(a.login_attribute, login)).str(),
      .attributes = std::move(attrs),
      .size_limit = 2,
  };
  auto found = co_await ldap_.search(std::move(request));
  if (!found) {
    // A size-limit hit means more than one match: ambiguous, so no agent.
    if (found.error().code == ldap::errc::size_limit_exceeded) co_return std::optional<agent>{};
    co_return found.error();
  }
  if (found->size() != 1) co_return std::optional<agent>{};
  auto& e = found->front();
  // Known by the login stored in the entry, never by the spelling that found it.
  auto name = stored_login(e, cfg_);
  if (!name) co_return std::optional<agent>{};
  agent out{.login = std::move(*name), .dn = e.dn, .partner_ids = {}, .entry = std::move(e)};
  if (a.partner_attribute) {
    if (const auto* v = out.entry.values(*a.partner_attribute)) out.partner_ids = *v;
  }
  co_return out;
}

net::awaitable<result<bool>> directory::is_group_member(std::string group_dn,
                                                        std::string member_dn) {
  ldap::search_request request{
      .base_dn = std::move(group_dn),
      .scope = ldap::search_scope::base,
      .filter = filter::equals(cfg_.scope.group_member_attribute, member_dn).str(),
      .attributes = k_no_attributes,
      .size_limit = 1,
  };
  auto found = co_await ldap_.search(std::move(request));
  if (!found) {
    // A bypass group that does not exist grants nothing; it is not an outage.
    if (found.error().no_such_object()) co_return false;
    co_return found.error();
  }
  co_return !found->empty();
}

net::awaitable<result<bool>> directory::any_partner_exists() {
  ldap::search_request request{
      .base_dn = cfg_.partners.base_dn,
      .filter = filter::raw(cfg_.partners.filter).str(),
      .attributes = k_no_attributes,
      .size_limit = 1,
  };
  auto found = co_await ldap_.search(std::move(request));
  if (!found) {
    if (found.error().code == ldap::errc::size_limit_exceeded)
      co_return true;  // size limit hit: at least one exists
    co_return found.error();
  }
  co_return !found->empty();
}

partner directory::to_partner(const ldap::entry& e) const {
  const auto& p = cfg_.partners;
  partner out{.dn = e.dn,
              .id = std::string(e.first(p.id_attribute)),
              .name = std::string(e.first(p.name_attribute)),
              .customer_ids = {}};
  if (const auto* v = e.values(p.customer_ids_attribute)) out.customer_ids = *v;
  return out;
}

net::awaitable<result<std::vector<partner>>> directory::partners_with_ids(
    std::vector<std::string> ids) {
  std::vector<partner> out;
  if (ids.empty()) co_return out;
  const auto& p = cfg_.partners;
  std::vector<filter> any;
  any.reserve(ids.size());
  for (const auto& id : ids)
    any.push_back(filter::equals(p.id_attribute, id));
  ldap::search_request request{
      .base_dn = p.base_dn,
      .filter = both(filter::raw(p.filter), filter::any_of(std::move(any))).str(),
      .attributes = partner_attributes_,
  };
  auto found = co_await ldap_.search(std::move(request));
  if (!found) co_return found.error();
  for (const auto& e : *found)
    out.push_back(to_partner(e));
  co_return out;
}

net::awaitable<result<std::vector<partner>>> directory::partners_with_member(std::string agent_dn) {
  std::vector<partner> out;
  const auto& p = cfg_.partners;
  if (!p.member_attribute) co_return out;
  ldap::search_request request{
      .base_dn = p.base_dn,
      .filter = both(filter::raw(p.filter), filter::equals(*p.member_attribute, agent_dn)).str(),
      .attributes = partner_attributes_,
  };
  auto found = co_await ldap_.search(std::move(request));
  if (!found) co_return found.error();
  for (const auto& e : *found)
    out.push_back(to_partner(e));
  co_return out;
}

net::awaitable<result<std::vector<std::string>>> directory::distinct_customer_ids(
    std::string prefix, std::size_t limit) {
  std::vector<std::string> out;
  const auto& c = cfg_.customers;
  auto f = prefix.empty() ? filter::present(c.customer_id_attribute)
                          : filter::starts_with(c.customer_id_attribute, prefix);
  ldap::search_request request{
      .base_dn = c.base_dn,
      .filter = both(filter::raw(c.filter), std::move(f)).str(),
      .attributes = std::vector<std::string>(1, c.customer_id_attribute),
      .size_limit = c.max_results,
  };
  auto found = co_await ldap_.search(std::move(request));
  if (!found) co_return found.error();
  for (const auto& e : *found) {
    if (const auto* v = e.values(c.customer_id_attribute))
      for (const auto& id : *v)
        if (id.starts_with(prefix)) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > limit) out.resize(limit);
  co_return out;
}

net::awaitable<result<bool>> directory::check_password(std::string dn, std::string password) {
  co_return co_await ldap_.check_password(std::move(dn), std::move(password));
}

}  // namespace scopegate::mapping
