#include "mapping/mapping_store.hpp"

#include <algorithm>

#include "ldap/dn.hpp"
#include "ldap/filter.hpp"
#include "mapping/customer_query.hpp"
#include "mapping/login_name.hpp"

namespace scopegate::mapping {

using ldap::filter;

namespace {

constexpr std::size_t k_max_value = 256;

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::vector<std::string> values_or_empty(const ldap::entry& e, std::string_view name) {
  if (const auto* v = e.values(name)) return *v;
  return {};
}

// A failed lookup: the directory could not answer (503).
store_error from_ldap(const ldap::error& e) {
  return store_error(store_errc::unavailable,
                     "LDAP " + std::string(ldap::to_string(e.code)) + ": " + e.message);
}

// A failed write, by what the client can do about it. The message of `invalid` reaches
// clients, so it names only the kind of refusal, never the directory's text.
store_error write_failed(const ldap::error& e) {
  switch (e.code) {
    case ldap::errc::assertion_failed:  // the entry moved on since its version was read
    case ldap::errc::value_conflict:    // a value to add or remove came or went meanwhile
      return store_error(store_errc::conflict, "LDAP " + e.message);
    case ldap::errc::no_such_object:
      return store_error(store_errc::not_found, "LDAP " + e.message);
    case ldap::errc::already_exists:
      return store_error(store_errc::exists, "LDAP " + e.message);
    case ldap::errc::constraint_violation:
    case ldap::errc::schema_violation:
    case ldap::errc::invalid_request:
      return store_error(store_errc::invalid, "the directory does not accept these values (" +
                                                  std::string(ldap::to_string(e.code)) + ")");
    default:
      break;
  }
  if (e.unavailable()) return from_ldap(e);
  return store_error(store_errc::refused,
                     "LDAP " + std::string(ldap::to_string(e.code)) + ": " + e.message);
}

// The RFC 4528 assertion a write of a partner read at `version` carries: the directory
// applies the write only while the entry is still at that version.
std::string at_version(const std::string& version) {
  return filter::equals("entryCSN", version).str();
}

// How often a write without If-Match re-reads and retries when another write slipped in
// between its read and its write.
constexpr int k_write_attempts = 3;

}  // namespace

bool valid_partner_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id.front())) return false;
  return std::all_of(id.begin(), id.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool valid_mapping_value(std::string_view value) {
  if (value.empty() || value.size() > k_max_value) return false;
  return std::none_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

mapping_store::mapping_store(directory& dir, std::vector<std::string> partner_object_classes)
    : dir_(dir), object_classes_(std::move(partner_object_classes)) {
  const auto& cfg = dir_.cfg();
  partner_attributes_ = {cfg.partners.id_attribute, cfg.partners.name_attribute,
                         cfg.partners.customer_ids_attribute, "entryCSN"};
  if (cfg.partners.member_attribute) partner_attributes_.push_back(*cfg.partners.member_attribute);
  agent_attributes_ = {cfg.agents.login_attribute, "cn", "displayName"};
  if (cfg.agents.partner_attribute) agent_attributes_.push_back(*cfg.agents.partner_attribute);
}

partner_record mapping_store::to_record(const ldap::entry& e) const {
  const auto& p = dir_.cfg().partners;
  partner_record r;
  r.dn = e.dn;
  r.id = std::string(e.first(p.id_attribute));
  r.name = std::string(e.first(p.name_attribute));
  r.customer_ids = values_or_empty(e, p.customer_ids_attribute);
  sort_unique(r.customer_ids);
  if (p.member_attribute) r.member_dns = values_or_empty(e, *p.member_attribute);
  r.version = std::string(e.first("entryCSN"));
  return r;
}

agent_record mapping_store::to_agent(const ldap::entry& e) const {
  const auto& a = dir_.cfg().agents;
  agent_record r;
  r.dn = e.dn;
  // The same name the agent is known by when it authenticates.
  auto name = stored_login(e, dir_.cfg());
  r.login = name ? *name : std::string(e.first(a.login_attribute));
  r.name = std::string(e.first("displayName"));
  if (r.name.empty()) r.name = std::string(e.first("cn"));
  if (a.partner_attribute) r.partner_ids = values_or_empty(e, *a.partner_attribute);
  sort_unique(r.partner_ids);
  return r;
}

net::awaitable<store_result<std::vector<partner_record>>> mapping_store::list_partners() {
  const auto& p = dir_.cfg().partners;
  ldap::search_request request{
      .base_dn = p.base_dn,
      .filter = filter::raw(p.filter).str(),
      .attributes = partner_attributes_,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) co_return from_ldap(found.error());
  std::vector<partner_record> out;
  out.reserve(found->size());
  for (const auto& e : *found)
    out.push_back(to_record(e));
  std::sort(out.begin(), out.end(),
            [](const partner_record& a, const partner_record& b) { return a.id < b.id; });
  co_return out;
}

net::awaitable<store_result<std::optional<partner_record>>> mapping_store::find_partner(
    std::string id) {
  const auto& p = dir_.cfg().partners;
  ldap::search_request request{
      .base_dn = p.base_dn,
      .filter = both(filter::raw(p.filter), filter::equals(p.id_attribute, id)).str(),
      .attributes = partner_attributes_,
      .size_limit = 2,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) co_return from_ldap(found.error());
  if (found->size() > 1)
    co_return store_error(store_errc::invalid, "more than one partner entry with this ID");
  if (found->empty()) co_return std::optional<partner_record>{};
  co_return std::optional<partner_record>(to_record(found->front()));
}

net::awaitable<store_result<std::vector<agent_record>>> mapping_store::list_agents(
    std::string text) {
  const auto& a = dir_.cfg().agents;
  auto f = filter::raw(a.filter);
  if (!text.empty()) {
    std::vector<filter> any;
    any.push_back(filter::contains(a.login_attribute, text));
    any.push_back(filter::contains("cn", text));
    f = both(std::move(f), filter::any_of(std::move(any)));
  }
  ldap::search_request request{
      .base_dn = a.base_dn,
      .filter = f.str(),
      .attributes = agent_attributes_,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) co_return from_ldap(found.error());
  std::vector<agent_record> out;
  for (const auto& e : *found)
    out.push_back(to_agent(e));
  std::sort(out.begin(), out.end(),
            [](const agent_record& x, const agent_record& y) { return x.login < y.login; });
  co_return out;
}

net::awaitable<store_result<std::optional<agent_record>>> mapping_store::find_agent(
    std::string login) {
  const auto& a = dir_.cfg().agents;
  ldap::search_request request{
      .base_dn = a.base_dn,
      .filter = both(filter::raw(a.filter), filter::equals(a.login_attribute, login)).str(),
      .attributes = agent_attributes_,
      .size_limit = 2,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) {
    if (found.error().code == ldap::errc::size_limit_exceeded)
      co_return std::optional<agent_record>{};
    co_return from_ldap(found.error());
  }
  if (found->size() != 1) co_return std::optional<agent_record>{};
  co_return std::optional<agent_record>(to_agent(found->front()));
}

net::awaitable<store_result<partner_record>> mapping_store::current(
    std::string id, const std::string& expected_version) {
  auto found = co_await find_partner(std::move(id));
  if (!found) co_return found.error();
  if (!*found) co_return store_error(store_errc::not_found, "no such partner");
  if (!expected_version.empty() && expected_version != (*found)->version)
    co_return store_error(store_errc::conflict, "the partner changed since it was read");
  co_return std::move(**found);
}

net::awaitable<store_result<partner_record>> mapping_store::create_partner(
    std::string id, std::string name, std::vector<std::string> customer_ids,
    std::vector<std::string> member_dns) {
  if (!valid_partner_id(id)) co_return store_error(store_errc::invalid, "invalid partner ID");
  if (!valid_mapping_value(name)) co_return store_error(store_errc::invalid, "invalid name");
  const auto& p = dir_.cfg().partners;
  std::string lookup_id = id;
  auto existing = co_await find_partner(std::move(lookup_id));
  if (!existing) co_return existing.error();
  if (*existing) co_return store_error(store_errc::exists, "a partner with this ID exists");
  std::string dn = p.id_attribute + "=" + ldap::escape_dn_value(id) + "," + p.base_dn;
  std::vector<ldap::attribute> attrs;
  attrs.push_back(ldap::attribute{.name = "objectClass", .values = object_classes_});
  std::vector<std::string> id_values(1, id);
  attrs.push_back(ldap::attribute{.name = p.id_attribute, .values = std::move(id_values)});
  if (p.name_attribute != p.id_attribute) {
    std::vector<std::string> name_values(1, name);
    attrs.push_back(ldap::attribute{.name = p.name_attribute, .values = std::move(name_values)});
  }
  sort_unique(customer_ids);
  if (!customer_ids.empty())
    attrs.push_back(
        ldap::attribute{.name = p.customer_ids_attribute, .values = std::move(customer_ids)});
  if (p.member_attribute && !member_dns.empty())
    attrs.push_back(ldap::attribute{.name = *p.member_attribute, .values = std::move(member_dns)});
  auto added = co_await dir_.ldap().add(dn, std::move(attrs));
  if (!added) {
    if (added.error().code == ldap::errc::already_exists)
      co_return store_error(store_errc::exists, "a partner with this ID exists");
    co_return write_failed(added.error());
  }
  std::string any_version;
  auto created = co_await current(std::move(id), any_version);
  co_return created;
}

net::awaitable<store_result<partner_record>> mapping_store::rename_partner(
    std::string id, std::string name, std::string expected_version) {
  if (!valid_mapping_value(name)) co_return store_error(store_errc::invalid, "invalid name");
  const auto& p = dir_.cfg().partners;
  if (p.name_attribute == p.id_attribute)
    co_return store_error(store_errc::invalid, "the name is the ID in this directory");
  for (int attempt = 1;; ++attempt) {
    std::string lookup_id = id;
    auto before = co_await current(std::move(lookup_id), expected_version);
    if (!before) co_return before.error();
    std::vector<ldap::modification> changes;
    std::vector<std::string> values(1, name);
    changes.push_back(ldap::modification{.op = ldap::modification::kind::replace,
                                         .attribute = p.name_attribute,
                                         .values = std::move(values)});
    std::string dn = before->dn;
    std::string assertion = at_version(before->version);
    auto done =
        co_await dir_.ldap().modify(std::move(dn), std::move(changes), std::move(assertion));
    if (done) break;
    auto failed = write_failed(done.error());
    if (failed.code != store_errc::conflict || !expected_version.empty() ||
        attempt == k_write_attempts)
      co_return failed;
  }
  std::string any_version;
  auto after = co_await current(std::move(id), any_version);
  co_return after;
}

net::awaitable<store_result<partner_record>> mapping_store::change_customer_ids(
    std::string id, std::vector<std::string> add, std::vector<std::string> remove,
    std::string expected_version) {
  for (const auto& v : add)
    if (!valid_mapping_value(v)) co_return store_error(store_errc::invalid, "invalid customer ID");
  for (int attempt = 1;; ++attempt) {
    std::string lookup_id = id;
    auto before = co_await current(std::move(lookup_id), expected_version);
    if (!before) co_return before.error();
    auto changed = co_await change_customer_ids_of(std::move(*before), add, remove);
    if (changed || changed.error().code != store_errc::conflict || !expected_version.empty() ||
        attempt == k_write_attempts)
      co_return changed;
  }
}

net::awaitable<store_result<partner_record>> mapping_store::change_customer_ids_of(
    partner_record seen, std::vector<std::string> add, std::vector<std::string> remove) {
  for (const auto& v : add)
    if (!valid_mapping_value(v)) co_return store_error(store_errc::invalid, "invalid customer ID");
  sort_unique(add);
  sort_unique(remove);
  const auto& have = seen.customer_ids;
  std::vector<std::string> to_add, to_remove;
  for (auto& v : add)
    if (!std::binary_search(have.begin(), have.end(), v)) to_add.push_back(v);
  for (auto& v : remove)
    if (std::binary_search(have.begin(), have.end(), v) &&
        !std::binary_search(add.begin(), add.end(), v))
      to_remove.push_back(v);
  if (to_add.empty() && to_remove.empty()) co_return seen;
  const auto& attr = dir_.cfg().partners.customer_ids_attribute;
  std::vector<ldap::modification> changes;
  if (!to_remove.empty())
    changes.push_back(ldap::modification{
        .op = ldap::modification::kind::remove, .attribute = attr, .values = std::move(to_remove)});
  if (!to_add.empty())
    changes.push_back(ldap::modification{
        .op = ldap::modification::kind::add, .attribute = attr, .values = std::move(to_add)});
  // The lists were computed from `seen`: only that version of the entry may receive them.
  std::string dn = seen.dn;
  std::string assertion = at_version(seen.version);
  auto done = co_await dir_.ldap().modify(std::move(dn), std::move(changes), std::move(assertion));
  if (!done) co_return write_failed(done.error());
  std::string any_version;
  auto after = co_await current(std::move(seen.id), any_version);
  co_return after;
}

net::awaitable<store_result<partner_record>> mapping_store::delete_partner(
    std::string id, std::string expected_version) {
  for (int attempt = 1;; ++attempt) {
    std::string lookup_id = id;
    auto before = co_await current(std::move(lookup_id), expected_version);
    if (!before) co_return before.error();
    std::string dn = before->dn;
    std::string assertion = at_version(before->version);
    auto done = co_await dir_.ldap().remove(std::move(dn), std::move(assertion));
    if (done) co_return std::move(*before);
    auto failed = write_failed(done.error());
    if (failed.code != store_errc::conflict || !expected_version.empty() ||
        attempt == k_write_attempts)
      co_return failed;
  }
}

net::awaitable<store_result<bool>> mapping_store::link_agent(std::string agent_login,
                                                             std::string partner_id, bool linked,
                                                             link_mode mode) {
  const auto& cfg = dir_.cfg();
  auto agent = co_await find_agent(std::move(agent_login));
  if (!agent) co_return agent.error();
  if (!*agent) co_return store_error(store_errc::not_found, "no such agent");
  std::string lookup_id = partner_id;
  auto partner = co_await find_partner(std::move(lookup_id));
  if (!partner) co_return partner.error();
  // Unlinking from a partner entry that no longer exists is allowed in attribute mode (a
  // dangling partner ID); linking needs the partner.
  if (!*partner && (linked || mode == link_mode::partner_member))
    co_return store_error(store_errc::not_found, "no such partner");
  std::vector<ldap::modification> changes;
  std::string dn;
  if (mode == link_mode::agent_attribute) {
    if (!cfg.agents.partner_attribute)
      co_return store_error(store_errc::invalid, "agents.partner_attribute is not configured");
    const auto& have = (*agent)->partner_ids;
    bool present = std::binary_search(have.begin(), have.end(), partner_id);
    if (present == linked) co_return false;
    std::vector<std::string> values(1, partner_id);
    changes.push_back(ldap::modification{
        .op = linked ? ldap::modification::kind::add : ldap::modification::kind::remove,
        .attribute = *cfg.agents.partner_attribute,
        .values = std::move(values)});
    dn = (*agent)->dn;
  } else {
    if (!cfg.partners.member_attribute)
      co_return store_error(store_errc::invalid, "partners.member_attribute is not configured");
    const auto& members = (*partner)->member_dns;
    bool present = std::any_of(members.begin(), members.end(), [&](const std::string& m) {
      return ldap::same_dn(m, (*agent)->dn);
    });
    if (present == linked) co_return false;
    std::vector<std::string> values(1, (*agent)->dn);
    changes.push_back(ldap::modification{
        .op = linked ? ldap::modification::kind::add : ldap::modification::kind::remove,
        .attribute = *cfg.partners.member_attribute,
        .values = std::move(values)});
    dn = (*partner)->dn;
  }
  auto done = co_await dir_.ldap().modify(std::move(dn), std::move(changes));
  if (!done) co_return write_failed(done.error());
  co_return true;
}

net::awaitable<store_result<std::vector<std::string>>> mapping_store::distinct_customer_ids(
    std::string prefix, std::size_t limit) {
  auto ids = co_await dir_.distinct_customer_ids(std::move(prefix), limit);
  if (!ids) co_return from_ldap(ids.error());
  co_return std::move(*ids);
}

net::awaitable<store_result<std::vector<std::string>>> mapping_store::unknown_customer_ids(
    std::vector<std::string> ids) {
  sort_unique(ids);
  std::vector<std::string> unknown;
  if (ids.empty()) co_return unknown;
  const auto& c = dir_.cfg().customers;
  std::vector<std::string> seen;
  // Chunks keep each filter a reasonable size.
  constexpr std::size_t k_chunk = 200;
  for (std::size_t start = 0; start < ids.size(); start += k_chunk) {
    std::vector<filter> any;
    for (std::size_t i = start; i < std::min(ids.size(), start + k_chunk); ++i)
      any.push_back(filter::equals(c.customer_id_attribute, ids[i]));
    ldap::search_request request{
        .base_dn = c.base_dn,
        .filter = both(filter::raw(c.filter), filter::any_of(std::move(any))).str(),
        .attributes = std::vector<std::string>(1, c.customer_id_attribute),
    };
    auto found = co_await dir_.ldap().search(std::move(request));
    if (!found) co_return from_ldap(found.error());
    for (const auto& e : *found)
      if (const auto* v = e.values(c.customer_id_attribute))
        seen.insert(seen.end(), v->begin(), v->end());
  }
  sort_unique(seen);
  for (auto& id : ids)
    if (!std::binary_search(seen.begin(), seen.end(), id)) unknown.push_back(id);
  co_return unknown;
}

net::awaitable<store_result<bool>> mapping_store::group_has_member(std::string group_dn,
                                                                   std::string attribute,
                                                                   std::string member_dn) {
  ldap::search_request request{
      .base_dn = std::move(group_dn),
      .scope = ldap::search_scope::base,
      .filter = filter::equals(attribute, member_dn).str(),
      .attributes = std::vector<std::string>(1, "1.1"),
      .size_limit = 1,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) {
    if (found.error().no_such_object()) co_return false;
    co_return from_ldap(found.error());
  }
  co_return !found->empty();
}

net::awaitable<store_result<std::optional<std::vector<std::string>>>>
mapping_store::customer_ids_of_customer(std::string login) {
  const auto& c = dir_.cfg().customers;
  ldap::search_request request{
      .base_dn = c.base_dn,
      .filter = both(filter::raw(c.filter), filter::equals(c.login_attribute, login)).str(),
      .attributes = std::vector<std::string>(1, c.customer_id_attribute),
      .size_limit = 2,
  };
  auto found = co_await dir_.ldap().search(std::move(request));
  if (!found) {
    if (found.error().code == ldap::errc::size_limit_exceeded)
      co_return store_error(store_errc::invalid, "more than one customer with this login");
    co_return from_ldap(found.error());
  }
  if (found->size() > 1)
    co_return store_error(store_errc::invalid, "more than one customer with this login");
  if (found->empty()) co_return std::optional<std::vector<std::string>>{};
  auto ids = values_or_empty(found->front(), c.customer_id_attribute);
  sort_unique(ids);
  co_return std::optional<std::vector<std::string>>(std::move(ids));
}

net::awaitable<store_result<void>> mapping_store::set_agent_attribute(
    std::string dn, std::string attribute, std::optional<std::string> value) {
  ldap::modification m;
  m.attribute = std::move(attribute);
  if (value) {
    m.op = ldap::modification::kind::replace;
    m.values.push_back(std::move(*value));
  } else {
    m.op = ldap::modification::kind::remove;
  }
  std::vector<ldap::modification> changes;
  changes.push_back(std::move(m));
  auto written = co_await dir_.ldap().modify(std::move(dn), std::move(changes));
  if (!written) co_return write_failed(written.error());
  co_return store_result<void>{};
}

}  // namespace scopegate::mapping
