#include "mapping/customer_store.hpp"

#include <algorithm>
#include <random>

#include "ldap/ascii.hpp"
#include "ldap/filter.hpp"

namespace scopegate::mapping {

write_error to_write_error(const ldap::error& e) {
  auto kind = write_errc::refused;
  switch (e.code) {
    case ldap::errc::already_exists:
      kind = write_errc::exists;
      break;
    case ldap::errc::no_such_object:
      kind = write_errc::not_found;
      break;
    case ldap::errc::constraint_violation:
      kind = write_errc::constraint;
      break;
    case ldap::errc::schema_violation:
      kind = write_errc::schema;
      break;
    case ldap::errc::insufficient_access:
      kind = write_errc::forbidden;
      break;
    default:
      if (e.unavailable()) kind = write_errc::unavailable;
      break;
  }
  return write_error(kind, e.message);
}

namespace {

write_result<void> from_ldap(const result<void>& r) {
  if (r) return {};
  return to_write_error(r.error());
}

}  // namespace

std::string new_login(std::string_view prefix) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::random_device random;  // the kernel's random source, not a seeded generator
  std::string login(prefix);
  for (int word = 0; word < 3; ++word) {
    std::uint32_t bits = random();
    for (int nibble = 0; nibble < 8; ++nibble, bits >>= 4)
      login += k_hex[bits & 0xf];
  }
  return login;
}

customer_store::customer_store(directory& dir) : dir_(dir) {}

std::string customer_store::dn_for(std::string_view login) const {
  const auto& c = dir_.cfg().customers;
  return c.login_attribute + "=" + ldap::escape_dn_value(login) + "," + c.base_dn;
}

std::string customer_store::attribute_of(std::string_view field) const {
  for (const auto& f : dir_.cfg().customers.fields)
    if (f.name == field) return f.attribute;
  return {};
}

namespace {

bool has_class(const std::vector<std::string>& classes, std::string_view name) {
  return std::any_of(classes.begin(), classes.end(),
                     [&](const std::string& c) { return ldap::ascii_iequals(c, name); });
}

std::vector<ldap::attribute> entry_attributes(const config::customers_config& c,
                                              const customer_store& store,
                                              const field_changes& fields,
                                              const std::string& owner_dn) {
  std::vector<ldap::attribute> attrs;
  attrs.push_back({"objectClass", c.object_classes});
  auto value_of = [&](const std::string& attribute) -> const std::string* {
    for (const auto& a : attrs)
      if (a.name == attribute && !a.values.empty()) return &a.values.front();
    return nullptr;
  };
  for (const auto& [field, value] : fields) {
    if (!value) continue;
    auto attribute = store.attribute_of(field);
    if (attribute.empty()) continue;
    auto it = std::find_if(attrs.begin(), attrs.end(),
                           [&](const ldap::attribute& a) { return a.name == attribute; });
    if (it == attrs.end()) attrs.push_back({attribute, {*value}});
  }
  auto login = fields.find("login");
  if (login != fields.end() && login->second && !value_of(c.login_attribute))
    attrs.push_back({c.login_attribute, {*login->second}});
  // person/inetOrgPerson require cn and sn: default them rather than fail on schema.
  if (has_class(c.object_classes, "person") || has_class(c.object_classes, "inetOrgPerson")) {
    const std::string* login_value = value_of(c.login_attribute);
    if (!value_of("cn") && login_value) attrs.push_back({"cn", {*login_value}});
    if (!value_of("sn")) {
      const std::string* cn = value_of("cn");
      if (cn) attrs.push_back({"sn", {*cn}});
    }
  }
  if (!owner_dn.empty()) attrs.push_back({c.owner_attribute, {owner_dn}});
  return attrs;
}

}  // namespace

net::awaitable<write_result<std::string>> customer_store::create(field_changes fields,
                                                                 std::string owner_dn) {
  const auto& c = dir_.cfg().customers;
  if (fields.contains("login"))
    co_return write_error(write_errc::invalid, "logins are assigned by the gateway");
  // A taken login can only be a 1 in 2^96 accident: draw again, a few times at most.
  constexpr int k_attempts = 4;
  for (int attempt = 0; attempt < k_attempts; ++attempt) {
    std::string login = new_login(c.login_prefix);
    fields["login"] = login;
    std::string dn = dn_for(login);
    auto attrs = entry_attributes(c, *this, fields, owner_dn);
    auto added = co_await dir_.ldap().add(std::move(dn), std::move(attrs));
    if (added) co_return login;
    if (added.error().code != ldap::errc::already_exists) co_return to_write_error(added.error());
  }
  co_return write_error(write_errc::refused, "no free login after several random draws");
}

net::awaitable<write_result<void>> customer_store::update(std::string dn, field_changes changes) {
  std::vector<ldap::modification> mods;
  for (const auto& [field, value] : changes) {
    auto attribute = attribute_of(field);
    if (attribute.empty()) continue;
    ldap::modification m;
    m.attribute = attribute;
    if (value) {
      m.op = ldap::modification::kind::replace;
      m.values.push_back(*value);
    } else {
      m.op = ldap::modification::kind::replace;  // replace with no values removes, and is
                                                 // not an error when the attribute is absent
    }
    mods.push_back(std::move(m));
  }
  if (mods.empty()) co_return write_result<void>{};
  auto modified = co_await dir_.ldap().modify(std::move(dn), std::move(mods));
  co_return from_ldap(modified);
}

net::awaitable<write_result<void>> customer_store::remove(std::string dn) {
  auto removed = co_await dir_.ldap().remove(std::move(dn));
  co_return from_ldap(removed);
}

}  // namespace scopegate::mapping
