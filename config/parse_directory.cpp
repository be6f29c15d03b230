// Sections about the directory's contents: agents, partners, customers, scope and access.
#include <algorithm>

#include "config/detail/checks.hpp"
#include "config/detail/sections.hpp"

namespace scopegate::config::detail {

void parse_agents(const parser& p, const value& v, agents_config& c) {
  section s(p, v,
            {"base_dn", "filter", "login_attribute", "partner_attribute", "access_mode_attribute",
             "contact_visibility_attribute", "daily_limit_attribute"});
  c.base_dn = p.dn(s.require("base_dn"));
  if (auto f = s.get("filter")) c.filter = p.filter(*f);
  if (auto a = s.get("login_attribute")) c.login_attribute = p.attribute(*a);
  if (auto a = s.get_set("partner_attribute")) c.partner_attribute = p.attribute(*a);
  if (auto a = s.get("access_mode_attribute")) c.access_mode_attribute = p.attribute(*a);
  if (auto a = s.get("contact_visibility_attribute"))
    c.contact_visibility_attribute = p.attribute(*a);
  if (auto a = s.get("daily_limit_attribute")) c.daily_limit_attribute = p.attribute(*a);
}

void parse_partners(const parser& p, const value& v, partners_config& c) {
  section s(p, v,
            {"base_dn", "filter", "id_attribute", "customer_ids_attribute", "member_attribute",
             "name_attribute"});
  c.base_dn = p.dn(s.require("base_dn"));
  if (auto f = s.get("filter")) c.filter = p.filter(*f);
  if (auto a = s.get("id_attribute")) c.id_attribute = p.attribute(*a);
  if (auto a = s.get("customer_ids_attribute")) c.customer_ids_attribute = p.attribute(*a);
  if (auto a = s.get_set("member_attribute")) c.member_attribute = p.attribute(*a);
  if (auto a = s.get("name_attribute")) c.name_attribute = p.attribute(*a);
}

namespace {

// customers.fields: JSON name -> attribute, in file order; a default set when absent.
void parse_fields(const parser& p, const section& s, customers_config& c) {
  c.fields.clear();
  if (auto f = s.get_set("fields")) {
    section fields(p, *f, {});  // any key; duplicates are refused by `section`
    fields.for_each([&](const std::string& name, const value& attr, int key_line) {
      if (!valid_field_name(name))
        p.fail(attr.path, key_line, "field names must match [a-z_][a-z0-9_]*, got " + quote(name));
      c.fields.push_back({name, p.attribute(attr)});
    });
    if (c.fields.empty()) p.fail(*f, "at least one field is needed");
  } else {
    c.fields = {{"login", c.login_attribute},
                {"customer_id", c.customer_id_attribute},
                {"name", "cn"},
                {"email", "mail"},
                {"phone", "telephoneNumber"}};
  }
}

}  // namespace

void parse_customers(const parser& p, const value& v, customers_config& c) {
  section s(p, v,
            {"base_dn", "filter", "login_attribute", "customer_id_attribute", "search_attributes",
             "fields", "max_results", "index", "index_max_staleness_seconds", "owner_attribute",
             "editable_fields", "object_classes", "login_prefix"});
  c.base_dn = p.dn(s.require("base_dn"));
  if (auto f = s.get("filter")) c.filter = p.filter(*f);
  if (auto a = s.get("login_attribute")) c.login_attribute = p.attribute(*a);
  if (auto a = s.get("customer_id_attribute")) c.customer_id_attribute = p.attribute(*a);
  if (auto a = s.get("search_attributes")) {
    c.search_attributes.clear();
    for (const auto& item : p.list(*a))
      c.search_attributes.push_back(p.attribute(item));
    if (c.search_attributes.empty())
      p.fail(*a, "at least one attribute is needed for customer searches");
  }
  parse_fields(p, s, c);
  // Searches ask the directory for one more than this (to tell "too many"): stay far from
  // INT_MAX, where that would wrap around to "no limit".
  set_int(p, s, "max_results", c.max_results, 1, 10'000'000);
  if (auto i = s.get("index"))
    c.index =
        p.one_of(*i, {"memory", "ldap"}) == "ldap" ? customer_index::ldap : customer_index::memory;
  set_int(p, s, "index_max_staleness_seconds", c.index_max_staleness_seconds, 0, 86'400);
  if (auto a = s.get("owner_attribute")) c.owner_attribute = p.attribute(*a);
  if (auto prefix = s.get("login_prefix")) {
    c.login_prefix = p.scalar(*prefix, "a login prefix");
    bool ok = c.login_prefix.size() <= 32 &&
              std::all_of(c.login_prefix.begin(), c.login_prefix.end(), [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
              });
    if (!ok)
      p.fail(*prefix, "expected at most 32 letters, digits, '-', '_' or '.', got " +
                          p.show(*prefix, c.login_prefix));
  }
  if (auto e = s.get("editable_fields")) {
    c.editable_fields.clear();
    for (const auto& item : p.list(*e)) {
      auto name = p.non_empty(item, "a field name from customers.fields");
      if (std::none_of(c.fields.begin(), c.fields.end(),
                       [&](const customer_field& f) { return f.name == name; }))
        p.fail(item, "no field " + p.show(item, name) + " in customers.fields");
      if (name == "login") p.fail(item, "the login cannot be edited (it names the entry)");
      c.editable_fields.push_back(name);
    }
  }
  if (auto o = s.get("object_classes")) {
    c.object_classes.clear();
    for (const auto& item : p.list(*o))
      c.object_classes.push_back(p.attribute(item));
    if (c.object_classes.empty()) p.fail(*o, "at least one object class is needed");
  }
}

void parse_scope(const parser& p, const value& v, scope_config& c) {
  section s(p, v,
            {"unassigned_agents", "bypass_groups", "group_member_attribute", "cache_ttl_seconds",
             "cache_max_entries", "creator_only_groups", "fieldworkers_see_all_customers"});
  if (auto u = s.get("unassigned_agents"))
    c.unassigned_agents =
        p.one_of(*u, {"deny", "all"}) == "all" ? unassigned_policy::all : unassigned_policy::deny;
  if (auto g = s.get("bypass_groups")) c.bypass_groups = p.dn_list(*g);
  if (auto a = s.get("group_member_attribute")) c.group_member_attribute = p.attribute(*a);
  set_int(p, s, "cache_ttl_seconds", c.cache_ttl_seconds, 0, k_max_int);
  set_int(p, s, "cache_max_entries", c.cache_max_entries, 1, k_max_size);
  if (auto g = s.get("creator_only_groups")) c.creator_only_groups = p.dn_list(*g);
  if (auto f = s.get("fieldworkers_see_all_customers"))
    c.fieldworkers_see_all_customers = p.boolean(*f);
}

namespace {

access_mode mode_of(const parser& p, const value& v) {
  return *parse_access_mode(
      p.one_of(v, {"full", "edit", "edit_import", "edit_export", "view_only", "hidden"}));
}

}  // namespace

void parse_access(const parser& p, const value& v, access_config& c) {
  section s(p, v, {"default_mode", "group_modes"});
  if (auto d = s.get("default_mode")) c.default_mode = mode_of(p, *d);
  if (auto g = s.get("group_modes")) {
    c.group_modes.clear();
    for (const auto& item : p.list(*g)) {
      section gs(p, item, {"group", "mode"});
      group_mode gm;
      gm.group_dn = p.dn(gs.require("group"));
      gm.mode = mode_of(p, gs.require("mode"));
      c.group_modes.push_back(std::move(gm));
    }
  }
}

}  // namespace scopegate::config::detail
