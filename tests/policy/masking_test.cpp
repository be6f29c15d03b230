// Masking styles, who sees what, and which attributes `q` may still match.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "policy/masking.hpp"

using namespace scopegate;
using namespace scopegate::policy;

namespace {

config::config base_config() {
  return config::parse_config(R"(ldap:
  uris: ldap://localhost
agents:
  base_dn: ou=people,dc=x
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=x
customers:
  base_dn: ou=customers,dc=x
  search_attributes: [uid, cn, mail, telephoneNumber]
  fields:
    login: uid
    customer_id: scopegateCustomerId
    name: cn
    email: mail
    phone: telephoneNumber
)");
}

mapping::access_scope scope_with(mapping::scope_rule rule) {
  mapping::access_scope s;
  s.kind = mapping::scope_kind::all;
  s.rule = rule;
  if (rule == mapping::scope_rule::bypass_group) s.bypass_group = "cn=owners,dc=x";
  return s;
}

}  // namespace

TEST_CASE("redact replaces the whole value") {
  CHECK(mask_value(config::mask_style::redact, "alice@example.net") == "***");
  CHECK(mask_value(config::mask_style::redact, "+49 30 1234 5") == "***");
  CHECK(mask_value(config::mask_style::redact, "") == "***");
}

TEST_CASE("partial: phone keeps its last two digits, email its first letter and domain") {
  auto p = config::mask_style::partial;
  CHECK(mask_value(p, "+49 30 1234 567") == "***67");
  CHECK(mask_value(p, "+49 30 1234 5-6 ") == "***56");
  CHECK(mask_value(p, "7") == "***");
  CHECK(mask_value(p, "call me") == "***");
  CHECK(mask_value(p, "alice@example.net") == "a***@example.net");
  CHECK(mask_value(p,
                   "\xc3\x9c"
                   "bel@example.net") == "\xc3\x9c***@example.net");
  CHECK(mask_value(p, "@example.net") == "***");
  CHECK(mask_value(p, "alice@") == "***");
}

TEST_CASE("who sees unmasked values") {
  config::masking_config on;
  auto plain = scope_with(mapping::scope_rule::partner_mapping);
  auto owner = scope_with(mapping::scope_rule::bypass_group);
  using vs = visibility_setting;
  CHECK(decide_contact_view(on, vs::absent, plain, "").view == contact_view::masked);
  CHECK(decide_contact_view(on, vs::masked, plain, "").view == contact_view::masked);
  CHECK(decide_contact_view(on, vs::visible, plain, "").view == contact_view::unmasked);
  CHECK(decide_contact_view(on, vs::absent, owner, "").view == contact_view::unmasked);
  CHECK(decide_contact_view(on, vs::absent, plain, "cn=viewers").view == contact_view::unmasked);
  // Blocked (or unreadable) always wins, even for owners and with masking off.
  CHECK(decide_contact_view(on, vs::blocked, owner, "cn=viewers").view == contact_view::blocked);
  CHECK(decide_contact_view(on, vs::invalid, plain, "").view == contact_view::blocked);
  config::masking_config off;
  off.enabled = false;
  CHECK(decide_contact_view(off, vs::absent, plain, "").view == contact_view::unmasked);
  CHECK(decide_contact_view(off, vs::blocked, plain, "").view == contact_view::blocked);
}

TEST_CASE("reading the visibility attribute") {
  std::vector<std::string> v{"Visible"};
  CHECK(read_visibility(&v) == visibility_setting::visible);
  v = {"BLOCKED"};
  CHECK(read_visibility(&v) == visibility_setting::blocked);
  v = {"masked"};
  CHECK(read_visibility(&v) == visibility_setting::masked);
  v = {"sometimes"};
  CHECK(read_visibility(&v) == visibility_setting::invalid);
  v = {"visible", "masked"};
  CHECK(read_visibility(&v) == visibility_setting::invalid);
  CHECK(read_visibility(nullptr) == visibility_setting::absent);
}

TEST_CASE("masker applies per view and drops masked attributes from q") {
  auto cfg = base_config();
  masker m(cfg);
  mapping::customer_record r;
  r.login = "alice";
  mapping::set_customer_ids(r, {"C1"});
  r.values = {"alice", "C1", "Alice", "alice@example.net", "+49 30 1234 567"};
  auto masked = r;
  m.apply(masked, contact_view::masked);
  CHECK(*masked.values[0] == "alice");
  CHECK(*masked.values[2] == "Alice");
  CHECK(*masked.values[3] == "***");
  CHECK(*masked.values[4] == "***");
  auto unmasked = r;
  m.apply(unmasked, contact_view::unmasked);
  CHECK(unmasked.values == r.values);
  r.values[3] = std::nullopt;
  m.apply(r, contact_view::blocked);
  CHECK_FALSE(r.values[3].has_value());

  CHECK(*m.search_attributes(contact_view::unmasked) ==
        std::vector<std::string>{"uid", "cn", "mail", "telephoneNumber"});
  CHECK(*m.search_attributes(contact_view::masked) == std::vector<std::string>{"uid", "cn"});

  cfg.masking.style = config::mask_style::partial;
  masker partial(cfg);
  mapping::customer_record p;
  p.login = "bob";
  mapping::set_customer_ids(p, {"C2"});
  p.values = {"bob", "C2", "Bob", "bob@example.net", "0301234599"};
  partial.apply(p, contact_view::masked);
  CHECK(*p.values[3] == "b***@example.net");
  CHECK(*p.values[4] == "***99");
  mapping::customer_record b;
  b.login = "bob";
  mapping::set_customer_ids(b, {"C2"});
  b.values = {"bob", "C2", "Bob", "bob@example.net", "0301234599"};
  partial.apply(b, contact_view::blocked);  // blocked agents always get placeholders
  CHECK(*b.values[3] == "***");
}

TEST_CASE("when every search attribute is masked, q can match nothing") {
  auto cfg = base_config();
  cfg.customers.search_attributes = {"mail"};
  masker m(cfg);
  CHECK_FALSE(m.search_attributes(contact_view::masked).has_value());
  CHECK(m.search_attributes(contact_view::unmasked).has_value());
}

TEST_CASE("personal limit from the agent entry") {
  mapping::agent a;
  a.login = "a1";
  config::agents_config cfg;
  CHECK_FALSE(personal_limit(a, cfg).has_value());
  a.entry.attributes.push_back({"scopegateDailyRevealLimit", {"3"}});
  CHECK(personal_limit(a, cfg) == 3);
  a.entry.attributes.back().values = {"-1"};
  CHECK_FALSE(personal_limit(a, cfg).has_value());
  a.entry.attributes.back().values = {"lots"};
  CHECK_FALSE(personal_limit(a, cfg).has_value());
}

TEST_CASE("masked fields are not searchable for masked and blocked agents, whatever the case") {
  auto cfg = base_config();
  // The search list names the masked attributes in another case than the field mapping.
  cfg.customers.search_attributes = {"UID", "MAIL", "TelephoneNumber", "cn"};
  masker m(cfg);
  for (auto view : {contact_view::masked, contact_view::blocked}) {
    auto attrs = m.search_attributes(view);
    REQUIRE(attrs.has_value());
    CHECK(*attrs == std::vector<std::string>{"UID", "cn"});
  }
  CHECK(m.search_attributes(contact_view::unmasked)->size() == 4);
  // Blocked agents with only contact attributes searchable: q matches nothing at all.
  cfg.customers.search_attributes = {"mail", "telephoneNumber"};
  masker only_contacts(cfg);
  CHECK_FALSE(only_contacts.search_attributes(contact_view::blocked).has_value());
  // With masking off, nothing is hidden from search either (view is then unmasked).
  cfg.masking.enabled = false;
  masker off(cfg);
  CHECK(off.search_attributes(contact_view::unmasked)->size() == 2);
}
