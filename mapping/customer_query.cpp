#include "mapping/customer_query.hpp"

#include <algorithm>

namespace scopegate::mapping {

using ldap::filter;

std::optional<filter> compile_customer_filter(const config::customers_config& customers,
                                              const customer_query& query,
                                              const access_scope& scope) {
  if (scope.kind == scope_kind::none) return std::nullopt;
  if (query.customer_id && !scope.allows(*query.customer_id)) return std::nullopt;

  std::vector<filter> parts;
  parts.push_back(filter::raw(customers.filter));
  if (scope.kind == scope_kind::some) {
    std::vector<filter> ids;
    ids.reserve(scope.customer_ids.size());
    for (const auto& id : scope.customer_ids)
      ids.push_back(filter::equals(customers.customer_id_attribute, id));
    parts.push_back(filter::any_of(std::move(ids)));
  }
  if (scope.creator_dn) {
    std::vector<filter> mine;
    mine.push_back(filter::equals("creatorsName", *scope.creator_dn));
    mine.push_back(filter::equals(customers.owner_attribute, *scope.creator_dn));
    parts.push_back(filter::any_of(std::move(mine)));
  }
  if (query.customer_id)
    parts.push_back(filter::equals(customers.customer_id_attribute, *query.customer_id));
  if (query.login) parts.push_back(filter::equals(customers.login_attribute, *query.login));
  if (!query.text.empty()) {
    const auto& attrs =
        query.search_attributes.empty() ? customers.search_attributes : query.search_attributes;
    std::vector<filter> any;
    for (const auto& a : attrs)
      any.push_back(filter::contains(a, query.text));
    parts.push_back(filter::any_of(std::move(any)));
  }
  return filter::all_of(std::move(parts));
}

}  // namespace scopegate::mapping

namespace scopegate::mapping {
ldap::filter both(ldap::filter a, ldap::filter b) {
  std::vector<ldap::filter> parts;
  parts.push_back(std::move(a));
  parts.push_back(std::move(b));
  return ldap::filter::all_of(std::move(parts));
}
}  // namespace scopegate::mapping
