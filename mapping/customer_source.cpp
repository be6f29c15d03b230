#include "mapping/customer_source.hpp"

#include <algorithm>
#include <stdexcept>

namespace scopegate::mapping {

using ldap::filter;

namespace {

// The operational attribute naming the entry's creator (RFC 4512); returned only on request.
constexpr std::string_view k_creators_name = "creatorsName";

std::vector<std::string> creator_dns_of(const ldap::entry& e, const config::customers_config& c) {
  std::vector<std::string> out;
  for (auto attribute : {std::string(k_creators_name), c.owner_attribute})
    if (const auto* v = e.values(attribute)) out.insert(out.end(), v->begin(), v->end());
  return out;
}

}  // namespace

std::vector<std::string> customer_read_attributes(const config::customers_config& c) {
  return {std::string(k_creators_name), c.owner_attribute};
}

void fill_customer_record(customer_record& r, const ldap::entry& e,
                          const config::customers_config& c) {
  r.dn = e.dn;
  r.login = std::string(e.first(c.login_attribute));
  std::vector<std::string> ids;
  if (const auto* v = e.values(c.customer_id_attribute)) ids = *v;
  set_customer_ids(r, std::move(ids));
  r.creator_dns = creator_dns_of(e, c);
}

void set_customer_ids(customer_record& r, std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  r.customer_ids = std::move(ids);
  r.customer_id = r.customer_ids.empty() ? std::string() : r.customer_ids.front();
}

scope_ptr unrestricted_scope() {
  auto s = std::make_shared<access_scope>();
  s->kind = scope_kind::all;
  s->rule = scope_rule::no_partners_defined;
  return s;
}

ldap_customer_source::ldap_customer_source(directory& dir) : dir_(dir) {
  const auto& c = dir_.cfg().customers;
  attributes_ = customer_read_attributes(c);
  attributes_.push_back(c.login_attribute);
  attributes_.push_back(c.customer_id_attribute);
  for (const auto& f : c.fields)
    attributes_.push_back(f.attribute);
  std::sort(attributes_.begin(), attributes_.end());
  attributes_.erase(std::unique(attributes_.begin(), attributes_.end()), attributes_.end());
}

customer_record ldap_customer_source::to_record(const ldap::entry& e) const {
  const auto& c = dir_.cfg().customers;
  customer_record r;
  fill_customer_record(r, e, c);
  r.values.reserve(c.fields.size());
  for (const auto& f : c.fields) {
    const auto* v = e.values(f.attribute);
    if (v && !v->empty())
      r.values.emplace_back(v->front());
    else
      r.values.emplace_back(std::nullopt);
  }
  return r;
}

void throw_exception_from_error(const query_error& e, const boost::source_location&) {
  throw std::runtime_error("customer query failed: " + e.message);
}

query_error query_error_from(const ldap::error& e) {
  // Only "cannot answer now" is retryable; a refusal (the server's own size or time limit,
  // missing rights) is a different answer, never mistaken for the gateway's result cap.
  if (e.unavailable()) return query_error{query_errc::unavailable, e.message};
  return query_error{query_errc::directory_refused, e.message};
}

net::awaitable<query_result<customer_page>> ldap_customer_source::search(customer_query query,
                                                                         scope_ptr scope) {
  const auto& c = dir_.cfg().customers;
  customer_page page;
  auto f = compile_customer_filter(c, query, *scope);
  if (!f) co_return page;
  // slapd has no ordering rule for most login attributes and RFC 2696 pages are unordered,
  // so the matching set is fetched and ordered here; the in-memory index avoids this cost.
  ldap::search_request request{
      .base_dn = c.base_dn,
      .filter = f->str(),
      .attributes = attributes_,
      .size_limit = c.max_results + 1,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) co_return query_error_from(found.error());
  if (found->size() > static_cast<std::size_t>(c.max_results))
    co_return query_error{query_errc::too_many_results,
                          "search matches more than customers.max_results"};

  std::vector<customer_record> all;
  all.reserve(found->size());
  for (const auto& e : *found) {
    auto r = to_record(e);
    // Defence in depth: the filter already scoped the result; a record outside the scope
    // here would mean a server-side matching-rule surprise, so it is dropped.
    if (r.login.empty() || !scope->allows_any(r.customer_ids)) continue;
    if (!query.after_login.empty() && r.login <= query.after_login) continue;
    all.push_back(std::move(r));
  }
  std::sort(all.begin(), all.end(),
            [](const customer_record& a, const customer_record& b) { return a.login < b.login; });
  if (all.size() > query.limit) {
    all.resize(query.limit);
    page.next_after = all.back().login;
  }
  page.items = std::move(all);
  co_return page;
}

net::awaitable<query_result<std::optional<customer_record>>> ldap_customer_source::find(
    std::string login, scope_ptr scope) {
  const auto& c = dir_.cfg().customers;
  customer_query query;
  query.login = std::move(login);
  auto f = compile_customer_filter(c, query, *scope);
  if (!f) co_return std::optional<customer_record>{};
  ldap::search_request request{
      .base_dn = c.base_dn,
      .filter = f->str(),
      .attributes = attributes_,
      .size_limit = 2,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) co_return query_error_from(found.error());
  if (found->empty()) co_return std::optional<customer_record>{};
  if (found->size() > 1)
    co_return query_error{query_errc::ambiguous_login, "login matches two customers"};
  auto r = to_record(found->front());
  if (!scope->allows_any(r.customer_ids)) co_return std::optional<customer_record>{};
  co_return std::optional<customer_record>{std::move(r)};
}

net::awaitable<query_result<std::vector<std::string>>> ldap_customer_source::customer_ids(
    std::string prefix, std::size_t limit, scope_ptr scope) {
  std::vector<std::string> out;
  if (scope->kind == scope_kind::none) co_return out;
  if (scope->kind == scope_kind::some) {
    auto it = std::lower_bound(scope->customer_ids.begin(), scope->customer_ids.end(), prefix);
    for (; it != scope->customer_ids.end() && out.size() < limit && it->starts_with(prefix); ++it)
      out.push_back(*it);
    co_return out;
  }
  auto all = co_await dir_.distinct_customer_ids(std::move(prefix), limit);
  if (!all) co_return query_error_from(all.error());
  co_return std::move(*all);
}

}  // namespace scopegate::mapping
